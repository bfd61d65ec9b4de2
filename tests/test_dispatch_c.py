"""The C dispatcher (runtime_c/npaccel_dispatch.c, runtime/call_plan.py, runtime/dispatch_ext.py).

From a signature's second call its calls run through the C extension. Every result must
equal NumPy's exactly as on the Python path, and every unusual call (another signature,
keywords, a read-only written argument, overlapping memory, a failed check, a kernel's
error code, ...) must go back to the Python path, which handles it as it always did.
``c_calls`` counts the calls the C side ran, so that each test proves which path ran.
"""
from __future__ import annotations

import gc
import os
import sysconfig
import threading
import warnings
import weakref

import numpy as np
import pytest

from harness import assert_same_value, check_same, check_same_default
from npaccel import accelerate
from npaccel.runtime import dispatch_ext
from test_fork import LARGE, assert_child_ok, in_child


@pytest.fixture(scope="module", autouse=True)
def _extension():
    """The extension must build wherever Python's headers are installed."""
    if not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")):
        pytest.skip("no Python.h for this interpreter: the C dispatcher cannot be built here")
    assert dispatch_ext.extension() is not None, "the C dispatcher did not build (log at INFO says why)"


def c_calls(acc) -> int:
    return acc._fast.hits if acc._fast is not None else 0


def check_c(fn, make_args, rtol=None):
    """check_same over three calls: compile, attach, then one through C (proved)."""
    acc = check_same(fn, make_args, calls=3, rtol=rtol)
    assert c_calls(acc) == 1, "the third call did not run through the C dispatcher"
    return acc


def warmed(fn, *args, fallback="raise"):
    """accelerate(fn) called twice with ``args``: its next call of that signature is C's."""
    acc = accelerate(fn, fallback=fallback)
    for _ in range(2):
        acc(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    assert acc._fast is not None and acc._fast.plans >= 1
    return acc


# ---- functions ------------------------------------------------------------------------------

def add(a, b):
    return a + b


def add8(a, b, c, d, e, f, g, h):
    return a + b + c + d + e + f + g + h


def scale(a, s):
    return a * s


def scalars(x, y):
    return x * y + 1


def total(a):
    return np.sum(a * a)


def pair(a, b):
    return a + b, a - b


def length(a):
    return len(a), a.shape[0] * 2


def same(a):
    return a


def fill(out, v):
    out[:] = v


def shift_into(out, x):
    out[1:] = x[:-1] + 1.0


def bump_then_divide(out, n, m):
    out += 1.0
    return n // m


def divide(a, n, m):
    return a * (n // m)


def square_int(a, n):
    return a * (n * n)


def greater(x, y):
    return x > y


def with_constants(a):
    return a * 2.0, 7, 2.5


def add_small(a, s):
    return a + s


def largest(a):
    return np.max(a)


def third(a):
    return a[2]


def as_matrix(a):
    return a.reshape(2, 3)


def zeros_of(n):
    return np.zeros(n)


def matvec(m, v):
    return m @ v


# ---- every parameter kind --------------------------------------------------------------------

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64, np.float32,
          np.float64, np.complex64, np.complex128]


def _sample(dtype, *shape):
    values = np.arange(1, int(np.prod(shape)) + 1).reshape(shape) % 7
    return values.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_arrays_of_each_dtype(dtype):
    check_c(add, lambda: (_sample(dtype, 5), _sample(dtype, 5)[::-1]))


LAYOUTS = {
    "size_one": lambda: (np.ones(1), np.full(1, 2.0)),
    "zero_d": lambda: (np.array(1.5), np.array(2.5)),
    "empty": lambda: (np.zeros((0, 3)), np.zeros((0, 3))),
    "two_d": lambda: (_sample(np.float64, 4, 5), _sample(np.float64, 4, 5)),
    "strided": lambda: (_sample(np.float64, 8, 10)[::2, 1::3], _sample(np.float64, 4, 3)),
    "negative": lambda: (_sample(np.float64, 6, 5)[::-1, ::-2], _sample(np.float64, 6, 3)),
    "fortran": lambda: (np.asfortranarray(_sample(np.float64, 6, 5)), _sample(np.float64, 6, 5)),
    "broadcast": lambda: (_sample(np.float64, 4, 1), _sample(np.float64, 1, 5)),
    "small_last": lambda: (_sample(np.float64, 4, 3), _sample(np.float64, 4, 3)),
    "size_one_strided": lambda: (np.ones((3, 1))[:, ::2], np.ones((3, 1))),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_array_layouts(layout):
    check_c(add, LAYOUTS[layout])


SCALARS = {"float": 2.5, "int": 3, "negative_int": -7, "bool": True, "complex": 1 - 2j,
           "np_float32": np.float32(1.5), "np_float64": np.float64(-0.5), "np_int64": np.int64(4),
           "np_int8": np.int8(-3), "np_uint64": np.uint64(2 ** 63 + 5), "np_bool": np.bool_(True),
           "np_complex64": np.complex64(1 + 1j), "int64_max": 2 ** 63 - 1}


@pytest.mark.parametrize("name", list(SCALARS))
def test_scalars_of_each_type(name):
    value = SCALARS[name]
    base = np.arange(5, dtype=np.uint64) if name == "np_uint64" else np.arange(5.0)
    check_c(scale, lambda: (base, value))


@pytest.mark.parametrize("x, y", [(2.0, 3.0), (2, 3), (True, False), (1.5, 2), (1j, 2.0)])
def test_python_scalar_results(x, y):
    """0-d weak results come back as Python scalars, as NumPy's do."""
    check_c(scalars, lambda: (x, y))
    check_c(greater, lambda: (x.real if isinstance(x, complex) else x, y))


@pytest.mark.parametrize("fn, make", [
    (total, lambda: (np.arange(6.0),)),            # a NumPy scalar
    (pair, lambda: (np.arange(3.0), np.ones(3))),  # a tuple
    (length, lambda: (np.arange(4.0),)),           # Python ints from sizes
    (same, lambda: (np.arange(3.0),)),             # the argument itself
    (fill, lambda: (np.zeros(4), 2.0)),            # None, an argument written
    (with_constants, lambda: (np.arange(2.0),)),   # constants
    (zeros_of, lambda: (4,)),                      # a shape from an int argument
], ids=["numpy_scalar", "tuple", "sizes", "argument", "none", "constants", "int_shape"])
def test_result_kinds(fn, make):
    check_c(fn, make)


def test_the_argument_itself_is_returned():
    acc = warmed(same, np.arange(3.0))
    x = np.arange(3.0)
    assert acc(x) is x and c_calls(acc) == 1


def test_blas_kernels():
    check_c(matvec, lambda: (_sample(np.float64, 40, 30), _sample(np.float64, 30)), rtol=1e-12)


def test_eight_arguments():
    check_c(add8, lambda: tuple(np.full(1, float(i)) for i in range(8)))


def test_large_outputs_come_from_the_pool():
    """Outputs of 1 MiB or more go through runtime/outputs.py (its recycled blocks)."""
    n = 300_000
    acc = check_c(add, lambda: (np.ones(n), np.arange(float(n))))
    out = acc(np.ones(n), np.ones(n))
    assert out.base is not None and c_calls(acc) == 2


# ---- every way back to the Python path ------------------------------------------------------

def test_other_dtype_ndim_or_layout_compiles_a_new_signature():
    acc = warmed(add, np.ones(4), np.ones(4))
    others = [(np.ones(4, np.float32), np.ones(4, np.float32)), (np.ones((2, 2)), np.ones((2, 2))),
              (np.ones(8)[::2], np.ones(4)), (np.ones(1), np.ones(4)), (np.ones(4), np.ones(4, np.int64))]
    for i, args in enumerate(others):
        assert_same_value(acc(*args), add(*args))
        assert c_calls(acc) == 0
        assert acc.stats()["signatures"] == 2 + i
    assert_same_value(acc(np.ones(4), np.ones(4)), np.full(4, 2.0))
    assert c_calls(acc) == 1


def test_wrong_arity_raises_pythons_type_error():
    acc = warmed(add, np.ones(2), np.ones(2))
    for args in [(np.ones(2),), (np.ones(2), np.ones(2), np.ones(2)), ()]:
        with pytest.raises(TypeError) as plain:
            add(*args)
        with pytest.raises(TypeError) as got:
            acc(*args)
        assert str(got.value) == str(plain.value)
    assert c_calls(acc) == 0


def test_keyword_arguments_take_the_python_path():
    acc = warmed(add, np.ones(2), np.ones(2))
    assert_same_value(acc(np.ones(2), b=np.arange(2.0)), np.array([1.0, 2.0]))
    assert_same_value(acc(a=np.ones(2), b=np.ones(2)), np.full(2, 2.0))
    assert c_calls(acc) == 0 and acc.stats()["calls"] == 4


def test_broadcast_mismatch_raises_numpys_error():
    acc = warmed(add, np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="could not be broadcast"):
        acc(np.ones(3), np.ones(4))
    assert c_calls(acc) == 0


@pytest.mark.parametrize("fn, good, bad", [
    (add_small, (np.arange(3, dtype=np.uint8), 3), (np.arange(3, dtype=np.uint8), 1000)),   # int range
    (largest, (np.arange(4.0),), (np.zeros(0),)),                                         # empty reduction
    (third, (np.arange(5.0),), (np.arange(2.0),)),                                        # index in range
    (as_matrix, (np.arange(6.0),), (np.arange(8.0),)),                                    # sizes
    (zeros_of, (3,), (-1,)),                                                              # negative size
], ids=["scalar_fits", "non_empty", "index", "reshape", "negative_size"])
def test_failed_checks_raise_numpys_error(fn, good, bad):
    acc = warmed(fn, *good)
    with pytest.raises(Exception) as plain:
        fn(*bad)
    with pytest.raises(type(plain.value)):
        acc(*bad)
    assert c_calls(acc) == 0
    assert_same_value(acc(*good), fn(*good))
    assert c_calls(acc) == 1


def test_read_only_written_argument_raises_before_writing():
    acc = warmed(fill, np.zeros(3), 1.0)
    out = np.zeros(3)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        acc(out, 5.0)
    assert c_calls(acc) == 0 and np.array_equal(out, np.zeros(3))
    view = np.broadcast_to(np.zeros(3), (3,))
    with pytest.raises(ValueError):
        acc(view, 5.0)
    assert c_calls(acc) == 0


def test_read_only_input_that_is_not_written_runs_in_c():
    acc = warmed(add, np.ones(3), np.ones(3))
    x = np.arange(3.0)
    x.flags.writeable = False
    assert_same_value(acc(x, x), np.arange(3.0) * 2)
    assert c_calls(acc) == 1


def test_overlapping_written_argument_behaves_as_numpy():
    acc = warmed(shift_into, np.zeros(5), np.arange(5.0))
    out = np.arange(5.0)
    expected = np.arange(5.0)
    shift_into(expected, expected)
    acc(out, out)
    assert_same_value(out, expected)
    assert c_calls(acc) == 0
    out, x = np.zeros(5), np.arange(5.0)       # disjoint: C
    acc(out, x)
    assert_same_value(out, np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
    assert c_calls(acc) == 1


def test_kernel_error_codes_raise_pythons_errors():
    acc = warmed(divide, np.ones(2), 7, 2)
    with pytest.raises(ZeroDivisionError):
        acc(np.ones(2), 7, 0)
    assert c_calls(acc) == 1                   # the kernel ran and reported the error
    assert_same_value(acc(np.ones(2), -7, 2), np.full(2, -4.0))


def test_kernel_error_after_a_write_writes_once():
    acc = warmed(bump_then_divide, np.zeros(2), 7, 2)
    out = np.zeros(2)
    with pytest.raises(ZeroDivisionError):
        acc(out, 7, 0)
    assert_same_value(out, np.ones(2))         # Python writes, then raises: once
    assert c_calls(acc) == 1


def test_python_int_overflow_reruns_in_python():
    """Python ints do not wrap: the kernel reports the overflow, the plain function runs."""
    acc = warmed(square_int, np.ones(2), 3)
    n = 2 ** 40
    assert_same_value(acc(np.ones(2), n), square_int(np.ones(2), n))
    assert c_calls(acc) == 1


def test_ints_beyond_64_bits_take_the_python_path():
    check_same_default(scale, lambda: (np.arange(3.0), 2 ** 70), calls=3)
    acc = warmed(scale, np.arange(3.0), 5, fallback="silent")
    assert_same_value(acc(np.arange(3.0), 2 ** 70), np.arange(3.0) * 2 ** 70)
    assert c_calls(acc) == 0


def test_subclasses_and_other_objects_take_the_python_path():
    acc = warmed(add, np.ones(2), np.ones(2), fallback="silent")
    m = np.ones(2).view(np.matrix)
    assert_same_value(acc(np.ones(2), [1.0, 2.0]), add(np.ones(2), [1.0, 2.0]))
    assert type(acc(m, m)) is np.matrix
    assert c_calls(acc) == 0


# ---- process and configuration -------------------------------------------------------------

def test_stats_count_the_calls_c_ran():
    acc = warmed(add, np.ones(2), np.ones(2))
    for _ in range(5):
        acc(np.ones(2), np.ones(2))
    stats = acc.stats()
    assert (stats["calls"], stats["memory_hits"], c_calls(acc)) == (7, 6, 5)


def test_recompile_drops_the_plans():
    acc = warmed(add, np.ones(2), np.ones(2))
    acc.recompile()
    assert acc._fast.plans == 0
    assert_same_value(acc(np.ones(2), np.ones(2)), np.full(2, 2.0))
    assert c_calls(acc) == 0


def test_dropped_functions_are_collected():
    """A plan reaches its function through the Python caller's globals: the collector sees
    that cycle through the C objects."""
    acc = warmed(add, np.ones(2), np.ones(2))
    acc(np.ones(2), np.ones(2))
    ref = weakref.ref(acc)
    del acc
    gc.collect()
    assert ref() is None


def test_threads_share_a_dispatcher():
    acc = warmed(scale, np.ones(1000), 2.0)
    errors = []

    def work(k):
        for i in range(200):
            x = np.full(1000, float(k))
            if not np.array_equal(acc(x, float(i)), x * float(i)):
                errors.append((k, i))
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and c_calls(acc) == 800


def test_forked_child_calls_through_c_serially():
    """A child of a parent that ran parallel regions runs kernels on one thread: the C
    side reads the thread count the Python caller has (runtime/forking.py sets it to 1)."""
    x, y = np.random.default_rng(0).standard_normal((2, LARGE))
    acc = warmed(scale, x, 2.0)
    acc(x, 2.0)
    assert c_calls(acc) == 1

    def body():
        assert_same_value(acc(x, 3.0), x * 3.0)
        assert_same_value(acc(y, 0.5), y * 0.5)
        assert c_calls(acc) == 3
    assert_child_ok(in_child(body))
    assert_same_value(acc(x, 2.0), x * 2.0)


def test_without_the_extension_calls_take_the_python_path(fresh_config):
    fresh_config(NPACCEL_NO_C_DISPATCH="1")
    acc = check_same(pair, lambda: (np.arange(3.0), np.ones(3)), calls=4)
    assert acc._fast is None and acc.stats()["memory_hits"] == 3


def test_an_extension_that_does_not_build_leaves_the_python_path_quietly(monkeypatch, tmp_path):
    broken = tmp_path / "npaccel_dispatch.c"
    broken.write_text("#include <Python.h>\nthis is not C;\n")
    monkeypatch.setattr(dispatch_ext, "_state", {"tried": False, "module": None})
    monkeypatch.setattr(dispatch_ext, "source_path", lambda: broken)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        acc = check_same(pair, lambda: (np.arange(3.0), np.ones(3)), calls=4)
    assert acc._fast is None and dispatch_ext.extension() is None
    assert acc.stats()["memory_hits"] == 3


def test_default_fallback_mode():
    acc, warned = check_same_default(add, lambda: (np.arange(3.0), np.ones(3)), calls=4)
    assert c_calls(acc) == 2 and not warned


# ---- sizes from int arguments and slice lengths, run-time broadcast checks -----------------
#
# Shapes such as len(x[lo:hi]) (NumPy's clipping), np.zeros(k), x[:n] + x[1:n + 1] (equal, or
# one of them 1) are computed in C (opcodes SLICE, BCAST, CHECK_BCAST). A check that fails,
# or an int64 overflow where Python goes on with a big int, is a MISS: the Python caller
# then raises exactly its exception (or runs the plain function). Each case names the path
# it must take: "C" (the kernel ran from C) or "py".

def head(x, n):
    return x[:n] * 2.0


def window(x, lo, hi):
    return x[lo:hi] + 1.0


def every(x, k):
    return x[::k] * 1.0


def shifted(x, n):
    return x[:n] + x[1:n + 1]


def put_head(out, y, n, m):
    out[:n] = y[:m]


def tail_sizes(x, n):
    return len(x[n:]), x[-n:] * 1.0


def zeros_plus(a, k):
    return np.zeros(k) + a[k - 1]


def loop_dots(x, k):
    """Slices whose lengths change in the loop: the kernel checks their broadcast itself
    (a Check statement: code 3000 + k, runtime/marshal.py in_kernel_checks)."""
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.sum(x[:i] * x[k:k + i])
    return out


BIG, SMALL = 2 ** 63 - 1, -2 ** 63
X8 = np.arange(8.0)

INT_SIZE_CASES = {
    head: [((X8, n), "C") for n in (0, 1, 3, 8, 100, -1, -3, -100, BIG, SMALL)]
    + [((X8, 2 ** 70), "py"), ((X8, -2 ** 70), "py")],
    window: [((X8, lo, hi), "C") for lo, hi in ((2, 7), (7, 2), (3, 3), (-3, -1), (-1, -3), (5, 100),
                                               (-100, 2), (SMALL, BIG), (BIG, SMALL))],
    every: [((X8, k), "C") for k in (1, 3, -1, -3, 7, 100, -100, BIG)]
    + [((X8, 0), "py"), ((X8, SMALL), "py")],                 # step 0: ValueError; -2**63: MISS
    shifted: [((X8, n), "C") for n in (0, 1, 3, 7, -6, -7, -8)]
    + [((np.arange(2.0), 5), "C")]                           # lengths 2 and 1: broadcast
    + [((X8, n), "py") for n in (8, 100, -1)]                 # (8,) (7,), (7,) (0,): NumPy's error
    + [((X8, BIG), "py")],                                    # n + 1 beyond int64: MISS
    put_head: [((np.zeros(8), np.arange(5.0), n, m), "C") for n, m in ((3, 3), (5, 1), (0, 0), (-3, 100), (8, -4))]
    + [((np.zeros(8), np.arange(5.0), n, m), "py") for n, m in ((3, 2), (1, 4), (-1, 5), (-2, 100))],
    tail_sizes: [((X8, n), "C") for n in (0, 1, 3, 8, 9, -1, -9, BIG)] + [((X8, SMALL), "py")],
    zeros_plus: [((X8, k), "C") for k in (1, 3, 8, 0)]
    + [((X8, 9), "C")]                                        # a[8]: the kernel's code, NumPy's IndexError
    + [((X8, k), "py") for k in (-1, -7, -100)],              # negative dimensions
    loop_dots: [((X8, k), "C") for k in (0, 1, 7, 8, 3, -1)],  # 3, -1: the kernel's check fails,
}                                                              # NumPy's error from the plain function


def _outcome(f, args):
    try:
        return "value", f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return "raise", type(exc), str(exc)


def _assert_same_outcome(got, want):
    assert got[0] == want[0], (got, want)
    if got[0] == "value":
        assert_same_value(got[1], want[1])
    else:
        assert got[1:] == want[1:], (got, want)


@pytest.mark.parametrize("fn", list(INT_SIZE_CASES), ids=lambda f: f.__name__)
def test_sizes_from_int_arguments_run_in_c(fn):
    """Every case gives NumPy's value or exception type, exactly the Python caller's
    value or exception (type and message), and takes the path it names."""
    cases = INT_SIZE_CASES[fn]
    acc = warmed(fn, *cases[0][0], fallback="silent")
    python_caller = next(iter(acc._specs.values()))
    for args, path in cases:
        before = c_calls(acc)
        got = _outcome(acc, args)
        assert c_calls(acc) - before == (path == "C"), (args[1:], path)
        plain = _outcome(fn, args)
        assert got[0] == plain[0] and (got[0] == "value" or got[1] is plain[1]), (args[1:], got, plain)
        if got[0] == "value":
            assert_same_value(got[1], plain[1])
        if all(SMALL <= a <= BIG for a in args if type(a) is int):     # the same signature
            _assert_same_outcome(got, _outcome(lambda *a: python_caller(a), args))
    if fn is put_head:        # a written argument: the values written are NumPy's
        out, want = np.zeros(8), np.zeros(8)
        acc(out, np.arange(5.0), 5, 1)
        put_head(want, np.arange(5.0), 5, 1)
        assert_same_value(out, want)
    beyond_64_bits = any(not SMALL <= a <= BIG for args, _ in cases for a in args if type(a) is int)
    assert acc.stats()["signatures"] == 1 + beyond_64_bits


@pytest.mark.parametrize("n", [np.int64(3), np.int32(-2), np.uint8(200)], ids=repr)
def test_numpy_integer_sizes_run_in_c(n):
    acc = warmed(head, X8, n)
    for value in (n, type(n)(1), type(n)(100)):
        assert_same_value(acc(X8, value), head(X8, value))
    assert c_calls(acc) == 3


def test_bool_size_gives_numpys_result():
    """A bool is its own signature (True is 1, False is 0)."""
    acc = accelerate(head, fallback="silent")
    for n in (True, False, True, 1, 0):
        assert_same_value(acc(X8, n), head(X8, n))


def test_sizes_from_int_arguments_without_the_c_dispatcher(fresh_config):
    """NPACCEL_NO_C_DISPATCH=1: the same values and exceptions (type and message) as
    through C."""
    fns = (shifted, zeros_plus, put_head)
    through_c = {}
    for fn in fns:
        acc = warmed(fn, *INT_SIZE_CASES[fn][0][0], fallback="silent")
        through_c[fn] = [_outcome(acc, args) for args, _ in INT_SIZE_CASES[fn]]
        assert c_calls(acc) == sum(path == "C" for _, path in INT_SIZE_CASES[fn])
    fresh_config(NPACCEL_NO_C_DISPATCH="1")
    for fn in fns:
        acc = accelerate(fn, fallback="silent")
        for (args, _), got in zip(INT_SIZE_CASES[fn], through_c[fn]):
            _assert_same_outcome(got, _outcome(acc, args))
        assert acc._fast is None


def _program(*steps):
    """A plan with no kernel: ``steps`` (name, operands...) then RES_INT and RET_SINGLE."""
    from npaccel.runtime.call_plan import _Program
    ext = dispatch_ext.extension()
    prog = _Program(ext.OPCODES, ())
    for name, *operands in steps:
        prog.emit(name, *operands)
    prog.emit("RES_INT")
    prog.emit("RET_SINGLE")
    d = ext.Dispatcher(4)
    d.add(0, prog.code, (None, {}, None, None), 1 << 20)
    return d


def test_slice_opcode_is_pythons_range_slicing():
    """SLICE against range(n)[start:stop:step] (len and start) over bounds that are
    omitted, negative, crossing, clipped and extreme; BCAST against NumPy's dim rule."""
    values = [None, SMALL, -9, -5, -1, 0, 1, 4, 5, 9, BIG]
    steps = [1, 2, -1, -2, 3, BIG, -BIG]
    length = _program(*(("PUSH_INDEX", i) for i in range(4)), ("SLICE", 0, 1, 1))
    for n in (0, 1, 5, -3):
        for step in steps:
            for start in values:
                for stop in values:
                    r = range(n)[start:stop:step]
                    for part, want in ((0, len(r)), (1, r.start)):
                        d = _program(*[("PUSH_CONST", v) for v in (start, stop) if v is not None],
                                     ("PUSH_CONST", step), ("PUSH_CONST", n),
                                     ("SLICE", part, start is not None, stop is not None))
                        assert d((0, 0, 0, 0)) == want, (n, start, stop, step, part)
    assert length((0, 5, 1, 8)) == 5
    for step in (0, SMALL):            # Python raises, or int64 cannot: the Python path
        assert length((0, 5, step, 8)) is dispatch_ext.MISS
    assert length((2 ** 64, 5, 1, 8)) is dispatch_ext.MISS
    for a, b in ((1, 5), (5, 1), (5, 5), (1, 1), (0, 1), (1, 0)):
        assert _program(("PUSH_CONST", a), ("PUSH_CONST", b), ("BCAST",))((0, 0, 0, 0)) == (b if a == 1 else a)
    for into, a, b, ok in ((0, 3, 3, 1), (0, 1, 3, 1), (0, 3, 1, 1), (0, 2, 3, 0), (1, 1, 3, 1), (1, 3, 1, 0)):
        d = _program(("PUSH_CONST", a), ("PUSH_CONST", b), ("CHECK_BCAST", into), ("PUSH_CONST", 7))
        assert d((0, 0, 0, 0)) == (7 if ok else dispatch_ext.MISS)


# ---- parameters with defaults ---------------------------------------------------------------

def with_defaults(a, s=2.0, k=1):
    return a * s + k


def test_calls_completed_from_defaults_run_in_c():
    """f(x) for def f(a, s=2.0, k=1): the C side takes the rest from __defaults__, read at
    each call as Python does; keywords, too few or too many arguments take the Python path."""
    fn = with_defaults
    acc = warmed(fn, np.arange(3.0))
    x = np.arange(3.0)
    for args in [(x,), (x, 3.0), (x, 3.0, 2)]:
        assert_same_value(acc(*args), fn(*args))
    assert c_calls(acc) == 3
    assert_same_value(acc(x, k=5), fn(x, k=5))
    for args in [(), (x, 1.0, 2, 3)]:
        with pytest.raises(TypeError) as plain:
            fn(*args)
        with pytest.raises(TypeError) as got:
            acc(*args)
        assert str(got.value) == str(plain.value)
    assert c_calls(acc) == 3
    saved = fn.__defaults__
    try:
        fn.__defaults__ = (-1.0, 4)
        assert_same_value(acc(x), x * -1.0 + 4)
        assert c_calls(acc) == 4
        fn.__defaults__ = (-1.0, 4.5)          # another type: another signature
        assert_same_value(acc(x), x * -1.0 + 4.5)
        assert c_calls(acc) == 4
    finally:
        fn.__defaults__ = saved

"""NumPy's write rules under @accelerate (DESIGN.md, "Safety contract").

1. A write to an argument that is not writeable (flag off, ``np.broadcast_to``, a buffer of
   immutable ``bytes``, a read-only ``mmap`` or ``np.memmap``) raises NumPy's own ValueError,
   with NumPy's message, where and only where NumPy raises it: nothing is written to it, the
   writes NumPy makes before it are made, and a write in a branch not taken or a loop that
   makes no trip raises nothing.
2. Stores through integer arrays and lists (``b[[0, 2]] = v``, ``b[idx] = v``,
   ``b[idx] += v``) equal NumPy's: repeated indices apply once per distinct index (the last
   value wins), negative indices wrap, an index out of range raises NumPy's IndexError with
   nothing written. Forms that do not compile run in Python.
"""
from __future__ import annotations

import mmap
import warnings

import numpy as np
import pytest
from cuda_emulation import emulated_gpu, ubsan_reports  # noqa: F401  (fixture)
from harness import assert_same_value, check_same, check_same_default

from npaccel import accelerate

LOG = []
DTYPES = (np.float64, np.float32, np.int64, np.uint8, np.bool_)


def _arange(dtype, *shape):
    n = int(np.prod(shape))
    values = np.arange(n) % 2 == 1 if np.dtype(dtype) == np.bool_ else np.arange(n) % 200
    return np.asarray(values).astype(dtype).reshape(shape)


# ---- 1. arguments that are not writeable -----------------------------------------------------------

def _read_only(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("write_rules") / "six.f8"
    np.arange(6.0).tofile(path)
    return path


def _read_only_mmap(path):
    with open(path, "rb") as fh:     # the map stays valid after the file is closed
        return np.frombuffer(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ), np.float64)


# name -> maker of a float64 array of 6 elements NumPy refuses to write (given the data file)
READ_ONLY = {
    "flag": lambda path: _read_only(np.arange(6.0)),
    "broadcast_to": lambda path: np.broadcast_to(np.arange(6.0), (6,)),
    "frombuffer_bytes": lambda path: np.frombuffer(np.arange(6.0).tobytes(), np.float64),
    "mmap_read": _read_only_mmap,    # a compiled write here was a SIGSEGV
}


def _set_all(x):
    x[...] = 1
    return None


def _set_item(x):
    x[0] = 1
    return None


def _add_in_place(x):
    x += 1
    return None


def _set_slice(x):
    x[1:] = 0
    return None


def _through_view(x):
    y = x[::2]
    y[0] = 5
    return None


def _set_listed(x):
    x[[0, 1]] = 3
    return None


def _add_indexed(x):
    x[[1, 1, 3]] += 2
    return None


def _set_masked(x):
    x[x > 2] = 0
    return None


def _in_branch(x, flag):
    if flag > 0:
        x[0] = 1
    return None


def _in_loop(x, n):
    for i in range(n):
        x[i] = 2
    return x.sum()


def _other_first(x, y):
    y[...] = 7          # NumPy writes y, then refuses x
    x[1] = 2
    return None


def _swap_loop(u, v, n):
    for i in range(n):
        v[1:-1] = u[:-2] + u[2:]   # the second trip writes through the pointer to u
        u, v = v, u
    return u


def check_numpy_error(fn, make_args, fallback="raise", accelerated=None):
    """Run ``fn`` and ``accelerate(fn, fallback=...)`` on fresh arguments from ``make_args``
    (each side its own real objects: a read-only mmap stays one): the same exception type
    and message, or the same result; every argument afterwards as NumPy leaves it."""
    plain_args, acc_args = make_args(), make_args()
    f = accelerated or accelerate(fn, fallback=fallback)
    try:
        expected = fn(*plain_args)
    except Exception as exc:   # noqa: BLE001 - NumPy's error is the reference
        with pytest.raises(type(exc)) as got:
            f(*acc_args)
        assert str(got.value) == str(exc)
    else:
        assert_same_value(f(*acc_args), expected)
    for i, (after, plain_after) in enumerate(zip(acc_args, plain_args)):
        if isinstance(plain_after, np.ndarray):
            assert_same_value(after, plain_after, where=f"argument {i} after the call")
            assert after.flags.writeable == plain_after.flags.writeable
    return f


UNCONDITIONAL = [_set_all, _set_item, _add_in_place, _set_slice, _through_view, _set_listed,
                 _add_indexed, _set_masked]


@pytest.mark.parametrize("kind", sorted(READ_ONLY))
@pytest.mark.parametrize("fn", UNCONDITIONAL, ids=lambda f: f.__name__)
def test_write_to_read_only_argument_raises_numpys_error(fn, kind, data_file):
    check_numpy_error(fn, lambda: (READ_ONLY[kind](data_file),))


@pytest.mark.parametrize("kind", sorted(READ_ONLY))
def test_write_in_branch_or_loop_raises_only_when_it_happens(kind, data_file):
    make = READ_ONLY[kind]
    for flag in (1, 0):      # 0: the branch is not taken, nothing is written, nothing raised
        check_numpy_error(_in_branch, lambda: (make(data_file), flag))
    for n in (3, 0):
        check_numpy_error(_in_loop, lambda: (make(data_file), n))


@pytest.mark.parametrize("fn", UNCONDITIONAL + [_in_branch, _in_loop], ids=lambda f: f.__name__)
def test_read_only_under_the_default_policy(fn):
    extra = {_in_branch: (0,), _in_loop: (2,)}.get(fn, ())
    for make in (lambda: (_read_only(np.arange(6.0)), *extra), lambda: (np.arange(6.0), *extra)):
        _, texts = check_same_default(fn, make)
        assert texts == []          # compiled: no statement ran in Python for want of support


def test_read_only_argument_that_is_only_read_runs_compiled():
    f = check_numpy_error(lambda x: x * 2 + 1, lambda: (_read_only(np.arange(6.0)),))
    assert f.stats()["compiles"] == 1


def test_writes_before_the_refused_one_are_made():
    check_numpy_error(_other_first, lambda: (_read_only(np.arange(6.0)), np.zeros(3)))
    # a pointer variable that points at the read-only argument on the second trip
    check_numpy_error(_swap_loop, lambda: (_read_only(np.arange(6.0)), np.zeros(6), 3))
    check_numpy_error(_swap_loop, lambda: (np.arange(6.0), _read_only(np.zeros(6)), 1))
    check_same(_swap_loop, lambda: (np.arange(6.0), np.zeros(6), 3))      # writeable: compiled


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_read_only_dtypes_layouts_and_numpys_order_of_errors(dtype):
    # NumPy refuses the read-only destination before it looks at casts or indices:
    # bool x += 1 and uint8 x[0, 1] = 1000 raise the read-only ValueError, not a cast error
    def big_item(x):
        x[0, 1] = 1000
        return None

    def set_0d(x):
        x[()] = 1
        return None
    check_numpy_error(_add_in_place, lambda: (_read_only(_arange(dtype, 3, 4))[::-1, ::2],))  # negative strides
    check_numpy_error(big_item, lambda: (_read_only(_arange(dtype, 3, 4)),))
    if dtype in (np.float32, np.uint8):
        check_numpy_error(set_0d, lambda: (_read_only(_arange(dtype, 1).reshape(())),))   # 0-d
        check_numpy_error(_set_listed, lambda: (_read_only(_arange(dtype, 0)),))          # empty


def test_read_only_memmap_runs_in_python_with_numpys_error(data_file):
    def make():
        return (np.memmap(data_file, dtype=np.float64, mode="r"),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn in (_set_item, _add_in_place, _set_listed):
            check_numpy_error(fn, make, fallback="warn")


def _segments_write(x, y):
    y[0] = 7.0
    try:                      # runs in Python: the function compiles in segments
        LOG.append(float(y[0]))
    finally:
        pass
    x[1:] = 2.0               # a compiled segment writing a read-only argument
    return y.sum()


def test_partly_compiled_function_refuses_like_numpy():
    make = lambda: (_read_only(np.arange(4.0)), np.zeros(3))   # noqa: E731
    LOG.clear()
    check_same_default(_segments_write, make, calls=2)
    assert LOG == [7.0] * 4        # the Python statement ran before the refusal, each call
    check_same_default(_segments_write, lambda: (np.arange(4.0), np.zeros(3)), calls=1)


def test_frombuffer_of_bytes_stays_unchanged():
    data = np.arange(6.0).tobytes()
    x = np.frombuffer(data, np.float64)
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        accelerate(_set_all, fallback="raise")(x)
    assert data == np.arange(6.0).tobytes()


# ---- 2. stores through integer arrays and lists ---------------------------------------------------

def _listed_1d(b):
    b[[0, 2]] = 0
    return b


def _listed_rows(b, v):
    b[[0, 2]] = v
    return b


def _listed_with_int(b, v):
    b[[0, 2], 1] = v
    return b


def _listed_columns(b, v):
    b[:, [0, 2]] = v
    return b


def _listed_in_view(b, v):
    b[1:, [2, 0, 2]] = v
    return b


def _store_indexed(b, idx, vals):
    b[idx] = vals
    return b


def _add_at_indices(b, idx):
    b[idx] += 1
    return b


def _add_values_at_indices(b, idx, vals):
    b[idx] += vals
    return b


def _scale_at_indices(b, idx):
    b[idx] *= 3
    return b


def _listed_repeats(b):
    b[[1, 1, -1, 3]] += 1
    return b


def _listed_empty(b):
    b[[]] = 5
    return b


def _listed_by_name(b):
    idx = [0, 2]
    b[idx] = 1
    return b


def _reads_itself(b, idx):
    b[idx] = b[::-1][:3]         # the right side is read before the writes
    return b


def _scalar_reads_itself(b, idx):
    b[idx] = b[0] + 1
    return b


def _through_reversed_view(b, idx, vals):
    y = b[::-1]
    y[idx] = vals
    return b


def _in_loop_indexed(b, idx, n):
    for i in range(n):
        b[idx] += i
    return b


def _two_index_arrays(b, i, j):
    b[i, j] += 1
    return b


def _mask_store(b, m):
    b[m] = 1
    return b


def _mask_add(b, m):
    b[m] += 1
    return b


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_indexed_stores_over_dtypes(dtype):
    vals = lambda *s: _arange(dtype, *s)[::-1].copy()   # noqa: E731
    check_same(_listed_1d, lambda: (_arange(dtype, 5),))
    check_same(_listed_rows, lambda: (_arange(dtype, 4, 3), vals(3)))
    check_same(_store_indexed, lambda: (_arange(dtype, 6), np.array([1, 1, 3, 1]), vals(4)))
    check_same(_add_at_indices, lambda: (_arange(dtype, 6), np.array([1, 1, 3, -1, 1])))


@pytest.mark.parametrize("make", [
    lambda: (np.arange(6.0), np.array([1, 1, 3]), np.array([10.0, 20.0, 30.0])),     # last wins
    lambda: (np.arange(6.0), np.array([-1, -6, 0]), np.array([10.0, 20.0, 30.0])),   # negative
    lambda: (np.arange(6.0), np.array([1, 9]), np.array([10.0, 20.0])),              # IndexError
    lambda: (np.arange(6.0), np.array([1, -7]), np.array([10.0, 20.0])),
    lambda: (np.arange(6.0), np.array([], np.int64), np.array([])),                  # empty
    lambda: (np.arange(6.0), np.array([1, 2], np.int32), np.array([10.0, 20.0])),
    lambda: (np.arange(6.0), np.array([1, 2], np.uint8), np.array([10.0, 20.0])),
    lambda: (np.arange(6.0), np.array([1, 2]), np.array([10.0, 20.0, 30.0])),        # shape mismatch
    lambda: (np.arange(12.0)[::2], np.array([1, 1, 3]), np.array([10.0, 20.0, 30.0])),   # strided
    lambda: (np.arange(6.0)[::-1], np.array([1, 1, 3]), 5.0),
    lambda: (np.zeros(0), np.array([], np.int64), 5.0),                              # empty array
    lambda: (np.zeros(0), np.array([0]), 5.0),
], ids=["repeats", "negative", "past_end", "before_start", "empty_index", "int32_index",
        "uint8_index", "shape_mismatch", "strided", "negative_strides", "empty_array", "empty_array_oob"])
def test_store_indexed_cases(make):
    check_same(_store_indexed, make)


@pytest.mark.parametrize("make", [
    lambda: (np.arange(6.0), np.array([1, 1, 3])),
    lambda: (np.arange(6, dtype=np.int64), np.array([1, 1, -5])),
    lambda: (np.arange(6.0), np.array([1, 7])),                  # IndexError, nothing written
    lambda: (np.arange(6.0), np.array([], np.int64)),
    lambda: (np.arange(6.0)[::-1], np.array([1, 1, 3])),
    lambda: (np.arange(12.0)[::2], np.array([2, 2, 2])),
    lambda: (np.zeros(3, bool), np.array([1, 1])),               # NumPy's casting error
    lambda: (np.arange(12.0).reshape(4, 3), np.array([0, 0, 2])),   # rows
], ids=["repeats", "int64_negative", "past_end", "empty_index", "negative_strides", "strided",
        "bool_cast_error", "rows"])
def test_add_at_repeated_indices_is_buffered(make):
    check_same(_add_at_indices, make)


def test_other_indexed_forms():
    f64 = lambda *s: np.arange(np.prod(s), dtype=np.float64).reshape(s)   # noqa: E731
    check_same(_add_values_at_indices, lambda: (f64(6), np.array([1, 1, 3]), np.array([1.0, 2.0, 3.0])))
    check_same(_scale_at_indices, lambda: (f64(6), np.array([2, 2, 2])))
    check_same(_listed_repeats, lambda: (f64(5),))
    check_same(_listed_empty, lambda: (f64(5),))
    check_same(_listed_by_name, lambda: (f64(3, 4),))
    check_same(_listed_by_name, lambda: (f64(5),))
    check_same(_listed_with_int, lambda: (f64(4, 3), 9.0))
    check_same(_listed_with_int, lambda: (f64(2, 3), 9.0))                 # IndexError: row 2
    check_same(_listed_columns, lambda: (f64(4, 3), np.ones((4, 2))))
    check_same(_listed_columns, lambda: (f64(4, 3)[::-1, :], 7.0))
    check_same(_listed_in_view, lambda: (f64(4, 3), np.arange(9.0).reshape(3, 3)))
    check_same(_reads_itself, lambda: (f64(6), np.array([0, 1, 2])))
    check_same(_scalar_reads_itself, lambda: (f64(6), np.array([0, 0, 1])))
    check_same(_through_reversed_view, lambda: (f64(6), np.array([0, 0, 4]), np.array([7.0, 8.0, 9.0])))
    check_same(_in_loop_indexed, lambda: (f64(6), np.array([1, 1, 4]), 3))
    check_same(_in_loop_indexed, lambda: (f64(6), np.array([1, 9]), 3))
    check_same(_two_index_arrays, lambda: (f64(4, 3), np.array([0, 0, 3]), np.array([1, 1, 2])))
    check_same(_mask_store, lambda: (f64(6), f64(6) > 2))
    check_same(_mask_add, lambda: (f64(6), f64(6) % 2 == 0))
    check_same(_mask_add, lambda: (f64(6), np.ones(4, bool)))             # IndexError: mask size
    check_same(_mask_store, lambda: (f64(4, 3), np.array([True, False, True, False])))   # rows
    check_same(_listed_rows, lambda: (f64(4, 3), np.ones((1, 1, 3))))      # leading 1s dropped
    check_same(_store_indexed, lambda: (np.arange(6), np.array([1, 1, 4]), np.array([1.7, -2.5, 3.9])))


def test_zero_d_arrays():
    def set_item(x):
        x[()] = 5
        return x

    def indexed(x, idx):
        x[idx] = 5
        return x
    check_same(set_item, lambda: (np.array(1.5),))
    check_same(indexed, lambda: (np.array(1.5), np.array([0])))           # IndexError: 0-d


def _mask_values(b, m, vals):
    b[m] = vals            # one value per selected element: the size is known only at run time
    return b


def test_forms_that_run_in_python_equal_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for make in (lambda: (np.arange(6.0), np.arange(6) > 2, np.array([1.0, 2.0, 3.0])),
                     lambda: (np.arange(6.0), np.arange(6) > 2, np.array([1.0, 2.0]))):
            check_same_default(_mask_values, make, calls=1)
        # a value with more dims than the destination whose sizes are known only at run time
        check_same_default(_listed_rows, lambda: (np.zeros((4, 3)), np.ones((2, 2, 3))), calls=1)


# ---- the same on the (emulated) GPU path: runtime/cuda_call.py --------------------------------------

def test_on_emulated_device(emulated_gpu):
    for fn, make in ((_add_at_indices, lambda: (np.arange(6.0), np.array([1, 1, 3]))),
                     (_listed_in_view, lambda: (np.arange(12.0).reshape(4, 3), np.arange(9.0).reshape(3, 3)))):
        f = accelerate(fn, target="cuda", fallback="raise")
        check_same(fn, make, accelerated=f)
        assert f.stats()["gpu_signatures"] == 1
    f = accelerate(_other_first, target="cuda", fallback="raise")
    check_numpy_error(_other_first, lambda: (_read_only(np.arange(6.0)), np.zeros(3)), accelerated=f)
    check_numpy_error(_other_first, lambda: (np.arange(6.0), np.zeros(3)), accelerated=f)
    assert f.stats()["gpu_signatures"] == 1
    assert ubsan_reports(emulated_gpu) == ""


# ---- a statement that fails writes nothing (NumPy checks first, Python raises first) ------

def _gather_into(out, x, idx):
    out[:] = x[idx]
    return out


def _gather_into_part(out, x, idx):
    out[1:4] = x[idx] * 2.0
    return out


def _element_by_element(out, x, idx):
    for k in range(idx.shape[0]):
        out[k] = x[idx[k]] + 1.0          # IndexError at the bad k, after the earlier writes
    return out


@pytest.mark.parametrize("fn", [_gather_into, _gather_into_part, _element_by_element])
@pytest.mark.parametrize("idx", [[1, 7, 2], [9, 0, 1], [0, 1, -9], [0, 1, 2]], ids=["middle", "first", "last", "none"])
def test_a_failing_gather_writes_what_numpy_writes(fn, idx):
    check_same(fn, lambda: (np.zeros(5), np.arange(5.0), np.array(idx)))

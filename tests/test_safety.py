"""Never worse than NumPy: real values on the Python path, internal errors that become
Python runs (a fault injector raises inside each pipeline stage in turn), every signature
form, Python's own scalar semantics, and f.recompile()."""
import functools
import random
import warnings

import numpy as np
import pytest

import npaccel
from harness import assert_same_value, check_same
from npaccel import accelerate
from npaccel.errors import CompileError, InternalError, UnsupportedError

INTERNAL_NAMES = ("Unavailable", "MaskedSelection", "DimValue", "View", "BoundMethod", "ListValue",
                  "Node", "Elementwise", "ScalarParam")


def run_default(fn, make_args, **kw):
    """check_same in the user's default mode; returns the FallbackWarning texts, which must
    never name npaccel's own objects."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        acc = check_same(fn, make_args, accelerated=accelerate(fn, fallback="warn"), **kw)
    texts = [str(w.message) for w in caught if issubclass(w.category, npaccel.FallbackWarning)]
    for text in texts:
        assert not any(name in text for name in INTERNAL_NAMES), text
    return acc, texts


# ---- 1. real values on the Python path ------------------------------------------------------
def agg(x, mode):
    y = np.abs(x)
    if mode == "sum":
        return y.sum()
    return y.max()


def pos_sq(x):
    return x[x > 0] ** 2


def pos_twice(x):
    return x[x > 0] * 2


def neg_part(y):
    return -y[y < 0]


def count_pos(y):
    return len(y[y > 0])


def count_big(y):
    return (y > 1).sum()


def rounded(y):
    return y.round(2)


def collect(x):
    outs = []
    for s in (1, 2, 4):
        outs.append(x[::s].mean())
    return np.array(outs)


def poly(x, coeffs):
    """Doc."""
    y = x * 1.0
    return sum(c * y ** i for i, c in enumerate(coeffs))


def tuple_then_python(x):
    pair = (x + 1, x * 2)
    print_target = [p.sum() for p in pair]
    return pair, print_target


def list_in_between(x, k):
    w = [1.0, 2.0]
    w.append(float(k))
    y = x * w[-1]
    return y, w


def shape_to_python(x):
    n, m = x.shape
    labels = {n: "rows", m: "cols"}
    return labels, x.sum(axis=0)


def string_branch_after_compute(x, kind):
    y = x * 3
    z = y - 1
    if kind.startswith("a"):
        z = z + 1
    return z


def dict_lookup(x, table):
    s = x.sum()
    return s * table["scale"] + table.get("shift", 0.0)


def none_argument(x, w=None):
    if w is None:
        w = np.ones_like(x)
    return (x * w).sum()


def generator_argument(x, rng):
    noise = rng.standard_normal(x.shape)
    return x + 0 * noise


VALUES = [
    (agg, lambda: (np.arange(-2.0, 3.0), "sum")),
    (agg, lambda: (np.arange(-2.0, 3.0), "max")),
    (pos_sq, lambda: (np.arange(-2.0, 3.0),)),
    (pos_sq, lambda: (np.zeros(0),)),
    (pos_twice, lambda: (np.arange(-3, 4),)),
    (neg_part, lambda: (np.arange(-2.0, 3.0).astype(np.float32),)),
    (count_pos, lambda: (np.arange(-2.0, 3.0),)),
    (count_big, lambda: (np.arange(-2.0, 3.0),)),
    (rounded, lambda: (np.arange(-2.0, 3.0) / 3,)),
    (collect, lambda: (np.arange(10.0),)),
    (collect, lambda: (np.arange(1.0),)),
    (poly, lambda: (np.arange(3.0), [1, 2, 3])),
    (poly, lambda: (np.arange(3.0)[::-1], (0.5,))),
    (tuple_then_python, lambda: (np.arange(4.0),)),
    (list_in_between, lambda: (np.arange(4.0), 3)),
    (shape_to_python, lambda: (np.ones((2, 3)),)),
    (string_branch_after_compute, lambda: (np.arange(4.0), "abc")),
    (string_branch_after_compute, lambda: (np.arange(4.0), "xyz")),
    (dict_lookup, lambda: (np.arange(4.0), {"scale": 2.0})),
    (none_argument, lambda: (np.arange(4.0),)),
    (none_argument, lambda: (np.arange(4.0), np.full(4, 2.0))),
    (generator_argument, lambda: (np.arange(4.0), np.random.default_rng(0))),
]


@pytest.mark.parametrize("fn, make", VALUES, ids=lambda v: getattr(v, "__name__", ""))
def test_python_path_sees_real_values(fn, make):
    run_default(fn, make, calls=2)


def test_string_argument_does_not_change_the_answer():
    f = accelerate(agg, fallback="silent")
    x = np.arange(-2.0, 3.0)
    assert f(x, "sum") == 6.0 and f(x, "max") == 2.0 and f(x, "sum") == 6.0


# ---- 2. an internal error is never the user's error -----------------------------------------
_SALT = 0.0


def staged(x, y):
    a = x * 2.0 + _SALT
    b = a - y
    return b.sum(), b


def _stages():
    """(stage name, module attribute to replace) in pipeline order."""
    return [("lowering", "npaccel.frontend.lower.FunctionLowerer.binop"),
            ("lowering", "npaccel.frontend.function_graph.lower_statements"),
            ("planning", "npaccel.passes.pipeline.run_pipeline"),
            ("generating C", "npaccel.codegen.c_source.generate_c"),
            ("building", "npaccel.build.cc.compile_c_shared"),
            ("loading", "npaccel.api.targets.load_entry"),
            ("preparing the call", "npaccel.api.specialise.build_caller")]


class Injected(RuntimeError):
    pass


def _inject(monkeypatch, target):
    def boom(*args, **kwargs):
        raise Injected(f"fault injected into {target}")
    if target == "npaccel.frontend.function_graph.lower_statements":      # segments import it too
        import npaccel.api.segments
        monkeypatch.setattr(npaccel.api.segments, "lower_statements", boom)
    module, _, attr = target.rpartition(".")
    owner = __import__(module.rsplit(".", 1)[0] if module.endswith("FunctionLowerer") else module,
                       fromlist=["_"])
    if module.endswith("FunctionLowerer"):
        owner = owner.FunctionLowerer
    monkeypatch.setattr(owner, attr, boom)


@pytest.mark.parametrize("stage, target", _stages(), ids=[t for _, t in _stages()])
def test_fault_in_each_stage_runs_python_with_one_warning(stage, target, monkeypatch):
    global _SALT
    _SALT = random.random()       # a new program: the build really runs (no cache hit)
    x, y = np.arange(6.0), np.ones(6)
    expected = staged(x, y)
    _inject(monkeypatch, target)
    f = accelerate(staged, fallback="warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first, second = f(x.copy(), y.copy()), f(x.copy(), y.copy())
    assert_same_value(first, expected)
    assert_same_value(second, expected)
    texts = [str(w.message) for w in caught if issubclass(w.category, npaccel.FallbackWarning)]
    # one warning per statement that failed (a lowering fault fails on each line), never twice
    assert 1 <= len(texts) == len(set(texts)) <= (3 if "frontend" in target else 1), texts
    for text in texts:
        assert "test_safety.py:" in text and "npaccel limitation" in text, text
        assert not any(name in text for name in INTERNAL_NAMES), text
    assert f.stats()["fallbacks"] >= 2


@pytest.mark.parametrize("stage, target", _stages(), ids=[t for _, t in _stages()])
def test_fault_under_raise_is_an_npaccel_error_with_the_cause(stage, target, monkeypatch):
    global _SALT
    _SALT = random.random()
    _inject(monkeypatch, target)
    f = accelerate(staged, fallback="raise")
    with pytest.raises((UnsupportedError, CompileError)) as info:
        f(np.arange(6.0), np.ones(6))
    chain, exc = [], info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__
    assert any(isinstance(e, Injected) for e in chain), chain
    if not isinstance(info.value, CompileError):
        assert isinstance(info.value, InternalError) and "test_safety.py:" in str(info.value)


def fault_in_one_statement(x):
    a = x + 1.0
    b = a @ a
    return a * 2.0, b


def test_fault_in_one_statement_runs_only_that_statement_in_python(monkeypatch):
    from npaccel.frontend import calls_linalg

    def boom(*args, **kwargs):
        raise Injected("matmul lowering")
    monkeypatch.setattr(calls_linalg, "matmul_value", boom)
    acc, texts = run_default(fault_in_one_statement, lambda: (np.arange(5.0),))
    assert len(texts) == 1 and "limitation" in texts[0] and ":" in texts[0]
    stats = acc.stats()
    assert stats["compiles"] + stats["disk_hits"] >= 1, stats     # the rest stayed compiled


def predicted_wrongly(x):
    y = x + 1
    return y.sum()


def test_a_wrong_error_prediction_runs_python_and_warns(monkeypatch):
    """If lowering decides the program raises but Python does not, Python's result wins."""
    from npaccel.frontend import lower, semantics

    def wrong(self, *args, **kwargs):
        with semantics.numpy_semantics():
            raise TypeError("invented by the lowering")
    monkeypatch.setattr(lower.FunctionLowerer, "binop", wrong)
    with pytest.warns(npaccel.FallbackWarning, match="limitation"):
        got = accelerate(predicted_wrongly, fallback="warn")(np.arange(3.0))
    assert_same_value(got, predicted_wrongly(np.arange(3.0)))


def raises_type_error(x):
    y = x + 1
    return y + np.ones(3) + np.ones(4)


def test_a_right_error_prediction_raises_pythons_error_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # no warning: it is the user's error
        with pytest.raises(Exception) as got:
            accelerate(raises_type_error, fallback="raise")(np.arange(3.0))
    with pytest.raises(type(got.value)):
        raises_type_error(np.arange(3.0))


# ---- 3. every signature form -------------------------------------------------------------------
def kw_only(x, *, scale=2.0, shift=0.0):
    return x * scale + shift


def with_defaults(x, y=None, power=2):
    if y is None:
        return x ** power
    return x ** power + y


def star_args(x, *rest):
    total = x.copy()
    for r in rest:
        total = total + r
    return total


def star_kwargs(x, **options):
    return x * options.get("scale", 1.0)


def everything(a, b=1.0, /, *args, c, d=3.0, **kw):
    return a * b + c * d + len(args) + len(kw)


class Scaler:
    def __init__(self, k):
        self.k = k

    def plain(self, x):
        return x * 2.0 + 1.0

    def uses_self(self, x):
        return x * self.k

    @accelerate(fallback="warn")
    def decorated(self, x, shift=0.0):
        return x * self.k + shift


def test_keyword_only_and_defaults_compile():
    x = np.arange(5.0)
    f = accelerate(kw_only, fallback="raise")
    for kwargs in ({}, {"scale": 3.0}, {"shift": 1.0, "scale": 0.5}):
        assert_same_value(f(x, **kwargs), kw_only(x, **kwargs))
    g = accelerate(with_defaults, fallback="warn")
    assert_same_value(g(x), with_defaults(x))
    assert_same_value(g(x, x, 3), with_defaults(x, x, 3))
    assert_same_value(g(x, power=1), with_defaults(x, power=1))


@pytest.mark.parametrize("call", [
    lambda f: f(np.arange(3.0)),
    lambda f: f(np.arange(3.0), np.ones(3)),
    lambda f: f(np.arange(3.0), np.ones(3), 2.0),
])
def test_star_args(call):
    assert_same_value(call(accelerate(star_args, fallback="warn")), call(star_args))


def test_star_kwargs_and_every_kind_together():
    f = accelerate(star_kwargs, fallback="warn")
    assert_same_value(f(np.arange(3.0), scale=4.0), star_kwargs(np.arange(3.0), scale=4.0))
    assert_same_value(f(np.arange(3.0)), star_kwargs(np.arange(3.0)))
    g = accelerate(everything, fallback="warn")
    x = np.arange(3.0)
    for args, kwargs in (((x,), {"c": 2.0}), ((x, 2.0, 7, 8), {"c": x, "e": 1}), ((x,), {"c": 1.0, "d": x})):
        assert_same_value(g(*args, **kwargs), everything(*args, **kwargs))
    with pytest.raises(TypeError):
        g(x)                                   # Python's own error for the missing c
    with pytest.raises(TypeError):
        g(a=x, c=1.0)                          # a is positional-only


def test_methods_bound_and_decorated():
    obj = Scaler(3.0)
    x = np.arange(4.0)
    f = accelerate(obj.plain, fallback="raise")     # self is never read: compiles
    assert_same_value(f(x), obj.plain(x))
    g = accelerate(obj.uses_self, fallback="warn")
    with pytest.warns(npaccel.FallbackWarning, match="self"):
        assert_same_value(g(x), obj.uses_self(x))
    assert_same_value(obj.decorated(x), x * 3.0)
    assert_same_value(obj.decorated(x, shift=1.0), x * 3.0 + 1.0)
    assert_same_value(Scaler(0.5).decorated(x), x * 0.5)


def test_functools_partial():
    p = functools.partial(kw_only, scale=5.0)
    f = accelerate(p, fallback="raise")
    x = np.arange(4.0)
    assert_same_value(f(x), p(x))
    assert_same_value(f(x, shift=1.0), p(x, shift=1.0))
    assert_same_value(f(x, scale=1.0), p(x, scale=1.0))
    q = accelerate(functools.partial(with_defaults, np.arange(3.0)), fallback="warn")
    assert_same_value(q(), with_defaults(np.arange(3.0)))
    assert_same_value(q(power=3), with_defaults(np.arange(3.0), power=3))


# ---- 5. Python semantics for Python scalars -------------------------------------------------
def int_floordiv(x, n, d):
    return x + n // d


def int_mod(x, n, d):
    return x * (n % d)


def true_div(x, n, d):
    return x - n / d


def in_loop(x, d):
    total = 0.0
    for i in range(3):
        total += i / d
    return x + total


@pytest.mark.parametrize("fn", [int_floordiv, int_mod, true_div])
@pytest.mark.parametrize("n, d", [(7, 2), (-7, 2), (7, 0), (7.5, 0.0), (7, 0.0), (0, 0), (3.0, -2)])
def test_python_scalar_division_by_zero_raises_like_python(fn, n, d):
    check_same(fn, lambda: (np.arange(3.0), n, d))


def test_division_by_zero_in_a_compiled_loop():
    check_same(in_loop, lambda: (np.arange(3.0), 2.0))
    check_same(in_loop, lambda: (np.arange(3.0), 0.0))
    check_same(in_loop, lambda: (np.arange(3.0), 0))


def constant_zero(x, n):
    return x + n // 0


def numpy_division_stays_numpy(x, d):
    return x // d, x % d, x / d     # arrays: NumPy's 0, inf and nan, no exception


def test_constant_zero_and_arrays():
    check_same(constant_zero, lambda: (np.arange(3), 5))
    with np.errstate(all="ignore"):
        check_same(numpy_division_stays_numpy, lambda: (np.arange(3), 0))
        check_same(numpy_division_stays_numpy, lambda: (np.arange(3.0), 0.0))


def big_static(x):
    return 100 ** 10, 3 ** 40, x.sum()


def beyond_int64(x):
    return x + 2 ** 63


def big_into_float(x):
    return x * float(3 ** 40)


@pytest.mark.parametrize("fn, make", [
    (big_static, lambda: (np.arange(3),)),
    (beyond_int64, lambda: (np.arange(3),)),
    (beyond_int64, lambda: (np.arange(3, dtype=np.uint64),)),
    (beyond_int64, lambda: (np.arange(3.0),)),
    (big_into_float, lambda: (np.arange(3.0),)),
])
def test_python_ints_beyond_int64(fn, make):
    run_default(fn, make)


def branch_not_taken(x, k):
    return x.sum() if k else x[10]


def branch_static(x):
    return x.sum() if x.ndim == 1 else x[10]


def deleted(x):
    y = x + 1
    z = y * 2
    del y
    return z


def deleted_then_read(x):
    y = x + 1
    del y
    return y


def deleted_around_python(x):
    y = x + 1
    print_me = [float(v) for v in y]
    del y
    return print_me, "y" in dir()


@pytest.mark.parametrize("fn, make", [
    (branch_not_taken, lambda: (np.ones(3), True)),
    (branch_not_taken, lambda: (np.ones(3), False)),
    (branch_not_taken, lambda: (np.ones(12), False)),
    (branch_static, lambda: (np.ones(3),)),
    (deleted, lambda: (np.ones(3),)),
    (deleted_then_read, lambda: (np.ones(3),)),
    (deleted_around_python, lambda: (np.ones(3),)),
])
def test_conditional_expressions_and_del(fn, make):
    run_default(fn, make)


def test_del_compiles():
    check_same(deleted, lambda: (np.arange(4.0),))
    check_same(branch_static, lambda: (np.arange(4.0),))


def _reduction(name, axis):
    """The reduction with the axis a closure constant (known when compiling)."""
    def sum_(a):
        return np.sum(a, axis=axis)

    def prod_(a):
        return a.prod(axis=axis)

    def max_(a):
        return np.max(a, axis=axis)

    def min_(a):
        return a.min(axis=axis)

    def any_(a):
        return np.any(a, axis=axis)

    def all_(a):
        return a.all(axis=axis)

    def mean_(a):
        return np.mean(a, axis=axis)
    return locals()[name + "_"]


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "any", "all", "mean"])
@pytest.mark.parametrize("axis", [0, -1, 1, (0,)])
def test_reductions_of_0d_arrays_take_axis_0_and_minus_1(name, axis):
    check_same(_reduction(name, axis), lambda: (np.array(3.0),))


# ---- 8. staleness, stated ----------------------------------------------------------------------
SCALE = 2.0


def uses_global(x):
    return x * SCALE


def test_globals_are_read_at_compile_time_and_recompile_rereads_them():
    global SCALE
    f = accelerate(uses_global, fallback="raise")
    x = np.arange(3.0)
    SCALE = 2.0
    assert_same_value(f(x), x * 2.0)
    SCALE = 5.0
    try:
        assert_same_value(f(x), x * 2.0)     # documented: read when the signature compiled
        f.recompile()
        assert_same_value(f(x), x * 5.0)
        assert f.stats()["signatures"] == 1
    finally:
        SCALE = 2.0


# ---- Python ints past 64 bits at run time -------------------------------------------------------
def square_of_int(x, n):
    return x * (n * n)


def int_sum_loop(n, step):
    total = 0
    for i in range(n):
        total = total + i * step
    return total


def overflow_between_python(x, n, label):
    m = n * n * n
    text = label.upper()
    return x.sum() + m, text


def overflow_after_write(x, n):
    x[0] = 1.0
    return x * (n * n)


@pytest.mark.parametrize("fn, make", [
    (square_of_int, lambda: (np.arange(3.0), 3)),
    (square_of_int, lambda: (np.arange(3.0), 2 ** 40)),          # n * n = 2**80: a float scale
    (square_of_int, lambda: (np.arange(3), 2 ** 40)),            # int64 array * 2**80: OverflowError
    (square_of_int, lambda: (np.arange(3.0), -(2 ** 31) - 5)),
    (int_sum_loop, lambda: (10, 7)),
    (int_sum_loop, lambda: (10, 2 ** 61)),                        # the sum leaves int64 in the loop
    (overflow_between_python, lambda: (np.arange(3.0), 2 ** 30, "ab")),
    (overflow_between_python, lambda: (np.arange(3.0), 2 ** 22, "ab")),
])
def test_python_ints_past_64_bits_at_run_time(fn, make):
    run_default(fn, make, calls=2)


def test_python_int_arithmetic_compiles_and_reruns_in_python_when_it_overflows():
    f = check_same(int_sum_loop, lambda: (10, 7))          # compiled (fallback="raise")
    assert f(10, 2 ** 61) == int_sum_loop(10, 2 ** 61)      # the same specialisation, Python's answer
    assert f(10, -(2 ** 62)) == int_sum_loop(10, -(2 ** 62))


def test_overflow_after_a_write_is_a_clear_error():
    f = accelerate(overflow_after_write, fallback="raise")
    x = np.arange(3.0)
    assert_same_value(f(x, 3), overflow_after_write(np.arange(3.0), 3))
    with pytest.raises(OverflowError, match="64-bit"):
        f(np.arange(3.0), 2 ** 40)


def int_powers(x, n):
    return x + n ** 2 + n ** 0 + n ** 3


def int_power_runtime_exponent(x, n, k):
    return x * (n ** k)


@pytest.mark.parametrize("fn, make", [
    (int_powers, lambda: (np.arange(3.0), 5)),
    (int_powers, lambda: (np.arange(3.0), 2 ** 31)),
    (int_power_runtime_exponent, lambda: (np.arange(3.0), 2, -1)),
    (int_power_runtime_exponent, lambda: (np.arange(3.0), 2, 70)),
    (int_power_runtime_exponent, lambda: (np.arange(3.0), 3, 2)),
])
def test_python_int_powers(fn, make):
    run_default(fn, make, calls=2)


def test_python_int_powers_compile():
    check_same(int_powers, lambda: (np.arange(3.0), 7))


# ---- Python's order of effects: writes before an error, overlapping arguments in segments -------
def write_then_index_error(x, k):
    x[0] = 7.0
    return x[k + 10]


def write_then_broadcast_error(x, y):
    x[0] = 7.0
    return x + y


def test_a_write_before_an_error_happens_as_in_python():
    check_same(write_then_index_error, lambda: (np.arange(5.0), 0))
    check_same(write_then_index_error, lambda: (np.arange(15.0), 0))
    check_same(write_then_broadcast_error, lambda: (np.arange(5.0), np.ones(3)))
    check_same(write_then_broadcast_error, lambda: (np.arange(5.0), np.ones(5)))


def smooth_then_report(u, steps, label):
    n = u.shape[0]
    for _ in range(steps):
        u[1:-1] = 0.5 * (u[:-2] + u[2:])
    if label == "report":
        label = label.upper()
    return u[1:n - 1] * 2, label


def shift_into(a, b, label):
    a[1:] = b[:-1] * 2.0
    tag = label.upper()
    return a, tag


@pytest.mark.parametrize("fn, make", [
    (smooth_then_report, lambda: (np.arange(8.0), 3, "report")),
    (smooth_then_report, lambda: (np.arange(2.0), 3, "report")),        # slices shorter than the guard
    (smooth_then_report, lambda: (np.arange(8.0), 0, "quiet")),
    (shift_into, lambda: (np.arange(6.0), np.arange(6.0), "x")),
])
def test_segments_with_guards_and_writes(fn, make):
    acc, texts = run_default(fn, make, calls=2)
    assert all("line" not in t or "is a str" in t for t in texts), texts     # only the str statements


def test_segment_writing_an_argument_that_overlaps_another():
    """b is a itself: the compiled segment must not read what it already wrote."""
    base, plain_base = np.arange(6.0), np.arange(6.0)
    got = accelerate(shift_into, fallback="silent")(base, base, "x")
    assert_same_value(got, shift_into(plain_base, plain_base, "x"))
    assert_same_value(base, plain_base)

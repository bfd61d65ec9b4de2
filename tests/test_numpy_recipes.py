"""NumPy functions compiled from NumPy's own algorithm (frontend/calls_recipes.py):
diagonal/trace/diag, select, cross, trapezoid, array_equal, polyval, item, fill; and lists
of run-time values as NumPy operands (np.sum([a, b])). Each compiled (``fallback="raise"``)
and equal to NumPy, and in the default mode, over dtypes, views, empty extents and NumPy's
errors; what a recipe does not cover runs in Python with a message naming the call."""
import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

RNG = np.random.default_rng(3)
A = np.arange(12.0).reshape(3, 4)
AI = np.arange(12, dtype=np.int16).reshape(4, 3)
X = np.linspace(0.1, 3, 20)
Y = np.cos(X)


def both(fn, make):
    check_same(fn, make)
    check_same_default(fn, make)


@pytest.mark.parametrize("make", [lambda: (A,), lambda: (AI,), lambda: (A[:, ::-2],), lambda: (A[:0],),
                                  lambda: (np.asfortranarray(A) > 4,)])
def test_diagonal_trace_diag(make):
    both(lambda a: (np.diagonal(a), a.diagonal(1), np.diagonal(a, -1), np.diagonal(a, 5), a.diagonal(-7),
                    np.diagonal(a, 0, 1, 0), np.trace(a), a.trace(1), np.trace(a, dtype=np.float32), np.diag(a),
                    np.diag(a, 2), np.diag(a[0]), np.diag(a[:, 0], -2), np.diag(a[0, :0])), make)


def test_diag_errors_and_what_runs_in_python():
    both(lambda a: np.diag(a[None]), lambda: (A,))                       # ValueError: 1- or 2-d
    check_same_default(lambda a, k: np.diagonal(a, k), lambda: (A, 1))   # a run-time offset
    with pytest.raises(UnsupportedError, match="diagonal"):
        accelerate(lambda a: np.diagonal(a[None]), fallback="raise")(A)


def test_select():
    both(lambda x: (np.select([x < 1, x < 2], [x, 2 * x], 0.0), np.select([x < 1, x > 2.5], [x.astype(np.float32), 2], -1),
                    np.select([x < 1], [x], default=x[::-1]), np.select([x[:0] > 0], [x[:0]])), lambda: (X,))
    both(lambda x: np.select([x < 2, x > 1], [x.astype(np.int8), x.astype(np.uint8)]), lambda: (X * 50,))
    both(lambda x: np.select([x], [x]), lambda: (X,))                      # TypeError: not boolean
    both(lambda x: np.select([x < 1, x < 2], [x]), lambda: (X,))          # ValueError: lengths
    both(lambda x: np.select([x < 1], [x[:3]]), lambda: (X,))             # ValueError: broadcast


@pytest.mark.parametrize("shapes", [((5, 3), (5, 3)), ((3,), (4, 3)), ((3,), (3,)), ((2, 1, 3), (4, 3)), ((0, 3), (3,))])
def test_cross_of_3_vectors(shapes):
    both(lambda a, b: np.cross(a, b), lambda: (RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])))
    both(lambda a, b: np.cross(a, b), lambda: (RNG.integers(-9, 9, shapes[0]).astype(np.int16),
                                               RNG.standard_normal(shapes[1]).astype(np.float32)))


def test_cross_of_other_lengths_runs_in_python():
    check_same_default(lambda a, b: np.cross(a, b), lambda: (np.ones((2, 3)), np.ones((2, 4))))   # ValueError
    check_same_default(lambda a, b: np.cross(a, b), lambda: (np.arange(4.0).reshape(2, 2), np.ones((2, 3))))


def test_trapezoid():
    both(lambda x, y: (np.trapezoid(y, x), np.trapezoid(y), np.trapezoid(y, dx=0.5), np.trapezoid(y[::-2], x[1::2])),
         lambda: (X, Y))
    both(lambda a: (np.trapezoid(a), np.trapezoid(a, axis=0), np.trapezoid(a, np.arange(4.0) ** 2),
                    np.trapezoid(a, a, axis=0), np.trapezoid(a[:, :1]), np.trapezoid(a[:, :0])), lambda: (A,))
    both(lambda a: np.trapezoid(a, axis=2), lambda: (A,))                  # AxisError


def test_array_equal():
    both(lambda a, b: (np.array_equal(a, b), np.array_equal(a, a), np.array_equal(a, a[:2]),
                       np.array_equal(a, b, equal_nan=True), np.array_equal(a, a.T)), lambda: (A, A + 0))
    both(lambda a, b: (np.array_equal(a, b), np.array_equal(a, b, equal_nan=True)),
         lambda: (np.array([1.0, np.nan]), np.array([1.0, np.nan])))
    both(lambda a, b: np.array_equal(a, b), lambda: (A, A[:2]))           # sizes differ at run time
    both(lambda a, b: np.array_equal(a, b, equal_nan=True), lambda: (AI, AI))


def test_polyval():
    both(lambda p, x: (np.polyval(p, x), np.polyval(p, 2.0), np.polyval(p, x[:0]), np.polyval(p, A)),
         lambda: (np.array([1.0, -2.0, 0.5]), X))
    both(lambda p, x: np.polyval(p, x), lambda: (np.array([3.0]), X))
    both(lambda p, x: np.polyval(p, x), lambda: (np.array([]), X))


def fills(a, v):
    a.fill(v)
    b = np.empty(3)
    b.fill(v * 2)
    return a, b


def test_item_fill_and_bool():
    both(lambda a: (a.item(2), a[:1, :1].item(), a.sum(axis=0).item(1), a.astype(np.int32).item(5), (a > 3).item(7),
                    (a * 1j).item(-1)), lambda: (A,))
    both(lambda a: a.item(), lambda: (A,))                                 # ValueError: size 1
    both(lambda a: a.item(100), lambda: (A,))                              # IndexError
    both(fills, lambda: (A.copy(), 2.5))
    both(fills, lambda: (AI.copy(), 3))
    check_same_default(fills, lambda: (AI.copy(), 2.5))       # int(2.5) into int16: NumPy's rules, in Python
    check_same_default(fills, lambda: (AI.copy(), 10 ** 6))   # OverflowError
    both(lambda a: (bool(a.sum() > 3), bool(a.max()), bool(a.min() * 1j)), lambda: (A,))


def test_lists_of_run_time_values_are_arrays_for_numpy():
    """np.sum([a, b]), np.sin([x, 1.0]): NumPy's array of the list (this was an internal error)."""
    both(lambda x: (np.sum([x[0], x[1], 2.0]), np.sin([x[0], 1.0]), np.max((x[2], x[3])), np.mean([x[0], x[-1]]),
                    np.add([x[0], 1], 2), np.prod([x[1], x[2]], axis=0), np.std([x[0], x[1]])), lambda: (X,))


def test_median():
    """NumPy's _median: the middle of the sorted values or the mean of the two middle ones
    (in float64 for integers), NaN where a NaN is; an empty input runs in Python."""
    a = RNG.standard_normal((5, 6))
    ai = RNG.integers(-9, 9, (4, 7)).astype(np.int16)
    both(lambda a: (np.median(a), np.median(a, axis=0), np.median(a, axis=1), np.median(a, -1), np.median(a[:1]),
                    np.median(a[:, :1], axis=1), np.median(a.T[::-1])), lambda: (a,))
    both(lambda a: (np.median(a), np.median(a, axis=0), np.median(a[::-1, 1:], axis=1), np.median(a > 0)), lambda: (ai,))
    both(lambda a: np.median(a), lambda: (np.array([1.0, np.nan, 3.0]),))
    both(lambda a: np.median(a, axis=1), lambda: (np.array([[1.0, np.nan, 3.0], [1, 2, 3]], np.float32),))
    both(lambda a: np.median(a, axis=2), lambda: (a,))                     # AxisError
    check_same_default(lambda a: np.median(a), lambda: (a[:0],))          # nan, RuntimeWarning
    check_same_default(lambda a: np.median(a, axis=1), lambda: (a[:, :0],))


def gradients(a):
    gx, gy = np.gradient(a)
    hx, hy = np.gradient(a, 0.5)
    return gx, gy, hx, hy, np.gradient(a, axis=1), np.gradient(a, axis=(0,)), np.gradient(a[0])


def test_gradient():
    """Uniform spacing, edge_order=1: NumPy's central differences inside, one-sided ones at
    the ends, float64 for integers; fewer than 2 points is NumPy's ValueError."""
    both(gradients, lambda: (RNG.standard_normal((5, 6)),))
    both(lambda a: np.gradient(a, 2)[1], lambda: (np.arange(12, dtype=np.int16).reshape(3, 4),))
    both(lambda a: np.gradient(a[:, ::-1].astype(np.float32), np.float32(0.25))[1], lambda: (A,))
    both(lambda a: np.gradient(a)[0], lambda: (A[:1],))                   # ValueError
    both(lambda a: np.gradient(a), lambda: (X[:1],))                      # ValueError
    check_same_default(lambda a, x: np.gradient(a, x), lambda: (X, X ** 2))   # coordinates: in Python


def test_interp():
    """NumPy's arr_interp: exact points, both ends, NaN and infinite x, infinite fp (the NaN
    rule), repeated xp, integer inputs; a decreasing xp (NumPy's search order decides), one
    point or none run in Python."""
    xp = np.sort(RNG.uniform(0, 10, 12))
    fp = np.sin(xp)
    x = RNG.uniform(-2, 12, 50)
    xs = np.concatenate([xp, [np.nan, -np.inf, np.inf, xp[0], xp[-1]], x])
    both(lambda x, xp, fp: (np.interp(x, xp, fp), np.interp(x, xp, fp, left=-1.0, right=7), np.interp(2.5, xp, fp),
                            np.interp(x[:0], xp, fp), np.interp(x.reshape(5, 10), xp, fp)), lambda: (x, xp, fp))
    both(lambda x, xp, fp: np.interp(x, xp, fp), lambda: (xs, xp, fp))
    both(lambda x, xp, fp: np.interp(x, xp, fp), lambda: (xs, xp, np.where(fp > 0.5, np.inf, fp)))
    both(lambda x, xp, fp: np.interp(x, xp, fp), lambda: (np.arange(10), np.array([0, 3, 3, 9]), np.array([1.0, 2, 5, 6])))
    both(lambda x, xp, fp: np.interp(x, xp, fp), lambda: (x, xp[:2], fp[:2]))
    both(lambda x, xp, fp: np.interp(x, xp, fp.astype(np.float32)), lambda: (x.astype(np.int32), xp, fp))
    both(lambda x, xp, fp: np.interp(x, xp, fp), lambda: (x, xp, fp[:3]))                   # ValueError
    for make in (lambda: (x, xp[::-1], fp), lambda: (x, xp[:1], fp[:1]), lambda: (x, xp[:0], fp[:0]),
                 lambda: (x, np.where(xp > 5, np.nan, xp), fp)):
        check_same_default(lambda x, xp, fp: np.interp(x, xp, fp), make)


def test_percentile_and_quantile():
    """Method 'linear' with a Python-number q (NumPy's weak_q): NumPy's _lerp from both ends
    of the interval, NaN slices, infinities, integer and float32 input; array or NumPy q and
    an empty input run in Python."""
    a = RNG.standard_normal((5, 7))
    ai = RNG.integers(-50, 50, (6, 5)).astype(np.int16)
    both(lambda a: (np.percentile(a, 95), np.percentile(a, 50, axis=0), np.percentile(a, 0), np.percentile(a, 100, axis=1),
                    np.quantile(a, 0.25), np.quantile(a, 0.5, axis=-1), np.percentile(a[:1], 33.3),
                    np.quantile(a[:, :1], 0.9, axis=1)), lambda: (a,))
    both(lambda a: (np.percentile(a, 95), np.percentile(a, 50, axis=0), np.quantile(a > 0, 0.5),
                    np.percentile(a.astype(np.float32), 12.5)), lambda: (ai,))
    both(lambda a: (np.percentile(a, 90), np.quantile(a, 0.0)), lambda: (np.array([1.0, np.nan, 3.0]),))
    both(lambda a: np.percentile(a, 40, axis=1), lambda: (np.array([[1.0, np.nan, 3.0], [1, 2, 3]], np.float32),))
    both(lambda a: (np.percentile(a, 70), np.quantile(a, 0.5)), lambda: (np.array([np.inf, np.inf, 1.0, -np.inf]),))
    both(lambda a: np.percentile(a, 101), lambda: (a,))                   # ValueError
    both(lambda a: np.quantile(a, -0.5), lambda: (a,))                    # ValueError
    for fn, make in ((lambda a: np.percentile(a, 50), lambda: (a[:0],)), (lambda a: np.percentile(a, [10, 90]), lambda: (a,)),
                     (lambda a: np.percentile(a, np.float64(30)), lambda: (a.astype(np.float32),))):
        check_same_default(fn, make)

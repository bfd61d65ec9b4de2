"""Results whose length depends on the data: boolean-mask selections used as values
(``x[m] ** 2``, ``-y[y < 0]``, ``len(x[m])``, ...), np.bincount and np.unique, compiled
(fallback="raise") and in the default mode, against NumPy."""
import gc

import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import accelerate

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
NUMERIC = ["bool"] + INTS + ["float32", "float64"]


def values(dtype, n=17, seed=0):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(n) > 0.5
    if np.dtype(dtype).kind == "c":
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
    if np.dtype(dtype).kind == "f":
        return (rng.standard_normal(n) * 4).astype(dtype)
    lo = 0 if np.dtype(dtype).kind == "u" else -20
    return rng.integers(lo, 40, n).astype(dtype)


# ---- arithmetic on selections, compacted ----------------------------------------------

def pow_selected(x):
    return x[x > 2] ** 2


def double_positive(x):
    return x[x > 0] * 2


def negate_negative(y):
    return -y[y < 0]


def selected(x, m):
    return x[m]


def count_selected(x):
    return len(x[x > 0])


def count_above(x):
    return (x[x > 0] > 1).sum()


def round_selected(x):
    return x[x > 0].round(2)


def sqrt_selected(x):
    return np.sqrt(x[x > 0]) + x[x > 0]


def two_outputs(x, m):
    return x[m] * 3, x[m].shape[0], x


@pytest.mark.parametrize("dtype", [d for d in NUMERIC if d != "bool"])
def test_selection_arithmetic_dtypes(dtype):
    for fn in (pow_selected, double_positive, count_selected, count_above):
        check_same(fn, lambda: (values(dtype),))
    if np.dtype(dtype).kind != "u":
        check_same(negate_negative, lambda: (values(dtype),))


@pytest.mark.parametrize("dtype", NUMERIC + ["complex64", "complex128"])
def test_selection_by_mask_argument(dtype):
    mask = values("bool", seed=3)
    check_same(selected, lambda: (values(dtype), mask))


@pytest.mark.parametrize("fill", [True, False])
def test_all_and_none_selected(fill):
    check_same(selected, lambda: (values("float64"), np.full(17, fill)))
    check_same(two_outputs, lambda: (values("int32"), np.full(17, fill)))


def test_empty_and_one_element():
    for n in (0, 1):
        check_same(pow_selected, lambda: (np.full(n, 3.0),))
        check_same(selected, lambda: (np.arange(n, dtype=np.int16), np.ones(n, bool)))


def test_non_contiguous_and_negative_strides():
    x = values("float64", 40)
    check_same(pow_selected, lambda: (x[::-2],))
    check_same(selected, lambda: (x[::3], values("bool", 14, seed=1)[::-1]))


def test_two_dim_mask_flattens_in_c_order():
    x = values("float64", 24).reshape(4, 6)
    check_same(double_positive, lambda: (x,))
    check_same(double_positive, lambda: (x.T,))           # F-ordered input: still C order
    check_same(selected, lambda: (x, x.T.T > 0.5))
    rows = np.array([True, False, True, True])
    check_same(selected, lambda: (x, rows))              # whole rows
    check_same(two_outputs, lambda: (x, rows))


def test_round_and_ufuncs_of_selection():
    check_same(round_selected, lambda: (values("float64") / 7,))
    check_same(sqrt_selected, lambda: (values("float32"),))


def test_selection_errors_are_numpys():
    check_same(selected, lambda: (values("float64"), np.ones(5, bool)))       # IndexError
    check_same(double_positive, lambda: (np.array([1, 2], np.uint8),))
    with pytest.raises(OverflowError):      # a weak int out of range: NumPy's error, even empty
        accelerate(lambda x: x[x > 0] + 300, fallback="raise")(np.zeros(0, np.int8))


def test_selection_in_default_mode():
    check_same_default(pow_selected, lambda: (values("float64"),))
    check_same_default(selected, lambda: (values("int64"), values("bool", seed=5)))


def test_result_owns_its_memory():
    f = accelerate(selected, fallback="raise")
    x = np.arange(100000.0)
    r = f(x, x % 3 == 0)
    assert r.flags.writeable and np.array_equal(r, x[x % 3 == 0])
    r[0] = -1.0                                    # a fresh array: x is untouched
    assert x[0] == 0.0
    view = r[10:20]
    del r
    gc.collect()
    assert np.array_equal(view, np.arange(30.0, 60.0, 3.0))


# ---- np.bincount --------------------------------------------------------------------

def bincount(x):
    return np.bincount(x)


def bincount_min(x):
    return np.bincount(x, minlength=12)


def bincount_weights(x, w):
    return np.bincount(x, w)


def bincount_expression(x):
    return np.bincount(x // 2, minlength=3)


@pytest.mark.parametrize("dtype", ["bool"] + INTS)
def test_bincount_dtypes(dtype):
    x = np.abs(values(dtype)) if dtype != "bool" else values(dtype)
    check_same(bincount, lambda: (x,))
    check_same(bincount_min, lambda: (x,))
    check_same(bincount_expression, lambda: (x,))


def test_bincount_minlength_smaller_and_larger():
    x = np.array([1, 3, 3, 0, 30])
    check_same(bincount_min, lambda: (x,))          # max + 1 > minlength
    check_same(bincount_min, lambda: (x[:4],))      # minlength > max + 1
    check_same(bincount, lambda: (np.zeros(0, np.int64),))
    check_same(bincount_min, lambda: (np.zeros(0, np.int64),))
    check_same(bincount, lambda: (np.arange(20)[::-3],))


@pytest.mark.parametrize("wdtype", ["bool", "int8", "uint64", "float32", "float64"])
def test_bincount_weights(wdtype):
    x = np.array([1, 3, 3, 0, 7, 3])
    check_same(bincount_weights, lambda: (x, values(wdtype, 6)))


def test_bincount_errors_are_numpys():
    check_same(bincount, lambda: (np.array([1, -1, 2]),))                 # ValueError (run time)
    check_same(bincount, lambda: (np.array([2 ** 63 + 5], np.uint64),))   # wraps negative: ValueError
    check_same(bincount, lambda: (np.array([1.0, 2.0]),))                 # TypeError
    check_same(bincount, lambda: (np.zeros((2, 2), np.int64),))           # ValueError: too deep
    check_same(bincount_weights, lambda: (np.array([1, 2]), np.ones(3)))  # lengths differ
    check_same(bincount_weights, lambda: (np.array([1, 2]), np.ones(2, np.complex128)))   # TypeError
    with pytest.raises(ValueError):
        accelerate(lambda x: np.bincount(x, minlength=-1), fallback="raise")(np.array([1]))


def test_bincount_empty_with_weights_is_numpys():
    check_same_default(bincount_weights, lambda: (np.zeros(0, np.int64), np.zeros(0)))


# ---- np.unique ----------------------------------------------------------------------

def unique(x):
    return np.unique(x)


def unique_counts(x):
    return np.unique(x, return_counts=True)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_unique_dtypes(dtype):
    check_same(unique, lambda: (values(dtype, 40),))
    check_same(unique_counts, lambda: (values(dtype, 40),))


def test_unique_shapes_and_nan():
    check_same(unique, lambda: (values("int16", 24).reshape(4, 6)[:, ::-1],))
    check_same(unique_counts, lambda: (np.array([3.0, np.nan, 1.0, np.nan, 3.0, np.inf]),))
    check_same(unique_counts, lambda: (np.zeros(0),))
    check_same(unique, lambda: (np.array([5]),))
    check_same_default(unique, lambda: (values("float64"),))


# ---- x[m] = f(x[m], y[m]): a value per selected element, by the same mask ---------------------------
def mandelbrot(c, maxiter):
    """npbench's mandelbrot1: ``Z[I] = Z[I]**2 + C[I]``, where(I, Z**2 + C, Z)."""
    N = np.zeros(c.shape, dtype=np.int64)
    Z = np.zeros(c.shape, dtype=np.complex128)
    for n in range(maxiter):
        I = np.less(abs(Z), 2.0)
        N[I] = n
        Z[I] = Z[I] ** 2 + c[I]
    N[N == maxiter - 1] = 0
    return Z, N


def safe_reciprocal(a, b):
    """The mask is computed from a value the target stores first (npbench's nbody)."""
    r = np.sqrt(a * a + b * b)
    r[r > 0] = 1.0 / r[r > 0]
    a[a > 1] = a[a > 1] * 2 + b[a > 1]
    return r, a


def different_masks(a, b):
    a[a > 0] = b[b > 0]          # NumPy: sizes must match; runs in Python
    return a


@pytest.mark.parametrize("shape", [(12, 9), (1, 1), (0, 4), (40,)], ids=["2d", "one", "empty", "1d"])
def test_assigning_a_value_per_selected_element(shape):
    rng = np.random.default_rng(3)
    grid = lambda: (rng.uniform(-2, 0.5, shape) + 1j * rng.uniform(-1.2, 1.2, shape), 12)     # noqa: E731
    check_same(mandelbrot, grid, rtol=1e-12)
    check_same_default(mandelbrot, grid, rtol=1e-12)
    pair = lambda: (np.where(rng.random(shape) < 0.3, 0.0, rng.standard_normal(shape)),     # noqa: E731
                    rng.standard_normal(shape))
    check_same(safe_reciprocal, pair)
    check_same_default(safe_reciprocal, pair)
    check_same(safe_reciprocal, lambda: tuple(x.T[::-1] for x in pair()))


def test_assigning_through_different_masks_runs_in_python():
    check_same_default(different_masks, lambda: (np.array([1.0, -1, 2]), np.array([3.0, 4, -1])))
    check_same_default(different_masks, lambda: (np.array([1.0, -1, 2]), np.array([3.0, 4, 5])))  # ValueError


def mask_from_before_a_write(a):
    """``m`` read ``r`` before ``r[0] = -1`` changed it: not the target's mask."""
    r = np.sqrt(a)
    m = r > 0
    r[0] = -1.0
    r[r > 0] = 1.0 / r[m]
    return r


def test_a_mask_computed_before_a_write_is_not_the_targets():
    check_same_default(mask_from_before_a_write, lambda: (np.array([4.0, 0.0, 9.0, 1.0]),))     # sizes differ
    check_same_default(mask_from_before_a_write, lambda: (np.array([0.0, 0.0, 9.0, 1.0]),))     # they match

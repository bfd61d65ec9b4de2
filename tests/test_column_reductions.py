"""Reductions that keep the innermost axis (x.sum(axis=0), the middle axis of a 3-d array):
rows outer and a block of columns inner, blocks across threads; tall narrow arrays split
their rows across threads with a private row of partial results per thread
(codegen/c_column_reductions.py). Row reductions of fused producers (min/max in SIMD lanes
with a NaN flag, codegen.c_source.kept_reduction). Compared with NumPy through the harness."""
import warnings

import numpy as np
import pytest

from harness import REDUCTION_RTOL, check_same
from npaccel import accelerate

rng = np.random.default_rng(11)
ROWS = 40_000          # rows * cols well above the parallel threshold, rows >= 4 * cols
# NumPy sums float32 columns of a C-ordered array row by row in float32: over 40,000 rows
# its own error reaches ~1e-5 (measured against a float64 sum), where npaccel accumulates
# in double (~5e-8). The tolerance is NumPy's error, not npaccel's.
RTOL = {**REDUCTION_RTOL, np.dtype(np.float32): 1e-4}


def tall(dtype=np.float64, cols=8, nan_every=0):
    x = rng.standard_normal((ROWS, cols)) * 3
    if nan_every:
        x[::nan_every, 1] = np.nan
    return x.astype(dtype)


@pytest.mark.parametrize("fn", [
    lambda x: x.sum(axis=0),
    lambda x: x.mean(axis=0),
    lambda x: x.std(axis=0),
    lambda x: x.var(axis=0, ddof=1),
    lambda x: x.max(axis=0),
    lambda x: x.min(axis=0),
    lambda x: np.nanmax(x, axis=0),
    lambda x: np.nanmin(x, axis=0),
    lambda x: np.prod(x[:50] * 0.5 + 1.0, axis=0),
    lambda x: (x > 0).any(axis=0),
    lambda x: (x > -20).all(axis=0),
    lambda x: x.sum(axis=0, keepdims=True),
    lambda x: (x - x.mean(axis=0)) / x.std(axis=0),
], ids=["sum", "mean", "std", "var", "max", "min", "nanmax", "nanmin", "prod", "any", "all", "keepdims",
        "standardize"])
@pytest.mark.parametrize("make", [
    lambda: tall(),
    lambda: tall(np.float32),
    lambda: tall(cols=3),
    lambda: tall(cols=37),
    lambda: tall(nan_every=997),
    lambda: tall()[::-2],                      # negative row stride
    lambda: tall(cols=16)[:, ::2],             # strided columns
    lambda: np.asfortranarray(tall()),
], ids=["f8", "f4", "3cols", "37cols", "nan", "negstride", "stridedcols", "fortran"])
def test_column_reductions(fn, make):
    check_same(fn, lambda: (make(),), rtol=RTOL)


@pytest.mark.parametrize("fn, make", [
    (lambda x: x.sum(axis=0), lambda: (rng.integers(-100, 100, (ROWS, 5)).astype(np.int8),)),   # wraps
    (lambda x: x.sum(axis=(0, 1)), lambda: (rng.standard_normal((200, 300, 6)),)),
    (lambda x: x.max(axis=(0, 1)), lambda: (rng.integers(0, 1000, (200, 300, 6)),)),
    (lambda x: x.sum(axis=1), lambda: (rng.standard_normal((3, ROWS, 4)),)),
    (lambda x: x.mean(axis=0), lambda: (rng.standard_normal((ROWS, 2, 3)),)),
    (lambda x: np.sum(x * x, axis=0), lambda: (rng.standard_normal((ROWS, 1)),)),
    (lambda x: x.sum(axis=0), lambda: (rng.standard_normal((0, 8)),)),
])
def test_outer_axes_and_dtypes(fn, make):
    check_same(fn, make)


def test_tall_reduction_takes_the_row_split_path():
    text = accelerate(lambda x: x.sum(axis=0), fallback="raise").explain(tall())
    assert "npa_rowpart" in text


# ---- sibling reductions over the same rows share one loop nest (plan.fuse) -------------

def _row_stats(x):
    return x.sum(axis=1), x.max(axis=1), (x * x).sum(axis=1), np.nanmin(x, axis=1)


def _dependent_rows(x):
    m = x.max(axis=1, keepdims=True)           # the second sum reads the first max
    return np.log(np.exp(x - m).sum(axis=1)) + m[:, 0], x.min(axis=1)


def _expression_matvec(x, v, w):
    a = (x * 2.0 - 1.0) @ v                    # fused: the matrix is never stored
    b = np.exp(-x) @ v
    return a, b, 3.0 * (x + 1.0) @ w


@pytest.mark.parametrize("fn, make", [
    (_row_stats, lambda: (rng.standard_normal((300, 500)),)),
    (_row_stats, lambda: (rng.standard_normal((300, 500)).astype(np.float32),)),
    (_row_stats, lambda: (rng.standard_normal((4, 50, 70))[:, ::2, ::-1],)),
    (_dependent_rows, lambda: (rng.standard_normal((300, 500)),)),
    (_expression_matvec, lambda: (rng.standard_normal((300, 200)), rng.standard_normal(200), rng.standard_normal(200))),
    (_expression_matvec, lambda: (rng.standard_normal((300, 200)).astype(np.float32),
                                  rng.standard_normal(200).astype(np.float32), rng.standard_normal(200).astype(np.float32))),
    (_expression_matvec, lambda: (rng.standard_normal((0, 200)), rng.standard_normal(200), rng.standard_normal(200))),
    (_expression_matvec, lambda: (rng.standard_normal((5, 0)), rng.standard_normal(0), rng.standard_normal(0))),
    (_expression_matvec, lambda: (rng.standard_normal((5, 4)), rng.standard_normal(3), rng.standard_normal(4))),
    (_expression_matvec, lambda: (rng.integers(-9, 9, (30, 20)), rng.integers(-9, 9, 20), rng.integers(-9, 9, 20))),
])
def test_sibling_reductions_and_expression_products(fn, make):
    check_same(fn, make, rtol=REDUCTION_RTOL)


def test_nbody_forces_are_one_loop_nest_without_a_matrix():
    import samples
    text = accelerate(samples.function("nbody"), fallback="raise").explain(*samples.load("nbody").inputs(0.01))
    assert "operand of a matrix product" not in text
    kernels = text.split("== fused kernels ==")[1].split("==")[0]
    assert kernels.count("reduce over") == 1 and "-> (value), (value), (value)" in kernels


# ---- fused producers: (u * v) reduced along either axis (column blocks, SIMD rows) ----

def _with_nans(shape, cols, dtype=np.float64, rows=(0,)):
    """u, v of ``shape`` with NaN in ``u`` at each (row, column) of rows x cols."""
    u, v = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    for r_ in rows:
        for c in cols:
            u[r_ % shape[0], c % shape[1]] = np.nan
    return u, v


PRODUCT_REDUCTIONS = {
    "sum0": lambda u, v: (u * v).sum(axis=0), "min0": lambda u, v: (u * v).min(axis=0),
    "max0": lambda u, v: (u * v).max(axis=0), "mean0": lambda u, v: (u * v).mean(axis=0),
    "sum1": lambda u, v: (u * v).sum(axis=1), "min1": lambda u, v: (u * v).min(axis=1),
    "max1": lambda u, v: (u * v).max(axis=1), "mean1": lambda u, v: (u * v).mean(axis=1),
    "nanmin0": lambda u, v: np.nanmin(u * v, axis=0), "nanmax1": lambda u, v: np.nanmax(u * v, axis=1),
    "siblings0": lambda u, v: ((u * v).min(axis=0), (u * v).sum(axis=0), (u - v).max(axis=0)),
}


@pytest.mark.parametrize("name", sorted(PRODUCT_REDUCTIONS))
@pytest.mark.parametrize("make", [
    lambda: _with_nans((300, 700), cols=(0,)),                 # first column (first block)
    lambda: _with_nans((300, 700), cols=(-1,), rows=(-1,)),    # last column, last row
    lambda: _with_nans((300, 2100), cols=(1023, 1024, 1025), rows=(7, 150)),  # around a block edge
    lambda: _with_nans((5, 3), cols=(1,), rows=(2,)),          # middle column, small
    lambda: _with_nans((64, 64), cols=(), dtype=np.float32),
    lambda: _with_nans((40, 1030), cols=(600,), dtype=np.float32),
    lambda: _with_nans((1, 5000), cols=(4000,)),
    lambda: _with_nans((5000, 1), cols=(0,), rows=(2500,)),
    lambda: (np.full((40, 700), np.inf), np.where(np.arange(700) % 2, 1.0, -1.0)),   # +-inf only
], ids=["nan-first", "nan-last", "nan-block-edge", "nan-middle-small", "f4", "f4-nan", "one-row", "one-col",
        "inf"])
def test_reductions_of_a_product(name, make):
    check_same(PRODUCT_REDUCTIONS[name], make, rtol=RTOL)


@pytest.mark.parametrize("name", ["sum0", "min0", "max1", "siblings0"])
@pytest.mark.parametrize("make", [
    lambda: (rng.standard_normal((700, 300)).T, rng.standard_normal((300, 700))),   # transposed
    lambda: (rng.standard_normal((600, 1400))[::2, ::2], rng.standard_normal((300, 700))),
    lambda: (rng.standard_normal((300, 700))[::-1, ::-1], rng.standard_normal((300, 700))),
    lambda: (np.asfortranarray(rng.standard_normal((300, 700))), rng.standard_normal(700)),   # broadcast
], ids=["transposed", "strided", "reversed", "fortran-broadcast"])
def test_reductions_of_a_product_of_other_layouts(name, make):
    check_same(PRODUCT_REDUCTIONS[name], make, rtol=RTOL)


@pytest.mark.parametrize("fn, make", [
    (lambda u, v: (u * v).min(axis=0), lambda: (np.ones((0, 5)), np.ones((0, 5)))),     # ValueError
    (lambda u, v: (u * v).max(axis=1), lambda: (np.ones((5, 0)), np.ones((5, 0)))),     # ValueError
    (lambda u, v: (u * v).min(axis=0), lambda: (np.ones((5, 0)), np.ones((5, 0)))),     # empty result
    (lambda u, v: (u * v).sum(axis=0), lambda: (np.ones((0, 5)), np.ones((0, 5)))),     # zeros
    (lambda u, v: (u * v).mean(axis=1), lambda: (np.ones((3, 0)), np.ones((3, 0)))),    # NaN, warns
], ids=["min-empty-axis", "max-empty-axis", "min-empty-kept", "sum-empty-axis", "mean-empty-axis"])
def test_empty_axes(fn, make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # the mean of nothing warns, on both sides
        check_same(fn, make)


@pytest.mark.parametrize("fn", [
    lambda u, v: (u * v).sum(axis=0), lambda u, v: (u * v).min(axis=0), lambda u, v: (u * v).max(axis=1),
    lambda u, v: (u * v).max(axis=0), lambda u, v: (u * v).sum(axis=1),
], ids=["sum0", "min0", "max1", "max0", "sum1"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64])
def test_integer_products_wrap_as_numpy(fn, dtype):
    info = np.iinfo(dtype)
    make = lambda: (rng.integers(info.min, info.max, (300, 700), dtype=dtype, endpoint=True),
                    rng.integers(info.min, info.max, (300, 700), dtype=dtype, endpoint=True))
    check_same(fn, make)


@pytest.mark.parametrize("fn, make", [
    (lambda x: (x * 2).sum(axis=1), lambda: (rng.standard_normal((4, 300, 700)),)),
    (lambda x: (x * 2).min(axis=1), lambda: (rng.standard_normal((4, 300, 700)),)),
    (lambda x: (x * 2).max(axis=1, keepdims=True), lambda: (rng.standard_normal((3, 200, 5)),)),
    (lambda x: (x * 2).sum(axis=(0, 2)), lambda: (rng.standard_normal((20, 6, 30, 50)),)),
    (lambda x: (x * 2).min(axis=(0, 2)), lambda: (rng.standard_normal((20, 6, 30, 50)),)),
    (lambda x: (x * 2).max(axis=(0, 1)), lambda: (rng.standard_normal((30, 40, 600)).astype(np.float32),)),
], ids=["sum-mid", "min-mid", "max-mid-keepdims", "sum-0-2", "min-0-2", "max-0-1-f4"])
def test_middle_axis_reductions(fn, make):
    check_same(fn, make, rtol=RTOL)


# just below and above the parallel threshold of (u * v).sum(axis=0) (262144 elements), in
# column blocks (several blocks) and in the row split (one block, many rows)
THRESHOLD_SHAPES = [(512, 512), (512, 513), (8, 32768), (8, 32769), (18724, 14), (18725, 14)]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", THRESHOLD_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_around_the_parallel_threshold(shape, threads, fresh_config):
    fresh_config(NPACCEL_NUM_THREADS=str(threads))
    u, v = _with_nans(shape, cols=(1,), rows=(3,))
    for name in ("sum0", "min0", "max0", "siblings0", "min1"):
        check_same(PRODUCT_REDUCTIONS[name], lambda: (u, v), rtol=RTOL)


def test_square_column_reductions_take_the_column_blocks():
    text = accelerate(lambda u, v: (u * v).min(axis=0), fallback="raise").explain(
        np.ones((1024, 1024)), np.ones((1024, 1024)))
    assert "npa_blk0[1024]" in text and "npa_rowpart" in text
    rows = accelerate(lambda u, v: (u * v).min(axis=1), fallback="raise").explain(
        np.ones((1024, 1024)), np.ones((1024, 1024)))
    assert "reduction(min:npa_acc0)" in rows and "if (npa_nan0) npa_acc0 = NAN;" in rows

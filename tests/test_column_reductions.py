"""Reductions over outer axes of tall arrays (x.sum(axis=0) with many rows): the C code
splits the rows across threads with a private row of partial results per thread
(codegen.c_source.outer_reduction). Compared with NumPy through the harness."""
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

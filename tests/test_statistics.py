"""np.cov and np.corrcoef, compiled (fallback="raise") and equal to NumPy: 1-d and 2-d inputs,
rowvar, y, bias, ddof (including n - ddof <= 0: inf/nan, without NumPy's RuntimeWarning),
dtype, int/bool/float32/float64/complex inputs, strided and read-only inputs, one variable
(0-d result), NumPy's errors. Weights run in Python (their values are checked by NumPy).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from harness import assert_same_value, check_same, quiet_fixture
from npaccel import UnsupportedError, accelerate

_quiet = quiet_fixture()

# cov is a matrix product: sums in another order than NumPy's BLAS (complex parts too)
RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5, np.dtype(np.complex128): 1e-12,
        np.dtype(np.complex64): 1e-5}

DTYPES = [np.bool_, np.int32, np.float32, np.float64, np.complex128]


def sample(dtype, *shape):
    n = int(np.prod(shape))
    values = (np.arange(n) * 7 % 11 - 4.0).reshape(shape) + np.sin(np.arange(n)).reshape(shape)
    if np.dtype(dtype).kind == "b":
        return values > 0
    if np.dtype(dtype).kind == "c":
        return (values + 1j * np.cos(np.arange(n)).reshape(shape)).astype(dtype)
    if np.dtype(dtype).kind in "iu":
        return (values * 3).astype(dtype)
    return values.astype(dtype)


def statistics(m, y):
    return (np.cov(m), np.cov(m, rowvar=False), np.cov(m, y), np.cov(m, bias=True), np.cov(m, ddof=3),
            np.cov(m.T, y, rowvar=False, bias=True, ddof=0),
            np.corrcoef(m), np.corrcoef(m, y), np.corrcoef(m, rowvar=False))


@pytest.mark.parametrize("dtype", DTYPES)
def test_cov_corrcoef_over_dtypes(dtype):
    check_same(statistics, lambda: (sample(dtype, 3, 6), sample(dtype, 6)), rtol=RTOL)


@pytest.mark.parametrize("make", [lambda: (sample(np.float64, 6, 12)[::2, 1::2], sample(np.float64, 12)[::-2]),
                                  lambda: (sample(np.float64, 3, 6)[::-1, ::-1], sample(np.float64, 2, 6))],
                         ids=["strided", "negative"])
def test_cov_corrcoef_layouts(make):
    check_same(statistics, make, rtol=RTOL)


def test_one_variable_and_dtype_argument():
    def f(v, w):
        return (np.cov(v), np.corrcoef(v), np.cov(v, w), np.corrcoef(v, w), np.cov(v, dtype=np.float32),
                np.corrcoef(v, w, dtype=np.complex64), np.cov(v, ddof=5), np.cov(v, ddof=9), np.corrcoef(v, v * 0))
    check_same(f, lambda: (sample(np.float64, 6), sample(np.int64, 6)), rtol=RTOL)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_read_only_and_clipping(dtype):
    """Perfectly correlated rows: unclipped, NumPy's quotients reach 1 + 2**-52 here."""
    @accelerate(fallback="raise")
    def f(m):
        return np.cov(m), np.corrcoef(m)
    rng = np.random.default_rng(0 if dtype is np.complex128 else 2)
    a = rng.standard_normal(7) + (1j * rng.standard_normal(7) if dtype is np.complex128 else 0)
    m = np.stack([a, a * (0.3 - 0.7j if dtype is np.complex128 else 0.3), a * -1.1]).astype(dtype)
    m.flags.writeable = False
    result = f(m)
    assert_same_value(result, (np.cov(m), np.corrcoef(m)), RTOL)
    assert np.abs(result[1].real).max() <= 1 and np.abs(result[1].imag).max() <= 1


@pytest.mark.parametrize("case", [
    lambda m: np.cov(m[None]),                   # more than 2 dimensions
    lambda m: np.cov(m, m[None]),
    lambda m: np.cov(m, ddof=1.5),
    lambda m: np.cov(m, m[:, :3]),               # sample counts differ
    lambda m: np.corrcoef(m, m[:2, :4]),
])
def test_errors(case):
    check_same(case, lambda: (sample(np.float64, 3, 6),))


def test_weights_run_in_python():
    def f(m, w):
        return np.cov(m, fweights=w)
    m, w = sample(np.float64, 3, 6), np.array([1, 2, 1, 3, 1, 1])
    with pytest.raises(UnsupportedError):
        accelerate(f, fallback="raise")(m, w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_value(accelerate(f, fallback="warn")(m, w), f(m, w))

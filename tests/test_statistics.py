"""np.cov and np.corrcoef, compiled (fallback="raise") and equal to NumPy: 1-d and 2-d inputs,
rowvar, y, bias, ddof (including n - ddof <= 0: run in Python, with NumPy's RuntimeWarning),
dtype, int/bool/float32/float64/complex inputs, strided and read-only inputs, one variable
(0-d result), NumPy's errors; fweights and aweights, with NumPy's checks of their values
and its "Degrees of freedom" warning.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from harness import assert_same_value, check_same, check_same_default, quiet_fixture
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


def weighted(m, y, fw, aw):
    return (np.cov(m, fweights=fw), np.cov(m, aweights=aw), np.cov(m, fweights=fw + 0, aweights=aw),
            np.cov(m, y, aweights=aw, bias=True), np.cov(m, fweights=fw, ddof=0), np.cov(m, aweights=aw, ddof=2),
            np.cov(m.T, rowvar=False, fweights=fw, ddof=3), np.cov(m[0], fweights=fw), np.cov(m, y, fweights=fw * 2))


def weights(n, dtype=np.int64):
    return np.array([1, 2, 0, 3, 1, 1, 4, 2, 1, 2, 3, 1][:n], dtype), 0.5 + np.cos(np.arange(n)) ** 2


@pytest.mark.parametrize("dtype", DTYPES)
def test_weights_over_dtypes(dtype):
    """float32 data with weights gives float64, as in NumPy (the weighted terms are float64)."""
    check_same(weighted, lambda: (sample(dtype, 3, 6), sample(dtype, 6), *weights(6)), rtol=RTOL)


@pytest.mark.parametrize("make", [
    lambda: (sample(np.float64, 6, 12)[::2, 1::2], sample(np.float64, 12)[::-2], *(w[::-1] for w in weights(6))),
    lambda: (sample(np.float64, 3, 1), sample(np.float64, 1), *weights(1, np.float32)),     # one observation
    lambda: (sample(np.float64, 1, 4), sample(np.float64, 4), *weights(4, np.bool_)),
], ids=["negative-stride", "one-observation", "bool-weights"])
def test_weights_layouts_and_small(make):
    check_same(weighted, make, rtol=RTOL)


def test_weights_read_only_and_default_mode():
    m, (fw, aw) = sample(np.float64, 3, 6), weights(6)
    for a in (m, fw, aw):
        a.flags.writeable = False
    check_same(weighted, lambda: (m, m[0], fw, aw), rtol=RTOL)
    check_same_default(weighted, lambda: (m, m[0], fw, aw), rtol=RTOL)


@pytest.mark.parametrize("fw, aw", [
    ([1, 2, 1.5, 1, 1, 1], None),            # fweights must be integer
    ([1, 2, np.nan, 1, 1, 1], None),
    ([1, 2, -1, 1, 1, 1], None),             # fweights cannot be negative
    (None, [1, 2, -0.5, 1, 1, 1]),           # aweights cannot be negative
    (None, [0.0] * 6),                       # Weights sum to zero
    ([0] * 6, [1.0] * 6),
    ([1, 2, 1, 1, 1], None),                 # incompatible numbers of samples
    (None, [[1.0] * 6]),                     # multidimensional
    ([[1.5] * 6], None),                     # NumPy's value check comes first
    ([[1.0] * 6], None),
    (None, 2.0),                             # 0-d: NumPy's IndexError
    ([1.5] * 5, None),                       # whole numbers checked before the length
])
def test_weight_errors(fw, aw):
    """NumPy's errors, in NumPy's order: the program stops where a check on the values fails
    and the call reruns in Python."""
    if aw is None:
        def f(m, fw):
            return np.cov(m, fweights=fw)
    elif fw is None:
        def f(m, aw):
            return np.cov(m, aweights=aw)
    else:
        def f(m, fw, aw):
            return np.cov(m, fweights=fw, aweights=aw)
    args = (sample(np.float64, 3, 6), *(np.array(w) for w in (fw, aw) if w is not None))
    check_same(f, lambda: args)
    check_same_default(f, lambda: args)


def test_degrees_of_freedom_warning():
    """fact <= 0: NumPy warns and divides by zero; the call reruns in Python (a value the
    kernel tests), so the warning and the infinities are NumPy's."""
    def f(m, fw, aw):
        return np.cov(m, fweights=fw, ddof=4), np.cov(m, aweights=aw, ddof=9), np.cov(m, ddof=9)
    m, (fw, aw) = sample(np.float64, 2, 6), weights(6)
    fw[:] = [1, 0, 0, 0, 0, 1]
    acc = accelerate(f, fallback="raise")
    results, messages = [], []
    for call in (f, acc):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append(call(m, fw, aw))
        messages.append([str(w.message) for w in caught if w.category is RuntimeWarning])
    assert messages[0][:1] == ["Degrees of freedom <= 0 for slice"] and messages[1] == messages[0]
    assert_same_value(results[1], results[0])

    def g(m, fw):
        return np.cov(m, fweights=fw, ddof=4)
    fw[:] = 1       # enough degrees of freedom: compiled, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same_value(accelerate(g, fallback="raise")(m, fw), g(m, fw), RTOL)


def test_weights_in_a_loop():
    def f(m, aw):
        total = 0.0
        for i in range(2, m.shape[1] + 1):
            total += np.cov(m[:, :i], aweights=aw[:i])[0, 1]
        return total
    check_same(f, lambda: (sample(np.float64, 2, 7), weights(7)[1]), rtol=RTOL)


def test_written_arguments_with_weights():
    """A function that writes an argument cannot rerun in Python, which NumPy's warning
    needs: it does not compile (the statements run in Python, as NumPy)."""
    def f(m, aw, out):
        out[...] = np.cov(m, aweights=aw)
        return out
    m, aw = sample(np.float64, 3, 6), weights(6)[1]
    with pytest.raises(UnsupportedError, match="writes its arguments"):
        accelerate(f, fallback="raise")(m, aw, np.zeros((3, 3)))
    check_same_default(f, lambda: (m, aw, np.zeros((3, 3))), rtol=RTOL)


def test_float_fweights_with_aweights_run_in_python():
    """NumPy multiplies aweights into a float64 fweights array in place: not compiled, so
    the user's array is written as NumPy writes it."""
    def f(m, fw, aw):
        return np.cov(m, fweights=fw, aweights=aw)
    m, (fw, aw) = sample(np.float64, 3, 6), weights(6, np.float64)
    with pytest.raises(UnsupportedError, match="writes the product"):
        accelerate(f, fallback="raise")(m, fw.copy(), aw)
    check_same_default(f, lambda: (m, fw.copy(), aw), rtol=RTOL)

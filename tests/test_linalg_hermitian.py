"""np.linalg.svd(..., hermitian=True) and np.linalg.pinv(..., hermitian=True) (issue 15),
compiled as NumPy's linalg.py writes them (eigh, magnitudes sorted, signs moved into vh),
and np.take_along_axis, which they use.

eigh's results are LAPACK's, bit for bit, so the harness compares exactly. Equal magnitudes
(the identity, +-lambda pairs) take NumPy's argsort order, which is unstable and depends on
the machine's SIMD sort: there the program stops and the call reruns in Python, so those
cases are NumPy's exactly too (a 20 x 20 diagonal with repeated magnitudes is one where
NumPy's order is not the stable one). pinv does not depend on that order: it is compiled
whatever the values.
"""
import warnings

import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

RNG = np.random.default_rng(7)
DTYPES = ["float32", "float64", "complex64", "complex128", "int64"]


def hermitian(shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        a = RNG.integers(-9, 10, size=shape)
        return (a + np.swapaxes(a, -1, -2)).astype(dtype)
    a = RNG.standard_normal(shape) + (1j * RNG.standard_normal(shape) if dtype.kind == "c" else 0)
    return (a + np.swapaxes(a.conj(), -1, -2)).astype(dtype)


def svd_h(a):
    u, s, vh = np.linalg.svd(a, hermitian=True)
    return u, s, vh, np.linalg.svd(a, False, False, True), np.linalg.pinv(a, hermitian=True)


def pinv_h(a, rcond):
    return np.linalg.pinv(a, rcond, hermitian=True), np.linalg.pinv(a, hermitian=True, rtol=None)


@pytest.mark.parametrize("dtype", DTYPES)
def test_hermitian_svd_and_pinv(dtype):
    for shape in [(4, 4), (1, 1), (2, 3, 3), (0, 0), (7, 7)]:
        check_same(svd_h, lambda: (hermitian(shape, dtype),))
    if np.dtype(dtype).kind in "fc":
        check_same(pinv_h, lambda: (hermitian((2, 4, 4), dtype), np.array([1e-3, 0.5])))


@pytest.mark.parametrize("make", [
    lambda: np.eye(3),
    lambda: np.diag([1.0, -2.0, 2.0, -1.0]),
    lambda: np.diag(np.tile([3.0, -3.0, 1.0, 2.0, -1.0], 4)),        # 20 x 20: NumPy's argsort is not stable here
    lambda: np.stack([np.diag([1.0, -2.0, 3.0]), np.diag([2.0, 2.0, -1.0])]),
    lambda: np.zeros((3, 3), np.complex128),
], ids=["eye", "pairs", "twenty", "stack", "zeros"])
def test_equal_magnitudes_are_numpys(make):
    """Exactly NumPy's u and vh: the call reruns in Python where magnitudes tie."""
    check_same(svd_h, lambda: (make(),))
    check_same_default(svd_h, lambda: (make(),))


def test_views_read_only_and_default_mode():
    big = hermitian((8, 8), "complex128")
    ro = hermitian((5, 5), "float64")
    ro.flags.writeable = False
    for make in (lambda: (big[::-2, ::-2],), lambda: (big.T,), lambda: (ro,), lambda: (ro[1:, 1:],)):
        check_same(svd_h, make)
        check_same_default(svd_h, make)


def test_inside_a_loop():
    def f(a):
        total = np.zeros(a.shape[-1])
        for k in range(a.shape[0]):
            total += np.linalg.svd(a[k], compute_uv=False, hermitian=True) + np.linalg.pinv(a[k], hermitian=True)[0]
        return total
    check_same(f, lambda: (hermitian((3, 4, 4), "float64"),))


def test_errors_are_numpys():
    check_same(svd_h, lambda: (np.ones(3),))                          # 1-d
    check_same(svd_h, lambda: (np.ones((2, 3)),))                     # not square: LinAlgError
    check_same(svd_h, lambda: (np.ones((2, 2), np.float16),))          # TypeError
    check_same(svd_h, lambda: (np.full((3, 3), np.nan),))


def test_a_function_writing_an_argument_does_not_compile_the_rerun():
    """The tie check needs a rerun, which a function that wrote an argument cannot do."""
    def f(a, out):
        out[...] = np.linalg.svd(a, hermitian=True)[0]
        return out
    with pytest.raises(UnsupportedError, match="writes its arguments"):
        accelerate(f, fallback="raise")(np.eye(3), np.zeros((3, 3)))
    check_same_default(f, lambda: (np.eye(3), np.zeros((3, 3))))
    check_same_default(f, lambda: (hermitian((3, 3), "float64"), np.zeros((3, 3))))

    def g(a, out):      # pinv does not depend on the order of ties: compiled
        out[...] = np.linalg.pinv(a, hermitian=True)
        return out
    check_same(g, lambda: (hermitian((3, 3), "float64"), np.zeros((3, 3))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = accelerate(g, fallback="raise")(np.diag([2.0, -2.0, 4.0]), np.zeros((3, 3)))
    np.testing.assert_allclose(out, np.linalg.pinv(np.diag([2.0, -2.0, 4.0]), hermitian=True), rtol=1e-15)


def along(a, i):
    return (np.take_along_axis(a, i, axis=1), np.take_along_axis(a, i[:, :1], -1) * 2,
            np.take_along_axis(a, i[:, ::-1], 1), np.take_along_axis(a[0], i[0], None), np.take_along_axis(a, -1 - i, 1))


@pytest.mark.parametrize("dtype", ["bool", "int32", "float32", "complex128"])
def test_take_along_axis(dtype):
    def make():
        a = RNG.standard_normal((3, 4)) if dtype != "bool" else RNG.random((3, 4)) > 0.5
        return a.astype(dtype), np.argsort(a, axis=1, kind="stable")
    check_same(along, make)
    check_same_default(along, make)
    check_same_default(along, lambda: (make()[0].tolist(), make()[1]))     # a list: NumPy converts it
    check_same(along, lambda: tuple(x[::-1, ::-1] for x in make()))      # negative strides
    check_same(along, lambda: (make()[0][:, :0], make()[1][:, :0]))      # empty


def test_take_along_axis_errors_are_numpys():
    a = np.arange(12.0).reshape(3, 4)
    check_same(along, lambda: (a, np.full((3, 4), 4)))                  # out of bounds: IndexError
    check_same(along, lambda: (a, np.zeros((3, 4))))                    # float indices
    check_same(lambda a, i: np.take_along_axis(a, i, 1), lambda: (a, np.zeros(4, np.int64)))   # ndim differs
    check_same(lambda a, i: np.take_along_axis(a, i, 2), lambda: (a, np.zeros((3, 4), np.int64)))   # bad axis
    check_same(lambda a, i: np.take_along_axis(a, i, None), lambda: (a, np.zeros((3, 4), np.int64)))

    def rows(a, i):         # one row broadcasts, 2 rows against 3 are NumPy's IndexError
        return np.take_along_axis(a, i, 1)
    for k in (1, 2, 3):
        check_same(rows, lambda: (a, np.arange(k * 4).reshape(k, 4) % 4))
        check_same_default(rows, lambda: (a, np.arange(k * 4).reshape(k, 4) % 4))

    def sliced(a, i, k):    # a slice whose length is known at run time: 1 or not decides: Python runs it
        return np.take_along_axis(a, i[:k], 1)
    for k in (1, 3, 2):
        check_same_default(sliced, lambda: (a, np.arange(12).reshape(3, 4) % 4, k))

"""np.linalg through LAPACK (issue 15): solve, inv, det, cholesky, eigh, eigvalsh, qr, and
complex matrix products (cgemm/zgemm).

The generated code calls the routines NumPy's _umath_linalg calls, in the library NumPy
ships, on the same Fortran-order copies with the same workspace sizes: results are
expected bit for bit (the harness compares exactly where no rtol is given), including
eigenvector signs and QR factors. Errors: NumPy's LinAlgError (message included) for
singular / not positive definite / non-square input, its ValueError for mismatched sizes.
"""
import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import accelerate

RNG = np.random.default_rng(15)
DTYPES = ["float32", "float64", "complex64", "complex128", "int64"]


def mat(shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return RNG.integers(-9, 10, size=shape).astype(dtype)
    x = RNG.standard_normal(shape)
    if dtype.kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x.astype(dtype)


def spd(n, dtype, batch=()):
    """A Hermitian positive definite matrix (stack)."""
    a = mat(batch + (n, n), "complex128" if np.dtype(dtype).kind == "c" else "float64")
    h = a @ np.swapaxes(a.conj(), -1, -2) + n * np.eye(n)
    if np.dtype(dtype).kind in "iu":
        return np.rint(h).astype(dtype) + 2 * n * np.eye(n, dtype=dtype)
    return h.astype(dtype)


def solve(a, b):
    return np.linalg.solve(a, b)


def inv(a):
    return np.linalg.inv(a)


def det(a):
    return np.linalg.det(a)


def cholesky(a):
    return np.linalg.cholesky(a)


def eigh(a):
    w, v = np.linalg.eigh(a)
    return w, v


def eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return w, v


def eigvalsh(a):
    return np.linalg.eigvalsh(a)


def qr(a):
    q, r = np.linalg.qr(a)
    return q, r


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 5, 0])
def test_square_routines(dtype, n):
    a = mat((n, n), dtype) + (3 * np.eye(n, dtype=dtype) if n else 0)
    h = spd(n, dtype)
    check_same(solve, lambda: (a, mat((n,), dtype)))
    check_same(solve, lambda: (a, mat((n, 3), dtype)))
    check_same(inv, lambda: (a,))
    check_same(det, lambda: (a,))
    check_same(cholesky, lambda: (h,))
    check_same(eigh, lambda: (h,))
    check_same(eigh_upper, lambda: (h,))
    check_same(eigvalsh, lambda: (h,))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 5), (6, 3), (3, 6), (1, 4), (4, 1), (0, 3), (3, 0)])
def test_qr_reduced(dtype, shape):
    check_same(qr, lambda: (mat(shape, dtype),))


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_views_transposed_and_strided(dtype):
    big = mat((9, 12), dtype)
    h = spd(4, dtype)
    hbig = np.zeros((8, 8), dtype)
    hbig[::2, ::2] = h
    check_same(inv, lambda: (big[:5, :5].T,))
    check_same(det, lambda: (big[::2, ::3][:4, :4],))
    check_same(solve, lambda: (big[:5, 1:6], big[::-1, 0][:5]))
    check_same(solve, lambda: (big[:5, :5].T, big[:5, 6:9]))
    check_same(cholesky, lambda: (hbig[::2, ::2],))
    check_same(eigh, lambda: (hbig[::2, ::2].T,))
    check_same(qr, lambda: (big[::-2, 1::2],))


@pytest.mark.parametrize("dtype", ["float32", "complex128"])
def test_stacked(dtype):
    a = mat((3, 4, 4), dtype) + 4 * np.eye(4, dtype=dtype)
    check_same(inv, lambda: (a,))
    check_same(det, lambda: (a,))
    check_same(solve, lambda: (a, mat((3, 4, 2), dtype)))
    check_same(solve, lambda: (a, mat((4, 2), dtype)))       # b broadcast over a's stack
    check_same(solve, lambda: (a, mat((4,), dtype)))
    check_same(cholesky, lambda: (spd(3, dtype, (2,)),))
    check_same(eigh, lambda: (spd(3, dtype, (2, 2)),))
    check_same(qr, lambda: (mat((2, 5, 3), dtype),))


def test_expressions_around_the_call():
    def f(a, b):
        x = np.linalg.solve(a * 2.0 + 1.0, b - 1.0)
        return x.sum() + np.linalg.det(a.T) * 0.5, np.linalg.inv(a)[0] * 3.0

    check_same(f, lambda: (mat((5, 5), "float64") + 5 * np.eye(5), mat((5,), "float64")))


def test_inside_a_loop():
    def f(a, n):
        x = np.eye(a.shape[0])
        for _ in range(n):
            x = np.linalg.inv(a) @ x
        return x

    check_same(f, lambda: (mat((4, 4), "float64") + 4 * np.eye(4), 3))


@pytest.mark.parametrize("dtype", ["float64", "complex64"])
def test_singular_and_indefinite_raise_numpys_error(dtype):
    z = np.zeros((3, 3), dtype)
    indefinite = np.diag([1.0, -1.0, 2.0]).astype(dtype)
    for fn, arg in ((inv, z), (cholesky, indefinite)):
        check_same(fn, lambda: (arg,))
    check_same(solve, lambda: (z, np.ones(3, dtype)))
    check_same(det, lambda: (z,))                     # det of a singular matrix is 0, no error
    acc = accelerate(inv, fallback="raise")
    with pytest.raises(np.linalg.LinAlgError, match="^Singular matrix$"):
        acc(z)
    with pytest.raises(np.linalg.LinAlgError, match="^Matrix is not positive definite$"):
        accelerate(cholesky, fallback="raise")(indefinite)


def test_shape_errors_are_numpys():
    check_same(inv, lambda: (mat((3, 4), "float64"),))        # static: not square
    check_same(inv, lambda: (mat((3,), "float64"),))          # 1-d
    check_same(solve, lambda: (np.eye(3), np.ones(2)))
    check_same(solve, lambda: (np.eye(3), np.ones((2, 2))))
    check_same(det, lambda: (np.ones((2, 2), np.float16),))   # TypeError: float16 unsupported
    acc = accelerate(inv, fallback="raise")
    acc(np.eye(3))                                           # compiled for symbolic sizes
    with pytest.raises(np.linalg.LinAlgError, match="^Last 2 dimensions of the array must be square$"):
        acc(np.ones((3, 4)))
    acc = accelerate(solve, fallback="raise")
    acc(np.eye(3), np.ones(3))
    with pytest.raises(ValueError, match="solve1: Input operand 1 has a mismatch"):
        acc(np.eye(3), np.ones(2))


def test_default_mode_and_named_tuple_results():
    def whole(a):
        return np.linalg.eigh(a)          # EighResult: returned as NumPy's named tuple

    def fields(a):
        res = np.linalg.qr(a)
        return res.Q, res.R

    check_same_default(whole, lambda: (spd(3, "float64"),))
    check_same_default(fields, lambda: (mat((4, 3), "float64"),))
    check_same_default(inv, lambda: (np.zeros((2, 2)),))


# ---- complex matrix products: cgemm / zgemm ----------------------------------------------

def matmul(a, b):
    return a @ b


def dot(a, b):
    return np.dot(a, b)


def vdot(a, b):
    return np.vdot(a, b)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("shapes", [((4, 5), (5, 3)), ((1, 1), (1, 1)), ((6,), (6, 2)), ((3, 6), (6,)),
                                    ((7,), (7,)), ((2, 3, 4), (4, 5)), ((0, 3), (3, 2)), ((3, 0), (0, 2))])
def test_complex_products(dtype, shapes):
    rtol = 1e-5 if dtype == "complex64" else 1e-12
    check_same(matmul, lambda: tuple(mat(s, dtype) for s in shapes), rtol=rtol)
    check_same(dot, lambda: tuple(mat(s, dtype) for s in shapes), rtol=rtol)


def test_complex_products_views_and_mixed_types():
    rtol = 1e-12
    a, b = mat((6, 8), "complex128"), mat((8, 6), "complex128")
    check_same(matmul, lambda: (a.T, b.T), rtol=rtol)
    check_same(matmul, lambda: (a[::2, ::-1], b[::-1, ::3]), rtol=rtol)
    check_same(matmul, lambda: (a, mat((8, 3), "float64")), rtol=rtol)
    check_same(matmul, lambda: (mat((4, 4), "complex64"), mat((4, 4), "float32")), rtol=1e-5)
    check_same(vdot, lambda: (mat((5,), "complex128"), mat((5,), "complex128")), rtol=rtol)

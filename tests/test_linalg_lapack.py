"""np.linalg through LAPACK (issue 15): solve, inv, det, cholesky, eigh, eigvalsh, qr (all
modes), svd, lstsq, pinv, matrix_power, norm's SVD orders, and complex matrix products
(cgemm/zgemm) and einsum.

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


# ---- svd, lstsq, pinv, matrix_power, singular-value norms, qr modes (issue 15, part 3) -------

SHAPES_2D = [(5, 3), (3, 5), (4, 4), (1, 1), (0, 3), (3, 0)]


def svd_all(a):
    u, s, vh = np.linalg.svd(a)
    u2, s2, vh2 = np.linalg.svd(a, full_matrices=False)
    return u, s, vh, u2, s2, vh2, np.linalg.svd(a, compute_uv=False)


def qr_modes(a):
    q, r = np.linalg.qr(a, mode="complete")
    h, tau = np.linalg.qr(a, mode="raw")
    return q, r, np.linalg.qr(a, mode="r"), h, tau


def pinv(a):
    return np.linalg.pinv(a)


def pinv_options(a, rc):
    return np.linalg.pinv(a, rc), np.linalg.pinv(a, rtol=None), np.linalg.pinv(a, rtol=0.25)


def powers(a):
    p = np.linalg.matrix_power
    return p(a, 0), p(a, 1), p(a, 2), p(a, 3), p(a, 6), p(a, -1), p(a, -3)


def svd_norms(a):
    return np.linalg.norm(a, 2), np.linalg.norm(a, -2), np.linalg.norm(a, "nuc")


def svd_norms_axes(a):
    return np.linalg.norm(a, 2, axis=(2, 0), keepdims=True), np.linalg.norm(a, "nuc", axis=(-1, 1)), \
        np.linalg.norm(a, -2, axis=(0, 1))


def lstsq(a, b):
    return np.linalg.lstsq(a, b)


def lstsq_rcond(a, b):
    return np.linalg.lstsq(a, b, rcond=1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_svd_qr_modes_and_norms(dtype):
    for shape in SHAPES_2D:
        check_same(svd_all, lambda: (mat(shape, dtype),))
        check_same(qr_modes, lambda: (mat(shape, dtype),))
        if 0 not in shape:            # NumPy: norm -2 of an empty matrix has no identity
            check_same(svd_norms, lambda: (mat(shape, dtype),))
    check_same(svd_all, lambda: (mat((2, 4, 3), dtype),))
    check_same(qr_modes, lambda: (mat((2, 3, 4), dtype),))
    check_same(svd_norms_axes, lambda: (mat((3, 2, 4), dtype),))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pinv_and_matrix_power(dtype):
    for shape in [(5, 3), (3, 5), (1, 1), (2, 4, 3), (0, 3)]:
        check_same(pinv, lambda: (mat(shape, dtype),))
    if np.dtype(dtype).kind in "fc":
        check_same(pinv_options, lambda: (mat((2, 4, 3), dtype), np.array([1e-3, 0.5])))
    check_same(powers, lambda: (mat((4, 4), dtype) + 9 * np.eye(4, dtype=dtype),))
    check_same(powers, lambda: (mat((2, 3, 3), dtype) + 9 * np.eye(3, dtype=dtype),))
    check_same(powers, lambda: (mat((0, 0), dtype),))


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstsq(dtype):
    deficient = mat((6, 2), dtype)
    deficient = np.concatenate([deficient, deficient[:, :1] * 2], axis=1)     # rank 2 of 3
    for shape_a, shape_b in [((6, 3), (6,)), ((6, 3), (6, 2)), ((3, 3), (3,)), ((2, 4), (2, 3)), ((1, 1), (1,)),
                             ((4, 2), (4, 0)), ((0, 2), (0, 3)), ((4, 0), (4, 3))]:
        check_same(lstsq, lambda: (mat(shape_a, dtype), mat(shape_b, dtype)))
    check_same(lstsq, lambda: (deficient, mat((6, 2), dtype)))
    check_same(lstsq_rcond, lambda: (mat((6, 3), dtype), mat((6, 2), dtype)))


def test_svd_family_views_mixed_types_and_read_only():
    big = mat((9, 12), "complex128")
    ro = mat((6, 4), "float64")
    ro.flags.writeable = False
    check_same(svd_all, lambda: (big[::-2, 1::3],))
    check_same(pinv, lambda: (big[:5, :4].T,))
    check_same(lstsq, lambda: (big[::-1, :3].real, big[::-1, 5]))         # float a, complex b
    check_same(lstsq, lambda: (mat((5, 2), "float32"), mat((5,), "int64")))
    check_same(svd_all, lambda: (ro,))
    check_same(lstsq, lambda: (ro, ro[:, ::-1]))
    check_same(pinv, lambda: (ro[::-1, ::2],))


def test_lstsq_residuals_returned_or_summed():
    def parts(a, b):
        x, res, rank, s = np.linalg.lstsq(a, b)
        return x, res.sum(), rank + 1, s

    check_same(parts, lambda: (mat((5, 2), "float64"), mat((5, 3), "float64")))
    check_same(parts, lambda: (np.ones((5, 2)), mat((5, 3), "float64")))        # rank 1: residuals empty


def test_svd_family_errors_are_numpys():
    nan = np.full((3, 3), np.nan)
    check_same(svd_all, lambda: (mat((3,), "float64"),))                    # 1-d: LinAlgError
    check_same(svd_all, lambda: (np.ones((2, 2), np.float16),))             # TypeError
    check_same(svd_all, lambda: (nan,))
    check_same(lstsq, lambda: (np.ones((3, 2)), np.ones(4)))                # Incompatible dimensions
    check_same(lstsq, lambda: (np.ones(3), np.ones(3)))
    check_same(pinv, lambda: (mat((3,), "float64"),))
    check_same(powers, lambda: (mat((3, 4), "float64"),))                   # not square
    with pytest.raises(np.linalg.LinAlgError, match="^SVD did not converge$"):
        accelerate(svd_all, fallback="raise")(nan)
    with pytest.raises(np.linalg.LinAlgError, match="^SVD did not converge in Linear Least Squares$"):
        accelerate(lstsq, fallback="raise")(nan, np.ones(3))
    acc = accelerate(lstsq, fallback="raise")
    acc(np.ones((3, 2)), np.ones(3))                                         # symbolic sizes
    with pytest.raises(np.linalg.LinAlgError, match="^Incompatible dimensions$"):
        acc(np.ones((3, 2)), np.ones(4))

    def float_exponent(a, n):
        return np.linalg.matrix_power(a, n)
    check_same(float_exponent, lambda: (np.eye(3), 2.0))                     # TypeError


@pytest.mark.parametrize("dtypes", [("complex128", "complex128"), ("complex64", "float64"), ("float32", "complex64")])
def test_einsum_complex(dtypes):
    def products(a, b, v):
        return (np.einsum("ij,jk->ik", a, b), np.einsum("ij,ij->i", a, a), np.einsum("ij->ji", a),
                np.einsum("ij,j->i", a, v), np.einsum("i,j->ij", v, v), np.einsum("bij,bjk->bik", a[None], b[None]))

    rtol = {np.dtype("complex128"): 1e-12, np.dtype("complex64"): 1e-5, np.dtype("float32"): 1e-5,
            np.dtype("float64"): 1e-12}
    check_same(products, lambda: (mat((3, 4), dtypes[0]), mat((4, 5), dtypes[1]), mat((4,), dtypes[1])), rtol=rtol)
    check_same(products, lambda: (mat((3, 4), dtypes[0]).T[::-1].T, mat((4, 5), dtypes[1])[:, ::2],
                                  mat((8,), dtypes[1])[::2]), rtol=rtol)


# ---- one LAPACK run per call, whichever results are used (issue: multi-result routines) ----

def factor_all(a, h, b):
    w, v = np.linalg.eigh(h)
    q, r = np.linalg.qr(a)
    u, s, vh = np.linalg.svd(a)
    x, res, rank, sv = np.linalg.lstsq(a, b)
    return w, v, q, r, u, s, vh, x, res, rank, sv


def factor_parts(a, h):
    w = np.linalg.eigh(h)[0]                # one result of a call...
    v = np.linalg.eigh(h)[1]                # ...another of a second call on the same matrix
    s = np.linalg.svd(a)[1]
    u, s2, _ = np.linalg.svd(a)             # the same result used twice
    _, s3, vh3 = np.linalg.svd(a, full_matrices=False)
    r = np.linalg.qr(a)[1]
    q, _ = np.linalg.qr(a, mode="complete")
    raw, tau = np.linalg.qr(a, mode="raw")
    return w * 2, v, s + s2, u, s3, vh3.T, r, q, raw, tau


def factor_stacked(a, h):
    w, v = np.linalg.eigh(h, UPLO="U")
    q, r = np.linalg.qr(a)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return w, v, q @ r, u, s, vh


def lapack_calls(acc, *args):
    """{helper: number of call sites} in the generated source (each runs once per matrix)."""
    import re
    from collections import Counter
    return Counter(re.findall(r"npa_rc = npa_lapack_(\w+?)_(?:f64|c128)\(", acc.explain(*args)))


# (a, h, b): tall, wide, 1 x 1, empty (sizes are compiled in: one program each)
FACTOR_SHAPES = [((5, 3), (3, 3), (5, 2)), ((3, 5), (4, 4), (3, 1)), ((1, 1), (1, 1), (1, 1)),
                 ((0, 0), (0, 0), (0, 2)), ((4, 0), (2, 2), (4, 3))]


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_each_routine_runs_once_per_call(dtype):
    def args(shapes):
        sa, sh, sb = shapes
        return mat(sa, dtype), spd(sh[0], dtype), mat(sb, dtype)
    for shapes in FACTOR_SHAPES if dtype in ("float32", "complex128") else FACTOR_SHAPES[:1]:
        acc = check_same(factor_all, lambda: args(shapes))
        assert lapack_calls(acc, *args(shapes)) == {"eigh": 1, "qr": 1, "svd": 1, "lstsq": 1}
    acc = check_same(factor_parts, lambda: args(FACTOR_SHAPES[0])[:2])
    # svd full and reduced, qr 'reduced' and 'complete'/'raw' are separate calls in NumPy too
    assert lapack_calls(acc, *args(FACTOR_SHAPES[0])[:2]) == {"eigh": 1, "svd": 2, "qr": 1, "qrx": 2}
    a, h = mat((2, 3, 5, 3), dtype), spd(3, dtype, (2, 3))
    acc = check_same(factor_stacked, lambda: (a, h))
    assert lapack_calls(acc, a, h) == {"eigh": 1, "qr": 1, "svd": 1}
    check_same(factor_stacked, lambda: (mat((2, 0, 4, 3), dtype), spd(1, dtype, (3, 1))), accelerated=acc)
    acc = check_same(pinv, lambda: (a,))
    assert lapack_calls(acc, a) == {"svd": 1}


def test_one_factorisation_errors_are_numpys():
    """Non-convergence still raises NumPy's LinAlgError, message included, from the one call."""
    nan = np.full((4, 4), np.nan)
    singular = np.zeros((3, 3))
    for fn, args in [(factor_all, (nan, np.eye(3), np.ones((4, 2)))),          # svd of NaN
                     (factor_all, (mat((4, 3), "float64"), nan[:3, :3], np.ones((4, 2)))),  # eigh
                     (lstsq, (nan, np.ones((4, 2)))),
                     (factor_stacked, (np.stack([np.eye(3), nan[:3, :3]]), spd(3, "float64", (2,)))),
                     (factor_parts, (nan[:, :2], nan[:2, :2]))]:
        with pytest.raises(np.linalg.LinAlgError) as expected:
            fn(*args)
        with pytest.raises(np.linalg.LinAlgError) as actual:
            accelerate(fn, fallback="raise")(*args)
        assert str(actual.value) == str(expected.value)
    check_same(factor_all, lambda: (singular, singular, np.ones((3, 1))))     # rank 0: results, no error


def test_results_of_one_factorisation_written_in_place():
    """Each result is NumPy's own array: writing one leaves the others as they were."""
    def f(a, b):
        u, s, vh = np.linalg.svd(a)
        u[0] = 0
        s += 1
        vh[:, 1] *= 2
        x, res, rank, sv = np.linalg.lstsq(a, b)
        x[0] = rank
        return u, s, vh, x, res, sv

    def g(h, n):
        total = np.zeros(h.shape[-1])
        for i in range(n):
            w, v = np.linalg.eigh(h + i)
            v[0] = w
            total = total + w + v[1]
        return total

    check_same(f, lambda: (mat((5, 3), "complex128"), mat((5, 2), "complex128")))
    check_same(g, lambda: (spd(4, "float64"), 3))

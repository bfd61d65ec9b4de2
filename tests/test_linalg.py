"""Library calls (issue 5, CPU): matrix products through the BLAS NumPy bundles, fused with
the work around them; matmul/@, dot, vdot, inner, outer, tensordot, einsum, linalg.norm.

Everything goes through the shared harness with fallback raising, so a pass also proves
that the function compiled whole. Float products may sum in another order than NumPy's
(BLAS blocking, threads): they are held to the reduction tolerance.
"""
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from harness import REDUCTION_RTOL, check_same
from npaccel import accelerate

RNG = np.random.default_rng(2026)
RTOL = dict(REDUCTION_RTOL)


def arr(shape, dtype="float64"):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return RNG.random(shape) > 0.6
    if dtype.kind in "iu":
        return RNG.integers(-20, 20, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


DTYPES = ["float64", "float32", "int32", "int64", "bool", "float16"]
SHAPES = {
    "mat@mat": ((5, 7), (7, 3)),
    "mat@vec": ((5, 7), (7,)),
    "vec@mat": ((7,), (7, 3)),
    "vec@vec": ((7,), (7,)),
    "batched": ((4, 5, 7), (4, 7, 3)),
    "broadcast-batch": ((2, 1, 5, 7), (3, 7, 3)),
    "batch@mat": ((4, 5, 7), (7, 3)),
    "vec@batch": ((7,), (4, 7, 3)),
    "batch@vec": ((4, 5, 7), (7,)),
    "blas-size": ((70, 90), (90, 60)),
    "blas-gemv": ((300, 200), (200,)),
    "single-row": ((1, 40), (40, 50)),
    "many-small-batches": ((64, 40, 50), (64, 50, 30)),     # products in parallel, one thread each
    "few-large-batches": ((3, 100, 120), (120, 90)),        # products in turn, all threads each
}


def matmul_op(a, b):
    return a @ b


def matmul_fn(a, b):
    return np.matmul(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", sorted(SHAPES))
def test_matmul_shapes_and_dtypes(case, dtype):
    sa, sb = SHAPES[case]
    check_same(matmul_op, lambda: (arr(sa, dtype), arr(sb, dtype)), rtol=RTOL)


@pytest.mark.parametrize("dtypes", [("int32", "float32"), ("bool", "int8"), ("uint8", "int8"),
                                    ("float32", "float64"), ("int64", "float16")])
def test_matmul_mixed_dtypes_follow_numpy(dtypes):
    check_same(matmul_fn, lambda: (arr((6, 5), dtypes[0]), arr((5, 4), dtypes[1])), rtol=RTOL)


def test_integer_matmul_wraps_like_numpy():
    a = np.full((3, 40), 100, np.int8)
    b = np.full((40, 2), 77, np.int8)
    check_same(matmul_op, lambda: (a, b))
    big = np.full((2, 3), 2**62, np.int64)
    check_same(matmul_op, lambda: (big, big.T.copy()))


@pytest.mark.parametrize("sa,sb", [((3, 0), (0, 4)), ((0, 5), (5, 4)), ((3, 5), (5, 0)),
                                   ((0, 2, 3), (0, 3, 4)), ((0,), (0,)), ((2, 0), (0,)),
                                   ((0,), (0, 3))])
@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_empty_operands(sa, sb, dtype):
    check_same(matmul_op, lambda: (arr(sa, dtype), arr(sb, dtype)))


# ---- layouts: strided, negative strides, transposes, expressions -------------------------

LAYOUTS = {
    "a.T @ b": lambda a, b: a.T @ b,
    "a @ b.T": lambda a, b: a @ b.T,
    "a.T @ b.T": lambda a, b: a.T @ b.T,
    "a[::2] @ b": lambda a, b: a[::2] @ b,
    "a[:, ::2] @ b[::2]": lambda a, b: a[:, ::2] @ b[::2],
    "a[::-1] @ b": lambda a, b: a[::-1] @ b,
    "a @ b[:, ::-1]": lambda a, b: a @ b[:, ::-1],
    "a[::-1, ::-1] @ b[::-1]": lambda a, b: a[::-1, ::-1] @ b[::-1],
    "a @ b[:, 0]": lambda a, b: a @ b[:, 0],
    "a[1] @ b": lambda a, b: a[1] @ b,
    "a[:, 3] @ a[:, 5]": lambda a, b: a[:, 3] @ a[:, 5],
    "(2*a) @ b": lambda a, b: (2 * a) @ b,
    "(a*a).T @ b": lambda a, b: (a * a).T @ b,
    "a @ np.exp(b)": lambda a, b: a @ np.exp(b),
    "a @ b @ b.T": lambda a, b: a @ b @ b.T,
    "(a @ b).T @ a": lambda a, b: (a @ b).T @ a,
    "a[:, None] @ b[None]": lambda a, b: a[:, None] @ b[None],
    "a.sum(axis=0) @ b": lambda a, b: a.sum(axis=0) @ b,
    "a @ b.max(axis=1)": lambda a, b: a @ b.max(axis=1),
    "np.ones_like(a) @ b": lambda a, b: np.ones_like(a) @ b,
}


@pytest.mark.parametrize("size", [(6, 8, 4), (64, 96, 80)])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layouts(name, size):
    m, k, n = size
    check_same(LAYOUTS[name], lambda: (arr((m, k)), arr((k, n))), rtol=RTOL)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_non_contiguous_and_negative_stride_arguments(dtype):
    base_a, base_b = arr((80, 130), dtype), arr((140, 90), dtype)
    check_same(matmul_op, lambda: (base_a[::2, ::2], base_b[::2, ::-1]), rtol=RTOL)
    check_same(matmul_op, lambda: (base_a.T[::2], base_b[::-2, 5]), rtol=RTOL)
    check_same(matmul_op, lambda: (base_a[:, ::-1].T, base_b[:80].T), rtol=RTOL)
    # zero strides (a broadcast argument): packed before the BLAS call
    check_same(matmul_op, lambda: (np.broadcast_to(base_a[:1, :70], (50, 70)), base_b[:70]), rtol=RTOL)
    check_same(matmul_op, lambda: (base_a[:40, :70], np.broadcast_to(base_b[:70, :1], (70, 30))), rtol=RTOL)


def test_transposed_operands_need_no_copy():
    def f(a, b):
        return a.T @ b.T
    text = accelerate(f).explain(arr((50, 40)), arr((60, 50)))
    assert "operand of a matrix product" not in text      # read with BLAS trans flags
    assert "kernel 0: library" in text


# ---- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((3, 4), (5, 6)), ((3,), (4,)), ((3, 1), (4, 2)), ((2, 3), (1, 4)),
                                   ((2, 3, 4), (3, 4, 5)), ((4,), (3, 4, 5)), ((2, 2), ()),
                                   ((), (3,))])
def test_shape_mismatch_raises_numpys_exception(sa, sb):
    check_same(matmul_op, lambda: (arr(sa), arr(sb)))
    check_same(lambda a, b: np.dot(a, b), lambda: (arr(sa), arr(sb)))


def test_mismatch_with_scalar_operand():
    check_same(lambda a: a @ 2.0, lambda: (arr((3, 3)),))


def test_runtime_mismatch_is_checked_every_call():
    f = check_same(matmul_op, lambda: (arr((3, 4)), arr((4, 2))))
    check_same(matmul_op, lambda: (arr((3, 4)), arr((5, 2))), accelerated=f)   # same signature
    assert f.stats()["compiles"] + f.stats()["disk_hits"] == 1


# ---- dot, vdot, inner, outer ----------------------------------------------------------------

DOT_SHAPES = [((5, 7), (7, 3)), ((7,), (7,)), ((5, 7), (7,)), ((7,), (7, 3)), ((2, 5, 7), (7, 3)),
              ((2, 5, 7), (7,)), ((5, 7), (2, 7, 3)), ((7,), (2, 7, 3)), ((2, 3, 7), (4, 7, 5))]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "bool"])
@pytest.mark.parametrize("sa,sb", DOT_SHAPES)
def test_dot(sa, sb, dtype):
    check_same(lambda a, b: np.dot(a, b), lambda: (arr(sa, dtype), arr(sb, dtype)), rtol=RTOL)
    check_same(lambda a, b: a.dot(b), lambda: (arr(sa, dtype), arr(sb, dtype)), rtol=RTOL)


def test_dot_with_scalars():
    check_same(lambda a: np.dot(a, 3), lambda: (arr((4, 3), "int8"),))
    check_same(lambda a: np.dot(2.5, a), lambda: (arr((4,), "float32"),))
    check_same(lambda a, s: np.dot(a, s), lambda: (arr((4,), "float32"), 2.0))


@pytest.mark.parametrize("sa,sb", [((6,), (6,)), ((2, 3), (2, 3)), ((2, 3), (3, 2)), ((4,), (5,))])
def test_vdot(sa, sb):
    check_same(lambda a, b: np.vdot(a, b), lambda: (arr(sa), arr(sb)), rtol=RTOL)


@pytest.mark.parametrize("sa,sb", [((6,), (6,)), ((3, 6), (4, 6)), ((2, 3, 6), (4, 6)), ((3, 6), (2, 4, 6)),
                                   ((3, 6), (4, 5))])
def test_inner(sa, sb):
    check_same(lambda a, b: np.inner(a, b), lambda: (arr(sa), arr(sb)), rtol=RTOL)
    check_same(lambda a: np.inner(a, 2.0), lambda: (arr(sa, "float32"),))


@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
@pytest.mark.parametrize("sa,sb", [((6,), (4,)), ((2, 3), (4,)), ((5,), (2, 2))])
def test_outer(sa, sb, dtype):
    check_same(lambda a, b: np.outer(a, b), lambda: (arr(sa, dtype), arr(sb, dtype)))
    check_same(lambda a: np.outer(a, 3.0), lambda: (arr(sa, dtype),))


# ---- tensordot, einsum --------------------------------------------------------------------

TENSORDOT = [((4, 5), (5, 3), 1), ((4, 5), (3, 2), 0), ((2, 3, 4), (3, 4, 5), 2),
             ((3, 4), (5, 3), ([0], [1])), ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])),
             ((2, 3, 4), (5, 4), ([2], [1])), ((3, 4), (3, 4), 2), ((4, 5), (6, 3), 1),
             ((4, 5), (5, 3), ([1], [0, 1]))]


@pytest.mark.parametrize("dtype", ["float64", "int32"])
@pytest.mark.parametrize("sa,sb,axes", TENSORDOT)
def test_tensordot(sa, sb, axes, dtype):
    def f(a, b):
        return np.tensordot(a, b, axes=axes)
    check_same(f, lambda: (arr(sa, dtype), arr(sb, dtype)), rtol=RTOL)


EINSUM = [("ij,jk->ik", (5, 4), (4, 3)), ("ij,j->i", (5, 4), (4,)), ("bij,bjk->bik", (2, 5, 4), (2, 4, 3)),
          ("i,i->", (6,), (6,)), ("ij->ji", (3, 4)), ("ij->", (3, 4)), ("ij->i", (3, 4)), ("ij->j", (3, 4)),
          ("i,j->ij", (3,), (4,)), ("ij,ij->i", (3, 4), (3, 4)), ("ij,ij->ij", (3, 4), (3, 4)),
          ("ij,jk", (5, 4), (4, 3)), ("ij,kj->ik", (5, 4), (3, 4)), ("ji,jk->ik", (4, 5), (4, 3)),
          ("ijk,ikl->ijl", (2, 3, 4), (2, 4, 5)), ("bij,jk->bik", (2, 3, 4), (4, 5)),
          ("ij,jk,kl->il", (3, 4), (4, 5), (5, 2)), ("ijk,jkl->il", (2, 3, 4), (3, 4, 5)),
          ("ij,jk->ki", (5, 4), (4, 3)), ("i,i", (6,), (6,)), ("ij,ik->jk", (4, 3), (4, 2)),
          ("ij,jk->ik", (5, 1), (3, 4)), ("ij,jk->ik", (5, 4), (3, 4))]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "bool"])
@pytest.mark.parametrize("case", EINSUM, ids=lambda c: c[0] if isinstance(c, tuple) else str(c))
def test_einsum(case, dtype):
    subscripts, shapes = case[0], case[1:]
    def one(a):
        return np.einsum(subscripts, a)

    def two(a, b):
        return np.einsum(subscripts, a, b)

    def three(a, b, c):
        return np.einsum(subscripts, a, b, c)
    f = {1: one, 2: two, 3: three}[len(shapes)]
    check_same(f, lambda: tuple(arr(s, dtype) for s in shapes), rtol=RTOL)


def test_einsum_matmul_is_a_library_call():
    def f(a, b):
        return np.einsum("bij,bjk->bik", a, b)
    assert "kernel 0: library" in accelerate(f).explain(arr((2, 3, 4)), arr((2, 4, 5)))


# ---- np.linalg.norm ----------------------------------------------------------------------

NORMS = [((7,), {}), ((7,), {"ord": 1}), ((7,), {"ord": np.inf}), ((7,), {"ord": -np.inf}), ((7,), {"ord": 0}),
         ((7,), {"ord": 3}), ((7,), {"ord": 2}), ((4, 5), {}), ((4, 5), {"ord": "fro"}), ((4, 5), {"ord": 1}),
         ((4, 5), {"ord": -1}), ((4, 5), {"ord": np.inf}), ((4, 5), {"ord": -np.inf}), ((4, 5), {"axis": 1}),
         ((4, 5), {"axis": 0, "ord": 1}), ((4, 5), {"axis": 1, "keepdims": True}),
         ((4, 5), {"ord": np.inf, "keepdims": True}), ((2, 3, 4), {}), ((2, 3, 4), {"axis": (0, 2)}),
         ((2, 3, 4), {"axis": (2, 0), "ord": 1}), ((2, 3, 4), {"axis": -1, "ord": np.inf}), ((0, 3), {"ord": np.inf}),
         ((2, 3, 4), {"ord": 1}), ((4, 5), {"ord": 3}), ((7,), {"keepdims": True}), ((0, 3), {"ord": 1}),
         ((0,), {"ord": np.inf}), ((3, 0), {"ord": -np.inf})]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
@pytest.mark.parametrize("shape,kw", NORMS, ids=lambda v: str(v))
def test_norm(shape, kw, dtype):
    o, ax, kd = kw.get("ord"), kw.get("axis"), kw.get("keepdims", False)

    def f(x):
        return np.linalg.norm(x, ord=o, axis=ax, keepdims=kd)
    check_same(f, lambda: (arr(shape, dtype),), rtol=RTOL)


# ---- work around the product fuses into the kernel that reads it ------------------------------

def gemm_epilogue(A, B, C, alpha, beta):
    return alpha * A @ B + beta * C


def bias_relu(x, W, b):
    return np.maximum(x @ W + b, 0)


def sigmoid(X, w):
    return 1.0 / (1.0 + np.exp(-(X @ w)))


def softmax_logits(x, W):
    logits = x @ W
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _kernels(text):
    return re.findall(r"^kernel \d+: (\w+) over", text, re.M)


def _materialised(text):
    return re.findall(r"^materialised .*\((.*)\)$", text, re.M)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gemm_with_epilogue(dtype):
    args = lambda: (arr((60, 50), dtype), arr((50, 40), dtype), arr((60, 40), dtype), 1.5, -0.5)  # noqa: E731
    f = check_same(gemm_epilogue, args, rtol=RTOL)
    text = f.explain(*args())
    # one BLAS call into the output buffer, then the loop over it (reading C) in place:
    # no temporary at all, not even for the product
    assert _kernels(text) == ["library"]
    assert _materialised(text) == ["returned"]
    assert "in place over the product" in text


@pytest.mark.parametrize("case", [bias_relu, sigmoid])
def test_activation_fuses_into_one_loop(case):
    args = (lambda: (arr((30, 20)), arr((20, 10)), arr((10,)))) if case is bias_relu else \
        (lambda: (arr((30, 20)), arr((20,))))
    f = check_same(case, args, rtol=RTOL)
    text = f.explain(*args())
    assert _kernels(text) == ["library"]
    assert _materialised(text) == ["returned"]


def test_softmax_of_logits_reads_the_product_buffer():
    args = lambda: (arr((32, 16), "float32"), arr((16, 10), "float32"))  # noqa: E731
    f = check_same(softmax_logits, args, rtol=RTOL)
    text = f.explain(*args())
    assert _kernels(text) == ["library", "reduce", "reduce", "elementwise"]
    # no (32, 10) temporary but the product: the reductions' results are (32, 1)
    assert _materialised(text).count("matrix product result") == 1
    assert "operand of a matrix product" not in text


def mlp2(x, W1, b1, W2, b2):
    h = np.maximum(x @ W1 + b1, 0)
    logits = h @ W2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [1, 64])
def test_two_layer_mlp_forward(batch, dtype):
    def make():
        return (arr((batch, 30), dtype), arr((30, 20), dtype), arr((20,), dtype),
                arr((20, 5), dtype), arr((5,), dtype))
    f = check_same(mlp2, make, rtol=RTOL)
    text = f.explain(*make())
    # the hidden layer's bias + relu runs in place in the buffer the next product reads;
    # the logits stay in the product's buffer, read by both reductions and the output loop
    assert _kernels(text) == ["library", "library", "reduce", "reduce", "elementwise"]
    assert _materialised(text) == ["operand of a matrix product", "matrix product result",
                                   "reduction result read by a later loop", "reduction result read by a later loop",
                                   "returned"]


# ---- the BLAS, its threads, and the fallback loop ----------------------------------------------

def test_blas_found_is_numpys_bundled_openblas():
    from npaccel.build.blas import find_blas
    info = find_blas()
    assert info is not None
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    if os.path.isdir(libs) and any("openblas" in n for n in os.listdir(libs)):
        assert os.path.dirname(info.path) == libs
        assert info.ilp64 and info.symbols["dgemm"].startswith("scipy_cblas_dgemm")
        assert info.threads


_C_HARNESS = r"""
#include "npaccel.h"
static int threads = 7, seen = -1, calls = 0, last_ta = 0, last_tb = 0;
static int64_t last_lda = 0, last_ldb = 0;
static int get_threads(void) { return threads; }
static void set_threads(int n) { threads = n; }
static void fake_dgemm(int order, int ta, int tb, int64_t M, int64_t N, int64_t K, double alpha,
                       const double *A, int64_t lda, const double *B, int64_t ldb, double beta,
                       double *C, int64_t ldc) {
    seen = threads; calls++; last_ta = ta; last_tb = tb; last_lda = lda; last_ldb = ldb;
    for (int64_t m = 0; m < M; m++) for (int64_t n = 0; n < N; n++) {
        double s = 0;
        for (int64_t k = 0; k < K; k++)
            s += (ta == 111 ? A[m * lda + k] : A[k * lda + m]) * (tb == 111 ? B[k * ldb + n] : B[n * ldb + k]);
        C[m * ldc + n] = alpha * s + beta * C[m * ldc + n];
    }
}
int setup(int with_blas) {
    int64_t t[NPA_BLAS_SLOTS] = {0};
    if (with_blas) {
        t[NPA_BLAS_DGEMM] = (int64_t)(intptr_t)fake_dgemm;
        t[NPA_BLAS_SET_THREADS] = (int64_t)(intptr_t)set_threads;
        t[NPA_BLAS_GET_THREADS] = (int64_t)(intptr_t)get_threads;
        t[NPA_BLAS_ILP64] = 1;
    }
    return npaccel_blas_init(t, NPA_BLAS_SLOTS);
}
int product(int nt, int64_t M, int64_t N, int64_t K, const double *A, int64_t sam, int64_t sak,
            const double *B, int64_t sbk, int64_t sbn, double *C) {
    return npa_matmul_f64(nt, M, N, K, A, sam, sak, B, sbk, sbn, C, N, 1);
}
void state(int64_t *out) {
    out[0] = threads; out[1] = seen; out[2] = calls; out[3] = last_ta; out[4] = last_tb;
    out[5] = last_lda; out[6] = last_ldb;
}
"""


@pytest.fixture(scope="module")
def blas_harness(tmp_path_factory):
    """npaccel_blas.h against a fake BLAS that records what it was called with."""
    import cffi
    from npaccel.build.cc import c_command
    from npaccel.build.toolchain import find_c_compiler
    work = tmp_path_factory.mktemp("blas")
    (work / "h.c").write_text(_C_HARNESS)
    compiler = find_c_compiler()
    subprocess.run(c_command(compiler, work / "h.c", work / "h.so"), check=True, capture_output=True)
    ffi = cffi.FFI()
    ffi.cdef("""int setup(int with_blas);
        int product(int nt, int64_t M, int64_t N, int64_t K, const double *A, int64_t sam, int64_t sak,
                    const double *B, int64_t sbk, int64_t sbn, double *C);
        void state(int64_t *out);""")
    return ffi, ffi.dlopen(str(work / "h.so"))


def _product(harness, nt, a, b):
    ffi, lib = harness
    c = np.zeros((a.shape[0], b.shape[1]))
    item = a.itemsize
    rc = lib.product(nt, a.shape[0], b.shape[1], a.shape[1],
                     ffi.cast("double *", a.ctypes.data), a.strides[0] // item, a.strides[1] // item,
                     ffi.cast("double *", b.ctypes.data), b.strides[0] // item, b.strides[1] // item,
                     ffi.cast("double *", c.ctypes.data))
    out = ffi.new("int64_t[7]")
    lib.state(out)
    return rc, c, list(out)


def test_blas_runs_with_the_kernel_thread_count_then_gets_its_own_back(blas_harness):
    blas_harness[1].setup(1)
    a, b = arr((20, 30)), arr((30, 10))
    rc, c, (threads, seen, calls, ta, tb, lda, ldb) = _product(blas_harness, 3, a, b)
    assert rc == 0 and np.allclose(c, a @ b)
    assert (seen, threads, calls) == (3, 7, 1)       # the call saw 3 threads; 7 restored
    assert (ta, tb, lda, ldb) == (111, 111, 30, 10)


def test_transposed_and_strided_operands_reach_blas_without_copies(blas_harness):
    blas_harness[1].setup(1)
    big_a, big_b = arr((30, 50)), arr((40, 60))
    a, b = big_a.T[:, ::2], big_b[:, 5:35].T       # (50, 15) column-major-ish, (30, 40) transposed
    a = a[:, :15]
    b = b[:15]
    rc, c, (_, _, _, ta, tb, lda, ldb) = _product(blas_harness, 2, a, b)
    assert rc == 0 and np.allclose(c, a @ b)
    assert (ta, tb, lda, ldb) == (112, 112, 100, 60)      # trans flags, the original leading dims
    rc, c, (_, _, _, ta, _, lda, _) = _product(blas_harness, 2, a[::-1], b)   # negative stride: packed
    assert rc == 0 and np.allclose(c, a[::-1] @ b)
    assert (ta, lda) == (111, 15)


def test_without_blas_the_loop_gives_the_same_products(blas_harness):
    blas_harness[1].setup(0)
    for sa, sb in (((20, 30), (30, 10)), ((64, 1), (1, 64)), ((33, 70), (70, 1)), ((1, 70), (70, 33))):
        a, b = arr(sa), arr(sb)
        rc, c, state = _product(blas_harness, 2, a, b)
        assert rc == 0 and np.allclose(c, a @ b, rtol=1e-12, atol=1e-12)
        rc, c, state = _product(blas_harness, 2, a.T.copy().T, b[::-1][::-1])
        assert rc == 0 and np.allclose(c, a @ b, rtol=1e-12, atol=1e-12)


_NO_BLAS_CHILD = """
import sys, warnings, json
sys.path.insert(0, {tests!r})
import numpy as np
from npaccel import accelerate
from test_linalg import mlp2
rng = np.random.default_rng(1)
args = (rng.random((50, 30)), rng.random((30, 20)), rng.random(20), rng.random((20, 5)), rng.random(5))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    f = accelerate(mlp2, fallback="raise")
    got = f(*args)
    got = f(*args)
names = [type(w.message).__name__ for w in caught]
print(json.dumps({{"close": bool(np.allclose(got, mlp2(*args), rtol=1e-12, atol=1e-14)), "warnings": names}}))
"""


def test_no_blas_falls_back_to_loops_with_one_warning(tmp_path):
    import json
    env = dict(os.environ, NPACCEL_BLAS="none", NPACCEL_CACHE_DIR=str(tmp_path / "cache"))
    code = _NO_BLAS_CHILD.format(tests=os.path.dirname(__file__))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"close": True, "warnings": ["BlasWarning"]}


def test_num_threads_reach_the_blas_call(tmp_path):
    """NPACCEL_NUM_THREADS=1: the product runs (and is right) with OpenBLAS's count unchanged after."""
    code = textwrap.dedent("""
        import ctypes, numpy as np
        from npaccel import accelerate
        from npaccel.build.blas import find_blas
        info = find_blas()
        get = ctypes.CFUNCTYPE(ctypes.c_int)(info.addresses[7])
        before = get()
        def product(a, b):
            return a @ b
        f = accelerate(product, fallback="raise")
        a = np.random.rand(300, 300)
        ok = np.allclose(f(a, a), a @ a)
        print(ok, before, get())
    """)
    (tmp_path / "child.py").write_text(code)
    env = dict(os.environ, NPACCEL_NUM_THREADS="1", NPACCEL_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, str(tmp_path / "child.py")], env=env, capture_output=True, text=True,
                         check=True)
    ok, before, after = out.stdout.split()
    assert ok == "True" and before == after

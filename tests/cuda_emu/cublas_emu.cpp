/* A host stand-in for the part of libcublas npaccel calls (tests only): built into a shared
 * library that the emulated runtime helper dlopens in place of libcublas.so, so that
 * npaccel's real path (finding the library, the handle, the entry-point table, the trans
 * flags and leading dimensions it passes) runs against NumPy without a GPU.
 *
 * Column-major, as cuBLAS: C[i + j*ldc] = alpha * sum_l op(A)[i, l] * op(B)[l, j] + beta * C,
 * with op(X) = X (0, CUBLAS_OP_N) or its transpose (1, CUBLAS_OP_T), per batch element at
 * the given strides. Arguments cuBLAS rejects are rejected with its status (7,
 * CUBLAS_STATUS_INVALID_VALUE), so a wrong leading dimension fails here as it would there. */
#include <stdint.h>

namespace {
int handles_created = 0;
int gemm_calls = 0;

template <typename T>
int gemm_strided_batched(void *handle, int ta, int tb, int m, int n, int k, const T *alpha, const T *A, int lda,
                         long long sa, const T *B, int ldb, long long sb, const T *beta, T *C, int ldc,
                         long long sc, int batch) {
    const int invalid = 7;
    auto at_least = [](int ld, int rows) { return ld >= (rows > 1 ? rows : 1); };
    if (!handle || m < 0 || n < 0 || k < 0 || batch < 0 || (ta != 0 && ta != 1) || (tb != 0 && tb != 1))
        return invalid;
    if (!at_least(lda, ta == 0 ? m : k) || !at_least(ldb, tb == 0 ? k : n) || !at_least(ldc, m)) return invalid;
    gemm_calls++;
    for (int b = 0; b < batch; b++) {
        const T *a = A + b * sa, *bb = B + b * sb;
        T *c = C + b * sc;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                T acc = 0;
                for (int l = 0; l < k; l++) {
                    const T x = ta == 0 ? a[i + (long long)l * lda] : a[l + (long long)i * lda];
                    const T y = tb == 0 ? bb[l + (long long)j * ldb] : bb[j + (long long)l * ldb];
                    acc += x * y;
                }
                T &out = c[i + (long long)j * ldc];
                out = *alpha * acc + (*beta == 0 ? (T)0 : *beta * out);
            }
        }
    }
    return 0;
}
}  // namespace

extern "C" {
int cublasCreate_v2(void **handle) {
    *handle = &handles_created;
    handles_created++;
    return 0;
}
int cublasDestroy_v2(void *) { return 0; }
int cublasSgemmStridedBatched(void *h, int ta, int tb, int m, int n, int k, const float *alpha, const float *A,
                              int lda, long long sa, const float *B, int ldb, long long sb, const float *beta,
                              float *C, int ldc, long long sc, int batch) {
    return gemm_strided_batched(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}
int cublasDgemmStridedBatched(void *h, int ta, int tb, int m, int n, int k, const double *alpha, const double *A,
                              int lda, long long sa, const double *B, int ldb, long long sb, const double *beta,
                              double *C, int ldc, long long sc, int batch) {
    return gemm_strided_batched(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}
/* what the tests check: one handle per process, and that products went through here */
int npa_emu_cublas_handles(void) { return handles_created; }
int npa_emu_cublas_calls(void) { return gemm_calls; }
}

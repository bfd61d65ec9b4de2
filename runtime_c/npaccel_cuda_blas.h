/* npaccel matrix products on the GPU: included by generated CUDA libraries that have one.
 *
 *   npa_cuda_matmul<Op>(nb, M, N, K, A, sab, sam, sak, B, sbb, sbk, sbn, C, scb, scm, scn)
 *
 * computes nb products C[b][m, n] = sum_k A[b][m, k] * B[b][k, n] (element strides; the
 * batch stride may be 0: a broadcast operand). float32/float64 go to cuBLAS
 * (cublas{S,D}gemmStridedBatched) when the runtime registered it (npaccel_cuda_blas_init:
 * runtime/cuda.py loads libcublas in the helper library, which owns the one handle) and the
 * operands are addressable by it (a transposed operand is a trans flag); everything else
 * runs npa_matmul_kernel, one thread per output summing in k order with NumPy's non-BLAS
 * semantics: integers wrap in the result type, bool is an OR of ANDs, float16 accumulates
 * in float and rounds once.
 *
 * cuBLAS is not linked: its entry points come from the table, so building needs no cuBLAS
 * (this toolkit may have none) and the generated source does not depend on whether one is
 * found. cuBLAS runs on its handle's stream, the legacy default stream, like the kernels.
 * Returns 0, NPA_ERR_CUDA_BASE + a cudaError_t, or NPA_ERR_CUBLAS_BASE + a cublasStatus_t. */
#ifndef NPACCEL_CUDA_BLAS_H
#define NPACCEL_CUDA_BLAS_H
#include <type_traits>
#include "npaccel_cuda.h"

#define NPA_ERR_CUBLAS_BASE 2000

/* table slots, filled by npaccel/runtime/cuda.py in this order (0: no cuBLAS) */
enum { NPA_CUBLAS_HANDLE, NPA_CUBLAS_SGEMM, NPA_CUBLAS_DGEMM, NPA_CUBLAS_SLOTS };
static int64_t npa_cublas[NPA_CUBLAS_SLOTS];

extern "C" __attribute__((visibility("default"), used))
int npaccel_cuda_blas_init(const int64_t *table, int64_t n) {
    for (int64_t i = 0; i < NPA_CUBLAS_SLOTS; i++) npa_cublas[i] = i < n ? table[i] : 0;
    return NPA_CUBLAS_SLOTS;
}

/* cublas<S|D>gemmStridedBatched (cublas_api.h; cublasOperation_t N = 0, T = 1) */
template <typename T>
using npa_gemm_batched_t = int (*)(void *handle, int transa, int transb, int m, int n, int k, const T *alpha,
                                   const T *A, int lda, long long sa, const T *B, int ldb, long long sb,
                                   const T *beta, T *C, int ldc, long long sc, int batch);

/* One product's multiply-add, per kind of dtype (the generator names the struct). */
template <typename T, typename ACC>
struct npa_mm_float {           /* float32/64: sum in the type; float16: in float, rounded once */
    typedef T type;
    typedef ACC acc;
    __device__ static ACC mac(ACC c, T a, T b) { return c + (ACC)a * (ACC)b; }
    __device__ static T out(ACC c) { return (T)c; }
};
template <typename T>
struct npa_mm_int {             /* wraps like NumPy's loop: unsigned, truncated at the end */
    typedef T type;
    typedef typename std::conditional<sizeof(T) == 8, unsigned long long, unsigned>::type acc;
    __device__ static acc mac(acc c, T a, T b) { return c + (acc)a * (acc)b; }
    __device__ static T out(acc c) { return (T)c; }
};
struct npa_mm_bool {
    typedef uint8_t type;
    typedef uint8_t acc;
    __device__ static uint8_t mac(uint8_t c, uint8_t a, uint8_t b) { return (uint8_t)(c | (a & b)); }
    __device__ static uint8_t out(uint8_t c) { return c; }
};

template <typename Op>
__global__ void npa_matmul_kernel(int64_t nb, int64_t M, int64_t N, int64_t K,
                                  const typename Op::type *A, int64_t sab, int64_t sam, int64_t sak,
                                  const typename Op::type *B, int64_t sbb, int64_t sbk, int64_t sbn,
                                  typename Op::type *C, int64_t scb, int64_t scm, int64_t scn) {
    const int64_t total = nb * M * N;
    for (int64_t g = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; g < total; g += (int64_t)blockDim.x * gridDim.x) {
        const int64_t n = g % N, m = (g / N) % M, b = g / (N * M);
        const typename Op::type *a = A + b * sab + m * sam, *bb = B + b * sbb + n * sbn;
        typename Op::acc acc = 0;
        for (int64_t k = 0; k < K; k++) acc = Op::mac(acc, a[k * sak], bb[k * sbk]);
        C[b * scb + m * scm + n * scn] = Op::out(acc);
    }
}

/* Row-major C = A @ B as cuBLAS's column-major C^T = B^T A^T; false when cuBLAS cannot
 * take these operands (the kernel does). */
template <typename T>
static bool npa_cublas_gemm(int slot, int64_t nb, int64_t M, int64_t N, int64_t K,
                            const T *A, int64_t sab, int64_t sam, int64_t sak,
                            const T *B, int64_t sbb, int64_t sbk, int64_t sbn,
                            T *C, int64_t scb, int64_t scm, int64_t scn, int *rc) {
    const int64_t big = INT32_MAX;
    if (!npa_cublas[NPA_CUBLAS_HANDLE] || !npa_cublas[slot] || K == 0) return false;
    if (M >= big || N >= big || K >= big || nb >= big || sab < 0 || sbb < 0 || scb < 0) return false;
    int64_t lda = 0, ldb = 0, ldc = 0;
    const int ta = npa_blas_layout(M, K, sam, sak, &lda), tb = npa_blas_layout(K, N, sbk, sbn, &ldb);
    if (!ta || !tb || npa_blas_layout(M, N, scm, scn, &ldc) != NPA_CBLAS_NO_TRANS) return false;
    if (lda >= big || ldb >= big || ldc >= big) return false;
    /* a row-major operand (NO_TRANS) is its transpose in column-major: cuBLAS's N */
    const int opa = ta == NPA_CBLAS_NO_TRANS ? 0 : 1, opb = tb == NPA_CBLAS_NO_TRANS ? 0 : 1;
    const T one = 1, zero = 0;
    npa_gemm_batched_t<T> gemm = (npa_gemm_batched_t<T>)(intptr_t)npa_cublas[slot];
    const int status = gemm((void *)(intptr_t)npa_cublas[NPA_CUBLAS_HANDLE], opb, opa, (int)N, (int)M, (int)K, &one,
                            B, (int)ldb, sbb, A, (int)lda, sab, &zero, C, (int)ldc, scb, (int)nb);
    *rc = status ? NPA_ERR_CUBLAS_BASE + status : 0;
    return true;
}

template <typename Op>
static int npa_cuda_matmul(int64_t nb, int64_t M, int64_t N, int64_t K,
                           const typename Op::type *A, int64_t sab, int64_t sam, int64_t sak,
                           const typename Op::type *B, int64_t sbb, int64_t sbk, int64_t sbn,
                           typename Op::type *C, int64_t scb, int64_t scm, int64_t scn) {
    if (nb <= 0 || M <= 0 || N <= 0) return 0;
    int rc = 0;
    if constexpr (std::is_same<Op, npa_mm_float<float, float>>::value) {
        if (npa_cublas_gemm<float>(NPA_CUBLAS_SGEMM, nb, M, N, K, A, sab, sam, sak, B, sbb, sbk, sbn, C, scb, scm, scn, &rc))
            return rc;
    } else if constexpr (std::is_same<Op, npa_mm_float<double, double>>::value) {
        if (npa_cublas_gemm<double>(NPA_CUBLAS_DGEMM, nb, M, N, K, A, sab, sam, sak, B, sbb, sbk, sbn, C, scb, scm, scn, &rc))
            return rc;
    }
    (void)rc;
    const int64_t total = nb * M * N;
    NPA_LAUNCH(npa_matmul_kernel<Op>, npa_blocks(total, NPA_MAX_BLOCKS), NPA_BLOCK)(
        nb, M, N, K, A, sab, sam, sak, B, sbb, sbk, sbn, C, scb, scm, scn);
    const cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? 0 : NPA_ERR_CUDA_BASE + (int)e;
}

#endif

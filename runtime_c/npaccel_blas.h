/* npaccel matrix products: one call per (batch element of a) product.
 *
 *   npa_matmul_<sfx>(nt, M, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn)
 *
 * computes C[m, n] = sum_k A[m, k] * B[k, n] for element strides (any sign, 0 included).
 * Vector operands are the M == 1 / N == 1 cases. float32/float64 go to the BLAS the runtime
 * registered with npaccel_blas_init (gemm, gemv or dot; operands a BLAS cannot address are
 * packed first, transposed ones map to its trans flag) when there are at least
 * NPA_MATMUL_BLAS_MIN multiply-adds; below that, or when no BLAS was found, a loop here.
 * Other types follow NumPy's non-BLAS loops: integers accumulate in the result type (wrapping),
 * bool is OR of ANDs, float16 accumulates in float and rounds once at the end.
 * The BLAS runs with the kernel's thread count (npa_nt), then gets its own count back.
 */
#ifndef NPACCEL_BLAS_H
#define NPACCEL_BLAS_H
enum { NPA_CBLAS_ROW_MAJOR = 101, NPA_CBLAS_NO_TRANS = 111, NPA_CBLAS_TRANS = 112 };

/* How a BLAS can read the R x Cn matrix with strides (sr, sc): 0 if it cannot (pack it).
 * NO_TRANS: row-major with leading dimension *ld; TRANS: column-major (the CUDA backend's
 * cuBLAS calls use it too, npaccel_cuda_blas.h). */
static inline int npa_blas_layout(int64_t R, int64_t Cn, int64_t sr, int64_t sc, int64_t *ld) {
    const int64_t r1 = R > 1 ? R : 1, c1 = Cn > 1 ? Cn : 1;
    if ((sc == 1 || Cn == 1) && (R == 1 || sr >= c1)) { *ld = R == 1 ? c1 : sr; return NPA_CBLAS_NO_TRANS; }
    if ((sr == 1 || R == 1) && (Cn == 1 || sc >= r1)) { *ld = Cn == 1 ? r1 : sc; return NPA_CBLAS_TRANS; }
    return 0;
}

#ifndef NPA_CUDA     /* host code of CPU kernel libraries only */
#include <sys/mman.h>

/* A buffer for a large temporary: 2 MiB aligned and advised onto transparent huge pages
 * (what NumPy does for its arrays of 4 MiB and more; THP is often "madvise" only). On the
 * development machine, allocating and first touching 32 MiB takes 10.5 ms with malloc's
 * 4 KiB pages and 1.2 ms on huge pages. Freed with free(). */
static inline void *npa_malloc(size_t bytes) {
#ifdef MADV_HUGEPAGE
    const size_t huge = (size_t)1 << 21;
    if (bytes >= ((size_t)1 << 22)) {
        const size_t rounded = (bytes + huge - 1) & ~(huge - 1);
        void *p = aligned_alloc(huge, rounded);
        if (p) {
            madvise(p, rounded, MADV_HUGEPAGE);
            return p;
        }
    }
#endif
    return malloc(bytes ? bytes : 1);
}

/* multiply-adds below which the loop beats the BLAS call (measured: docs/architecture.md) */
#ifndef NPA_MATMUL_BLAS_MIN
#define NPA_MATMUL_BLAS_MIN 64
#endif
/* multiply-adds above which a loop (or a batch of small products) runs on all threads */
#define NPA_MATMUL_PARALLEL_MIN 262144

/* Table slots; npaccel/build/blas.py fills them in this order. */
enum { NPA_BLAS_SGEMM, NPA_BLAS_DGEMM, NPA_BLAS_SGEMV, NPA_BLAS_DGEMV, NPA_BLAS_SDOT,
       NPA_BLAS_DDOT, NPA_BLAS_SET_THREADS, NPA_BLAS_GET_THREADS, NPA_BLAS_ILP64,
       /* optional (0 where the library lacks them): complex gemm, NumPy's LAPACK routines */
       NPA_BLAS_CGEMM, NPA_BLAS_ZGEMM, NPA_BLAS_DGESV, NPA_BLAS_ZGESV, NPA_BLAS_DGETRF,
       NPA_BLAS_ZGETRF, NPA_BLAS_DPOTRF, NPA_BLAS_ZPOTRF, NPA_BLAS_DSYEVD, NPA_BLAS_ZHEEVD,
       NPA_BLAS_DGEQRF, NPA_BLAS_ZGEQRF, NPA_BLAS_DORGQR, NPA_BLAS_ZUNGQR,
       NPA_BLAS_DGESDD, NPA_BLAS_ZGESDD, NPA_BLAS_DGELSD, NPA_BLAS_ZGELSD,
       NPA_BLAS_SLOTS };
static int64_t npa_blas[NPA_BLAS_SLOTS];

/* Called once by the runtime after dlopen; all zeros means "no BLAS": loops only. */
__attribute__((visibility("default"), used))
int npaccel_blas_init(const int64_t *table, int64_t n) {
    for (int64_t i = 0; i < NPA_BLAS_SLOTS; i++) npa_blas[i] = i < n ? table[i] : 0;
    return NPA_BLAS_SLOTS;
}

#define NPA_BLAS_TYPES(T, P)                                                                      \
typedef void (*npa_##P##gemm64_t)(int, int, int, int64_t, int64_t, int64_t, T, const T *, int64_t, \
                                  const T *, int64_t, T, T *, int64_t);                             \
typedef void (*npa_##P##gemm32_t)(int, int, int, int32_t, int32_t, int32_t, T, const T *, int32_t, \
                                  const T *, int32_t, T, T *, int32_t);                             \
typedef void (*npa_##P##gemv64_t)(int, int, int64_t, int64_t, T, const T *, int64_t, const T *,   \
                                  int64_t, T, T *, int64_t);                                        \
typedef void (*npa_##P##gemv32_t)(int, int, int32_t, int32_t, T, const T *, int32_t, const T *,   \
                                  int32_t, T, T *, int32_t);                                        \
typedef T (*npa_##P##dot64_t)(int64_t, const T *, int64_t, const T *, int64_t);                   \
typedef T (*npa_##P##dot32_t)(int32_t, const T *, int32_t, const T *, int32_t);
NPA_BLAS_TYPES(float, s)
NPA_BLAS_TYPES(double, d)

/* the call through the registered pointer, with the integer width the library was built for */
#define NPA_BLAS_CALL(P, WHAT, SLOT, ...)                                                      \
    (npa_blas[NPA_BLAS_ILP64] ? ((npa_##P##WHAT##64_t)(intptr_t)npa_blas[SLOT])(__VA_ARGS__)  \
                              : ((npa_##P##WHAT##32_t)(intptr_t)npa_blas[SLOT])(__VA_ARGS__))

static inline int npa_blas_threads_begin(int nt) {
    if (!npa_blas[NPA_BLAS_SET_THREADS] || !npa_blas[NPA_BLAS_GET_THREADS]) return 0;
    int before = ((int (*)(void))(intptr_t)npa_blas[NPA_BLAS_GET_THREADS])();
    if (before != nt) ((void (*)(int))(intptr_t)npa_blas[NPA_BLAS_SET_THREADS])(nt);
    return before;
}

static inline void npa_blas_threads_end(int nt, int before) {
    if (before > 0 && before != nt) ((void (*)(int))(intptr_t)npa_blas[NPA_BLAS_SET_THREADS])(before);
}

static inline int npa_blas_fits(int64_t M, int64_t N, int64_t K) {
    return npa_blas[NPA_BLAS_ILP64] || (M < INT32_MAX && N < INT32_MAX && K < INT32_MAX);
}

/* ---- loops ------------------------------------------------------------------------------ */
/* C = A @ B for one product; ACC accumulates, MAC(acc, a, b) adds one term, OUT(acc) stores.
 * i-k-j order (rows of B stream through, C's row stays in cache) where the accumulator is
 * the result type; each C[m, n] still sums its terms in k order, as NumPy's loop does. */
#define NPA_MATMUL_LOOP_IKJ(SFX, T, ZERO, MAC, SIMD_RED)                                         \
static inline void npa_matmul_rows_##SFX(int64_t m0, int64_t m1, int64_t N, int64_t K,          \
        const T *A, int64_t sam, int64_t sak, const T *B, int64_t sbk, int64_t sbn,              \
        T *C, int64_t scm, int64_t scn) {                                                        \
    if (N == 1) {   /* matrix-vector: one dot product per row */                                 \
        for (int64_t m = m0; m < m1; m++) {                                                      \
            const T *a = A + m * sam;                                                            \
            T acc = ZERO;                                                                        \
            _Pragma(SIMD_RED)                                                                    \
            for (int64_t k = 0; k < K; k++) acc = MAC(acc, a[k * sak], B[k * sbk]);              \
            C[m * scm] = acc;                                                                    \
        }                                                                                        \
        return;                                                                                  \
    }                                                                                            \
    for (int64_t m = m0; m < m1; m++) {                                                          \
        T *c = C + m * scm;                                                                      \
        const T *a = A + m * sam;                                                                \
        for (int64_t n = 0; n < N; n++) c[n * scn] = ZERO;                                       \
        for (int64_t k0 = 0; k0 < K; k0 += 256) {                                                \
            const int64_t k1 = k0 + 256 < K ? k0 + 256 : K;                                      \
            for (int64_t n0 = 0; n0 < N; n0 += 1024) {                                           \
                const int64_t n1 = n0 + 1024 < N ? n0 + 1024 : N;                                \
                for (int64_t k = k0; k < k1; k++) {                                              \
                    const T av = a[k * sak];                                                     \
                    const T *b = B + k * sbk;                                                    \
                    if (sbn == 1 && scn == 1) {                                                  \
                        _Pragma("omp simd")                                                      \
                        for (int64_t n = n0; n < n1; n++) c[n] = MAC(c[n], av, b[n]);            \
                    } else {                                                                     \
                        for (int64_t n = n0; n < n1; n++)                                        \
                            c[n * scn] = MAC(c[n * scn], av, b[n * sbn]);                        \
                    }                                                                            \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    }                                                                                            \
}                                                                                                \
static void npa_matmul_loop_##SFX(int nt, int64_t M, int64_t N, int64_t K,                       \
        const T *A, int64_t sam, int64_t sak, const T *B, int64_t sbk, int64_t sbn,              \
        T *C, int64_t scm, int64_t scn) {                                                        \
    if (nt > 1 && M > 1 && (double)M * N * K > NPA_MATMUL_PARALLEL_MIN) {                        \
        _Pragma("omp parallel for num_threads(nt) schedule(static)")                             \
        for (int64_t m = 0; m < M; m++)                                                          \
            npa_matmul_rows_##SFX(m, m + 1, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn);        \
    } else {                                                                                     \
        npa_matmul_rows_##SFX(0, M, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn);                \
    }                                                                                            \
}

/* m-n-k order with a wider accumulator (float16: float, as NumPy's half loop) */
#define NPA_MATMUL_LOOP_DOT(SFX, T, ACC, ZERO, MAC, OUT)                                         \
static inline void npa_matmul_dots_##SFX(int64_t m, int64_t N, int64_t K,                       \
        const T *A, int64_t sam, int64_t sak, const T *B, int64_t sbk, int64_t sbn,              \
        T *C, int64_t scm, int64_t scn) {                                                        \
    for (int64_t n = 0; n < N; n++) {                                                            \
        ACC acc = ZERO;                                                                          \
        for (int64_t k = 0; k < K; k++) acc = MAC(acc, A[m * sam + k * sak], B[k * sbk + n * sbn]); \
        C[m * scm + n * scn] = OUT(acc);                                                         \
    }                                                                                            \
}                                                                                                \
static void npa_matmul_loop_##SFX(int nt, int64_t M, int64_t N, int64_t K,                       \
        const T *A, int64_t sam, int64_t sak, const T *B, int64_t sbk, int64_t sbn,              \
        T *C, int64_t scm, int64_t scn) {                                                        \
    if (nt > 1 && M > 1 && (double)M * N * K > NPA_MATMUL_PARALLEL_MIN) {                        \
        _Pragma("omp parallel for num_threads(nt) schedule(static)")                             \
        for (int64_t m = 0; m < M; m++) npa_matmul_dots_##SFX(m, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn); \
    } else {                                                                                     \
        for (int64_t m = 0; m < M; m++) npa_matmul_dots_##SFX(m, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn); \
    }                                                                                            \
}

#define NPA_MAC_FLOAT(acc, a, b) ((acc) + (a) * (b))
#define NPA_MAC_BOOL(acc, a, b) ((uint8_t)((acc) | ((a) & (b))))
#define NPA_MAC_HALF(acc, a, b) ((acc) + (float)(a) * (float)(b))
#define NPA_OUT_HALF(acc) ((_Float16)(acc))

NPA_MATMUL_LOOP_IKJ(f32, float, 0.0f, NPA_MAC_FLOAT, "omp simd reduction(+:acc)")
NPA_MATMUL_LOOP_IKJ(f64, double, 0.0, NPA_MAC_FLOAT, "omp simd reduction(+:acc)")
NPA_MATMUL_LOOP_DOT(f16, _Float16, float, 0.0f, NPA_MAC_HALF, NPA_OUT_HALF)
NPA_MATMUL_LOOP_IKJ(b, uint8_t, 0, NPA_MAC_BOOL, "omp simd reduction(|:acc)")
#define NPA_MATMUL_INT(SFX, T)                                                                   \
static inline T npa_mac_##SFX(T acc, T a, T b) { return (T)(acc + (T)(a * b)); }                 \
NPA_MATMUL_LOOP_IKJ(SFX, T, 0, npa_mac_##SFX, "omp simd reduction(+:acc)")                                                    \
static int npa_matmul_##SFX(int nt, int64_t M, int64_t N, int64_t K,                             \
        const T *A, int64_t sam, int64_t sak, const T *B, int64_t sbk, int64_t sbn,              \
        T *C, int64_t scm, int64_t scn) {                                                        \
    npa_matmul_loop_##SFX(nt, M, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn);                   \
    return 0;                                                                                    \
}
NPA_MATMUL_INT(i8, int8_t)
NPA_MATMUL_INT(i16, int16_t)
NPA_MATMUL_INT(i32, int32_t)
NPA_MATMUL_INT(i64, int64_t)
NPA_MATMUL_INT(u8, uint8_t)
NPA_MATMUL_INT(u16, uint16_t)
NPA_MATMUL_INT(u32, uint32_t)
NPA_MATMUL_INT(u64, uint64_t)

static int npa_matmul_b(int nt, int64_t M, int64_t N, int64_t K, const uint8_t *A, int64_t sam,
        int64_t sak, const uint8_t *B, int64_t sbk, int64_t sbn, uint8_t *C, int64_t scm, int64_t scn) {
    npa_matmul_loop_b(nt, M, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn);
    return 0;
}

static int npa_matmul_f16(int nt, int64_t M, int64_t N, int64_t K, const _Float16 *A, int64_t sam,
        int64_t sak, const _Float16 *B, int64_t sbk, int64_t sbn, _Float16 *C, int64_t scm, int64_t scn) {
    npa_matmul_loop_f16(nt, M, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn);
    return 0;
}

/* ---- float32 / float64 through the BLAS ------------------------------------------------- */
#define NPA_MATMUL_BLAS(SFX, T, P, GEMM, GEMV, DOT)                                              \
/* a packed (row-major, contiguous) copy of an R x Cn strided matrix; NULL when out of memory */ \
static T *npa_pack_##SFX(int nt, int64_t R, int64_t Cn, const T *X, int64_t sr, int64_t sc) {   \
    T *p = (T *)npa_malloc(sizeof(T) * (size_t)(R * Cn > 0 ? R * Cn : 1));                       \
    if (!p) return NULL;                                                                         \
    (void)nt;                                                                                    \
    _Pragma("omp parallel for num_threads(nt) if(nt > 1 && R * Cn > (1 << 16)) schedule(static)") \
    for (int64_t r = 0; r < R; r++)                                                              \
        for (int64_t c = 0; c < Cn; c++) p[r * Cn + c] = X[r * sr + c * sc];                      \
    return p;                                                                                    \
}                                                                                                \
static int npa_matmul_##SFX(int nt, int64_t M, int64_t N, int64_t K,                             \
        const T *A, int64_t sam, int64_t sak, const T *B, int64_t sbk, int64_t sbn,              \
        T *C, int64_t scm, int64_t scn) {                                                        \
    if (M == 0 || N == 0) return 0;                                                              \
    if (!npa_blas[GEMM] || (double)M * N * K < NPA_MATMUL_BLAS_MIN || !npa_blas_fits(M, N, K)    \
            || (scn != 1 && N > 1) || (scm < N && M > 1)) {                                      \
        npa_matmul_loop_##SFX(nt, M, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn);               \
        return 0;                                                                                \
    }                                                                                            \
    T *pa = NULL, *pb = NULL;                                                                    \
    int64_t lda = 0, ldb = 0;                                                                    \
    int ta = npa_blas_layout(M, K, sam, sak, &lda), tb = npa_blas_layout(K, N, sbk, sbn, &ldb);  \
    /* BLAS vectors need a positive increment */                                                 \
    if (M == 1 && (sak <= 0 && K > 1)) ta = 0;                                                   \
    if (N == 1 && (sbk <= 0 && K > 1)) tb = 0;                                                   \
    if (!ta) {                                                                                   \
        pa = npa_pack_##SFX(nt, M, K, A, sam, sak);                                              \
        if (!pa) return NPA_ERR_NOMEM;                                                           \
        A = pa; sam = K; sak = 1; ta = NPA_CBLAS_NO_TRANS; lda = K > 1 ? K : 1;                  \
    }                                                                                            \
    if (!tb) {                                                                                   \
        pb = npa_pack_##SFX(nt, K, N, B, sbk, sbn);                                              \
        if (!pb) { free(pa); return NPA_ERR_NOMEM; }                                             \
        B = pb; sbk = N; sbn = 1; tb = NPA_CBLAS_NO_TRANS; ldb = N > 1 ? N : 1;                  \
    }                                                                                            \
    const int before = npa_blas_threads_begin(nt);                                               \
    if (M == 1 && N == 1) {                                                                      \
        C[0] = NPA_BLAS_CALL(P, dot, DOT, K, A, K > 1 ? sak : 1, B, K > 1 ? sbk : 1);            \
    } else if (N == 1) {                                                                         \
        /* y = A x: A is M x K (as stored: ta), x = B[:, 0], y = C[:, 0] */                      \
        const int64_t incy = M > 1 ? scm : 1, incx = K > 1 ? sbk : 1;                            \
        if (ta == NPA_CBLAS_NO_TRANS)                                                            \
            NPA_BLAS_CALL(P, gemv, GEMV, NPA_CBLAS_ROW_MAJOR, NPA_CBLAS_NO_TRANS, M, K, (T)1, A, lda, B, incx, (T)0, C, incy); \
        else                                                                                     \
            NPA_BLAS_CALL(P, gemv, GEMV, NPA_CBLAS_ROW_MAJOR, NPA_CBLAS_TRANS, K, M, (T)1, A, lda, B, incx, (T)0, C, incy); \
    } else if (M == 1) {                                                                         \
        /* y = B^T x: B is K x N (as stored: tb), x = A[0, :], y = C[0, :] */                   \
        const int64_t incx = K > 1 ? sak : 1;                                                    \
        if (tb == NPA_CBLAS_NO_TRANS)                                                            \
            NPA_BLAS_CALL(P, gemv, GEMV, NPA_CBLAS_ROW_MAJOR, NPA_CBLAS_TRANS, K, N, (T)1, B, ldb, A, incx, (T)0, C, scn); \
        else                                                                                     \
            NPA_BLAS_CALL(P, gemv, GEMV, NPA_CBLAS_ROW_MAJOR, NPA_CBLAS_NO_TRANS, N, K, (T)1, B, ldb, A, incx, (T)0, C, scn); \
    } else {                                                                                     \
        NPA_BLAS_CALL(P, gemm, GEMM, NPA_CBLAS_ROW_MAJOR, ta, tb, M, N, K, (T)1, A, lda, B, ldb, (T)0, C, scm); \
    }                                                                                            \
    npa_blas_threads_end(nt, before);                                                            \
    free(pa);                                                                                    \
    free(pb);                                                                                    \
    return 0;                                                                                    \
}
NPA_MATMUL_BLAS(f32, float, s, NPA_BLAS_SGEMM, NPA_BLAS_SGEMV, NPA_BLAS_SDOT)
NPA_MATMUL_BLAS(f64, double, d, NPA_BLAS_DGEMM, NPA_BLAS_DGEMV, NPA_BLAS_DDOT)

/* ---- complex64 / complex128: cgemm / zgemm for every shape (NumPy calls the BLAS for
 * complex products too), else a loop of naive complex products (NumPy's non-BLAS loop) --- */
typedef void (*npa_cgemm64_t)(int, int, int, int64_t, int64_t, int64_t, const void *, const void *,
                              int64_t, const void *, int64_t, const void *, void *, int64_t);
typedef void (*npa_cgemm32_t)(int, int, int, int32_t, int32_t, int32_t, const void *, const void *,
                              int32_t, const void *, int32_t, const void *, void *, int32_t);
#define NPA_MATMUL_COMPLEX(SFX, T, GEMM)                                                         \
NPA_MATMUL_LOOP_DOT(SFX, T, T, 0, NPA_MAC_CPLX_##SFX, NPA_OUT_SAME)                              \
static int npa_matmul_##SFX(int nt, int64_t M, int64_t N, int64_t K,                             \
        const T *A, int64_t sam, int64_t sak, const T *B, int64_t sbk, int64_t sbn,              \
        T *C, int64_t scm, int64_t scn) {                                                        \
    if (M == 0 || N == 0) return 0;                                                              \
    int64_t lda = 0, ldb = 0;                                                                    \
    int ta = npa_blas_layout(M, K, sam, sak, &lda), tb = npa_blas_layout(K, N, sbk, sbn, &ldb);  \
    if (!npa_blas[GEMM] || K == 0 || !npa_blas_fits(M, N, K) || (scn != 1 && N > 1)             \
            || (scm < N && M > 1)) {                                                             \
        npa_matmul_loop_##SFX(nt, M, N, K, A, sam, sak, B, sbk, sbn, C, scm, scn);               \
        return 0;                                                                                \
    }                                                                                            \
    T *pa = NULL, *pb = NULL;                                                                    \
    if (!ta) {                                                                                   \
        pa = (T *)npa_malloc(sizeof(T) * (size_t)(M * K));                                       \
        if (!pa) return NPA_ERR_NOMEM;                                                           \
        for (int64_t r = 0; r < M; r++) for (int64_t c = 0; c < K; c++) pa[r * K + c] = A[r * sam + c * sak]; \
        A = pa; ta = NPA_CBLAS_NO_TRANS; lda = K;                                                \
    }                                                                                            \
    if (!tb) {                                                                                   \
        pb = (T *)npa_malloc(sizeof(T) * (size_t)(K * N));                                       \
        if (!pb) { free(pa); return NPA_ERR_NOMEM; }                                             \
        for (int64_t r = 0; r < K; r++) for (int64_t c = 0; c < N; c++) pb[r * N + c] = B[r * sbk + c * sbn]; \
        B = pb; tb = NPA_CBLAS_NO_TRANS; ldb = N;                                                \
    }                                                                                            \
    const int64_t ldc = M > 1 ? scm : (N > 1 ? N : 1);                                           \
    const T one = 1, zero = 0;                                                                   \
    const int before = npa_blas_threads_begin(nt);                                               \
    if (npa_blas[NPA_BLAS_ILP64])                                                                \
        ((npa_cgemm64_t)(intptr_t)npa_blas[GEMM])(NPA_CBLAS_ROW_MAJOR, ta, tb, M, N, K, &one, A, lda, B, ldb, &zero, C, ldc); \
    else                                                                                         \
        ((npa_cgemm32_t)(intptr_t)npa_blas[GEMM])(NPA_CBLAS_ROW_MAJOR, ta, tb, (int32_t)M, (int32_t)N, (int32_t)K, &one, A, (int32_t)lda, B, (int32_t)ldb, &zero, C, (int32_t)ldc); \
    npa_blas_threads_end(nt, before);                                                            \
    free(pa);                                                                                    \
    free(pb);                                                                                    \
    return 0;                                                                                    \
}
#define NPA_MAC_CPLX_c64(acc, a, b) ((acc) + npa_cmul_naive_f((a), (b)))
#define NPA_MAC_CPLX_c128(acc, a, b) ((acc) + npa_cmul_naive_d((a), (b)))
#define NPA_OUT_SAME(acc) (acc)
NPA_MATMUL_COMPLEX(c64, float _Complex, NPA_BLAS_CGEMM)
NPA_MATMUL_COMPLEX(c128, double _Complex, NPA_BLAS_ZGEMM)

/* np.linalg: LAPACK through the same table */
#include "npaccel_lapack.h"

#endif /* NPA_CUDA */
#endif

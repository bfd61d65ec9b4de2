/* npaccel linear algebra: NumPy's np.linalg routines through the LAPACK NumPy itself calls
 * (the OpenBLAS in numpy.libs exports it: scipy_dgesv_64_, ...), one matrix per call.
 *
 * Like numpy/linalg/umath_linalg.cpp, every helper copies its input (any element strides,
 * any type already cast to double / double complex by the caller) into a column-major
 * (Fortran) workspace, calls the routine, and copies the result out with the caller's
 * strides; workspace sizes come from the routine's own query (lwork = -1), as NumPy's, so
 * the blocked code paths and the results are NumPy's. Error codes (runtime/marshal.py):
 * NPA_ERR_SINGULAR -> LinAlgError("Singular matrix"), NPA_ERR_NOT_PD -> "Matrix is not
 * positive definite", NPA_ERR_EIG -> "Eigenvalues did not converge", NPA_ERR_QR ->
 * NumPy's QR message, NPA_ERR_NO_LAPACK when the library lacks the routine (the frontend
 * only compiles these calls where it found them). svd, lstsq and qr's other modes:
 * npaccel_lapack_svd.h, included at the end.
 *
 * Integers go to LAPACK by reference, int64 for an ILP64 build (NumPy's wheels), int32
 * otherwise (npa_fint keeps both); character arguments carry gfortran's hidden lengths. */
#ifndef NPACCEL_LAPACK_H
#define NPACCEL_LAPACK_H

#define NPA_ERR_SINGULAR 16
#define NPA_ERR_NOT_PD 17
#define NPA_ERR_EIG 18
#define NPA_ERR_QR 19
#define NPA_ERR_NO_LAPACK 20

typedef double _Complex npa_z;
typedef struct { int64_t v64; int32_t v32; } npa_fint;

/* a Fortran integer argument holding v, in the width the library takes */
static inline void *npa_fi(npa_fint *x, int64_t v) {
    x->v64 = v; x->v32 = (int32_t)v;
    return npa_blas[NPA_BLAS_ILP64] ? (void *)&x->v64 : (void *)&x->v32;
}
static inline int64_t npa_fi_get(const npa_fint *x) {
    return npa_blas[NPA_BLAS_ILP64] ? x->v64 : (int64_t)x->v32;
}
/* entry i of a pivot array written by the library */
static inline int64_t npa_ipiv(const void *p, int64_t i) {
    return npa_blas[NPA_BLAS_ILP64] ? ((const int64_t *)p)[i] : (int64_t)((const int32_t *)p)[i];
}
static inline int npa_lapack_fits(int64_t n) {
    return npa_blas[NPA_BLAS_ILP64] || n < (int64_t)1 << 30;
}

typedef void (*npa_f6_t)(void *, void *, void *, void *, void *, void *);
typedef void (*npa_f8_t)(void *, void *, void *, void *, void *, void *, void *, void *);
typedef void (*npa_f9_t)(void *, void *, void *, void *, void *, void *, void *, void *, void *);
typedef void (*npa_potrf_t)(const char *, void *, void *, void *, void *, size_t);
typedef void (*npa_syevd_t)(const char *, const char *, void *, void *, void *, void *, void *, void *,
                            void *, void *, void *, size_t, size_t);
typedef void (*npa_heevd_t)(const char *, const char *, void *, void *, void *, void *, void *, void *,
                            void *, void *, void *, void *, void *, size_t, size_t);
#define NPA_LAPACK_FN(T, SLOT) ((T)(intptr_t)npa_blas[SLOT])

/* column-major copies in and out of an R x Cn matrix with element strides (sr, sc) */
#define NPA_LAPACK_COPIES(SFX, T)                                                                \
static inline void npa_fcopy_in_##SFX(int64_t R, int64_t Cn, const T *X, int64_t sr, int64_t sc, \
                                      T *W, int64_t ld) {                                        \
    for (int64_t j = 0; j < Cn; j++)                                                             \
        for (int64_t i = 0; i < R; i++) W[i + j * ld] = X[i * sr + j * sc];                      \
}                                                                                                \
static inline void npa_fcopy_out_##SFX(int64_t R, int64_t Cn, const T *W, int64_t ld, T *X,      \
                                       int64_t sr, int64_t sc) {                                 \
    for (int64_t i = 0; i < R; i++)                                                              \
        for (int64_t j = 0; j < Cn; j++) X[i * sr + j * sc] = W[i + j * ld];                     \
}
NPA_LAPACK_COPIES(f64, double)
NPA_LAPACK_COPIES(c128, npa_z)

/* ---- solve (gesv), inv (gesv against the identity: B == NULL) ----------------------------- */
#define NPA_LAPACK_SOLVE(SFX, T, SLOT)                                                           \
static int npa_lapack_solve_##SFX(int64_t n, int64_t k, const T *A, int64_t sa0, int64_t sa1,    \
        const T *B, int64_t sb0, int64_t sb1, T *X, int64_t sx0, int64_t sx1) {                  \
    if (n == 0 || k == 0) return 0;                                                              \
    if (!npa_blas[SLOT]) return NPA_ERR_NO_LAPACK;                                               \
    if (!npa_lapack_fits(n * (n > k ? n : k))) return NPA_ERR_NOMEM;                             \
    T *a = (T *)malloc(sizeof(T) * (size_t)(n * n + n * k));                                     \
    void *ipiv = malloc(8 * (size_t)n);                                                          \
    if (!a || !ipiv) { free(a); free(ipiv); return NPA_ERR_NOMEM; }                              \
    T *b = a + n * n;                                                                            \
    npa_fcopy_in_##SFX(n, n, A, sa0, sa1, a, n);                                                 \
    if (B) npa_fcopy_in_##SFX(n, k, B, sb0, sb1, b, n);                                          \
    else { memset(b, 0, sizeof(T) * (size_t)(n * k)); for (int64_t i = 0; i < n; i++) b[i + i * n] = 1; } \
    npa_fint fn, fk, flda, fldb, info;                                                           \
    NPA_LAPACK_FN(npa_f8_t, SLOT)(npa_fi(&fn, n), npa_fi(&fk, k), a, npa_fi(&flda, n), ipiv,     \
                                  b, npa_fi(&fldb, n), npa_fi(&info, 0));                        \
    const int64_t rc = npa_fi_get(&info);                                                        \
    if (rc == 0) npa_fcopy_out_##SFX(n, k, b, n, X, sx0, sx1);                                   \
    free(a); free(ipiv);                                                                         \
    return rc > 0 ? NPA_ERR_SINGULAR : rc < 0 ? NPA_ERR_NO_LAPACK : 0;                           \
}
NPA_LAPACK_SOLVE(f64, double, NPA_BLAS_DGESV)
NPA_LAPACK_SOLVE(c128, npa_z, NPA_BLAS_ZGESV)

/* ---- det: getrf, then NumPy's slogdet (sign, sum of log|u_ii|) and sign * exp(logdet) ------ */
static void npa_det_finish_f64(int64_t n, const double *a, const void *ipiv, int64_t info, double *out) {
    if (info > 0) { *out = 0.0 * exp(-INFINITY); return; }
    int change = 0;
    for (int64_t i = 0; i < n; i++) change += npa_ipiv(ipiv, i) != i + 1;
    double sign = (change % 2) ? -1.0 : 1.0, logdet = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double e = a[i + i * n];
        if (e < 0) { sign = -sign; e = -e; }
        logdet += log(e);
    }
    *out = sign * exp(logdet);
}
static void npa_det_finish_c128(int64_t n, const npa_z *a, const void *ipiv, int64_t info, npa_z *out) {
    if (info > 0) { *out = CMPLX(0.0 * exp(-INFINITY), 0.0); return; }
    int change = 0;
    for (int64_t i = 0; i < n; i++) change += npa_ipiv(ipiv, i) != i + 1;
    double sr = (change % 2) ? -1.0 : 1.0, si = 0.0, logdet = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const npa_z e = a[i + i * n];
        const double ab = hypot(creal(e), cimag(e)), er = creal(e) / ab, ei = cimag(e) / ab;
        const double nr = sr * er - si * ei, ni = sr * ei + si * er;   /* NumPy's mult() */
        sr = nr; si = ni;
        logdet += log(ab);
    }
    const double t = exp(logdet);
    *out = CMPLX(sr * t, si * t);
}
#define NPA_LAPACK_DET(SFX, T, SLOT)                                                             \
static int npa_lapack_det_##SFX(int64_t n, const T *A, int64_t sa0, int64_t sa1, T *out) {      \
    if (n == 0) { *out = 1; return 0; }                                                          \
    if (!npa_blas[SLOT]) return NPA_ERR_NO_LAPACK;                                               \
    if (!npa_lapack_fits(n * n)) return NPA_ERR_NOMEM;                                           \
    T *a = (T *)malloc(sizeof(T) * (size_t)(n * n));                                             \
    void *ipiv = malloc(8 * (size_t)n);                                                          \
    if (!a || !ipiv) { free(a); free(ipiv); return NPA_ERR_NOMEM; }                              \
    npa_fcopy_in_##SFX(n, n, A, sa0, sa1, a, n);                                                 \
    npa_fint fm, fn, flda, info;                                                                 \
    NPA_LAPACK_FN(npa_f6_t, SLOT)(npa_fi(&fm, n), npa_fi(&fn, n), a, npa_fi(&flda, n), ipiv,     \
                                  npa_fi(&info, 0));                                             \
    npa_det_finish_##SFX(n, a, ipiv, npa_fi_get(&info), out);                                    \
    free(a); free(ipiv);                                                                         \
    return 0;                                                                                    \
}
NPA_LAPACK_DET(f64, double, NPA_BLAS_DGETRF)
NPA_LAPACK_DET(c128, npa_z, NPA_BLAS_ZGETRF)

/* ---- cholesky: potrf('L'), the strict upper triangle zeroed ------------------------------- */
#define NPA_LAPACK_CHOLESKY(SFX, T, SLOT)                                                        \
static int npa_lapack_cholesky_##SFX(int64_t n, const T *A, int64_t sa0, int64_t sa1,            \
                                     T *L, int64_t sl0, int64_t sl1) {                           \
    if (n == 0) return 0;                                                                        \
    if (!npa_blas[SLOT]) return NPA_ERR_NO_LAPACK;                                               \
    if (!npa_lapack_fits(n * n)) return NPA_ERR_NOMEM;                                           \
    T *a = (T *)malloc(sizeof(T) * (size_t)(n * n));                                             \
    if (!a) return NPA_ERR_NOMEM;                                                                \
    npa_fcopy_in_##SFX(n, n, A, sa0, sa1, a, n);                                                 \
    npa_fint fn, flda, info;                                                                     \
    NPA_LAPACK_FN(npa_potrf_t, SLOT)("L", npa_fi(&fn, n), a, npa_fi(&flda, n), npa_fi(&info, 0), 1); \
    const int64_t rc = npa_fi_get(&info);                                                        \
    if (rc == 0) {                                                                               \
        for (int64_t j = 1; j < n; j++)                                                          \
            for (int64_t i = 0; i < j; i++) a[i + j * n] = 0;                                    \
        npa_fcopy_out_##SFX(n, n, a, n, L, sl0, sl1);                                            \
    }                                                                                            \
    free(a);                                                                                     \
    return rc > 0 ? NPA_ERR_NOT_PD : rc < 0 ? NPA_ERR_NO_LAPACK : 0;                             \
}
NPA_LAPACK_CHOLESKY(f64, double, NPA_BLAS_DPOTRF)
NPA_LAPACK_CHOLESKY(c128, npa_z, NPA_BLAS_ZPOTRF)

/* ---- eigh / eigvalsh: syevd / heevd (jobz 'V' for eigh, 'N' for eigvalsh) ---------------- */
/* w: n eigenvalues (stride sw; doubles, or with wz the real parts of complex elements, their
 * imaginary parts 0), V (when vectors): the eigenvectors as columns; either may be NULL
 * (eigh's eigenvalues come from the jobz 'V' call, as NumPy's do: one call gives both) */
static int npa_lapack_eigh_f64(int vectors, int lower, int64_t n, const double *A, int64_t sa0, int64_t sa1,
                               double *w, int64_t sw, int wz, double *V, int64_t sv0, int64_t sv1) {
    (void)wz;
    if (n == 0) return 0;
    if (!npa_blas[NPA_BLAS_DSYEVD]) return NPA_ERR_NO_LAPACK;
    if (!npa_lapack_fits(n * n)) return NPA_ERR_NOMEM;
    const char *jobz = vectors ? "V" : "N", *uplo = lower ? "L" : "U";
    double *a = (double *)malloc(sizeof(double) * (size_t)(n * n + n)), qwork = 0;
    if (!a) return NPA_ERR_NOMEM;
    double *ww = a + n * n;
    npa_fcopy_in_f64(n, n, A, sa0, sa1, a, n);
    npa_fint fn, flda, lwork, liwork, info, qiwork;
    npa_syevd_t f = NPA_LAPACK_FN(npa_syevd_t, NPA_BLAS_DSYEVD);
    f(jobz, uplo, npa_fi(&fn, n), a, npa_fi(&flda, n), ww, &qwork, npa_fi(&lwork, -1),
      npa_fi(&qiwork, 0), npa_fi(&liwork, -1), npa_fi(&info, 0), 1, 1);
    int64_t lw = (int64_t)qwork, liw = npa_fi_get(&qiwork);
    lw = lw > 1 ? lw : 1; liw = liw > 1 ? liw : 1;
    double *work = (double *)malloc(sizeof(double) * (size_t)lw);
    void *iwork = malloc(8 * (size_t)liw);
    int64_t rc = -1;
    if (work && iwork) {
        f(jobz, uplo, npa_fi(&fn, n), a, npa_fi(&flda, n), ww, work, npa_fi(&lwork, lw),
          iwork, npa_fi(&liwork, liw), npa_fi(&info, 0), 1, 1);
        rc = npa_fi_get(&info);
        if (rc == 0) {
            if (w) for (int64_t i = 0; i < n; i++) w[i * sw] = ww[i];
            if (vectors && V) npa_fcopy_out_f64(n, n, a, n, V, sv0, sv1);
        }
    }
    free(work); free(iwork); free(a);
    return !work || !iwork ? NPA_ERR_NOMEM : rc > 0 ? NPA_ERR_EIG : rc < 0 ? NPA_ERR_NO_LAPACK : 0;
}
static int npa_lapack_eigh_c128(int vectors, int lower, int64_t n, const npa_z *A, int64_t sa0, int64_t sa1,
                                void *w, int64_t sw, int wz, npa_z *V, int64_t sv0, int64_t sv1) {
    if (n == 0) return 0;
    if (!npa_blas[NPA_BLAS_ZHEEVD]) return NPA_ERR_NO_LAPACK;
    if (!npa_lapack_fits(n * n)) return NPA_ERR_NOMEM;
    const char *jobz = vectors ? "V" : "N", *uplo = lower ? "L" : "U";
    npa_z *a = (npa_z *)malloc(sizeof(npa_z) * (size_t)(n * n)), qwork = 0;
    double *ww = (double *)malloc(sizeof(double) * (size_t)n), qrwork = 0;
    if (!a || !ww) { free(a); free(ww); return NPA_ERR_NOMEM; }
    npa_fcopy_in_c128(n, n, A, sa0, sa1, a, n);
    npa_fint fn, flda, lwork, lrwork, liwork, info, qiwork;
    npa_heevd_t f = NPA_LAPACK_FN(npa_heevd_t, NPA_BLAS_ZHEEVD);
    f(jobz, uplo, npa_fi(&fn, n), a, npa_fi(&flda, n), ww, &qwork, npa_fi(&lwork, -1), &qrwork,
      npa_fi(&lrwork, -1), npa_fi(&qiwork, 0), npa_fi(&liwork, -1), npa_fi(&info, 0), 1, 1);
    int64_t lw = (int64_t)creal(qwork), lrw = (int64_t)qrwork, liw = npa_fi_get(&qiwork);
    lw = lw > 1 ? lw : 1; lrw = lrw > 1 ? lrw : 1; liw = liw > 1 ? liw : 1;
    npa_z *work = (npa_z *)malloc(sizeof(npa_z) * (size_t)lw);
    double *rwork = (double *)malloc(sizeof(double) * (size_t)lrw);
    void *iwork = malloc(8 * (size_t)liw);
    int64_t rc = -1;
    const int ok = work && rwork && iwork;
    if (ok) {
        f(jobz, uplo, npa_fi(&fn, n), a, npa_fi(&flda, n), ww, work, npa_fi(&lwork, lw), rwork,
          npa_fi(&lrwork, lrw), iwork, npa_fi(&liwork, liw), npa_fi(&info, 0), 1, 1);
        rc = npa_fi_get(&info);
        if (rc == 0) {
            if (w && wz) for (int64_t i = 0; i < n; i++) ((npa_z *)w)[i * sw] = ww[i];
            else if (w) for (int64_t i = 0; i < n; i++) ((double *)w)[i * sw] = ww[i];
            if (vectors && V) npa_fcopy_out_c128(n, n, a, n, V, sv0, sv1);
        }
    }
    free(work); free(rwork); free(iwork); free(a); free(ww);
    return !ok ? NPA_ERR_NOMEM : rc > 0 ? NPA_ERR_EIG : rc < 0 ? NPA_ERR_NO_LAPACK : 0;
}

/* ---- qr, mode='reduced' (and 'r': Q == NULL): one geqrf, then R = triu of its first
 * min(m, n) rows (k x n), then Q = orgqr/ungqr of its first min(m, n) columns (m x k) ---- */
#define NPA_LAPACK_QR(SFX, T, GEQRF, ORGQR)                                                      \
static int npa_lapack_qr_##SFX(int64_t m, int64_t n, const T *A, int64_t sa0, int64_t sa1,       \
                               T *Q, int64_t sq0, int64_t sq1, T *R, int64_t sr0, int64_t sr1) { \
    const int64_t k = m < n ? m : n;                                                             \
    if (k == 0) return 0;                                                                        \
    if (!npa_blas[GEQRF] || !npa_blas[ORGQR]) return NPA_ERR_NO_LAPACK;                          \
    if (!npa_lapack_fits(m * n)) return NPA_ERR_NOMEM;                                           \
    T *a = (T *)malloc(sizeof(T) * (size_t)(m * n + k)), qwork = 0;                              \
    if (!a) return NPA_ERR_NOMEM;                                                                \
    T *tau = a + m * n;                                                                          \
    npa_fcopy_in_##SFX(m, n, A, sa0, sa1, a, m);                                                 \
    npa_fint fm, fn, fk, flda, lwork, info;                                                      \
    NPA_LAPACK_FN(npa_f8_t, GEQRF)(npa_fi(&fm, m), npa_fi(&fn, n), a, npa_fi(&flda, m), tau,     \
                                   &qwork, npa_fi(&lwork, -1), npa_fi(&info, 0));                \
    int64_t lw = (int64_t)npa_lapack_re##SFX##_q(qwork);                                         \
    lw = lw > n ? lw : (n > 1 ? n : 1);                                                          \
    T *work = (T *)malloc(sizeof(T) * (size_t)lw);                                               \
    if (!work) { free(a); return NPA_ERR_NOMEM; }                                                \
    NPA_LAPACK_FN(npa_f8_t, GEQRF)(npa_fi(&fm, m), npa_fi(&fn, n), a, npa_fi(&flda, m), tau,     \
                                   work, npa_fi(&lwork, lw), npa_fi(&info, 0));                  \
    int64_t rc = npa_fi_get(&info);                                                              \
    free(work);                                                                                  \
    if (rc == 0 && R) {                                                                          \
        for (int64_t i = 0; i < k; i++)                                                          \
            for (int64_t j = 0; j < n; j++) R[i * sr0 + j * sr1] = j >= i ? a[i + j * m] : 0;    \
    }                                                                                            \
    if (rc == 0 && Q) {                                                                          \
        NPA_LAPACK_FN(npa_f9_t, ORGQR)(npa_fi(&fm, m), npa_fi(&fn, k), npa_fi(&fk, k), a,        \
                                       npa_fi(&flda, m), tau, &qwork, npa_fi(&lwork, -1),        \
                                       npa_fi(&info, 0));                                        \
        lw = (int64_t)npa_lapack_re##SFX##_q(qwork);                                             \
        lw = lw > k ? lw : (k > 1 ? k : 1);                                                      \
        work = (T *)malloc(sizeof(T) * (size_t)lw);                                              \
        if (!work) { free(a); return NPA_ERR_NOMEM; }                                            \
        NPA_LAPACK_FN(npa_f9_t, ORGQR)(npa_fi(&fm, m), npa_fi(&fn, k), npa_fi(&fk, k), a,        \
                                       npa_fi(&flda, m), tau, work, npa_fi(&lwork, lw),          \
                                       npa_fi(&info, 0));                                        \
        rc = npa_fi_get(&info);                                                                  \
        free(work);                                                                              \
        if (rc == 0) npa_fcopy_out_##SFX(m, k, a, m, Q, sq0, sq1);                               \
    }                                                                                            \
    free(a);                                                                                     \
    return rc != 0 ? NPA_ERR_QR : 0;                                                             \
}
#define npa_lapack_ref64_q(x) (x)
#define npa_lapack_rec128_q(x) creal(x)
NPA_LAPACK_QR(f64, double, NPA_BLAS_DGEQRF, NPA_BLAS_DORGQR)
NPA_LAPACK_QR(c128, npa_z, NPA_BLAS_ZGEQRF, NPA_BLAS_ZUNGQR)

#include "npaccel_lapack_svd.h"     /* svd, lstsq, qr modes 'complete' and 'raw' */

#endif

/* npaccel linear algebra, part 2 (included by npaccel_lapack.h): np.linalg.svd through
 * ?gesdd, np.linalg.lstsq through ?gelsd, and the extra outputs of np.linalg.qr's modes
 * 'complete' and 'raw' (geqrf, orgqr/ungqr), one matrix per call, following
 * numpy/linalg/umath_linalg.cpp (init_gesdd, svd_wrapper, init_gelsd, lstsq, qr_complete):
 * the same Fortran-order copies, leading dimensions, workspace queries and empty-matrix
 * rules, so the results are NumPy's. Each call runs the routine once and writes every
 * result asked for (a NULL pointer: not asked for) with the caller's element strides; a
 * real result of a complex routine (s, the residual sums, rank) is written as complex
 * numbers with imaginary part 0 (exact), into the caller's block of one buffer.
 *
 * Error codes (runtime/marshal.py): NPA_ERR_SVD -> LinAlgError("SVD did not converge"),
 * NPA_ERR_LSTSQ -> LinAlgError("SVD did not converge in Linear Least Squares"). */
#ifndef NPACCEL_LAPACK_SVD_H
#define NPACCEL_LAPACK_SVD_H

#define NPA_ERR_SVD 21
#define NPA_ERR_LSTSQ 22

typedef void (*npa_dgesdd_t)(const char *, void *, void *, void *, void *, void *, void *, void *,
                             void *, void *, void *, void *, void *, void *, size_t);
typedef void (*npa_zgesdd_t)(const char *, void *, void *, void *, void *, void *, void *, void *,
                             void *, void *, void *, void *, void *, void *, void *, size_t);
typedef void (*npa_dgelsd_t)(void *, void *, void *, void *, void *, void *, void *, void *, void *,
                             void *, void *, void *, void *, void *);
typedef void (*npa_zgelsd_t)(void *, void *, void *, void *, void *, void *, void *, void *, void *,
                             void *, void *, void *, void *, void *, void *);

static inline int64_t npa_max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t npa_min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- svd: gesdd with jobz 'N' (singular values only), 'S' (reduced) or 'A' (full) ---------
 * U (m x ucols; NULL for 'N'), S (min(m, n) values, stride ss), Vh (vrows x n; NULL for 'N') */
#define NPA_LAPACK_SVD(SFX, T, SLOT, CPLX)                                                       \
static int npa_lapack_svd_##SFX(char jobz, int64_t m, int64_t n, const T *A, int64_t sa0,        \
        int64_t sa1, T *U, int64_t su0, int64_t su1, T *S, int64_t ss, T *V, int64_t sv0, int64_t sv1) { \
    const int64_t k = npa_min64(m, n), ld = npa_max64(m, 1);                                     \
    const int64_t urows = jobz == 'A' ? m : jobz == 'S' ? k : 0;                                 \
    const int64_t vcols = jobz == 'A' ? n : jobz == 'S' ? k : 0;                                 \
    const int64_t ucols = jobz == 'A' ? m : k, vrows = jobz == 'A' ? n : k;                      \
    if (jobz == 'A' && k == 0) {           /* NumPy: identity U and Vh, LAPACK leaves them */   \
        for (int64_t i = 0; i < m; i++)                                                          \
            for (int64_t j = 0; j < m; j++) U[i * su0 + j * su1] = i == j;                       \
        for (int64_t i = 0; i < n; i++)                                                          \
            for (int64_t j = 0; j < n; j++) V[i * sv0 + j * sv1] = i == j;                       \
        return 0;                                                                                \
    }                                                                                            \
    if (k == 0) return 0;                                                                        \
    if (!npa_blas[SLOT]) return NPA_ERR_NO_LAPACK;                                               \
    if (!npa_lapack_fits(npa_max64(m, n) * npa_max64(m, n))) return NPA_ERR_NOMEM;               \
    const int64_t lrw = CPLX ? npa_max64(2 * (5 * k * k + 5 * k),                                \
                                         2 * npa_max64(m, n) * k + 2 * k * k + k) : 0;           \
    T *a = (T *)malloc(sizeof(T) * (size_t)(m * n + urows * m + n * vcols + 1));                 \
    double *s = (double *)malloc(sizeof(double) * (size_t)(k + lrw + 1));                        \
    void *iwork = malloc(8 * (size_t)(8 * k));                                                   \
    if (!a || !s || !iwork) { free(a); free(s); free(iwork); return NPA_ERR_NOMEM; }             \
    T *u = a + m * n, *vt = u + urows * m, qwork = 0;                                            \
    double *rwork = s + k;                                                                       \
    (void)rwork;                                                                                 \
    npa_fcopy_in_##SFX(m, n, A, sa0, sa1, a, m);                                                 \
    const char jz[2] = {jobz, 0};                                                                \
    npa_fint fm, fn, flda, fldu, fldvt, lwork, info;                                             \
    const int64_t ldvt = npa_max64(vcols, 1);                                                    \
    NPA_SVD_CALL_##SFX(SLOT, jz, &qwork, -1);                                                    \
    int64_t rc = npa_fi_get(&info), lw = (int64_t)npa_lapack_re##SFX##_q(qwork);                 \
    if (lw == 0) lw = 1;                                                                         \
    T *work = rc == 0 ? (T *)malloc(sizeof(T) * (size_t)lw) : NULL;                              \
    if (rc == 0 && !work) rc = -1000;                                                            \
    if (rc == 0) {                                                                               \
        NPA_SVD_CALL_##SFX(SLOT, jz, work, lw);                                                  \
        rc = npa_fi_get(&info);                                                                  \
    }                                                                                            \
    if (rc == 0) {                                                                               \
        for (int64_t i = 0; i < k; i++) S[i * ss] = s[i];                                        \
        if (U) npa_fcopy_out_##SFX(m, ucols, u, ld, U, su0, su1);                                \
        if (V) npa_fcopy_out_##SFX(vrows, n, vt, ldvt, V, sv0, sv1);                             \
    }                                                                                            \
    free(work); free(a); free(s); free(iwork);                                                   \
    return rc == -1000 ? NPA_ERR_NOMEM : rc != 0 ? NPA_ERR_SVD : 0;                              \
}
#define NPA_SVD_CALL_f64(SLOT, JZ, WORK, LW)                                                     \
    NPA_LAPACK_FN(npa_dgesdd_t, SLOT)(JZ, npa_fi(&fm, m), npa_fi(&fn, n), a, npa_fi(&flda, ld), s, \
        u, npa_fi(&fldu, ld), vt, npa_fi(&fldvt, ldvt), WORK, npa_fi(&lwork, LW), iwork,         \
        npa_fi(&info, 0), 1)
#define NPA_SVD_CALL_c128(SLOT, JZ, WORK, LW)                                                    \
    NPA_LAPACK_FN(npa_zgesdd_t, SLOT)(JZ, npa_fi(&fm, m), npa_fi(&fn, n), a, npa_fi(&flda, ld), s, \
        u, npa_fi(&fldu, ld), vt, npa_fi(&fldvt, ldvt), WORK, npa_fi(&lwork, LW), rwork, iwork,  \
        npa_fi(&info, 0), 1)
NPA_LAPACK_SVD(f64, double, NPA_BLAS_DGESDD, 0)
NPA_LAPACK_SVD(c128, npa_z, NPA_BLAS_ZGESDD, 1)

/* ---- lstsq: gelsd, then X: x (n x nrhs), R: the residual sums of squares (nrhs values;
 * meaningful where m > n and rank == n, the frontend keeps them only then), RANK: the rank
 * (as a double), S: the singular values (min(m, n) values). nrhs == 0 solves against one
 * zero column, and
 * m == 0 gives x = 0, as NumPy's lstsq does (rcond: the caller's, or NumPy's default). */
static inline double npa_abs2_f64(double x) { return x * x; }
static inline double npa_abs2_c128(npa_z x) { return creal(x) * creal(x) + cimag(x) * cimag(x); }
#define NPA_LAPACK_LSTSQ(SFX, T, SLOT, CPLX)                                                     \
static int npa_lapack_lstsq_##SFX(int64_t m, int64_t n, int64_t nrhs, const T *A,                \
        int64_t sa0, int64_t sa1, const T *B, int64_t sb0, int64_t sb1, double rcond,            \
        T *X, int64_t sx0, int64_t sx1, T *R, int64_t sr, T *RANK, T *S, int64_t ss) {           \
    const int64_t k = npa_min64(m, n), mx = npa_max64(m, n), kk = nrhs ? nrhs : 1;              \
    const int64_t lda = npa_max64(1, m), ldb = npa_max64(1, mx);                                 \
    if (!npa_blas[SLOT]) return NPA_ERR_NO_LAPACK;                                               \
    if (!npa_lapack_fits(mx * npa_max64(mx, kk))) return NPA_ERR_NOMEM;                          \
    T *a = (T *)malloc(sizeof(T) * (size_t)(m * n + ldb * kk + 1));                              \
    double *s = (double *)malloc(sizeof(double) * (size_t)(k + 1));                              \
    if (!a || !s) { free(a); free(s); return NPA_ERR_NOMEM; }                                    \
    T *b = a + m * n, qwork = 0;                                                                 \
    double qrwork = 0;                                                                           \
    npa_fint fm, fn, fk, flda, fldb, rank, lwork, info, qiwork;                                  \
    npa_fi(&rank, 0); npa_fi(&qiwork, 0);                                                        \
    npa_fcopy_in_##SFX(m, n, A, sa0, sa1, a, m);                                                 \
    memset(b, 0, sizeof(T) * (size_t)(ldb * kk));                                                \
    if (nrhs) npa_fcopy_in_##SFX(m, nrhs, B, sb0, sb1, b, ldb);                                  \
    NPA_GELSD_CALL_##SFX(SLOT, &qwork, -1, &qrwork, &qiwork);                                    \
    int64_t rc = npa_fi_get(&info);                                                              \
    const int64_t lw = (int64_t)npa_lapack_re##SFX##_q(qwork), lrw = (int64_t)qrwork;            \
    const int64_t liw = npa_fi_get(&qiwork);                                                     \
    T *work = (T *)malloc(sizeof(T) * (size_t)(lw > 0 ? lw : 1));                                \
    double *rwork = (double *)malloc(sizeof(double) * (size_t)(lrw > 0 ? lrw : 1));              \
    void *iwork = malloc(8 * (size_t)(liw > 0 ? liw : 1));                                       \
    if (!work || !rwork || !iwork) rc = -1000;                                                   \
    if (rc == 0) {                                                                               \
        NPA_GELSD_CALL_##SFX(SLOT, work, lw, rwork, iwork);                                      \
        rc = npa_fi_get(&info);                                                                  \
    }                                                                                            \
    if (rc == 0) {                                                                               \
        const int64_t r = npa_fi_get(&rank);                                                     \
        for (int64_t i = 0; i < n; i++)                                                          \
            for (int64_t j = 0; j < nrhs; j++) X[i * sx0 + j * sx1] = m ? b[i + j * ldb] : 0;    \
        for (int64_t j = 0; j < nrhs; j++) {                                                     \
            double t = 0;                                                                        \
            if (m >= n && r == n)                                                                \
                for (int64_t i = 0; i < m - n; i++) t += npa_abs2_##SFX(b[n + i + j * m]);       \
            else t = NAN;                                                                        \
            R[j * sr] = t;                                                                       \
        }                                                                                        \
        *RANK = (double)(int32_t)r;                                                              \
        for (int64_t i = 0; i < k; i++) S[i * ss] = s[i];                                        \
    }                                                                                            \
    free(work); free(rwork); free(iwork); free(a); free(s);                                      \
    return rc == -1000 ? NPA_ERR_NOMEM : rc != 0 ? NPA_ERR_LSTSQ : 0;                            \
}
#define NPA_GELSD_CALL_f64(SLOT, WORK, LW, RWORK, IWORK)                                         \
    NPA_LAPACK_FN(npa_dgelsd_t, SLOT)(npa_fi(&fm, m), npa_fi(&fn, n), npa_fi(&fk, kk), a,       \
        npa_fi(&flda, lda), b, npa_fi(&fldb, ldb), s, &rcond, &rank, WORK, npa_fi(&lwork, LW),   \
        IWORK, npa_fi(&info, 0))
#define NPA_GELSD_CALL_c128(SLOT, WORK, LW, RWORK, IWORK)                                        \
    NPA_LAPACK_FN(npa_zgelsd_t, SLOT)(npa_fi(&fm, m), npa_fi(&fn, n), npa_fi(&fk, kk), a,       \
        npa_fi(&flda, lda), b, npa_fi(&fldb, ldb), s, &rcond, &rank, WORK, npa_fi(&lwork, LW),   \
        RWORK, IWORK, npa_fi(&info, 0))
NPA_LAPACK_LSTSQ(f64, double, NPA_BLAS_DGELSD, 0)
NPA_LAPACK_LSTSQ(c128, npa_z, NPA_BLAS_ZGELSD, 1)

/* ---- qr, modes 'complete' and 'raw': one geqrf, then (each where not NULL) R (m x n, triu),
 * H: the factored matrix transposed (n x m, mode 'raw'), TAU (k), and Q (m x m, orgqr/ungqr
 * over an m x m workspace holding the factored columns) */
#define NPA_LAPACK_QR_MODES(SFX, T, GEQRF, ORGQR, CPLX)                                          \
static int npa_lapack_qrx_##SFX(int64_t m, int64_t n, const T *A, int64_t sa0, int64_t sa1,      \
        T *Q, int64_t sq0, int64_t sq1, T *R, int64_t sr0, int64_t sr1,                          \
        T *H, int64_t sh0, int64_t sh1, T *TAU, int64_t st) {                                    \
    const int64_t k = npa_min64(m, n), cols = Q ? m : n;                                         \
    if (m == 0 || n == 0) {                                                                      \
        if (Q) for (int64_t i = 0; i < m; i++)                                                   \
            for (int64_t j = 0; j < m; j++) Q[i * sq0 + j * sq1] = i == j;                       \
        if (R) for (int64_t i = 0; i < m; i++)                                                   \
            for (int64_t j = 0; j < n; j++) R[i * sr0 + j * sr1] = 0;                            \
        return 0;                                                                                \
    }                                                                                            \
    if (!npa_blas[GEQRF] || !npa_blas[ORGQR]) return NPA_ERR_NO_LAPACK;                          \
    if (!npa_lapack_fits(m * npa_max64(m, n))) return NPA_ERR_NOMEM;                             \
    T *a = (T *)malloc(sizeof(T) * (size_t)(m * npa_max64(cols, n) + k)), qwork = 0;            \
    if (!a) return NPA_ERR_NOMEM;                                                                \
    T *tau = a + m * npa_max64(cols, n);                                                         \
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
    if (rc == 0 && R)                                                                            \
        for (int64_t i = 0; i < m; i++)                                                          \
            for (int64_t j = 0; j < n; j++) R[i * sr0 + j * sr1] = j >= i ? a[i + j * m] : 0;    \
    if (rc == 0 && H)                                                                            \
        for (int64_t i = 0; i < n; i++)                                                          \
            for (int64_t j = 0; j < m; j++) H[i * sh0 + j * sh1] = a[j + i * m];                 \
    if (rc == 0 && TAU)                                                                          \
        for (int64_t i = 0; i < k; i++) TAU[i * st] = tau[i];                                    \
    if (rc == 0 && Q) {                                                                          \
        NPA_LAPACK_FN(npa_f9_t, ORGQR)(npa_fi(&fm, m), npa_fi(&fn, m), npa_fi(&fk, k), a,        \
                                       npa_fi(&flda, m), tau, &qwork, npa_fi(&lwork, -1),        \
                                       npa_fi(&info, 0));                                        \
        lw = (int64_t)npa_lapack_re##SFX##_q(qwork);                                             \
        if (!CPLX) lw = npa_max64(npa_max64(1, n), lw);                                          \
        work = (T *)malloc(sizeof(T) * (size_t)npa_max64(npa_max64(1, n), lw));                  \
        if (!work) { free(a); return NPA_ERR_NOMEM; }                                            \
        NPA_LAPACK_FN(npa_f9_t, ORGQR)(npa_fi(&fm, m), npa_fi(&fn, m), npa_fi(&fk, k), a,        \
                                       npa_fi(&flda, m), tau, work, npa_fi(&lwork, lw),          \
                                       npa_fi(&info, 0));                                        \
        rc = npa_fi_get(&info);                                                                  \
        free(work);                                                                              \
        if (rc == 0) npa_fcopy_out_##SFX(m, m, a, m, Q, sq0, sq1);                               \
    }                                                                                            \
    free(a);                                                                                     \
    return rc != 0 ? NPA_ERR_QR : 0;                                                             \
}
NPA_LAPACK_QR_MODES(f64, double, NPA_BLAS_DGEQRF, NPA_BLAS_DORGQR, 0)
NPA_LAPACK_QR_MODES(c128, npa_z, NPA_BLAS_ZGEQRF, NPA_BLAS_ZUNGQR, 1)

#endif

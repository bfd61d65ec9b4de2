/* npaccel complex helpers (included by npaccel.h on the CPU): NumPy 2's complex loops,
 * not C's Annex G rules (gcc's a * b and a / b call __muldc3/__divdc3, which recover
 * infinities from NaN results; NumPy does not).
 *
 * - multiply, square: NumPy's SIMD loop computes re = ar*br - ai*bi, im = ar*bi + ai*br
 *   with one fused multiply-add per part (fmaddsub) where the CPU has FMA; NumPy's scalar
 *   math (operators on NumPy scalars), its reductions and npy_cpow round every product
 *   (npa_cmul_naive). gcc 12 fuses a product and a sum of the two parts into fmaddsub
 *   even under -ffp-contract=off (seen in division too), so every product that NumPy
 *   rounds passes through an empty asm that hides it from the vectoriser; so do the
 *   fused results, else gcc turns -fma(a, b, c) (a later negation or conj) into
 *   fnmsub, which gives +0.0 where NumPy's negation of the stored product gives -0.0.
 * - divide: Smith's algorithm as NumPy's loop (and npymath's cdiv); reciprocal: NumPy's loop.
 * - absolute: NumPy's SIMD loop, larger * sqrt(1 + (smaller/larger)^2) with a fused
 *   multiply-add; NumPy scalars use hypot (npa_cabs_scalar).
 * - exp, log, sqrt: glibc's cexp/clog/csqrt, which NumPy calls too; power: npy_cpow
 *   (small integer exponents by repeated naive multiplication, else cpow).
 * - ordering (<, maximum, max, argmax): NumPy's lexicographic order, a NaN in either part
 *   propagating as NumPy's CGE/CLE macros say.
 * Verified bit for bit against NumPy 2.4 on x86-64 (AVX2/FMA), special values included;
 * NaN payloads and the sign of NaN are not compared. */
#ifndef NPACCEL_COMPLEX_H
#define NPACCEL_COMPLEX_H
#include <stdint.h>
#include <math.h>
#include <complex.h>
#undef I          /* the entry point's argument array is named I */
#undef complex    /* generated code spells the types double _Complex, float _Complex */

#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define NPA_HAS_FMA 1
#endif

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define NPA_OPAQUE(x) __asm__("" : "+x"(x))
#elif defined(__GNUC__) && defined(__aarch64__)
#define NPA_OPAQUE(x) __asm__("" : "+w"(x))
#else
#define NPA_OPAQUE(x) do { volatile __typeof__(x) npa_v_ = (x); (x) = npa_v_; } while (0)
#endif

/* NumPy's complex comparison macros (loops.c.src): lexicographic, NaN-aware */
#define NPA_CGE(xr, xi, yr, yi) (((xr) > (yr) && !isnan(xi) && !isnan(yi)) || ((xr) == (yr) && (xi) >= (yi)))
#define NPA_CLE(xr, xi, yr, yi) (((xr) < (yr) && !isnan(xi) && !isnan(yi)) || ((xr) == (yr) && (xi) <= (yi)))
#define NPA_CGT(xr, xi, yr, yi) (((xr) > (yr) && !isnan(xi) && !isnan(yi)) || ((xr) == (yr) && (xi) > (yi)))
#define NPA_CLT(xr, xi, yr, yi) (((xr) < (yr) && !isnan(xi) && !isnan(yi)) || ((xr) == (yr) && (xi) < (yi)))

/* bit-level tests and selects for npa_cabs (vectorisable without -fno-trapping-math) */
#define NPA_BITS(T, U, SFX, ABS, INF)                                                    \
static inline U npa_ubits_##SFX(T x) { U u; __builtin_memcpy(&u, &x, sizeof u); return u; } \
static inline int npa_isinf_##SFX(T x) { return (npa_ubits_##SFX(x) & ABS) == INF; }   \
static inline int npa_isnan_##SFX(T x) { return (npa_ubits_##SFX(x) & ABS) > INF; }    \
static inline T npa_pick_##SFX(int c, T a, T b) {                                       \
    const U m = (U)0 - (U)(c != 0), r = (npa_ubits_##SFX(a) & m) | (npa_ubits_##SFX(b) & ~m); \
    T t; __builtin_memcpy(&t, &r, sizeof t); return t;                                   \
}
NPA_BITS(double, uint64_t, d, UINT64_C(0x7fffffffffffffff), UINT64_C(0x7ff0000000000000))
NPA_BITS(float, uint32_t, f, UINT32_C(0x7fffffff), UINT32_C(0x7f800000))

#define NPA_COMPLEX(T, C, SFX, LSFX, MK)                                               \
NPA_INLINE C npa_cmul_##SFX(C a, C b) {                                               \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    NPA_CMUL_ARRAY(T, LSFX, MK)                                                         \
}                                                                                        \
NPA_INLINE C npa_cmul_naive_##SFX(C a, C b) {                                         \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    T p = ar * br, q = ai * bi, r = ar * bi, s = ai * br;                                \
    NPA_OPAQUE(p); NPA_OPAQUE(q); NPA_OPAQUE(r); NPA_OPAQUE(s);                          \
    return MK(p - q, r + s);                                                             \
}                                                                                        \
NPA_INLINE C npa_cdiv_##SFX(C a, C b) {                                               \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    const T abr = fabs##LSFX(br), abi = fabs##LSFX(bi);                                  \
    if (abr >= abi) {                                                                    \
        if (abr == 0 && abi == 0) return MK(ar / abr, ai / abi);                         \
        const T rat = bi / br;                                                           \
        T p = bi * rat, q = ai * rat, r = ar * rat;                                      \
        NPA_OPAQUE(p); NPA_OPAQUE(q); NPA_OPAQUE(r);                                     \
        const T scl = (T)1.0 / (br + p);                                                 \
        return MK((ar + q) * scl, (ai - r) * scl);                                       \
    }                                                                                    \
    const T rat = br / bi;                                                               \
    T p = br * rat, q = ar * rat, r = ai * rat;                                          \
    NPA_OPAQUE(p); NPA_OPAQUE(q); NPA_OPAQUE(r);                                         \
    const T scl = (T)1.0 / (bi + p);                                                     \
    return MK((q + ai) * scl, (r - ar) * scl);                                           \
}                                                                                        \
NPA_INLINE C npa_cdiv_real_##SFX(C a, T b) {                                         \
    /* npa_cdiv(a, b + 0i) without branches: rat = +0 / b is +-0 (NaN where b is 0 or NaN, \
       whose results are picked from elsewhere), so every product by it is exact and needs \
       no NPA_OPAQUE (an asm would keep the loop scalar); 1 / (b + 0 * rat) is 1 / b */    \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a);                                    \
    const T rat = (T)0 / b, scl = (T)1 / b;                                              \
    const T gr = (ar + ai * rat) * scl, gi = (ai - ar * rat) * scl;                       \
    const T ab = fabs##LSFX(b);                                                          \
    const int zero = npa_ubits_##SFX(ab) == 0;        /* b = +-0: (ar / +0, ai / +0) */  \
    return MK(npa_pick_##SFX(zero, ar / ab, gr), npa_pick_##SFX(zero, ai / ab, gi));     \
}                                                                                        \
NPA_INLINE C npa_creciprocal_##SFX(C z) {                                             \
    const T r = creal##LSFX(z), i = cimag##LSFX(z);                                      \
    if (fabs##LSFX(i) <= fabs##LSFX(r)) {                                                \
        const T q = i / r;                                                               \
        T p = i * q;                                                                     \
        NPA_OPAQUE(p);                                                                   \
        const T d = r + p;                                                               \
        return MK((T)1 / d, -q / d);                                                     \
    }                                                                                    \
    const T q = r / i;                                                                   \
    T p = r * q;                                                                         \
    NPA_OPAQUE(p);                                                                       \
    const T d = p + i;                                                                   \
    return MK(q / d, (T)-1 / d);                                                         \
}                                                                                        \
NPA_INLINE T npa_cabs_##SFX(C z) {                                                    \
    /* (bit tests and selects, no branches or float compares, which gcc keeps as control \
       flow where they might trap: the loop stays vectorised, as NumPy's SIMD loop) */   \
    const T re0 = fabs##LSFX(creal##LSFX(z)), im0 = fabs##LSFX(cimag##LSFX(z));          \
    const T im1 = npa_pick_##SFX(npa_isinf_##SFX(re0), (T)INFINITY, im0);               \
    const T re1 = npa_pick_##SFX(npa_isinf_##SFX(im0), (T)INFINITY, re0);               \
    const T im = npa_pick_##SFX(npa_isnan_##SFX(re1), (T)NAN, im1);                     \
    const T re = npa_pick_##SFX(npa_isnan_##SFX(im1), (T)NAN, re1);                     \
    const int gt = npa_ubits_##SFX(re) > npa_ubits_##SFX(im);  /* (>= 0: bits order) */ \
    const T larger = npa_pick_##SFX(gt, re, im), smaller = npa_pick_##SFX(gt, im, re);   \
    const int flat = (npa_ubits_##SFX(larger) == 0) | npa_isinf_##SFX(smaller);          \
    const T q = smaller / npa_pick_##SFX(flat, (T)1, larger);                            \
    const T ratio = npa_pick_##SFX(flat, (T)0, q);                                       \
    return sqrt##LSFX(NPA_MULADD(ratio, ratio, (T)1, LSFX)) * larger;                    \
}                                                                                        \
NPA_INLINE T npa_cabs_scalar_##SFX(C z) { return hypot##LSFX(creal##LSFX(z), cimag##LSFX(z)); } \
NPA_INLINE C npa_csign_##SFX(C z) {                                                   \
    const T r = creal##LSFX(z), i = cimag##LSFX(z), a = hypot##LSFX(r, i);              \
    if (isnan(a)) return MK((T)NAN, (T)NAN);                                             \
    if (isinf(a)) {                                                                      \
        if (isinf(r)) return isinf(i) ? MK((T)NAN, (T)NAN) : MK(r > 0 ? (T)1 : (T)-1, (T)0); \
        return MK((T)0, i > 0 ? (T)1 : (T)-1);                                           \
    }                                                                                    \
    if (a == 0) return MK((T)0, (T)0);                                                   \
    return MK(r / a, i / a);                                                             \
}                                                                                        \
NPA_INLINE C npa_cpow_##SFX(C a, C b) {                                               \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    if (br == 0 && bi == 0) return MK((T)1, (T)0);                                       \
    if (ar == 0 && ai == 0) return br > 0 ? MK((T)0, (T)0) : MK((T)NAN, (T)NAN);         \
    if (bi == 0 && br > -100 && br < 100 && (T)(int64_t)br == br) {                      \
        int64_t n = (int64_t)br;                                                         \
        if (n == 1) return a;                                                            \
        if (n == 2) return npa_cmul_naive_##SFX(a, a);                                   \
        if (n == 3) return npa_cmul_naive_##SFX(a, npa_cmul_naive_##SFX(a, a));         \
        C p = a, acc = MK((T)1, (T)0);                                                   \
        int64_t mask = 1;                                                                \
        if (n < 0) n = -n;                                                               \
        for (;;) {                                                                       \
            if (n & mask) acc = npa_cmul_naive_##SFX(acc, p);                            \
            mask <<= 1;                                                                  \
            if (n < mask || mask <= 0) break;                                            \
            p = npa_cmul_naive_##SFX(p, p);                                              \
        }                                                                                \
        return br < 0 ? npa_cdiv_##SFX(MK((T)1, (T)0), acc) : acc;                      \
    }                                                                                    \
    return cpow##LSFX(a, b);                                                             \
}                                                                                        \
NPA_INLINE C npa_cmaximum_##SFX(C a, C b) {   /* NaN in a, or a >= b: a */             \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    return (isnan(ar) || isnan(ai) || NPA_CGE(ar, ai, br, bi)) ? a : b;                  \
}                                                                                        \
NPA_INLINE C npa_cminimum_##SFX(C a, C b) {                                           \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    return (isnan(ar) || isnan(ai) || NPA_CLE(ar, ai, br, bi)) ? a : b;                  \
}                                                                                        \
NPA_INLINE C npa_cfmax_##SFX(C a, C b) {      /* NaN in b, or a >= b: a */             \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    return (isnan(br) || isnan(bi) || NPA_CGE(ar, ai, br, bi)) ? a : b;                  \
}                                                                                        \
NPA_INLINE C npa_cfmin_##SFX(C a, C b) {                                              \
    const T ar = creal##LSFX(a), ai = cimag##LSFX(a), br = creal##LSFX(b), bi = cimag##LSFX(b); \
    return (isnan(br) || isnan(bi) || NPA_CLE(ar, ai, br, bi)) ? a : b;                  \
}

/* the array loops' products and the absolute value's 1 + ratio^2: fused where NumPy's
   SIMD loops fuse them */
#ifdef NPA_HAS_FMA
#define NPA_CMUL_ARRAY(T, LSFX, MK)                                                \
    T re = fma##LSFX(ar, br, -(ai * bi)), im = fma##LSFX(ar, bi, ai * br);             \
    NPA_OPAQUE(re); NPA_OPAQUE(im);                                                    \
    return MK(re, im);
#define NPA_MULADD(a, b, c, LSFX) fma##LSFX(a, b, c)
#else
#define NPA_CMUL_ARRAY(T, LSFX, MK) return MK(ar * br - ai * bi, ar * bi + ai * br);
#define NPA_MULADD(a, b, c, LSFX) ((a) * (b) + (c))
#endif

NPA_COMPLEX(double, double _Complex, d, , CMPLX)
NPA_COMPLEX(float, float _Complex, f, f, CMPLXF)

/* <, <=, >, >= of two complex values (op: 0, 1, 2, 3); complex64 widens exactly */
NPA_INLINE int npa_ccompare(double _Complex a, double _Complex b, int op) {
    const double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
    switch (op) {
    case 0: return NPA_CLT(ar, ai, br, bi);
    case 1: return NPA_CLE(ar, ai, br, bi);
    case 2: return NPA_CGT(ar, ai, br, bi);
    default: return NPA_CGE(ar, ai, br, bi);
    }
}

#endif

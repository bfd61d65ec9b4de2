/* npaccel math helpers (included by npaccel.h): NumPy 2's exact results where C leaves
 * them undefined or where NumPy's formula differs from libm's.
 *
 * Float -> integer casts: C leaves out-of-range conversions undefined. NumPy's contiguous
 * cast loops on x86-64 give the results of cvttsd2si (out of range or NaN -> the minimum of
 * the 32- or 64-bit destination), narrower integers through the 32-bit conversion, unsigned
 * 32/64-bit through the usual "subtract 2^31 / 2^63 when large" sequence, float16 -> uint32
 * through the 64-bit conversion. These functions reproduce exactly that (measured against
 * NumPy 2.4 on x86-64; its strided cast loop differs from its own contiguous one for
 * out-of-range float -> uint32, and npaccel follows the contiguous one). */
#ifndef NPACCEL_MATH_H
#define NPACCEL_MATH_H
#include <stdint.h>
#include <math.h>
#ifndef NPA_INLINE   /* npaccel.h defines it: __host__ __device__ under CUDA */
#define NPA_INLINE static inline
#endif

NPA_INLINE int32_t npa_f2i32(double x) {
    return (x > -2147483649.0 && x < 2147483648.0) ? (int32_t)x : INT32_MIN;
}
NPA_INLINE int64_t npa_f2i64(double x) {
    return (x >= -9223372036854775808.0 && x < 9223372036854775808.0) ? (int64_t)x : INT64_MIN;
}
NPA_INLINE int8_t npa_cast_i8(double x) { return (int8_t)npa_f2i32(x); }
NPA_INLINE int16_t npa_cast_i16(double x) { return (int16_t)npa_f2i32(x); }
NPA_INLINE int32_t npa_cast_i32(double x) { return npa_f2i32(x); }
NPA_INLINE int64_t npa_cast_i64(double x) { return npa_f2i64(x); }
NPA_INLINE uint8_t npa_cast_u8(double x) { return (uint8_t)npa_f2i32(x); }
NPA_INLINE uint16_t npa_cast_u16(double x) { return (uint16_t)npa_f2i32(x); }
NPA_INLINE uint32_t npa_cast_u32(double x) {
    return x >= 2147483648.0 ? ((uint32_t)npa_f2i32(x - 2147483648.0) ^ UINT32_C(0x80000000))
                             : (uint32_t)npa_f2i32(x);
}
NPA_INLINE uint32_t npa_cast_u32_h(double x) { return (uint32_t)npa_f2i64(x); }
NPA_INLINE uint64_t npa_cast_u64(double x) {
    return x >= 9223372036854775808.0 ? ((uint64_t)npa_f2i64(x - 9223372036854775808.0) ^ (UINT64_C(1) << 63))
                                      : (uint64_t)npa_f2i64(x);
}

/* ---- ties between +0.0 and -0.0, as NumPy resolves them ----
 * clip keeps x on ties (and a NaN in x or in a bound gives NaN); fmax/fmin keep the first
 * argument (C's fmax does not say, and gcc's vector fmax differs from glibc's); float16
 * maximum/minimum keep the first (npy_half_ge), float32/64 the second (npaccel.h). */
#define npa_clip_lo(x, lo) ((((lo) != (lo)) || (x) < (lo)) && (x) == (x) ? (lo) : (x))
#define npa_clip_hi(x, hi) ((((hi) != (hi)) || (x) > (hi)) && (x) == (x) ? (hi) : (x))
#define npa_clip(x, lo, hi) npa_clip_hi(npa_clip_lo(x, lo), hi)
#define npa_fmax(a, b) (((a) >= (b) || (b) != (b)) ? (a) : (b))
#define npa_fmin(a, b) (((a) <= (b) || (b) != (b)) ? (a) : (b))
#define npa_fmaxf npa_fmax
#define npa_fminf npa_fmin
#define npa_maximum_h(a, b) (((a) >= (b) || (a) != (a)) ? (a) : (b))
#define npa_minimum_h(a, b) (((a) <= (b) || (a) != (a)) ? (a) : (b))

/* ---- NumPy's npy_heaviside, npy_logaddexp, npy_logaddexp2 (npymath) ---- */
#define NPA_MATH_FLOAT(T, SFX, LOGE2, LOG2E)                                        \
NPA_INLINE T npa_heaviside##SFX(T x, T h0) {                                     \
    if (isnan(x)) return (T)NAN;                                                    \
    if (x == 0) return h0;                                                          \
    return x < 0 ? (T)0 : (T)1;                                                     \
}                                                                                   \
NPA_INLINE T npa_logaddexp##SFX(T x, T y) {                                      \
    if (x == y) return x + LOGE2; /* infinities of the same sign */                 \
    T tmp = x - y;                                                                  \
    if (tmp > 0) return x + log1p##SFX(exp##SFX(-tmp));                             \
    if (tmp <= 0) return y + log1p##SFX(exp##SFX(tmp));                             \
    return tmp; /* NaN */                                                           \
}                                                                                   \
NPA_INLINE T npa_logaddexp2##SFX(T x, T y) {                                     \
    if (x == y) return x + 1;                                                       \
    T tmp = x - y;                                                                  \
    if (tmp > 0) return x + LOG2E * log1p##SFX(exp2##SFX(-tmp));                    \
    if (tmp <= 0) return y + LOG2E * log1p##SFX(exp2##SFX(tmp));                    \
    return tmp;                                                                     \
}
NPA_MATH_FLOAT(double, , 0.693147180559945309417232121458176568, 1.442695040888963407359924681001892137)
NPA_MATH_FLOAT(float, f, 0.693147180559945309417232121458176568f, 1.442695040888963407359924681001892137f)

#endif

/* npaccel runtime header: included by every generated CPU kernel library.
 * Semantics follow NumPy 2: integer division and modulo by zero give 0, INT_MIN // -1 wraps,
 * shifts past the width give NumPy's values, NaN propagates through maximum/minimum. */
#ifndef NPACCEL_H
#define NPACCEL_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
/* NPA_CUDA: compiled as CUDA (nvcc defines __CUDACC__; the tests' host emulation of CUDA
 * defines NPA_CUDA itself). The helpers below are then callable from device code too. */
#if defined(__CUDACC__) && !defined(NPA_CUDA)
#define NPA_CUDA 1
#endif
#ifdef NPA_CUDA
#define NPA_INLINE __host__ __device__ static inline
#define NPA_ISLESS(a, b) ((a) < (b))
#define NPA_ISGREATER(a, b) ((a) > (b))
#else
#define NPA_INLINE static inline
#define NPA_ISLESS(a, b) isless(a, b)
#define NPA_ISGREATER(a, b) isgreater(a, b)
#endif
#if defined(_OPENMP) && !defined(NPA_CUDA)
#include <omp.h>
#define NPA_THREAD_NUM() omp_get_thread_num()
#define NPA_NUM_THREADS() omp_get_num_threads()
#else
#define NPA_THREAD_NUM() 0
#define NPA_NUM_THREADS() 1
#endif

#define NPA_MAX_THREADS 1024
/* error codes returned by npaccel_entry; the runtime maps them to NumPy's exceptions */
#define NPA_ERR_NEG_INT_POWER 1
#define NPA_ERR_NOMEM 2
#define NPA_ERR_LOOP_INDEX 4   /* a run-time index outside its dim (IndexError) */
/* 6..10: Python's ZeroDivisionError for Python scalars (the code names the message) */

/* a divisor of Python scalars: itself, or the error ``code`` when it is zero */
NPA_INLINE int64_t npa_nonzero_i(int64_t v, int64_t code, int *err) {
    if (v == 0 && !*err) *err = (int)code;
    return v;
}
NPA_INLINE double npa_nonzero_f(double v, int64_t code, int *err) {
    if (v == 0.0 && !*err) *err = (int)code;
    return v;
}
/* + - * of Python ints: Python's ints do not wrap; past 64 bits, NPA_ERR_PY_INT (the runtime
 * then runs the Python code, or says why it cannot) */
#define NPA_ERR_PY_INT 11
NPA_INLINE int64_t npa_py_add(int64_t a, int64_t b, int *err) {
    int64_t r = (int64_t)((uint64_t)a + (uint64_t)b);
    if (((a ^ r) & (b ^ r)) < 0 && !*err) *err = NPA_ERR_PY_INT;
    return r;
}
NPA_INLINE int64_t npa_py_sub(int64_t a, int64_t b, int *err) {
    int64_t r = (int64_t)((uint64_t)a - (uint64_t)b);
    if (((a ^ b) & (a ^ r)) < 0 && !*err) *err = NPA_ERR_PY_INT;
    return r;
}
/* math.* and ** of Python floats: Python raises where C returns nan or inf (12: ValueError
 * "math domain error", 13: OverflowError "math range error"); int() of a float: 14 NaN, 15 inf */
NPA_INLINE double npa_py_math(double r, double x, int64_t can_overflow, int *err) {
    if (isnan(r) && !isnan(x)) { if (!*err) *err = 12; }
    else if (isinf(r) && isfinite(x)) { if (!*err) *err = can_overflow ? 13 : 12; }
    return r;
}
NPA_INLINE int64_t npa_py_int(double v, int *err) {
    if (isnan(v)) { if (!*err) *err = 14; return 0; }
    if (isinf(v)) { if (!*err) *err = 15; return 0; }
    if (v >= 9223372036854775808.0 || v < -9223372036854775808.0) { if (!*err) *err = NPA_ERR_PY_INT; return 0; }
    return (int64_t)v;
}
NPA_INLINE int64_t npa_py_mul(int64_t a, int64_t b, int *err) {
    int64_t r = (int64_t)((uint64_t)a * (uint64_t)b);
    if (a != 0 && ((a == -1 && b == INT64_MIN) || (b == -1 && a == INT64_MIN) || r / a != b) && !*err)
        *err = NPA_ERR_PY_INT;
    return r;
}

/* << of Python ints: a negative count is ValueError (23); past 64 bits, NPA_ERR_PY_INT */
NPA_INLINE int64_t npa_py_lshift(int64_t a, int64_t b, int *err) {
    if (b < 0) { if (!*err) *err = 23; return 0; }
    if (a == 0) return 0;
    if (b > 63) { if (!*err) *err = NPA_ERR_PY_INT; return 0; }
    int64_t r = (int64_t)((uint64_t)a << b);
    if ((r >> b) != a && !*err) *err = NPA_ERR_PY_INT;
    return r;
}

/* ** of Python ints: exact by squaring, every product checked; a negative exponent gives a
 * float in Python, and past 64 bits a big int: both NPA_ERR_PY_INT (Python runs it) */
NPA_INLINE int64_t npa_py_pow(int64_t a, int64_t b, int *err) {
    if (b < 0) { if (!*err) *err = NPA_ERR_PY_INT; return 0; }
    int64_t r = 1;
    while (b) {
        if (b & 1) r = npa_py_mul(r, a, err);
        b >>= 1;
        if (b) a = npa_py_mul(a, a, err);
    }
    return r;
}

/* NPA_INLINE: the CUDA backend checks indexes on the host and in kernels alike */
NPA_INLINE int64_t npa_check_index(int64_t i, int64_t n, int *err) {
    if (i < -n || i >= n) { *err = NPA_ERR_LOOP_INDEX; return 0; }
    return i < 0 ? i + n : i;
}
/* range(n)[start:stop:step] with bounds known at run time (ir/dims.py SliceDim): Python's
   slice rules (PySlice_AdjustIndices); has_start/has_stop 0 is an omitted bound */
NPA_INLINE int64_t npa_slice_bound(int64_t v, int64_t has, int64_t step, int64_t n, int is_stop) {
    if (!has) return step < 0 ? (is_stop ? -1 : n - 1) : (is_stop ? n : 0);
    if (v < 0) { v += n; if (v < 0) v = step < 0 ? -1 : 0; }
    else if (v >= n) v = step < 0 ? n - 1 : n;
    return v;
}
NPA_INLINE int64_t npa_slice_start(int64_t start, int64_t has_start, int64_t step, int64_t n) {
    return npa_slice_bound(start, has_start, step, n, 0);
}
NPA_INLINE int64_t npa_slice_len(int64_t start, int64_t has_start, int64_t stop, int64_t has_stop,
                                 int64_t step, int64_t n) {
    int64_t a = npa_slice_bound(start, has_start, step, n, 0), b = npa_slice_bound(stop, has_stop, step, n, 1);
    if (step < 0) return b < a ? (a - b - 1) / (-step) + 1 : 0;
    return a < b ? (b - a - 1) / step + 1 : 0;
}
#define NPA_ERR_CHECK 3000   /* 3000 + k: the k-th run-time check inside the program failed (1000s,
                                2000s: CUDA and cuBLAS errors) */


/* ---- vector math ----
 * glibc's libmvec (x86-64) has SIMD versions of these functions, but <math.h> announces
 * them only under -ffast-math, which stays off (it changes results). Declaring them here
 * lets gcc vectorise the `omp simd` loops that call them (_ZGVdN4v_sin: 4 doubles, AVX2;
 * _ZGVeN8v_sin: 8, AVX-512; the loop's remainder calls the scalar function). -lm brings
 * libmvec in: glibc's libm.so is a linker script naming it. Each one was measured against
 * NumPy 2.4 on large random inputs and special values (docs/architecture.md, "Vector
 * math"): within 4 ulp (float64) and 6 ulp (float32), the same NaNs, infinities and signed
 * zeros; the tests' tolerance is 1e-13 / 4e-6 relative. glibc 2.22 has exp, log, sin, cos
 * and pow; 2.35 added the others (declaring one the C library lacks would leave an
 * undefined symbol, so each set is guarded by its version).
 * sin and cos are built with -fno-builtin-sin/-cos (toolchain.py): as builtins, gcc fuses
 * sin(x) and cos(x) of one x into a sincos call, which stops the loop vectorising. The
 * `const` below gives back what the builtins knew: no side effects, so a call on a
 * loop-invariant value is hoisted out of the loop. */
#if defined(__GNUC__) && !defined(NPA_CUDA)
__attribute__((const)) double sin(double);
__attribute__((const)) double cos(double);
__attribute__((const)) float sinf(float);
__attribute__((const)) float cosf(float);
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(_OPENMP) \
    && !defined(NPA_CUDA) && defined(__GLIBC_PREREQ)
#define NPA_SIMD_MATH1(fn) _Pragma("omp declare simd notinbranch") double fn(double); \
                           _Pragma("omp declare simd notinbranch") float fn##f(float);
#define NPA_SIMD_MATH2(fn) _Pragma("omp declare simd notinbranch") double fn(double, double); \
                           _Pragma("omp declare simd notinbranch") float fn##f(float, float);
#if __GLIBC_PREREQ(2, 22)
NPA_SIMD_MATH1(exp) NPA_SIMD_MATH1(log) NPA_SIMD_MATH1(sin) NPA_SIMD_MATH1(cos)
NPA_SIMD_MATH2(pow)
#endif
#if __GLIBC_PREREQ(2, 35)
NPA_SIMD_MATH1(tan) NPA_SIMD_MATH1(asin) NPA_SIMD_MATH1(acos) NPA_SIMD_MATH1(atan)
NPA_SIMD_MATH1(sinh) NPA_SIMD_MATH1(cosh) NPA_SIMD_MATH1(tanh)
NPA_SIMD_MATH1(asinh) NPA_SIMD_MATH1(acosh) NPA_SIMD_MATH1(atanh)
NPA_SIMD_MATH1(exp2) NPA_SIMD_MATH1(expm1) NPA_SIMD_MATH1(log2) NPA_SIMD_MATH1(log10)
NPA_SIMD_MATH1(log1p) NPA_SIMD_MATH1(cbrt)
NPA_SIMD_MATH2(atan2) NPA_SIMD_MATH2(hypot)
#endif
#undef NPA_SIMD_MATH1
#undef NPA_SIMD_MATH2
#endif

/* ---- floating floor division and remainder: NumPy's npy_divmod ---- */
#define NPA_DIVMOD_FLOAT(T, SFX)                                                  \
NPA_INLINE T npa_divmod_##SFX(T a, T b, T *modulus) {                          \
    T mod = fmod##SFX(a, b);                                                      \
    if (!b) { *modulus = mod; return a / b; }                                     \
    T div = (a - mod) / b;                                                        \
    if (mod) { if (NPA_ISLESS(b, 0) != NPA_ISLESS(mod, 0)) { mod += b; div -= (T)1; } }   \
    else { mod = copysign##SFX((T)0, b); }                                        \
    T floordiv;                                                                   \
    if (div) { floordiv = floor##SFX(div); if (NPA_ISGREATER(div - floordiv, (T)0.5)) floordiv += (T)1; } \
    else { floordiv = copysign##SFX((T)0, a / b); }                               \
    *modulus = mod;                                                               \
    return floordiv;                                                              \
}                                                                                 \
NPA_INLINE T npa_floordiv_##SFX(T a, T b) { T m; return npa_divmod_##SFX(a, b, &m); } \
NPA_INLINE T npa_remainder_##SFX(T a, T b) {                                   \
    T m; if (!b) return fmod##SFX(a, b); npa_divmod_##SFX(a, b, &m); return m; }
#define fmodd fmod
#define copysignd copysign
#define floord floor
NPA_DIVMOD_FLOAT(double, d)
NPA_DIVMOD_FLOAT(float, f)

/* ---- integer floor division, remainder, fmod, power, shifts ---- */
#define NPA_INT_SIGNED(T, SFX, MIN)                                                \
NPA_INLINE T npa_floordiv_##SFX(T a, T b) {                                     \
    if (b == 0) return 0;                                                          \
    if (b == -1) return (T)(0 - (uint64_t)a); /* MIN // -1 wraps */                \
    T q = a / b;                                                                   \
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;                                 \
    return q;                                                                      \
}                                                                                  \
NPA_INLINE T npa_remainder_##SFX(T a, T b) {                                    \
    if (b == 0 || b == -1) return 0;                                               \
    T r = a % b;                                                                   \
    if (r != 0 && ((r < 0) != (b < 0))) r += b;                                    \
    return r;                                                                      \
}                                                                                  \
NPA_INLINE T npa_fmod_##SFX(T a, T b) {                                         \
    if (b == 0 || b == -1) return 0;                                               \
    return a % b;                                                                  \
}                                                                                  \
NPA_INLINE T npa_power_##SFX(T a, T b, int *err) {                              \
    if (b < 0) { *err = NPA_ERR_NEG_INT_POWER; return 0; }                         \
    uint64_t r = 1, base = (uint64_t)a, e = (uint64_t)b;                           \
    while (e) { if (e & 1) r *= base; base *= base; e >>= 1; }                     \
    return (T)r;                                                                   \
}                                                                                  \
NPA_INLINE T npa_lshift_##SFX(T a, T b) {                                       \
    if (b < 0 || b >= (T)(sizeof(T) * 8)) return 0;                                \
    return (T)((uint64_t)a << b);                                                  \
}                                                                                  \
NPA_INLINE T npa_rshift_##SFX(T a, T b) {                                       \
    if (b < 0 || b >= (T)(sizeof(T) * 8)) return a < 0 ? -1 : 0;                  \
    return (T)(a >> b);                                                            \
}
#define NPA_INT_UNSIGNED(T, SFX)                                                   \
NPA_INLINE T npa_floordiv_##SFX(T a, T b) { return b == 0 ? 0 : a / b; }        \
NPA_INLINE T npa_remainder_##SFX(T a, T b) { return b == 0 ? 0 : a % b; }       \
NPA_INLINE T npa_fmod_##SFX(T a, T b) { return b == 0 ? 0 : a % b; }            \
NPA_INLINE T npa_power_##SFX(T a, T b, int *err) {                              \
    (void)err; uint64_t r = 1, base = a, e = b;                                    \
    while (e) { if (e & 1) r *= base; base *= base; e >>= 1; }                     \
    return (T)r;                                                                   \
}                                                                                  \
NPA_INLINE T npa_lshift_##SFX(T a, T b) {                                       \
    if (b >= (T)(sizeof(T) * 8)) return 0;                                         \
    return (T)((uint64_t)a << b);                                                  \
}                                                                                  \
NPA_INLINE T npa_rshift_##SFX(T a, T b) {                                       \
    if (b >= (T)(sizeof(T) * 8)) return 0;                                         \
    return (T)(a >> b);                                                            \
}
NPA_INT_SIGNED(int8_t, i8, INT8_MIN)
NPA_INT_SIGNED(int16_t, i16, INT16_MIN)
NPA_INT_SIGNED(int32_t, i32, INT32_MIN)
NPA_INT_SIGNED(int64_t, i64, INT64_MIN)
NPA_INT_UNSIGNED(uint8_t, u8)
NPA_INT_UNSIGNED(uint16_t, u16)
NPA_INT_UNSIGNED(uint32_t, u32)
NPA_INT_UNSIGNED(uint64_t, u64)

/* ---- NaN-propagating maximum/minimum with NumPy's choice on ties (the second) ---- */
#define npa_maximum(a, b) (((a) > (b) || (a) != (a)) ? (a) : (b))
#define npa_minimum(a, b) (((a) < (b) || (a) != (a)) ? (a) : (b))
#define npa_sign(a) ((a) > 0 ? 1 : ((a) < 0 ? -1 : ((a) == 0 ? 0 : (a))))

/* float -> int casts, heaviside, logaddexp/logaddexp2 as NumPy computes them */
#include "npaccel_math.h"
#ifndef NPA_CUDA
/* complex64/complex128: NumPy's complex loops (the CUDA backend leaves complex to the CPU) */
#include "npaccel_complex.h"
#endif
/* matrix products: BLAS entry points registered at load time, loops below the crossover */
#include "npaccel_blas.h"

#ifdef NPA_CUDA
/* pool slots of the CUDA backend are device memory (cudaFree'd by the generated entry) */
static inline void *npa_pool_alloc(size_t bytes) {
    void *p = NULL;
    return cudaMalloc(&p, bytes ? bytes : 1) == cudaSuccess ? p : NULL;
}
#else
#define npa_pool_alloc npa_malloc
#endif
/* A pool slot no live pointer points at (allocated on first use), for array values that
   loops rebind: a value written there cannot clobber one still reachable by a name. */
static inline void *npa_pick(void **pool, int n, const void *const *live, int m, size_t bytes) {
    for (int pass = 0; pass < 2; pass++) {
        for (int s = 0; s < n; s++) {
            if ((pool[s] == NULL) != (pass == 1)) continue;
            int used = 0;
            for (int j = 0; j < m && pool[s]; j++) used |= (live[j] == pool[s]);
            if (used) continue;
            if (!pool[s]) pool[s] = npa_pool_alloc(bytes);
            return pool[s];
        }
    }
    return NULL;
}


#ifndef NPA_CUDA    /* (host memory: the CUDA backend leaves such shapes to the CPU) */
/* npa_pick for arrays whose shape changes with a loop counter: a slot no live pointer points
   at, allocated again when it is smaller than ``bytes`` (its old contents are dead) */
static inline void *npa_pick_sized(void **pool, size_t *caps, int n, const void *const *live, int m, size_t bytes) {
    if (bytes == 0) bytes = 1;
    for (int s = 0; s < n; s++) {
        int used = 0;
        for (int j = 0; j < m && pool[s]; j++) used |= (live[j] == pool[s]);
        if (used) continue;
        if (!pool[s] || caps[s] < bytes) {
            free(pool[s]);
            pool[s] = npa_malloc(bytes);
            caps[s] = pool[s] ? bytes : 0;
        }
        return pool[s];
    }
    return NULL;
}
/* a buffer whose size changes from one iteration to the next (a shape that depends on a
   loop counter): at least ``bytes``, its contents not kept */
static inline int npa_grow(void **p, size_t *cap, size_t bytes) {
    if (bytes <= *cap && *p) return 1;
    if (bytes < 64) bytes = 64;
    void *q = npa_malloc(bytes);
    if (!q) return 0;
    free(*p);
    *p = q;
    *cap = bytes;
    return 1;
}
#endif

#endif

/* npaccel CUDA runtime header: included by every generated CUDA kernel library (CUDA C++,
 * built by nvcc). It brings in npaccel.h, whose helpers are __host__ __device__ under CUDA,
 * so integer division by zero, NaN-propagating maximum/minimum and NumPy's casts behave
 * exactly as in the CPU backend.
 *
 * The host entry point returns 0, one of npaccel.h's NPA_ERR_* codes, or
 * NPA_ERR_CUDA_BASE + a cudaError_t; the runtime names the CUDA error from that code. */
#ifndef NPACCEL_CUDA_H
#define NPACCEL_CUDA_H
#ifndef NPA_CUDA
#define NPA_CUDA 1
#endif
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include "npaccel.h"

#define NPA_ERR_CUDA_BASE 1000

/* threads per block (a multiple of the warp size: the reductions rely on it) */
#ifndef NPA_BLOCK
#define NPA_BLOCK 256
#endif
/* grid-stride kernels use at most this many blocks */
#ifndef NPA_MAX_BLOCKS
#define NPA_MAX_BLOCKS 65535
#endif
/* blocks of the first pass of a full reduction: its partial results, one per block, are
 * combined by a second, one-block pass */
#ifndef NPA_REDUCE_BLOCKS
#define NPA_REDUCE_BLOCKS 1024
#endif
/* per-axis reductions: one thread per output when there are at least this many outputs
 * (or few elements per output), else one block per output */
#ifndef NPA_THREAD_PER_OUTPUT_MIN
#define NPA_THREAD_PER_OUTPUT_MIN 4096
#endif

/* linear indexes below this (plus a grid's stride) fit 32 bits: kernels that split them
 * into loop indexes then divide in 32 bits */
#define NPA_FITS32(n) ((int64_t)(n) <= (int64_t)0x7f000000)

#ifndef NPA_LAUNCH
#define NPA_LAUNCH(kernel, grid, block) kernel<<<(grid), (block)>>>
#endif

/* restrict is C99; CUDA C++ spells it __restrict__ (the generated prologue is shared with C) */
#define restrict __restrict__

static inline unsigned npa_blocks(int64_t n, int64_t cap) {
    int64_t b = (n + NPA_BLOCK - 1) / NPA_BLOCK;
    return (unsigned)(b < 1 ? 1 : (b > cap ? cap : b));
}

/* float16: a __half in memory, float in arithmetic. Only conversions, no operators: an
 * expression over npa_half values is computed in float (each op's result is rounded back
 * to half where the generated code stores it in an npa_half), as NumPy's half loops are.
 * Conversions from double and from integers round once, straight to half. */
struct npa_half {
    __half h;
    npa_half() = default;
    __host__ __device__ npa_half(float f) : h(__float2half_rn(f)) {}
    __host__ __device__ npa_half(double d) : h(__double2half(d)) {}
    template <typename T>
    __host__ __device__ npa_half(T v) : h(__double2half((double)v)) {}
    __host__ __device__ operator float() const { return __half2float(h); }
};

/* __shfl_down_sync for any trivially copyable type of at most 8 bytes */
template <typename T>
__device__ inline T npa_shfl_down(T v, int delta) {
    static_assert(sizeof(T) <= 8, "npa_shfl_down: at most 8 bytes");
    if constexpr (sizeof(T) <= 4) {
        unsigned u = 0;
        memcpy(&u, &v, sizeof(T));
        u = __shfl_down_sync(0xffffffffu, u, delta);
        T r;
        memcpy(&r, &u, sizeof(T));
        return r;
    } else {
        unsigned long long u = 0;
        memcpy(&u, &v, sizeof(T));
        u = __shfl_down_sync(0xffffffffu, u, delta);
        T r;
        memcpy(&r, &u, sizeof(T));
        return r;
    }
}

#endif

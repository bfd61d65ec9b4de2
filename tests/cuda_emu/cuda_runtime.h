/* A host emulation of the part of CUDA that npaccel's generated code and runtime helper use,
 * so that the generated CUDA C++ runs, unchanged, on a machine without a GPU (tests only).
 *
 * Compiled with g++ -std=c++20 -DNPA_CUDA. "Device memory" is host memory. A launch runs
 * the grid's blocks one after another; the threads of a block are real threads, so
 * __syncthreads (a barrier per block) and __shfl_down_sync (an exchange per warp of 32)
 * behave as on a GPU, including the requirement that every thread of the block (warp)
 * takes part: code that breaks it deadlocks here as it would misbehave there.
 * What this cannot check: device math accuracy, timing, memory coalescing, and anything
 * the real compiler does differently (that is what the cuda_compile tests with nvcc and
 * the gpu tests on a device are for). */
#ifndef NPA_EMU_CUDA_RUNTIME_H
#define NPA_EMU_CUDA_RUNTIME_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <barrier>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
/* one instance per kernel function, shared by the threads of the running block (blocks run
 * one at a time) */
#define __shared__ static

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace npa_emu {
struct Block {
    std::unique_ptr<std::barrier<>> all;
    std::vector<std::unique_ptr<std::barrier<>>> warps;
    std::vector<unsigned long long> slots;
};
inline thread_local dim3 tidx, bidx, bdim, gdim;
inline thread_local Block *block = nullptr;
inline std::mutex atomics;

template <typename K>
struct Launcher {
    K kernel;
    dim3 grid, threads;
    template <typename... A>
    void operator()(A... args) const {
        for (unsigned b = 0; b < grid.x; b++) {
            Block blk;
            blk.all = std::make_unique<std::barrier<>>(threads.x);
            for (unsigned w = 0; w * 32 < threads.x; w++)
                blk.warps.push_back(std::make_unique<std::barrier<>>(
                    threads.x - w * 32 < 32 ? threads.x - w * 32 : 32));
            blk.slots.assign(threads.x, 0);
            std::vector<std::thread> pool;
            for (unsigned t = 0; t < threads.x; t++) {
                pool.emplace_back([&, t, b]() {
                    tidx = dim3(t), bidx = dim3(b), bdim = threads, gdim = grid, block = &blk;
                    kernel(args...);
                    blk.all->arrive_and_drop();          /* an exited thread no longer counts */
                    blk.warps[t / 32]->arrive_and_drop();
                });
            }
            for (auto &th : pool) th.join();
        }
    }
};
}  // namespace npa_emu

#define threadIdx (npa_emu::tidx)
#define blockIdx (npa_emu::bidx)
#define blockDim (npa_emu::bdim)
#define gridDim (npa_emu::gdim)
#define NPA_LAUNCH(kernel, grid, block) (npa_emu::Launcher<decltype(&kernel)>{&kernel, dim3(grid), dim3(block)})

inline void __syncthreads() { npa_emu::block->all->arrive_and_wait(); }

template <typename T>
inline T __shfl_down_sync(unsigned mask, T v, unsigned delta) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    (void)mask;
    npa_emu::Block *blk = npa_emu::block;
    const unsigned t = npa_emu::tidx.x, lane = t % 32, warp = t / 32;
    unsigned long long bits = 0;
    memcpy(&bits, &v, sizeof(T));
    blk->slots[t] = bits;
    blk->warps[warp]->arrive_and_wait();
    unsigned long long got = (lane + delta < 32 && t + delta < blk->slots.size()) ? blk->slots[t + delta] : bits;
    blk->warps[warp]->arrive_and_wait();
    T r;
    memcpy(&r, &got, sizeof(T));
    return r;
}

inline int atomicMax(int *p, int v) {
    std::lock_guard<std::mutex> g(npa_emu::atomics);
    int old = *p;
    if (v > old) *p = v;
    return old;
}

/* ---- UndefinedBehaviorSanitizer handlers: the tests compile with -fsanitize=... and
 * NPA_EMU_UB_LOG naming a file; every report is appended there (file:line:column: what)
 * and execution goes on, so a test can require the file to stay empty. */
#ifdef NPA_EMU_UB_LOG
#include <stdio.h>
struct npa_emu_source_location { const char *file; unsigned line, column; };
static void npa_emu_ub(void *data, const char *what) {
    const npa_emu_source_location *loc = (const npa_emu_source_location *)data;
    std::lock_guard<std::mutex> g(npa_emu::atomics);
    FILE *f = fopen(NPA_EMU_UB_LOG, "a");
    if (f) { fprintf(f, "%s:%u:%u: %s\n", loc->file, loc->line, loc->column, what); fclose(f); }
}
#define NPA_EMU_UB_HANDLER2(name, what)                                                        \
    extern "C" void __ubsan_handle_##name(void *d, void *, void *) { npa_emu_ub(d, what); }    \
    extern "C" void __ubsan_handle_##name##_abort(void *d, void *, void *) { npa_emu_ub(d, what); }
#define NPA_EMU_UB_HANDLER1(name, what)                                                        \
    extern "C" void __ubsan_handle_##name(void *d, void *) { npa_emu_ub(d, what); }            \
    extern "C" void __ubsan_handle_##name##_abort(void *d, void *) { npa_emu_ub(d, what); }
NPA_EMU_UB_HANDLER2(add_overflow, "signed integer overflow in +")
NPA_EMU_UB_HANDLER2(sub_overflow, "signed integer overflow in -")
NPA_EMU_UB_HANDLER2(mul_overflow, "signed integer overflow in *")
NPA_EMU_UB_HANDLER2(divrem_overflow, "integer division overflow or by zero")
NPA_EMU_UB_HANDLER2(shift_out_of_bounds, "shift out of bounds")
NPA_EMU_UB_HANDLER1(negate_overflow, "signed integer overflow in unary -")
NPA_EMU_UB_HANDLER1(float_cast_overflow, "float to integer conversion out of range")
#endif

/* ---- runtime API ---- */
typedef enum cudaError {
    cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2,
    cudaErrorNoDevice = 100,
} cudaError_t;
enum cudaMemcpyKind { cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2,
                      cudaMemcpyDeviceToDevice = 3, cudaMemcpyDefault = 4 };
enum cudaDeviceAttr { cudaDevAttrComputeCapabilityMajor = 75, cudaDevAttrComputeCapabilityMinor = 76 };
typedef struct CUstream_st *cudaStream_t;

inline cudaError_t cudaMalloc(void **p, size_t n) {
    *p = calloc(n ? n : 1, 1);   /* zeroed: reading memory the kernels never wrote shows up as 0 */
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaFree(void *p) { free(p); return cudaSuccess; }
inline cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, cudaMemcpyKind) {
    memmove(dst, src, n);
    return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void *p, int v, size_t n, cudaStream_t = 0) { memset(p, v, n); return cudaSuccess; }
inline cudaError_t cudaGetLastError(void) { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaGetDeviceCount(int *n) { *n = 1; return cudaSuccess; }
inline cudaError_t cudaGetDevice(int *d) { *d = 0; return cudaSuccess; }
inline cudaError_t cudaDeviceGetAttribute(int *v, cudaDeviceAttr a, int) {
    *v = a == cudaDevAttrComputeCapabilityMajor ? 8 : 0;
    return cudaSuccess;
}
inline cudaError_t cudaRuntimeGetVersion(int *v) { *v = 13000; return cudaSuccess; }
inline cudaError_t cudaDriverGetVersion(int *v) { *v = 13000; return cudaSuccess; }
inline const char *cudaGetErrorName(cudaError_t e) {
    switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    }
    return "cudaErrorUnknown";
}
inline const char *cudaGetErrorString(cudaError_t e) { return e ? "emulated CUDA error" : "no error"; }
#endif

"""Where the BLAS call starts to beat npaccel's own matrix-product loop (npaccel_blas.h).

    python -m benchmarks.blas_crossover            # square gemm, gemv and dot, float64/32

Builds a tiny library with the generated code's flags that calls ``npa_matmul_<t>`` (BLAS
from NumPy's OpenBLAS, registered as the runtime does) and ``npa_matmul_loop_<t>`` (the
loop used below NPA_MATMUL_BLAS_MIN and without a BLAS), and prints the best of 5 per size.
The result is written down in docs/architecture.md ("Library calls").
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_SOURCE = r"""
#include "npaccel.h"
#define RUN(SFX, T) \
int run_##SFX(int loop, int nt, int64_t M, int64_t N, int64_t K, const T *A, const T *B, T *C, int reps) { \
    int rc = 0; \
    for (int r = 0; r < reps; r++) { \
        if (loop) npa_matmul_loop_##SFX(nt, M, N, K, A, K, 1, B, N, 1, C, N, 1); \
        else rc |= npa_matmul_##SFX(nt, M, N, K, A, K, 1, B, N, 1, C, N, 1); \
    } \
    return rc; \
}
RUN(f64, double)
RUN(f32, float)
"""


def build():
    import cffi

    from npaccel.build.driver import run_compiler
    from npaccel.build.cc import c_command
    from npaccel.build.toolchain import find_c_compiler
    from npaccel.build.blas import blas_table
    work = Path(tempfile.mkdtemp(prefix="npaccel-crossover-"))
    src, out = work / "x.c", work / "x.so"
    # NPA_MATMUL_BLAS_MIN=0: every size goes to the BLAS, to compare it with the loop
    src.write_text("#define NPA_MATMUL_BLAS_MIN 0\n" + _SOURCE)
    run_compiler(c_command(find_c_compiler(), src, out), source=src.read_text(), source_file=src,
                 output=out, what="C compiler")
    ffi = cffi.FFI()
    ffi.cdef("int npaccel_blas_init(const int64_t *table, int64_t n);" + "".join(
        f"int run_{s}(int loop, int nt, int64_t M, int64_t N, int64_t K, const {t} *A, const {t} *B, "
        f"{t} *C, int reps);" for s, t in (("f64", "double"), ("f32", "float"))))
    lib = ffi.dlopen(str(out))
    table = blas_table()
    lib.npaccel_blas_init(ffi.new("int64_t[]", table), len(table))
    return ffi, lib


def best(fn, reps):
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) / reps


def main():
    from npaccel.config import get_config
    ffi, lib = build()
    nt = get_config().num_threads
    print(f"threads: {nt}")
    print(f"{'dtype':8s} {'kind':6s} {'M':>6s} {'N':>6s} {'K':>6s} {'MACs':>10s} {'loop us':>10s} {'BLAS us':>10s}")
    for dt, ct, fn in ((np.float64, "double *", lib.run_f64), (np.float32, "float *", lib.run_f32)):
        cases = [("gemm", n, n, n) for n in (2, 3, 4, 6, 8, 16, 32, 64, 128)]
        cases += [("gemv", n, 1, n) for n in (4, 8, 16, 64, 256)]
        cases += [("dot", 1, 1, n) for n in (4, 16, 64, 256, 4096)]
        for kind, m, n, k in cases:
            a = np.random.rand(m, k).astype(dt)
            b = np.random.rand(k, n).astype(dt)
            c = np.empty((m, n), dt)
            pa, pb, pc = (ffi.cast(ct, x.ctypes.data) for x in (a, b, c))
            reps = max(1, int(2e6 / (m * n * k)))
            t_loop = best(lambda: fn(1, nt, m, n, k, pa, pb, pc, reps), reps)
            t_blas = best(lambda: fn(0, nt, m, n, k, pa, pb, pc, reps), reps)
            print(f"{np.dtype(dt).name:8s} {kind:6s} {m:6d} {n:6d} {k:6d} {m * n * k:10d} "
                  f"{t_loop * 1e6:10.3f} {t_blas * 1e6:10.3f}")


if __name__ == "__main__":
    main()

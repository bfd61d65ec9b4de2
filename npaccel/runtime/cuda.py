"""The CUDA runtime as npaccel uses it: a tiny nvcc-built helper library, loaded by cffi.

Device memory, copies, the device's compute capability and CUDA error names come from
``npaccel-cuda-runtime``, a shared object built once by nvcc from ``HELPER_SOURCE`` with
the CUDA runtime linked in statically and cached like any artefact. No Python CUDA binding
(pycuda, cuda-python, CuPy) is needed; the only run-time requirement is the driver
(libcuda). Kernel libraries link their own static copy of the runtime; all copies share
the device's primary context, so a pointer from one is valid in the others (and in CuPy,
PyTorch or PyCUDA, which use the primary context too).

cuBLAS is not linked into anything: the helper dlopens the libcublas that ``find_cublas``
finds (the toolkit's, the system's or the nvidia-cublas wheel's) on the first matrix
product, creates the process's one handle and hands kernel libraries a table of entry
points (runtime_c/npaccel_cuda_blas.h), as the CPU backend does with the BLAS. Without
one, products run npaccel's own CUDA kernel (one CublasWarning says so).

Nothing here is imported by ``import npaccel``; the first use builds or loads the helper.
"""
from __future__ import annotations

import ctypes.util
import logging
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cffi
import numpy as np

from ..errors import CompileError, TargetUnavailable

log = logging.getLogger("npaccel")

NPA_ERR_CUDA_BASE = 1000   # runtime_c/npaccel_cuda.h
NPA_ERR_CUBLAS_BASE = 2000   # runtime_c/npaccel_cuda_blas.h
# entry points of the table handed to kernel libraries, after the handle (npaccel_cuda_blas.h)
CUBLAS_SYMBOLS = ("cublasSgemmStridedBatched", "cublasDgemmStridedBatched")

HELPER_SOURCE = r"""/* npaccel CUDA runtime helper: device memory and device queries for the Python side */
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
extern "C" {
/* cuBLAS from `path`, loaded once, and the process's one handle (on the current device,
 * legacy default stream): table[0] = handle, then the entry points named in `names`.
 * Returns 0, -1 (no such library), -2 (no cublasCreate_v2) or cublasCreate's status. */
int npa_cuda_cublas(const char *path, const char *const *names, int n, int64_t *table) {
    static void *lib = NULL, *handle = NULL;
    if (!lib && !(lib = dlopen(path, RTLD_NOW | RTLD_LOCAL))) return -1;
    if (!handle) {
        int (*create)(void **) = (int (*)(void **))dlsym(lib, "cublasCreate_v2");
        if (!create) return -2;
        const int status = create(&handle);
        if (status) { handle = NULL; return status; }
    }
    table[0] = (int64_t)(intptr_t)handle;
    for (int i = 0; i < n; i++) table[i + 1] = (int64_t)(intptr_t)dlsym(lib, names[i]);
    return 0;
}
int npa_cuda_device_count(int *n) { *n = 0; return (int)cudaGetDeviceCount(n); }
int npa_cuda_get_device(int *dev) { return (int)cudaGetDevice(dev); }
int npa_cuda_capability(int dev, int *major, int *minor) {
    cudaError_t e = cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, dev);
    if (e != cudaSuccess) return (int)e;
    return (int)cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, dev);
}
int npa_cuda_malloc(uintptr_t *p, size_t n) {
    void *q = NULL;
    cudaError_t e = cudaMalloc(&q, n ? n : 1);
    *p = (uintptr_t)q;
    return (int)e;
}
int npa_cuda_free(uintptr_t p) { return (int)cudaFree((void *)p); }
int npa_cuda_htod(uintptr_t dst, const void *src, size_t n) {
    return (int)cudaMemcpy((void *)dst, src, n, cudaMemcpyHostToDevice);
}
int npa_cuda_dtoh(void *dst, uintptr_t src, size_t n) {
    return (int)cudaMemcpy(dst, (const void *)src, n, cudaMemcpyDeviceToHost);
}
int npa_cuda_synchronize(void) { return (int)cudaDeviceSynchronize(); }
int npa_cuda_stream_synchronize(uintptr_t stream) { return (int)cudaStreamSynchronize((cudaStream_t)stream); }
const char *npa_cuda_error_name(int e) { return cudaGetErrorName((cudaError_t)e); }
const char *npa_cuda_error_string(int e) { return cudaGetErrorString((cudaError_t)e); }
int npa_cuda_runtime_version(int *v) { return (int)cudaRuntimeGetVersion(v); }
int npa_cuda_driver_version(int *v) { return (int)cudaDriverGetVersion(v); }
}
"""

CDEF = """
int npa_cuda_device_count(int *n);
int npa_cuda_get_device(int *dev);
int npa_cuda_capability(int dev, int *major, int *minor);
int npa_cuda_malloc(uintptr_t *p, size_t n);
int npa_cuda_free(uintptr_t p);
int npa_cuda_htod(uintptr_t dst, const void *src, size_t n);
int npa_cuda_dtoh(void *dst, uintptr_t src, size_t n);
int npa_cuda_synchronize(void);
int npa_cuda_stream_synchronize(uintptr_t stream);
const char *npa_cuda_error_name(int e);
const char *npa_cuda_error_string(int e);
int npa_cuda_runtime_version(int *v);
int npa_cuda_driver_version(int *v);
int npa_cuda_cublas(const char *path, const char *const *names, int n, int64_t *table);
int npaccel_cuda_entry(const int64_t *I, const double *F);
int npaccel_cuda_blas_init(const int64_t *table, int64_t n);
"""

ffi = cffi.FFI()
ffi.cdef(CDEF)


class CublasWarning(UserWarning):
    """No cuBLAS: GPU matrix products run npaccel's own (slower) kernel."""


class CudaError(RuntimeError):
    """A CUDA runtime call failed; the message names the CUDA error."""

    def __init__(self, what, code, name, text):
        self.code, self.name = code, name
        super().__init__(f"CUDA error {name} ({code}) in {what}: {text}")


@dataclass
class CudaRuntime:
    lib: object
    path: str
    _cublas: list = field(default=None, repr=False)

    def error(self, what, code) -> CudaError:
        name = ffi.string(self.lib.npa_cuda_error_name(code)).decode(errors="replace")
        text = ffi.string(self.lib.npa_cuda_error_string(code)).decode(errors="replace")
        return CudaError(what, code, name, text)

    def check(self, what, code):
        if code:
            raise self.error(what, code)

    def device_count(self) -> int:
        n = ffi.new("int *")
        self.check("cudaGetDeviceCount", self.lib.npa_cuda_device_count(n))
        return n[0]

    def capability(self) -> tuple[int, int]:
        dev, major, minor = ffi.new("int *"), ffi.new("int *"), ffi.new("int *")
        self.check("cudaGetDevice", self.lib.npa_cuda_get_device(dev))
        self.check("cudaDeviceGetAttribute", self.lib.npa_cuda_capability(dev[0], major, minor))
        return major[0], minor[0]

    def malloc(self, nbytes) -> int:
        p = ffi.new("uintptr_t *")
        self.check(f"cudaMalloc({nbytes} bytes)", self.lib.npa_cuda_malloc(p, nbytes))
        return int(p[0])

    def free(self, ptr):
        self.check("cudaFree", self.lib.npa_cuda_free(ptr))

    def htod(self, dst, array: np.ndarray):
        if array.nbytes:
            self.check("cudaMemcpy host to device",
                       self.lib.npa_cuda_htod(dst, ffi.from_buffer(array), array.nbytes))

    def dtoh(self, array: np.ndarray, src):
        if array.nbytes:
            self.check("cudaMemcpy device to host",
                       self.lib.npa_cuda_dtoh(ffi.from_buffer(array), src, array.nbytes))

    def stream_synchronize(self, stream):
        self.check("cudaStreamSynchronize", self.lib.npa_cuda_stream_synchronize(stream))

    def synchronize(self):
        self.check("cudaDeviceSynchronize", self.lib.npa_cuda_synchronize())

    def cublas_table(self) -> list:
        """[handle, entry points...] for kernel libraries (zeros: no cuBLAS, products run
        npaccel's kernel; one CublasWarning says why)."""
        with _lock:
            if self._cublas is None:
                path, table = find_cublas(), [0] * (len(CUBLAS_SYMBOLS) + 1)
                why = "no libcublas found (CUDA toolkit, system libraries, nvidia-cublas wheel)"
                if path:
                    out = ffi.new("int64_t[]", len(table))
                    names = [ffi.new("char[]", n.encode()) for n in CUBLAS_SYMBOLS]
                    rc = self.lib.npa_cuda_cublas(path.encode(), ffi.new("char *[]", names), len(names), out)
                    if rc == 0 and all(out[i] for i in range(len(table))):
                        table = list(out)
                        log.info("cuBLAS: %s", path)
                    else:
                        why = f"{path} could not be used (status {rc})"
                if not table[0]:
                    warnings.warn(CublasWarning(f"npaccel: {why}; float32/float64 matrix products on the GPU "
                                                "run npaccel's own kernel"), stacklevel=4)
                self._cublas = table
            return self._cublas

    def bind_cublas(self, lib):
        """Give kernel library ``lib`` (it has matrix products) the cuBLAS table."""
        table = self.cublas_table()
        lib.npaccel_cuda_blas_init(ffi.new("int64_t[]", table), len(table))

    def kernel_error(self, code) -> Exception:
        """The exception for a non-zero return of a generated CUDA entry point."""
        if code >= NPA_ERR_CUBLAS_BASE:
            return RuntimeError(f"cuBLAS error: status {code - NPA_ERR_CUBLAS_BASE} in a matrix product "
                                "of a generated CUDA kernel library")
        if code >= NPA_ERR_CUDA_BASE:
            return self.error("a generated CUDA kernel library", code - NPA_ERR_CUDA_BASE)
        from .marshal import _ERRORS
        exc, message = _ERRORS.get(code, (RuntimeError, f"npaccel kernel failed with code {code}"))
        return exc(message)


_lock = threading.Lock()
_runtimes: dict = {}
_usable: dict = {}


def helper_key(nvcc) -> str:
    from ..version import __version__
    from ..build.nvcc import default_arch, nvcc_flags
    from ..cache.key import make_key
    return make_key({"what": "npaccel-cuda-runtime", "npaccel": __version__, "source": HELPER_SOURCE,
                     "compiler": [nvcc.path, nvcc.version], "flags": list(nvcc_flags(default_arch(nvcc))),
                     "target": "cuda"})


def cuda_runtime(nvcc=None) -> CudaRuntime:
    """The loaded helper library (built by nvcc on first use, then from the cache)."""
    from ..build import nvcc as nvcc_mod
    from ..cache.store import default_store
    nvcc = nvcc or nvcc_mod.find_nvcc()
    if nvcc is None:
        raise TargetUnavailable("CUDA: nvcc not found (looked at NPACCEL_NVCC, nvcc on PATH, "
                                "$CUDA_HOME/bin/nvcc)")
    with _lock:
        rt = _runtimes.get(nvcc)
        if rt is None:
            arch = nvcc_mod.default_arch(nvcc)
            path, _ = default_store().get_or_build(
                helper_key(nvcc), lambda workdir: nvcc_mod.compile_cuda_shared(HELPER_SOURCE, workdir, nvcc, arch),
                source=HELPER_SOURCE, meta={"function": "<npaccel CUDA runtime helper>",
                                            "module": __name__, "signature": "", "target": "cuda"})
            rt = CudaRuntime(ffi.dlopen(str(path)), str(path))
            _runtimes[nvcc] = rt
        return rt


def cuda_usable(every_reason=True) -> tuple[bool, str]:
    """(True, device description) when kernels can be built and run here, else (False,
    what is missing). Cheap checks first: no CUDA library is loaded when they fail.
    ``every_reason=False`` (target="auto", a new process's first call): without a GPU, nvcc
    is not looked for (running it costs milliseconds), so the answer names the GPU only."""
    from ..build.devices import gpu_status
    from ..build.nvcc import find_nvcc
    from ..config import get_config
    gpu = gpu_status()
    if not gpu.available and not every_reason:
        return False, f"no usable CUDA device ({gpu.detail})"
    nvcc = find_nvcc()
    missing = []
    if nvcc is None:
        missing.append("nvcc not found (looked at NPACCEL_NVCC, nvcc on PATH, $CUDA_HOME/bin/nvcc)")
    if not gpu.available:
        missing.append(f"no usable CUDA device ({gpu.detail})")
    if missing:
        return False, "; ".join(missing)
    token = (nvcc, get_config().cache_dir)
    with _lock:
        if token in _usable:
            return _usable[token]
    try:
        rt = cuda_runtime(nvcc)
        n = rt.device_count()
        result = (n > 0, f"{n} CUDA device(s): {', '.join(gpu.devices)}" if n else
                  "the CUDA runtime reports no device")
    except CudaError as exc:
        result = (False, f"the CUDA runtime cannot use the GPU: {exc}")
    except CompileError as exc:
        result = (False, f"nvcc could not build npaccel's CUDA runtime helper: {str(exc).splitlines()[0]}")
    with _lock:
        _usable[token] = result
    return result


def device_arch(rt: CudaRuntime, nvcc) -> str:
    from ..build.nvcc import arch_for_capability
    return arch_for_capability(nvcc, rt.capability())


def load_cuda_library(path):
    """The kernel library at ``path`` (kept loaded for the process)."""
    key = str(path)
    with _lock:
        lib = _entries.get(key)
        if lib is None:
            lib = ffi.dlopen(key)
            _entries[key] = lib
    return lib


def load_cuda_entry(path):
    """The npaccel_cuda_entry function of the kernel library at ``path``."""
    return load_cuda_library(path).npaccel_cuda_entry


def find_cublas() -> str | None:
    """The path of a libcublas shared library, or None: the CUDA toolkit of nvcc and of
    $CUDA_HOME, the system's, then the nvidia-cublas wheel's."""
    from ..build.nvcc import find_nvcc
    from ..config import get_config
    roots = [Path("/usr/local/cuda")]
    if get_config().cuda_home:
        roots.insert(0, Path(get_config().cuda_home))
    nvcc = find_nvcc()
    if nvcc is not None:
        roots.insert(0, Path(nvcc.path).resolve().parent.parent)
    dirs = [r / sub for r in roots for sub in ("lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib")]
    for d in dirs:
        found = sorted(d.glob("libcublas.so*")) if d.is_dir() else []
        if found:
            return str(found[0])
    system = ctypes.util.find_library("cublas")
    if system:
        return system
    try:
        import nvidia
        for base in nvidia.__path__:
            found = sorted(Path(base).glob("*/lib/libcublas.so*"))
            if found:
                return str(found[0])
    except ImportError:
        pass
    return None


_entries: dict = {}

"""The CUDA runtime as npaccel uses it: a tiny nvcc-built helper library, loaded by cffi.

Device memory, copies, the device's compute capability and CUDA error names come from
``npaccel-cuda-runtime``, a shared object built once by nvcc from ``HELPER_SOURCE`` with
the CUDA runtime linked in statically and cached like any artefact. No Python CUDA binding
(pycuda, cuda-python, CuPy) is needed; the only run-time requirement is the driver
(libcuda). Kernel libraries link their own static copy of the runtime; all copies share
the device's primary context, so a pointer from one is valid in the others (and in CuPy,
PyTorch or PyCUDA, which use the primary context too).

Nothing here is imported by ``import npaccel``; the first use builds or loads the helper.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import cffi
import numpy as np

from ..errors import CompileError, TargetUnavailable

log = logging.getLogger("npaccel")

NPA_ERR_CUDA_BASE = 1000   # runtime_c/npaccel_cuda.h

HELPER_SOURCE = r"""/* npaccel CUDA runtime helper: device memory and device queries for the Python side */
#include <cuda_runtime.h>
#include <stdint.h>
#include <string.h>
extern "C" {
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
int npaccel_cuda_entry(const int64_t *I, const double *F);
"""

ffi = cffi.FFI()
ffi.cdef(CDEF)


class CudaError(RuntimeError):
    """A CUDA runtime call failed; the message names the CUDA error."""

    def __init__(self, what, code, name, text):
        self.code, self.name = code, name
        super().__init__(f"CUDA error {name} ({code}) in {what}: {text}")


@dataclass
class CudaRuntime:
    lib: object
    path: str

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

    def kernel_error(self, code) -> Exception:
        """The exception for a non-zero return of a generated CUDA entry point."""
        if code >= NPA_ERR_CUDA_BASE:
            return self.error("a generated CUDA kernel library", code - NPA_ERR_CUDA_BASE)
        from .marshal import _ERRORS
        exc, message = _ERRORS.get(code, (RuntimeError, f"npaccel kernel failed with code {code}"))
        return exc(message)


_lock = threading.Lock()
_runtimes: dict = {}
_usable: dict = {}


def helper_key(nvcc) -> str:
    from .. import __version__
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


def cuda_usable() -> tuple[bool, str]:
    """(True, device description) when kernels can be built and run here, else (False,
    what is missing). Cheap checks first: no CUDA library is loaded when they fail."""
    from ..build.devices import gpu_status
    from ..build.nvcc import find_nvcc
    from ..config import get_config
    nvcc, gpu = find_nvcc(), gpu_status()
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


def load_cuda_entry(path):
    """The npaccel_cuda_entry function of the kernel library at ``path``."""
    key = str(path)
    with _lock:
        lib = _entries.get(key)
        if lib is None:
            lib = ffi.dlopen(key)
            _entries[key] = lib
    return lib.npaccel_cuda_entry


_entries: dict = {}

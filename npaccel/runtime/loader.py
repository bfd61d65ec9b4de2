"""Load built kernel libraries through cffi; one FFI, one cdef for every library."""
from __future__ import annotations

import os
import threading

import cffi

# libgomp reads this once, when the first kernel library loads it. By default idle OpenMP
# threads spin before sleeping, and on few cores they then fight OpenBLAS's threads between
# a parallel loop and a matrix product (logistic regression, 30 steps, 2 cores: 620 ms
# spinning, 176 ms without, NumPy 193 ms; 50 Jacobi sweeps 2000x2000: 88 vs 84 ms, no
# loss). A user's own setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "0")

ENTRY_CDEF = "int npaccel_entry(const int64_t *I, const double *F);"
# every library also exports this (runtime_c/npaccel_blas.h): the BLAS entry points its
# matrix products call, handed over once after dlopen
BLAS_INIT_CDEF = "int npaccel_blas_init(const int64_t *table, int64_t n);"

ffi = cffi.FFI()
ffi.cdef(ENTRY_CDEF)
ffi.cdef(BLAS_INIT_CDEF)

_loaded = {}
_lock = threading.Lock()


def load_entry(path, blas=False):
    """The entry function of the library at ``path`` (kept loaded for the process).
    ``blas``: its code calls matrix-product helpers; give them the BLAS (runtime/blas.py)."""
    key = str(path)
    with _lock:
        lib = _loaded.get(key)
        if lib is None:
            lib = ffi.dlopen(key)
            _loaded[key] = lib
        if blas and key not in _blas_registered:
            from .blas import blas_table
            table = blas_table()
            lib.npaccel_blas_init(ffi.new("int64_t[]", table), len(table))
            _blas_registered.add(key)
    return lib.npaccel_entry


_blas_registered = set()

"""Load built kernel libraries through cffi; one FFI, one cdef for every library."""
from __future__ import annotations

import threading

import cffi

ENTRY_CDEF = "int npaccel_entry(const int64_t *I, const double *F);"

ffi = cffi.FFI()
ffi.cdef(ENTRY_CDEF)

_loaded = {}
_lock = threading.Lock()


def load_entry(path):
    """The entry function of the library at ``path`` (kept loaded for the process)."""
    key = str(path)
    with _lock:
        lib = _loaded.get(key)
        if lib is None:
            lib = ffi.dlopen(key)
            _loaded[key] = lib
    return lib.npaccel_entry

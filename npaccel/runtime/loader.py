"""Load built kernel libraries through cffi; one FFI, one cdef for every library."""
from __future__ import annotations

import os
import threading

import cffi

from . import forking  # noqa: F401  (registers the fork handlers: see there)

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


class ArtefactLoadError(OSError):
    """A built library that cannot be used: dlopen fails (a truncated or foreign file, one
    removed meanwhile) or an entry point is missing. The library is not kept loaded."""


def load_entry(path, blas=False):
    """The entry function of the library at ``path`` (kept loaded for the process).
    ``blas``: its code calls matrix-product helpers; give them the BLAS (build/blas.py).
    Raises ArtefactLoadError."""
    key = str(path)
    with _lock:
        lib = _loaded.get(key)
        fresh = lib is None
        try:
            if fresh:
                lib = ffi.dlopen(key)
            entry = lib.npaccel_entry
            if blas and key not in _blas_registered:
                from ..build.blas import blas_table
                table = blas_table()
                lib.npaccel_blas_init(ffi.new("int64_t[]", table), len(table))
                _blas_registered.add(key)
        except (OSError, AttributeError) as exc:     # cffi: OSError from dlopen, AttributeError for a symbol
            _loaded.pop(key, None)
            if fresh and lib is not None:
                # unmapped, so that a rebuilt file at the same path is read again (dlopen
                # returns an already loaded library of the same name without reading it)
                ffi.dlclose(lib)
            raise ArtefactLoadError(f"cannot load {key}: {exc}") from exc
        _loaded[key] = lib
    return entry


_blas_registered = set()


def load_built(get_or_build, load, discard, what="library"):
    """``load(path)`` for ``path, hit = get_or_build()``, with one rebuild: an artefact that
    does not load (OSError, AttributeError: see ArtefactLoadError) is ``discard()``-ed from
    the cache and built (or looked up) again, since another process may also have removed
    it between lookup and dlopen. A second failure is discarded too, so no entry stays
    poisoned, and raises CompileError chaining the original error (the function then runs
    in Python: api/accelerate.py). Returns (loaded, hit)."""
    from ..errors import CompileError
    for attempt in (1, 2):
        path, hit = get_or_build()
        try:
            return load(path), hit
        except (OSError, AttributeError) as exc:
            discard(path)
            if attempt == 2:
                raise CompileError(f"the built {what} cannot be loaded even after building it again "
                                   f"({exc})") from exc

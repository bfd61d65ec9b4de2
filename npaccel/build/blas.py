"""Find a BLAS in this process for the generated matrix products; hand its entry points over.

npaccel has no BLAS dependency of its own: NumPy's wheel bundles OpenBLAS
(``numpy.libs/libscipy_openblas64_*.so``, an ILP64 build whose CBLAS symbols carry a prefix
and a suffix: ``scipy_cblas_dgemm64_``), and that library is already loaded once NumPy is
imported. ``find_blas()`` looks for it (and for other builds: a system OpenBLAS or CBLAS
NumPy was linked against, the scipy-openblas packages), resolves the CBLAS functions the
generated code calls plus OpenBLAS's thread-count setter/getter, and caches the result.
``blas_table()`` is the int64 table that ``npaccel_blas_init`` (runtime_c/npaccel_blas.h)
receives, in the order of its ``NPA_BLAS_*`` slots. Without any BLAS the table is all zeros,
the generated code runs its own blocked loops, and one ``BlasWarning`` says so
(``NPACCEL_BLAS=none`` forces that; ``NPACCEL_BLAS=/path/lib.so`` picks a library).

>>> info = find_blas()
>>> info is None or {"sgemm", "dgemm", "sgemv", "dgemv", "sdot", "ddot"} <= set(info.symbols)
True
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildWarning

log = logging.getLogger("npaccel")

# slot order of npaccel_blas.h's table (NPA_BLAS_SGEMM ... NPA_BLAS_ILP64)
_FUNCTIONS = ("sgemm", "dgemm", "sgemv", "dgemv", "sdot", "ddot")
_THREADS = ("openblas_set_num_threads", "openblas_get_num_threads")
# optional slots after NPA_BLAS_ILP64 (0 where missing): CBLAS complex gemm, then the LAPACK
# routines np.linalg calls (Fortran names: scipy_dgesv_64_ in NumPy's wheels)
_COMPLEX = ("cgemm", "zgemm")
LAPACK = ("dgesv", "zgesv", "dgetrf", "zgetrf", "dpotrf", "zpotrf", "dsyevd", "zheevd", "dgeqrf", "zgeqrf",
          "dorgqr", "zungqr", "dgesdd", "zgesdd", "dgelsd", "zgelsd")
# (prefix, suffix, ILP64): scipy-openblas64 (NumPy's wheels), a suffixed ILP64 OpenBLAS,
# scipy-openblas32, then plain CBLAS (LP64 unless OpenBLAS's config says USE64BITINT)
_SCHEMES = (("scipy_", "64_", True), ("", "64_", True), ("scipy_", "", None), ("", "", None))


class BlasWarning(BuildWarning):
    """No BLAS was found: matrix products run as npaccel's own loops (slower)."""


@dataclass(frozen=True)
class BlasInfo:
    path: str
    ilp64: bool
    symbols: dict         # short name ("dgemm") -> exported symbol name
    addresses: tuple      # table slots, in npaccel_blas.h order
    threads: bool         # the thread count can be set (OpenBLAS)
    config: str           # openblas_get_config() text, or ""

    def describe(self) -> str:
        width = "ILP64" if self.ilp64 else "LP64"
        name = self.config or Path(self.path).name
        return f"{name} ({width}, {self.symbols['dgemm']}) from {self.path}"


_lock = threading.Lock()
_cache: dict = {}


def _numpy_libs():
    try:
        import numpy
        libs = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
        for pattern in ("*openblas*.so*", "*blas*.so*", "*openblas*.dylib"):
            yield from sorted(libs.glob(pattern))
        import numpy._core._multiarray_umath  # noqa: F401  (loads NumPy's BLAS)
    except ImportError:
        return


def _mapped_libs():
    """Libraries already mapped into this process (a NumPy linked against a system BLAS)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if path.startswith("/") and ("blas" in name or "mkl_rt" in name) and ".so" in name:
                    yield path
    except OSError:
        return


def _scipy_openblas_libs():
    for module in ("scipy_openblas64", "scipy_openblas32"):
        try:
            mod = __import__(module)
            yield from sorted(Path(mod.get_lib_dir()).glob("*.so*"))
        except (ImportError, AttributeError, OSError):
            continue


def _system_libs():
    for name in ("openblas", "cblas", "blas"):
        yield ctypes.util.find_library(name)


def _candidates():
    """Library paths to try, most likely first, each once. Lazy: the slow probe at the end
    (find_library runs the compiler) only runs when nothing earlier resolved."""
    seen = set()
    for source in (_numpy_libs, _mapped_libs, _scipy_openblas_libs, _system_libs):
        for p in source():
            if p and str(p) not in seen:
                seen.add(str(p))
                yield str(p)


def _resolve(path):
    """BlasInfo for the library at ``path``, or None if it lacks the CBLAS functions."""
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        log.debug("BLAS candidate %s: %s", path, exc)
        return None

    def address(name):
        try:
            return ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
        except AttributeError:
            return None
    for prefix, suffix, ilp64 in _SCHEMES:
        symbols = {f: f"{prefix}cblas_{f}{suffix}" for f in _FUNCTIONS}
        addrs = [address(s) for s in symbols.values()]
        if not all(addrs):
            continue
        config = ""
        get_config = address(f"{prefix}openblas_get_config{suffix}")
        if get_config:
            fn = ctypes.CFUNCTYPE(ctypes.c_char_p)(get_config)
            config = (fn() or b"").decode(errors="replace").strip()
        if ilp64 is None:
            ilp64 = "USE64BITINT" in config
        threads = [address(f"{prefix}{t}{suffix}") for t in _THREADS]
        if not all(threads):
            threads = [0, 0]
        for t, s in zip(_THREADS, threads):
            if s:
                symbols[t] = f"{prefix}{t}{suffix}"
        optional = [(f, f"{prefix}cblas_{f}{suffix}") for f in _COMPLEX] + \
            [(f, f"{prefix}{f}_{suffix}") for f in LAPACK]
        extra = []
        for short, name in optional:
            extra.append(address(name) or 0)
            if extra[-1]:
                symbols[short] = name
        table = tuple(addrs) + tuple(threads) + (int(ilp64),) + tuple(extra)
        return BlasInfo(path=path, ilp64=ilp64, symbols=symbols, addresses=table,
                        threads=bool(threads[0]), config=config)
    return None


def find_blas():
    """The BLAS the generated code calls (cached), or None (then one BlasWarning)."""
    from ..config import get_config
    choice = get_config().blas
    with _lock:
        if choice in _cache:
            return _cache[choice]
        info = None
        if choice != "none":
            paths = [choice] if choice else _candidates()
            for path in paths:
                info = _resolve(path)
                if info is not None:
                    break
        if info is None:
            why = "NPACCEL_BLAS=none" if choice == "none" else \
                f"no CBLAS with sgemm/dgemm found in {choice}" if choice else \
                "no CBLAS library found (looked in numpy.libs, the loaded libraries, scipy-openblas, the system)"
            warnings.warn(f"npaccel: {why}; matrix products run as npaccel's own blocked loops",
                          BlasWarning, stacklevel=3)
        else:
            log.info("npaccel BLAS: %s", info.describe())
        _cache[choice] = info
        return info


def blas_table():
    """The int64 values for npaccel_blas_init, in slot order (all zeros without a BLAS)."""
    info = find_blas()
    if info is None:
        return [0] * (len(_FUNCTIONS) + len(_THREADS) + 1 + len(_COMPLEX) + len(LAPACK))
    return list(info.addresses)


def lapack_missing(routines):
    """Why the generated code cannot call LAPACK ``routines`` ("dgesv", ...), or "" if it can."""
    info = find_blas()
    if info is None:
        return "no BLAS/LAPACK library was found"
    lacking = [r for r in routines if r not in info.symbols]
    return f"{Path(info.path).name} exports no {', '.join(lacking)}" if lacking else ""

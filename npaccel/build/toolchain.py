"""Which C compiler, with which flags, for which CPU: the build's parts of the cache key.

find_c_compiler() honours NPACCEL_CC, else the first of cc, gcc, clang on PATH, and probes
OpenMP once per process by compiling *and running* a tiny program (a compiler can accept
-fopenmp yet lack a working runtime library). Without OpenMP we build serial code and say
so once with a BuildWarning.
"""
from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import tempfile
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..config import get_config
from ..errors import BuildWarning, CompileError
from . import probe_memo

_SEARCH = ("cc", "gcc", "clang")
_PROBE_TIMEOUT_S = 60

# Fixed code-generation flags. -fwrapv: signed overflow wraps as in NumPy. -fno-math-errno
# lets sqrt & co. vectorise without changing results. -ffp-contract=off: in gnu11 mode gcc
# would fuse a*b+c into one FMA (one rounding instead of NumPy's two) wherever -march=native
# has FMA, so results would differ from NumPy's in the last bit. Never -ffast-math: it
# changes results (NaN handling, reassociation) and NumPy is the reference.
# -fno-builtin-sin/cos(f): as builtins, sin(x) and cos(x) of one x become a sincos call,
# which has no vector version, so the loop would not vectorise; npaccel.h declares them
# `const` and (with glibc's libmvec) `omp declare simd` instead. Results are unchanged.
# -O2 -fvect-cost-model=dynamic instead of -O3: the kernels' loops are `omp simd` (always
# vectorised) or vectorised by -O2 with -O3's cost model; what -O3 adds beyond that (loop
# distribution, unswitching, peeling, versioning) bought nothing measurable on the samples at
# scale 1.0 (each within +-5%, run interleaved on the 2-core machine) and cost compile time:
# gcc time over the 18 samples' sources p90 0.25 -> 0.17 s, max 0.37 -> 0.29 s (the kernels
# that pull in npaccel_blas.h's loops gain most). Plain -O2 (gcc 12's "very cheap" cost
# model) left logsumexp's reduction loop scalar (+11%).
BASE_FLAGS = ("-O2", "-fvect-cost-model=dynamic", "-fPIC", "-shared", "-std=gnu11", "-fwrapv",
              "-fno-math-errno", "-fno-strict-aliasing", "-ffp-contract=off",
              "-fno-builtin-sin", "-fno-builtin-cos", "-fno-builtin-sinf", "-fno-builtin-cosf")

_OPENMP_PROBE = r"""
#include <omp.h>
#include <stdio.h>
int main(void) {
    int n = 0;
    #pragma omp parallel reduction(+:n)
    n += 1;
    printf("%d %d\n", n, omp_get_max_threads());
    return n >= 1 ? 0 : 1;
}
"""


@dataclass(frozen=True)
class CCompiler:
    path: str        # absolute path of the driver as found (NPACCEL_CC or PATH)
    version: str     # first line of `<path> --version`
    openmp: bool     # -fopenmp compiles, links and runs


_lock = threading.Lock()
_found: dict[str | None, CCompiler] = {}


def find_c_compiler() -> CCompiler:
    """The C compiler to use; cached per process (per NPACCEL_CC value).

    Raises CompileError when there is none, naming what was looked for.
    """
    requested = get_config().cc
    with _lock:
        if requested not in _found:
            _found[requested] = _probe(_locate(requested))
        return _found[requested]


def reset_toolchain_cache() -> None:
    """Forget the compilers found in this process (for tests that change NPACCEL_CC)."""
    with _lock:
        _found.clear()


def _locate(requested: str | None) -> str:
    if requested:
        path = shutil.which(requested)
        if path is None:
            raise CompileError(
                f"C compiler not found: NPACCEL_CC={requested!r} is not an executable file "
                "(or not on PATH). Point NPACCEL_CC at a working C compiler, or unset it to "
                "use cc, gcc or clang from PATH.")
        return str(Path(path).absolute())
    for name in _SEARCH:
        path = shutil.which(name)
        if path:
            return str(Path(path).absolute())
    raise CompileError(
        "no C compiler found: looked for cc, gcc and clang on PATH. Install one "
        "(e.g. `apt-get install gcc`) or set NPACCEL_CC to its path.")


def _probe(path: str) -> CCompiler:
    ident = probe_memo.identity(path)
    memo = probe_memo.load("cc", ident)
    if memo and isinstance(memo.get("version"), str) and isinstance(memo.get("openmp"), bool):
        version, openmp, reason = memo["version"], memo["openmp"], memo.get("reason", "")
    else:
        version = _version(path)
        openmp, reason = _detect_openmp(path)
        probe_memo.save("cc", ident, {"version": version, "openmp": openmp, "reason": reason})
    if not openmp:
        warnings.warn(BuildWarning(
            f"OpenMP is not available with {path} ({reason}); npaccel builds serial code, "
            "which runs on one core. Install your compiler's OpenMP runtime (e.g. libgomp or "
            "libomp-dev) or set NPACCEL_CC to a compiler that has one."), stacklevel=3)
    return CCompiler(path=path, version=version, openmp=openmp)


def _version(path: str) -> str:
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, errors="replace",
                              timeout=_PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CompileError(f"could not run the C compiler {path!r}: {exc}", command=[path, "--version"]) from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise CompileError(f"{path!r} does not look like a C compiler: `--version` printed nothing useful",
                           command=[path, "--version"], returncode=proc.returncode, stderr=proc.stderr)
    return lines[0].strip()


def _detect_openmp(path: str) -> tuple[bool, str]:
    """Compile and run the OpenMP probe; (works, why not)."""
    with tempfile.TemporaryDirectory(prefix="npaccel-omp-") as tmp:
        src, exe = Path(tmp, "probe.c"), Path(tmp, "probe")
        src.write_text(_OPENMP_PROBE)
        try:
            proc = subprocess.run([path, "-fopenmp", "-o", str(exe), str(src)], capture_output=True,
                                  text=True, errors="replace", timeout=_PROBE_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"the probe did not compile: {exc}"
        if proc.returncode != 0 or not exe.is_file():
            first = (proc.stderr.strip().splitlines() or ["no diagnostics"])[0]
            return False, f"`{Path(path).name} -fopenmp` failed: {first}"
        try:
            run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S)
        except PermissionError:
            # A noexec temp directory stops the run, not OpenMP: compiling and linking
            # against the runtime worked, which is what the shared objects need.
            return True, "probe linked; not run (temporary directory is noexec)"
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"the probe did not run: {exc}"
        if run.returncode != 0:
            return False, f"the probe exited with status {run.returncode}: {run.stderr.strip()[:200]}"
        return True, ""


def _arch_flag() -> str:
    # gcc on POWER spells "tune for this CPU" -mcpu=native; everywhere else -march=native.
    return "-mcpu=native" if platform.machine().startswith("ppc") else "-march=native"


def c_flags(compiler: CCompiler) -> tuple[str, ...]:
    """Every flag of a kernel build, in order; the libraries come last (after the source)."""
    omp = ("-fopenmp",) if compiler.openmp else ()
    return (*BASE_FLAGS[:1], _arch_flag(), *BASE_FLAGS[1:], *omp, f"-I{runtime_c_dir()}", "-lm")


def runtime_c_dir() -> Path:
    """Where the headers the generated code includes live.

    Installed: npaccel/runtime_c (setup.py copies them there). In a checkout that folder
    may exist without headers, so it must hold a header to win over <repo>/runtime_c.
    """
    package = Path(__file__).resolve().parents[1]
    inside = package / "runtime_c"
    if inside.is_dir() and any(inside.glob("*.h")):
        return inside
    beside = package.parent / "runtime_c"
    return beside if beside.is_dir() else inside


def runtime_headers_digest() -> str:
    """sha256 over the runtime headers' names and contents: put it in the cache key, since
    a header change changes the built code without changing the generated source."""
    h = hashlib.sha256()
    for header in sorted(runtime_c_dir().glob("*.h")):
        h.update(header.name.encode() + b"\0" + header.read_bytes() + b"\0")
    return h.hexdigest()


# /proc/cpuinfo fields that decide what -march=native selects (x86, arm, power, riscv).
_CPU_FIELDS = ("vendor_id", "cpu family", "model", "model name", "stepping", "flags",
               "features", "cpu implementer", "cpu architecture", "cpu variant", "cpu part",
               "cpu revision", "cpu", "isa", "uarch")


@lru_cache(maxsize=1)
def cpu_signature() -> str:
    """Short id of this CPU's instruction set, e.g. 'x86_64-3fa2c19b0d4e7a61'.

    Reads only the first processor's block of /proc/cpuinfo (the kernel formats it per
    processor, so reading all of it is slow on many-core machines).
    """
    lines = []
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    if lines:
                        break
                    continue
                name, _, value = line.partition(":")
                if name.strip().lower() in _CPU_FIELDS:
                    lines.append(f"{name.strip().lower()}={value.strip()}")
    except OSError:
        lines = [platform.processor(), platform.platform()]  # no procfs (e.g. macOS)
    digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:16]
    return f"{platform.machine() or 'unknown'}-{digest}"

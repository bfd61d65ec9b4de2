"""CUDA C source text -> shared object, with nvcc.

The object carries extern "C" launchers and the CUDA runtime linked in statically
(-cudart static), so loading it needs only the driver (libcuda) at run time and no Python
CUDA binding; compiling needs no GPU at all (marker `cuda_compile`).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..config import get_config
from ..errors import BuildWarning
from .driver import run_compiler
from .toolchain import runtime_c_dir

_PROBE_TIMEOUT_S = 60


@dataclass(frozen=True)
class NvccCompiler:
    path: str       # absolute path of nvcc (a wrapper script is fine)
    version: str    # e.g. "13.0.88" (from `nvcc --version`)


_lock = threading.Lock()
_found: dict[tuple, NvccCompiler | None] = {}


def find_nvcc() -> NvccCompiler | None:
    """NPACCEL_NVCC, else nvcc on PATH, else $CUDA_HOME/bin/nvcc; None when there is none.

    Cached per process. An NPACCEL_NVCC that does not work gives one BuildWarning (the
    user asked for it explicitly) and None.
    """
    cfg = get_config()
    token = (cfg.nvcc, cfg.cuda_home)
    with _lock:
        if token not in _found:
            _found[token] = _locate(cfg.nvcc, cfg.cuda_home)
        return _found[token]


def reset_nvcc_cache() -> None:
    with _lock:
        _found.clear()


def _locate(requested, cuda_home) -> NvccCompiler | None:
    if requested:
        path = shutil.which(requested)
        version = _version(path) if path else None
        if version is None:
            warnings.warn(BuildWarning(
                f"NPACCEL_NVCC={requested!r} is not a working nvcc; CUDA builds are unavailable"),
                stacklevel=4)
            return None
        return NvccCompiler(str(Path(path).absolute()), version)
    candidates = [shutil.which("nvcc")]
    if cuda_home is not None:
        candidates.append(str(Path(cuda_home) / "bin" / "nvcc"))
    for path in candidates:
        if path and Path(path).is_file():
            version = _version(path)
            if version is not None:
                return NvccCompiler(str(Path(path).absolute()), version)
    return None


def _version(path: str) -> str | None:
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, errors="replace",
                              timeout=_PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    match = re.search(r"release [\d.]+, V([\d.]+)", proc.stdout)
    if match:
        return match.group(1)
    lines = proc.stdout.strip().splitlines()
    return lines[-1].strip() if lines else None


def normalise_arch(arch) -> str:
    """'sm_80', '80', '8.0', 80 or (8, 0) -> 'sm_80'."""
    if isinstance(arch, tuple):
        return f"sm_{arch[0]}{arch[1]}"
    text = str(arch).strip().lower()
    if text.startswith(("sm_", "compute_")):
        return "sm_" + text.split("_", 1)[1]
    if re.fullmatch(r"\d+\.\d+", text):
        major, minor = text.split(".")
        return f"sm_{major}{minor}"
    if re.fullmatch(r"\d+[a-z]?", text):
        return f"sm_{text}"
    raise ValueError(f"not a CUDA architecture: {arch!r} (examples: 'sm_80', '8.0', 80)")


@lru_cache(maxsize=8)
def supported_archs(nvcc: NvccCompiler) -> tuple[str, ...]:
    """The real architectures this nvcc can build (`nvcc --list-gpu-code`), oldest first."""
    try:
        proc = subprocess.run([nvcc.path, "--list-gpu-code"], capture_output=True, text=True,
                              timeout=_PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    archs = [a for a in proc.stdout.split() if re.fullmatch(r"sm_\d+", a)]
    return tuple(sorted(set(archs), key=lambda a: int(a[3:])))


def default_arch(nvcc: NvccCompiler) -> str:
    """Arch to build for when no GPU says otherwise: the oldest this nvcc supports (its
    PTX is embedded too, so newer GPUs can JIT it)."""
    archs = supported_archs(nvcc)
    return archs[0] if archs else "sm_75"


def arch_for_capability(nvcc: NvccCompiler, capability) -> str:
    """The arch to build for a device of compute capability ``(major, minor)``: its own when
    this nvcc supports it, else the newest older one it supports (the embedded PTX of that
    one is JIT-compiled by the driver for the newer device).

    Raises ValueError when the device is older than anything this nvcc can build.
    """
    wanted = int(normalise_arch(capability)[3:])
    archs = [int(a[3:]) for a in supported_archs(nvcc)]
    if not archs or wanted in archs:
        return f"sm_{wanted}"
    older = [a for a in archs if a <= wanted]
    if not older:
        raise ValueError(f"a GPU of compute capability {capability[0]}.{capability[1]} is older than "
                         f"anything nvcc {nvcc.version} can build for (oldest: sm_{archs[0]})")
    return f"sm_{max(older)}"


def nvcc_flags(arch) -> tuple[str, ...]:
    """Every flag of a CUDA build (part of the cache key).

    -arch=sm_XX embeds SASS for sm_XX and PTX for compute_XX. --fmad=false: no contraction
    of a*b+c into one FMA, so results match NumPy's two roundings (as -ffp-contract=off on
    the CPU). Without --use_fast_math division and sqrt are IEEE-exact.
    """
    return ("-O3", f"-arch={normalise_arch(arch)}", "--fmad=false", "-std=c++17",
            "-Xcompiler", "-fPIC", "-shared", "-cudart", "static", f"-I{runtime_c_dir()}")


def compile_cuda_shared(source: str, workdir: Path, nvcc: NvccCompiler, arch) -> Path:
    """Write workdir/kernel.cu and build workdir/kernel.so; return the .so's path.

    Raises CompileError exactly as compile_c_shared does.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    source_file, output = workdir / "kernel.cu", workdir / "kernel.so"
    source_file.write_text(source)
    command = [nvcc.path, *nvcc_flags(arch), "-o", str(output), str(source_file)]
    return run_compiler(command, source=source, source_file=source_file, output=output, what="nvcc")

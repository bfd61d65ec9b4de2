"""Every environment variable npaccel reads, read here and only here, once.

Tests that change the environment in-process call ``reload_config()``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TARGETS = ("auto", "cpu", "cuda")
_FALLBACKS = ("warn", "raise", "silent")
DEFAULT_CACHE_MAX_SIZE = 2 * 1024**3  # bytes


@dataclass(frozen=True)
class Config:
    cache_dir: Path | None      # NPACCEL_CACHE_DIR; None: per-user default
    target: str                 # NPACCEL_TARGET
    fallback: str               # NPACCEL_FALLBACK
    num_threads: int            # NPACCEL_NUM_THREADS, else OMP_NUM_THREADS, else all cores
    cc: str | None              # NPACCEL_CC
    nvcc: str | None            # NPACCEL_NVCC
    disable: bool               # NPACCEL_DISABLE=1
    cache_max_size: int         # NPACCEL_CACHE_MAX_SIZE (bytes; K/M/G suffixes accepted)
    cuda_home: Path | None = None  # CUDA_HOME, else CUDA_PATH: where to look for bin/nvcc last
    blas: str = ""              # NPACCEL_BLAS: "" find one (NumPy's OpenBLAS first), "none", or a library path
    output_pool: int = 0        # NPACCEL_OUTPUT_POOL: bytes of dropped results kept for reuse (runtime/outputs)
    c_dispatch: bool = True     # not NPACCEL_NO_C_DISPATCH=1: calls go through the C dispatcher (runtime/dispatch_ext)


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(allowed)}")
    return value


def _positive_int(name, text):
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r}: expected a positive integer") from None
    if n < 1:
        raise ValueError(f"{name}={text!r}: expected a positive integer")
    return n


def parse_size(text: str) -> int:
    """'500M' -> 524288000; plain integers are bytes."""
    text = text.strip().upper().removesuffix("B")
    scale = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}.get(text[-1:], 1)
    digits = text[:-1] if scale != 1 else text
    try:
        value = float(digits)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (examples: 1048576, 500M, 2G)") from None
    if value < 0:
        raise ValueError(f"not a size: {text!r}")
    return int(value * scale)


def _threads(env) -> int:
    for name in ("NPACCEL_NUM_THREADS", "OMP_NUM_THREADS"):
        text = env.get(name, "").strip()
        if text:
            return _positive_int(name, text.split(",")[0])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _first_path(env, *names) -> Path | None:
    for name in names:
        text = env.get(name, "").strip()
        if text:
            return Path(text).expanduser()
    return None


def read_config(env=None) -> Config:
    env = os.environ if env is None else env
    cache = env.get("NPACCEL_CACHE_DIR", "").strip()
    return Config(
        cache_dir=Path(cache).expanduser() if cache else None,
        target=_choice("NPACCEL_TARGET", env.get("NPACCEL_TARGET", "auto").strip().lower() or "auto", _TARGETS),
        fallback=_choice("NPACCEL_FALLBACK", env.get("NPACCEL_FALLBACK", "warn").strip().lower() or "warn", _FALLBACKS),
        num_threads=_threads(env),
        cc=env.get("NPACCEL_CC", "").strip() or None,
        nvcc=env.get("NPACCEL_NVCC", "").strip() or None,
        disable=env.get("NPACCEL_DISABLE", "").strip() not in ("", "0"),
        cache_max_size=parse_size(env.get("NPACCEL_CACHE_MAX_SIZE", "").strip() or str(DEFAULT_CACHE_MAX_SIZE)),
        cuda_home=_first_path(env, "CUDA_HOME", "CUDA_PATH"),
        blas=env.get("NPACCEL_BLAS", "").strip(),
        output_pool=parse_size(env.get("NPACCEL_OUTPUT_POOL", "").strip() or str(_default_output_pool())),
        c_dispatch=env.get("NPACCEL_NO_C_DISPATCH", "").strip() in ("", "0"),
    )


def _default_output_pool() -> int:
    """1 GiB, or an eighth of the memory on a smaller machine."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 8 * 1024**3
    return min(1024**3, ram // 8)


_config: Config | None = None


def get_config() -> Config:
    global _config
    if _config is None:
        _config = read_config()
    return _config


def reload_config() -> Config:
    global _config
    _config = read_config()
    return _config

"""Is there a usable NVIDIA GPU here? Answered cheaply, without importing any CUDA binding.

Used by `npaccel-cache info` and the pytest `gpu` marker. It looks at what the driver
publishes (/proc/driver/nvidia, /dev/nvidia*, else `nvidia-smi -L`) and whether the driver
library libcuda can be loaded (the nvcc-built objects need it); it does not initialise
CUDA, so it is safe before fork().
"""
from __future__ import annotations

import ctypes
import glob
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class GpuStatus:
    available: bool
    devices: tuple[str, ...]   # model names, when known
    detail: str                # why not, or how it was found


def _from_procfs() -> list[str]:
    models = []
    for info in sorted(glob.glob("/proc/driver/nvidia/gpus/*/information")):
        try:
            text = Path(info).read_text(errors="replace")
        except OSError:
            continue
        model = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                      if line.startswith("Model:")), "NVIDIA GPU")
        models.append(model)
    # The driver can list GPUs that this container was not given: require device nodes.
    return models if glob.glob("/dev/nvidia[0-9]*") else []


def _from_nvidia_smi() -> list[str]:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        proc = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    return [line.split(":", 1)[1].split("(UUID")[0].strip() for line in proc.stdout.splitlines()
            if line.startswith("GPU ") and ":" in line]


@lru_cache(maxsize=1)
def gpu_status() -> GpuStatus:
    devices = _from_procfs()
    how = "/proc/driver/nvidia"
    if not devices:
        devices, how = _from_nvidia_smi(), "nvidia-smi -L"
    if not devices:
        return GpuStatus(False, (), "no NVIDIA GPU visible (no /proc/driver/nvidia GPUs with "
                                    "/dev/nvidia* nodes, and no nvidia-smi listing one)")
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError as exc:
        return GpuStatus(False, tuple(devices), f"GPU listed but the driver library libcuda.so.1 "
                                                f"cannot be loaded: {exc}")
    return GpuStatus(True, tuple(devices), f"found via {how}")

"""Hardware markers: skip `cuda_compile` tests without nvcc and `gpu` tests without a GPU.

Called from conftest.py's pytest_collection_modifyitems. A test is skipped only when what
it needs is missing, and the skip reason says what was looked for; where the need is met
nothing is skipped. The checks run only if some collected test carries the marker.
"""
import pytest


def apply_hardware_skips(config, items):
    wants_nvcc = any(item.get_closest_marker("cuda_compile") for item in items)
    wants_gpu = any(item.get_closest_marker("gpu") for item in items)
    nvcc_missing = gpu_missing = None
    if wants_nvcc:
        from npaccel.build.nvcc import find_nvcc
        if find_nvcc() is None:
            nvcc_missing = ("cuda_compile: nvcc not found (looked at NPACCEL_NVCC, nvcc on PATH, "
                            "$CUDA_HOME/bin/nvcc)")
    if wants_gpu:
        from npaccel.build.devices import gpu_status
        status = gpu_status()
        if not status.available:
            gpu_missing = f"gpu: no usable CUDA device: {status.detail}"
    for item in items:
        if nvcc_missing and item.get_closest_marker("cuda_compile"):
            item.add_marker(pytest.mark.skip(reason=nvcc_missing))
        if gpu_missing and item.get_closest_marker("gpu"):
            item.add_marker(pytest.mark.skip(reason=gpu_missing))

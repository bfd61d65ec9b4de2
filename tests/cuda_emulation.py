"""Run npaccel's CUDA path on the host: the generated CUDA C++ built by g++ against a
host emulation of CUDA (tests/cuda_emu), with a fake "GPU" reported to the runtime.

Everything from code generation to the Python caller is npaccel's real CUDA path: the
same source text an nvcc build gets, the runtime helper, the device scratch allocation,
the copies, the launches (each block's threads are real threads synchronising through
barriers and warp shuffles), error codes and result assembly. Only the compiler (g++,
with UndefinedBehaviorSanitizer: signed overflow the GPU code must not have is reported)
and the device differ. cuBLAS is tests/cuda_emu/cublas_emu.cpp, a host library with the
entry points npaccel dlopens (plain loops, cuBLAS's argument checks). The gpu tests run the
same cases on a real device.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

EMU_DIR = Path(__file__).resolve().parent / "cuda_emu"
# small blocks and grids so that grid-stride loops, several blocks, several warps per block
# and both per-axis reduction strategies are exercised by small inputs
EMU_DEFINES = ("-DNPA_CUDA", "-DNPA_BLOCK=64", "-DNPA_MAX_BLOCKS=3", "-DNPA_REDUCE_BLOCKS=2",
               "-DNPA_THREAD_PER_OUTPUT_MIN=8")
# undefined behaviour the generated code must not have (the GPU compiler may exploit it);
# reports go to the file the emulator's handlers append to (tests/cuda_emu/cuda_runtime.h)
UBSAN = ("-fsanitize=signed-integer-overflow,shift,integer-divide-by-zero,float-cast-overflow",
         "-fsanitize-recover=all", "-Wl,-Bsymbolic")
UB_LOG = Path(tempfile.gettempdir()) / f"npaccel-emu-ub-{os.getpid()}.log"


def emulator_compiler():
    return shutil.which("g++")


def build_cublas_emulation(workdir) -> Path:
    """tests/cuda_emu/cublas_emu.cpp as a shared library (the emulated libcublas)."""
    from npaccel.build.driver import run_compiler
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    source_file, output = EMU_DIR / "cublas_emu.cpp", workdir / "libcublas_emu.so"
    command = [emulator_compiler(), "-O1", "-fPIC", "-shared", str(source_file), "-o", str(output)]
    return run_compiler(command, source=source_file.read_text(), source_file=source_file, output=output,
                        what="g++ (cuBLAS emulation)")


def emulated_compile(source, workdir, nvcc, arch):
    """compile_cuda_shared's stand-in: the same source, built for the host emulation."""
    from npaccel.build.driver import run_compiler
    from npaccel.build.toolchain import runtime_c_dir
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    source_file, output = workdir / "kernel.cu", workdir / "kernel.so"
    source_file.write_text(source)
    command = [nvcc.path, "-std=c++20", "-O0", "-fPIC", "-shared", "-pthread", *UBSAN, *EMU_DEFINES,
               f'-DNPA_EMU_UB_LOG="{UB_LOG}"',
               f"-I{EMU_DIR}", f"-I{runtime_c_dir()}", "-x", "c++", str(source_file), "-o", str(output)]
    return run_compiler(command, source=source, source_file=source_file, output=output, what="g++ (CUDA emulation)")


@pytest.fixture(scope="module")
def emulated_gpu(tmp_path_factory):
    """Patch npaccel so that target="cuda" finds an "nvcc" (g++ + emulation), a "GPU" and a
    "libcublas" (the emulation's). Yields the file UBSan reports are appended to (absent or
    empty while nothing undefined ran)."""
    from npaccel.build import devices, nvcc
    from npaccel.runtime import cuda
    gxx = emulator_compiler()
    if gxx is None:
        pytest.skip("CUDA emulation: g++ not found")
    UB_LOG.unlink(missing_ok=True)
    fake = nvcc.NvccCompiler(path=gxx, version="host emulation of CUDA (g++)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nvcc, "find_nvcc", lambda: fake)
        mp.setattr(nvcc, "compile_cuda_shared", emulated_compile)
        mp.setattr(nvcc, "supported_archs", lambda compiler: ("sm_80",))
        mp.setattr(devices, "gpu_status", lambda: devices.GpuStatus(True, ("emulated GPU",), "tests/cuda_emu"))
        cublas = build_cublas_emulation(tmp_path_factory.mktemp("cublas"))
        mp.setattr(cuda, "find_cublas", lambda: str(cublas))
        cuda._usable.clear()
        yield UB_LOG
    cuda._usable.clear()


def ubsan_reports(log: Path) -> str:
    """The reports since the last call (each test sees only its own)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    log.unlink(missing_ok=True)
    return text

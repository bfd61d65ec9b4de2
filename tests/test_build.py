"""Compiler drivers, for real: gcc/cc builds an OpenMP kernel that cffi loads and calls;
failures carry the command, status, stderr and a kept source; nvcc builds a CUDA object."""
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from cffi import FFI

from npaccel.build import cc, nvcc, toolchain
from npaccel.errors import BuildWarning, CompileError

REPO = Path(__file__).resolve().parents[1]

OPENMP_KERNEL = textwrap.dedent(r"""
    #include <stdint.h>
    #ifdef _OPENMP
    #include <omp.h>
    #endif
    /* out[i] = 2*x[i] + 1; returns the number of threads the parallel region had. */
    int scale(const double *x, double *out, int64_t n) {
        int threads = 1;
        #pragma omp parallel
        {
            #ifdef _OPENMP
            #pragma omp single
            threads = omp_get_num_threads();
            #endif
            #pragma omp for
            for (int64_t i = 0; i < n; i++) out[i] = 2.0 * x[i] + 1.0;
        }
        return threads;
    }
    int64_t wraps(int64_t a) { return a + 1; }
""")


def load(path, cdef):
    ffi = FFI()
    ffi.cdef(cdef)
    return ffi, ffi.dlopen(str(path))


@pytest.fixture
def compiler():
    return toolchain.find_c_compiler()


def test_find_c_compiler_is_frozen_and_cached(compiler):
    assert Path(compiler.path).is_absolute() and os.access(compiler.path, os.X_OK)
    assert compiler.version
    assert isinstance(compiler.openmp, bool)
    assert toolchain.find_c_compiler() is compiler
    with pytest.raises(AttributeError):
        compiler.openmp = False


def test_c_flags(compiler):
    flags = toolchain.c_flags(compiler)
    for flag in ("-O2", "-fPIC", "-shared", "-std=gnu11", "-fwrapv", "-fno-math-errno",
                 "-fno-strict-aliasing", "-ffp-contract=off"):
        assert flag in flags
    assert "-march=native" in flags or "-mcpu=native" in flags
    assert not any("fast-math" in f or f == "-Ofast" for f in flags)
    assert ("-fopenmp" in flags) == compiler.openmp
    assert f"-I{toolchain.runtime_c_dir()}" in flags
    assert flags[-1] == "-lm"


def test_runtime_c_dir_and_cpu_signature():
    assert toolchain.runtime_c_dir().name == "runtime_c"
    sig = toolchain.cpu_signature()
    assert sig == toolchain.cpu_signature() and len(sig) < 40 and "-" in sig
    assert len(toolchain.runtime_headers_digest()) == 64


def test_compile_openmp_kernel_load_and_call(compiler, tmp_path):
    so = cc.compile_c_shared(OPENMP_KERNEL, tmp_path / "work", compiler)
    assert so == tmp_path / "work" / "kernel.so" and so.is_file()
    assert (tmp_path / "work" / "kernel.c").read_text() == OPENMP_KERNEL
    ffi, lib = load(so, "int scale(const double *x, double *out, int64_t n); int64_t wraps(int64_t);")
    x = np.linspace(-5, 5, 100_001)
    out = np.empty_like(x)
    threads = lib.scale(ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", out), x.size)
    np.testing.assert_array_equal(out, 2.0 * x + 1.0)
    assert threads >= 1
    if compiler.openmp and len(os.sched_getaffinity(0)) > 1:
        assert threads > 1, "OpenMP build ran on one thread"
    assert lib.wraps(2**63 - 1) == -(2**63)  # -fwrapv: signed overflow wraps as NumPy's does


def test_compile_logs_duration(compiler, tmp_path, caplog):
    # the driver logs at DEBUG (its path is a temporary one); api/specialise.py logs the
    # function, signature and duration at INFO (tests/test_messages.py)
    with caplog.at_level("DEBUG", logger="npaccel"):
        cc.compile_c_shared("int f(void) { return 1; }\n", tmp_path, compiler)
    assert any("compiled" in r.getMessage() and " s" in r.getMessage() for r in caplog.records)


def test_syntax_error_raises_compile_error_with_details(compiler, tmp_path):
    source = "int broken(void) { return 1 +; }\n"
    with pytest.raises(CompileError) as info:
        cc.compile_c_shared(source, tmp_path / "work", compiler)
    err = info.value
    assert err.command[0] == compiler.path and str(tmp_path / "work" / "kernel.c") in err.command
    assert err.returncode not in (0, None)
    assert "error" in err.stderr.lower()
    kept = Path(err.source_path)
    assert kept.is_file() and kept.read_text() == source
    assert tmp_path not in kept.parents, "the kept source must outlive the build directory"
    assert kept.with_suffix(".log").read_text().startswith("command: ")
    text = str(err)
    assert "exit status" in text and str(kept) in text and "stderr" in text


def test_missing_compiler_from_env_raises_clear_error(fresh_config, tmp_path):
    fresh_config(NPACCEL_CC=str(tmp_path / "no-such-cc"))
    with pytest.raises(CompileError, match="NPACCEL_CC=.*no-such-cc.*not an executable"):
        toolchain.find_c_compiler()


def test_missing_compiler_in_a_new_process(tmp_path):
    env = dict(os.environ, NPACCEL_CC="/nonexistent/bin/gcc")
    code = ("from npaccel.build.toolchain import find_c_compiler\n"
            "from npaccel.errors import CompileError\n"
            "try:\n    find_c_compiler()\nexcept CompileError as e:\n    print('CompileError:', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "CompileError: C compiler not found: NPACCEL_CC='/nonexistent/bin/gcc'" in proc.stdout


def _compiler_without_openmp(tmp_path, real_cc):
    """A real compiler wrapper that, like a compiler lacking OpenMP, rejects -fopenmp."""
    script = tmp_path / "cc-no-omp"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        for a in "$@"; do
          if [ "$a" = "-fopenmp" ]; then echo "cc-no-omp: error: unsupported option '-fopenmp'" >&2; exit 1; fi
        done
        exec {real_cc} "$@"
        """))
    script.chmod(0o755)
    return script


def test_no_openmp_builds_serial_with_one_warning(fresh_config, compiler, tmp_path):
    wrapper = _compiler_without_openmp(tmp_path, compiler.path)
    fresh_config(NPACCEL_CC=str(wrapper))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = toolchain.find_c_compiler()
        again = toolchain.find_c_compiler()
    assert found is again and found.openmp is False and found.path == str(wrapper)
    build_warnings = [w for w in caught if issubclass(w.category, BuildWarning)]
    assert len(build_warnings) == 1 and "OpenMP is not available" in str(build_warnings[0].message)
    assert "-fopenmp" not in toolchain.c_flags(found)
    so = cc.compile_c_shared(OPENMP_KERNEL, tmp_path / "serial", found)
    ffi, lib = load(so, "int scale(const double *x, double *out, int64_t n);")
    x = np.arange(1000.0)
    out = np.empty_like(x)
    assert lib.scale(ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", out), x.size) == 1
    np.testing.assert_array_equal(out, 2 * x + 1)

    # A new process answers from the on-disk probe memo and still warns, once.
    code = ("import warnings\nwarnings.simplefilter('always')\n"
            "from npaccel.build.toolchain import find_c_compiler\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    c = find_c_compiler(); find_c_compiler()\n"
            "print(c.openmp, sum('OpenMP' in str(x.message) for x in w))\n")
    proc = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, NPACCEL_CC=str(wrapper)),
                          cwd=REPO, capture_output=True, text=True)
    assert proc.stdout.split() == ["False", "1"], proc.stderr


def test_compiler_that_does_not_run_is_reported(fresh_config, tmp_path):
    fake = tmp_path / "not-a-cc"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    fresh_config(NPACCEL_CC=str(fake))
    with pytest.raises(CompileError, match="does not look like a C compiler") as info:
        toolchain.find_c_compiler()
    assert info.value.returncode == 3


# ---- CUDA: nvcc needs no GPU to compile

CUDA_KERNEL = textwrap.dedent(r"""
    #include <cuda_runtime.h>
    #include <stdint.h>
    __global__ void axpb(const double *x, double *out, int64_t n) {
        int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
        if (i < n) out[i] = 2.0 * x[i] + 1.0;
    }
    extern "C" int device_count(void) {
        int n = 0;
        cudaError_t err = cudaGetDeviceCount(&n);
        return err == cudaSuccess ? n : -(int)err;
    }
    extern "C" int run_axpb(const double *x, double *out, int64_t n) {
        double *dx, *dout;
        size_t bytes = n * sizeof(double);
        if (cudaMalloc(&dx, bytes) != cudaSuccess) return 1;
        if (cudaMalloc(&dout, bytes) != cudaSuccess) return 2;
        cudaMemcpy(dx, x, bytes, cudaMemcpyHostToDevice);
        axpb<<<(unsigned)((n + 255) / 256), 256>>>(dx, dout, n);
        if (cudaGetLastError() != cudaSuccess) return 3;
        cudaMemcpy(out, dout, bytes, cudaMemcpyDeviceToHost);
        cudaFree(dx); cudaFree(dout);
        return cudaDeviceSynchronize() == cudaSuccess ? 0 : 4;
    }
""")
CUDA_CDEF = "int device_count(void); int run_axpb(const double *x, double *out, int64_t n);"


def _gpu_arch():
    """This machine's GPU architecture (e.g. "9.0"), or None without a GPU."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.split()[0] if out.returncode == 0 and out.stdout.strip() else None


def test_normalise_arch():
    assert [nvcc.normalise_arch(a) for a in ("sm_80", "80", "8.0", 80, (9, 0), "compute_75")] == \
        ["sm_80", "sm_80", "sm_80", "sm_80", "sm_90", "sm_75"]
    with pytest.raises(ValueError):
        nvcc.normalise_arch("ampere")
    flags = nvcc.nvcc_flags("8.6")
    assert "-arch=sm_86" in flags and "--fmad=false" in flags and "--use_fast_math" not in flags
    assert " ".join(flags).count("-Xcompiler -fPIC") == 1 and "-shared" in flags


def test_broken_nvcc_from_env_warns_and_is_absent(fresh_config, tmp_path):
    nvcc.reset_nvcc_cache()
    fresh_config(NPACCEL_NVCC=str(tmp_path / "no-nvcc"))
    with pytest.warns(BuildWarning, match="NPACCEL_NVCC"):
        assert nvcc.find_nvcc() is None
    nvcc.reset_nvcc_cache()


@pytest.mark.cuda_compile
def test_nvcc_builds_a_loadable_shared_object(tmp_path):
    found = nvcc.find_nvcc()
    assert found.version and Path(found.path).is_absolute()
    arch = _gpu_arch() or nvcc.default_arch(found)
    so = nvcc.compile_cuda_shared(CUDA_KERNEL, tmp_path / "cu", found, arch)
    assert so == tmp_path / "cu" / "kernel.so" and (tmp_path / "cu" / "kernel.cu").is_file()
    # The CUDA runtime is linked in statically: loading needs no GPU and no libcudart.
    ffi, lib = load(so, CUDA_CDEF)
    assert isinstance(lib.device_count(), int)  # without a GPU: a negative CUDA error code


@pytest.mark.cuda_compile
def test_nvcc_error_carries_details(tmp_path):
    found = nvcc.find_nvcc()
    source = '__global__ void k(float *x) { x[0] = undefined_name; }\nextern "C" int f(void) { return 0; }\n'
    with pytest.raises(CompileError) as info:
        nvcc.compile_cuda_shared(source, tmp_path / "cu", found, nvcc.default_arch(found))
    err = info.value
    assert err.command[0] == found.path and err.returncode not in (0, None)
    assert "undefined_name" in err.stderr
    assert Path(err.source_path).read_text() == source and Path(err.source_path).suffix == ".cu"


@pytest.mark.cuda_compile
@pytest.mark.gpu
def test_nvcc_object_runs_on_the_gpu(tmp_path):
    found = nvcc.find_nvcc()
    so = nvcc.compile_cuda_shared(CUDA_KERNEL, tmp_path / "cu", found, _gpu_arch() or nvcc.default_arch(found))
    ffi, lib = load(so, CUDA_CDEF)
    assert lib.device_count() >= 1
    x = np.linspace(0, 1, 1 << 20)
    out = np.zeros_like(x)
    assert lib.run_axpb(ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", out), x.size) == 0
    np.testing.assert_array_equal(out, 2.0 * x + 1.0)

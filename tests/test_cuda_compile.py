"""CUDA C generated for the samples and the fidelity cases, compiled by real nvcc (marker
cuda_compile: needs nvcc, not a GPU).

One architecture (nvcc's default for npaccel), fidelity cases compiled in groups (one nvcc
run builds several generated functions, each under its own entry name and kernel prefix),
so the whole file stays well under two minutes on two cores. What these cases compute is
checked against NumPy by test_cuda_runtime.py (emulated device) and test_gpu.py (device).
"""
from __future__ import annotations

import inspect
import re
import warnings

import cffi
import numpy as np
import pytest

import samples
from cuda_cases import CASES
from npaccel import accelerate
from npaccel.api.specialise import cuda_cache_key, translate
from npaccel.api.targets import TARGETS, CudaTools, stored_artefact
from npaccel.passes.program_plan import for_target
from npaccel.build import nvcc as nvcc_mod
from npaccel.build.devices import gpu_status
from npaccel.codegen.cuda_source import ENTRY, generate_cuda
from npaccel.errors import CompileError
from npaccel.ir.signature import signature_of
from npaccel.runtime import cuda

pytestmark = pytest.mark.cuda_compile

# samples whose every kernel has GPU code (loops, in-place updates, argmin, products
# included): every one; moving one out of here is a regression
GPU_SAMPLES = tuple(samples.SAMPLES)


@pytest.fixture(scope="module")
def nvcc():
    found = nvcc_mod.find_nvcc()
    assert found is not None
    return found


@pytest.fixture(scope="module")
def arch(nvcc):
    return nvcc_mod.default_arch(nvcc)


def _plan(fn, args):
    bound = inspect.signature(fn).bind(*args)
    bound.apply_defaults()               # as accelerate() calls it (nbody's G, softening)
    args = bound.args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")    # NumPy's divide-by-zero warnings while tracing
        return for_target(translate(fn, signature_of(args)).plan, "cuda")


def _build_group(named_plans, tmp_path, nvcc, arch):
    """Compile several plans into one library; return (ffi, lib, entry names, source)."""
    parts, names = [], []
    for i, (label, plan) in enumerate(named_plans):
        name = f"{ENTRY}_{i}"
        source, _ = generate_cuda(plan, name=name, prefix=f"c{i}")
        parts.append(f"/* ---- {label} ---- */\n{source}")
        names.append(name)
    source = "\n".join(parts)
    so = nvcc_mod.compile_cuda_shared(source, tmp_path / "group", nvcc, arch)
    ffi = cffi.FFI()
    ffi.cdef("".join(f"int {n}(const int64_t *I, const double *F);\n" for n in names))
    lib = ffi.dlopen(str(so))
    return ffi, lib, names, source


# ---- samples -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", GPU_SAMPLES)
def test_gpu_sample_compiles_with_nvcc(name, tmp_path, nvcc, arch):
    module = samples.load(name)
    plan = _plan(getattr(module, name), module.inputs(0.001))
    ffi, lib, names, source = _build_group([(name, plan)], tmp_path, nvcc, arch)
    assert getattr(lib, names[0]) is not None
    assert "__global__ void" in source and "<<<" not in source   # launches through NPA_LAUNCH
    assert len(re.findall(r"NPA_LAUNCH\(", source)) >= len(plan.kernels)


def test_every_sample_gets_cuda_code_that_nvcc_compiles(tmp_path, nvcc, arch):
    """Every sample's CUDA C, built in one nvcc run (one translation unit)."""
    plans = []
    for name in samples.SAMPLES:
        module = samples.load(name)
        plans.append((name, _plan(getattr(module, name), module.inputs(0.001))))
    _, lib, names, source = _build_group(plans, tmp_path, nvcc, arch)
    assert all(getattr(lib, n) is not None for n in names)
    assert source.count("npa_cuda_matmul<npa_mm_float<") >= 4      # products: cuBLAS or the kernel
    assert "goto npa_done" in source                                  # programs: control flow on the host


# ---- fidelity cases ---------------------------------------------------------------------------

def _groups():
    keys = sorted(CASES)
    by_prefix = {}
    for key in keys:
        by_prefix.setdefault(key.split("_")[0], []).append(key)
    return by_prefix


GROUPS = _groups()


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_fidelity_cases_compile_with_nvcc(group, tmp_path, nvcc, arch):
    plans = []
    for key in GROUPS[group]:
        fn, make, _ = CASES[key]
        try:
            plans.append((key, _plan(fn, make())))
        except (ValueError, TypeError):
            # NumPy's own error at trace time (e.g. broadcast mismatch): nothing to compile;
            # the runtime tests check the same error is raised
            continue
    assert plans, group
    _, lib, names, source = _build_group(plans, tmp_path, nvcc, arch)
    assert all(getattr(lib, n) is not None for n in names)
    assert "--fmad=false" in nvcc_mod.nvcc_flags(arch)


def test_every_dtype_is_compiled(nvcc):
    dtypes = set()
    for key, (fn, make, _) in CASES.items():
        for a in make():
            if isinstance(a, np.ndarray):
                dtypes.add(a.dtype.name)
    assert dtypes >= {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                      "float16", "float32", "float64"}


def test_header_helpers_are_device_code(tmp_path, nvcc, arch):
    """Every runtime helper the renderer can call compiles inside a __global__ function
    (npaccel.h marks them __host__ __device__ under nvcc)."""
    calls = []
    for sfx, t in (("i8", "int8_t"), ("i16", "int16_t"), ("i32", "int32_t"), ("i64", "int64_t"),
                   ("u8", "uint8_t"), ("u16", "uint16_t"), ("u32", "uint32_t"), ("u64", "uint64_t")):
        for fn in ("floordiv", "remainder", "fmod", "lshift", "rshift"):
            calls.append(f"acc += (double)npa_{fn}_{sfx}(({t})x[0], ({t})x[1]);")
        calls.append(f"acc += (double)npa_power_{sfx}(({t})x[0], ({t})x[1], &err);")
        calls.append(f"acc += (double)npa_cast_{sfx}(x[2]);")
    for sfx, t in (("d", "double"), ("f", "float")):
        calls.append(f"acc += npa_floordiv_{sfx}(({t})x[0], ({t})x[1]) + npa_remainder_{sfx}(({t})x[0], ({t})x[1]);")
    calls += ["acc += npa_heaviside(x[0], 0.5) + npa_logaddexp(x[0], x[1]) + npa_logaddexp2f((float)x[0], 1.0f);",
              "acc += npa_maximum(x[0], x[1]) + npa_minimum(x[0], x[1]) + npa_sign(x[0]);",
              "npa_half h = x[3]; acc += (float)h + (float)(npa_half)(h * 2.0f) + (double)npa_cast_u32_h((double)h);"]
    source = ('#include "npaccel_cuda.h"\n__global__ void k(const double *x, double *out, int *e) {\n'
              "    double acc = 0; int err = 0;\n" + "".join(f"    {c}\n" for c in calls) +
              "    out[0] = acc; *e = err;\n}\n"
              'extern "C" int run(const double *x, double *out, int *e) {\n'
              "    NPA_LAUNCH(k, 1, 32)(x, out, e);\n    return (int)cudaGetLastError();\n}\n")
    nvcc_mod.compile_cuda_shared(source, tmp_path / "helpers", nvcc, arch)


# ---- build, cache and keys --------------------------------------------------------------------

def _black_scholes_source():
    module = samples.load("black_scholes")
    args = module.inputs(0.001)
    return module.black_scholes, signature_of(args), generate_cuda(_plan(module.black_scholes, args))[0]


def test_generated_cuda_is_deterministic():
    a, b = _black_scholes_source()[2], _black_scholes_source()[2]
    assert a == b


def test_cuda_build_is_cached_with_arch_and_nvcc_version_in_the_key(nvcc, arch):
    fn, signature, source = _black_scholes_source()
    tools = CudaTools(nvcc, None, arch)      # compiling needs nvcc, not a device
    path, hit = stored_artefact(TARGETS["cuda"], fn, signature, source, tools)
    again, hit_again = stored_artefact(TARGETS["cuda"], fn, signature, source, tools)
    assert again == path and hit_again and path.suffix == ".so"
    assert path.with_suffix(".cu").read_text() == source         # the source is kept beside it
    key = cuda_cache_key(source, nvcc, arch)
    newer = "sm_90" if nvcc_mod.normalise_arch(arch) != "sm_90" else "sm_80"
    assert cuda_cache_key(source, nvcc, newer) != key
    other_nvcc = nvcc_mod.NvccCompiler(nvcc.path, nvcc.version + ".1")
    assert cuda_cache_key(source, other_nvcc, arch) != key
    assert cuda_cache_key(source + " ", nvcc, arch) != key


def test_arch_for_device_capability(nvcc):
    archs = nvcc_mod.supported_archs(nvcc)
    assert archs, "nvcc --list-gpu-code listed nothing"
    oldest, newest = archs[0], archs[-1]
    assert nvcc_mod.arch_for_capability(nvcc, (int(newest[3:-1]), int(newest[-1]))) == newest
    # a device newer than nvcc knows: the newest real arch, whose PTX the driver JIT-compiles
    assert nvcc_mod.arch_for_capability(nvcc, (99, 9)) == newest
    with pytest.raises(ValueError, match="older"):
        nvcc_mod.arch_for_capability(nvcc, (1, 0))
    assert nvcc_mod.default_arch(nvcc) == oldest


def test_nvcc_failure_on_generated_source_keeps_it(tmp_path, nvcc, arch):
    _, _, source = _black_scholes_source()
    broken = source.replace("npa_blocks(", "npa_no_such_function(", 1)
    with pytest.raises(CompileError) as info:
        nvcc_mod.compile_cuda_shared(broken, tmp_path / "broken", nvcc, arch)
    assert "npa_no_such_function" in info.value.stderr
    assert info.value.source_path.read_text() == broken


# ---- the runtime helper and the entry's error codes ---------------------------------------------

def test_runtime_helper_builds_and_names_cuda_errors(nvcc):
    rt = cuda.cuda_runtime(nvcc)
    err = rt.kernel_error(cuda.NPA_ERR_CUDA_BASE + 2)
    assert isinstance(err, RuntimeError) and "cudaErrorMemoryAllocation" in str(err)
    assert isinstance(rt.kernel_error(1), ValueError)          # npaccel.h's own codes keep their meaning
    if gpu_status().available:
        assert rt.device_count() >= 1
    else:
        with pytest.raises(cuda.CudaError, match=r"CUDA error cudaError\w+ \(\d+\) in cudaGetDeviceCount"):
            rt.device_count()


def test_kernel_library_entry_reports_cuda_errors(tmp_path, nvcc, arch):
    """The generated entry returns NPA_ERR_CUDA_BASE + the CUDA error when a CUDA call fails,
    here the scratch allocation (a 2**42-column standardize needs terabytes for its column
    means) before any kernel is launched: without a GPU the runtime cannot start at all,
    with one cudaMalloc fails. The runtime turns the code into a RuntimeError naming it."""
    module = samples.load("standardize")
    args = module.inputs(0.001)
    fn, signature = module.standardize, signature_of(args)
    source, layout = generate_cuda(_plan(fn, args))
    assert "cudaMalloc" in source
    path, _ = stored_artefact(TARGETS["cuda"], fn, signature, source, CudaTools(nvcc, None, arch))
    entry = cuda.load_cuda_entry(path)
    ints = [1]
    for _, ndim in layout.arrays:
        ints += [0] + [1 << 42] * ndim + [1] * ndim    # null pointers: nothing may be launched
    ints += [0] * len(layout.outputs) + [0] * len(layout.int_scalars)
    rc = entry(cuda.ffi.new("int64_t[]", ints), cuda.ffi.new("double[]", [0.0]))
    assert rc > cuda.NPA_ERR_CUDA_BASE
    expected = "cudaErrorMemoryAllocation" if gpu_status().available else r"cudaError\w+"
    with pytest.raises(RuntimeError, match=rf"CUDA error {expected} \(\d+\)"):
        raise cuda.cuda_runtime(nvcc).kernel_error(rc)


def test_explain_shows_cuda_source_for_target_cuda():
    module = samples.load("logsumexp")
    text = accelerate(module.logsumexp, target="cuda").explain(*module.inputs(0.001))
    cuda_part = text.split("== generated CUDA ==")[1]
    assert '#include "npaccel_cuda.h"' in cuda_part and "npa_shfl_down" in cuda_part
    assert 'extern "C" int npaccel_cuda_entry(' in cuda_part

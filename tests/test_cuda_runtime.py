"""target="cuda"/"auto" resolution, and the whole CUDA path run against NumPy on a host
emulation of the device (tests/cuda_emulation.py): generated CUDA C++ compiled by g++ with
UndefinedBehaviorSanitizer, the runtime helper, copies, launches, error codes, device-array
arguments and results. Needs no GPU and no nvcc; test_gpu.py runs the same on a device."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import npaccel
import samples
from cuda_cases import CASES
from cuda_emulation import emulated_gpu, ubsan_reports  # noqa: F401  (fixture)
from harness import assert_same_value, check_same
from npaccel import FallbackWarning, TargetUnavailable, accelerate
from npaccel.build import devices, nvcc
from npaccel.runtime import cuda
from npaccel.runtime.cuda_call import DeviceArray
from test_cuda_compile import GPU_SAMPLES

RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}


def _scaled(x):
    return x * 2.0 + 1.0


def _loop(x, n):
    for _ in range(n):
        x = x * 0.5 + 1.0
    return x


def _complex_scale(z):
    return z * 2.0 + 1.0


# ---- target resolution on this machine and with a part missing ---------------------------------

def test_target_cuda_without_a_gpu_raises_target_unavailable(monkeypatch):
    monkeypatch.setattr(devices, "gpu_status", lambda: devices.GpuStatus(False, (), "no GPU in this test"))
    with pytest.raises(TargetUnavailable, match="target='cuda'.*no usable CUDA device.*no GPU in this test"):
        accelerate(_scaled, target="cuda")(np.ones(3))


def test_target_cuda_without_nvcc_names_nvcc(monkeypatch):
    monkeypatch.setattr(nvcc, "find_nvcc", lambda: None)
    with pytest.raises(TargetUnavailable, match="nvcc not found"):
        accelerate(_scaled, target="cuda")(np.ones(3))


def test_target_cuda_here_follows_the_machine():
    """Here (no GPU) target="cuda" raises naming what is missing; on a GPU machine it runs."""
    usable, detail = cuda.cuda_usable()
    f = accelerate(_scaled, target="cuda", fallback="raise")
    if usable:
        np.testing.assert_array_equal(f(np.arange(5.0)), _scaled(np.arange(5.0)))
        assert f.stats()["gpu_signatures"] == 1
    else:
        with pytest.raises(TargetUnavailable) as info:
            f(np.arange(5.0))
        assert detail in str(info.value)


def test_target_auto_here_runs_silently(fresh_config):
    fresh_config(NPACCEL_TARGET="auto", NPACCEL_FALLBACK="warn")
    f = accelerate(_scaled)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_same(_scaled, lambda: (np.arange(7.0),), accelerated=f)
    usable, _ = cuda.cuda_usable()
    assert f.stats()["gpu_signatures"] == (1 if usable else 0)
    assert f.stats()["compiles"] + f.stats()["disk_hits"] == 1


def test_auto_without_gpu_is_the_cpu(monkeypatch):
    monkeypatch.setattr(devices, "gpu_status", lambda: devices.GpuStatus(False, (), "none"))
    f = accelerate(_scaled, target="auto", fallback="raise")
    check_same(_scaled, lambda: (np.arange(4.0),), accelerated=f)
    assert f.stats()["gpu_signatures"] == 0 and "generated CUDA" not in f.explain(np.arange(4.0))


def test_importing_npaccel_needs_no_cuda(tmp_path):
    import subprocess
    import sys
    code = ("import sys, npaccel, numpy as np\n"
            "assert not any(m.startswith(('npaccel.runtime.cuda', 'npaccel.codegen.cuda', 'cupy', 'pycuda', 'torch'))"
            " for m in sys.modules), sorted(m for m in sys.modules if 'cuda' in m)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- the CUDA path, emulated ----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_case_on_emulated_device_matches_numpy(name, emulated_gpu):
    fn, make, rtol = CASES[name]
    f = accelerate(fn, target="cuda", fallback="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # NumPy's divide-by-zero warnings
        check_same(fn, make, rtol=rtol, accelerated=f)
    s = f.stats()
    assert s["fallbacks"] == 0 and s["gpu_signatures"] in (0, 1)
    if s["compiles"] + s["disk_hits"]:
        assert s["gpu_signatures"] == 1          # it ran on the (emulated) device, not the CPU
    assert ubsan_reports(emulated_gpu) == ""


@pytest.mark.parametrize("name", GPU_SAMPLES)
def test_sample_on_emulated_device_matches_numpy(name, emulated_gpu):
    module = samples.load(name)
    fn = getattr(module, name)
    f = accelerate(fn, target="cuda", fallback="raise")
    for scale in (0.001, 0.02):
        check_same(fn, lambda: module.inputs(scale), rtol=RTOL, accelerated=f)
    assert f.stats()["gpu_signatures"] == 1 and f.stats()["fallbacks"] == 0
    assert ubsan_reports(emulated_gpu) == ""


def test_unsupported_kernels_run_on_the_cpu(emulated_gpu):
    """Complex numbers have no GPU code: target="cuda" says so and runs the CPU build;
    "auto" is silent; fallback="raise" raises."""
    z = np.linspace(0, 1, 9) + 1j
    with pytest.warns(FallbackWarning, match="CUDA backend: .*runs on the CPU"):
        got = accelerate(_complex_scale, target="cuda", fallback="warn")(z)
    assert_same_value(got, _complex_scale(z))
    f = accelerate(_complex_scale, target="auto", fallback="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same_value(f(z), _complex_scale(z))
    assert f.stats()["gpu_signatures"] == 0 and f.stats()["fallbacks"] == 0
    with pytest.raises(npaccel.UnsupportedError, match="CUDA backend"):
        accelerate(_complex_scale, target="cuda", fallback="raise")(z)


def test_device_array_arguments_stay_on_the_device(emulated_gpu):
    rt = cuda.cuda_runtime()
    x = np.random.default_rng(0).random((6, 5))
    y = np.random.default_rng(1).random(5)
    dx = DeviceArray(x.shape, x.dtype, rt)
    rt.htod(dx.ptr, x)

    def f(a, b):
        return a * b + 1.0, (a - b).sum(axis=1), a.max()

    acc = accelerate(f, target="cuda", fallback="raise")
    out = acc(dx, y)                               # device and host arguments mixed
    expected = f(x, y)
    assert all(isinstance(o, DeviceArray) for o in out)       # results stay on the device
    for o, e in zip(out, expected):
        assert_same_value(o.get(), np.asarray(e), rtol=1e-12)
    assert "device" in acc.explain(dx, y).splitlines()[0]


class _StridedDeviceView:
    """A reversed, every-other-column view of a DeviceArray, as CuPy would expose one."""

    def __init__(self, base, rows, cols):
        self.base = base
        item = base.dtype.itemsize
        self.__cuda_array_interface__ = {
            "shape": (rows, cols // 2), "typestr": base.dtype.str, "version": 3, "stream": 1,
            "data": (base.ptr + (rows - 1) * cols * item, True), "strides": (-cols * item, 2 * item)}


def test_strided_device_array_argument(emulated_gpu):
    rt = cuda.cuda_runtime()
    x = np.arange(48.0).reshape(6, 8)
    dx = DeviceArray(x.shape, x.dtype, rt)
    rt.htod(dx.ptr, x)
    view = _StridedDeviceView(dx, 6, 8)
    acc = accelerate(_scaled, target="cuda", fallback="raise")
    got = acc(view)
    assert isinstance(got, DeviceArray)
    np.testing.assert_array_equal(got.get(), _scaled(x[::-1, ::2]))


def test_kernel_error_codes_become_numpy_exceptions(emulated_gpu):
    def power(a, p):
        return a ** p
    check_same(power, lambda: (np.arange(5), -2), accelerated=accelerate(power, target="cuda", fallback="raise"))


# ---- programs, products and index checks on the emulated device -------------------------------

def test_loops_run_on_the_device_and_device_arrays_stay_there(emulated_gpu):
    rt = cuda.cuda_runtime()
    x = np.linspace(0, 1, 9)
    f = accelerate(_loop, target="cuda", fallback="raise")
    check_same(_loop, lambda: (x, 3), accelerated=f)
    dx = DeviceArray(x.shape, x.dtype, rt)
    rt.htod(dx.ptr, x)
    got = f(dx, 4)
    assert isinstance(got, DeviceArray)
    assert_same_value(got.get(), _loop(x, 4))
    assert f.stats()["gpu_signatures"] == 2 and f.stats()["fallbacks"] == 0


def _add_in_place(x, y):
    x[1:] += y[:-1]
    return x.sum()


def test_device_array_written_in_place(emulated_gpu):
    rt = cuda.cuda_runtime()
    x, y = np.arange(6.0), np.ones(6)
    dx = DeviceArray(x.shape, x.dtype, rt)
    rt.htod(dx.ptr, x)
    total = accelerate(_add_in_place, target="cuda", fallback="raise")(dx, y)
    expected_x = x.copy()
    expected_total = _add_in_place(expected_x, y)
    assert_same_value(total.get()[()], expected_total)
    np.testing.assert_array_equal(dx.get(), expected_x)         # written where it lies


def test_runtime_index_errors_are_the_cpu_builds(emulated_gpu):
    """A run-time index out of range, or a slice NumPy shortens past the end that then fails
    to broadcast, stops the program with the CPU build's error (same message), not a wrong
    answer."""
    from test_control import _fir_runs_past, _index_loop
    for fn, args, error in ((_fir_runs_past, (np.arange(6.0), 5), ValueError),
                            (_index_loop, (np.arange(6.0), 8), IndexError)):
        with pytest.raises(error) as on_cpu:
            accelerate(fn, target="cpu", fallback="raise")(*args)
        gpu = accelerate(fn, target="cuda", fallback="raise")
        with pytest.raises(error) as on_gpu:
            gpu(*args)
        assert str(on_gpu.value) == str(on_cpu.value)
        assert gpu.stats()["gpu_signatures"] == 1


def _cuda_source(fn, *args):
    return accelerate(fn, target="cuda", fallback="raise").explain(*args).split("== generated CUDA ==")[1]


def test_swap_moves_device_pointers_and_a_residual_is_one_copy_back():
    from test_control import _converge_reduced_condition, _jacobi
    source = _cuda_source(_jacobi, np.ones((8, 8)), 5)
    loop = source[source.index("for (sv"):]
    assert "= npa_p0;" in loop and "cudaMemcpy" not in loop          # a pointer swap, no copy, no sync
    source = _cuda_source(_converge_reduced_condition, np.ones(8), 1e-6)
    loop = source[source.index("for (;;)"):]
    assert loop.count("cudaMemcpy(&npa_h") == 1                       # the condition, copied back once


def test_products_go_through_cublas_one_handle(emulated_gpu):
    """float32/float64 products call the (emulated) libcublas with the process's one
    handle; other dtypes run npaccel's kernel."""
    import ctypes
    shim = ctypes.CDLL(cuda.find_cublas())
    calls = shim.npa_emu_cublas_calls

    def product(a, b):
        return a @ b.T
    before = calls()
    for dtype in (np.float64, np.float32):
        f = accelerate(product, target="cuda", fallback="raise")
        check_same(product, lambda: (np.ones((3, 4), dtype), np.arange(20, dtype=dtype).reshape(5, 4)), accelerated=f)
        assert f.stats()["gpu_signatures"] == 1
    assert calls() == before + 2
    check_same(product, lambda: (np.ones((3, 4), np.int64), np.arange(20).reshape(5, 4)),
               accelerated=accelerate(product, target="cuda", fallback="raise"))
    assert calls() == before + 2 and shim.npa_emu_cublas_handles() == 1


@pytest.mark.parametrize("name", ["mlp", "attention", "kmeans"])
def test_sample_explain_shows_no_cpu_fallback(name):
    """The samples the GPU backend used to give to the CPU now have CUDA code."""
    module = samples.load(name)
    text = accelerate(getattr(module, name), target="cuda").explain(*module.inputs(0.001))
    assert "runs on the CPU" not in text.split("== generated CUDA ==")[1]

"""The CUDA backend on a real device against NumPy (marker gpu: skipped, with the reason,
where no CUDA device is usable; never skipped where one is).

Every sample and every case of cuda_cases.py (fidelity, argmin/argmax, scans, matrix
products, whole programs with loops and in-place updates) run through
``accelerate(target="cuda", fallback="raise")`` and tests/harness.py's check_same, and must
have run on the GPU; large inputs exercise full grids, both per-axis reduction strategies
and real cuBLAS; CuPy and PyTorch inputs stay on the device and come back as arrays of the
same library.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import samples
from cuda_cases import CASES
from harness import assert_same_value, check_same
from npaccel import FallbackWarning, accelerate
from npaccel.runtime import cuda
from npaccel.runtime.cuda_call import DeviceArray
from test_cuda_compile import GPU_SAMPLES

pytestmark = pytest.mark.gpu

RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}


def _on_gpu(fn, fallback="raise"):
    return accelerate(fn, target="cuda", fallback=fallback)


@pytest.mark.parametrize("scale", (0.001, 0.02, 1.0))
@pytest.mark.parametrize("name", GPU_SAMPLES)
def test_gpu_sample_matches_numpy(name, scale):
    module = samples.load(name)
    fn = getattr(module, name)
    f = check_same(fn, lambda: module.inputs(scale), rtol=RTOL, accelerated=_on_gpu(fn))
    assert f.stats()["gpu_signatures"] == 1 and f.stats()["fallbacks"] == 0


def _complex_scale(z):
    return z * 2.0 + 1.0


def test_what_the_gpu_lacks_runs_on_the_cpu_with_a_warning():
    """Complex numbers have no GPU code: NumPy's results from the CPU build, a
    FallbackWarning saying so, and no GPU signature."""
    z = np.linspace(0, 1, 9) + 1j
    f = _on_gpu(_complex_scale, fallback="warn")
    with pytest.warns(FallbackWarning, match="CUDA backend"):
        assert_same_value(f(z), _complex_scale(z))
    assert f.stats()["gpu_signatures"] == 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_numpy(name):
    fn, make, rtol = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        f = check_same(fn, make, rtol=rtol, accelerated=_on_gpu(fn))
    s = f.stats()
    assert s["fallbacks"] == 0
    if s["compiles"] + s["disk_hits"]:
        assert s["gpu_signatures"] == 1          # it ran on the GPU, not on the CPU


def _reductions(x):
    return x.sum(axis=0), x.sum(axis=1), x.max(axis=0), x.min(axis=1, keepdims=True), x.sum(), x.mean()


@pytest.mark.parametrize("shape", [(4, 1_000_003), (1_000_003, 4), (100_000, 64), (64, 100_000), (3000, 3000)])
def test_large_reductions_both_strategies(shape):
    check_same(_reductions, lambda: (np.random.default_rng(0).standard_normal(shape),), rtol=1e-11,
               accelerated=_on_gpu(_reductions))


def _triad(b, c):
    return b + 3.0 * c


def test_large_elementwise_uses_many_blocks():
    n = 40_000_000     # more elements than NPA_BLOCK * NPA_MAX_BLOCKS: the grid-stride loop wraps
    check_same(_triad, lambda: (np.ones(n), np.arange(n, dtype=np.float64)), accelerated=_on_gpu(_triad))


def test_npaccel_device_array_round_trip():
    rt = cuda.cuda_runtime()
    x = np.random.default_rng(1).random((300, 7))
    dx = DeviceArray(x.shape, x.dtype, rt)
    rt.htod(dx.ptr, x)
    out = _on_gpu(_reductions)(dx)
    for o, e in zip(out, _reductions(x)):
        assert isinstance(o, DeviceArray)
        assert_same_value(o.get(), np.asarray(e), rtol=1e-12)


def _chain(x, y, a):
    t = x * a + y
    return np.where(t > 0, np.sqrt(t), -t) / (1.0 + a), t.sum(axis=0)


def test_cupy_inputs_stay_on_the_device():
    cupy = pytest.importorskip("cupy")
    x = np.random.default_rng(2).standard_normal((500, 300))
    y = np.random.default_rng(3).standard_normal((500, 300))
    f = _on_gpu(_chain)
    for dx, dy, hx, hy in ((cupy.asarray(x), cupy.asarray(y), x, y),
                           (cupy.asarray(x)[::-1, ::2], cupy.asarray(y)[::-1, ::2], x[::-1, ::2], y[::-1, ::2])):
        got = f(dx, dy, 2.5)
        assert all(isinstance(g, cupy.ndarray) for g in got)
        for g, e in zip(got, _chain(hx, hy, 2.5)):
            assert_same_value(cupy.asnumpy(g), e, rtol=1e-12)
    assert f.stats()["gpu_signatures"] == 2     # contiguous and strided signatures


def test_torch_cuda_tensors_stay_on_the_device():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA here")
    x = np.random.default_rng(4).standard_normal((200, 30)).astype(np.float32)
    y = np.random.default_rng(5).standard_normal((200, 30)).astype(np.float32)
    got = _on_gpu(_chain)(torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda(), 0.5)
    for g, e in zip(got, _chain(x, y, 0.5)):
        assert isinstance(g, torch.Tensor) and g.is_cuda
        assert_same_value(g.cpu().numpy(), e, rtol=1e-5)


def test_negative_integer_power_raises_numpy_error_from_the_device():
    def power(a, p):
        return a ** p
    with pytest.raises(ValueError, match="negative integer powers"):
        _on_gpu(power)(np.arange(1000), -1)


# ---- programs, index reductions, scans and products at sizes that fill the device ------------

def _index_and_scans(x):
    return x.argmax(axis=1), x.argmin(axis=0), np.argmax(x), np.cumsum(x, axis=1), np.cumprod(1.0 + x[:, :40] * 1e-3, axis=0)


@pytest.mark.parametrize("shape", [(4, 1_000_003), (100_000, 64), (3000, 3000)])
def test_large_index_reductions_and_scans(shape):
    def make():
        x = np.random.default_rng(6).standard_normal(shape)
        x[1, 7] = x[1, 9] = 50.0          # ties: the first wins
        return (x,)
    f = check_same(_index_and_scans, make, rtol=1e-12, accelerated=_on_gpu(_index_and_scans))
    assert f.stats()["gpu_signatures"] == 1


def _products(a, b, c):
    return a @ b, a.T @ c, 1.5 * a @ b - 0.5


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-11), (np.float32, 2e-4)])
def test_large_products_through_cublas(dtype, rtol):
    if cuda.find_cublas() is None:
        pytest.skip("no libcublas on this machine: products ran npaccel's kernel (the cases above)")
    assert cuda.cuda_runtime().cublas_table()[0] != 0, "libcublas found but not usable"
    rng = np.random.default_rng(7)
    make = lambda: (rng.standard_normal((1024, 768)).astype(dtype), rng.standard_normal((768, 512)).astype(dtype),  # noqa: E731
                    rng.standard_normal((1024, 300)).astype(dtype))
    f = check_same(_products, make, rtol={np.dtype(dtype): rtol}, accelerated=_on_gpu(_products))
    assert f.stats()["gpu_signatures"] == 1


def test_large_programs():
    from test_control import _converge_reduced_condition, _heat_in_place, _jacobi
    rng = np.random.default_rng(8)
    for fn, make in ((_jacobi, lambda: (rng.standard_normal((2000, 1500)), 20)),
                     (_heat_in_place, lambda: (rng.standard_normal((1500, 2000)), 0.2, 10)),
                     (_converge_reduced_condition, lambda: (rng.random(3_000_000), 1e-10))):
        f = check_same(fn, make, rtol=1e-11, accelerated=_on_gpu(fn))
        assert f.stats()["gpu_signatures"] == 1

"""The CUDA backend on a real device against NumPy (marker gpu: skipped, with the reason,
where no CUDA device is usable; never skipped where one is).

Every sample and every fidelity case of cuda_cases.py run through
``accelerate(target="cuda")`` and tests/harness.py's check_same; large inputs exercise
full grids and both per-axis reduction strategies; CuPy and PyTorch inputs stay on the
device and come back as arrays of the same library.
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


@pytest.mark.parametrize("name", [s for s in samples.SAMPLES if s not in GPU_SAMPLES])
def test_other_samples_match_numpy_on_gpu_or_cpu(name):
    """Samples with kernels the GPU backend lacks (loops, library calls) still give NumPy's
    results: compiled for the CPU, with a FallbackWarning saying so."""
    module = samples.load(name)
    fn = getattr(module, name)
    f = _on_gpu(fn, fallback="warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = f(*module.inputs(0.02))
    assert_same_value(got, fn(*module.inputs(0.02)), RTOL)
    if f.stats()["gpu_signatures"] == 0:
        assert any(issubclass(w.category, FallbackWarning) for w in caught)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_numpy(name):
    fn, make, rtol = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        f = check_same(fn, make, rtol=rtol, accelerated=_on_gpu(fn))
    assert f.stats()["fallbacks"] == 0


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

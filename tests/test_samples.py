"""Every sample, accelerated with fallback="raise", equals its plain NumPy run.

Same dtype and shape; values exactly for integers and booleans, else within rtol 1e-9
(float64) or 1e-5 (float32), with an absolute floor of 64 ulp of the result's largest
magnitude (values that come out of cancellation, such as far out-of-the-money option
prices of 1e-100, carry rounding of that size). The inputs must come back unmodified.
Two small scales: one tiny, one large enough to take parallel code paths.
"""
import copy

import numpy as np
import pytest

import samples

SCALES = (0.001, 0.02)


def _outputs(result):
    items = result if isinstance(result, tuple) else (result,)
    return [np.asarray(x) for x in items]


def _fresh(args):
    return tuple(copy.deepcopy(a) for a in args)


def _assert_same(expected, got, name):
    assert len(got) == len(expected), f"{name}: {len(got)} outputs, NumPy gives {len(expected)}"
    for i, (e, g) in enumerate(zip(expected, got)):
        where = f"{name} output {i}"
        assert g.dtype == e.dtype, f"{where}: dtype {g.dtype}, NumPy {e.dtype}"
        assert g.shape == e.shape, f"{where}: shape {g.shape}, NumPy {e.shape}"
        if e.dtype.kind in "biu":
            np.testing.assert_array_equal(g, e, err_msg=where)
        else:
            eps = np.finfo(e.dtype).eps
            rtol = 1e-5 if e.dtype == np.float32 else 1e-9
            finite = np.isfinite(e)
            scale = float(np.abs(e[finite]).max()) if finite.any() else 0.0
            np.testing.assert_allclose(g, e, rtol=rtol, atol=64 * eps * scale,
                                       equal_nan=True, err_msg=where)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("name", samples.SAMPLES)
def test_sample_matches_numpy(name, scale):
    module = samples.load(name)
    fn = getattr(module, name)
    args = module.inputs(scale)
    pristine = _fresh(args)

    from npaccel import accelerate

    expected = _outputs(fn(*_fresh(args)))
    accelerated = accelerate(fn, fallback="raise")
    call_args = _fresh(args)
    got = _outputs(accelerated(*call_args))

    _assert_same(expected, got, name)
    for i, (before, after) in enumerate(zip(pristine, call_args)):
        if isinstance(before, np.ndarray):
            assert np.array_equal(before, after, equal_nan=True), \
                f"{name}: argument {i} was modified"
        else:
            assert before == after, f"{name}: argument {i} was modified"


@pytest.mark.parametrize("name", samples.SAMPLES)
def test_sample_conventions(name):
    """The samples/ contract: plain NumPy, a function of the module's name, inputs(scale)."""
    module = samples.load(name)
    fn = getattr(module, name)
    source = open(module.__file__).read()
    assert "npaccel" not in source, f"{name} must be plain NumPy"
    small = module.inputs(0.001)
    assert isinstance(small, tuple) and small
    again = module.inputs(0.001)
    for a, b in zip(small, again):                  # deterministic inputs
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b)
    _outputs(fn(*small))

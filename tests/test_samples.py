"""Every sample, accelerated with fallback="raise", equals its plain NumPy run.

Through the project's one comparison helper (tests/harness.py ``check_same``): same
structure, dtype and shape; integers and booleans exact; floats within rtol 1e-9 (float64)
or 1e-5 (float32), relative to each value plus the same fraction of the result's largest
magnitude (values that come out of cancellation, such as far out-of-the-money option prices
of 1e-100, carry rounding of that absolute size); inputs left exactly as they were.
Two small scales: a tiny one, and one large enough to take parallel code paths.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import samples  # noqa: E402

SCALES = (0.001, 0.02)
RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("name", samples.SAMPLES)
def test_sample_matches_numpy(name, scale):
    from harness import check_same    # imports npaccel: keep the convention tests apart

    module = samples.load(name)
    check_same(getattr(module, name), lambda: module.inputs(scale), rtol=RTOL)


@pytest.mark.parametrize("name", samples.SAMPLES)
def test_sample_conventions(name):
    """The samples/ contract: plain NumPy, a function named like the module, inputs(scale)
    deterministic and valid at a tiny scale."""
    module = samples.load(name)
    fn = getattr(module, name)
    source = Path(module.__file__).read_text()
    assert "npaccel" not in source, f"{name} must be plain NumPy"
    small = module.inputs(0.001)
    assert isinstance(small, tuple) and small
    for a, b in zip(small, module.inputs(0.001)):
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f"{name}: inputs() is not deterministic"
    result = fn(*small)
    for out in (result if isinstance(result, tuple) else (result,)):
        assert isinstance(out, np.ndarray) and out.size > 0

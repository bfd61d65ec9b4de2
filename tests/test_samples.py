"""Every sample compiles whole and equals its plain NumPy run (through the shared harness).

Samples run with fallback="raise": a pass proves no statement ran in Python. (What falls
back, and how it is reported, is tested in test_fallback.py.)
"""
import numpy as np
import pytest

import samples
from harness import check_same

SCALES = (0.001, 0.02)
# float tolerance per sample: cancellation in option prices and softmax-like sums
RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("name", list(samples.SAMPLES))
def test_sample_compiles_whole_and_matches_numpy(name, scale):
    module = samples.load(name)
    f = check_same(getattr(module, name), lambda: module.inputs(scale), rtol=RTOL)
    assert f.stats()["fallbacks"] == 0

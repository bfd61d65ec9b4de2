"""A small innermost axis (2, 3 or 4: RGB(A) pixels, xyz coordinates) is part of the
signature and compiled as a constant (ir/signature.small_last); results, errors and
dispatch stay NumPy's."""
import numpy as np
import pytest

from harness import check_same
from npaccel import accelerate

rng = np.random.default_rng(23)


def blend(fg, bg, alpha):
    a = alpha[..., None]
    return a * fg + (1.0 - a) * bg


def norms(p, w):
    return np.sqrt((p * p).sum(axis=-1)) + p @ w


def add(x, y):
    return x + y


@pytest.mark.parametrize("c", [1, 2, 3, 4, 5])
def test_channels(c):
    check_same(blend, lambda: (rng.random((7, 9, c), dtype=np.float32), rng.random((7, 9, c), dtype=np.float32),
                               rng.random((7, 9), dtype=np.float32)))
    check_same(norms, lambda: (rng.standard_normal((50, c)), rng.standard_normal(c)))


@pytest.mark.parametrize("make", [
    lambda: (rng.random((6, 3)), rng.random(3)),
    lambda: (rng.random((6, 3)), rng.random((6, 1))),
    lambda: (rng.random((6, 3)), rng.random((6, 4))),         # ValueError, as NumPy
    lambda: (rng.random((6, 3)), rng.random((6, 5))),
    lambda: (rng.random((6, 3)), rng.random((5, 3))),
    lambda: (rng.random((6, 3))[:, ::-1], rng.random((6, 3)).T.copy().T),
    lambda: (rng.random((0, 3)), rng.random((0, 3))),
])
def test_broadcasting_and_errors(make):
    check_same(add, make)


def test_each_small_size_is_its_own_signature_and_a_constant():
    f = accelerate(add, fallback="raise")
    for c in (3, 4, 5, 3):
        x = rng.random((4, c))
        np.testing.assert_array_equal(f(x, x), x + x)
    assert f.stats()["signatures"] == 3 and f.stats()["compiles"] + f.stats()["disk_hits"] == 3
    text = f.explain(rng.random((4, 3)), rng.random((4, 3)))
    assert "float64[n,3] C" in text and "param x #0 : float64[x.shape[0], 3]" in text

"""np.isin, np.digitize (frontend/calls_lookup.py) and np.kron (calls_linalg.py): compiled
(``fallback="raise"``) and equal to NumPy in the default mode too, over dtypes, shapes,
empty inputs, NaN, signed zeros and NumPy's errors; what they leave to Python runs there."""
import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

RNG = np.random.default_rng(5)
F = np.array([0.5, 2.0, np.nan, -0.0, 7.0, 3.0, 2.0])
T = np.array([[2.0, 0.0], [np.nan, 9.0]])


def both(fn, make):
    check_same(fn, make)
    check_same_default(fn, make)


def _isin_all(x, t):
    return np.isin(x, t), np.isin(x, t, invert=True), np.isin(x, t, assume_unique=True, kind="sort"), \
        np.isin(x[::-1], t[..., :0]), np.isin(x[:0], t)


@pytest.mark.parametrize("make", [
    lambda: (F, T),
    lambda: (F.reshape(7, 1)[::2], T[::-1]),
    lambda: (RNG.integers(-5, 5, (4, 6)).astype(np.int16), RNG.integers(-3, 9, 5)),
    lambda: (RNG.integers(0, 9, 12).astype(np.uint8), np.array([3, 300, -1])),          # mixed: int64 common
    lambda: (RNG.integers(-4, 4, 9), np.array([0.5, 1.0, -2.0])),                         # int against float
    lambda: (RNG.random(8) > 0.5, np.array([True])),
    lambda: (F[:1], T[:1, :1]),
])
def test_isin(make):
    both(_isin_all, make)


def test_isin_of_a_python_list_and_a_scalar():
    both(lambda x: (np.isin(x, [2.0, 7.0]), np.isin(x, 3.0), np.isin(x[0], x)), lambda: (F,))


def test_isin_what_runs_in_python():
    check_same_default(lambda x, t: np.isin(x, t, kind="table"), lambda: (F.astype(int), T.astype(int)))
    check_same_default(lambda x, t: np.isin(x, t, kind="table"), lambda: (F, T))        # ValueError
    check_same_default(lambda x, t: np.isin(x + 1j, t), lambda: (F, T))
    with pytest.raises(UnsupportedError, match="isin"):
        accelerate(lambda x, t: np.isin(x + 1j, t), fallback="raise")(F, T)


def _digitize_all(x, bins):
    return np.digitize(x, bins), np.digitize(x, bins, right=True), np.digitize(x[0], bins), np.digitize(x[:0], bins)


@pytest.mark.parametrize("make", [
    lambda: (F, np.array([0.0, 1.0, 2.5, 7.0])),
    lambda: (F[::-2], np.array([-0.0, 0.0, 2.0, 2.0, 3.0])),                # repeated edges
    lambda: (RNG.integers(-9, 9, (3, 5)), np.array([-3, 0, 4])),
    lambda: (RNG.standard_normal(20).astype(np.float32), np.array([-1.0, 0.0, 1.0])),
    lambda: (F, np.array([1.0])), lambda: (F, np.zeros(0)),
    lambda: (F, np.array([7.0, 2.5, 1.0, 0.0])),                            # decreasing: reruns in Python
])
def test_digitize(make):
    both(_digitize_all, make)


def test_digitize_errors_are_numpys():
    both(lambda x, b: np.digitize(x, b), lambda: (F, np.array([3.0, 1.0, 4.0])))     # not monotonic
    both(lambda x, b: np.digitize(x, b), lambda: (F, np.array([0.0, np.nan, 1.0])))
    both(lambda x, b: np.digitize(x + 1j, b), lambda: (F, np.array([1.0])))          # complex x
    check_same_default(lambda x, b: np.digitize(x, b), lambda: (F, np.ones((2, 2))))  # 2-d bins


def _kron_all(a, b):
    return (np.kron(a, b), np.kron(a[0], b), np.kron(a, b[:, 0]), np.kron(a[0], b[0]), np.kron(a[:0], b),
            np.kron(2, b), np.kron(a[None], b), np.kron(a, 0.5))


@pytest.mark.parametrize("make", [
    lambda: (np.arange(6.0).reshape(2, 3), np.arange(1.0, 5.0).reshape(2, 2)),
    lambda: (RNG.integers(-3, 3, (3, 2)).astype(np.int8), RNG.standard_normal((4, 3)).astype(np.float32)[::-1]),
    lambda: (np.ones((1, 1), np.complex128) * (1 + 2j), np.asfortranarray(RNG.standard_normal((2, 5)))),
])
def test_kron(make):
    both(_kron_all, make)


def _ranks(a, v):
    return (np.linalg.matrix_rank(a), np.linalg.matrix_rank(a.T.astype(np.float32)), np.linalg.matrix_rank(v),
            np.linalg.matrix_rank(v * 0), np.linalg.matrix_rank(a, tol=1e-3), np.linalg.matrix_rank(a, rtol=0.5),
            np.linalg.matrix_rank(np.stack([a, a * 0])), np.linalg.matrix_rank(a[:, :1] @ a[:1]),
            np.linalg.matrix_rank(a.astype(np.int64)), np.linalg.matrix_rank(a @ a.T, hermitian=True))


@pytest.mark.parametrize("make", [
    lambda: ((RNG.standard_normal((5, 2)) @ RNG.standard_normal((2, 4))), RNG.standard_normal(4)),
    lambda: (np.eye(3)[::-1], np.zeros(2)),
    lambda: (np.ones((1, 1)), np.ones(1)),
    lambda: (np.zeros((0, 3)), np.zeros(0)),
])
def test_matrix_rank(make):
    both(_ranks, make)


def test_builtin_max_of_a_tuple_of_run_time_sizes():
    both(lambda a: (max(a.shape), min(a.shape[1:]), max(a.shape[:1]) * 0.5, min((a.shape[0], 2))),
         lambda: (np.zeros((3, 5)),))

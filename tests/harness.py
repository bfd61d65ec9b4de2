"""The one way tests compare npaccel with NumPy.

``check_same(fn, make_args)`` runs the plain function and its accelerated version (fallback
raising, so a pass proves the code compiled) on fresh, identical inputs and requires:
the same exception type, or results of the same structure, type, dtype, shape and values;
and inputs left exactly as they were, or written exactly as the plain function writes them.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

from npaccel import accelerate

# Elementwise float results may differ from NumPy's by a few ulp per op (vector libm), which
# cancellation in a chain can magnify relative to a small result: the tolerance is relative
# to each value plus the same fraction of the largest magnitude. Reductions may reorder sums.
# Integers and bools are always exact; so are complex results unless ``rtol`` names their
# dtype (each part is compared as a float, with NaN positions and signed zeros).
ULP_RTOL = {np.dtype(np.float64): 1e-13, np.dtype(np.float32): 4e-6}
REDUCTION_RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}


def _copy_args(args):
    return tuple(copy.deepcopy(a) if not isinstance(a, np.ndarray) else _copy_array(a) for a in args)


def _copy_array(a):
    """A copy with the same strides and offset pattern (non-contiguous stays non-contiguous)."""
    if a.flags.c_contiguous or a.size == 0:
        return a.copy()
    base = a.base if a.base is not None else a
    while isinstance(base, np.ndarray) and base.base is not None and isinstance(base.base, np.ndarray):
        base = base.base
    fresh_base = base.copy()
    offset = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return np.ndarray(a.shape, a.dtype, buffer=fresh_base, offset=offset, strides=a.strides)


def assert_same_value(actual, expected, rtol=None, where="result"):
    assert type(actual) is type(expected) or (
        isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray)), \
        f"{where}: type {type(actual).__name__} != NumPy's {type(expected).__name__}"
    if isinstance(expected, tuple):
        assert len(actual) == len(expected), f"{where}: tuple length"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same_value(a, e, rtol, f"{where}[{i}]")
        return
    if expected is None:
        assert actual is None
        return
    if isinstance(expected, (np.ndarray, np.generic)):
        assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype} != NumPy's {expected.dtype}"
        assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != NumPy's {expected.shape}"
    a, e = np.asarray(actual), np.asarray(expected)
    if e.dtype.kind in "fc":
        tol = (rtol or ULP_RTOL).get(e.dtype, 0) if isinstance(rtol or ULP_RTOL, dict) else rtol
        finite = np.abs(e[np.isfinite(e)])
        scale = float(finite.max()) if finite.size else 0.0
        # complex: each part as a float, against the largest complex magnitude
        parts = (("", a, e),) if e.dtype.kind == "f" else (("real part", a.real, e.real), ("imag part", a.imag, e.imag))
        for name, pa, pe in parts:
            at = f"{where} {name}".rstrip()
            np.testing.assert_allclose(pa, pe, rtol=tol, atol=tol * scale, equal_nan=True, err_msg=at)
            zeros = (pe == 0) & (pa == 0)
            assert np.array_equal(np.signbit(pa[zeros]), np.signbit(pe[zeros])), f"{at}: sign of zero"
            assert np.array_equal(np.isnan(pa), np.isnan(pe)), f"{at}: NaN positions"
    else:
        assert np.array_equal(a, e), f"{where}: values differ\nnpaccel: {a}\nNumPy:   {e}"


def check_same(fn, make_args, *, rtol=None, accelerated=None, calls=1):
    """Compare ``accelerate(fn, fallback="raise")`` with ``fn`` on ``make_args()`` inputs.

    ``make_args`` is called once; each side gets its own copy. Returns the accelerated
    function (for stats/explain checks).
    """
    args = make_args() if callable(make_args) else tuple(make_args)
    acc = accelerated or accelerate(fn, fallback="raise")
    for _ in range(calls):
        plain_args, acc_args, pristine = _copy_args(args), _copy_args(args), _copy_args(args)
        try:
            expected = fn(*plain_args)
        except Exception as exc:  # NumPy's error is the reference
            with pytest.raises(type(exc)):
                acc(*acc_args)
            continue
        actual = acc(*acc_args)
        assert_same_value(actual, expected, rtol)
        for i, (after, plain_after, before) in enumerate(zip(acc_args, plain_args, pristine)):
            if not isinstance(before, np.ndarray):
                continue
            if np.array_equal(plain_after, before, equal_nan=True):
                assert np.array_equal(after, before, equal_nan=True), f"input {i} was modified"
            else:   # the function writes this argument: it must end up as NumPy's does
                assert_same_value(after, plain_after, rtol, f"argument {i} after the call")
    return acc


def layouts(sample, dtype):
    """name -> array maker over ``sample(dtype, *shape)``: contiguous, strided, negative
    strides, Fortran, 0-d, empty, size 1."""
    return {
        "contiguous": lambda: sample(dtype, 6, 5),
        "strided": lambda: sample(dtype, 12, 10)[::2, 1::3],
        "negative": lambda: sample(dtype, 6, 5)[::-1, ::-2],
        "fortran": lambda: np.asfortranarray(sample(dtype, 6, 5)),
        "zero_d": lambda: sample(dtype, 1).reshape(()),
        "empty": lambda: sample(dtype, 0, 5),
        "size_one": lambda: sample(dtype, 1, 1),
    }


def quiet_fixture():
    """An autouse fixture silencing NumPy's floating-point warnings and Python warnings, for
    modules that feed special values on purpose: ``_quiet = quiet_fixture()``."""
    import warnings

    @pytest.fixture(autouse=True)
    def _quiet():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                yield
    return _quiet

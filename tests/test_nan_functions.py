"""np.nanargmax / nanargmin / nanvar / nanstd (frontend/calls_nan_functions.py): compiled
(``fallback="raise"``) and equal to NumPy in the default mode too, over dtypes, axes,
layouts, empty and all-NaN slices, with NumPy's errors and warnings."""
import warnings

import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

RNG = np.random.default_rng(11)


def _with_nans(shape, dtype, share=0.2):
    x = RNG.standard_normal(shape) * 10
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    x = x.astype(dtype)
    if np.dtype(dtype).kind in "fc":
        x[RNG.random(shape) < share] = np.nan
    return x


def both(fn, make):
    check_same(fn, make)
    check_same_default(fn, make)


LAYOUTS = {
    "contiguous": lambda dt: (_with_nans((7, 5), dt),),
    "strided": lambda dt: (_with_nans((14, 10), dt)[::2, 1::2],),
    "negative": lambda dt: (_with_nans((7, 5), dt)[::-1, ::-1],),
    "fortran": lambda dt: (np.asfortranarray(_with_nans((7, 5), dt)),),
    "one_row": lambda dt: (_with_nans((1, 5), dt, 0.0),),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int32, np.bool_])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_nan_arg_extremes(dtype, layout):
    both(lambda a: (np.nanargmax(a), np.nanargmin(a), np.nanargmax(a, axis=1), np.nanargmin(a, axis=-1, keepdims=True)),
         lambda: LAYOUTS[layout](dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex64, np.int16, np.bool_])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_nan_variance_and_deviation(dtype, layout):
    both(lambda a: (np.nanvar(a), np.nanstd(a, axis=1), np.nanvar(a, axis=1, ddof=1, keepdims=True),
                    np.nanstd(a, keepdims=True), np.nanvar(a, axis=(0, 1))),
         lambda: LAYOUTS[layout](dtype))


def test_nan_variance_dtype_argument():
    both(lambda a: (np.nanvar(a, dtype=np.float64), np.nanstd(a, axis=1, dtype=np.float64)),
         lambda: (_with_nans((6, 9), np.float32),))
    both(lambda a: np.nanvar(a, dtype=np.int64), lambda: (_with_nans((3, 4), np.float64),))    # TypeError
    both(lambda a: np.nanvar(a, axis=2), lambda: (_with_nans((3, 4), np.float64),))          # AxisError


def test_large_arrays_sum_pairwise_as_numpy():
    both(lambda a: (np.nanvar(a), np.nanstd(a, axis=0)), lambda: (_with_nans((3000, 7), np.float32, 0.05),))


def test_all_nan_slices_raise_numpys_error():
    a = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    both(lambda a: np.nanargmax(a, axis=0), lambda: (a,))     # column 0 is all NaN
    both(lambda a: np.nanargmin(a, axis=1), lambda: (a,))     # fine
    both(lambda a: np.nanargmin(a), lambda: (np.full(3, np.nan),))
    both(lambda a: np.nanargmax(a), lambda: (np.zeros(0),))     # argmax of an empty sequence
    both(lambda a: np.nanargmax(a, axis=1), lambda: (np.zeros((0, 3)),))


def test_degrees_of_freedom_warning_comes_from_numpy():
    def f(a):
        return np.nanvar(a, axis=0, ddof=1)
    a = np.array([[np.nan, 1.0], [np.nan, 2.0], [3.0, np.nan]])
    for mode in ("raise", "warn"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = accelerate(f, fallback=mode)(a)
        np.testing.assert_array_equal(got, np.array([np.nan, 0.5]))
        assert any("Degrees of freedom <= 0" in str(w.message) for w in caught)
    check_same_default(lambda a: np.nanstd(a), lambda: (np.zeros((0, 4)),))
    check_same_default(lambda a: np.nanstd(a, axis=0), lambda: (a,))


def test_what_runs_in_python():
    x = _with_nans((4, 3), np.float64)
    check_same_default(lambda a, ax: np.nanvar(a, axis=ax), lambda: (x, 1))          # a run-time axis
    check_same_default(lambda a: np.nanstd(a, where=a > 0), lambda: (x,))
    check_same_default(lambda a: np.nanargmax(a, out=np.zeros((), np.intp)), lambda: (x,))
    with pytest.raises(UnsupportedError, match="nanvar"):
        accelerate(lambda a: np.nanvar(a, mean=np.zeros((4, 1))), fallback="raise")(x)

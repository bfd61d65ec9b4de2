"""np.pad's computing modes, compiled (fallback="raise") and equal to NumPy: maximum, minimum,
mean, median (stat_length None, scalar, pairs, per-axis pairs, clipped to the axis),
linear_ramp (end_values in every form), reflect/symmetric with reflect_type='odd' (widths
beyond one reflection), 'empty' (shape, dtype and the original region; its pad values are
unspecified), and NumPy's errors. The copying modes are tests/test_numpy_api.py's.

Cases are grouped into few functions per dtype so that the file compiles little.
"""
from __future__ import annotations

import numpy as np
import pytest

from harness import assert_same_value, check_same, quiet_fixture
from npaccel import accelerate

_quiet = quiet_fixture()

DTYPES = [np.bool_, np.int8, np.int64, np.uint8, np.float32, np.float64]


def sample(dtype, *shape):
    n = int(np.prod(shape))
    values = (np.arange(n) * 7 % 11 - 4).reshape(shape)
    if np.dtype(dtype).kind == "b":
        return values % 3 == 0
    if np.dtype(dtype).kind == "f":
        return (values * 1.37).astype(dtype)
    return values.astype(dtype)


# ---- maximum, minimum, mean, median ----------------------------------------------------------------
def stat_pads(x):
    out = ()
    for mode in ("maximum", "minimum", "mean", "median"):
        out += (np.pad(x, ((2, 3), (1, 4)), mode),
                np.pad(x, 2, mode, stat_length=2),
                np.pad(x, ((1, 0), (3, 2)), mode, stat_length=((1, 2), (9, 3))),
                np.pad(x, (0, 2), mode, stat_length=(3, 1)))
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_stat_modes_over_dtypes(dtype):
    check_same(stat_pads, lambda: (sample(dtype, 4, 5),))


@pytest.mark.parametrize("make", [lambda: sample(np.float64, 8, 10)[::2, 1::3],
                                  lambda: sample(np.float64, 4, 5)[::-1, ::-2],
                                  lambda: sample(np.float64, 1, 1)],
                         ids=["strided", "negative", "size_one"])
def test_stat_modes_over_layouts(make):
    check_same(stat_pads, lambda: (make(),))


def test_stat_modes_round_half_to_even_and_nan():
    def f(x, v):
        return (np.pad(x, 3, "mean"), np.pad(x, 2, "median"), np.pad(x, (1, 2), "mean", stat_length=2),
                np.pad(v, 2, "median"), np.pad(v, 2, "mean"), np.pad(v, (1, 1), "maximum", stat_length=2))
    check_same(f, lambda: (np.array([1, 2, 4, 7], np.int32), np.array([1.0, np.nan, 3.0, 4.0, 5.0])))
    check_same(f, lambda: (np.array([1, 2], np.int32), np.array([2.0, 1.0])))     # x.5 rounds to even


def test_stat_modes_3d_and_stat_length_zero():
    def f(x, v):
        return (np.pad(x, ((1, 1), (0, 2), (2, 0)), "median"), np.pad(x, 1, "maximum", stat_length=((1, 1), (2, 2), (3, 3))),
                np.pad(v, 2, "mean", stat_length=0))
    check_same(f, lambda: (sample(np.float64, 2, 3, 4), sample(np.float64, 5)))


# ---- linear_ramp --------------------------------------------------------------------------------
def ramps(x):
    return (np.pad(x, ((2, 3), (1, 4)), "linear_ramp"),
            np.pad(x, 3, "linear_ramp", end_values=5),
            np.pad(x, (2, 1), "linear_ramp", end_values=(-3, 7)),
            np.pad(x, ((1, 2), (3, 0)), "linear_ramp", end_values=((1.5, 2), (100, -1))))


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_ramp_over_dtypes(dtype):
    check_same(ramps, lambda: (sample(dtype, 4, 5),))


def test_linear_ramp_layouts():
    check_same(ramps, lambda: (sample(np.float32, 8, 10)[::-2, 1::3],))


# ---- reflect_type='odd' ---------------------------------------------------------------------------
def odd_reflections(x):
    return (np.pad(x, ((2, 3), (1, 4)), "reflect", reflect_type="odd"),
            np.pad(x, ((7, 11), (13, 2)), "reflect", reflect_type="odd"),
            np.pad(x, ((2, 3), (1, 4)), "symmetric", reflect_type="odd"),
            np.pad(x, ((9, 5), (0, 12)), "symmetric", reflect_type="odd"),
            np.pad(x, 3, "reflect", reflect_type="even"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_odd_reflection_over_dtypes(dtype):
    check_same(odd_reflections, lambda: (sample(dtype, 4, 5),))


@pytest.mark.parametrize("make", [lambda: sample(np.int16, 1, 5), lambda: sample(np.float64, 2, 1),
                                  lambda: sample(np.bool_, 8, 10)[::-2, 1::3]],
                         ids=["one_row", "one_column", "bool_negative"])
def test_odd_reflection_short_axes(make):
    check_same(odd_reflections, lambda: (make(),))


# ---- empty ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int32, np.float64])
def test_empty_mode_shape_dtype_and_original_region(dtype):
    @accelerate(fallback="raise")
    def f(x):
        return np.pad(x, ((1, 2), (3, 0)), "empty")
    x = sample(dtype, 4, 5)
    out, expected = f(x), np.pad(x, ((1, 2), (3, 0)), "empty")
    assert out.shape == expected.shape and out.dtype == expected.dtype
    assert np.array_equal(out[1:5, 3:], x)


# ---- inputs: read-only, 0-width, 1-d ---------------------------------------------------------------
def test_read_only_and_zero_width():
    @accelerate(fallback="raise")
    def f(x):
        return (np.pad(x, 0, "mean"), np.pad(x, ((0, 0), (2, 1)), "median"), np.pad(x, (1, 0), "linear_ramp"),
                np.pad(x, ((0, 3), (0, 0)), "symmetric", reflect_type="odd"))
    x = sample(np.float64, 4, 5)
    x.flags.writeable = False
    expected = (np.pad(x, 0, "mean"), np.pad(x, ((0, 0), (2, 1)), "median"), np.pad(x, (1, 0), "linear_ramp"),
                np.pad(x, ((0, 3), (0, 0)), "symmetric", reflect_type="odd"))
    assert_same_value(f(x), expected)


# ---- NumPy's errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [
    lambda x: np.pad(x, 1, "maximum", stat_length=0),              # ValueError: no value
    lambda x: np.pad(x, ((0, 0), (1, 1)), "minimum", stat_length=((0, 1), (2, 2))),  # unpadded axis too
    lambda x: np.pad(x, 1, "mean", stat_length=-1),               # negative
    lambda x: np.pad(x, 1, "median", end_values=1),               # keyword of another mode
    lambda x: np.pad(x, 1, "linear_ramp", reflect_type="odd"),
    lambda x: np.pad(x, 1, "nonsense"),
    lambda x: np.pad(x, 1.5, "mean"),                             # TypeError: widths
    lambda x: np.pad(x[:0], 1, "mean"),                           # empty axis
    lambda x: np.pad(x[:0], 1, "linear_ramp"),
    lambda x: np.pad(x[:0], ((0, 0), (1, 1)), "maximum"),          # empty array, non-empty padded axis: fine
])
def test_errors(case):
    check_same(case, lambda: (sample(np.float64, 4, 5),))


def run_time_widths(x, k):
    return (np.pad(x, k), np.pad(x, k, mode="edge"), np.pad(x, (k, 1), mode="wrap"),
            np.pad(x, ((k, 0), (1, k)), mode="reflect"), np.pad(x, k, mode="symmetric"),
            np.pad(x, (k,), constant_values=7), np.pad(x, [[0, k]], mode="empty").shape[1])


@pytest.mark.parametrize("k", [0, 1, 3, 7, -1], ids=["0", "1", "3", "7", "negative"])
@pytest.mark.parametrize("dtype", [np.bool_, np.int64, np.float32])
def test_widths_known_at_run_time(k, dtype):
    """An int argument as the width: reflections wider than the axis, one-element and
    empty axes (NumPy's errors), negative widths (its ValueError)."""
    from harness import check_same_default
    for shape in [(3, 4), (3, 1), (0, 4)]:
        check_same(run_time_widths, lambda: (sample(dtype, *shape), k))
        check_same_default(run_time_widths, lambda: (sample(dtype, *shape), k))


def test_widths_from_sizes_views_and_loops():
    def halo(x, w):
        p = w.shape[0] // 2
        return np.pad(x, p, mode="reflect") * 2, np.pad(x[::-1, ::2], (p, p + 1), mode="edge")

    def grown(x):
        total = 0.0
        for k in range(4):
            total += np.pad(x, k, mode="wrap").sum() + np.pad(x, (0, k)).shape[1]
        return total
    x = sample(np.float64, 4, 6)
    x.flags.writeable = False
    check_same(halo, lambda: (x, np.ones(5)))
    check_same(halo, lambda: (x, np.ones(1)))
    check_same(grown, lambda: (x,))


def test_dict_widths():
    def f(x):
        return (np.pad(x, {1: 2}), np.pad(x, {-1: (0, 1)}, mode="edge"), np.pad(x, {0: 1, 1: (2, 0)}, mode="reflect"),
                np.pad(x, {}))
    check_same(f, lambda: (sample(np.float64, 3, 4),))
    from harness import check_same_default
    check_same_default(f, lambda: (sample(np.int64, 3, 4)[::-1],))
    check_same_default(f, lambda: (sample(np.float64, 3, 4).tolist(),))      # a list: NumPy converts it

    def bad_width(x):
        return np.pad(x, {0: 1.5})

    def bad_axis(x):
        return np.pad(x, {5: 1})

    def bad_pair(x):
        return np.pad(x, {0: (1, 2, 3)})
    for g in (bad_width, bad_axis, bad_pair):       # NumPy's AssertionError, IndexError
        check_same(g, lambda: (sample(np.float64, 3, 4),))


def test_run_time_widths_not_compiled_run_in_python():
    """Statistic and ramp modes, odd reflections and float widths: NumPy's answers."""
    from harness import check_same_default
    from npaccel import UnsupportedError

    def f(x, k):
        return np.pad(x, k, mode="mean"), np.pad(x, k, mode="linear_ramp"), np.pad(x, k, "reflect", reflect_type="odd")
    with pytest.raises(UnsupportedError, match="known only at run time"):
        accelerate(f, fallback="raise")(sample(np.float64, 3, 4), 2)
    check_same_default(f, lambda: (sample(np.float64, 3, 4), 2))
    check_same(lambda x, k: np.pad(x, k), lambda: (sample(np.float64, 3, 4), 1.5))          # TypeError
    check_same(lambda x, k: np.pad(x, k), lambda: (sample(np.float64, 3, 4), True))

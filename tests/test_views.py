"""Basic indexing as views (slices with steps, ints, None, Ellipsis, .T), std/var, angles."""
import re

import numpy as np
import pytest

from harness import check_same

from npaccel import accelerate

X = np.random.default_rng(3).random((7, 9))


@pytest.mark.parametrize("expr", [
    lambda a: a[1:-1, ::2] * 2 + a[:-2, 1::2],
    lambda a: a[::-1, 3] + a[2, ::-3].sum(),
    lambda a: a[:, None, :] - a[None, :, :],
    lambda a: a.T * 2 + a[..., 0].sum(),
    lambda a: a[-3:100, -100:2],
    lambda a: a[5:2],
    lambda a: a[-1] * a[0],
    lambda a: a.transpose() + 1.0,
    lambda a: np.transpose(a)[::2] - 1.0,
    lambda a: a.copy(),
])
def test_views_read_like_numpy(expr):
    check_same(expr, lambda: (X,))
    check_same(expr, lambda: (X[::-1, ::2],))          # a strided, reversed input


def test_index_errors_match_numpy():
    check_same(lambda a: a[10], lambda: (X,))            # IndexError at run time
    check_same(lambda a: a[0, 0, 0], lambda: (X,))       # too many indices
    check_same(lambda a: a[1, ..., ...], lambda: (X,))   # two ellipses


def test_stencil_of_shifted_slices_is_one_loop():
    def blur(u):
        return 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
    f = check_same(blur, lambda: (X,))
    text = f.explain(X)
    assert "kernel 0: elementwise" in text and "kernel 1" not in text and "malloc" not in text


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_std_var_mean(dtype):
    x = (X * 10).astype(dtype)
    check_same(lambda a: (a.std(axis=0), a.var(), np.std(a, axis=1, ddof=1, keepdims=True), a.mean(axis=(0, 1))),
               lambda: (x,), rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_angle_conversions(dtype):
    check_same(lambda a: (np.radians(a), np.degrees(a), np.deg2rad(a), np.rad2deg(a)),
               lambda: ((X * 400 - 200).astype(dtype),))


def test_fields_of_packed_records_are_not_misread():
    """A field of a packed record array has strides that are not whole elements (and may be
    unaligned): kernels index in elements, so such an argument is never compiled."""
    import warnings

    from npaccel import UnsupportedError, accelerate

    def double(x):
        return x * 2.0
    rec = np.zeros(10, dtype=[("a", "u1"), ("x", "f8")])
    rec["x"] = np.arange(10)
    wide = np.zeros(6, dtype=[("c", "c16"), ("x", "f8")])      # aligned, stride 24 for 16-byte items
    wide["c"] = np.arange(6) * (1 + 2j)
    for field in (rec["x"], wide["c"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_array_equal(accelerate(double, fallback="silent")(field), field * 2.0)
        with pytest.raises(UnsupportedError, match="not whole elements"):
            accelerate(double, fallback="raise")(field)


def one_row_slices(a, b):
    return a + b[:1], a * b[-1:], a - b[2:3], b[1:2, :] + a


@pytest.mark.parametrize("rows", [5, 3, 1, 0], ids=["5", "3", "1", "0"])
def test_slices_of_one_row_broadcast(rows):
    """``b[:1]`` of an array whose length is known at run time is 1 (or 0) long: it
    broadcasts against any length, as in NumPy (0 rows: NumPy's errors)."""
    from harness import check_same_default
    check_same(one_row_slices, lambda: (np.arange(12.0).reshape(3, 4), np.arange(rows * 4.0).reshape(rows, 4)))
    check_same_default(one_row_slices, lambda: (np.arange(12.0).reshape(3, 4), np.arange(rows * 4.0).reshape(rows, 4)))


def store_mismatch(a, b):
    a[1:-1, 1:-1] = b * 2.0
    return a


def test_a_store_of_the_wrong_shape_raises_numpys_setitem_message():
    """NumPy's setitem message (not the one of an operation's broadcast)."""
    acc = accelerate(store_mismatch, fallback="raise")
    for b in (np.ones((3, 3)), np.ones((2, 3)), np.ones(3), np.ones((1, 3))):
        a = np.zeros((5, 5))
        try:
            store_mismatch(a.copy(), b)
            expected = None
        except ValueError as exc:
            expected = str(exc)
        if expected is None:
            np.testing.assert_array_equal(acc(a.copy(), b), store_mismatch(a.copy(), b))
        else:
            with pytest.raises(ValueError, match=re.escape(expected)):
                acc(a.copy(), b)

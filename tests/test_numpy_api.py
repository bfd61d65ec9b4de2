"""The NumPy API of HPC kernels, compiled (fallback="raise") and equal to NumPy: the
methods of binary ufuncs (outer, reduce, accumulate, at), triu/tril, mgrid/ogrid, reshape
with sizes computed at run time, repeat/tile, np.pad's copying modes.

Cases are grouped into few functions per dtype so that the file compiles little.
"""
from __future__ import annotations

import numpy as np
import pytest

from harness import check_same, check_same_default, quiet_fixture

_quiet = quiet_fixture()

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
          np.float32, np.float64, np.complex128]


def sample(dtype, *shape):
    n = int(np.prod(shape))
    values = (np.arange(n) * 7 % 11 - 4).reshape(shape)
    if np.dtype(dtype).kind == "b":
        return values % 3 == 0
    if np.dtype(dtype).kind == "c":
        return (values + 1j * values[::-1].reshape(shape)).astype(dtype)
    return values.astype(dtype)


LAYOUTS = {
    "contiguous": lambda dt: sample(dt, 4, 5),
    "strided": lambda dt: sample(dt, 8, 10)[::2, 1::3],
    "negative": lambda dt: sample(dt, 4, 5)[::-1, ::-2],
    "size_one": lambda dt: sample(dt, 1, 1),
}


# ---- ufunc methods --------------------------------------------------------------------------------
def ufunc_methods(x, v):
    return (np.add.outer(v, v), np.multiply.outer(x, v[:2]), np.maximum.reduce(x), np.add.reduce(x, axis=1),
            np.add.reduce(x, axis=None, keepdims=True), np.logical_or.reduce(x, axis=0),
            np.add.accumulate(x, axis=1), np.minimum.accumulate(x), np.maximum.outer(v, v[::-1]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_ufunc_methods_over_dtypes(dtype):
    check_same(ufunc_methods, lambda: (sample(dtype, 4, 5), sample(dtype, 6)))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_ufunc_methods_over_layouts(layout):
    check_same(ufunc_methods, lambda: (LAYOUTS[layout](np.float64), LAYOUTS[layout](np.int32)[0]))


def dtype_options(x):
    return (np.add.reduce(x, dtype=np.float32), np.multiply.reduce(x, axis=(0, 1)), np.add.accumulate(x, dtype=np.int8),
            np.add.outer(x[0], 1.0), np.multiply.outer(x[0], 2, dtype=np.float64), np.subtract.accumulate(x, axis=1),
            np.maximum.reduce(x, axis=-1, keepdims=True), np.fmax.reduce(x, axis=0), np.bitwise_xor.accumulate(x))


@pytest.mark.parametrize("dtype", [np.int16, np.uint8])
def test_ufunc_method_options(dtype):
    check_same(dtype_options, lambda: (sample(dtype, 3, 4),))


def test_ufunc_methods_of_floats_with_nan():
    def f(x):
        return np.maximum.reduce(x), np.fmin.reduce(x, axis=1), np.maximum.accumulate(x, axis=0), np.add.reduce(x)
    check_same(f, lambda: (np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, -2.0]], np.float32),))


@pytest.mark.parametrize("make", [lambda: np.zeros((0, 3)), lambda: np.zeros((3, 0)), lambda: np.float64(2.0)])
def test_ufunc_method_errors_and_empty(make):
    check_same(lambda x: np.maximum.reduce(x), lambda: (make(),))
    check_same(lambda x: (np.add.reduce(x), np.add.accumulate(x)), lambda: (make(),))


def test_ufunc_method_bad_arguments():
    x = sample(np.float64, 3, 4)
    check_same(lambda a: np.add.reduce(a, axis=2), (x,))
    check_same(lambda a: np.add.accumulate(a, axis=None), (x,))
    check_same(lambda a: np.subtract.outer(a > 0, a > 0), (x,))     # bool subtract: TypeError


@pytest.mark.parametrize("dtype", [np.int8, np.uint64, np.float32, np.float64, np.complex128])
def test_ufunc_at_accumulates_repeated_indices(dtype):
    def f(x, i, v):
        np.add.at(x, i, v)
        np.maximum.at(x, i[:2], 3)
        np.multiply.at(x, 1, 2)
        return x
    check_same(f, lambda: (sample(dtype, 6), np.array([0, 0, 2, -1, 2, 0]), sample(dtype, 6)))


def test_ufunc_at_casts_and_checks():
    def f(x, i):
        np.add.at(x, i, 1.5)          # the operand is cast to x's dtype first (1), as NumPy's .at does
        np.subtract.at(x[::-1], i, 1000)
        return x
    check_same(f, lambda: (np.arange(5, dtype=np.uint8), np.array([1, 1, 4])))
    check_same(f, lambda: (np.arange(5, dtype=np.uint8), np.array([1, 5])))       # IndexError, nothing written


def test_ufunc_at_on_a_local_and_two_dims():
    def f(idx, w):
        counts = np.zeros((3, 4))
        np.add.at(counts, (idx % 3, idx % 4), w)
        return counts
    check_same(f, lambda: (np.array([0, 5, 5, 7, 0, 11]), np.linspace(0.5, 3.0, 6)))


# ---- triangles, grids -----------------------------------------------------------------------------
def triangles(x, k):
    return np.triu(x), np.tril(x, -1), np.triu(x, k), np.tril(x[0], k)


@pytest.mark.parametrize("dtype", DTYPES)
def test_triu_tril_over_dtypes(dtype):
    check_same(triangles, lambda: (sample(dtype, 4, 5), 1))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_triu_tril_over_layouts(layout):
    check_same(triangles, lambda: (LAYOUTS[layout](np.float64), -2))
    check_same(lambda x: (np.triu(x, 1), np.tril(x)), lambda: (sample(np.int32, 2, 3, 4)[:, ::-1],))


def test_triu_of_a_scalar_is_numpys_error():
    check_same(lambda x: np.triu(x), (np.float64(2.0),))


def grids(n, m):
    rows, cols = np.ogrid[0:n, m:0:-1]
    return np.mgrid[0:n, 1:m:2], rows, cols, np.mgrid[2:n], np.ogrid[n:m]


@pytest.mark.parametrize("n, m", [(3, 5), (0, 1), (1, 0), (4, -3)])
def test_mgrid_ogrid(n, m):
    check_same(grids, (n, m))


# ---- reshape with computed sizes ---------------------------------------------------------------------
def reshapes(x, n):
    return x.reshape(n // 4, 4), x.reshape(2, n - 14), np.reshape(x, (n - 11, 3, 4))


@pytest.mark.parametrize("n", [12, 13, 1, -4])
def test_reshape_with_computed_sizes(n):
    check_same(reshapes, lambda: (np.arange(12.0)[::-1], n))


def test_reshape_computed_size_with_another_unknown():
    check_same(lambda x, n: x.reshape(n, -1), (np.arange(6), 2))
    check_same(lambda x, n: x.reshape(n, -1), (np.arange(6), -1))       # two unknowns: ValueError


# ---- repeat, tile, pad ------------------------------------------------------------------------------
def copies(x, r):
    return (np.repeat(x, 2), np.repeat(x, r, axis=1), x.repeat(3, axis=0), np.tile(x, 2), np.tile(x[0], (2, 1, 3)),
            np.tile(x, 0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_repeat_tile_over_dtypes(dtype):
    check_same(copies, lambda: (sample(dtype, 3, 4), 2))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_repeat_tile_over_layouts(layout):
    check_same(copies, lambda: (LAYOUTS[layout](np.float32), 0))


def test_repeat_errors():
    check_same(copies, lambda: (sample(np.int64, 3, 4), -1))
    check_same(lambda x: np.repeat(x, -2), (np.arange(3),))
    check_same(lambda x: (np.repeat(x, 3), np.tile(x, 2)), (np.float64(1.5),))


def pads(x):
    return (np.pad(x, 2, mode="edge"), np.pad(x, (1, 3), mode="reflect"), np.pad(x, ((4, 0), (1, 2)), mode="symmetric"),
            np.pad(x, 7, mode="wrap"), np.pad(x, ((0, 0), (9, 1)), "reflect"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pad_modes_over_dtypes(dtype):
    check_same(pads, lambda: (sample(dtype, 3, 4),))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_pad_modes_over_layouts(layout):
    check_same(pads, lambda: (LAYOUTS[layout](np.float64),))


def test_pad_mode_errors():
    check_same(pads, lambda: (np.zeros((0, 3)),))                    # an empty axis: ValueError
    check_same(lambda x: np.pad(x, 1, mode="edge", constant_values=2), (np.arange(3.0),))
    check_same(lambda x: np.pad(x, -1, mode="wrap"), (np.arange(3.0),))
    check_same(pads, lambda: (np.arange(4.0).reshape(1, 4),))         # one element along an axis


def test_default_mode_runs_them():
    def f(x, i):
        np.add.at(x, i, 1.0)
        return np.add.outer(x, x).sum(), np.pad(np.triu(np.tile(x, (2, 1))), 1, mode="reflect")
    check_same_default(f, lambda: (np.arange(4.0), np.array([1, 1, 3])))


# ---- histogram --------------------------------------------------------------------------------------
def histograms(x):
    counts, edges = np.histogram(x, 7)
    within, at = np.histogram(x[::-1], bins=4, range=(-2, 3.5))
    return counts, edges, within, at


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint16, np.uint64, np.float32, np.float64])
def test_histogram_over_dtypes(dtype):
    values = np.random.default_rng(1).normal(0, 3, 400)
    check_same(histograms, lambda: (values.astype(dtype) if np.dtype(dtype).kind != "u" else
                                    np.abs(values).astype(dtype),))


@pytest.mark.parametrize("make", [lambda: np.full(5, 2.0), lambda: np.zeros(0), lambda: np.arange(1.0),
                                  lambda: np.array([0.0, np.nan, 1.0]), lambda: np.array([0.0, np.inf]),
                                  lambda: np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max]),
                                  lambda: np.linspace(-2, 3.5, 23).reshape(23, 1)[::2]])
def test_histogram_edges_and_errors(make):
    check_same(histograms, lambda: (make(),))


def test_histogram_bad_arguments():
    x = np.arange(5.0)
    check_same(lambda a: np.histogram(a, 0), (x,))
    check_same(lambda a: np.histogram(a, 3, range=(2, 1)), (x,))
    check_same(lambda a: np.histogram(a, 3, range=(0, np.inf)), (x,))


def azimint_hist(data, radius, npt):
    """npbench's azimint_hist: bins from an int argument, weighted counts."""
    histu = np.histogram(radius, npt)[0]
    histw = np.histogram(radius, npt, weights=data)[0]
    within = np.histogram(radius[::-1], 7, range=(0.2, 0.8), weights=data[::-1])
    return histw / histu, within[0], within[1]


@pytest.mark.parametrize("n, npt", [(400, 20), (10, 1), (100, 3), (0, 5), (7, 0), (7, -2), (200003, 1000),
                                    (65536, 4)],
                         ids=["400x20", "one-bin", "100x3", "empty", "zero-bins", "negative-bins", "blocks",
                              "one-whole-block"])
@pytest.mark.parametrize("wdtype", [np.float64, np.float32, np.int64])
def test_histogram_run_time_bins_and_weights(n, npt, wdtype):
    # bit for bit: NumPy sums the weights per block of 65536 values in float64, then adds the
    # blocks in the weights' dtype (200003 values: four blocks, the last one short)
    rng = np.random.default_rng(n)
    make = lambda: ((rng.random(n) * 10).astype(wdtype), rng.random(n).astype(wdtype if wdtype != np.int64 else float),
                    npt)     # noqa: E731
    check_same(azimint_hist, make)
    check_same_default(azimint_hist, make)


def test_scatter_into_a_local_array_raises_numpys_index_error():
    # one pass checks and writes (the local array is discarded with the error)
    def f(idx, w):
        counts = np.zeros(5)
        np.add.at(counts, idx, w)
        return counts
    check_same(f, lambda: (np.array([0, 4, 2, 4]), np.arange(4.0)))
    check_same(f, lambda: (np.array([0, 4, 5, 1]), np.arange(4.0)))         # IndexError
    check_same_default(f, lambda: (np.array([0, -6]), np.arange(2.0)))       # IndexError


def test_histogram_weights_errors_are_numpys():
    check_same(lambda a, w: np.histogram(a, 3, weights=w), (np.arange(5.0), np.ones(4)))
    check_same(lambda a, w: np.histogram(a, 3, weights=w), (np.arange(6.0).reshape(2, 3), np.ones((3, 2))))
    check_same_default(lambda a, w: np.histogram(a, 3, weights=w), (np.arange(5.0), np.ones(5, complex)))


# ---- sort, argsort ------------------------------------------------------------------------------------
def sorts(x):
    return (np.sort(x), np.sort(x, axis=0), np.sort(x * 1, axis=None), np.argsort(x, kind="stable"),
            x.argsort(axis=0, kind="stable"), np.argsort(x[0] if x.ndim else x, axis=None, stable=True))


@pytest.mark.parametrize("dtype", DTYPES[:-1])
def test_sort_argsort_over_dtypes(dtype):
    check_same(sorts, lambda: (sample(dtype, 5, 9),))       # repeated values: stable order


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_sort_argsort_over_layouts(layout):
    check_same(sorts, lambda: (LAYOUTS[layout](np.float32),))


def test_sort_nan_last_and_default_argsort_of_distinct_values():
    x = np.random.default_rng(2).normal(size=(6, 40))
    x[1, 3] = x[4, 0] = x[4, 39] = np.nan
    check_same(lambda a: (np.sort(a), np.sort(a, axis=0), np.argsort(a, axis=1)), (x,))


@pytest.mark.parametrize("make", [lambda: np.zeros((0, 3)), lambda: np.float64(1.5)])
def test_sort_empty_and_0d(make):
    check_same(lambda a: (np.sort(a, axis=None), np.argsort(a, axis=None)), lambda: (make(),))
    check_same(lambda a: np.sort(a), lambda: (make(),))        # 0-d: NumPy's AxisError


def searches(a, v):
    return np.searchsorted(a, v), np.searchsorted(a, v, side="right"), a.searchsorted(v[0, 0]), np.searchsorted(a, 3)


@pytest.mark.parametrize("dtype", DTYPES[:-1])
def test_searchsorted_over_dtypes(dtype):
    check_same(searches, lambda: (np.sort(sample(dtype, 12)), sample(dtype, 3, 4)))


def test_searchsorted_nan_layouts_and_errors():
    a = np.array([-1.0, 0.0, 0.0, 2.5, np.nan, np.nan])
    check_same(searches, lambda: (a, np.array([[0.0, np.nan, 7.0], [-3.0, 2.5, -0.0]])[:, ::-1]))
    check_same(searches, lambda: (np.arange(20.0)[::-3][::-1], np.arange(-2.0, 8.0).reshape(2, 5)))
    check_same(searches, lambda: (np.arange(3, dtype=np.uint8), np.array([[-1, 300]])))
    check_same(searches, lambda: (np.zeros(0), np.ones((1, 0))))
    check_same(searches, lambda: (np.ones((2, 2)), np.ones((1, 3))))                # 2-d a: ValueError
    check_same(lambda a, v: np.searchsorted(a, v, side="middle"), (np.ones(2), np.ones(3)))


# ---- np.ndarray as a constructor -------------------------------------------------------------------
def ndarray_filled(x, n):
    a = np.ndarray((n, 3), dtype=x.dtype)        # values unspecified until written, as np.empty's
    a[:] = x[:n, None]
    b = np.ndarray(shape=(2,), order="F")
    b[:] = 1
    return a, b, np.ndarray((0, n)).shape[1]


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.complex128])
def test_ndarray_constructor_is_empty(dtype):
    check_same(ndarray_filled, lambda: (sample(dtype, 6), 4))
    check_same(ndarray_filled, lambda: (sample(dtype, 6), 0))
    check_same(lambda n: np.ndarray((n,), order="X"), lambda: (3,))           # NumPy's ValueError
    check_same(lambda n: np.ndarray((n, -1)), lambda: (3,))                   # negative dimensions
    check_same_default(lambda x: np.ndarray((2,), buffer=x), lambda: (np.arange(2.0),))    # runs in Python


# ---- initial= of sum/prod/max/min ------------------------------------------------------------

def test_reductions_with_initial():
    """``initial`` folds in first, cast to the result's dtype as NumPy does (2.5 into int16 is
    2, a Python int out of its range is NumPy's OverflowError); max/min of an empty axis with
    one return it instead of raising; a run-time initial compiles too."""
    a = np.arange(5, dtype=np.int16)
    f = np.array([np.nan, 1.0])
    e = np.zeros((2, 0))
    z = np.array([-0.0, 0.0])
    check_same(lambda a: (np.max(a, initial=2.5), np.min(a, initial=-1), np.sum(a, initial=2.5), a.max(initial=7),
                          a.prod(initial=3), np.amax(a, None, None, False, 9), np.sum(a[:0], initial=4)), lambda: (a,))
    check_same(lambda f, e, z: (np.max(e, axis=1, initial=-5), np.max(f, initial=5), np.min(e, initial=3),
                                np.sum(e, axis=0, initial=2), z.max(initial=0.0), z.min(initial=-0.0),
                                np.max(e, axis=0, keepdims=True, initial=1.5)), lambda: (f, e, z))
    check_same(lambda a, v: (np.max(a, initial=v), a.min(initial=v), a.sum(initial=v), a[::-2].max(initial=v)),
               lambda: (a, 3))
    check_same(lambda a, v: (np.max(a, initial=v), a.min(initial=v), a[:0].max(initial=v)), lambda: (f, 0.5))
    check_same(lambda a, v: np.max(a, initial=v), lambda: (a, 10 ** 6))      # OverflowError
    check_same(lambda a: np.max(a, initial=10 ** 6), lambda: (a,))            # OverflowError
    check_same(lambda a, v: np.max(a, initial=v), lambda: (a, np.ones(2)))    # ValueError: not a scalar
    check_same_default(lambda a: np.max(a[:0]), lambda: (a,))                 # no initial: ValueError


def repeat_in_a_loop(x, r):
    acc = np.zeros(x.size * r)
    for k in range(3):
        acc += np.repeat(x * k, r)
    return acc


@pytest.mark.parametrize("r", [0, 1, 3])
def test_repeat_by_a_count_each_axis_and_in_a_loop(r):
    """One count: each element broadcast over a new axis and stored (a loop nest), read as
    the joined axis; inside a loop the gather by i // r. Views, empty inputs, a negative
    count (NumPy's ValueError)."""
    a = np.arange(24.0).reshape(2, 3, 4)
    check_same(lambda a, r: (np.repeat(a, r), np.repeat(a, r, axis=0), np.repeat(a, r, axis=1), a.repeat(r, axis=-1),
                             np.repeat(a[:, ::-2], r, axis=1), np.repeat(a[:0], r, axis=2), np.repeat(a[0, 0, 0], r)),
               lambda: (a, r))
    check_same(repeat_in_a_loop, lambda: (np.arange(5.0), r))
    check_same_default(lambda a, r: np.repeat(a, r), lambda: (a, -r - 1))

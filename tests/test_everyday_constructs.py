"""Constructs of everyday NumPy programs (the numpy-benchmarks kernels): np.diff, np.copyto,
np.nonzero and its family, np.array of values known at run time, lists and constant arrays
as operands, chained comparisons, assert, local imports, complex(), sizes computed at run
time, np.tile by a size, tuple and function arguments, np.ndindex loops and comprehensions.
Each compiled (``fallback="raise"``) and equal to NumPy, and in the default mode."""
import math

import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

RNG = np.random.default_rng(77)
WEIGHTS = np.array([0.25, 0.5, 0.25])           # a module-level constant table
LOOKUP = np.arange(12, dtype=np.int32).reshape(3, 4)


def both(fn, make, rtol=None):
    check_same(fn, make, rtol=rtol)
    check_same_default(fn, make, rtol=rtol)


# ---- np.diff, np.copyto --------------------------------------------------------------------------
def diffs(a):
    return np.diff(a), np.diff(a, n=2, axis=0), np.diff(a, prepend=0, append=a[..., -1:] * 2)


def diff_bool(m):
    return np.diff(m), np.diff(m, n=2)


def copies(a, b):
    np.copyto(a, b)
    c = np.zeros((2,) + a.shape, np.float32)
    np.copyto(c, b * 2, casting="same_kind")
    np.copyto(c[0], 7)
    return a, c


def copy_casting_error(a):
    out = np.zeros(a.shape, np.int64)
    np.copyto(out, a)
    return out


@pytest.mark.parametrize("shape", [(0, 3), (1, 1), (3, 4), (5, 2)])
def test_diff(shape):
    both(diffs, lambda: (RNG.random(shape),))
    both(diffs, lambda: (RNG.integers(0, 9, shape).astype(np.uint8),))
    both(diff_bool, lambda: (RNG.random(shape[-1] + 1) > 0.5,))


def test_diff_errors():
    both(lambda a: np.diff(a), lambda: (np.array(3.0),))
    both(lambda a: np.diff(a, n=-1), lambda: (np.arange(3.0),))
    both(lambda a: np.diff(a, n=7), lambda: (np.arange(3.0),))


@pytest.mark.parametrize("n", [0, 1, 4])
def test_copyto(n):
    both(copies, lambda: (np.zeros(n), RNG.random(n)))
    both(copies, lambda: (np.zeros(n), 2.5))
    both(copies, lambda: (np.zeros(n)[::-1], RNG.random(1)))
    both(copy_casting_error, lambda: (np.arange(n, dtype=float),))
    both(copy_casting_error, lambda: (np.arange(n),))


def test_copyto_errors_are_numpys():
    both(copies, lambda: (np.zeros(3), np.arange(2.0)))           # cannot broadcast
    ro = np.zeros(3)
    ro.flags.writeable = False
    check_same_default(copies, lambda: (ro, np.ones(3)))
    with pytest.raises(TypeError, match="same_kind"):
        accelerate(copy_casting_error, fallback="raise")(np.ones(2))


# ---- np.convolve, np.correlate ---------------------------------------------------------------------
def filtered(x, v, mode):
    return np.convolve(x, v, mode), np.correlate(x, v, mode=mode)


def smoothed(x):
    return np.convolve(x, WEIGHTS, mode="same")


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("sizes", [(7, 3), (4, 4), (2, 5), (1, 1), (0, 2), (3, 0)])
def test_convolve_correlate(mode, sizes):
    n1, n2 = sizes          # (sums in another order than NumPy's BLAS dot: 1e-12)
    both(filtered, lambda: (RNG.random(n1), RNG.random(n2), mode), rtol=1e-12)
    both(filtered, lambda: (RNG.random(n1) + 1j, RNG.random(n2) - 2j, mode), rtol=1e-12)
    both(filtered, lambda: (RNG.integers(-9, 9, n1).astype(np.int8), RNG.integers(-9, 9, n2).astype(np.int8), mode))


@pytest.mark.parametrize("n", [1, 2, 3, 50])
def test_convolve_with_a_constant_kernel(n):
    both(smoothed, lambda: (RNG.random(n),), rtol=1e-12)      # n < 3: NumPy swaps them


# ---- np.nonzero and its family --------------------------------------------------------------------
def nonzeros(a):
    i = np.nonzero(a)
    return i[-1], a[i], np.flatnonzero(a), np.argwhere(a), a.nonzero()[0] * 2


def runs(values):
    # numpy-benchmarks' grouping: where a sorted sequence changes, and the run lengths
    diff = np.concatenate(([1], np.diff(values)))
    idx = np.concatenate((np.where(diff)[0], [len(values)]))
    return values[idx[:-1]], np.diff(idx)


@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (3, 4), (2, 0)])
def test_nonzero_family(shape):
    both(nonzeros, lambda: (RNG.integers(-1, 2, shape),))
    both(nonzeros, lambda: (RNG.random(shape) > 0.5,))
    both(nonzeros, lambda: (np.zeros(shape),))


@pytest.mark.parametrize("n", [0, 1, 9, 40])
def test_grouping_runs(n):
    both(runs, lambda: (np.sort(RNG.integers(0, 5, n)),))


def test_nonzero_of_0d_is_numpys_error():
    both(lambda a: np.nonzero(a), lambda: (np.array(2.0),))


# ---- arrays from sequences, lists and constant arrays as operands ------------------------------
def stacked(x):
    a, b = x[0], x[-1] * 2
    return np.array([a, b, 3]), np.array([[a, 1.5], [b, a]]), np.array([x, x * 2]), np.asarray((a, b > 0))


def ragged(x):
    return np.array([x[:1], x[1:]])


def list_operands(x):
    y = x.copy()
    y[0] = y[-1] = 0, 0
    y[1] = [y[2, 0], 5]
    return x * [1.0, 2.0] + (3, 4), y


def tables(x):
    return x * WEIGHTS, LOOKUP[1] + x.shape[0], LOOKUP[x.shape[0] - 2, 1:] * x[0], x @ WEIGHTS


def local_table(x):
    w = np.array([1.0, -2.0, 1.0])
    return (x[:-2] * w[0] + x[1:-1] * w[1] + x[2:] * w[2]) + w.sum()


@pytest.mark.parametrize("n", [2, 3, 6])
def test_arrays_from_sequences(n):
    both(stacked, lambda: (RNG.random(n),))
    both(stacked, lambda: (RNG.integers(0, 9, n).astype(np.int8),))
    both(ragged, lambda: (RNG.random(n),))          # NumPy's ValueError but for n == 2


@pytest.mark.parametrize("rows", [3, 5])
def test_lists_and_tuples_as_arrays(rows):
    both(list_operands, lambda: (RNG.random((rows, 2)),))


@pytest.mark.parametrize("n", [3, 8])
def test_constant_tables(n):
    both(tables, lambda: (RNG.random(3),))
    both(local_table, lambda: (RNG.random(n),))


def test_a_large_constant_table_runs_in_python():
    big = np.arange(5000.0)

    def add_big(x):
        return x + big
    with pytest.raises(UnsupportedError, match="constant array of more than"):
        accelerate(add_big, fallback="raise")(np.ones(5000))
    check_same_default(add_big, lambda: (np.ones(5000),))


# ---- chained comparisons, assert, imports, complex() ----------------------------------------------
def neighbours(grid):
    out = np.zeros_like(grid)
    lx, ly = grid.shape
    for x in range(lx):
        for y in range(ly):
            if 0 < x + 1 < lx:
                out[x, y] += grid[x + 1, y]
            if 0 <= x - 1 < lx > 1:
                out[x, y] += grid[x - 1, y]
            if 1 < 2 < y + 2 <= ly:                 # a static head, then run-time links
                out[x, y] -= grid[x, y - 1]
    return out


def asserted(x, k):
    assert x.shape[0] > 0, "empty"
    total = 0.0
    for i in range(x.shape[0]):
        assert x[i] >= 0.0, "negative entries"
        assert x[i] != k
        total += math.sqrt(x[i])
    return total


def imports(x):
    import numpy as npl
    from math import sqrt
    return npl.sum(x) + sqrt(2.0)


def escape_time(x, y, iters):
    c = complex(x, y)
    z = 0.0j
    for i in range(iters):
        z = z * z + c
        if z.real * z.real + z.imag * z.imag >= 4:
            return i
    return iters


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 4)])
def test_chained_comparisons(shape):
    both(neighbours, lambda: (RNG.random(shape),))


def asserted_after_a_write(x):
    x[0] = 1.0
    assert x[1] > 0, "negative entries"
    return x


@pytest.mark.parametrize("x", [np.array([1.0, 4.0]), np.array([1.0, -4.0]), np.zeros(0), np.array([9.0, 2.0])])
def test_assert(x):
    both(asserted, lambda: (x, 2.0))
    with pytest.raises(AssertionError):
        accelerate(asserted, fallback="raise")(np.array([1.0, 2.0]), 2.0)
    # no rerun after a write: the compiled code raises with the constant message (pytest
    # rewrites this module's asserts, so the plain function's message differs)
    both(asserted_after_a_write, lambda: (np.array([0.0, -1.0]),))
    with pytest.raises(AssertionError, match="^negative entries$"):
        accelerate(asserted_after_a_write, fallback="raise")(np.array([0.0, -1.0]))


def test_local_imports():
    both(imports, lambda: (RNG.random(4),))


@pytest.mark.parametrize("x,y", [(0.0, 0.0), (-1.5, 0.3), (0.4, 0.6), (float("inf"), 0.0), (-0.0, float("nan"))])
def test_complex_from_parts(x, y):
    both(escape_time, lambda: (x, y, 30))
    both(lambda a, b: complex(a, b), lambda: (np.float64(x), y))
    both(lambda a: complex(a), lambda: (np.float32(x),))


# ---- sizes computed at run time, np.tile by a size ---------------------------------------------------
def linspace_grid(xmin, xmax, xn, yn):
    X = np.linspace(xmin, xmax, int(xn))
    Y = np.linspace(-1.0, 1.0, int(yn))
    C = X + Y[:, None] * 1j
    return np.abs(C) < 1.0, np.zeros(int(xn * 2)).size


def tiled(x):
    n = len(x)
    t = np.tile(x, (n, 1))
    return t - t.T, np.tile(x, n)


@pytest.mark.parametrize("xn,yn", [(5.7, 3.0), (0.2, 2.0), (1.0, 0.0), (-2.0, 3.0)])
def test_run_time_sizes(xn, yn):
    both(linspace_grid, lambda: (-2.0, 0.5, xn, yn))


@pytest.mark.parametrize("n", [0, 1, 5])
def test_tile_by_a_size(n):
    both(tiled, lambda: (RNG.random(n),))


# ---- tuple and function arguments ---------------------------------------------------------------------
def check_mask(db, mask=(1, 0, 1)):
    out = np.zeros(db.shape[0], dtype=bool)
    for idx, line in enumerate(db):
        target, vector = line[0], line[1:]
        if (mask == np.bitwise_and(mask, vector)).all():
            if target == 1:
                out[idx] = 1
    return out


def full_of(shape, v, axes):
    return np.full(shape, v).sum(axis=axes)


def wrap(pos, offset, bound):
    return (pos + offset) % bound


def clamp(pos, offset, bound):
    return min(bound - 1, max(0, pos + offset))


def local_maxima(data, mode=wrap):
    wsize = data.shape
    result = np.ones(data.shape, bool)
    for pos in np.ndindex(data.shape):
        myval = data[pos]
        for offset in np.ndindex(wsize):
            neighbor_idx = tuple(mode(p, o - w // 2, w) for (p, o, w) in zip(pos, offset, wsize))
            result[pos] &= (data[neighbor_idx] <= myval)
    return result


@pytest.mark.parametrize("rows", [0, 1, 12])
def test_tuple_default_and_given(rows):
    db = RNG.integers(0, 2, (rows, 4))
    both(check_mask, lambda: (db,))
    both(check_mask, lambda: (db, (True, False, True)))
    both(check_mask, lambda: (db, (0, 0, 0)))


def test_tuple_and_none_arguments_compile_per_value():
    acc = check_same(full_of, lambda: ((2, 3), 1.5, (0,)))
    check_same(full_of, lambda: ((4, 1, 2), 2.0, (0, 2)), accelerated=acc)
    check_same(full_of, lambda: ((0,), 2.0, None), accelerated=acc)
    check_same(full_of, lambda: ((2, 3), 1.5, (0,)), accelerated=acc)
    assert acc.stats()["signatures"] == 3
    assert "tuple (2, 3)" in acc.explain((2, 3), 1.5, (0,))
    both(full_of, lambda: ((2, -1), 1.0, (0,)))               # NumPy's ValueError
    check_same_default(full_of, lambda: ((2, 3), 1.0, 0))     # a run-time axis: in Python


@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (2, 3, 2)])
def test_function_argument_and_ndindex(shape):
    data = RNG.random(shape)
    both(local_maxima, lambda: (data,))
    both(local_maxima, lambda: (data, clamp))


def test_ndindex_forms():
    def count(n, m):
        s = 0
        for i, j in np.ndindex(n, m):
            s += i * 10 + j
        return s
    for n, m in ((0, 3), (2, 3), (1, 1), (-1, 2)):          # (NumPy's ValueError for -1)
        both(count, lambda: (n, m))


def test_comprehensions_over_known_lengths():
    def comp(x):
        dims = [x.shape[i] * 2 for i in range(x.ndim) if i != 1]
        pairs = tuple(a + b for a, b in zip(x.shape, dims))
        return np.zeros(tuple(dims)).ndim, pairs[0], pairs[-1], [x[k] * k for k in range(2)][1]
    both(comp, lambda: (RNG.random((2, 3, 4)),))

    def over_rows(X, Y):         # over a run-time number of rows: tests/test_comprehension_arrays.py
        return [x.sum() for x in X] + [y.sum() for y in Y]
    with pytest.raises(UnsupportedError):
        accelerate(over_rows, fallback="raise")(np.ones((2, 2)), np.ones((3, 2)))
    check_same_default(over_rows, lambda: (np.ones((2, 2)), np.ones((3, 2))))


def optional_scale(x, out=None, scale=None):
    y = x * 2
    if scale is not None:
        y = y * scale
    if out is None:
        return y
    out[...] = y
    return out


def test_none_arguments_and_is_none():
    acc = check_same(optional_scale, lambda: (RNG.random(4),))
    check_same(optional_scale, lambda: (RNG.random(4), None, 3.0), accelerated=acc)
    check_same(optional_scale, lambda: (RNG.random(4), np.zeros(4), 0.5), accelerated=acc)
    check_same_default(optional_scale, lambda: (RNG.random(4), None, np.float32(2)))
    for _ in range(3):
        acc(np.ones(3))
    assert acc.stats()["memory_hits"] >= 3        # None matches in the C dispatcher


# ---- NumPy scalar types as casts: np.float32(x) ---------------------------------------------------
def test_numpy_scalar_types_cast_run_time_values():
    """np.float32(x), np.uint8(i), ...: NumPy's value of that type (an array for an array);
    to an integer type from a float or a Python int (NumPy raises for NaN or out-of-range
    values) the call runs in Python."""
    x = RNG.standard_normal((6, 5))
    i = np.arange(12, dtype=np.int64) * 40
    both(lambda X: (np.float32(X.sum()), np.float64(np.float32(X[0, 0])), np.bool_(X.max()), np.complex64(X.min()),
                    np.float32(X), np.float16(X[1]), np.complex128(X[0, 1] * 2)), lambda: (x,))
    both(lambda I: (np.uint8(I.sum()), np.int32(I[3]), np.int8(I), np.uint16(I > 100), np.float32(len(I))),
         lambda: (i,))
    both(lambda I, n: np.float32(n) * I[0], lambda: (i, 3))
    for fn, args in ((lambda X: np.int32(X.sum()), (x,)), (lambda I, n: np.uint8(n), (i, 300)),
                     (lambda X: np.float64(X.sum() * 1j), (x,))):
        check_same_default(fn, lambda: args)
        with pytest.raises(UnsupportedError):
            accelerate(fn, fallback="raise")(*args)


# ---- scalars computed once per kernel, before its loop ------------------------------------------
def scaled_in_place(x, y):
    x *= len(y) ** -0.5             # Python's ZeroDivisionError for an empty y, x left as it was
    return x


def test_scalars_are_computed_before_the_loop_with_their_errors():
    """0-d values of a kernel (``n ** -0.5`` of a size, a complex product of scalars) are
    computed once before its loop; one that fails (Python's error) stops the kernel before
    it writes anything, as Python computes the scalar first."""
    x = RNG.standard_normal((4, 5))
    both(lambda x: (x * x.shape[-1] ** -0.5, (x - x.max()) * 0.5 * (1j * x.min()), (x * len(x) ** 0.5).sum(axis=1),
                    np.abs(x - 1j * x.max()).max()), lambda: (x,))
    both(scaled_in_place, lambda: (x.copy(), np.ones(3)))
    both(scaled_in_place, lambda: (x.copy(), np.ones(0)))                # ZeroDivisionError, x unchanged
    both(lambda x, y: (x * len(y) ** -0.5).max(), lambda: (x, np.ones(0)))
    both(lambda x, y: np.maximum(x, len(y) ** -1.5).sum(axis=0), lambda: (x, np.ones(0)))


def _int_powers(r, k, x):
    total = 0
    for i in range(k):
        total += r ** i
    return r ** k, total, x.reshape(r ** (k - 1), r), 2 ** k, r ** 8


def _reshape_by_powers(r, k, y):
    for i in range(k):
        yv = np.reshape(y, (r ** i, r, r ** (k - i - 1)))
        y = np.transpose(yv, axes=(1, 0, 2)).reshape(-1) * 1.0
    return y


@pytest.mark.parametrize("r, k", [(2, 3), (3, 2), (1, 4), (2, 1)])
def test_powers_of_python_ints_known_at_run_time(r, k):
    # exact ints by squaring, each product checked (stockham_fft's R ** i sizes)
    both(_int_powers, lambda: (r, k, np.arange(float(r ** k))))
    both(_reshape_by_powers, lambda: (r, k, np.arange(float(r ** k))))


def test_powers_python_computes_otherwise_run_in_python():
    f = lambda a, b: (a ** b, 2 ** b)       # noqa: E731
    for args in ((3, 5), (-2, 63), (0, 0), (-1, 10 ** 6), (2, 64), (5, -1), (-3, 41)):
        both(f, lambda: args)       # past 64 bits (a Python big int) or a negative exponent (a float): Python
    both(lambda x, r: x.reshape(r ** 2, -1), lambda: (np.arange(12.0), -2))     # 4 rows: fine
    both(lambda x, r: x.reshape(r ** 3, -1), lambda: (np.arange(12.0), -2))     # -8 rows: NumPy's ValueError


def _big_power_then_write(x, k):
    big = (k + 3) ** 25          # a large constant exponent: the statement runs in Python
    x[0] = 0.0 + big % 97
    return x, big % 1000


def _run_time_power_then_write(x, k, e):
    p = k ** e
    x[0] = p % 97
    return x, p


def test_a_power_past_64_bits_in_a_function_that_writes_its_argument():
    check_same_default(_big_power_then_write, lambda: (np.ones(3), 4))
    check_same_default(_big_power_then_write, lambda: (np.ones(3), 0))
    check_same_default(_run_time_power_then_write, lambda: (np.ones(3), 3, 5))
    check_same_default(_run_time_power_then_write, lambda: (np.ones(3), 3, 50))  # the power's statement: Python
    with pytest.raises(UnsupportedError, match="power of Python ints"):
        accelerate(_run_time_power_then_write, fallback="raise")(np.ones(3), 3, 5)

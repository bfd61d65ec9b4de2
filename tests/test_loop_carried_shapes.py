"""Arrays whose size a loop or a branch changes (frontend/carried.py ``VARIES``), boolean-mask
selections kept as arrays (frontend/masks.py ``stored``), ``x.shape = ...``, ufuncs writing
into ``out``, and Python ints stored into narrower integer arrays: each compiled
(``fallback="raise"``) and equal to NumPy, also in the default mode, with the awkward cases
(zero trips, empty and one-element arrays, all or nothing selected)."""
import warnings

import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

RNG = np.random.default_rng(41)


# ---- sizes a loop changes -------------------------------------------------------------------
def pairwise_halving(x):
    while x.shape[0] > 1:
        x = x[::2] + x[1::2]
    return x


def doubling(x, n):
    for _ in range(n):
        x = np.concatenate((x, x * 2))
    y = x - x.mean()
    return x.sum(), y, len(x)


def appended(x, n):
    for i in range(n):
        x = np.append(x, x[-1:] * 2 + i)
    return x, np.append(x.reshape(-1, 1), [[7.0]], axis=0)


def grow_rows(a, n):
    for _ in range(n):
        a = np.vstack((a, a[-1:] + 1))
    return a


def shrink_in_branch(x, c):
    if c > 0:
        x = x[1:] * 2
    return x


def swap_each_step(u, v, n):
    for _ in range(n):
        u, v = v, u + 1
    return u


def slide(x, n):
    total = 0.0
    for _ in range(n):
        x = x[1:]
        total += x.sum()
    return total


@pytest.mark.parametrize("n", [0, 1, 2, 5, 16, 17])
@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.complex128])
def test_halving_loop_compiles_with_a_changing_size(n, dtype):
    make = lambda: ((RNG.random(n) * 10).astype(dtype),)        # noqa: E731
    acc = check_same(pairwise_halving, make)
    check_same_default(pairwise_halving, make)
    text = acc.explain(*make())
    assert "ShapeGuard" not in text
    if n != 1:                  # (a length of 1 is in the signature: the loop never runs)
        assert "of a size it changes" in text


@pytest.mark.parametrize("rows", [0, 1, 8])
def test_halving_2d_and_strided(rows):
    check_same(pairwise_halving, lambda: (RNG.random((rows, 3)),))
    check_same(pairwise_halving, lambda: (RNG.random((rows * 2, 3))[::2],))
    check_same(pairwise_halving, lambda: (RNG.random((rows, 3))[::-1],))


@pytest.mark.parametrize("n", [0, 1, 3])
@pytest.mark.parametrize("size", [0, 1, 3])
def test_growing_loop_and_what_follows_it(n, size):
    make = lambda: (RNG.random(size), n)                          # noqa: E731
    check_same(doubling, make)
    check_same_default(doubling, make)
    check_same(grow_rows, lambda: (RNG.random((2, 3)), n))
    check_same(appended, lambda: (RNG.random(max(size, 1)), n))
    check_same_default(appended, lambda: (RNG.random(size), n))
    check_same(grow_rows, lambda: (np.arange(6).reshape(2, 3), n))


@pytest.mark.parametrize("c", [1, -1])
@pytest.mark.parametrize("size", [0, 1, 4])
def test_size_changed_by_a_branch(c, size):
    check_same(shrink_in_branch, lambda: (RNG.random(size), c))
    check_same_default(shrink_in_branch, lambda: (RNG.random(size), c))


@pytest.mark.parametrize("sizes", [(3, 3), (3, 4)])
def test_swapped_arguments_keep_their_guard(sizes):
    # two sizes known at the call: one dim under a guard (a rerun in Python where they differ)
    make = lambda: (RNG.random(sizes[0]), RNG.random(sizes[1]), 3)   # noqa: E731
    acc = check_same(swap_each_step, make)
    assert "ShapeGuard" in acc.explain(*make())
    check_same_default(swap_each_step, make)


def test_a_slice_of_itself_runs_in_python():
    # NumPy moves a pointer; a compiled loop would copy the rest of x at every trip
    with pytest.raises(UnsupportedError, match="slice of itself"):
        accelerate(slide, fallback="raise")(np.arange(5.0), 2)
    for n in (0, 2, 7):
        _, texts = check_same_default(slide, lambda: (np.arange(5.0), n))
        assert all("slice of itself" in t for t in texts)


# ---- boolean-mask selections kept as arrays -------------------------------------------------
def escape(z, c, n):
    for _ in range(n):
        z = z * z + c
        keep = np.abs(z) <= 2.0
        z = z[keep]
        c = c[keep]
    return z, c


def rows_kept(a, n):
    for _ in range(n):
        a = a[a[:, 0] > a[:, 1]] * 1.5
        a[:, 1] += 0.1
    return a


def until_empty(x):
    count = 0
    while x.size:
        x = x[x > x.mean()]
        count += 1
    return count


def mandelbrot_scatter(xn, yn, itermax):
    # npbench's mandelbrot2 pattern: shrinking arrays, indices kept by the same mask
    Xi, Yi = np.mgrid[0:xn, 0:yn]
    C = np.linspace(-2.0, 0.5, xn)[Xi] + np.linspace(-1.25, 1.25, yn)[Yi] * 1j
    N_ = np.zeros(C.shape, dtype=np.int64)
    Z_ = np.zeros(C.shape, dtype=np.complex128)
    Xi.shape = Yi.shape = C.shape = xn * yn
    Z = np.zeros(C.shape, np.complex128)
    for i in range(itermax):
        if not len(Z):
            break
        np.multiply(Z, Z, Z)
        np.add(Z, C, Z)
        I = abs(Z) > 2.0
        N_[Xi[I], Yi[I]] = i + 1
        Z_[Xi[I], Yi[I]] = Z[I]
        np.logical_not(I, I)
        Z = Z[I]
        Xi, Yi = Xi[I], Yi[I]
        C = C[I]
    return Z_.T, N_.T


def kept_then_written(x):
    y = x[x > 0]
    x[:] = 0
    return y


def mask_written_after(x):
    x = x.copy()
    m = x > 0
    y = x[m]
    m[:] = True
    return y, x[m]


@pytest.mark.parametrize("n", [0, 1, 6])
@pytest.mark.parametrize("size", [0, 1, 40])
def test_shrinking_by_a_mask(n, size):
    make = lambda: (np.zeros(size, complex), RNG.random(size) * 2 - 1.5 + 1j * RNG.random(size))   # noqa: E731
    check_same(escape, lambda: (*make(), n))
    check_same_default(escape, lambda: (*make(), n))


@pytest.mark.parametrize("rows", [0, 1, 9])
def test_rows_selected_then_written(rows):
    check_same(rows_kept, lambda: (RNG.random((rows, 3)), 3))
    check_same(rows_kept, lambda: (np.ones((rows, 3)), 2))         # nothing selected


@pytest.mark.parametrize("size", [0, 1, 30])
def test_while_until_nothing_is_left(size):
    check_same(until_empty, lambda: (RNG.random(size),))
    check_same(until_empty, lambda: (np.ones(size),))


@pytest.mark.parametrize("shape", [(1, 1, 3), (12, 9, 20), (4, 0, 5)])
def test_mandelbrot_with_selected_indices(shape):
    check_same(mandelbrot_scatter, lambda: shape)
    check_same_default(mandelbrot_scatter, lambda: shape)


def test_selection_keeps_its_rows_when_its_array_is_written():
    # a wrong answer before: y read x after x[:] = 0
    for x in (np.array([1.0, -1.0, 2.0]), np.zeros(0), np.array([-1.0])):
        check_same(kept_then_written, lambda: (x,))
        check_same(mask_written_after, lambda: (x,))
        check_same_default(kept_then_written, lambda: (x,))


# ---- x.shape = ... ----------------------------------------------------------------------------
def set_shape(n, m):
    a = np.arange(n * m) * 1.5
    b = a                       # the same object: its shape changes too
    v = a[1:]                   # a view taken before keeps its own shape
    a.shape = (n, m)
    return a.sum(axis=0), b.ndim, len(b), len(v), b


def set_shape_wrong(n):
    a = np.arange(n)
    a.shape = (n + 1,)
    return a


def set_shape_of_transpose(a):
    b = (a * 2).T
    b.shape = (a.size,)
    return b


def set_shape_of_argument(a):
    a.shape = (a.size,)
    return a


@pytest.mark.parametrize("n,m", [(2, 3), (0, 4), (1, 1)])
def test_set_shape(n, m):
    check_same(set_shape, lambda: (n, m))
    check_same(set_shape_wrong, lambda: (n,))
    check_same_default(set_shape_wrong, lambda: (n,))


def test_set_shape_where_numpy_refuses_or_the_caller_sees_it():
    with pytest.raises(UnsupportedError, match="memory order"):
        accelerate(set_shape_of_transpose, fallback="raise")(np.ones((2, 3)))
    check_same_default(set_shape_of_transpose, lambda: (np.ones((2, 3)),))      # NumPy's AttributeError
    check_same_default(set_shape_of_transpose, lambda: (np.ones((1, 3)),))
    with pytest.raises(UnsupportedError, match="shape of an argument"):
        accelerate(set_shape_of_argument, fallback="raise")(np.ones((2, 3)))
    a = np.ones((2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        accelerate(set_shape_of_argument, fallback="warn")(a)
    assert a.shape == (6,)       # the caller's array, as NumPy changes it


# ---- ufuncs writing into out -------------------------------------------------------------------
def add_out(a, b, c):
    r = np.add(a, b, out=c)
    r[0] = -1               # r is c
    return c


def positional_out(z, c):
    np.multiply(z, z, z)
    np.add(z, c, z)
    return z


def unary_out(x, m):
    y = x.copy()
    np.negative(y, y)
    np.logical_not(m, m)
    np.sqrt(y * y, out=(y,))
    return y, m


def narrow_out(a):
    out = np.zeros(a.shape)
    np.add(a, a, out=out)
    return out


def broadcast_out(a):
    out = np.empty((2,) + a.shape)
    np.multiply(a, 2, out=out)
    return out


def bad_cast_out(a):
    out = np.zeros(a.shape, np.int64)
    np.add(a, 0.5, out=out)
    return out


def bad_shape_out(a):
    out = np.zeros(3)
    np.add(a, 1, out=out)
    return out


def list_out(a):
    return np.add(a, 1, [0, 0, 0])


def both_outs(a):
    return np.add(a, 1, a, out=a)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_ufunc_out(n):
    check_same(add_out, lambda: (RNG.random(max(n, 1)), 2.0, np.zeros(max(n, 1))))
    check_same(positional_out, lambda: (RNG.random(n) + 0j, RNG.random(n) * 1j))
    check_same(unary_out, lambda: (RNG.random(n) - 0.5, RNG.random(n) > 0.5))
    check_same(narrow_out, lambda: (np.arange(n, dtype=np.int8),))
    check_same(broadcast_out, lambda: (RNG.random((n, 2)),))
    check_same_default(positional_out, lambda: (RNG.random(n) + 0j, RNG.random(n) * 1j))
    check_same_default(add_out, lambda: (RNG.random(3)[::-1], 1, np.zeros(3)))


def test_ufunc_out_errors_are_numpys():
    for fn, args in ((bad_cast_out, (np.ones(3),)), (bad_shape_out, (np.ones((2, 3)),)),
                     (list_out, (np.ones(3),)), (both_outs, (np.ones(3),))):
        check_same(fn, lambda: args)
        check_same_default(fn, lambda: args)
    with pytest.raises(np._core._exceptions._UFuncOutputCastingError, match="same_kind"):
        accelerate(bad_cast_out, fallback="raise")(np.ones(3))
    with pytest.raises(ValueError, match=r"non-broadcastable output operand with shape \(3,\) doesn't match "
                                         r"the broadcast shape \(2,3\)"):
        accelerate(bad_shape_out, fallback="raise")(np.ones((2, 3)))


def test_ufunc_out_into_a_read_only_argument():
    c = np.zeros(3)
    c.flags.writeable = False
    check_same_default(add_out, lambda: (np.ones(3), 1.0, c))


# ---- Python ints into narrower integer arrays --------------------------------------------------

def _counter(dtype):
    def counts(n, cutoff):
        return _escape_counts(n, cutoff, dtype)
    return counts


def _escape_counts(n, cutoff, dtype):
    out = np.empty((n, n), dtype)
    grid = np.linspace(-1.5, 1.5, n)
    for i, x in enumerate(grid):
        for j, y in enumerate(grid):
            zr, zi, count = x, y, 0
            while zr * zr + zi * zi < 4.0 and count < cutoff:
                zr, zi = zr * zr - zi * zi + 0.3, 2 * zr * zi + 0.5
                count += 1
            out[i, j] = count - 3
    return out


COUNTERS = {np.dtype(t).name: _counter(t) for t in (np.uint32, np.int8, np.uint8, np.int64)}


def counts_into_argument(out, k):
    for i in range(out.shape[0]):
        out[i] = i + k
    return out


@pytest.mark.parametrize("dtype", [np.uint32, np.int8, np.uint8, np.int64])
@pytest.mark.parametrize("cutoff", [2, 300])
def test_python_int_stored_into_narrow_integers(dtype, cutoff):
    # count - 3 < 0 for unsigned (OverflowError), > 127 for int8 at cutoff 300: NumPy's error
    fn = COUNTERS[np.dtype(dtype).name]
    check_same(fn, lambda: (5, cutoff))
    check_same_default(fn, lambda: (5, cutoff))


def test_overflow_message_is_numpys():
    with pytest.raises(OverflowError, match="Python integer -3 out of bounds for uint8"):
        accelerate(COUNTERS["uint8"], fallback="raise")(3, 2)


def test_overflow_after_an_argument_was_written():
    # no rerun after a write: NumPy's OverflowError (without the value), the rows before kept
    for k in (1, 254):
        check_same(counts_into_argument, lambda: (np.zeros(3, np.uint8), k))
        check_same_default(counts_into_argument, lambda: (np.zeros(3, np.uint8), k))
    with pytest.raises(OverflowError, match="Python integer out of bounds for uint8"):
        accelerate(counts_into_argument, fallback="raise")(np.zeros(3, np.uint8), 254)


# ---- a named mask: computed once, updates only where it is set -------------------------------
def escape_counts_by_mask(c, iters):
    # numpy-benchmarks' mandelbrot: I is read by two masked updates each trip
    N = np.zeros(c.shape, dtype=np.int64)
    Z = np.zeros(c.shape, np.complex128)
    for n in range(iters):
        I = np.less(np.abs(Z), 2.0)
        N[I] = n
        Z[I] = Z[I] ** 2 + c[I]
    N[N == iters - 1] = 0
    return Z, N


def sqrt_where_positive(x):
    y = x.copy()
    m = y > 0
    y[m] = np.sqrt(y[m]) + np.exp(-y[m])
    y[m] += 1
    return y, m


@pytest.mark.parametrize("shape", [(0, 3), (1, 1), (7, 9)])
def test_named_masks_in_updates(shape):
    c = (RNG.random(shape) * 3 - 2) + 1j * (RNG.random(shape) * 2 - 1)
    check_same(escape_counts_by_mask, lambda: (c, 12))
    check_same_default(escape_counts_by_mask, lambda: (c * 10, 5))      # all escape at once
    check_same(sqrt_where_positive, lambda: (RNG.random(shape) - 0.5,))
    check_same(sqrt_where_positive, lambda: (-np.ones(shape),))

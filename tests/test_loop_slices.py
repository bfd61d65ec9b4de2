"""Slices whose bounds depend on loop counters or run-time scalars (frontend/loop_shapes.py):
NumPy's clipping, wrapping and empty results, products and reductions over them, in-place
updates of such regions, and broadcasting errors raised inside the loop like NumPy's."""
import numpy as np
import pytest

from harness import check_same, check_same_default
from samples.cholesky import cholesky      # the sample itself, under every case below

RNG = np.random.default_rng(15)
SIZES = (0, 1, 2, 7)


def _matrix(n, dtype):
    m = RNG.random((n, n))
    if np.dtype(dtype).kind == "c":
        m = m + 1j * RNG.random((n, n))
    return (m @ m.conj().T + (n + 1) * np.eye(n)).astype(dtype)


def trisolve(L, b):
    n = L.shape[0]
    x = np.zeros_like(b)
    for i in range(n):
        x[i] = (b[i] - L[i, :i] @ x[:i]) / L[i, i]
    return x


def lu_rows(A):
    A = A.copy()
    n = A.shape[0]
    for k in range(1, n):
        A[k:, k - 1] /= A[k - 1, k - 1]
        A[k:, k:] -= np.outer(A[k:, k - 1], A[k - 1, k:])
    return A


def moving(c, w):
    return c[w:] - c[:-w]


def segsum(x, lo):
    out = np.zeros(lo.shape[0] - 1, x.dtype)
    for i in range(lo.shape[0] - 1):
        out[i] = x[lo[i]:lo[i + 1]].sum()
    return out


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_triangular_solve(n, dtype):
    check_same(trisolve, lambda: (np.tril(_matrix(n, dtype)), np.ones(n, dtype)), rtol=1e-4)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cholesky(n, dtype):
    check_same(cholesky, lambda: (_matrix(n, dtype),), rtol=1e-4)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_lu_with_outer_update_in_place(n, dtype):
    check_same(lu_rows, lambda: (_matrix(n, dtype),), rtol=1e-4)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("w", [-9, -3, -1, 0, 1, 3, 7, 12])
def test_moving_difference_with_runtime_width(n, w):
    check_same(moving, lambda: (np.arange(n, dtype=np.float64) ** 2, w))
    check_same(moving, lambda: (np.arange(n, dtype=np.int64), w))


@pytest.mark.parametrize("lo", [[0, 2, 2, 7, 10], [0, 10], [3, 1, 8], [-4, -1, 20, 2], [0]])
@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.complex128])
def test_segment_sums_with_bounds_read_from_an_array(lo, dtype):
    check_same(segsum, lambda: (np.arange(10).astype(dtype), np.array(lo)))


def _crossing(x):
    n = x.shape[0]
    out = np.zeros(n, x.dtype)
    for i in range(n):
        out[i] = x[i:n - i].sum() + x[n - i:i].sum() * 10
    return out


def _clipped(x):
    n = x.shape[0]
    out = np.zeros(n + 4, x.dtype)
    for i in range(-2, n + 2):
        out[i + 2] = x[i - 3:i + 10].sum() + x[-i:].sum() * 100
    return out


def _steps(x):
    n = x.shape[0]
    out = np.zeros((n, 4), x.dtype)
    for i in range(n):
        out[i, 0] = x[i::2].sum()
        out[i, 1] = x[i::-1].sum()
        out[i, 2] = x[:i:-1].sum()
        out[i, 3] = x[n - i:0:-2].sum()
    return out


@pytest.mark.parametrize("fn", [_crossing, _clipped, _steps])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_bounds_cross_clip_and_step(fn, n, dtype):
    check_same(fn, lambda: (np.arange(1, n + 1).astype(dtype),), rtol=1e-5)


def _columns_and_rows(A):
    n = A.shape[0]
    out = np.zeros((n, 3), A.dtype)
    for i in range(n):
        out[i, 0] = A[:i, i].sum()
        out[i, 1] = A[i + 1:, i].sum()
        out[i, 2] = A[i, :i] @ A[:i, i]
    return out


def _region_updates(A):
    A = A.copy()
    n = A.shape[0]
    for i in range(n):
        A[i, i:] *= 2
        A[i + 1:, :i] += A[i, :i]                # a row broadcast over a block
        A[:i, i] = A[i, :i][::-1]
    return A


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_two_dimensional_regions(n, dtype):
    check_same(_columns_and_rows, lambda: (RNG.integers(0, 9, (n, n)).astype(dtype),))
    check_same(_region_updates, lambda: (RNG.integers(0, 9, (n, n)).astype(dtype),))
    check_same(_region_updates, lambda: (RNG.integers(0, 9, (n + 2, n)).astype(dtype)[::-1],))


def _pairwise(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[:i] * y[i:]).sum()     # lengths i and len(y) - i: equal, or one of them 1
    return s


@pytest.mark.parametrize("nx, ny", [(4, 4), (4, 5), (3, 3), (1, 2), (6, 7)])
def test_broadcasting_inside_a_loop_raises_like_numpy(nx, ny):
    check_same(_pairwise, lambda: (np.arange(float(nx)), np.arange(float(ny))))


def _writes_then_fails(out, x):
    for i in range(out.shape[0]):
        out[i] = i
        out[:i] += x[i:]          # fails once i and len(x) - i differ (and neither is 1)
    return out


@pytest.mark.parametrize("n", [1, 2, 5, 6])
def test_error_after_writes_keeps_the_writes_before_it(n):
    check_same(_writes_then_fails, lambda: (np.zeros(n), np.arange(n + 1.0)))
    check_same_default(_writes_then_fails, lambda: (np.zeros(n), np.arange(n + 1.0)))


def _stores_into_runtime_slices(out, x):
    for i in range(out.shape[0]):
        out[i, :i] = x[i:i + 1]        # one element broadcast along the row (or none)
        out[i, i:] = x[:out.shape[1] - i]
    return out


@pytest.mark.parametrize("n, m", [(4, 4), (3, 5), (5, 2), (0, 3)])
def test_stores_broadcast_or_fail_like_numpy(n, m):
    check_same(_stores_into_runtime_slices, lambda: (np.zeros((n, m)), np.arange(float(m))))
    check_same(_stores_into_runtime_slices, lambda: (np.zeros((n, m)), np.arange(float(m + 2))))


def _segment_max(x, lo):
    out = np.zeros(lo.shape[0] - 1)
    for i in range(lo.shape[0] - 1):
        out[i] = x[lo[i]:lo[i + 1]].max()
    return out


def test_empty_segment_max_raises_like_numpy():
    check_same(_segment_max, lambda: (np.arange(10.0), np.array([0, 3, 9])))
    check_same(_segment_max, lambda: (np.arange(10.0), np.array([0, 3, 3, 9])))


def test_default_mode_matches_numpy():
    check_same_default(trisolve, lambda: (np.tril(_matrix(5, np.float64)), np.ones(5)))
    check_same_default(moving, lambda: (np.arange(6.0), -2))
    check_same_default(segsum, lambda: (np.arange(10.0), np.array([5, 2, 9])))


def test_shape_of_a_runtime_slice_returned_compiles_with_a_scalar_argument():
    f = check_same(lambda c, w: c[w:2 * w], lambda: (np.arange(9.0), 3))
    assert f.stats()["fallbacks"] == 0


def _runtime_steps(x, s):
    out = np.zeros(x.shape[0], x.dtype)
    for i in range(1, x.shape[0]):
        out[i] = x[::-i].sum() + x[i::s].sum() * 10
    return out, x[::s] * 2


@pytest.mark.parametrize("s", [1, 2, -1, -3, 9, 0])
@pytest.mark.parametrize("n", SIZES)
def test_steps_known_at_run_time(s, n):
    check_same(_runtime_steps, lambda: (np.arange(1.0, n + 1), s))
    check_same(_runtime_steps, lambda: (np.arange(n, dtype=np.int64), s))


def _zero_step_in_loop(out, x):
    for i in range(out.shape[0]):
        out[i] = x[::i - 2].sum()      # ValueError at i == 2, after out[0] and out[1]
    return out


@pytest.mark.parametrize("n", [2, 3, 5])
def test_zero_step_inside_a_loop_raises_after_the_writes_before_it(n):
    check_same(_zero_step_in_loop, lambda: (np.zeros(n), np.arange(6.0)))
    check_same_default(_zero_step_in_loop, lambda: (np.zeros(n), np.arange(6.0)))


def _counts_then_fails(count, x):
    for i in range(4):
        count += 1
        count += x[::i - 2].sum() * 0     # ValueError at i == 2: count is 3 then, as NumPy leaves it
    return count


def test_a_failed_check_in_a_loop_does_not_run_the_writes_twice():
    check_same_default(_counts_then_fails, lambda: (np.zeros(1), np.arange(6.0)))
    check_same(_counts_then_fails, lambda: (np.zeros(1), np.arange(6.0)))


def _growing_products(A, x):
    n = A.shape[0]
    out = np.zeros(n, A.dtype)
    for i in range(n):
        out[:i] += A[:i, :i] @ x[:i]            # a product whose length grows with i
        out[i] += (A[i, :i] @ A[:i, :]).sum()
    return out


def _mismatched_product(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[:i] @ y[:i + 1]                  # matmul's ValueError when the lengths differ
    return s


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_products_over_runtime_slices(n, dtype):
    check_same(_growing_products, lambda: (RNG.integers(0, 5, (n, n)).astype(dtype), np.arange(n).astype(dtype)),
               rtol=1e-5)
    check_same(_mismatched_product, lambda: (np.arange(float(n)), np.arange(float(n + 3))))


def _sizes_of_any_integer(x, n):
    return len(x[n:]), x[-n:].shape[0], x[:n] * 2.0, -n, ~n


def _arrays_of_any_integer(x, n):
    return x[-n:] + 1.0


INTEGERS = [2, -3, 0, 9, np.int64(-2), np.int32(-2), np.int32(-2 ** 31), np.uint8(5), np.int8(-128), True, False]


@pytest.mark.parametrize("n", INTEGERS, ids=repr)
def test_slice_bounds_of_every_integer_type(n):
    """NumPy integers keep their own arithmetic (-np.uint8(5) is 251): sizes computed in the
    kernel come back from it; Python bools are ints (-True is -1)."""
    with np.errstate(over="ignore"):
        check_same(_sizes_of_any_integer, lambda: (np.arange(8.0), n))
        if isinstance(n, (int, np.int64)):
            check_same(_arrays_of_any_integer, lambda: (np.arange(8.0), n))
        else:     # an array whose size only the kernel knows is returned: that statement runs in Python
            check_same_default(_arrays_of_any_integer, lambda: (np.arange(8.0), n))


def flipped_in_place(y, alpha, k):
    y[:k] += alpha * np.flip(y[:k])
    return y


def durbin(r):
    """npbench's durbin: ``y[:k] += alpha * np.flip(y[:k])`` reads what it writes, reversed."""
    y = np.empty_like(r)
    alpha = -r[0]
    beta = 1.0
    y[0] = -r[0]
    for k in range(1, r.shape[0]):
        beta *= 1.0 - alpha * alpha
        alpha = -(r[k] + np.dot(np.flip(r[:k]), y[:k])) / beta
        y[:k] += alpha * np.flip(y[:k])
        y[k] = alpha
    return y


def transposed_in_place(a, k):
    a[:k, :k] = a[:k, :k].T * 2.0
    return a


@pytest.mark.parametrize("k", [0, 1, 4, 7, 9, -2], ids=["0", "1", "4", "7", "past-end", "negative"])
def test_a_write_that_reads_its_target_through_a_view_computes_the_right_side_first(k):
    """NumPy evaluates the right side into a temporary before it writes: a reversed or
    transposed view of the slice being written must see the old values."""
    check_same(flipped_in_place, lambda: (np.arange(1.0, 8.0), 0.5, k))
    check_same(transposed_in_place, lambda: (np.arange(49.0).reshape(7, 7), k))
    check_same_default(flipped_in_place, lambda: (np.arange(1.0, 8.0), 0.5, k))


@pytest.mark.parametrize("n", [1, 2, 8, 40])
def test_durbin(n):
    check_same(durbin, lambda: (np.random.default_rng(n).random(n) * 0.1,), rtol=1e-12)

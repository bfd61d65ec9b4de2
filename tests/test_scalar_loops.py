"""Scalar code compiled whole: Python loops that read and write single elements, bit
manipulation on small ints with NumPy 2's rules, while/break/continue, iteration over
arrays, enumerate and zip, ranges with any step, min/max/abs and math.* of scalars.

Each runs with fallback raising (a pass proves it compiled as C loops) through the shared
harness, over dtypes and sizes where loop bounds cross (zero-trip loops, empty and
1-element arrays); a few also in the default warn mode."""
import math

import numpy as np
import pytest

from harness import check_same, check_same_default, quiet_fixture
from npaccel import accelerate

_quiet = quiet_fixture()
rng = np.random.default_rng(15)

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float32", "float64"]
SIZES = [0, 1, 2, 7]


def sample(dtype, *shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -100), min(info.max, 100), shape, endpoint=True).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


# ---- element DP on triangular bounds ------------------------------------------------------

def _nussinov_kernel(x):
    n = x.shape[0]
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n):
            for k in range(i, j):
                x[i, j] = max(x[i, j], x[i, k] + x[k + 1, j])
    return x


def _triangular_update(a):
    n = a.shape[0]
    for i in range(n):
        for j in range(i + 1, n):            # empty once i >= n - 1
            a[j, i] = a[i, j] - a[j, j] * 2
    return a


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32", "float64"])
def test_element_dp_on_triangular_bounds(dtype, n):
    check_same(_nussinov_kernel, lambda: (sample(dtype, n, n),))
    check_same(_triangular_update, lambda: (sample(dtype, n, n),))


def _edit_distance(a, b):
    n, m = a.shape[0], b.shape[0]
    d = np.zeros((n + 1, m + 1), np.int64)
    for i in range(n + 1):
        d[i, 0] = i
    for j in range(m + 1):
        d[0, j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
    return d[n, m]


@pytest.mark.parametrize("n,m", [(0, 0), (0, 3), (1, 1), (6, 4)])
def test_dp_alignment_score(n, m):
    check_same(_edit_distance, lambda: (rng.integers(0, 3, n), rng.integers(0, 3, m)))


def _swap_sort(x):
    n = x.shape[0]
    for i in range(n):
        for j in range(n - 1 - i):
            if x[j] > x[j + 1]:
                t = x[j]                     # a copy of the element, not a view
                x[j] = x[j + 1]
                x[j + 1] = t
    return x


def _insertion_sort(x):
    for i in range(1, x.shape[0]):
        key = x[i]
        j = i - 1
        while j >= 0 and x[j] > key:         # short circuit: x[-1] is never compared
            x[j + 1] = x[j]
            j -= 1
        x[j + 1] = key
    return x


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", INTS + FLOATS)
def test_sorts_by_element_swaps(dtype, n):
    check_same(_swap_sort, lambda: (sample(dtype, n),))
    check_same(_insertion_sort, lambda: (sample(dtype, n),))


# ---- bit manipulation with NumPy 2's rules --------------------------------------------

def _crc16(data):
    crc = np.uint16(0xFFFF)
    for b in data:
        crc ^= b
        for _ in range(8):
            if crc & 1:
                crc = (crc >> 1) ^ np.uint16(0xA001)
            else:
                crc >>= 1
    return crc


def _fnv1a(data):
    h = np.uint32(2166136261)
    for b in data:
        h ^= b
        h *= np.uint32(16777619)            # wraps, as NumPy's uint32 scalars do
    return h


@pytest.mark.parametrize("n", SIZES + [100])
def test_checksums(n):
    check_same(_crc16, lambda: (rng.integers(0, 256, n).astype(np.uint8),))
    check_same(_fnv1a, lambda: (rng.integers(0, 256, n).astype(np.uint8),))
    check_same(_fnv1a, lambda: (rng.integers(0, 256, n).astype(np.uint16),))


def _mix(x):
    h = x[0] ^ x[0]                          # a zero of x's dtype
    for v in x:
        h = (h ^ v) * 3 + 1
        if h & 1:
            h = h >> 1
    return h


def _wide_constant(x):
    h = x[0]
    for v in x:
        h = h ^ 0x1FFFF                      # does not fit uint8/uint16: NumPy's OverflowError
    return h


@pytest.mark.parametrize("n", [0, 1, 9])
@pytest.mark.parametrize("dtype", INTS)
def test_small_int_wrapping(dtype, n):
    check_same(_mix, lambda: (sample(dtype, n),))
    check_same(_wide_constant, lambda: (sample(dtype, n),))


# ---- while, break, continue ------------------------------------------------------------

def _collatz_steps(xs):
    out = np.zeros(xs.shape[0], np.int64)
    for i in range(xs.shape[0]):
        n = int(xs[i])
        steps = 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        out[i] = steps
    return out


def _sum_until(x, stop, out):
    i = 0
    while True:
        if i >= x.shape[0]:
            break
        if x[i] < 0:
            i += 1
            continue
        if x[i] > stop:
            break
        out[0] += x[i]
        i += 1
    return out, i


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", ["int16", "int64", "float32", "float64"])
def test_while_break_continue(dtype, n):
    check_same(_sum_until, lambda: (sample(dtype, n), 50 if dtype[0] == "i" else 1.5, np.zeros(1, dtype)))


def test_while_loops_on_python_ints():
    check_same(_collatz_steps, lambda: (rng.integers(1, 500, 12),))
    check_same(_gcd, (1071, 462))
    check_same(_gcd, (5, 0))


# ---- iteration: arrays, rows, enumerate, zip, ranges --------------------------------

def _count_true(x):
    c = 0
    for v in x:
        if v:
            c += 1
    return c


def _weighted(x):
    out = np.zeros(2, np.float64)
    for i, v in enumerate(x, 1):
        out[0] += i * v
    for i, v in enumerate(x):
        out[1] += v - i
    return out


def _row_sums(a):
    out = np.zeros(a.shape[0])
    k = 0
    for row in a:                            # 2-d: rows
        out[k] = row.sum()
        k += 1
    return out


def _zipped(a, b, out):
    for u, v in zip(a, b):                   # the shorter length
        out[0] += u * v
    for i, u in zip(range(a.shape[0] - 1, -1, -1), a):
        out[1] += i * u
    return out


def _last_element(x):
    v = -1
    for v in x:
        pass
    return v


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", ["bool"] + INTS + FLOATS)
def test_for_over_arrays(dtype, n):
    check_same(_count_true, lambda: (sample(dtype, n),))
    if dtype != "bool":
        check_same(_weighted, lambda: (sample(dtype, n),))
        # a float32 row sum may add in another order than NumPy's (float64 result)
        check_same(_row_sums, lambda: (sample(dtype, n, 3),), rtol=1e-6 if dtype == "float32" else None)
        check_same(_zipped, lambda: (sample(dtype, n), sample(dtype, n + 2), np.zeros(2)))
        check_same(_zipped, lambda: (sample(dtype, n + 1), sample(dtype, n), np.zeros(2)))


def test_loop_target_after_the_loop():
    check_same(_last_element, lambda: (np.arange(5.0),))


def _ranges(x, out):
    n = x.shape[0]
    for i in range(n - 1, -1, -2):
        out[0] += x[i]
    for i in range(n, 0, -3):
        out[1] += x[i - 1]
    for i in range(n - 1, n - 1):            # always empty
        out[2] += x[i]
    for i in range(3, n):
        out[2] += x[i] * x[i - 3]
    return out, i if n > 3 else 0


@pytest.mark.parametrize("n", SIZES + [10])
def test_ranges_with_negative_steps_and_empty(n):
    check_same(_ranges, lambda: (sample("float64", n), np.zeros(3)))


# ---- min/max/abs, math.*, Python scalars -----------------------------------------------

def _clamps(x, lo, hi, out):
    for i in range(x.shape[0]):
        out[i] = min(max(x[i], lo), hi) + abs(x[i])
    return out


def _running_best(x, out):
    best = x[0]
    for k in range(1, x.shape[0]):
        best = max(best, x[k])
        out[k] = max(0, x[k] - best + 1)     # a Python int or x's scalar: stored alike
    return best, out


def _running_best_float(x, out):
    best = x[0]
    for k in range(1, x.shape[0]):
        best = max(best, x[k])
        out[k] = max(0.0, x[k] - best + 1)   # a Python float or an np.float64
    return best, out


def _narrowing_store(x, out):
    for i in range(x.shape[0]):
        out[i] = x[i] * 3                    # NumPy: OverflowError where it does not fit
    return out


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_min_max_abs(dtype):
    lo, hi = (-1, 1) if dtype == "int64" else (-0.5, 0.5)
    check_same(_clamps, lambda: (sample(dtype, 9), np.asarray(lo, dtype)[()], np.asarray(hi, dtype)[()], np.zeros(9, dtype)))
    best = _running_best if dtype == "int64" else _running_best_float
    check_same(best, lambda: (sample(dtype, 9), np.zeros(9, dtype)))
    x = sample("float64", 6)
    x[2] = np.nan                            # Python's max: a later NaN never wins
    check_same(_running_best_float, lambda: (x.copy(), np.zeros(6)))


def test_narrowing_element_store_is_numpys():
    x = np.array([1, 50, 7])
    check_same_default(_narrowing_store, lambda: (x, np.zeros(3, np.int8)))           # 150: OverflowError
    check_same_default(_narrowing_store, lambda: (x[[0, 2]], np.zeros(2, np.int8)))


def _math_loop(x):
    s = 0.0
    f = 0
    for v in x:
        s += math.sqrt(v * v + 1.0) + math.exp(-abs(v)) + math.log(abs(v) + 1.0)
        f += math.floor(v)                   # a Python int
    return s, f


def _sqrt_domain(x, out):
    for i in range(x.shape[0]):
        out[i] = math.sqrt(x[i])             # ValueError at the first negative
    return out


def _powers(alpha):
    """npbench's deriche: ``2.0 ** (-alpha)``, a constant base > 0 and any exponent."""
    return 2.0 ** (-alpha), 3 ** alpha, 0.5 ** alpha + alpha ** 2.0


@pytest.mark.parametrize("alpha", [0.25, -3.0, 0.0, 2000.0, -2000.0, float("nan"), float("inf"), -float("inf")],
                         ids=["quarter", "negative", "zero", "overflow", "overflow-negative", "nan", "inf", "-inf"])
def test_power_of_a_positive_constant(alpha):
    """Python's values, and its OverflowError with its own message (the call reruns)."""
    check_same(_powers, lambda: (alpha,))
    check_same_default(_powers, lambda: (alpha,))
    if abs(alpha) == 2000.0:
        with pytest.raises(OverflowError, match=r"^\(34, 'Numerical result out of range'\)$"):
            accelerate(_powers, fallback="raise")(alpha)


def test_math_functions():
    check_same(_math_loop, lambda: (sample("float64", 8),))
    check_same(_sqrt_domain, lambda: (np.array([4.0, 1.0, 9.0]), np.zeros(3)))
    check_same(_sqrt_domain, lambda: (np.array([4.0, -1.0, 9.0]), np.zeros(3)))


def _cholesky(A):
    n = A.shape[0]
    L = np.zeros_like(A)
    for i in range(n):
        for j in range(i + 1):
            s = 0.0
            for k in range(j):               # zero trips at j == 0: s stays a Python float
                s += L[i, k] * L[j, k]
            if i == j:
                L[i, j] = math.sqrt(A[i, i] - s)
            else:
                L[i, j] = (A[i, j] - s) / L[j, j]
    return L


def _csr(indptr, indices, data, x):
    y = np.zeros(indptr.shape[0] - 1, data.dtype)
    for i in range(indptr.shape[0] - 1):
        s = 0
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        y[i] = s
    return y


@pytest.mark.parametrize("n", [0, 1, 5])
def test_inner_loops_that_may_not_run(n):
    m = rng.random((n, n))
    check_same(_cholesky, lambda: (m @ m.T + n * np.eye(n),))
    indptr = np.array([0, 2, 2, 3, 6])       # an empty row
    check_same(_csr, lambda: (indptr, rng.integers(0, 4, 6), rng.integers(-5, 5, 6), rng.integers(-5, 5, 4)))


# ---- indices: out of bounds, negative ------------------------------------------------------

def _neighbours(x, out):
    for i in range(x.shape[0]):
        out[i] = x[i - 1] + x[i + 1]         # x[-1] wraps; x[n] is an IndexError
    return out


def _guarded(x, out):
    for i in range(x.shape[0] + 1):
        if i < x.shape[0] and x[i] > 0:      # x[n] never read
            out[0] += x[i]
    return out


def test_element_indices():
    check_same(_neighbours, lambda: (np.arange(5.0), np.zeros(5)))
    check_same(_guarded, lambda: (sample("float64", 6), np.zeros(1)))


# ---- the default mode ---------------------------------------------------------------------

def _return_type_depends_on_trips(x):
    total = 0.0
    for k in range(x.shape[0]):
        for v in x[k]:
            total += v
    return total                             # 0.0 (a float) or an np.float64: Python decides


@pytest.mark.parametrize("n", [0, 3])
def test_default_mode(n):
    check_same_default(_crc16, lambda: (rng.integers(0, 256, n).astype(np.uint8),))
    check_same_default(_insertion_sort, lambda: (sample("float64", n),))
    check_same_default(_return_type_depends_on_trips, lambda: (sample("float64", n, 2),))


# ---- helpers called inside loops --------------------------------------------------------------------
def _match(b1, b2):
    return b1 + b2 == 3


def _pair_score(t, i, j, seq):
    best = max(t[i, j - 1], t[i + 1, j])
    return max(best, t[i + 1, j - 1] + _match(seq[i], seq[j]))


def _nussinov(seq):
    """npbench's nussinov: helpers returning at their own top level, called in loops."""
    n = seq.shape[0]
    t = np.zeros((n, n), np.int32)
    for i in range(n - 2, -1, -1):
        for j in range(i + 1, n):
            t[i, j] = _pair_score(t, i, j, seq)
            for k in range(i + 1, j):
                t[i, j] = max(t[i, j], t[i, k] + t[k + 1, j])
    return t


def _first_above(x, limit):
    for k in range(x.shape[0]):
        if x[k] > limit:
            return k        # inside the helper's own loop: rewritten (returns.py)
    return -1


def _rows_first_above(a, limit):
    out = np.empty(a.shape[0], np.int64)
    for r in range(a.shape[0]):
        out[r] = _first_above(a[r], limit)
    return out


def _sign_or_zero(v):
    if v > 0:
        return 1.0          # returns under the helper's own run-time branches (returns.branch_exit)
    elif v < 0:
        return -1.0
    return 0.0


def _clamp(v, lo, hi):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return float(v)


def _scaled(v):
    if v > 0.2:
        v = v * 2
        if v > 1.0:
            return 1.0      # a branch that returns on one of its paths only
    return v * 1.0


def _branchy(x):
    s = 0.0
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        s += _sign_or_zero(x[i]) + _scaled(float(x[i]))
        out[i] = _clamp(x[i], -0.5, 0.5)
    return s, out


def _maybe_none(v):
    if v > 0:
        return v            # None where v <= 0: a type known only at run time


def _mixed(x):
    s = 0.0
    for v in x:
        r = _maybe_none(v)
        if r is not None:
            s += r
    return s


@pytest.mark.parametrize("n", [1, 2, 9, 24])
def test_helpers_returning_inside_a_loop(n):
    seq = np.random.default_rng(n).integers(0, 4, n).astype(np.int32)
    check_same(_nussinov, lambda: (seq,))
    check_same_default(_nussinov, lambda: (seq,))
    a = np.random.default_rng(n).standard_normal((n, 6))
    check_same(_rows_first_above, lambda: (a, 0.5))
    check_same(_rows_first_above, lambda: (a, 10.0))


@pytest.mark.parametrize("make", [lambda: np.array([1.0, -2.0, 0.0, 0.3, -0.7]), lambda: np.zeros(0),
                                  lambda: np.array([np.nan, 2.0])], ids=["mixed", "empty", "nan"])
def test_a_helper_returning_from_its_branches_inside_a_loop(make):
    check_same(_branchy, lambda: (make(),))
    check_same_default(_branchy, lambda: (make(),))


def test_a_helper_returning_none_on_some_paths_runs_in_python():
    from npaccel import UnsupportedError
    with pytest.raises(UnsupportedError):
        accelerate(_mixed, fallback="raise")(np.array([1.0, -2.0]))
    check_same_default(_mixed, lambda: (np.array([1.0, -2.0, 3.0]),))


def _crc16_npbench(data, poly=0x8408):
    """npbench's crc16: ``crc << 8`` of a Python int known at run time."""
    crc = 0xFFFF
    for b in data:
        cur_byte = 0xFF & b
        for _ in range(0, 8):
            if (crc & 0x0001) ^ (cur_byte & 0x0001):
                crc = (crc >> 1) ^ poly
            else:
                crc >>= 1
            cur_byte >>= 1
    crc = (~crc & 0xFFFF)
    crc = (crc << 8) | ((crc >> 8) & 0xFF)
    return crc & 0xFFFF


def _shifts(a, b):
    return a << b, (a << 8) | ((a >> 8) & 0xFF)


@pytest.mark.parametrize("a, b", [(3, 2), (0xFFFF, 8), (-5, 3), (1, 62), (1, 63), (1, 64), (0, 100), (3, -1),
                                  (2 ** 40, 30), (-1, 63)],
                         ids=["small", "crc", "negative", "62", "63", "64", "zero", "negative-count", "big", "-1<<63"])
def test_left_shift_of_python_ints(a, b):
    """Python's exact ints (the call reruns past 64 bits) and its ValueError."""
    check_same(_shifts, lambda: (a, b))
    check_same_default(_shifts, lambda: (a, b))
    if b < 0:
        with pytest.raises(ValueError, match="^negative shift count$"):
            accelerate(_shifts, fallback="raise")(a, b)


@pytest.mark.parametrize("n", [0, 1, 100])
def test_crc16_npbench(n):
    check_same(_crc16_npbench, lambda: (np.random.default_rng(n).integers(0, 256, n).astype(np.uint8),))

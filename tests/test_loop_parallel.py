"""Python loops over elements: index checks proven away or hoisted out of inner loops, and
loops whose iterations are independent run in parallel (passes/loop_facts.py,
codegen/c_loops.py) -- with NumPy's results, errors and writes before an error unchanged."""
import math

import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import accelerate

from samples import lu, nussinov

PARALLEL = "parallel: iterations independent"
HOISTED = "checks hoisted"
rng = np.random.default_rng(15)


def row_scan(a):
    """Each row's running sum of squares: rows independent, ``s`` private to a row."""
    n, m = a.shape
    out = np.empty((n, m), dtype=a.dtype)
    for i in range(n):
        s = a[i, 0] * 0
        for j in range(m):
            s += a[i, j] * a[i, j]
            out[i, j] = s
    return out


def prefix(a):
    """out[i] reads out[i - 1]: a loop-carried dependence."""
    out = np.empty_like(a)
    out[0] = a[0]
    for i in range(1, a.shape[0]):
        out[i] = out[i - 1] + a[i]
    return out


def running(a):
    """A scalar carried from one iteration to the next."""
    out = np.zeros(a.shape[0])
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
        out[i] = s
    return out


def bump(a, b, stop):
    """a[i] += 1 then b[i + 3] = a[i]: IndexError at the iteration where i + 3 leaves b."""
    for i in range(stop):
        a[i] += 1
        b[i + 3] = a[i]
    return a.sum() + b.sum()


def up(a, start, stop):
    """Python's negative indices: a[i - 4] wraps (not hoisted where the guard fails)."""
    total = 0.0
    for i in range(start, stop):
        total += a[i] * 2 + a[i - 4]
    return total


def down(a, start, stop):
    total = 0.0
    for i in range(start, stop, -1):
        total += a[i] * 2 + a[i - 4]
    return total


def every_third(a, start, stop):
    total = 0.0
    for i in range(start, stop, 3):
        total += a[i] * 2 + a[i - 4]
    return total


def add_rows(a, b):
    """Rows independent, but b[j] may be out of range: stays serial and checked."""
    n, m = a.shape
    out = np.empty((n, m))
    for i in range(n):
        for j in range(m):
            out[i, j] = a[i, j] + b[j]
    return out


def explain(fn, *args):
    return accelerate(fn, fallback="raise").explain(*args)


@pytest.mark.parametrize("dtype, shape", [(np.float64, (400, 300)), (np.float32, (300, 400)), (np.int64, (5, 3))],
                         ids=["float64-parallel", "float32-parallel", "int64-small"])
def test_independent_rows_run_in_parallel_with_numpys_results(dtype, shape, fresh_config):
    fresh_config(NPACCEL_NUM_THREADS="2")
    make = lambda: ((rng.uniform(-2, 2, shape) * 10).astype(dtype),)
    acc = check_same(row_scan, make, rtol={np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-13})
    text = acc.explain(*make())
    assert PARALLEL in text and "#pragma omp parallel for num_threads(npa_nt) schedule(static) private(" in text
    # strided and negative-stride inputs through the same build
    check_same(row_scan, lambda: ((rng.uniform(-2, 2, (shape[0] * 2, shape[1])) * 10).astype(dtype)[::-2],),
               accelerated=acc, rtol={np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-13})


@pytest.mark.parametrize("fn", [prefix, running])
def test_loop_carried_dependences_stay_serial(fn):
    make = lambda: (rng.standard_normal(300_000),)
    acc = check_same(fn, make, rtol=1e-9)
    assert PARALLEL not in acc.explain(*make())


@pytest.mark.parametrize("sample", [lu, nussinov], ids=["lu", "nussinov"])
def test_samples_with_dependences_stay_serial_but_lose_their_checks(sample):
    text = explain(sample.lu if sample is lu else sample.nussinov, *sample.inputs(0.01))
    assert PARALLEL not in text and "omp parallel for num_threads(npa_nt) schedule(static) private" not in text
    if sample is lu:     # A[i, k] with k < i < A.shape[0], on axis 1: checked once per inner loop
        assert HOISTED in text


@pytest.mark.parametrize("blen, stop", [(3, 10), (8, 10), (12, 10), (12, 0), (12, 1), (13, 10)],
                         ids=["first", "middle", "last", "empty", "one-trip", "no-error"])
def test_index_errors_at_the_same_iteration_with_the_same_writes(blen, stop):
    make = lambda: (np.arange(10.0), np.zeros(blen), stop)
    check_same(bump, make)          # (with NumPy's writes before its IndexError)


def test_hoisted_checks_show_in_explain():
    assert HOISTED in explain(bump, np.arange(10.0), np.zeros(12), 10)


@pytest.mark.parametrize("fn, start, stop", [(down, 9, 3), (down, 9, -1), (down, 9, -12), (every_third, 0, 10),
                                           (up, 7, 2), (up, -3, 5), (up, 0, 11), (every_third, 1, 12)],
                         ids=["down", "down-to-0", "down-past-0", "step-3", "crossed", "negative-start", "past-end",
                              "step-3-past-end"])
def test_reversed_strided_and_negative_indices(fn, start, stop):
    check_same(fn, lambda: (rng.standard_normal(10).astype(np.float32)[::-1], start, stop))


@pytest.mark.parametrize("blen", [300, 299], ids=["in-range", "out-of-range"])
def test_rows_with_a_check_that_can_fail_run_in_parallel(blen, fresh_config):
    """b[j] may be out of range: the rows still run in parallel, and an error is NumPy's."""
    fresh_config(NPACCEL_NUM_THREADS="2")
    make = lambda: (rng.standard_normal((400, 300)), rng.standard_normal(blen))
    acc = check_same(add_rows, make)
    check_same_default(add_rows, make)
    assert PARALLEL in acc.explain(*make())


def gather_sqrt(out, idx, x):
    """An argument written first (no rerun in Python): the kernel's own error, which must be
    the first failing iteration's, an IndexError or math.sqrt's ValueError."""
    out[0] = 1.0
    n = idx.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = math.sqrt(x[idx[i]])
    return y


@pytest.mark.parametrize("bad_index, bad_value", [(1000, 250_000), (250_000, 1000), (None, 299_999), (299_998, None),
                                                  (0, 1), (None, None)],
                         ids=["index-first", "value-first", "value-last", "index-near-end", "both-early", "none"])
def test_the_error_of_a_parallel_loop_is_the_first_failing_iterations(bad_index, bad_value, fresh_config):
    fresh_config(NPACCEL_NUM_THREADS="2")

    def make():
        idx = np.arange(300_000) % 1000
        x = np.abs(np.sin(np.arange(1000.0))) + 0.5
        if bad_index is not None:
            idx[bad_index] = 5000
        if bad_value is not None:
            x[7], idx[bad_value] = -1.0, 7
        return np.zeros(3), idx, x
    acc = check_same(gather_sqrt, make)
    check_same_default(gather_sqrt, make)
    assert PARALLEL in acc.explain(*make())


def test_csr_matvec_runs_rows_in_parallel_with_numpys_errors(fresh_config):
    from samples import csr_matvec
    fresh_config(NPACCEL_NUM_THREADS="2")
    args = csr_matvec.inputs(1.0)
    acc = check_same(csr_matvec.csr_matvec, lambda: args, rtol=1e-12)
    assert PARALLEL in acc.explain(*args)
    indptr, indices, data, x = args
    for k in (5, len(indices) - 1):     # a column index past x: NumPy's IndexError, either end
        bad = indices.copy()
        bad[k] = len(x) + 3
        check_same(csr_matvec.csr_matvec, lambda: (indptr, bad, data, x), accelerated=acc)
        check_same_default(csr_matvec.csr_matvec, lambda: (indptr, bad, data, x))


def last_value(a):
    """``x`` is assigned in every iteration and read after the loop: the last iteration's."""
    out = np.empty(a.shape[0])
    x = 0.0
    for i in range(a.shape[0]):
        x = a[i] * 2
        out[i] = x + 1
    return out, x, i


def skip_some(a):
    """An iteration may continue before assigning ``x``: the serial value needs the order."""
    out = np.zeros(a.shape[0])
    x = -1.0
    for i in range(a.shape[0]):
        if a[i] < 0:
            continue
        x = a[i]
        out[i] = x
    return out, x


@pytest.mark.parametrize("fn, parallel", [(last_value, True), (skip_some, False)], ids=["lastprivate", "continue"])
def test_values_read_after_a_parallel_loop_are_the_serial_ones(fn, parallel, fresh_config):
    fresh_config(NPACCEL_NUM_THREADS="2")
    make = lambda: (rng.standard_normal(400_000),)
    acc = check_same(fn, make)
    assert (PARALLEL in acc.explain(*make())) is parallel


def triangle(A):
    """lu's first half on an argument: A[i, j] kept in a local over k (k < j < i: no other
    access reaches it); axis 1 is checked once per inner loop (IndexError where j >= A.shape[1])."""
    n = A.shape[0]
    for i in range(n):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[k, j]
    return A


def self_reading(A):
    """A[i, j] += A[i, k] with k running over j too: the element is read back, stays in memory."""
    n = A.shape[0]
    for i in range(n):
        for j in range(n):
            for k in range(n):
                A[i, j] += A[i, k] * 0.5
    return A


@pytest.mark.parametrize("make", [lambda: (rng.standard_normal((7, 7)),),
                                  lambda: (rng.standard_normal((7, 4)),),            # IndexError midway
                                  lambda: (rng.standard_normal((4, 9)).astype(np.float32),),
                                  lambda: (rng.standard_normal((14, 9))[::-2, 1:],)],  # negative strides
                         ids=["square", "error", "float32-wide", "strided"])
def test_an_element_kept_in_a_local_has_numpys_writes(make):
    acc = check_same(triangle, make, rtol={np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-13})
    assert "kept in a local" in acc.explain(*make())


def test_an_element_read_back_in_the_loop_stays_in_memory():
    make = lambda: (rng.standard_normal((6, 6)),)
    acc = check_same(self_reading, make)
    assert "kept in a local" not in acc.explain(*make())


# ---- if-conversion: a branch on data that only picks a value becomes a select ---------------

def _crc_bits(data):
    crc = np.uint16(0xFFFF)
    for b in data:
        crc ^= b
        for _ in range(8):
            if crc & 1:
                crc = (crc >> 1) ^ np.uint16(0xA001)
            else:
                crc >>= 1
    return crc


def _guarded_read(a, k):
    total = a[0] * 0.0
    for i in range(a.shape[0]):
        if i < k:
            v = a[i]           # a read valid only on this arm: stays a branch
        else:
            v = a[0] * 0.0
        total += v
    return total


def _guarded_division(a, d):
    out = a[0] * 0
    for i in range(a.shape[0]):
        if d != 0:
            q = a[i] // d      # a division only where it is defined: stays a branch
        else:
            q = a[i] * 0
        out += q
    return out


def test_a_branch_that_only_picks_a_value_is_a_select():
    make = lambda: (np.arange(40, dtype=np.uint8) * 7,)
    acc = check_same(_crc_bits, make)
    assert "if-converted" in acc.explain(*make())


@pytest.mark.parametrize("fn, make", [(_guarded_read, lambda: (np.arange(5.0), 3)),
                                      (_guarded_division, lambda: (np.arange(1, 6), 0)),
                                      (_guarded_division, lambda: (np.arange(1, 6), 2))])
def test_branches_that_guard_a_read_or_a_division_stay_branches(fn, make):
    acc = check_same(fn, make)
    assert "if-converted" not in acc.explain(*make())


def _float_ratio(a, d):
    total = a[0] * 0.0
    for i in range(a.shape[0]):
        x = a[i]
        if d != 0.0:
            q = x / d          # a float division: inf or NaN, never a trap: a select
        else:
            q = x * 0.0
        total += q
    return total


def _float_to_int(a, s):
    total = 0
    for i in range(a.shape[0]):
        x = a[i] * s
        if x < 100.0:
            k = int(x)         # int() of a NaN or a huge float raises: stays a branch
        else:
            k = 100
        total += k
    return total


@pytest.mark.parametrize("fn, make, converted", [
    (_float_ratio, lambda: (np.arange(6.0), 2.0), True),
    (_float_ratio, lambda: (np.arange(6.0), 0.0), True),
    (_float_to_int, lambda: (np.arange(6.0), 3.0), False),
    (_float_to_int, lambda: (np.array([1.0, np.inf, 2.0]), 1.0), False),
])
def test_the_pass_decides_the_select_and_explain_shows_it(fn, make, converted):
    acc = check_same(fn, make)
    plan = acc.explain(*make()).split("== program plan (as the C runs it) ==")[1].split("== run-time")[0]
    assert ("if-converted: a select" in plan) is converted, plan


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("fn, make", [
    (_float_ratio, lambda: (_readonly(np.arange(6.0)), 0)),                 # Python int divisor
    (_float_ratio, lambda: (np.arange(6.0)[::-2], True)),                   # bool, negative stride
    (_float_ratio, lambda: (np.arange(6, dtype=np.float32), np.float32(3))),
    (_float_ratio, lambda: (np.arange(6), 2.5)),                            # int array
    (_float_ratio, lambda: (np.zeros(0), 1.0)),                             # empty: a[0] raises
    (_float_ratio, lambda: ([1.0, 2.0], 2.0)),                              # a list: Python runs it
    (_crc_bits, lambda: (_readonly(np.arange(9, dtype=np.uint8)),)),
    (_crc_bits, lambda: (np.zeros(0, np.uint8),)),
    (_float_to_int, lambda: (np.array([np.nan, 1.0]), 1.0)),                # int(nan): ValueError
])
def test_selects_in_the_default_mode(fn, make):
    check_same_default(fn, make)

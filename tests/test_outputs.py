"""Recycled output blocks (runtime/outputs.py): a large result is reused only after every
array that could reach it is gone, and never changes what the caller holds."""
import gc
import threading

import numpy as np
import pytest

from harness import check_same
from npaccel import accelerate
from npaccel.runtime import outputs

N = 300_000          # 2.4 MB of float64: above outputs.MIN_BYTES


def axpy(a, x, y):
    return a * x + y


def two(x):
    return x + 1.0, x * 2.0


@pytest.fixture(autouse=True)
def empty_pool():
    outputs.release()
    yield
    outputs.release()


def address(a):
    return a.__array_interface__["data"][0]


def test_results_equal_numpy_through_the_pool():
    rng = np.random.default_rng(0)
    check_same(axpy, lambda: (2.5, rng.random(N), rng.random(N)))
    check_same(two, lambda: (rng.random((600, 500)),))


def test_a_dropped_result_block_is_reused():
    f = accelerate(axpy)
    x, y = np.ones(N), np.arange(N, dtype=np.float64)
    r = f(2.0, x, y)
    first = address(r)
    del r
    gc.collect()
    assert outputs.idle_bytes() == N * 8
    r2 = f(3.0, x, y)
    assert address(r2) == first
    np.testing.assert_array_equal(r2, 3.0 + y)
    assert outputs.idle_bytes() == 0


def test_a_held_result_is_never_reused_or_changed():
    f = accelerate(axpy)
    x, y = np.ones(N), np.arange(N, dtype=np.float64)
    r1 = f(2.0, x, y)
    keep = r1.copy()
    r2 = f(5.0, x, y)
    assert address(r2) != address(r1)
    np.testing.assert_array_equal(r1, keep)
    np.testing.assert_array_equal(r2, 5.0 + y)


def test_a_view_keeps_its_block_alive():
    f = accelerate(axpy)
    x, y = np.ones(N), np.arange(N, dtype=np.float64)
    r = f(2.0, x, y)
    tail = r[N // 2:][::3]
    expected = tail.copy()
    first = address(r)
    del r
    gc.collect()
    assert outputs.idle_bytes() == 0            # the view still reaches the block
    others = [f(float(k), x, y) for k in range(3)]
    assert all(address(o) != first for o in others)
    np.testing.assert_array_equal(tail, expected)
    del tail
    gc.collect()
    assert outputs.idle_bytes() == N * 8


def test_each_output_of_a_call_gets_its_own_block():
    f = accelerate(two)
    x = np.random.default_rng(1).random((600, 500))
    a, b = f(x)
    del a, b
    gc.collect()
    a, b = f(x)
    assert address(a) != address(b)
    np.testing.assert_array_equal(a, x + 1.0)
    np.testing.assert_array_equal(b, x * 2.0)


def test_results_behave_as_numpy_arrays():
    f = accelerate(axpy)
    r = f(2.0, np.ones(N), np.zeros(N))
    assert r.flags.c_contiguous and r.flags.writeable and r.flags.aligned
    r[0] = -1.0                                  # writable, and the write sticks
    assert r[0] == -1.0 and r.sum() == -1.0 + 2.0 * (N - 1)


def test_idle_blocks_are_capped(fresh_config):
    fresh_config(NPACCEL_OUTPUT_POOL=str(3 * N * 8))
    f = accelerate(axpy)
    x = np.ones(N)
    held = [f(float(k), x, x) for k in range(5)]
    del held
    gc.collect()
    assert outputs.idle_bytes() == 3 * N * 8     # the two oldest were dropped


def test_pool_off(fresh_config):
    fresh_config(NPACCEL_OUTPUT_POOL="0")
    r = accelerate(axpy)(2.0, np.ones(N), np.ones(N))
    assert r.base is None and r.flags.owndata
    del r
    gc.collect()
    assert outputs.idle_bytes() == 0


def test_small_results_bypass_the_pool():
    r = accelerate(axpy)(2.0, np.ones(10), np.ones(10))
    assert r.base is None


def test_threads_never_share_a_block():
    f = accelerate(axpy)
    y = np.arange(N, dtype=np.float64)
    errors = []

    def work(k):
        x = np.full(N, float(k))
        for _ in range(20):
            r = f(1.0, x, y)
            if not np.array_equal(r, x + y):
                errors.append(k)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

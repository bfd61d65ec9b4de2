"""Accelerated functions on Dask arrays, on a real dask.distributed LocalCluster (2 worker
processes): each plan kind over several chunkings and dtypes, compared with NumPy on the
computed inputs; laziness; the error for what cannot be split; explain(); pickling."""
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")
import cloudpickle  # noqa: E402
import dask  # noqa: E402
import dask.array as da  # noqa: E402

from npaccel import accelerate  # noqa: E402
from npaccel.errors import UnsupportedError  # noqa: E402

try:
    from harness import REDUCTION_RTOL, assert_same_tree
except ImportError:
    from tests.harness import REDUCTION_RTOL, assert_same_tree


@pytest.fixture(scope="module")
def client():
    """Two worker processes sharing a fresh npaccel cache directory (set before they start)."""
    saved = os.environ.get("NPACCEL_CACHE_DIR")
    os.environ["NPACCEL_CACHE_DIR"] = tempfile.mkdtemp(prefix="npaccel-dask-cache-")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # workers cannot import tests/
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
        if saved is None:
            os.environ.pop("NPACCEL_CACHE_DIR", None)
        else:
            os.environ["NPACCEL_CACHE_DIR"] = saved


def computed(client, result):
    """``result`` computed on the cluster; 0-d Dask arrays come back as NumPy scalars."""
    flat = client.compute(list(result) if isinstance(result, tuple) else [result], sync=True)
    flat = [v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v for v in flat]
    return tuple(flat) if isinstance(result, tuple) else flat[0]


def check(client, fn, arrays, chunks, *scalars, rtol=None):
    """fn on Dask arrays of ``arrays`` (``chunks`` each) equals the plain function on them."""
    lazy = [da.from_array(a, chunks=c) for a, c in zip(arrays, chunks)]
    result = fn(*lazy, *scalars)
    assert all(isinstance(r, da.Array) for r in (result if isinstance(result, tuple) else (result,)))
    expected = fn.__wrapped__(*[a.copy() for a in arrays], *scalars)
    actual = computed(client, result)
    if isinstance(expected, np.generic) and isinstance(actual, np.ndarray):
        actual = actual[()]
    assert_same_tree(actual, expected, rtol)


# ---- the functions -----------------------------------------------------------------------------
@accelerate
def scale_shift(x, w, a):
    return np.sqrt(np.abs(x)) * w + a, x - w


@accelerate
def heat(u, steps):
    u = u.copy()
    for _ in range(steps):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                               - 4 * u[1:-1, 1:-1])
    return u


@accelerate
def gradient1d(u):
    g = np.zeros_like(u)
    g[1:-1] = u[2:] - u[:-2]
    return g


@accelerate
def periodic_laplacian(u):
    return np.roll(u, 1, axis=0) + np.roll(u, -1, axis=0) - 2 * u + np.roll(u, 2, axis=1) - u


@accelerate
def stats(x):
    return (x * x).sum(axis=0), x.mean(), x.std(axis=1, keepdims=True), x.var(), x.min(axis=0), x.max()


@accelerate
def arg_and_logic(x):
    return x.argmax(), x.argmin(axis=0), (x > 0.5).any(axis=1), (x > -1).all(), x.sum(axis=1, keepdims=True)


@accelerate
def int_sums(x):
    return x.sum(), x.sum(axis=0), x.max(axis=1), x.mean(axis=0)


@accelerate
def product(a, b):
    return (a * 2) @ b


@accelerate
def first_row(u):
    v = u * 2
    w = v[0] + u
    return w


CHUNKINGS = [((5, 7),), ((37, 23),), ((10, 4),), ((2, 3),)]   # small, one chunk, uneven, below the halo


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(17)
    return rng.standard_normal((37, 23)), rng.standard_normal(23)


# ---- plans -------------------------------------------------------------------------------------
@pytest.mark.parametrize("chunks, dtype", [((5, 7), np.float64), ((37, 23), np.float64), ((10, 4), np.float32)])
def test_blockwise_with_broadcasting_and_two_results(client, data, chunks, dtype):
    x, w = (a.astype(dtype) for a in data)
    check(client, scale_shift, (x, w), (chunks, chunks[1]), 1.5)
    assert "blockwise" in scale_shift.explain(da.from_array(x, chunks=chunks), da.from_array(w), 1.5)


@pytest.mark.parametrize("chunks, steps, plan", [
    ((20, 20), 3, "halo axis 0: 3 (none), axis 1: 3 (none);"),          # 3 x 1 <= 20 / 4: one deep halo
    ((12, 12), 7, "time loop of 7 steps in 3 groups of <= 3 steps"),    # 7 > 12 / 4: groups of 3, 3, 1
    ((10, 7), 4, "time loop of 4 steps in 4 groups of <= 1 steps"),
    ((2, 3), 3, "halo axis 0: 1 (none), axis 1: 1 (none) per group"),   # chunks below the halo
    ((37, 23), 4, "blockwise")])
def test_stencil_time_steps_keep_numpy_edges(client, data, chunks, steps, plan):
    """Deep halo or one exchange per group of steps, as the cost model chooses: NumPy's result."""
    check(client, heat, (data[0],), (chunks,), steps)
    assert plan in heat.explain(da.from_array(data[0], chunks=chunks), steps)


@pytest.mark.parametrize("chunks, dtype", [(4, np.float64), (13, np.int32), (50, np.int32), (1, np.float64)])
def test_interior_update_1d(client, chunks, dtype):
    u = (np.arange(50) ** 2 % 17).astype(dtype)
    check(client, gradient1d, (u,), (chunks,))


@pytest.mark.parametrize("chunks", [(5, 7), (6, 23)])
def test_roll_is_periodic(client, data, chunks):
    check(client, periodic_laplacian, (data[0],), (chunks,))
    text = periodic_laplacian.explain(da.from_array(data[0], chunks=chunks))
    assert "periodic" in text or chunks == (37, 23)


def test_reductions(client, data):
    x = data[0] + 1e4                # a large mean: the variance's combine must not cancel
    check(client, stats, (x,), ((10, 4),), rtol=REDUCTION_RTOL)
    check(client, stats, (x.astype(np.float32),), ((37, 5),), rtol=REDUCTION_RTOL)
    check(client, arg_and_logic, (x,), ((5, 7),), rtol=REDUCTION_RTOL)
    text = stats.explain(da.from_array(x, chunks=(10, 4)))
    # every reduction, the variances included (Chan's combine), in one pass over the chunks
    assert text.count("one pass:") == 1 and text.count("var (Chan)") == 2 and "min over axes (0,)" in text


@accelerate
def normalised(x):
    return ((x - x.mean()) / np.abs(x).max()).sum(axis=1)


def test_reduction_of_reduced_values_is_a_second_pass(client, data):
    check(client, normalised, (data[0],), ((6, 9),), rtol=REDUCTION_RTOL)
    assert normalised.explain(da.from_array(data[0], chunks=(6, 9))).count("one pass:") == 2


@accelerate
def extremes(x):
    return x.max()


@accelerate
def first_peak(x):
    return x.argmax()


@accelerate
def mean_of(x):
    return x.mean()


@accelerate
def spread(x):
    return x.std(axis=0)


@pytest.mark.parametrize("shape", [(0,), (0, 4), (4, 0)])
def test_empty_reductions_raise_or_warn_as_numpy(shape):
    """NumPy's errors at call time (Dask knows the shapes), its nan and RuntimeWarning otherwise."""
    x = np.ones(shape)
    for fn in (extremes, first_peak):
        with pytest.raises(ValueError) as expected:
            fn.__wrapped__(x)
        with pytest.raises(ValueError) as actual:
            fn(da.from_array(x, chunks=2))
        assert str(actual.value) == str(expected.value)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        lazy = mean_of(da.from_array(x, chunks=2))
    with dask.config.set(scheduler="synchronous"), np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(lazy.compute())
        assert_same_tree(spread(da.from_array(x, chunks=2)).compute(), spread.__wrapped__(x))


def test_axis_error_is_numpys():
    with pytest.raises(np.exceptions.AxisError):
        int_sums(da.ones(5, chunks=2))            # x.max(axis=1) of a 1-d array, at call time


@pytest.mark.parametrize("dtype, chunks", [(np.int8, (5, 4)), (np.float32, (12, 9))])
def test_reduction_dtypes(client, dtype, chunks):
    x = (np.arange(12 * 9).reshape(12, 9) % 7).astype(dtype)
    check(client, int_sums, (x,), (chunks,), rtol=REDUCTION_RTOL)


def test_matmul_is_dasks(client, data):
    x = data[0]
    check(client, product, (x, x.T.copy()), ((10, 5), (5, 10)), rtol=REDUCTION_RTOL)
    assert "da.matmul" in product.explain(da.from_array(x, chunks=10), da.from_array(x.T, chunks=10))


# ---- what is not split, laziness, explain, pickling ----------------------------------------------
def test_unplannable_statement_is_named():
    u = da.ones((20, 20), chunks=5)
    with pytest.raises(UnsupportedError) as info:
        first_row(u)
    message = str(info.value)
    line = first_row.__wrapped__.__code__.co_firstlineno + 3      # @accelerate, def, v =, w = v[0] + u
    assert f"test_dask.py:{line}" in message and "integer index" in message
    assert "rechunk" in message and "compute()" in message
    assert "none" in first_row.explain(u)


def test_scan_without_a_dask_twin_is_named():
    """maximum.accumulate has no dask.array function of its own (cumsum/cumprod do): a clear
    error, not a wrong call into Dask."""
    @accelerate
    def running_max(x):
        return np.maximum.accumulate(x * 2.0)
    with pytest.raises(UnsupportedError, match="maximum"):
        running_max(da.ones(20, chunks=5))


@accelerate
def suffix_sums(x):
    return np.cumsum(x[::-1], axis=0)[::-1] * 2.0, np.cumsum(x[:, ::-1], axis=1)[:, ::-1]


def test_backward_scans_are_dasks_flipped(client, data):
    """np.cumsum(x[::-1])[::-1] is one backward scan in npaccel's graph: Dask's cumsum of the
    flipped array, flipped back."""
    check(client, suffix_sums, (data[0],), ((10, 7),), rtol=REDUCTION_RTOL)


def test_unplannable_axis_in_one_chunk_is_planned(client, data):
    """An axis the function needs whole is fine when it is one chunk: blocks then hold it."""
    check(client, gradient1d, (data[1],), ((23,),))


def test_nothing_is_computed_at_call_time():
    produced = []

    def make():
        produced.append(1)
        return np.arange(40.0).reshape(8, 5)

    x = da.from_delayed(dask.delayed(make)(), shape=(8, 5), dtype=np.float64).rechunk((3, 5))
    with dask.config.set(scheduler="synchronous"):
        results = [heat(x, 2), scale_shift(x, x[0], 1.0), stats(x)]
        assert produced == []
        heat(x, 2).compute()
        assert produced == [1]
    assert all(isinstance(r, (da.Array, tuple)) for r in results)


def test_pickles_and_runs_elsewhere(data):
    clone = cloudpickle.loads(cloudpickle.dumps(heat))
    assert_same_tree(clone(data[0], 3), heat.__wrapped__(data[0], 3))


@accelerate
def cubic(x):
    return x * x * x - 2 * x


@accelerate
def moments(x):
    return x.sum(), x.var(axis=0)


def _unpickled_stats(name):
    from npaccel.api.pickling import unpickled
    return [{k: f.stats()[k] for k in ("calls", "compiles", "disk_hits")} for f in unpickled(name)]


def test_workers_compile_once_per_signature_per_cache_directory(client):
    """The two workers share the fixture's fresh cache directory: over many chunks and two
    dtypes, one cache entry per signature, built by one worker; the other loads it."""
    from npaccel.cache.store import open_store
    blocks = 0
    for dtype in (np.float64, np.float32):
        x = da.random.default_rng(0).random((96, 40), chunks=(8, 10)).astype(dtype)   # 48 C-contiguous blocks
        client.compute([cubic(x), *moments(x)], sync=True)
        blocks += x.npartitions
    entries = open_store(os.environ["NPACCEL_CACHE_DIR"]).list_entries()
    signatures = [e.signature for e in entries if e.function == "cubic"]
    assert sorted(signatures) == ["float32[n,n] C", "float64[n,n] C"]
    reductions = sorted(e.signature for e in entries if e.function == "moments reductions")
    assert len(reductions) == 2 and reductions[0].startswith("float32") and reductions[1].startswith("float64")
    per_worker = client.run(_unpickled_stats, "cubic")
    totals = {k: sum(s[k] for stats in per_worker.values() for s in stats) for k in ("calls", "compiles", "disk_hits")}
    assert totals["calls"] == blocks
    # each worker that ran a signature compiled or loaded it once; only one of them compiled it
    assert totals["compiles"] == 2 and totals["compiles"] + totals["disk_hits"] <= 2 * len(per_worker)


def test_worker_without_compiler_gets_clear_error(client, tmp_path):
    payload = cloudpickle.dumps(gradient1d)      # by value (the client fixture registers this module)
    (tmp_path / "fn.pkl").write_bytes(payload)
    script = ("import pickle, numpy as np, dask, dask.array as da\n"
              f"fn = pickle.load(open({str(tmp_path / 'fn.pkl')!r}, 'rb'))\n"
              "dask.config.set(scheduler='synchronous')\n"
              "try:\n"
              "    fn(da.ones(10, chunks=5)).compute()\n"
              "except Exception as exc:\n"
              "    print(type(exc).__name__, exc)\n")
    env = dict(os.environ, NPACCEL_CC="/nonexistent/cc", NPACCEL_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert "CompileError" in out.stdout and "Dask worker" in out.stdout and "C compiler" in out.stdout, \
        out.stdout + out.stderr

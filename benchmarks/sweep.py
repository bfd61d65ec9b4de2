"""Time per element against input size, 1 to 10^8 elements, per engine.

Two fused elementwise functions (a cheap add and an exp chain, below; haversine too in the
full run) at sizes 1, 10, 100, 1k, 4k, 32k, 100k, 1M, 10M, 100M (quick: up to 100k),
under NumPy, Numba (``njit(parallel=True)``), npaccel and JAX (``jax.jit`` on the CPU, float64
enabled), each function and engine in a new process. Each point is the best of a few loops, each loop long enough (``MIN_LOOP_S``) that
the clock's resolution does not matter; the inputs are made once per size and not copied
(none of these functions writes them).

Per point the record has ``s`` (seconds per call, everything included: dispatch, output
allocation, the kernel) and ``ns_per_element``; ``kernel_ns_per_element`` subtracts the
engine's own time for one element (its per-call overhead: dispatch and the like), which
estimates what the compiled code costs per element where dispatch is not negligible.

Also: the warm-process first call (a new process, caches warm: the time of its first call
at 1M elements) is in the sample table's "new process" column and, for these functions,
``first_call_new_process_s`` here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

SIZES = (1, 10, 100, 1_000, 4_000, 32_000, 100_000, 1_000_000, 10_000_000, 100_000_000)
QUICK_SIZES = (1, 100, 4_000, 100_000)
MIN_LOOP_S = 0.02
ENGINES = ("numpy", "numba", "npaccel", "jax")


def add(a, b):
    return a + b


def exp_chain(a, b):
    return np.exp(a) * 2.0 + b


def haversine(lat1, lon1, lat2, lon2):
    dlat = np.radians(lat2 - lat1)
    dlon = np.radians(lon2 - lon1)
    h = np.sin(dlat / 2.0) ** 2 + np.cos(np.radians(lat1)) * np.cos(np.radians(lat2)) * np.sin(dlon / 2.0) ** 2
    return 2.0 * 6371.0 * np.arcsin(np.sqrt(h))


FUNCTIONS = {"add": (add, 2), "exp_chain": (exp_chain, 2), "haversine": (haversine, 4)}
QUICK_FUNCTIONS = ("add", "exp_chain")


def inputs(nargs, n, seed=5):
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(-1.0, 1.0, n) for _ in range(nargs))


def make(engine, fn):
    """A callable taking NumPy arrays and returning a NumPy-compatible result (JAX: blocks
    until the result is ready), or raises."""
    if engine == "numpy":
        return fn
    if engine == "numba":
        import numba
        return numba.njit(parallel=True, cache=True)(fn)
    if engine == "npaccel":
        from npaccel import accelerate
        return accelerate(fn, target="cpu", fallback="raise")
    if engine == "jax":
        from benchmarks.engines import jax_jit
        return jax_jit(fn)
    raise ValueError(engine)


def per_call_s(fn, args, rounds=3):
    fn(*args)
    t = time.perf_counter()
    fn(*args)
    once = max(time.perf_counter() - t, 1e-7)
    calls = max(1, min(100_000, int(MIN_LOOP_S / once)))
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.perf_counter() - t) / calls)
    return best


def sweep(quick=False, engines=ENGINES, log=print, env=None):
    """{function: {engine: {'points': [{n, s, ns_per_element, kernel_ns_per_element}],
    'compile_s'} or {'error'}}}. Each (function, engine) runs in a process of its own:
    thread pools left spinning by one engine (Numba's, XLA's) must not slow the next."""
    from benchmarks.run import ROOT
    names = QUICK_FUNCTIONS if quick else tuple(FUNCTIONS)
    out = {}
    for name in names:
        out[name] = {}
        for engine in engines:
            cmd = [sys.executable, "-m", "benchmarks.sweep", "--one", name, engine] + (["--quick"] if quick else [])
            try:
                done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
                lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
                rec = json.loads(lines[-1]) if done.returncode == 0 and lines else {
                    "error": f"exit {done.returncode}: " + (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}
            except subprocess.TimeoutExpired:
                rec = {"error": "timed out after 1200 s"}
            out[name][engine] = rec
            if "error" in rec:
                log(f"  {name:10s} {engine:8s} fails: {rec['error']}")
            else:
                log(f"  {name:10s} {engine:8s} " + " ".join(
                    f"{p['n']:.0e}:{p['ns_per_element']:.3g}" for p in rec["points"] if "s" in p) + "  ns/element")
    return out


def run_one(name, engine, quick=False):
    """One function under one engine over the sizes (in this process)."""
    sizes = QUICK_SIZES if quick else SIZES
    fn, nargs = FUNCTIONS[name]
    try:
        f = make(engine, fn)
        t = time.perf_counter()
        f(*inputs(nargs, 16))
        compile_s = time.perf_counter() - t
    except Exception as exc:  # report: the engine cannot run this function
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    points = []
    for n in sizes:
        if n > 10_000_000 and name == "haversine":
            break        # 4 inputs of 800 MB: the trend is clear at 10M
        args = inputs(nargs, n)
        try:
            s = per_call_s(f, args, rounds=2 if n >= 10_000_000 else 3)
        except Exception as exc:
            points.append({"n": n, "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
            continue
        points.append({"n": n, "s": s, "ns_per_element": s / n * 1e9})
        del args
    one = next((p["s"] for p in points if p["n"] == 1 and "s" in p), 0.0)
    for p in points:
        if "s" in p:
            p["kernel_ns_per_element"] = max(0.0, p["s"] - one) / p["n"] * 1e9 if p["n"] > 1 else None
    return {"points": points, "compile_s": compile_s}


def first_call_new_process(name="exp_chain", engine="npaccel", n=1_000_000, env=None, runs=3):
    """Median over ``runs`` new processes of the time of their first call (caches warm,
    filled by the parent), and of their second call."""
    from benchmarks.run import ROOT
    firsts, seconds = [], []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-m", "benchmarks.sweep", "--probe", name, engine, str(n)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if done.returncode != 0 or not lines:
            return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}
        rec = json.loads(lines[-1])
        firsts.append(rec["first_s"])
        seconds.append(rec["second_s"])
    return {"first_s": float(np.median(firsts)), "second_s": float(np.median(seconds)), "n": n}


def _probe(name, engine, n):
    fn, nargs = FUNCTIONS[name]
    args = inputs(nargs, n)
    f = make(engine, fn)
    t = time.perf_counter()
    f(*args)
    first = time.perf_counter() - t
    t = time.perf_counter()
    f(*args)
    second = time.perf_counter() - t
    print(json.dumps({"first_s": first, "second_s": second}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        _probe(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(sys.argv[2], sys.argv[3], quick="--quick" in sys.argv)))
    else:
        import tempfile
        os.environ.setdefault("NPACCEL_CACHE_DIR", tempfile.mkdtemp(prefix="npaccel-sweep-"))
        print(json.dumps(sweep(quick="--quick" in sys.argv), indent=1))

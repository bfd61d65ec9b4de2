"""Dispatch overhead: the cost of one cached call on a 10-element input, per engine; and
the per-call table (``per_call``): ``a + b`` on two and on eight 1-element float64 arrays,
medians, npaccel through its C dispatcher and through its Python path, NumPy and Numba.

``tiny`` lives in a file of its own so that Numba and npaccel can read its source.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks import engines

N_ELEMENTS = 10


def tiny(x, y):
    return 2.0 * x + y


def _per_call_us(fn, args, calls, rounds=7):
    fn(*args)
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.perf_counter() - t) / calls)
    return best * 1e6


def measure(quick=False):
    """{engine: {'us': microseconds per call} or {'error': reason}}."""
    x = np.linspace(0.0, 1.0, N_ELEMENTS)
    y = np.linspace(1.0, 2.0, N_ELEMENTS)
    calls = 200 if quick else 5000
    makers = {"numpy": lambda: tiny}

    def _numexpr():
        import numexpr as ne
        return lambda x, y: ne.evaluate("2.0 * x + y", local_dict={"x": x, "y": y})

    def _numba(parallel):
        def make():
            import numba
            return numba.njit(parallel=parallel, cache=True)(tiny)
        return make

    def _npaccel(target):
        def make():
            from npaccel import accelerate
            return accelerate(tiny, target=target, fallback="silent")
        return make

    makers["numexpr"] = _numexpr
    makers["numba"] = _numba(True)
    makers["numba (serial njit)"] = _numba(False)
    makers["jax"] = lambda: engines.jax_jit(tiny)
    makers["npaccel-cpu"] = _npaccel("cpu")
    if engines.gpu_present():
        makers["npaccel-cuda"] = _npaccel("cuda")
    out = {}
    for name, make in makers.items():
        try:
            fn = make()
            out[name] = {"us": _per_call_us(fn, (x, y), calls)}
        except Exception as exc:  # report and go on: one engine must not end the run
            out[name] = {"error": engines.short_reason(exc)}
    return out


def add2(a, b):
    return a + b


def add8(a, b, c, d, e, f, g, h):
    return a + b + c + d + e + f + g + h


PER_CALL_CASES = {"a + b, 2 arrays of 1 float64": (add2, 2), "sum of 8 arrays of 1 float64": (add8, 8)}


def _median_call_us(fn, args, calls, rounds):
    """Median over ``rounds`` loops of ``calls`` calls, in microseconds per call."""
    fn(*args)
    fn(*args)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        times.append((time.perf_counter() - t) / calls)
    return statistics.median(times) * 1e6


def _npaccel_python_path(fn):
    """accelerate(fn) whose calls stay on the Python path (NPACCEL_NO_C_DISPATCH=1 while
    its plans would attach: they never do)."""
    import os
    from npaccel import accelerate
    from npaccel.config import reload_config

    acc = accelerate(fn, target="cpu", fallback="silent")
    before = os.environ.get("NPACCEL_NO_C_DISPATCH")
    os.environ["NPACCEL_NO_C_DISPATCH"] = "1"
    reload_config()
    try:
        for _ in range(3):
            acc(*[np.ones(1)] * len(acc.__signature__.parameters))
    finally:
        if before is None:
            del os.environ["NPACCEL_NO_C_DISPATCH"]
        else:
            os.environ["NPACCEL_NO_C_DISPATCH"] = before
        reload_config()
    return acc


def per_call(quick=False):
    """{case: {engine: {'us': median microseconds per call} or {'error': reason}}}."""
    calls, rounds = (500, 5) if quick else (20000, 15)

    def _npaccel(fn):
        from npaccel import accelerate
        return accelerate(fn, target="cpu", fallback="silent")

    def _numba(fn):
        import numba
        return numba.njit(cache=True)(fn)
    makers = {"numpy": lambda fn: fn, "numba": _numba, "npaccel (C dispatcher)": _npaccel,
              "npaccel (Python path)": _npaccel_python_path}
    out = {}
    for case, (fn, n_args) in PER_CALL_CASES.items():
        args = tuple(np.full(1, float(i + 1)) for i in range(n_args))
        row = out[case] = {}
        for name, make in makers.items():
            try:
                row[name] = {"us": _median_call_us(make(fn), args, calls, rounds)}
            except Exception as exc:  # report and go on: one engine must not end the run
                row[name] = {"error": engines.short_reason(exc)}
    return out


if __name__ == "__main__":
    for case, row in per_call().items():
        print(case)
        for name, r in row.items():
            print(f"  {name:24s} {r['us']:8.2f} us" if "us" in r else f"  {name:24s} {r['error']}")

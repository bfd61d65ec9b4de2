"""Dispatch overhead: the cost of one cached call on a 10-element input, per engine.

``tiny`` lives in a file of its own so that Numba and npaccel can read its source.
"""
from __future__ import annotations

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

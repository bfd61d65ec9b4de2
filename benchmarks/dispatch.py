"""Dispatch overhead: the cost of one cached call on a 10-element input, per engine; and
the per-call table (``per_call``): ``a + b`` on two and on eight 1-element float64 arrays,
outputs shaped by int arguments and slice lengths (``x[:n]``, ``np.zeros(k)``), a run-time
broadcast check, a loop-variant-slice sample at 4x4; medians of wall and CPU time,
npaccel through its C dispatcher and through its Python path, NumPy and Numba.

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


def head(x, n):
    """An output whose shape is a slice length of an int argument (NumPy's clipping)."""
    return x[:n] * 2.0


def zeros_plus(a, k):
    """An output shaped by an int argument, a size check and an index from it."""
    return np.zeros(k) + a[k - 1]


def window(x, lo, hi):
    return x[lo:hi] + 1.0


def shifted(x, n):
    """Two slice lengths that must broadcast (a run-time check: equal, or one of them 1)."""
    return x[:n] + x[1:n + 1]


def with_defaults(a, s=2.0, k=1):
    """Called as with_defaults(a): the C dispatcher completes the call from __defaults__."""
    return a * s + k


def _cholesky_args():
    from samples.cholesky import cholesky
    a = np.random.default_rng(0).uniform(-1.0, 1.0, (4, 4))
    return cholesky, (a @ a.T + 4 * np.eye(4),)


def _case(fn, *args):
    return lambda: (fn, args)


PER_CALL_CASES = {
    "a + b, 2 arrays of 1 float64": _case(add2, np.ones(1), np.full(1, 2.0)),
    "sum of 8 arrays of 1 float64": _case(add8, *(np.full(1, float(i + 1)) for i in range(8))),
    "x[:n] * 2.0, 10 float64, n=5": _case(head, np.arange(10.0), 5),
    "np.zeros(k) + a[k - 1], 10 float64, k=5": _case(zeros_plus, np.arange(10.0), 5),
    "x[lo:hi] + 1.0, 10 float64, 2:7": _case(window, np.arange(10.0), 2, 7),
    "x[:n] + x[1:n + 1], 10 float64, n=5": _case(shifted, np.arange(10.0), 5),
    "samples/cholesky.py on 4x4 (loop-variant slices)": _cholesky_args,
    "f(a) for def f(a, s=2.0, k=1), 1 float64": _case(with_defaults, np.ones(1)),
}


def _median_call_us(fn, args, calls, rounds):
    """(wall, CPU) medians over ``rounds`` loops of ``calls`` calls, microseconds per call."""
    fn(*args)
    fn(*args)
    walls, cpus = [], []
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(calls):
            fn(*args)
        cpus.append((time.process_time() - c) / calls)
        walls.append((time.perf_counter() - t) / calls)
    return statistics.median(walls) * 1e6, statistics.median(cpus) * 1e6


def _npaccel_python_path(fn, args):
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
            acc(*args)
    finally:
        if before is None:
            del os.environ["NPACCEL_NO_C_DISPATCH"]
        else:
            os.environ["NPACCEL_NO_C_DISPATCH"] = before
        reload_config()
    return acc


def _npaccel_c(fn, args):
    """accelerate(fn); an error where its calls do not run through the C dispatcher."""
    from npaccel import accelerate
    acc = accelerate(fn, target="cpu", fallback="silent")
    for _ in range(3):
        acc(*args)
    if acc._fast is None or not acc._fast.hits:
        raise RuntimeError("its calls take the Python path (no C dispatcher plan attached)")
    return acc


def per_call(quick=False, cases=None):
    """{case: {engine: {'us': median wall microseconds per call, 'cpu_us': median CPU
    microseconds per call} or {'error': reason}}}."""
    calls, rounds = (500, 5) if quick else (20000, 15)

    def _numba(fn, args):
        import numba
        return numba.njit(cache=True)(fn)
    makers = {"numpy": lambda fn, args: fn, "numba": _numba, "npaccel (C dispatcher)": _npaccel_c,
              "npaccel (Python path)": _npaccel_python_path}
    out = {}
    for case in cases or PER_CALL_CASES:
        fn, args = PER_CALL_CASES[case]()
        row = out[case] = {}
        for name, make in makers.items():
            try:
                wall, cpu = _median_call_us(make(fn, args), args, calls, rounds)
                row[name] = {"us": wall, "cpu_us": cpu}
            except Exception as exc:  # report and go on: one engine must not end the run
                row[name] = {"error": engines.short_reason(exc)}
    return out


if __name__ == "__main__":
    import sys
    chosen = [c for c in PER_CALL_CASES if any(word in c for word in sys.argv[1:] if word != "--quick")]
    for case, row in per_call(quick="--quick" in sys.argv, cases=chosen or None).items():
        print(case)
        for name, r in row.items():
            print(f"  {name:24s} {r['us']:8.2f} us wall {r['cpu_us']:8.2f} us CPU" if "us" in r
                  else f"  {name:24s} {r['error']}")

"""Black-Scholes under NumPy and under npaccel: time, speedup, and whether they agree.

    python samples/demo.py            (or: make demo)

Exits with status 1 when the results differ from NumPy's.
"""
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import samples  # noqa: E402
from npaccel import accelerate  # noqa: E402

RUNS = 5


def median_time(fn, args, runs=RUNS):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def outputs(result):
    return result if isinstance(result, tuple) else (result,)


def main():
    module = samples.load("black_scholes")
    plain = module.black_scholes
    args = module.inputs(1.0)
    print(f"black_scholes on {args[0].size:,} options (call and put), "
          f"median of {RUNS} runs")

    fast = accelerate(plain, fallback="raise")
    t = time.perf_counter()
    got = outputs(fast(*args))                 # first call: compiles (or loads the cache)
    first = time.perf_counter() - t
    expected = outputs(plain(*args))

    t_numpy = median_time(plain, args)
    t_fast = median_time(fast, args)
    stats = fast.stats() if hasattr(fast, "stats") else {}
    how = ("compile" if stats.get("compiles") else
           "disk cache load" if stats.get("disk_hits") else "compile or cache load")
    print(f"  first npaccel call ({how} + one run): {first * 1e3:9.1f} ms")
    print(f"  NumPy:   {t_numpy * 1e3:9.2f} ms")
    print(f"  npaccel: {t_fast * 1e3:9.2f} ms")
    print(f"  speedup: {t_numpy / t_fast:9.2f}x")

    ok = len(got) == len(expected)
    for label, e, g in zip(("call", "put"), expected, got):
        same = (e.dtype == g.dtype and e.shape == g.shape
                and np.allclose(g, e, rtol=1e-9))
        print(f"  {label}: {'matches NumPy' if same else 'DIFFERS from NumPy'} "
              f"({g.dtype}{list(g.shape)} vs {e.dtype}{list(e.shape)})")
        ok = ok and same
    print("results match" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Reductions along one axis of a fused product, ``(u * v).sum(axis=0)`` and friends: NumPy
against npaccel at a few shapes, medians of several calls (docs/performance.md shows a run).

    python -m benchmarks.axis_reductions [--json]

Each function is compiled (fallback="raise") and called once before it is timed; every
timing is the median of ``REPEATS`` batches, each long enough (``MIN_BATCH_S``) to be
timed reliably at small sizes.
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

from npaccel import accelerate

SHAPES = [(64, 64), (1024, 1024), (4096, 1024), (1, 1_000_000), (1_000_000, 1)]
REPEATS = 7
MIN_BATCH_S = 0.005


REDUCERS = {     # (op, axis) -> (u * v).<op>(axis=axis), spelt out: npaccel compiles each
    ("sum", 0): lambda u, v: (u * v).sum(axis=0), ("sum", 1): lambda u, v: (u * v).sum(axis=1),
    ("min", 0): lambda u, v: (u * v).min(axis=0), ("min", 1): lambda u, v: (u * v).min(axis=1),
    ("max", 0): lambda u, v: (u * v).max(axis=0), ("max", 1): lambda u, v: (u * v).max(axis=1),
    ("mean", 0): lambda u, v: (u * v).mean(axis=0), ("mean", 1): lambda u, v: (u * v).mean(axis=1),
}


def median_ms(fn, *args) -> float:
    """Median of REPEATS batches, ms per call."""
    fn(*args)
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < MIN_BATCH_S or n < 1:
        fn(*args)
        n += 1
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(*args)
        times.append((time.perf_counter() - t0) / n)
    return sorted(times)[REPEATS // 2] * 1e3


def run():
    rng = np.random.default_rng(0)
    rows = []
    for shape in SHAPES:
        u, v = rng.random(shape), rng.random(shape)
        for axis in (0, 1):
            for op in ("sum", "min", "max", "mean"):
                plain = REDUCERS[op, axis]
                fast = accelerate(plain, fallback="raise")
                np.testing.assert_allclose(fast(u, v), plain(u, v), rtol=1e-12)
                rows.append({"shape": "x".join(map(str, shape)), "op": op, "axis": axis,
                             "numpy_ms": median_ms(plain, u, v), "npaccel_ms": median_ms(fast, u, v)})
    return rows


def main(argv):
    rows = run()
    if "--json" in argv:
        print(json.dumps(rows))
        return
    print(f"{'shape':>12} {'op':>5} axis {'NumPy ms':>9} {'npaccel ms':>10}")
    for r in rows:
        print(f"{r['shape']:>12} {r['op']:>5} {r['axis']:>4} {r['numpy_ms']:9.3f} {r['npaccel_ms']:10.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])

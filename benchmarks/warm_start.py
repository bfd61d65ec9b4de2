"""First call in a new process with a warm disk cache, with and without the warm index.

For each case a cold process first builds the artefact. Then, alternately, N times:

- "lowered": the index files are removed, so a new process lowers the function, plans and
  generates C again before the generated source names the artefact already on disk (what
  every new process did before the index; it then writes the index again);
- "indexed": a new process finds the artefact through the index (api/warm.py), without
  lowering.

Each process times its first three calls (the third is the kernel and the dispatch alone;
the second may still set up the C dispatcher) and reports whether the index was used.
Medians over the runs.

    python -m benchmarks.warm_start [--runs 5] [--target cpu] [--scale 0.01] [case ...]

Cases: the samples (samples/__init__.py) and ``loop20``, a 20-line time-stepping loop.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
import numpy as np
from npaccel import accelerate
from benchmarks.warm_start import case
fn, args = case({name!r}, {scale!r})
fast = accelerate(fn)
t0 = time.perf_counter()
fast(*args)
t1 = time.perf_counter()
fast(*args)
t2 = time.perf_counter()
fast(*args)
t3 = time.perf_counter()
s = fast.stats()
print(json.dumps({{"first_ms": 1e3 * (t1 - t0), "second_ms": 1e3 * (t2 - t1), "later_ms": 1e3 * (t3 - t2),
                  "index_hits": s["index_hits"], "compiles": s["compiles"], "fallbacks": s["fallbacks"]}}))
"""


def loop20(u, v, dt, steps):
    """Explicit advection-diffusion in a time loop: a 20-line function of the kind that took
    165-240 ms to lower again in every new process."""
    flux = np.zeros_like(u)
    energy = 0.0
    for step in range(steps):
        left = u[:-2]
        mid = u[1:-1]
        right = u[2:]
        lap = left - 2.0 * mid + right
        grad = 0.5 * (right - left)
        flux[1:-1] = 0.1 * lap - v * grad
        u = u + dt * flux
        u[0] = u[1]
        u[-1] = u[-2]
        energy = energy + float(np.sum(u * u)) * dt
        if energy > 1e12:
            break
    peak = np.max(np.abs(u))
    return u, energy, peak, u.mean()


def case(name, scale):
    """(function, arguments) of a case."""
    if name == "loop20":
        n = max(16, int(100_000 * scale))
        return loop20, (np.sin(np.linspace(0.0, 6.0, n)), 0.3, 0.01, 20)
    import samples
    module = samples.load(name)
    return getattr(module, name), module.inputs(scale)


def run_child(name, scale, cache, target) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPACCEL_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(NPACCEL_CACHE_DIR=str(cache), NPACCEL_TARGET=target, NPACCEL_FALLBACK="silent")
    code = CHILD.format(repo=str(REPO), name=name, scale=scale)
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{name}: the child process failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(name, scale=0.01, runs=5, target="cpu") -> dict:
    """Medians of the first call lowered and indexed, and of the second call (ms)."""
    cache = Path(tempfile.mkdtemp(prefix="npaccel-warm-bench-"))
    try:
        cold = run_child(name, scale, cache, target)
        lowered, indexed = [], []
        for _ in range(runs):
            shutil.rmtree(cache / "index", ignore_errors=True)
            lowered.append(run_child(name, scale, cache, target))
            indexed.append(run_child(name, scale, cache, target))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    med = lambda rows, k: statistics.median(r[k] for r in rows)    # noqa: E731
    return {"case": name, "cold_ms": cold["first_ms"], "lowered_ms": med(lowered, "first_ms"),
            "indexed_ms": med(indexed, "first_ms"), "later_ms": med(indexed + lowered, "later_ms"),
            "index_used": f"{sum(r['index_hits'] for r in indexed)}/{runs}",
            "python_fallbacks": cold["fallbacks"]}


def table(rows) -> str:
    head = "| case | cold first call | warm, lowered | warm, indexed | third call | index used |"
    lines = [head, "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['case']}{' (segments)' if r['python_fallbacks'] else ''} | {r['cold_ms']:.0f} ms | "
                     f"{r['lowered_ms']:.1f} ms | {r['indexed_ms']:.1f} ms | {r['later_ms']:.2f} ms | "
                     f"{r['index_used']} |")
    return "\n".join(lines)


def main(argv=None):
    import samples
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["loop20", *samples.SAMPLES])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--target", default="cpu", choices=("cpu", "auto"))
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    rows = []
    for name in args.cases:
        rows.append(measure(name, args.scale, args.runs, args.target))
        print(f"{name}: {rows[-1]}", file=sys.stderr)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

"""npaccel on Dask arrays against the same code as plain dask.array operations, on one
dask.distributed LocalCluster (2 worker processes, 1 thread each, a memory limit per worker).

Two samples, each a plain NumPy function run unchanged by both engines:
- ``heat``: an explicit 2-D heat-equation time-stepper (in-place interior update, NumPy's
  edges kept); npaccel plans it as one map_overlap with a halo covering all steps;
- ``diagnostics``: a reduction pipeline (energy, mean, standard deviation, extremes) of a
  field; npaccel computes all five reductions (the standard deviation by Chan's combine) in
  one compiled pass per chunk and one combine tree.

The stencil's input is generated on the workers (da.random) inside the timed run; the
pipeline's two inputs are persisted on the workers first. Each run computes the stencil
result's sum, or the pipeline's results, so nothing large returns to the client. In the full
run the pipeline's two fields (256 MiB) fill one worker's memory limit (256 MiB). Time: npaccel's best of 2
runs after a warm-up run that compiles (workers then load kernels from the disk cache); plain
Dask's one run (it compiles nothing, and its runs are long). Peak memory: the larger of the
two workers' peak resident set (ru_maxrss), each measurement on a fresh LocalCluster.

    python -m benchmarks.dask_bench [--quick]

writes docs/dask_benchmarks.md and docs/dask_benchmarks.png.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def heat(u, steps):
    u = u.copy()
    for _ in range(steps):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.1 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                                               - 4 * u[1:-1, 1:-1])
    return u


def diagnostics(u, v):
    speed2 = u * u + v * v
    energy = 0.5 * speed2.sum()
    return energy, speed2.mean(), np.sqrt(speed2).std(), np.abs(u - v).max(), (u * v).min(axis=0)


def _peak_rss(dask_worker=None):
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(limit, make, repeats, warm=True, inputs=None):
    """(best seconds, peak RSS per worker in bytes) of computing ``make(*inputs())``'s results
    on a fresh LocalCluster (so ru_maxrss counts these runs only); ``inputs`` (a function giving
    Dask arrays) are persisted on the workers before timing."""
    from dask.distributed import Client, LocalCluster, wait
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        return _measure(client, make, repeats, warm, inputs)


def _measure(client, make, repeats, warm, inputs):
    from dask.distributed import wait
    if warm:                                   # compiles or loads kernels (plain Dask needs none)
        client.compute(list(make(*(inputs() if inputs else ()))), sync=True)
    args = ()
    if inputs:
        args = client.persist(list(inputs()))
        wait(args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        client.compute(list(make(*args)), sync=True)
        times.append(time.perf_counter() - start)
    peaks = client.run(_peak_rss)
    return min(times), max(peaks.values())


def run(quick=False):
    import dask.array as da
    from npaccel import accelerate

    n, chunk, steps, limit = (2048, 512, 6, "256MiB") if quick else (4096, 1024, 8, "256MiB")
    repeats = 2
    array_bytes = n * n * 8
    fast_heat, fast_diag = accelerate(heat), accelerate(diagnostics)

    def field(seed):
        return da.random.default_rng(seed).random((n, n), chunks=chunk)

    cases = {      # the stencil reads a generated field; the pipeline two persisted ones
        "heat": (lambda f: [f(field(1), steps).sum()], (heat, fast_heat), None),
        "diagnostics": (lambda f, u, v: list(f(u, v)), (diagnostics, fast_diag), lambda: (field(2), field(3))),
    }
    rows = []
    for name, (make, (plain, fast), inputs) in cases.items():
        t_dask, m_dask = measure(limit, lambda *a: make(plain, *a), 1, warm=False, inputs=inputs)
        t_np, m_np = measure(limit, lambda *a: make(fast, *a), repeats, inputs=inputs)
        rows.append({"sample": name, "dask_s": t_dask, "npaccel_s": t_np, "speedup": t_dask / t_np,
                     "dask_peak_mib": m_dask / 2 ** 20, "npaccel_peak_mib": m_np / 2 ** 20})
        print(f"{name:12s} dask {t_dask:7.2f} s  npaccel {t_np:7.2f} s  x{t_dask / t_np:5.1f}   "
              f"peak/worker dask {m_dask / 2 ** 20:6.0f} MiB  npaccel {m_np / 2 ** 20:6.0f} MiB")
    plan = fast_heat.explain(field(1), steps).split("\n\n")[0]
    setup = {"array": f"{n}x{n} float64 ({array_bytes / 2 ** 20:.0f} MiB per field)", "chunks": f"{chunk}x{chunk}",
             "steps": steps, "workers": "2 processes x 1 thread", "memory_limit_per_worker": limit,
             "machine": f"{platform.machine()}, {os.cpu_count()} cores", "quick": quick}
    write_report(rows, setup, plan)
    return rows


def write_report(rows, setup, plan):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    docs = ROOT / "docs"
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    x = np.arange(len(rows))
    for ax, key, label in ((axes[0], "_s", "seconds (lower is better)"), (axes[1], "_peak_mib", "peak MiB per worker")):
        ax.bar(x - 0.2, [r["dask" + key] for r in rows], 0.4, label="plain dask.array")
        ax.bar(x + 0.2, [r["npaccel" + key] for r in rows], 0.4, label="npaccel on Dask")
        ax.set_xticks(x, [r["sample"] for r in rows])
        ax.set_ylabel(label)
    axes[0].legend()
    fig.suptitle(f"LocalCluster, {setup['workers']}, {setup['array']}")
    fig.tight_layout()
    fig.savefig(docs / "dask_benchmarks.png", dpi=110)
    lines = ["# npaccel on Dask: benchmark", "",
             "Written by `python -m benchmarks.dask_bench" + (" --quick`" if setup["quick"] else "`") +
             " (benchmarks/dask_bench.py). The same NumPy functions run as plain `dask.array` operations "
             "and through `@accelerate` on the same LocalCluster.", "",
             "Setup: " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in setup.items()), "",
             "| sample | plain Dask (s) | npaccel (s) | speed-up | peak/worker Dask (MiB) | peak/worker npaccel (MiB) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['sample']} | {r['dask_s']:.2f} | {r['npaccel_s']:.2f} | {r['speedup']:.1f}x | "
                     f"{r['dask_peak_mib']:.0f} | {r['npaccel_peak_mib']:.0f} |")
    lines += ["", "![times and peak memory](dask_benchmarks.png)", "", "The stencil's plan:", "", "```", plan, "```",
              "", "```json", json.dumps(rows, indent=1), "```", ""]
    (docs / "dask_benchmarks.md").write_text("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller array, for a smoke run")
    run(parser.parse_args(argv).quick)


if __name__ == "__main__":
    main()

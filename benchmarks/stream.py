"""Memory-bandwidth ceilings measured in the same run as the samples.

``c_triad``: benchmarks/triad.c built at run time with ``cc -O3 -march=native -fopenmp``,
run with all cores and with one; ``numpy_triad``: the same triad as NumPy writes it
without temporaries (two ufunc passes with ``out=``). Both count 24 bytes per element.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def c_triad(workdir, n=40_000_000, reps=10):
    """{'gbs': all threads, 'gbs_1thread': one thread, 'n', 'reps', 'threads', 'cc', ...}
    or {'error': ...} when no C compiler with OpenMP is found."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return {"error": "no C compiler (cc) on PATH"}
    exe = Path(workdir) / "triad"
    cmd = [cc, "-O3", "-march=native", "-fopenmp", str(HERE / "triad.c"), "-o", str(exe)]
    build = subprocess.run(cmd, capture_output=True, text=True)
    if build.returncode != 0:
        return {"error": f"{' '.join(cmd)} failed: {build.stderr.strip()[:500]}"}
    record = {"command": " ".join(cmd), "cc_version": _cc_version(cc)}
    for key, threads in (("gbs", None), ("gbs_1thread", "1")):
        env = dict(os.environ)
        if threads:
            env["OMP_NUM_THREADS"] = threads
        run = subprocess.run([str(exe), str(n), str(reps)], capture_output=True, text=True,
                             env=env, timeout=600)
        if run.returncode != 0:
            return {"error": f"triad failed: {run.stderr.strip()[:500]}"}
        data = json.loads(run.stdout)
        record[key] = data["gbs"]
        record.setdefault("n", data["n"])
        record.setdefault("reps", data["reps"])
        record.setdefault("threads", data["threads"])
    return record


def numpy_triad(n=40_000_000, reps=10):
    b = np.ones(n)
    c = np.full(n, 2.0)
    a = np.zeros(n)
    tmp = np.empty(n)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        np.multiply(c, 3.0, out=tmp)
        np.add(b, tmp, out=a)
        best = min(best, time.perf_counter() - t)
    assert a[n // 2] == 7.0
    return {"gbs": 24.0 * n / best / 1e9, "n": n, "reps": reps}


def _cc_version(cc):
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30)
        return out.stdout.splitlines()[0] if out.stdout else ""
    except (OSError, subprocess.SubprocessError):
        return ""

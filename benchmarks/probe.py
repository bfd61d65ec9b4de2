"""One sample under one engine in a new process: first call with a warm cache, a second
call, then the peak memory of a third. Prints one JSON line. Run by benchmarks.run as

    python -m benchmarks.probe SAMPLE ENGINE SCALE

with NPACCEL_CACHE_DIR and NUMBA_CACHE_DIR pointing at the caches the parent filled.

Peak memory: Linux keeps the peak resident set size of a process as VmHWM in
/proc/self/status; writing "5" to /proc/self/clear_refs resets it to the current RSS. So:
make the call's inputs, release freed heap to the OS (malloc_trim), reset the peak, read
RSS, call, read VmHWM: the difference is what the call added at its worst moment (its
temporaries and its outputs), whoever allocated it (NumPy, Numba's runtime, C code).
glibc's adaptive mmap threshold is pinned first (mallopt) so that freed blocks go back to
the OS instead of being reused unseen. Where clear_refs cannot be written the probe falls
back to the VmHWM increase over the process's earlier peak, a lower bound ("hwm-delta").
"""
import ctypes
import gc
import importlib
import json
import sys
import time


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def _release_heap():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 * 1024)    # M_MMAP_THRESHOLD: fixed, no adaptive growth
        libc.mallopt(-1, 128 * 1024)    # M_TRIM_THRESHOLD
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return "clear_refs"
    except OSError:
        return "hwm-delta"


def main(sample, engine, scale):
    t0 = time.perf_counter()
    importlib.import_module("numpy")                 # counted in import_s

    import samples
    from benchmarks import engines

    module = samples.load(sample)
    args = module.inputs(scale)
    fn = engines.make(engine, module)
    import_s = time.perf_counter() - t0
    first_args = engines.fresh_args(args)
    t0 = time.perf_counter()
    result = fn(*first_args)
    first_call_s = time.perf_counter() - t0
    out_bytes = sum(o.nbytes for o in engines.as_outputs(result))
    # A second call in the same fresh process: first minus second is what loading from the
    # cache cost, apart from effects both calls share. The first result stays alive during
    # it, so the second call's outputs are fresh memory too (page faults on first touch),
    # as the first call's were, whatever allocator recycles freed blocks.
    second_args = engines.fresh_args(args)
    t0 = time.perf_counter()
    fn(*second_args)
    second_call_s = time.perf_counter() - t0
    del second_args, result, first_args
    call_args = engines.fresh_args(args)
    gc.collect()
    _release_heap()
    method = _reset_peak()
    before_rss = _status("VmRSS")
    before_hwm = _status("VmHWM")
    result = fn(*call_args)
    after_hwm = _status("VmHWM")
    base = before_rss if method == "clear_refs" else before_hwm
    record = {
        "import_s": import_s,
        "first_call_s": first_call_s,
        "second_call_s": second_call_s,
        "peak_extra_bytes": max(0, after_hwm - base),
        "output_bytes": out_bytes,
        "rss_before_bytes": before_rss,
        "memory_method": method,
    }
    stats = engines.fallback_stats(engine, fn)
    if stats is not None:
        record["fallbacks"] = stats[0]
        s = fn.stats
        try:
            record["npaccel_stats"] = {k: v for k, v in s().items()
                                       if isinstance(v, (int, float, str))}
        except Exception as exc:  # report, do not fail the probe
            record["npaccel_stats"] = {"error": str(exc)}
    del result
    print(json.dumps(record))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))

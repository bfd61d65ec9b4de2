"""Random Python programs (tests/program_generator.py), plain vs accelerate(fn,
fallback="warn"), through harness.check_same_default.

NPACCEL_PYGEN_COUNT functions (default 150) from NPACCEL_PYGEN_SEED (default 0), in modules
of NPACCEL_PYGEN_BATCH functions (default 25): one test per module, which runs every
function and then fails listing every function that disagreed, with its source. Set
NPACCEL_PYGEN_DUMP to a directory to keep the failing programs there.
"""
import inspect
import os
import pathlib
import traceback

import numpy as np
import pytest

import program_generator as gen
from harness import REDUCTION_RTOL, check_same_default

COUNT = int(os.environ.get("NPACCEL_PYGEN_COUNT", "150"))
SEED = int(os.environ.get("NPACCEL_PYGEN_SEED", "0"))
BATCH = max(1, int(os.environ.get("NPACCEL_PYGEN_BATCH", "25")))
BATCHES = [(start, min(BATCH, COUNT - start)) for start in range(0, COUNT, BATCH)]


def test_generated_programs_are_valid_python():
    source = gen.generate_module(SEED, 40)
    compile(source, "<generated>", "exec")
    assert source == gen.generate_module(SEED, 40)        # seeded: the same programs each run


def tolerance(args):
    """REDUCTION_RTOL, or float32's for every result where an argument is float32: its
    values pass through float32 sums and transcendentals, which NumPy does not round
    correctly (pairwise float32 sums; tanh within 1 ulp) and npaccel does (double
    accumulators), so a float64 result computed from them differs in float32's last bit.

    >>> tolerance((np.ones(2, np.float32), 3))[np.dtype(np.float64)]
    1e-05
    >>> tolerance((np.ones(2), 3)) is REDUCTION_RTOL
    True
    """
    if any(getattr(a, "dtype", None) in (np.float32, np.complex64) for a in args):
        f32 = REDUCTION_RTOL[np.dtype(np.float32)]
        return {dtype: max(rtol, f32) for dtype, rtol in REDUCTION_RTOL.items()}
    return REDUCTION_RTOL


@pytest.mark.parametrize("start, count", BATCHES, ids=[f"seed{SEED}-{s}+{n}" for s, n in BATCHES])
def test_generated_programs(start, count, tmp_path):
    seed = SEED * 1000003 + start
    module = gen.load_module(gen.generate_module(seed, count), tmp_path, f"pygen_s{SEED}_{start}")
    failures = []
    with np.errstate(all="ignore"):
        for i in range(count):
            fn = getattr(module, f"f{i}")
            args = gen.make_args(seed, i)
            try:
                check_same_default(fn, lambda: args, rtol=tolerance(args), calls=2)
            except Exception as exc:         # noqa: BLE001 - collected, reported together below
                failures.append((fn, exc))
    if not failures:
        return
    dump = os.environ.get("NPACCEL_PYGEN_DUMP")
    report = []
    for fn, exc in failures:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        entry = (f"--- seed={seed} function=f{fn.__name__[1:]} "
                 f"(make_args({seed}, {fn.__name__[1:]}))\n{text}\n{inspect.getsource(fn)}")
        report.append(entry)
        if dump:
            pathlib.Path(dump).mkdir(parents=True, exist_ok=True)
            (pathlib.Path(dump) / f"s{seed}_{fn.__name__}.txt").write_text(entry)
    pytest.fail(f"{len(failures)} of {count} generated programs disagree with NumPy:\n" + "\n".join(report),
                pytrace=False)

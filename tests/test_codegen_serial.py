"""Small calls never enter the OpenMP runtime: each loop nest with a parallel region is
generated twice, ``if (n > N && npa_nt > 1) { parallel } else { the same loops, serial }``
(codegen/c_parallel.serial_or_parallel), and both versions give NumPy's results whatever
the thread count; a reduction's serial version adds in one thread's order."""
import re

import numpy as np
import pytest

from harness import check_same
from npaccel import accelerate

rng = np.random.default_rng(16)


def fused(a, b):
    return np.sqrt(a * a + b * b) * 2.0 - a


def full(x):
    return (x * x).sum(), np.argmax(x), x.max()


def rows(x):
    return x.sum(axis=1), np.cumsum(x, axis=1), x * 2.0 + 1.0


def generated_c(fn, *args):
    return accelerate(fn, fallback="raise").explain(*args).split("== generated C (OpenMP) ==")[1]


def _block(text, pos):
    """(the text of a block whose ``{`` ends just before ``pos``, the position after its ``}``)."""
    depth, start = 1, pos
    while depth:
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        pos += 1
    return text[start:pos - 1], pos


def versions(text):
    """(condition, parallel version, serial version) of each loop nest generated twice."""
    out = []
    for m in re.finditer(r"if \((.*) && npa_nt > 1\) \{\n", text):
        parallel, pos = _block(text, m.end())
        assert text[pos:].startswith(" else {")
        serial, _ = _block(text, pos + len(" else {"))
        out.append((m.group(1), parallel, serial))
    return out


def thresholds(text):
    return sorted({int(t) for t in re.findall(r" > (\d+) && npa_nt > 1\)", text)})


def test_each_parallel_region_has_a_serial_version_beside_it():
    text = generated_c(fused, rng.random(100), rng.random(100))
    (cond, parallel, serial), = versions(text)
    assert re.fullmatch(r"npa_n > \d+", cond)
    assert "#pragma omp parallel for simd" in parallel
    assert "#pragma omp simd" in serial and "omp parallel" not in serial
    # the loop body is the same text in both versions
    body = lambda block: [x.strip() for x in block.splitlines() if x.strip() and "#pragma" not in x]
    assert body(parallel) == body(serial)
    assert not re.search(r"#pragma omp parallel.*\bif\(", text), "no region is entered to run serially"


def test_reductions_scans_and_kept_axes_have_serial_versions():
    text = generated_c(full, rng.random(100))
    found = versions(text)
    assert len(found) == 3     # sum, argmax, max
    for _, parallel, serial in found:
        assert "#pragma omp parallel" in parallel and "omp for" in parallel
        assert "omp parallel" not in serial and "omp for" not in serial and "NPA_THREAD_NUM" not in serial
    # the whole-array sum's serial share runs in SIMD lanes; max keeps NaN's order (scalar)
    assert "omp simd reduction(+:npa_acc)" in found[0][2]
    assert not any("omp simd reduction(max" in serial for _, _, serial in found)
    text = generated_c(rows, rng.random((100, 8)))
    found = versions(text)
    assert len(found) == 3
    for _, parallel, serial in found:
        assert "#pragma omp parallel for" in parallel and "omp parallel" not in serial
    assert any("omp simd reduction(+:" in serial for _, _, serial in found)   # the row sums stay SIMD


def test_a_size_known_not_to_need_threads_gets_the_serial_version_only():
    text = generated_c(fused, np.ones(1), np.ones(1))        # one element: a constant size
    assert "omp parallel" not in text and "npa_nt > 1" not in text and "#pragma omp simd" in text


def _run(fn, args, threads, fresh_config):
    """``fn`` accelerated in a caller built for ``threads`` threads, as a tuple of results."""
    fresh_config(NPACCEL_NUM_THREADS=str(threads))
    out = accelerate(fn, fallback="raise")(*args)
    return out if isinstance(out, tuple) else (out,)


def _sizes(fn, make):
    """Each threshold of ``fn``'s loops, and one more: the last serial and first parallel sizes."""
    return sorted({n for t in thresholds(generated_c(fn, *make(64))) for n in (t, t + 1)})


@pytest.mark.parametrize("fn, make", [
    (fused, lambda n: (rng.standard_normal(n), rng.standard_normal(n))),
    (full, lambda n: (rng.standard_normal(n),)),
    (rows, lambda n: (rng.standard_normal(((n + 7) // 8, 8)),)),    # n elements, or the next 8k
], ids=["elementwise", "full-reductions", "kept-axes"])
def test_results_around_the_threshold_agree_across_thread_counts(fn, make, fresh_config):
    sizes = _sizes(fn, make)
    assert sizes
    for n in sizes:
        args = make(n)
        one, two = (_run(fn, args, t, fresh_config) for t in (1, 2))
        check_same(fn, lambda: args)        # NumPy's results (two threads)
        if fn is full:
            # one thread adds in SIMD lanes, two threads in two shares: both reorder the sum
            # (as NumPy's pairwise sum does), within rounding of the sequential one
            np.testing.assert_allclose(one[0], np.cumsum(args[0] * args[0])[-1], rtol=1e-12)
            np.testing.assert_allclose(two[0], one[0], rtol=1e-12)
            assert (one[1], one[2]) == (two[1], two[2])
        else:
            for a, b in zip(one, two):      # elementwise, per-row sums, scans: the same bits
                np.testing.assert_array_equal(a, b)

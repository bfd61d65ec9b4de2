"""The C text of each reduction's accumulator (its initial value and how it folds an
element in), shared by the C and CUDA generators; what else a reduction is lives in its
record, ir/ops.py REDUCTIONS.

>>> init, combine = reduction_text(Op.SUM, np.dtype("float64"))
>>> init, combine("npa_acc", "v")
('0', 'npa_acc + v')
>>> accumulator_dtype(Op.SUM, np.dtype("float32")), simd_operator(Op.MAX, np.dtype("int32"))
(dtype('float64'), 'max')
"""
from __future__ import annotations

import numpy as np

from ..ir.ops import REDUCTIONS, Op
from .c_renderer import C


def reduction_text(op, acc_dtype):
    """(initial value, combine(acc, value) -> C text) of a folding reduction."""
    return _TEXT[op](acc_dtype)


def accumulator_dtype(op, dtype):
    """float16/float32 (and complex64) sums and products accumulate in double: at least as
    accurate as NumPy's pairwise sum."""
    if REDUCTIONS[op].widens and dtype in (np.float32, np.float16, np.complex64):
        return np.dtype(np.complex128 if dtype.kind == "c" else np.float64)
    return dtype


def simd_operator(op, acc_dtype):
    """The OpenMP reduction operator that folds ``op`` in SIMD lanes for this accumulator, or
    None (float16 never; float min/max need a NaN flag beside, see c_source kept_reduction)."""
    r = REDUCTIONS.get(op)
    if r is None or not r.simd or acc_dtype.kind not in r.simd_kinds or acc_dtype == np.float16:
        return None
    return r.simd


SIMD_SUM_MIN = 256   # whole-array sums shorter than this add in order (no SIMD lanes)
STAGE = 256     # elements of a staged block (c_source reduce_kernel): 2 KiB of doubles


def staged_loop(d, bound, element, value, act, fold):
    """The innermost loop (over ``i<d>`` up to ``bound``) of a reduction whose fold does not
    vectorise (a float max keeps NaN's rules in order) but whose element is costly
    (complex abs, math): each block of elements is computed in SIMD lanes into a local
    array, then folded in order, so the result is the scalar loop's bit for bit.

    >>> print("\\n".join(staged_loop(0, "n", [], "sqrt(x[i0])", "double", lambda a, b: f"{a} + {b}")))
    for (int64_t npa_b = 0; npa_b < n; npa_b += 256) {
        const int64_t npa_e = npa_b + 256 < n ? npa_b + 256 : n;
        double npa_stage[256];
        #pragma omp simd
        for (int64_t i0 = npa_b; i0 < npa_e; i0++) {
            npa_stage[i0 - npa_b] = sqrt(x[i0]);
        }
        for (int64_t i0 = npa_b; i0 < npa_e; i0++) {
            npa_acc = npa_acc + npa_stage[i0 - npa_b];
        }
    }
    """
    return [f"for (int64_t npa_b = 0; npa_b < {bound}; npa_b += {STAGE}) {{",
            f"    const int64_t npa_e = npa_b + {STAGE} < {bound} ? npa_b + {STAGE} : {bound};",
            f"    {act} npa_stage[{STAGE}];",
            "    #pragma omp simd",
            f"    for (int64_t i{d} = npa_b; i{d} < npa_e; i{d}++) {{"]     \
        + ["        " + x for x in element] + [
            f"        npa_stage[i{d} - npa_b] = {value};",
            "    }",
            f"    for (int64_t i{d} = npa_b; i{d} < npa_e; i{d}++) {{",
            f"        npa_acc = {fold('npa_acc', f'npa_stage[i{d} - npa_b]')};",
            "    }",
            "}"]


LANES = 64     # accumulators of a float max/min folded in SIMD lanes (lanes_loop): 4 registers
# below this many elements a float max/min in lanes runs on one thread: 400k float32 took
# 32 us on one thread and 45 us on two (2 cores, NumPy 20 us)
LANES_PARALLEL_MIN = 1 << 21


def lanes_loop(d, bound, element, value, act, fold, keep_new):
    """The innermost loop (over ``i<d>`` up to ``bound``) of a float max/min: each run of
    ``LANES`` elements folded into ``npa_lane`` (one accumulator per lane: a plain compare
    and select, ``keep_new(x, lane)`` true where ``x`` wins, which vectorises to one max
    instruction) while ``npa_nan`` notes a NaN per lane; the last few fold into ``npa_acc``
    with NaN's rules (``fold``); ``lanes_fold`` then folds the lanes in, and a NaN seen makes
    the result NaN, as in NumPy. Of equal values (+0.0 and -0.0) an in-order fold keeps the
    last: ``last_zero`` finds it where the result is a zero, so the result is the in-order
    fold's, bit for bit. (Run by every thread of a parallel loop, the last few are folded
    more than once: max and min do not mind.)

    >>> print("\\n".join(lanes_loop(0, "n", [], "x[i0]", "float", None, lambda x, a: f"{x} > {a}")))
    for (int64_t npa_b = 0; npa_b < (n) - (n) % 64; npa_b += 64) {
        #pragma omp simd
        for (int npa_l = 0; npa_l < 64; npa_l++) {
            const int64_t i0 = npa_b + npa_l;
            const float npa_x = x[i0];
            npa_lane[npa_l] = (npa_x > npa_lane[npa_l]) ? npa_x : npa_lane[npa_l];
            npa_nan[npa_l] |= (npa_x != npa_x);
        }
    }
    """
    full = f"({bound}) - ({bound}) % {LANES}"
    lines = [f"for (int64_t npa_b = 0; npa_b < {full}; npa_b += {LANES}) {{",
             "    #pragma omp simd",
             f"    for (int npa_l = 0; npa_l < {LANES}; npa_l++) {{",
             f"        const int64_t i{d} = npa_b + npa_l;"] + \
        ["        " + x for x in element] + [
            f"        const {act} npa_x = {value};",
            f"        npa_lane[npa_l] = ({keep_new('npa_x', 'npa_lane[npa_l]')}) ? npa_x : npa_lane[npa_l];",
            "        npa_nan[npa_l] |= (npa_x != npa_x);",
            "    }",
            "}"]
    if fold is None:
        return lines
    return lines + [f"for (int64_t i{d} = {full}; i{d} < {bound}; i{d}++) {{"] + \
        ["    " + x for x in element] + [f"    npa_acc = {fold('npa_acc', value)};", "}"]


def lanes_setup(act, init, itemsize):
    """The lane accumulators and NaN notes of ``lanes_loop``, each from ``init``."""
    flag = f"int{8 * itemsize}_t"
    return [f"{act} npa_lane[{LANES}];", f"{flag} npa_nan[{LANES}];",
            f"for (int npa_l = 0; npa_l < {LANES}; npa_l++) {{ npa_lane[npa_l] = {init}; npa_nan[npa_l] = 0; }}"]


def lanes_fold(act, fold):
    """The lanes of ``lanes_loop`` folded into ``npa_acc`` in lane order; NaN if one was seen."""
    return ["{", "    int npa_seen = 0;",
            f"    for (int npa_l = 0; npa_l < {LANES}; npa_l++) {{",
            f"        npa_acc = {fold('npa_acc', 'npa_lane[npa_l]')};",
            "        npa_seen |= (npa_nan[npa_l] != 0);",
            "    }",
            f"    if (npa_seen) npa_acc = ({act})NAN;",
            "}"]


def last_zero(red, dims, element, value, act):
    """After a float max/min in lanes: where the result is a zero, the zero of the last
    element equal to it, in order (+0.0 or -0.0), as an in-order fold keeps the last of equal
    values; found by a scan from the end, which stops at the first zero (``red``: the reduced
    dims, ``dims`` their C sizes; ``element``/``value``: an element's lines and value).

    >>> print("\\n".join(last_zero([0], {0: "n"}, [], "x[i0]", "double")))
    if (npa_acc == 0) {
        int npa_found = 0;
        for (int64_t i0 = n - 1; i0 >= 0 && !npa_found; i0--) {
            const double npa_z = x[i0];
            if (npa_z == 0) { npa_acc = npa_z; npa_found = 1; }
        }
    }
    """
    lines = ["if (npa_acc == 0) {", "    int npa_found = 0;"]
    for k, d in enumerate(red):
        lines.append("    " * (k + 1) + f"for (int64_t i{d} = {dims[d]} - 1; i{d} >= 0 && !npa_found; i{d}--) {{")
    depth = len(red) + 1
    lines += ["    " * depth + x for x in element]
    lines += ["    " * depth + f"const {act} npa_z = {value};",
              "    " * depth + "if (npa_z == 0) { npa_acc = npa_z; npa_found = 1; }"]
    lines += ["    " * (k + 1) + "}" for k in reversed(range(len(red)))]
    return lines + ["}"]


def _sum(dt):
    if dt.kind == "b":     # add.reduce on bools (sum(..., dtype=bool)) is a logical or
        return "0", lambda a, b: f"({a} || {b})"
    return "0", lambda a, b: f"{a} + {b}"


def _prod(dt):
    if dt.kind == "b":
        return "1", lambda a, b: f"({a} && {b})"
    if dt.kind == "c":      # NumPy's multiply.reduce: its scalar loop, every product rounded
        return "1", lambda a, b: f"npa_cmul_naive_{'f' if dt == np.complex64 else 'd'}({a}, {b})"
    return "1", lambda a, b: f"{a} * {b}"


def _nanmax(dt):
    """fmax.reduce: NaN only when every element is NaN; on ties the first is kept."""
    if dt.kind != "f":
        return _max(dt)
    return "NAN", lambda a, b: f"((({a}) >= ({b}) || ({b}) != ({b})) ? ({a}) : ({b}))"


def _nanmin(dt):
    if dt.kind != "f":
        return _min(dt)
    return "NAN", lambda a, b: f"((({a}) <= ({b}) || ({b}) != ({b})) ? ({a}) : ({b}))"


def _complex_extreme(dt, name, inf):
    """maximum/minimum.reduce of complex: NumPy's lexicographic loop (a NaN sticks, ties
    keep the first); (inf, inf) of the right sign is an identity for it."""
    sfx, make = ("f", "CMPLXF") if dt == np.complex64 else ("d", "CMPLX")
    return f"{make}({inf}, {inf})", lambda a, b: f"npa_c{name}_{sfx}({a}, {b})"


def _max(dt):
    if dt.kind == "c":
        return _complex_extreme(dt, "maximum", "-INFINITY")
    init = "-INFINITY" if dt.kind == "f" else C.literal(np.iinfo(dt).min, dt) if dt.kind in "iu" else "0"
    name = "npa_maximum_h" if dt == np.float16 else "npa_maximum"     # half: ties keep the first
    return init, lambda a, b: f"{name}({a}, {b})" if dt.kind == "f" else f"({a} > {b} ? {a} : {b})"


def _min(dt):
    if dt.kind == "c":
        return _complex_extreme(dt, "minimum", "INFINITY")
    init = "INFINITY" if dt.kind == "f" else C.literal(np.iinfo(dt).max, dt) if dt.kind in "iu" else "1"
    name = "npa_minimum_h" if dt == np.float16 else "npa_minimum"
    return init, lambda a, b: f"{name}({a}, {b})" if dt.kind == "f" else f"({a} < {b} ? {a} : {b})"


_TEXT = {
    Op.SUM: _sum, Op.PROD: _prod, Op.MAX: _max, Op.MIN: _min,
    Op.ANY: lambda dt: ("0", lambda a, b: f"({a} || {b})"),
    Op.ALL: lambda dt: ("1", lambda a, b: f"({a} && {b})"),
    Op.NANMAX: _nanmax, Op.NANMIN: _nanmin,
}

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

"""Several whole-array reductions of one iteration space in one pass (plan.fuse's siblings:
``data[m].sum()`` and ``m.sum()`` of a mean of a selection, ``x.sum()`` and ``(x * x).sum()``):
one loop nest, one accumulator each, their common subexpressions computed once per element.

Only reductions whose fold runs in SIMD lanes are fused (sums and products, integer
min/max: ir/ops.py ``folds_in_lanes``); each folds as a lone one does (OpenMP ``simd reduction``
lanes, or a share per thread with the partial results combined in thread order). Float min/max (their own lanes,
c_reductions.lanes_loop) and complex folds stay one per kernel.
"""
from __future__ import annotations

from ..ir.dims import render_c
from .c_kernel import KernelWriter, loop_closes, loop_opens
from .c_parallel import by_size, omp
from .c_reductions import SIMD_SUM_MIN, accumulator_dtype, reduction_text, simd_operator
from .c_renderer import C


def fused_full_reductions(gen, stores, number) -> list:
    """C lines for ``stores`` (whole-array reductions of one argument shape, each folding in
    SIMD lanes) in one loop nest."""
    arg0 = stores[0].arg
    r = arg0.ndim
    dims = {d: f"({render_c(arg0.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    w = KernelWriter(gen, False, hoist=True)
    accs = []
    for j, node in enumerate(stores):
        acc_dtype = accumulator_dtype(node.op, node.dtype)
        init, combine = reduction_text(node.op, acc_dtype)
        value = C.cast(C.cast(w.value(node.arg, full), node.arg.dtype, node.dtype), node.dtype, acc_dtype)
        accs.append((node, acc_dtype, C.ctype(acc_dtype), init, combine, value, f"npa_acc{j}"))
    body = w.lines + [f"{a} = {combine(a, value)};" for _, _, _, _, combine, value, a in accs]
    simd = not any("npa_err" in b for b in body)
    total = " * ".join(dims.values())
    collapse = f" collapse({r})" if r > 1 else ""
    reductions = " ".join(f"reduction({simd_operator(n.op, dt)}:{a})" for n, dt, _, _, _, _, a in accs)

    def nest(parallel):
        out = omp(parallel, "#pragma omp parallel num_threads(npa_nt)") + ["{"]
        out += [f"    {act} {a} = {init};" for _, _, act, init, _, _, a in accs]
        if parallel:
            out += ["    const int npa_t = NPA_THREAD_NUM();", f"    #pragma omp for schedule(static){collapse}"]
        loops = ["    " + x for x in loop_opens(range(r), dims, 0)]
        if simd and not parallel:
            loops.insert(len(loops) - 1, "    " * r + f"#pragma omp simd {reductions} if(simd: {total} >= {SIMD_SUM_MIN})")
        out += loops + ["    " * (r + 1) + b for b in body] + ["    " + x for x in loop_closes(r, 0)]
        slot = "npa_t" if parallel else "0"
        keep = [f"npa_part{j}[{slot}] = {a};" for j, (_, _, _, _, _, _, a) in enumerate(accs)]
        if parallel:
            out += [f"    if (npa_t < NPA_MAX_THREADS) {{ {' '.join(keep)} }}",
                    "    if (npa_t == 0) npa_used = NPA_NUM_THREADS();"]
        else:
            out += ["    " + k for k in keep]
        return out + ["}"]

    lines = [f"/* kernel {number}: {', '.join(n.op.value for n in stores)} over every axis, one pass */", "{"]
    lines += w.hoisted
    folded = [f"{act} npa_part{j}[NPA_MAX_THREADS];" for j, (_, _, act, _, _, _, _) in enumerate(accs)]
    folded += ["int npa_used = 1;"] + by_size(total, w.threshold, nest)
    for j, (node, acc_dtype, act, _, combine, _, a) in enumerate(accs):
        out_idx = tuple("0" for _ in range(r)) if node.keepdims else ()
        folded += [f"{act} {a} = npa_part{j}[0];", "for (int t = 1; t < npa_used && t < NPA_MAX_THREADS; t++) {",
                   f"    {a} = {combine(a, f'npa_part{j}[t]')};", "}",
                   f"{gen.buffers[node].at(out_idx)} = {C.cast(a, acc_dtype, node.dtype)};"]
    return lines + w.after_hoisted(folded) + ["}"]

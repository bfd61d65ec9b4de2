"""Loop nests for the reductions that carry more than one value: argmax/argmin (a value and
its index) and the scans cumsum/cumprod (every partial result is stored).

Both follow NumPy's sequential definitions exactly, so they are bit-for-bit NumPy's:

- argmax keeps the first maximum; a NaN beats everything and the first NaN wins (NumPy's
  ``if (!(v <= best))`` loop that stops at a NaN). With ``axis`` the kept dims run in
  parallel; over all dims each thread scans a contiguous chunk and the chunks are merged
  by (value, index), so the answer does not depend on the thread count.
- cumsum/cumprod accumulate sequentially in the result dtype (as ``add.accumulate``:
  no pairwise summation, float32 stays float32), starting from the first element (so
  ``cumsum([-0.0])`` is ``-0.0``). Along an axis the other dims run in parallel; the
  flattened form (axis=None) is one sequential loop in C order.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param, Reduce
>>> from npaccel.ir.ops import Op
>>> x = Param(index=0, name="x", dtype=np.dtype("float64"), shape=(5,))
>>> am = Reduce(op=Op.ARGMAX, arg=x, axes=(0,), keepdims=False, dtype=np.dtype("int64"), shape=())
>>> better("x", "b", "i", "bi", am)
'(!((b) != (b)) && ((x) > (b) || ((x) != (x)) || ((x) == (b) && (i) < (bi))))'
"""
from __future__ import annotations

import numpy as np

from ..ir.dims import render_c
from ..ir.nodes import Scan, SearchSorted, Sort
from ..ir.ops import Op
from .c_parallel import by_size, omp
from .c_kernel import PARALLEL_MIN_ELEMENTS, KernelWriter, loop_closes, loop_opens, renderer_of
from .c_sorting import search_kernel, sort_kernel


def index_or_scan_kernel(gen, k, number):
    node = k.stores[0]
    if isinstance(node, Sort):
        return search_kernel(gen, k, number) if isinstance(node, SearchSorted) else sort_kernel(gen, k, number)
    if isinstance(node, Scan):
        return scan_kernel(gen, k, number)
    return arg_reduce_kernel(gen, k, number)


def _order(v, cmp, b, dtype):
    """``v cmp b``; complex values in NumPy's lexicographic order (x != x is a NaN in
    either part, x == y both parts equal, so only the ordering needs a helper)."""
    if dtype.kind == "c":
        return f"npa_ccompare({v}, {b}, {_CCOMPARE[cmp]})"
    return f"({v}) {cmp} ({b})"


_CCOMPARE = {"<": 0, "<=": 1, ">": 2, ">=": 3}


def first_wins_step(v, b, node):
    """The sequential step's condition: ``v`` (a later element) replaces the best ``b``."""
    cmp = "<=" if node.op is Op.ARGMAX else ">="
    return f"(!(({b}) != ({b})) && !({_order(v, cmp, b, node.arg.dtype)}))"


def better(v, b, i, bi, node):
    """Whether candidate (v, i) beats (b, bi) in a merge of two chunks: a NaN beats any
    number, and among equals (or NaNs) the smaller index."""
    cmp = ">" if node.op is Op.ARGMAX else "<"
    return (f"(!(({b}) != ({b})) && ({_order(v, cmp, b, node.arg.dtype)} || (({v}) != ({v})) || "
            f"(({v}) == ({b}) && ({i}) < ({bi}))))")


def arg_reduce_kernel(gen, k, number):
    node = k.stores[0]
    arg = node.arg
    r = arg.ndim
    R = renderer_of(gen)
    vt = R.ctype(arg.dtype)
    kept = [d for d in range(r) if d not in node.axes]
    red = [d for d in range(r) if d in node.axes]
    dims = {d: f"({render_c(arg.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    w = KernelWriter(gen, False)
    value = w.value(arg, full)
    lin = "0"
    for d in red:
        lin = f"i{d}" if lin == "0" else f"({lin}) * {dims[d]} + i{d}"
    step = [f"const {vt} npa_v = {value};",
            f"if (npa_bi < 0 || {first_wins_step('npa_v', 'npa_bv', node)}) {{ npa_bv = npa_v; npa_bi = {lin}; }}"]
    body = w.lines + step
    out_idx = tuple(f"i{d}" for d in kept) if not node.keepdims else \
        tuple("0" if d in node.axes else f"i{d}" for d in range(r))
    out = gen.buffers[node].at(out_idx)
    store = f"{out} = npa_bi < 0 ? 0 : npa_bi;"
    total = " * ".join(dims.values()) or "1"
    lines = [f"/* kernel {number}: {node.op.value} over axes {node.axes} (first occurrence, NaN wins) */", "{"]
    init = [f"{vt} npa_bv = 0;", "int64_t npa_bi = -1;"]
    if kept:
        collapse = f" collapse({len(kept)})" if len(kept) > 1 else ""
        depth = len(kept)
        nest = loop_opens(kept, dims, 0) + ["    " * depth + x for x in init] + loop_opens(red, dims, depth) + \
            ["    " * (depth + len(red)) + b for b in body] + loop_closes(len(red), depth) + \
            ["    " * depth + store] + loop_closes(len(kept), 0)
        pragma = f"#pragma omp parallel for num_threads(npa_nt) schedule(static){collapse}"
        return lines + by_size(total, PARALLEL_MIN_ELEMENTS, lambda par: omp(par, pragma) + nest) + ["}"]
    # all dims: per-thread (value, index), merged by value then index (serial: thread 0's)
    collapse = f" collapse({len(red)})" if len(red) > 1 else ""

    def share(parallel):
        out = omp(parallel, "#pragma omp parallel num_threads(npa_nt)") + ["{"] + ["    " + x for x in init]
        out += omp(parallel, "    const int npa_t = NPA_THREAD_NUM();")
        if red:     # (0-d: the one element, serial)
            out += omp(parallel, f"    #pragma omp for schedule(static){collapse}")
            out += ["    " + x for x in loop_opens(red, dims, 0)]
        out += ["    " * (len(red) + 1) + b for b in body]
        out += ["    " + x for x in loop_closes(len(red), 0)]
        if parallel:
            return out + ["    if (npa_t < NPA_MAX_THREADS) { npa_pv[npa_t] = npa_bv; npa_pi[npa_t] = npa_bi; }",
                          "    if (npa_t == 0) npa_used = NPA_NUM_THREADS();", "}"]
        return out + ["    npa_pv[0] = npa_bv; npa_pi[0] = npa_bi;", "}"]

    lines.append(f"{vt} npa_pv[NPA_MAX_THREADS];")
    lines.append("int64_t npa_pi[NPA_MAX_THREADS];")
    lines.append("int npa_used = 1;")
    lines += by_size(total, PARALLEL_MIN_ELEMENTS, share)
    lines += init
    lines.append("for (int t = 0; t < npa_used && t < NPA_MAX_THREADS; t++) {")
    lines.append(f"    if (npa_pi[t] >= 0 && (npa_bi < 0 || "
                 f"{better('npa_pv[t]', 'npa_bv', 'npa_pi[t]', 'npa_bi', node)} || "
                 f"((npa_bv != npa_bv) && (npa_pv[t] != npa_pv[t]) && npa_pi[t] < npa_bi))) "
                 "{ npa_bv = npa_pv[t]; npa_bi = npa_pi[t]; }")
    lines.append("}")
    lines.append(store)
    return lines + ["}"]


def scan_kernel(gen, k, number):
    node = k.stores[0]
    arg = node.arg
    r = arg.ndim
    R = renderer_of(gen)
    dt = node.dtype
    ct = R.ctype(dt)
    axis = None if node.flatten else node.axes[0]       # (a reversed scan is never flattened)
    dims = {d: f"({render_c(arg.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    w = KernelWriter(gen, False)
    value = R.cast(w.value(arg, full), arg.dtype, dt)
    if node.op not in (Op.CUMSUM, Op.CUMPROD):      # ufunc.accumulate of another binary ufunc
        combine = "(({t})" + R.op(node.op, (dt, dt), dt, ["npa_acc", "npa_v"]).replace("{", "{{").replace("}", "}}") + ")"
    elif dt.kind == "b":
        combine = "({a} || {b})" if node.op is Op.CUMSUM else "({a} && {b})"
    elif dt.kind == "c" and node.op is Op.CUMPROD:     # multiply.accumulate: NumPy's scalar loop
        combine = f"npa_cmul_naive_{'f' if dt == np.complex64 else 'd'}({{a}}, {{b}})"
    else:
        combine = "(({t})({a} + {b}))" if node.op is Op.CUMSUM else "(({t})({a} * {b}))"
    step = [f"const {ct} npa_v = {value};",
            f"npa_acc = npa_first ? npa_v : {combine.format(a='npa_acc', b='npa_v', t=ct)};",
            "npa_first = 0;"]
    buf = gen.buffers[node]
    lines = [f"/* kernel {number}: {node.op.value} {'flattened' if axis is None else f'along axis {axis}'}"
             f"{', last to first' if node.reverse else ''} (sequential along it) */", "{"]
    if axis is None:
        lines += [f"{ct} npa_acc = 0;", "int npa_first = 1;", "int64_t npa_k = 0;"]
        order = list(range(r))
        lines += loop_opens(order, dims, 0)
        depth = len(order)
        lines += ["    " * depth + b for b in w.lines + step]
        lines.append("    " * depth + f"{buf.at(('npa_k',))} = npa_acc;")
        lines.append("    " * depth + "npa_k++;")
        lines += loop_closes(len(order), 0)
        return lines + ["}"]
    kept = [d for d in range(r) if d != axis]
    total = " * ".join(dims.values()) or "1"
    depth = len(kept)
    nest = loop_opens(kept, dims, 0) + ["    " * depth + x for x in (f"{ct} npa_acc = 0;", "int npa_first = 1;")]
    if node.reverse:        # from the last element to the first, each stored in its place
        nest.append("    " * depth + f"for (int64_t i{axis} = {dims[axis]} - 1; i{axis} >= 0; i{axis}--) {{")
    else:
        nest += loop_opens([axis], dims, depth)
    nest += ["    " * (depth + 1) + b for b in w.lines + step]
    nest.append("    " * (depth + 1) + f"{buf.at(full)} = npa_acc;")
    nest += loop_closes(1, depth) + loop_closes(len(kept), 0)
    if not kept:
        return lines + nest + ["}"]
    collapse = f" collapse({len(kept)})" if len(kept) > 1 else ""
    pragma = f"#pragma omp parallel for num_threads(npa_nt) schedule(static){collapse}"
    return lines + by_size(total, PARALLEL_MIN_ELEMENTS, lambda par: omp(par, pragma) + nest) + ["}"]


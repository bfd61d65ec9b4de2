"""The loop nest of a Sort node (np.sort / np.argsort along one axis): each row along the
axis is read into a per-thread buffer (from any expression: the sort is fused with what
it sorts), its positions are ordered by a bottom-up merge sort (stable: equal elements
keep their order, as NumPy's kind='stable'; NaNs after every number, as NumPy sorts them),
and the row is stored sorted (or its positions, for argsort). Rows run in parallel.

>>> import numpy as np
>>> less("a", "b", np.dtype("float64"))
'((a) < (b) || ((b) != (b) && (a) == (a)))'
>>> less("a", "b", np.dtype("int16"))
'((a) < (b))'
"""
from __future__ import annotations

from ..ir.dims import render_c
from ..ir.ops import Op
from .c_parallel import above, omp, serial_or_parallel
from .c_kernel import PARALLEL_MIN_ELEMENTS, KernelWriter, loop_closes, loop_opens, renderer_of


def less(a, b, dtype):
    """C for ``a`` before ``b`` in NumPy's sort order (NaN last)."""
    if dtype.kind == "f":
        return f"(({a}) < ({b}) || (({b}) != ({b}) && ({a}) == ({a})))"
    return f"(({a}) < ({b}))"


def merge_sort_lines(n, key, dtype):
    """Lines sorting int64 positions ``npa_ix[0..n)`` by ``key[...]``, stably (``npa_tmp`` is
    the scratch array; the sorted positions end in ``npa_ix``)."""
    before = less(f"{key}[npa_ix[npa_b]]", f"{key}[npa_ix[npa_a]]", dtype)
    return [
        f"for (int64_t npa_w = 1; npa_w < {n}; npa_w *= 2) {{",
        f"    for (int64_t npa_lo = 0; npa_lo < {n}; npa_lo += 2 * npa_w) {{",
        f"        const int64_t npa_mid = npa_lo + npa_w < {n} ? npa_lo + npa_w : {n};",
        f"        const int64_t npa_hi = npa_lo + 2 * npa_w < {n} ? npa_lo + 2 * npa_w : {n};",
        "        int64_t npa_a = npa_lo, npa_b = npa_mid, npa_k = npa_lo;",
        "        while (npa_a < npa_mid && npa_b < npa_hi)",
        f"            npa_tmp[npa_k++] = {before} ? npa_ix[npa_b++] : npa_ix[npa_a++];",
        "        while (npa_a < npa_mid) npa_tmp[npa_k++] = npa_ix[npa_a++];",
        "        while (npa_b < npa_hi) npa_tmp[npa_k++] = npa_ix[npa_b++];",
        "    }",
        "    int64_t *npa_swap = npa_ix; npa_ix = npa_tmp; npa_tmp = npa_swap;",
        "}",
    ]


def sort_kernel(gen, k, number):
    node = k.stores[0]
    arg = node.arg
    R = renderer_of(gen)
    r, axis, dt = arg.ndim, node.axes[0], arg.dtype
    ct = R.ctype(dt)
    dims = {d: f"({render_c(arg.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    w = KernelWriter(gen, False)
    value = w.value(arg, full)
    buf = gen.buffers[node]
    stored = "npa_row[npa_ix[npa_j]]" if node.op is Op.SORT else "npa_ix[npa_j]"
    row = [f"for (int64_t i{axis} = 0; i{axis} < npa_n; i{axis}++) {{"] + \
        ["    " + x for x in w.lines] + \
        [f"    npa_row[i{axis}] = {value};", f"    npa_ix[i{axis}] = i{axis};", "}"] + \
        merge_sort_lines("npa_n", "npa_row", dt) + \
        ["for (int64_t npa_j = 0; npa_j < npa_n; npa_j++) {",
         f"    const int64_t i{axis} = npa_j;",
         f"    {buf.at(full)} = {stored};", "}"]
    kept = [d for d in range(r) if d != axis]
    total = " * ".join(dims.values()) or "1"
    lines = [f"/* kernel {number}: {node.op.value} along axis {axis} (merge sort per row, NaN last) */", "{",
             f"const int64_t npa_n = {dims[axis]};"]
    collapse = f" collapse({len(kept)})" if len(kept) > 1 else ""
    depth = len(kept)

    def rows(parallel):     # each thread sorts its rows in buffers of its own
        out = omp(parallel, "#pragma omp parallel num_threads(npa_nt)")
        out += ["{",
                f"{ct} *npa_row = ({ct} *)malloc(sizeof({ct}) * (npa_n > 0 ? npa_n : 1));",
                "int64_t *npa_ix = (int64_t *)malloc(sizeof(int64_t) * (npa_n > 0 ? npa_n : 1));",
                "int64_t *npa_tmp = (int64_t *)malloc(sizeof(int64_t) * (npa_n > 0 ? npa_n : 1));",
                "int64_t *npa_ix0 = npa_ix, *npa_tmp0 = npa_tmp;"]
        if kept:
            out += omp(parallel, f"#pragma omp for schedule(static){collapse}") + loop_opens(kept, dims, 0)
        out += ["    " * depth + "{"] + ["    " * (depth + 1) + x for x in row] + ["    " * depth + "}"]
        if kept:
            out += ["    " * depth + "npa_ix = npa_ix0; npa_tmp = npa_tmp0;"] + loop_closes(len(kept), 0)
        return out + ["free(npa_row); free(npa_ix0); free(npa_tmp0);", "}"]

    # nothing kept (one row): serial
    lines += serial_or_parallel(kept and above(total, PARALLEL_MIN_ELEMENTS), rows)
    return lines + ["}"]


def search_kernel(gen, k, number):
    """np.searchsorted: a binary search per key (keys in parallel), NumPy's: side 'left'
    finds the first position whose element is not before the key, 'right' the first whose
    element is after it."""
    node = k.stores[0]
    keys, table = node.arg, node.sorted_arg
    R = renderer_of(gen)
    r, cdt = keys.ndim, node.compare
    ct = R.ctype(cdt)
    dims = {d: f"({render_c(keys.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    w = KernelWriter(gen, False)
    key = R.cast(w.value(keys, full), keys.dtype, cdt)
    probe = KernelWriter(gen, False)
    element = R.cast(probe.value(table, ("npa_mid",)), table.dtype, cdt)
    go_right = less("npa_el", "npa_key", cdt) if node.side == "left" else f"!{less('npa_key', 'npa_el', cdt)}"
    body = w.lines + [f"const {ct} npa_key = {key};",
                      "int64_t npa_lo = 0, npa_hi = npa_n;",
                      "while (npa_lo < npa_hi) {",
                      "    const int64_t npa_mid = npa_lo + (npa_hi - npa_lo) / 2;"] + \
        ["    " + x for x in probe.lines] + \
        [f"    const {ct} npa_el = {element};",
         f"    if ({go_right}) npa_lo = npa_mid + 1; else npa_hi = npa_mid;",
         "}",
         f"{gen.buffers[node].at(full)} = npa_lo;"]
    total = " * ".join(dims.values()) or "1"
    lines = [f"/* kernel {number}: searchsorted side={node.side} (a binary search per key) */", "{",
             f"const int64_t npa_n = ({render_c(table.shape[0])});"]
    nest = loop_opens(range(r), dims, 0) + ["    " * r + "{"] + ["    " * (r + 1) + x for x in body] + \
        ["    " * r + "}"] + loop_closes(r, 0)
    collapse = f" collapse({r})" if r > 1 else ""
    pragma = f"#pragma omp parallel for num_threads(npa_nt) schedule(static){collapse}"
    # a 0-d key: serial
    return lines + serial_or_parallel(r and above(total, PARALLEL_MIN_ELEMENTS),
                                      lambda parallel: omp(parallel, pragma) + nest) + ["}"]

"""Loop nests of results whose length depends on the data (ir/nodes.py DATA_DEPENDENT):
``x[mask]`` (Compact), np.bincount (BinCount), np.unique (Unique).

Such a result is always an output of the graph. Its kernel allocates it with malloc (the
caller cannot: the length is known only once the data has been read), fills it, and writes
its address and length back into the two ``I`` slots the prologue reserved for it
(c_source.py ``result_slots``); the runtime adopts the block as the result array and frees
it with the array (runtime/outputs.py ``adopt``). The address is written back as soon as
the block exists, so that the caller frees it whatever happens later.

- Compact: one pass in C order over the mask's dims; where the mask is true, the selected
  row of the expression is computed (only there: ``x[m] ** 2`` computes the squares of
  the selected elements) and stored at the next position. The block is allocated at the
  upper bound (every row selected) and shrunk with realloc to what was selected.
- BinCount: a first pass finds the largest value (and any negative one: NumPy's
  ValueError), then the counts (or weight sums) are accumulated into a zeroed block.
- Unique: the values are copied out and their positions merge-sorted (NaN last, as
  np.sort: c_sorting.py); equal neighbours (NaNs all equal, as NumPy's equal_nan=True)
  keep their first; for the counts, the length of each run.
"""
from __future__ import annotations

from ..ir.dims import render_c, shape_size
from ..ir.nodes import ArrayVar, BinCount, Compact, Param, Storage, view_root
from ..ir.ops import Op
from .c_parallel import omp, serial_or_parallel
from .c_sorting import merge_sort_lines
from .c_kernel import KernelWriter, loop_closes, loop_opens, renderer_of

NEGATIVE_BIN = 32        # np.bincount of a negative value (runtime/marshal.py _ERRORS)


def data_dependent_kernel(gen, k, number):
    node = k.stores[0]
    if isinstance(node, Compact):
        return compaction_kernel(gen, node, number)
    if isinstance(node, BinCount):
        return bincount_kernel(gen, node, number)
    return unique_kernel(gen, node, number)


def _hand_back(gen, node, length):
    """C lines writing the result's address and ``length`` back to the caller."""
    slot, out = gen.result_slots[node], gen.buffers[node].name
    return [f"((int64_t *)I)[{slot}] = (int64_t)(intptr_t){out};",
            f"((int64_t *)I)[{slot + 1}] = {length};"]


def _alloc(gen, node, count, zeroed=False):
    """Lines allocating the result for ``count`` elements; the block's lines follow in
    ``{ ... }`` (closed by the caller) only where the allocation succeeded."""
    out, ct = gen.buffers[node].name, renderer_of(gen).ctype(node.dtype)
    call = f"calloc((size_t)({count} > 0 ? {count} : 1), sizeof({ct}))" if zeroed else \
        f"malloc(sizeof({ct}) * (size_t)({count} > 0 ? {count} : 1))"
    return [f"{out} = ({ct} *){call};",
            f"if (!{out}) {{ if (!npa_err) npa_err = NPA_ERR_NOMEM; }} else {{"]


def _shrink(gen, node, used):
    out, ct = gen.buffers[node].name, renderer_of(gen).ctype(node.dtype)
    return [f"{{ {ct} *npa_fit = ({ct} *)realloc({out}, sizeof({ct}) * (size_t)({used} > 0 ? {used} : 1));",
            f"  if (npa_fit) {out} = npa_fit; }}"]


def _parts(gen, node):
    """(mask dims m, arg dims r, dim texts, full index, mask writer, picked, value writer,
    value) of ``arg[mask]``."""
    arg, mask = node.arg, node.mask
    m, r = mask.ndim, arg.ndim
    dims = {d: f"({render_c(arg.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    wm = KernelWriter(gen, False)
    picked = wm.value(mask, full[:m])
    wv = KernelWriter(gen, False)
    value = renderer_of(gen).cast(wv.value(arg, full), arg.dtype, node.dtype)
    return m, r, dims, full, wm, picked, wv, value


def _selected_rows(m, r, dims, wm, picked, wv, store):
    """One pass in C order over the mask's dims: where it is set, the row is stored at
    ``npa_k`` (``store``) and ``npa_k`` moves on."""
    inner = wm.lines + [f"if ({picked}) {{"] + \
        ["    " + x for x in loop_opens(range(m, r), dims, 0)] + \
        ["    " * (r - m + 1) + x for x in wv.lines + [store]] + \
        ["    " + x for x in loop_closes(r - m, 0)] + ["    npa_k++;", "}"]
    return loop_opens(range(m), dims, 0) + ["    " * m + x for x in inner] + loop_closes(m, 0)


def compaction_kernel(gen, node, number):
    m, r, dims, full, wm, picked, wv, value = _parts(gen, node)
    row = " * ".join(dims[d] for d in range(m, r)) or "1"
    store = f"{gen.buffers[node].at(('npa_k',) + full[m:])} = {value};"
    lines = [f"/* kernel {number}: compaction x[mask] (selected rows in C order) */", "{",
             f"const int64_t npa_cap = {render_c(shape_size(node.arg.shape))};", "int64_t npa_k = 0;"]
    lines += _alloc(gen, node, "npa_cap")
    lines += _hand_back(gen, node, 0)[:1]
    lines += _selected_rows(m, r, dims, wm, picked, wv, store)
    lines += _shrink(gen, node, f"npa_k * {row}")
    lines += _hand_back(gen, node, "npa_k")
    return lines + ["}", "}"]


def compaction_store(gen, node, dest, label):
    """``dest = arg[mask]`` where ``dest`` already has the selected rows' room (a buffer of
    a loop variable, sized by the count of the mask: frontend/masks.py ``stored``): one
    pass in C order, the selected rows written at the next position."""
    m, r, dims, full, wm, picked, wv, value = _parts(gen, node)
    lines = [f"/* {label}: compaction x[mask] into a buffer (selected rows in C order) */", "{",
             "int64_t npa_k = 0;"]
    if m == r and not wv.lines and isinstance(view_root(node.arg), (Param, Storage, ArrayVar)):
        # one element per row, read from memory: every element is written, the position moves
        # on where the mask is set (no branch to mispredict); past the count (trailing
        # unselected elements) into a local
        ct = renderer_of(gen).ctype(node.dtype)
        lines += [f"const int64_t npa_cnt = {render_c(node.shape[0])};", f"{ct} npa_spare;"]
        inner = wm.lines + [f"{ct} *npa_dst = npa_k < npa_cnt ? &{dest.at(('npa_k',))} : &npa_spare;",
                            f"*npa_dst = {value};", f"npa_k += ({picked}) != 0;"]
        return lines + loop_opens(range(m), dims, 0) + ["    " * m + x for x in inner] + loop_closes(m, 0) + ["}"]
    store = f"{dest.at(('npa_k',) + full[m:])} = {value};"
    return lines + _selected_rows(m, r, dims, wm, picked, wv, store) + ["}"]


def bincount_kernel(gen, node, number):
    R = renderer_of(gen)
    dims = {0: f"({render_c(node.arg.shape[0])})"}

    def values():
        w = KernelWriter(gen, False)
        return w, f"(int64_t)({w.value(node.arg, ('i0',))})"
    w1, v1 = values()
    w2, v2 = values()
    if node.weights is None:
        add = "1"
    else:
        add = R.cast(w2.value(node.weights, ("i0",)), node.weights.dtype, node.dtype)
    out = gen.buffers[node].name
    lines = [f"/* kernel {number}: bincount (largest value, then the counts) */", "{",
             f"const int64_t npa_n = {dims[0]};",
             f"int64_t npa_len = {int(node.minlength)};", "int npa_neg = 0;"]
    largest = loop_opens([0], dims, 0) + ["    " + x for x in w1.lines] + [
        f"    const int64_t npa_v = {v1};",
        "    if (npa_v < 0) npa_neg = 1;",
        "    else if (npa_v >= npa_len) npa_len = npa_v == INT64_MAX ? INT64_MAX : npa_v + 1;", "}"]
    pragma = ("#pragma omp parallel for num_threads(npa_nt) schedule(static) "
              "reduction(max:npa_len) reduction(|:npa_neg)")
    lines += serial_or_parallel("npa_n > 32768", lambda parallel: omp(parallel, pragma) + largest)
    lines.append(f"if (npa_neg) {{ if (!npa_err) npa_err = {NEGATIVE_BIN}; }} else {{")
    lines += _alloc(gen, node, "npa_len", zeroed=True)
    lines += _hand_back(gen, node, "npa_len")
    lines += loop_opens([0], dims, 0)
    lines += ["    " + x for x in w2.lines] + [f"    {out}[{v2}] += {add};", "}"]
    return lines + ["}", "}", "}"]


def unique_kernel(gen, node, number):
    arg = node.arg
    R = renderer_of(gen)
    r, dt = arg.ndim, arg.dtype
    ct = R.ctype(dt)
    dims = {d: f"({render_c(arg.shape[d])})" for d in range(r)}
    w = KernelWriter(gen, False)
    value = w.value(arg, tuple(f"i{d}" for d in range(r)))
    out = gen.buffers[node].name
    same = "(npa_a == npa_p || (npa_a != npa_a && npa_p != npa_p))" if dt.kind == "f" else "(npa_a == npa_p)"
    if node.op is Op.UNIQUE:
        step = [f"if (npa_j == 0 || !{same}) {out}[npa_k++] = npa_a;"]
    else:
        step = [f"if (npa_j == 0 || !{same}) {out}[npa_k++] = 1;", f"else {out}[npa_k - 1]++;"]
    lines = [f"/* kernel {number}: {node.op.value} (merge sort, then the runs of equal values) */", "{",
             f"const int64_t npa_n = {render_c(shape_size(arg.shape))};", "int64_t npa_k = 0, npa_j = 0;",
             f"{ct} *npa_row = ({ct} *)malloc(sizeof({ct}) * (size_t)(npa_n > 0 ? npa_n : 1));",
             "int64_t *npa_ix = (int64_t *)malloc(sizeof(int64_t) * (size_t)(npa_n > 0 ? npa_n : 1));",
             "int64_t *npa_tmp = (int64_t *)malloc(sizeof(int64_t) * (size_t)(npa_n > 0 ? npa_n : 1));",
             "int64_t *npa_ix0 = npa_ix, *npa_tmp0 = npa_tmp;",
             "if (!npa_row || !npa_ix || !npa_tmp) { if (!npa_err) npa_err = NPA_ERR_NOMEM; } else {"]
    lines += _alloc(gen, node, "npa_n")
    lines += _hand_back(gen, node, 0)[:1]
    lines += loop_opens(range(r), dims, 0)
    lines += ["    " * r + x for x in w.lines + [f"npa_row[npa_j] = {value};", "npa_ix[npa_j] = npa_j;", "npa_j++;"]]
    lines += loop_closes(r, 0)
    lines += merge_sort_lines("npa_n", "npa_row", dt)
    lines += [f"{ct} npa_p = 0;",
              "for (npa_j = 0; npa_j < npa_n; npa_j++) {",
              f"    const {ct} npa_a = npa_row[npa_ix[npa_j]];"] + ["    " + x for x in step] + \
        ["    npa_p = npa_a;", "}"]
    lines += _shrink(gen, node, "npa_k")
    lines += _hand_back(gen, node, "npa_k")
    lines += ["}", "}", "free(npa_row); free(npa_ix0); free(npa_tmp0);", "}"]
    return lines


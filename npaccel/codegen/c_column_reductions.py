"""Reductions that keep the innermost axis (``x.sum(axis=0)`` of a C-ordered matrix, the
middle axis of a 3-d array): the loops follow memory, never one strided column at a time.

Column blocks (every size, the serial version and the usual parallel one): for each index of
the outer kept axes and each block of ``BLOCK`` innermost columns, a block of accumulators
(one per column, on the stack, in L1) is swept over the reduced axes, rows outer and
columns inner::

    for (jb ...) { acc[] = init; for (i ...) { #pragma omp simd  for (j in block) acc[j] =
        op(acc[j], f(i, j)); } out[j] = acc[j]; }

Each column is combined in row order, as NumPy's own loop for an outer-axis reduction does;
the inner loop has no dependence between iterations, so it vectorises for every op,
NaN-propagating min/max included (``npa_minimum`` is a compare and a blend per lane).
The blocks (times the outer kept indices) are split across threads.

Row split (parallel only, when the kept elements fit in L2 or there are fewer blocks than
threads, and there are rows for every thread): each thread sweeps its share of the rows once,
reading whole rows (a 4 KiB block of a row is a fresh page for the prefetcher each time: 4096
x 1024 float64 took 8.0 ms in blocks, 5.5 ms split by rows, 2 threads) into a private row of
partial results, combined in thread order afterwards (``npa_rowpart``); without the memory
for them, the column blocks run.
"""
from __future__ import annotations

from ..ir.dims import render_c
from .c_parallel import by_size

BLOCK = 1024             # columns per block: 8 KiB of double accumulators per reduction
ROW_SPLIT_COLUMNS = 8192  # up to this many kept elements, threads split the rows (partials in L2)


def inner_kept_reduction(gen, stores, writer):
    """C lines computing ``stores`` (Reduce nodes of one input shape and axes, the last
    axis kept and at least one reduced) into their buffers."""
    first = stores[0]
    r = first.arg.ndim
    kept = [d for d in range(r) if d not in first.axes]
    red = [d for d in range(r) if d in first.axes]
    last, outer = kept[-1], kept[:-1]
    dims = {d: f"({render_c(first.arg.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    C = gen.renderer
    accs = []       # (acc C type, init, combine(a, b), value, store(acc expr) -> line)
    for node in stores:
        acc_dtype, act, init, combine = gen.accumulator(node)
        value = C.cast(C.cast(writer.value(node.arg, full), node.arg.dtype, node.dtype), node.dtype, acc_dtype)
        out_idx = tuple(f"i{d}" for d in kept) if not node.keepdims else \
            tuple("0" if d in node.axes else f"i{d}" for d in range(r))
        target = gen.buffers[node].at(out_idx)
        accs.append((act, init, combine, value,
                     lambda a, t=target, ad=acc_dtype, n=node: f"{t} = {C.cast(a, ad, n.dtype)};"))
    body = writer.lines
    cols = dims[last]
    nblocks = f"(({cols} + {BLOCK - 1}) / {BLOCK})"

    def loop(d, depth):
        return "    " * depth + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{"

    def blocks(parallel):
        """Column blocks; ``parallel``: the outer kept loops and the block loop shared out."""
        out = []
        if parallel:
            collapse = f" collapse({len(outer) + 1})" if outer else ""
            out.append(f"#pragma omp parallel for num_threads(npa_nt) schedule(static){collapse}")
        out += [loop(d, j) for j, d in enumerate(outer)]
        depth = len(outer)
        ind = "    " * (depth + 1)
        out.append("    " * depth + f"for (int64_t npa_k = 0; npa_k < {nblocks}; npa_k++) {{")
        out.append(ind + f"const int64_t npa_jb = npa_k * {BLOCK}, "
                         f"npa_je = npa_jb + {BLOCK} < {cols} ? npa_jb + {BLOCK} : {cols};")
        for j, (act, init, _, _, _) in enumerate(accs):
            out.append(ind + f"{act} npa_blk{j}[{BLOCK}];")
            out.append(ind + f"for (int64_t i{last} = npa_jb; i{last} < npa_je; i{last}++) "
                             f"npa_blk{j}[i{last} - npa_jb] = {init};")
        inner = depth + 1
        for d in red:
            out.append(loop(d, inner))
            inner += 1
        out.append("    " * inner + "#pragma omp simd")
        out.append("    " * inner + f"for (int64_t i{last} = npa_jb; i{last} < npa_je; i{last}++) {{")
        out += ["    " * (inner + 1) + b for b in body]
        for j, (_, _, combine, value, _) in enumerate(accs):
            slot = f"npa_blk{j}[i{last} - npa_jb]"
            out.append("    " * (inner + 1) + f"{slot} = {combine(slot, value)};")
        out += ["    " * k + "}" for k in reversed(range(depth + 1, inner + 1))]
        out.append(ind + f"for (int64_t i{last} = npa_jb; i{last} < npa_je; i{last}++) {{")
        out += [ind + "    " + store(f"npa_blk{j}[i{last} - npa_jb]") for j, (*_, store) in enumerate(accs)]
        out.append(ind + "}")
        return out + ["    " * k + "}" for k in reversed(range(depth + 1))]

    def nest(parallel):
        if not parallel:
            return blocks(False)
        items = " * ".join([dims[d] for d in outer] + [nblocks])
        kept_size = " * ".join(dims[d] for d in kept)
        lines = [f"const int64_t npa_rows = {' * '.join(dims[d] for d in red)};",
                 f"void *npa_rowpart = (({items} < npa_nt || {kept_size} <= {ROW_SPLIT_COLUMNS})"
                 " && npa_rows >= 4 * npa_nt) ?"
                 f" {row_split_alloc(accs, kept, dims)} : NULL;",
                 "if (npa_rowpart) {"]
        lines += ["    " + x for x in row_split(accs, body, red, kept, dims)]
        return lines + ["    free(npa_rowpart);", "} else {"] + ["    " + x for x in blocks(True)] + ["}"]

    total = " * ".join(dims.values())
    return by_size(total, writer.threshold, nest)


def row_split_alloc(accs, kept, dims):
    """C expression allocating every thread's partial rows, for each reduction, padded to
    whole cache lines (``npa_ld`` elements of the largest accumulator type per row)."""
    cols = " * ".join(dims[d] for d in kept)
    size = " + ".join(f"sizeof({act})" for act, *_ in accs)
    return f"npa_malloc(({size}) * (size_t)((({cols}) + 15) & ~(int64_t)15) * (size_t)npa_nt)"


def row_split(accs, body, red, kept, dims):
    """Each thread adds its share of the rows into its private partial rows (one per
    reduction), combined in thread order: from thread 0's partial, not the identity (1 *
    (inf+0j) is not inf+0j in NumPy's complex product)."""
    cols = " * ".join(dims[d] for d in kept)
    col = " + ".join(f"i{d}" + "".join(f" * {dims[e]}" for e in kept[j + 1:]) for j, d in enumerate(kept))
    lines = [f"const int64_t npa_ld = (({cols}) + 15) & ~(int64_t)15;",
             "int npa_used = 1;"]
    offset = "(char *)npa_rowpart"
    for j, (act, *_) in enumerate(accs):     # reduction j's rows: npa_nt rows of npa_ld
        lines.append(f"{act} *npa_part{j} = ({act} *)({offset});")
        offset = f"(char *)(npa_part{j} + npa_ld * npa_nt)"
    lines += ["#pragma omp parallel num_threads(npa_nt)", "{",
              "    const int64_t npa_me = (int64_t)NPA_THREAD_NUM() * npa_ld;"]
    for j, (_, init, *_) in enumerate(accs):
        lines.append(f"    for (int64_t k = 0; k < npa_ld; k++) npa_part{j}[npa_me + k] = {init};")
    lines.append("    #pragma omp for schedule(static)" + (f" collapse({len(red)})" if len(red) > 1 else ""))
    depth = 1
    for d in red:
        lines.append("    " * depth + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{")
        depth += 1
    for j, d in enumerate(kept):
        if j == len(kept) - 1:
            lines.append("    " * depth + "#pragma omp simd")
        lines.append("    " * depth + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{")
        depth += 1
    lines += ["    " * depth + b for b in body]
    for j, (_, _, combine, value, _) in enumerate(accs):
        slot = f"npa_part{j}[npa_me + {col}]"
        lines.append("    " * depth + f"{slot} = {combine(slot, value)};")
    for _ in range(len(red) + len(kept)):
        depth -= 1
        lines.append("    " * depth + "}")
    lines += ["    if (NPA_THREAD_NUM() == 0) npa_used = NPA_NUM_THREADS();", "}"]
    depth = 0
    for d in kept:
        lines.append("    " * depth + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{")
        depth += 1
    for j, (act, _, combine, _, store) in enumerate(accs):
        lines.append("    " * depth + f"{act} npa_acc{j} = npa_part{j}[{col}];")
        lines.append("    " * depth + "for (int t = 1; t < npa_used; t++) "
                     f"npa_acc{j} = {combine(f'npa_acc{j}', f'npa_part{j}[(int64_t)t * npa_ld + {col}]')};")
        lines.append("    " * depth + store(f"npa_acc{j}"))
    for _ in kept:
        depth -= 1
        lines.append("    " * depth + "}")
    return lines

"""argmax/argmin and cumsum/cumprod on the GPU, with NumPy's results exactly.

- argmax/argmin: the reduction kernels of cuda_reductions.py with a (value, index) state.
  A thread scans its elements in increasing index order with NumPy's sequential step
  (c_scans.first_wins_step: the first maximum, or the first NaN, wins); states merge by
  value, then index (c_scans.better), so the answer is NumPy's whatever the grid.
- cumsum/cumprod: one thread per row along the axis, sequential in the result dtype as
  NumPy's ``add.accumulate`` (float sums are not reassociated, so they are bit-for-bit
  NumPy's); the rows run in parallel. The flattened form (axis=None) is one row: one
  thread. Integer wrapping goes through the CUDA renderer (unsigned arithmetic).
"""
from __future__ import annotations

import numpy as np

from ..ir.dims import render_c
from ..ir.ops import Op
from .c_scans import better, first_wins_step
from .c_kernel import KernelWriter
from .cuda_fold import Reduction, strategy_lines
from .cuda_renderer import CUDA
from .cuda_kernel import grid_stride, indent, split_index


def arg_reduce_lines(gen, node, number):
    arg, r = node.arg, node.arg.ndim
    vt = "float" if arg.dtype == np.float16 else CUDA.ctype(arg.dtype)   # compared as float
    w = KernelWriter(gen, False)
    value = w.value(arg, tuple(f"i{d}" for d in range(r)))
    lin = "0"
    for d in (d for d in range(r) if d in node.axes):
        lin = f"i{d}" if lin == "0" else f"({lin}) * ({render_c(arg.shape[d])}) + i{d}"
    step = w.lines + [f"const {vt} npa_v = {value};",
                      f"if (npa_bi < 0 || {first_wins_step('npa_v', 'npa_bv', node)}) {{ npa_bv = npa_v; npa_bi = {lin}; }}"]

    def merge(other):
        v, i = other
        wins = f"{better(v, 'npa_bv', i, 'npa_bi', node)} || ((npa_bv != npa_bv) && ({v} != {v}) && {i} < npa_bi)"
        return [f"if ({i} >= 0 && (npa_bi < 0 || {wins})) {{ npa_bv = {v}; npa_bi = {i}; }}"]
    out_idx = tuple(f"i{d}" for d in range(r) if d not in node.axes) if not node.keepdims else \
        tuple("0" if d in node.axes else f"i{d}" for d in range(r))
    red = Reduction(state=[(vt, "npa_bv", "0"), ("int64_t", "npa_bi", "-1")], step=step, merge=merge,
                    store=[f"{gen.buffers[node].at(out_idx)} = npa_bi < 0 ? 0 : npa_bi;"])
    return strategy_lines(gen, node, red, number, f"{node.op.value} over axes {node.axes} (first occurrence, NaN wins)")


def scan_lines(gen, node, number):
    arg, r, dt = node.arg, node.arg.ndim, node.dtype
    ct = CUDA.ctype(dt)
    dims = {d: f"({render_c(arg.shape[d])})" for d in range(r)}
    full = tuple(f"i{d}" for d in range(r))
    w = KernelWriter(gen, False)
    value = CUDA.cast(w.value(arg, full), arg.dtype, dt)
    op = {Op.CUMSUM: Op.ADD, Op.CUMPROD: Op.MULTIPLY}.get(node.op, node.op)     # ufunc.accumulate: its op
    step = w.lines + [f"const {ct} npa_v = {value};",
                      f"npa_acc = npa_first ? npa_v : ({ct})({CUDA.op(op, (dt, dt), dt, ['npa_acc', 'npa_v'])});",
                      "npa_first = 0;"]
    buf = gen.buffers[node]
    name = gen.kernel_name(f"kernel {number}")
    init = [f"{ct} npa_acc = 0;", "int npa_first = 1;"]
    if node.flatten:      # axis=None: one row in C order over every dim
        loops = [f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{" for d in range(r)]
        body = init + ["int64_t npa_k = 0;"] + loops + indent(step + [f"{buf.at(('npa_k',))} = npa_acc;", "npa_k++;"], r)
        body += ["}"] * r
        args = gen.kernel(name, body)
        return [f"/* kernel {number}: {node.op.value} flattened (one thread, sequential) */", "{"] + \
            indent(gen.launch(name, "1", args, block="1")) + ["}"]
    axis = node.axes[0]
    kept = [(d, dims[d]) for d in range(r) if d != axis]
    rows = " * ".join(e for _, e in kept) or "1"
    body = [f"const int64_t npa_m = {rows};"] + grid_stride("npa_g", "npa_m")
    along = f"for (int64_t i{axis} = {dims[axis]} - 1; i{axis} >= 0; i{axis}--) {{" if node.reverse else \
        f"for (int64_t i{axis} = 0; i{axis} < {dims[axis]}; i{axis}++) {{"
    inner = split_index("npa_g", kept, "npa_q") + init + [along] + \
        indent(step + [f"{buf.at(full)} = npa_acc;"]) + ["}"]
    body += indent(inner) + ["}"]
    args = gen.kernel(name, body)
    host = [f"/* kernel {number}: {node.op.value} along axis {axis} (a thread per row, sequential along it) */",
            "{", f"    const int64_t npa_m = {rows};", "    if (npa_m > 0) {"]
    host += indent(gen.launch(name, "npa_blocks(npa_m, NPA_MAX_BLOCKS)", args, ["npa_m"]), 2)
    return host + ["    }", "}"]

"""Reduction kernels of the CUDA backend, for any reduction that folds a per-thread state:
sums, products, min/max, any/all (state: the accumulator) and argmin/argmax (state: the
best value and its index, cuda_scans.py).

- over some axes: one thread per output (when there are many outputs or few elements per
  output), else one block per output with a warp-shuffle block reduction; the host picks
  at run time from the sizes;
- over every axis: a grid-stride pass leaving one partial state per block, then one block
  merging the partials (deterministic, no atomics).

Each thread visits its elements in increasing index order, so a state that keeps the first
of equal candidates (argmax) gives NumPy's answer once the merges compare indexes too.
Accumulator types follow the C backend (float32/float16 sums and products in double).
"""
from __future__ import annotations

from ..errors import UnsupportedError
from ..ir.nodes import Scan
from ..ir.ops import REDUCTIONS, Op
from .c_kernel import KernelWriter
from .c_reductions import accumulator_dtype, reduction_text
from .cuda_renderer import CUDA
from .cuda_fold import Reduction, strategy_lines
from .cuda_scans import arg_reduce_lines, scan_lines

_INDEX_AND_SCAN = (Op.ARGMAX, Op.ARGMIN, Op.CUMSUM, Op.CUMPROD)


def reduce_lines(gen, k, number):
    """Host lines (and kernels) for a "reduce" kernel of the plan: one reduction, or
    several over the same axes of one shape (plan.fuse's siblings) with one accumulator
    each, reading their common subexpressions once per element."""
    node = k.stores[0]
    if node.op in _INDEX_AND_SCAN or isinstance(node, Scan):
        return scan_lines(gen, node, number) if isinstance(node, Scan) else arg_reduce_lines(gen, node, number)
    r = node.arg.ndim
    w = KernelWriter(gen, False)
    state, step, store, combines = [], [], [], []
    for j, red in enumerate(k.stores):
        if not REDUCTIONS[red.op].folds:
            raise UnsupportedError(f"CUDA backend: no GPU kernel for the {red.op.value} reduction yet")
        acc_dtype = accumulator_dtype(red.op, red.dtype)
        act, acc = CUDA.ctype(acc_dtype), f"npa_acc{j}"
        init, combine = reduction_text(red.op, acc_dtype)
        value = CUDA.cast(CUDA.cast(w.value(red.arg, tuple(f"i{d}" for d in range(r))), red.arg.dtype, red.dtype),
                          red.dtype, acc_dtype)
        out_idx = tuple(f"i{d}" for d in range(r) if d not in red.axes) if not red.keepdims else \
            tuple("0" if d in red.axes else f"i{d}" for d in range(r))
        state.append((act, acc, f"({act})({init})"))
        step.append(f"{acc} = {combine(acc, value)};")
        store.append(f"{gen.buffers[red].at(out_idx)} = {CUDA.cast(acc, acc_dtype, red.dtype)};")
        combines.append(combine)

    def merge(other):
        return [f"{acc} = {c(acc, o)};" for (_, acc, _), c, o in zip(state, combines, other)]
    ops = ", ".join(red.op.value for red in k.stores)
    return strategy_lines(gen, node, Reduction(state, w.lines + step, merge, store), number,
                          f"{ops} over axes {node.axes}")

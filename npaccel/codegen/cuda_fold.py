"""How a CUDA reduction folds its per-thread state over the grid, whatever the state is
(an accumulator, or argmax's value and index): one thread per output or one block per
output when some axes are kept (the host picks from the sizes at run time), a grid-stride
pass and one merging block when every axis is reduced (deterministic, no atomics)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..ir.dims import render_c
from .cuda_kernel import grid_stride, indent, split_index


@dataclass
class Reduction:
    state: list            # (C type, variable, value of an empty state)
    step: list             # lines folding the element at index i<d> into the state
    merge: Callable        # names of another thread's state variables -> lines folding it in
    store: list            # lines writing the result from the state

    def init(self):
        return [f"{t} {v} = {e};" for t, v, e in self.state]


def strategy_lines(gen, node, red, number, what):
    arg, r = node.arg, node.arg.ndim
    kept = [(d, f"({render_c(arg.shape[d])})") for d in range(r) if d not in node.axes]
    dims = [(d, f"({render_c(arg.shape[d])})") for d in range(r) if d in node.axes]
    m = " * ".join(e for _, e in kept) or "1"
    rn = " * ".join(e for _, e in dims) or "1"
    base = gen.kernel_name(f"kernel {number}")
    host = [f"/* kernel {number}: {what} */", "{", f"    const int64_t npa_rn = {rn};", "    (void)npa_rn;"]
    if kept:
        host.append(f"    const int64_t npa_m = {m};")
        host += per_axis(gen, base, kept, dims, red, m, rn, innermost=(r - 1) in node.axes)
    else:
        host += full(gen, base, dims, red, rn)
    return host + ["}"]


def _shared(red):
    return [f"__shared__ {t} npa_sh{k}[32];" for k, (t, _, _) in enumerate(red.state)]


def block_reduce(red):
    """Lines merging the state over the block; thread 0 ends with the result. Needs
    ``_shared(red)`` and every thread of the block."""
    shfl = ["for (int npa_o = 16; npa_o > 0; npa_o >>= 1) {"]
    shfl += [f"    const {t} npa_y{k} = npa_shfl_down({v}, npa_o);" for k, (t, v, _) in enumerate(red.state)]
    shfl += indent(red.merge([f"npa_y{k}" for k in range(len(red.state))])) + ["}"]
    lines = shfl + ["if ((threadIdx.x & 31) == 0) {"]
    lines += [f"    npa_sh{k}[threadIdx.x >> 5] = {v};" for k, (_, v, _) in enumerate(red.state)]
    lines += ["}", "__syncthreads();", "if (threadIdx.x < 32) {"]
    lines += [f"    {v} = threadIdx.x < (blockDim.x >> 5) ? npa_sh{k}[threadIdx.x] : ({t})({e});"
              for k, (t, v, e) in enumerate(red.state)]
    return lines + indent(shfl) + ["}", "__syncthreads();   /* npa_sh is reused */"]


def _by_thread0(lines):
    return ["if (threadIdx.x == 0) {"] + indent(lines) + ["}"]


def per_axis(gen, base, kept, dims, red, m, rn, innermost):
    # one thread per output: nested loops over the reduced dims
    loops = [f"for (int64_t i{d} = 0; i{d} < {e}; i{d}++) {{" for d, e in dims]
    inner = red.init() + loops + indent(red.step, len(dims)) + ["}"] * len(dims) + red.store
    t_body = [f"const int64_t npa_m = {m};"] + grid_stride("npa_g", "npa_m")
    t_body += indent(split_index("npa_g", kept, "npa_q") + inner) + ["}"]
    t_args = gen.kernel(base + "_t", t_body)
    # one block per output: the block's threads stride over the reduced elements
    b_body = _shared(red) + [f"const int64_t npa_m = {m}, npa_rn = {rn};",
                             "for (int64_t npa_b = blockIdx.x; npa_b < npa_m; npa_b += gridDim.x) {   /* uniform in the block */"]
    b_loop = (split_index("npa_b", kept, "npa_q") + red.init() +
              ["for (int64_t npa_j = threadIdx.x; npa_j < npa_rn; npa_j += blockDim.x) {"]
              + indent(split_index("npa_j", dims, "npa_p") + red.step) + ["}"]
              + block_reduce(red) + _by_thread0(red.store))
    b_body += indent(b_loop) + ["}"]
    b_args = gen.kernel(base + "_b", b_body)
    # reading along the innermost dim is contiguous: threads of a block share a row when
    # it is reduced, neighbouring outputs when it is kept
    prefer = "npa_rn <= 32" if innermost else "npa_m >= NPA_THREAD_PER_OUTPUT_MIN || npa_rn <= 32"
    return ["    if (npa_m > 0) {", f"        if ({prefer}) {{"] + \
        indent(gen.launch(base + "_t", "npa_blocks(npa_m, NPA_MAX_BLOCKS)", t_args, ["npa_m"]), 3) + \
        ["        } else {"] + \
        indent(gen.launch(base + "_b", "(unsigned)(npa_m < NPA_MAX_BLOCKS ? npa_m : NPA_MAX_BLOCKS)", b_args,
                           ["npa_m", "npa_rn"]), 3) + \
        ["        }", "    }"]


def full(gen, base, dims, red, rn):
    parts = [f"{base}_part{k}" for k in range(len(red.state))]
    for part, (t, _, _) in zip(parts, red.state):
        gen.add_scratch(part, t, "NPA_REDUCE_BLOCKS")
    p_body = _shared(red) + [f"const int64_t npa_rn = {rn};"] + red.init() + grid_stride("npa_j", "npa_rn")
    p_body += indent(split_index("npa_j", dims, "npa_p") + red.step) + ["}"]
    p_body += block_reduce(red) + _by_thread0([f"{part}[blockIdx.x] = {v};" for part, (_, v, _) in zip(parts, red.state)])
    p_args = gen.kernel(base + "_p", p_body)
    f_body = _shared(red) + red.init() + ["for (int npa_j = threadIdx.x; npa_j < npa_np; npa_j += blockDim.x) {"]
    f_body += indent(red.merge([f"{part}[npa_j]" for part in parts])) + ["}"]
    f_body += block_reduce(red) + _by_thread0(red.store)
    f_args = gen.kernel(base + "_f", f_body, extra=[("const int npa_np", "npa_np")])
    return ["    const int npa_np = (int)npa_blocks(npa_rn, NPA_REDUCE_BLOCKS);"] + \
        indent(gen.launch(base + "_p", "npa_np", p_args, ["npa_rn"])) + indent(gen.launch(base + "_f", "1", f_args))

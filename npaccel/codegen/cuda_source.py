"""Scheduled kernels -> one CUDA C++ translation unit with a fixed host entry point.

    extern "C" int npaccel_cuda_entry(const int64_t *I, const double *F);

The argument layout is the C backend's (``ArgLayout``, same prologue) except that the data
pointers in ``I`` are device pointers. The entry launches one ``__global__`` function per
scheduled kernel, in order, on the legacy default stream, with temporaries (reduction
results read by later kernels, per-block partial results, the error flag) in one
cudaMalloc'd scratch block freed before returning. It returns 0, an npaccel.h error code
(integer power with a negative exponent), or NPA_ERR_CUDA_BASE + the cudaError_t.

Kernels:

- elementwise: a grid-stride loop over all elements; the flat index is split into the
  loop indexes with / and % unless the kernel is flat. The per-element expression text is
  the C backend's (``KernelWriter`` with the CUDA renderer).
- reduce over some axes: one thread per output (when there are many outputs or few
  elements per output), else one block per output with a warp-shuffle block reduction;
  the host picks at run time from the sizes.
- reduce over every axis: a grid-stride pass leaving one partial result per block, then
  one block combining the partials (deterministic, no atomics).

Accumulator types follow the C backend (float32/float16 sums and products accumulate in
double). Kinds this generator does not know raise UnsupportedError.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param, Elementwise, Graph
>>> from npaccel.ir.ops import Op
>>> from npaccel.ir.dims import Sym
>>> from npaccel.passes.plan import Plan, run_pipeline
>>> f8 = np.dtype("float64")
>>> x = Param(index=0, name="x", dtype=f8, shape=(Sym("a0_d0"),))
>>> y = Elementwise(op=Op.EXP, args=(x,), in_dtypes=(f8,), dtype=f8, shape=x.shape)
>>> source, layout = generate_cuda(run_pipeline(Plan(graph=Graph(params=(x,), outputs=(y,)))))
>>> print("\\n".join(l for l in source.splitlines() if "__global__" in l or "NPA_LAUNCH" in l))
__global__ void npa_k0(const double *restrict a0, const int64_t a0_d0, double *restrict o0) {
                NPA_LAUNCH(npa_k0, npa_blocks(npa_n, NPA_MAX_BLOCKS), NPA_BLOCK)(a0, a0_d0, o0);
>>> layout.arrays, layout.outputs
(((0, 1),), (0,))
"""
from __future__ import annotations

import re

import numpy as np

from ..errors import UnsupportedError
from ..ir.dims import render_c, shape_size
from ..ir.ops import Op
from .c_source import _REDUCE_C, FLAT, Buffer, CSourceGenerator, KernelWriter, _strides_of
from .cuda_renderer import CUDA

ENTRY = "npaccel_cuda_entry"
KERNEL_KINDS = ("elementwise", "reduce")
# reductions whose combine step is one expression (index-carrying ones need more)
_COMBINING = (Op.SUM, Op.PROD, Op.MAX, Op.MIN, Op.ANY, Op.ALL, getattr(Op, "NANMAX", None), getattr(Op, "NANMIN", None))
_DECL = re.compile(r"^(?P<decl>.*?)\b(?P<name>[A-Za-z_]\w*) = .*;$")
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def _indent(lines, n=1):
    return ["    " * n + line if line else line for line in lines]


def _split_index(var, dims, scratch):
    """Lines defining ``i<d>`` for each (d, C extent) in ``dims`` from the linear ``var``
    (row-major over ``dims``). The divisions are in ``npa_idx_t``, a template parameter of
    the kernel: 32-bit when the sizes allow (64-bit division is many times slower on GPUs)."""
    if not dims:
        return []
    if len(dims) == 1:
        return [f"const int64_t i{dims[0][0]} = {var};"]
    lines = [f"npa_idx_t {scratch} = (npa_idx_t)({var});"]
    for d, extent in reversed(dims[1:]):
        lines.append(f"const int64_t i{d} = (int64_t)({scratch} % (npa_idx_t){extent}); {scratch} /= (npa_idx_t){extent};")
    lines.append(f"const int64_t i{dims[0][0]} = (int64_t){scratch};")
    return lines


class CudaSourceGenerator(CSourceGenerator):
    renderer = CUDA

    def __init__(self, plan, prefix="npa"):
        super().__init__(plan)
        self.prefix = prefix
        self.params = {}      # C name -> kernel parameter declaration
        self.scratch = []     # (name, C type, element count text)
        self.kernels = []     # source lines of __global__ functions
        self.launches = []    # host lines
        self.uses_err = False
        self.templated = set()  # kernels templated on their index type (npa_idx_t)

    # ---- declarations ---------------------------------------------------------------
    def collect_params(self, prologue):
        for line in prologue:
            m = _DECL.match(line)
            if m and m["name"] not in ("npa_nt", "npa_err"):
                self.params[m["name"]] = (m["decl"] + m["name"]).strip()

    def temporaries(self):
        """Every materialised value without a buffer gets one in the scratch block."""
        for node, _ in self.plan.materialised:
            if id(node) in self.buffers:
                continue
            name = f"t{len(self.scratch)}"
            ct = CUDA.ctype(node.dtype)
            self.add_scratch(name, ct, render_c(shape_size(node.shape)))
            self.buffers[id(node)] = Buffer(name, node, [f"({render_c(s)})" for s in _strides_of(node.shape)])

    def add_scratch(self, name, ctype, count):
        self.scratch.append((name, ctype, count))
        self.params[name] = f"{ctype} *restrict {name}"

    def signature(self, body, extra=()):
        """(parameter declarations, argument names) of a kernel whose body is ``body``."""
        used = set(_IDENT.findall("\n".join(body)))
        names = [n for n in self.params if n in used]
        decls = [self.params[n] for n in names] + [d for d, _ in extra]
        args = names + [a for _, a in extra]
        if "npa_err" in used:
            self.uses_err = True
            decls.append("int *npa_errp")
            args.append("npa_errp")
        return decls, args

    def kernel(self, name, body, extra=()):
        decls, args = self.signature(body, extra)
        idents = set(_IDENT.findall("\n".join(body)))
        err = "npa_err" in idents
        text = []
        if "npa_idx_t" in idents:
            self.templated.add(name)
            text.append("template <typename npa_idx_t>")
        text.append(f"__global__ void {name}({', '.join(decls)}) {{")
        if err:
            text.append("    int npa_err = 0;")
        text += _indent(body)
        if err:
            text.append("    if (npa_err) atomicMax(npa_errp, npa_err);")
        text.append("}")
        self.kernels.append("\n".join(text))
        return args

    def launch(self, name, grid, args, sizes=()):
        """Host lines launching kernel ``name``; a templated kernel gets 32-bit index
        arithmetic when every linear index it splits (``sizes``) fits."""
        call = f"({', '.join(args)});"
        if name in self.templated:
            fits = " && ".join(f"NPA_FITS32({n})" for n in sizes) or "1"
            launches = [f"    if ({fits}) NPA_LAUNCH({name}<uint32_t>, {grid}, NPA_BLOCK){call}",
                        f"    else NPA_LAUNCH({name}<int64_t>, {grid}, NPA_BLOCK){call}"]
        else:
            launches = [f"    NPA_LAUNCH({name}, {grid}, NPA_BLOCK){call}"]
        return ["if (npa_ce == cudaSuccess) {"] + launches + ["    npa_ce = cudaGetLastError();", "}"]

    # ---- elementwise ----------------------------------------------------------------
    def elementwise(self, k, number):
        name = f"{self.prefix}_k{number}"
        r = len(k.shape)
        dims = [f"({render_c(d)})" for d in k.shape]
        w = KernelWriter(self, k.flat)
        idx = FLAT if k.flat and r else tuple(f"i{d}" for d in range(r))
        stores = []
        for node in k.stores:
            value = w.value(node, idx)
            stores.append(f"{self.buffers[id(node)].at(idx)} = {value};")
        total = " * ".join(dims) or "1"
        if r == 0:
            body = ["if (blockIdx.x == 0 && threadIdx.x == 0) {"] + _indent(w.lines + stores) + ["}"]
        else:
            split = ["const int64_t i = npa_g;"] if k.flat else _split_index("npa_g", list(enumerate(dims)), "npa_q")
            body = [f"const int64_t npa_n = {total};",
                    "for (int64_t npa_g = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; npa_g < npa_n;",
                    "     npa_g += (int64_t)blockDim.x * gridDim.x) {"]
            body += _indent(split + w.lines + stores) + ["}"]
        args = self.kernel(name, body)
        host = [f"/* kernel {number}: {len(k.stores)} output(s), {'flat' if k.flat else 'nested'} grid-stride loop */",
                "{", f"    const int64_t npa_n = {total};", "    if (npa_n > 0) {"]
        host += _indent(self.launch(name, "npa_blocks(npa_n, NPA_MAX_BLOCKS)", args, ["npa_n"]), 2)
        self.launches += host + ["    }", "}"]

    # ---- reductions -----------------------------------------------------------------
    def block_reduce(self, act, init, combine):
        """Lines combining npa_acc over the block; thread 0 ends with the result.
        Needs ``__shared__ act npa_sh[32]`` and every thread of the block."""
        shfl = ["for (int npa_o = 16; npa_o > 0; npa_o >>= 1) {",
                f"    const {act} npa_y = npa_shfl_down(npa_acc, npa_o);",
                f"    npa_acc = {combine('npa_acc', 'npa_y')};", "}"]
        return shfl + [
            "if ((threadIdx.x & 31) == 0) npa_sh[threadIdx.x >> 5] = npa_acc;",
            "__syncthreads();",
            "if (threadIdx.x < 32) {",
            f"    npa_acc = threadIdx.x < (blockDim.x >> 5) ? npa_sh[threadIdx.x] : ({act})({init});",
        ] + _indent(shfl) + ["}", "__syncthreads();   /* npa_sh is reused */"]

    def reduce(self, k, number):
        node = k.stores[0]
        if node.op not in _COMBINING or node.op not in _REDUCE_C:
            raise UnsupportedError(f"CUDA backend: no GPU kernel for the {node.op.value} reduction yet")
        arg, r = node.arg, node.arg.ndim
        acc_dtype = np.dtype(np.float64) if node.dtype in (np.float32, np.float16) and \
            node.op in (Op.SUM, Op.PROD) else node.dtype
        act = CUDA.ctype(acc_dtype)
        init, combine = _REDUCE_C[node.op](acc_dtype)
        kept = [(d, f"({render_c(arg.shape[d])})") for d in range(r) if d not in node.axes]
        red = [(d, f"({render_c(arg.shape[d])})") for d in range(r) if d in node.axes]
        w = KernelWriter(self, False)
        value = CUDA.cast(CUDA.cast(w.value(arg, tuple(f"i{d}" for d in range(r))), arg.dtype, node.dtype),
                          node.dtype, acc_dtype)
        step = w.lines + [f"npa_acc = {combine('npa_acc', value)};"]
        out_idx = tuple(f"i{d}" for d, _ in kept) if not node.keepdims else \
            tuple("0" if d in node.axes else f"i{d}" for d in range(r))
        store = f"{self.buffers[id(node)].at(out_idx)} = {CUDA.cast('npa_acc', acc_dtype, node.dtype)};"
        m = " * ".join(e for _, e in kept) or "1"
        rn = " * ".join(e for _, e in red) or "1"
        base = f"{self.prefix}_k{number}"
        host = [f"/* kernel {number}: {node.op.value} over axes {node.axes} */", "{",
                f"    const int64_t npa_rn = {rn};", "    (void)npa_rn;"]
        if kept:
            host.append(f"    const int64_t npa_m = {m};")
            host += self.per_axis_reduce(base, kept, red, act, init, combine, step, store, m, rn, innermost=(r - 1) in node.axes)
        else:
            host += self.full_reduce(base, red, act, init, combine, step, store, rn)
        self.launches += host + ["}"]

    def per_axis_reduce(self, base, kept, red, act, init, combine, step, store, m, rn, innermost):
        # one thread per output: nested loops over the reduced dims
        loops = [f"for (int64_t i{d} = 0; i{d} < {e}; i{d}++) {{" for d, e in red]
        inner = [f"{act} npa_acc = {init};"] + loops + _indent(step, len(red)) + ["}"] * len(red) + [store]
        t_body = [f"const int64_t npa_m = {m};",
                  "for (int64_t npa_g = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; npa_g < npa_m;",
                  "     npa_g += (int64_t)blockDim.x * gridDim.x) {"]
        t_body += _indent(_split_index("npa_g", kept, "npa_q") + inner) + ["}"]
        t_args = self.kernel(base + "_t", t_body)
        # one block per output: the block's threads stride over the reduced elements
        b_body = [f"__shared__ {act} npa_sh[32];", f"const int64_t npa_m = {m}, npa_rn = {rn};",
                  "for (int64_t npa_b = blockIdx.x; npa_b < npa_m; npa_b += gridDim.x) {   /* uniform in the block */"]
        b_loop = (_split_index("npa_b", kept, "npa_q") + [f"{act} npa_acc = {init};",
                  "for (int64_t npa_j = threadIdx.x; npa_j < npa_rn; npa_j += blockDim.x) {"]
                  + _indent(_split_index("npa_j", red, "npa_p") + step) + ["}"]
                  + self.block_reduce(act, init, combine) + [f"if (threadIdx.x == 0) {store}"])
        b_body += _indent(b_loop) + ["}"]
        b_args = self.kernel(base + "_b", b_body)
        # reading along the innermost dim is contiguous: threads of a block share a row when
        # it is reduced, neighbouring outputs when it is kept
        prefer = "npa_rn <= 32" if innermost else "npa_m >= NPA_THREAD_PER_OUTPUT_MIN || npa_rn <= 32"
        return ["    if (npa_m > 0) {", f"        if ({prefer}) {{"] + \
            _indent(self.launch(base + "_t", "npa_blocks(npa_m, NPA_MAX_BLOCKS)", t_args, ["npa_m"]), 3) + \
            ["        } else {"] + \
            _indent(self.launch(base + "_b", "(unsigned)(npa_m < NPA_MAX_BLOCKS ? npa_m : NPA_MAX_BLOCKS)", b_args,
                                ["npa_m", "npa_rn"]), 3) + \
            ["        }", "    }"]

    def full_reduce(self, base, red, act, init, combine, step, store, rn):
        part = f"{base}_part"
        self.add_scratch(part, act, "NPA_REDUCE_BLOCKS")
        p_body = [f"__shared__ {act} npa_sh[32];", f"const int64_t npa_rn = {rn};", f"{act} npa_acc = {init};",
                  "for (int64_t npa_j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; npa_j < npa_rn;",
                  "     npa_j += (int64_t)blockDim.x * gridDim.x) {"]
        p_body += _indent(_split_index("npa_j", red, "npa_p") + step) + ["}"]
        p_body += self.block_reduce(act, init, combine) + [f"if (threadIdx.x == 0) {part}[blockIdx.x] = npa_acc;"]
        p_args = self.kernel(base + "_p", p_body)
        f_body = [f"__shared__ {act} npa_sh[32];", f"{act} npa_acc = {init};",
                  "for (int npa_j = threadIdx.x; npa_j < npa_np; npa_j += blockDim.x) {",
                  f"    npa_acc = {combine('npa_acc', f'{part}[npa_j]')};", "}"]
        f_body += self.block_reduce(act, init, combine) + [f"if (threadIdx.x == 0) {store}"]
        f_args = self.kernel(base + "_f", f_body, extra=[("const int npa_np", "npa_np")])
        return ["    const int npa_np = (int)npa_blocks(npa_rn, NPA_REDUCE_BLOCKS);"] + \
            _indent(self.launch(base + "_p", "npa_np", p_args, ["npa_rn"])) + _indent(self.launch(base + "_f", "1", f_args))

    # ---- the translation unit ---------------------------------------------------------
    def generate(self, name=ENTRY):
        if self.graph.body:
            raise UnsupportedError("CUDA backend: program statements (loops, in-place updates) "
                                   "are not compiled for the GPU yet")
        layout, prologue = self.layout_and_prologue()
        self.collect_params(prologue)
        self.temporaries()
        for number, k in enumerate(self.plan.kernels):
            if k.kind == "elementwise":
                self.elementwise(k, number)
            elif k.kind == "reduce":
                self.reduce(k, number)
            else:
                raise UnsupportedError(f"CUDA backend: no GPU kernels of kind {k.kind!r} yet")
        if self.uses_err:
            self.scratch.append(("npa_errp", "int", "1"))
        host = ["cudaError_t npa_ce = cudaSuccess;", "size_t npa_bytes = 0;"]
        for sname, ct, count in self.scratch:
            host.append(f"const size_t npa_at_{sname} = npa_bytes;")
            host.append(f"npa_bytes += ((sizeof({ct}) * (size_t)(({count}) > 0 ? ({count}) : 1)) + 255) & ~(size_t)255;")
        host += ["char *npa_scratch = NULL;",
                 "if (npa_bytes) npa_ce = cudaMalloc((void **)&npa_scratch, npa_bytes);",
                 "if (npa_ce != cudaSuccess) return NPA_ERR_CUDA_BASE + (int)npa_ce;"]
        for sname, ct, _ in self.scratch:
            host.append(f"{ct} *{sname} = ({ct} *)(npa_scratch + npa_at_{sname}); (void){sname};")
        if self.uses_err:
            host.append("npa_ce = cudaMemsetAsync(npa_errp, 0, sizeof(int), 0);")
        host += self.launches
        if self.uses_err:
            host += ["if (npa_ce == cudaSuccess)",
                     "    npa_ce = cudaMemcpy(&npa_err, npa_errp, sizeof(int), cudaMemcpyDeviceToHost);"]
        host += ["if (npa_scratch) {", "    cudaError_t npa_fe = cudaFree(npa_scratch);",
                 "    if (npa_ce == cudaSuccess) npa_ce = npa_fe;", "}",
                 "if (npa_ce != cudaSuccess) return NPA_ERR_CUDA_BASE + (int)npa_ce;",
                 "return npa_err;"]
        fn = self.graph.meta.get("function", "?")
        text = ["/* generated by npaccel (CUDA) for " + fn.replace("*/", "* /") + " */",
                '#include "npaccel_cuda.h"', ""]
        text += [k + "\n" for k in self.kernels]
        text += [f'extern "C" int {name}(const int64_t *I, const double *F) {{']
        text += _indent(prologue + host)
        text += ["}", ""]
        return "\n".join(text), layout


def generate_cuda(plan, name=ENTRY, prefix="npa"):
    """(CUDA source text, ArgLayout) for a scheduled plan. ``name`` and ``prefix`` let
    several plans share one translation unit (the tests compile them in groups)."""
    try:
        return CudaSourceGenerator(plan, prefix).generate(name)
    except NotImplementedError as exc:
        raise UnsupportedError(f"CUDA backend: {exc}", plan.graph.meta.get("where")) from None
    except UnsupportedError as exc:
        if exc.construct.startswith("CUDA backend"):
            raise
        raise UnsupportedError(f"CUDA backend: {exc.construct}", exc.where) from None

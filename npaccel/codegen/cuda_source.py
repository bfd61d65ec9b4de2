"""Scheduled kernels -> one CUDA C++ translation unit with a fixed host entry point.

    extern "C" int npaccel_cuda_entry(const int64_t *I, const double *F);

The argument layout is the C backend's (``ArgLayout``, same prologue) except that the data
pointers in ``I`` are device pointers. The entry launches one ``__global__`` function per
scheduled kernel, in order, on the legacy default stream, with temporaries (reduction
results read by later kernels, per-block partial results, program buffers, the error flag)
in one cudaMalloc'd scratch block freed before returning. It returns 0, an npaccel.h error
code (integer power with a negative exponent, a run-time index out of range),
NPA_ERR_CUDA_BASE + the cudaError_t, or NPA_ERR_CUBLAS_BASE + a cuBLAS status.

Kernels: elementwise ones are grid-stride loops here (the flat index is split into the loop
indexes with / and % unless the kernel is flat; the per-element expression text is the C
backend's ``KernelWriter`` with the CUDA renderer); reductions, argmax/argmin and scans are
in cuda_reductions.py and cuda_scans.py, matrix products in cuda_library.py, program
statements (host control flow around these kernels) in cuda_statements.py.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param, Elementwise, Graph
>>> from npaccel.ir.ops import Op
>>> from npaccel.ir.dims import Sym
>>> from npaccel.passes.records import Plan
>>> from npaccel.passes.pipeline import run_pipeline
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
from dataclasses import replace

from ..errors import UnsupportedError
from ..ir.dims import loop_variant, render_c, shape_size
from ..ir.nodes import Storage
from .c_kernel import FLAT, Buffer, KernelWriter, _strides_of
from .c_source import CSourceGenerator
from .c_library import library_kernel
from .cuda_kernel import grid_stride, indent, split_index
from .cuda_library import cuda_matmul_lines
from .cuda_reductions import reduce_lines
from .cuda_renderer import CUDA
from .cuda_statements import CudaStatementWriter

ENTRY = "npaccel_cuda_entry"
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


class CudaSourceGenerator(CSourceGenerator):
    """The C generator's prologue, buffers and expression text; kernels become __global__
    functions (``kernel``) and every ``*_lines`` method returns host lines launching them."""
    renderer = CUDA

    def __init__(self, plan, prefix="npa"):
        super().__init__(plan)
        self.prefix = prefix
        self.params = {}      # C name -> kernel parameter declaration
        self.scratch = []     # (name, C type, element count text)
        self.kernels = []     # source text of __global__ functions
        self.names = set()    # kernel names used
        self.uses_err = False
        self.uses_products = False   # includes npaccel_cuda_blas.h, binds cuBLAS at load
        self.templated = set()  # kernels templated on their index type (npa_idx_t)
        self.in_statements = False   # statement kernels report errors at once (cuda_statements.py)
        # statements may make pointers alias (an ArrayVar pointing at a Storage): no restrict
        self.aliased = bool(plan.graph.body)
        self.scalar_slots = 0

    # ---- declarations ---------------------------------------------------------------
    def collect_params(self):
        """Every value the entry's prologue defines is a parameter of the kernels reading it."""
        for v in self.entry_values:
            self.params[v.name] = v.parameter(restrict=not self.aliased)

    def temporaries(self):
        """Every materialised value without a buffer gets one in the scratch block."""
        for node, _ in self.plan.materialised:
            if node not in self.buffers:
                if any(loop_variant(d) for d in node.shape):
                    raise NotImplementedError("CUDA backend: a value whose size is known only inside the function")
                self.scratch_buffer(f"t{len(self.scratch)}", node)
        return [], []

    def scratch_buffer(self, name, node) -> Buffer:
        self.add_scratch(name, CUDA.ctype(node.dtype), render_c(shape_size(node.shape)))
        self.buffers[node] = Buffer(name, node, [f"({render_c(s)})" for s in _strides_of(node.shape)])
        return self.buffers[node]

    def add_scratch(self, name, ctype, count):
        self.scratch.append((name, ctype, count))
        self.params[name] = f"{ctype} *{'' if self.aliased else 'restrict '}{name}"

    def kernel_name(self, label):
        """A unique __global__ name from a label ("kernel 3", "store 2", ...)."""
        slug = re.sub(r"\W+", "_", label.replace("kernel ", "k")).strip("_")
        name = f"{self.prefix}_{slug}"
        while name in self.names:
            name += "_"
        self.names.add(name)
        return name

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
        text += indent(body)
        if err:
            text.append("    if (npa_err) atomicMax(npa_errp, npa_err);")
        text.append("}")
        self.kernels.append("\n".join(text))
        return args

    def launch(self, name, grid, args, sizes=(), block="NPA_BLOCK"):
        """Host lines launching kernel ``name``; a templated kernel gets 32-bit index
        arithmetic when every linear index it splits (``sizes``) fits."""
        call = f"({', '.join(args)});"
        if name in self.templated:
            fits = " && ".join(f"NPA_FITS32({n})" for n in sizes) or "1"
            launches = [f"    if ({fits}) NPA_LAUNCH({name}<uint32_t>, {grid}, {block}){call}",
                        f"    else NPA_LAUNCH({name}<int64_t>, {grid}, {block}){call}"]
        else:
            launches = [f"    NPA_LAUNCH({name}, {grid}, {block}){call}"]
        lines = ["if (npa_ce == cudaSuccess) {"] + launches + ["    npa_ce = cudaGetLastError();", "}"]
        if self.in_statements and "npa_errp" in args:
            lines += self.error_sync()
        return lines

    def error_sync(self):
        """In a program: the device error flag copied back (waits for the kernels) and the
        program left on an error, as the CPU build leaves it."""
        return ["if (npa_ce == cudaSuccess) npa_ce = cudaMemcpy(&npa_derr, npa_errp, sizeof(int), cudaMemcpyDeviceToHost);",
                "if (npa_derr && !npa_err) npa_err = npa_derr;"] + self.after_host_error()

    def after_host_error(self):
        return ["if (npa_err || npa_ce != cudaSuccess) goto npa_done;"] if self.in_statements else []

    def single_thread(self, label, body):
        """Host lines running ``body`` in one GPU thread (scalars, sequential scatters)."""
        name = self.kernel_name(label)
        return ["{"] + indent(self.launch(name, "1", self.kernel(name, body), block="1")) + ["}"]

    # ---- kernels (each returns host lines) -------------------------------------------
    def elementwise_loop(self, shape, pairs, flat, label):
        """A grid-stride kernel computing each (value node, destination) pair; a
        destination has ``at(index) -> C lvalue`` (a Buffer, a statement's Region)."""
        name = self.kernel_name(label)
        r = len(shape)
        dims = [f"({render_c(d)})" for d in shape]
        w = KernelWriter(self, flat)
        idx = FLAT if flat and r else tuple(f"i{d}" for d in range(r))
        stores = []
        for node, dest in pairs:
            value = w.value(node, idx if node.ndim == r and idx == FLAT else w.child_index(idx, r, node))
            stores.append(f"{dest.at(idx)} = {CUDA.cast(value, node.dtype, dest.node.dtype)};")
        comment = f"/* {label}: {len(pairs)} output(s), {'flat' if flat else 'nested'} grid-stride loop */"
        if r == 0:
            return [comment] + self.single_thread(label, w.lines + stores)
        total = " * ".join(dims)
        split = ["const int64_t i = npa_g;"] if flat else split_index("npa_g", list(enumerate(dims)), "npa_q")
        body = [f"const int64_t npa_n = {total};"] + grid_stride("npa_g", "npa_n")
        body += indent(split + w.lines + stores) + ["}"]
        args = self.kernel(name, body)
        host = [comment, "{", f"    const int64_t npa_n = {total};", "    if (npa_n > 0) {"]
        host += indent(self.launch(name, "npa_blocks(npa_n, NPA_MAX_BLOCKS)", args, ["npa_n"]), 2)
        return host + ["    }", "}"]

    def reduce_kernel(self, k, number):
        return reduce_lines(self, k, number)

    def library_kernel(self, k, number):
        return library_kernel(self, k, number, cuda_matmul_lines)

    # ---- scalars the host needs (program statements) --------------------------------------
    def reads_device(self, lines) -> bool:
        """Does C text dereference a device buffer (so the host cannot compute it)?"""
        names = {b.name for b in (*self.buffers.values(), *self.out_buffers.values())}
        names |= {name for name, _, _ in self.scratch}
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\s*\[") if names else None
        return bool(pattern and any(pattern.search(line) for line in lines))

    def device_scalar(self, node):
        """(host lines, host variable) of 0-d ``node`` computed by a one-thread kernel and
        copied back: the copy waits for the kernels before it (a data-dependent branch's
        one synchronisation)."""
        n = self.scalar_slots
        self.scalar_slots += 1
        ct, slot = CUDA.ctype(node.dtype), f"npa_hs{n}"
        self.add_scratch(slot, ct, "1")
        w = KernelWriter(self, False)
        value = w.value(node, ())
        host = [f"{ct} npa_h{n} = 0;"] + self.single_thread(f"scalar {n}", w.lines + [f"{slot}[0] = {value};"])
        host += [f"if (npa_ce == cudaSuccess) npa_ce = cudaMemcpy(&npa_h{n}, {slot}, sizeof({ct}), cudaMemcpyDeviceToHost);",
                 "if (npa_ce != cudaSuccess) goto npa_done;"]
        return host, f"npa_h{n}"

    # ---- the translation unit ---------------------------------------------------------
    def generate(self, name=ENTRY):
        layout, prologue = self.layout_and_prologue()
        if self.late:       # (the C generator allocates those results once their size is known)
            raise NotImplementedError("CUDA backend: a result whose size is known only inside the function")
        self.collect_params()
        decl, body, frees = [], [], []
        if self.graph.body:
            program = self.plan.program("cuda")
            statements = CudaStatementWriter(self, KernelWriter)
            decl, frees = statements.declarations(program)
            self.in_statements = True
            body = statements.block(program)
            self.in_statements = False
        self.temporaries()
        for number, k in enumerate(self.plan.kernels):
            # a returned Storage already lives in its output buffer
            k = replace(k, stores=tuple(n for n in k.stores if not isinstance(n, Storage)))
            if k.stores:
                body += self.kernel_lines(k, number)
        if self.uses_err:
            self.scratch.append(("npa_errp", "int", "1"))
        host = ["cudaError_t npa_ce = cudaSuccess;", "int npa_derr = 0;", "(void)npa_derr;", "size_t npa_bytes = 0;"]
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
        host += body
        if self.graph.body:
            host.append("npa_done: ;")
        if self.uses_err:
            host += ["if (npa_ce == cudaSuccess && !npa_err) {",
                     "    npa_ce = cudaMemcpy(&npa_derr, npa_errp, sizeof(int), cudaMemcpyDeviceToHost);",
                     "    npa_err = npa_derr;", "}"]
        host += frees
        host += ["if (npa_scratch) {", "    cudaError_t npa_fe = cudaFree(npa_scratch);",
                 "    if (npa_ce == cudaSuccess) npa_ce = npa_fe;", "}",
                 "if (npa_ce != cudaSuccess) return NPA_ERR_CUDA_BASE + (int)npa_ce;",
                 "return npa_err;"]
        fn = self.graph.function or "?"
        header = "npaccel_cuda_blas.h" if self.uses_products else "npaccel_cuda.h"
        text = ["/* generated by npaccel (CUDA) for " + fn.replace("*/", "* /") + " */", f'#include "{header}"', ""]
        text += [k + "\n" for k in self.kernels]
        text += [f'extern "C" int {name}(const int64_t *I, const double *F) {{']
        text += indent(prologue + decl + host)
        text += ["}", ""]
        return "\n".join(text), layout


def generate_cuda(plan, name=ENTRY, prefix="npa"):
    """(CUDA source text, ArgLayout) for a scheduled plan. ``name`` and ``prefix`` let
    several plans share one translation unit (the tests compile them in groups)."""
    try:
        return CudaSourceGenerator(plan, prefix).generate(name)
    except NotImplementedError as exc:
        raise UnsupportedError(f"CUDA backend: {exc}", plan.graph.where) from None
    except UnsupportedError as exc:
        if exc.construct.startswith("CUDA backend"):
            raise
        raise UnsupportedError(f"CUDA backend: {exc.construct}", exc.where) from None

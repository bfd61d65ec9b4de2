"""Scheduled kernels -> one C99 + OpenMP translation unit with the fixed entry point.

    int npaccel_entry(const int64_t *I, const double *F);

``I`` packs, in order: the thread count; for each array argument its data pointer, dims
and strides (in elements); for each returned buffer its data pointer; the integer and
bool scalar arguments. ``F`` packs the float scalar arguments. ``ArgLayout`` records the
order so that the runtime packs exactly what the code reads.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import UnsupportedError
from ..ir.dims import loop_variant, render_c, shape_size
from ..ir.nodes import DATA_DEPENDENT, ArrayVar, Elementwise, kernel_allocated, Param, ScalarParam, ScalarVar, Scan, Sort, Storage
from ..ir.ops import Op
from ..passes.records import KernelKind, Why
from .c_renderer import C
from .c_parallel import above, by_size, omp, op_cost, serial_or_parallel
from .c_kernel import (FLAT, ArgLayout, Buffer, EntryValue, KernelWriter, _strides_of, declare_buffer, loop_closes,
                       loop_opens, seen_after_error)
from .c_reductions import (LANES_PARALLEL_MIN, SIMD_SUM_MIN, accumulator_dtype, lanes_fold, lanes_loop, lanes_setup,
                           last_zero, reduction_text, simd_operator, staged_loop)
from .c_column_reductions import inner_kept_reduction
from .c_full_reductions import fused_full_reductions
from .c_compaction import data_dependent_kernel
from .c_library import library_kernel
from .c_arrays import scoped
from .c_scans import index_or_scan_kernel
from .c_statements import StatementWriter

class CSourceGenerator:
    renderer = C   # types, literals and op text (the CUDA generator swaps in its renderer)

    def __init__(self, plan):
        self.plan = plan
        self.graph = plan.graph
        self.buffers = {}     # node -> Buffer
        self.out_buffers = {}  # node -> Buffer it is copied out to, for loop variables
        self.scalars = {}     # node -> C variable name (scalar params, 0-d temporaries)
        self.result_slots = {}  # node -> I slot of a data-dependent result's address (c_compaction.py)
        self.late = {}        # node -> C lines allocating its buffer just before its kernel
        self.out = []

    # ---- prologue -------------------------------------------------------------------
    def layout_and_prologue(self):
        values = []           # EntryValue records, in the order the prologue defines them

        def define(prefix, name, init):
            values.append(EntryValue(prefix, name, init))
        slot, arrays, ints, floats = 1, [], [], []
        for p in self.graph.params:
            if isinstance(p, Param):
                ct = self.renderer.ctype(p.dtype)
                if self.graph.body:   # statements may write it, and pointers may alias it
                    define(f"{ct} *", f"a{p.index}", f"({ct} *)(intptr_t)I[{slot}]")
                else:
                    define(f"const {ct} *restrict ", f"a{p.index}", f"(const {ct} *)(intptr_t)I[{slot}]")
                slot += 1
                for d in range(p.ndim):
                    define("const int64_t ", f"a{p.index}_d{d}", f"I[{slot + d}]")
                slot += p.ndim
                strides = []
                for d in range(p.ndim):
                    define("const int64_t ", f"a{p.index}_s{d}", f"I[{slot + d}]")
                    strides.append(f"a{p.index}_s{d}")
                slot += p.ndim
                if p.contiguous:
                    strides = [f"({render_c(s)})" for s in _strides_of(p.shape)]
                self.buffers[p] = Buffer(f"a{p.index}", p, strides)
                arrays.append((p.index, p.ndim))
        outputs = []
        returned = {n for n, why in self.plan.materialised if why is Why.RETURNED}
        for pos, node in enumerate(self.graph.outputs):
            if kernel_allocated(node) and not isinstance(node, DATA_DEPENDENT) and node not in self.buffers:
                if node not in returned:
                    raise NotImplementedError("a returned array whose shape is known only inside the function")
                # an array whose size a loop changed: allocated where it is written (sized_result)
                ct = self.renderer.ctype(node.dtype)
                define(f"{ct} *", f"o{pos}", "NULL")
                self.result_slots[node] = slot
                slot += 1 + node.ndim
                # (a buffer of the program keeps its own memory, sized as it runs, and is copied out)
                where = self.out_buffers if isinstance(node, (ArrayVar, Storage)) else self.buffers
                where[node] = Buffer(f"o{pos}", node, [f"({render_c(s)})" for s in _strides_of(node.shape)])
                self.late[node] = self.sized_result(node, f"o{pos}")
                outputs.append(pos)
            elif node in returned and node not in self.buffers and isinstance(node, DATA_DEPENDENT):
                # its kernel allocates it, and writes its address and length back to I
                ct = self.renderer.ctype(node.dtype)
                define(f"{ct} *", f"o{pos}", "NULL")
                self.result_slots[node] = slot
                slot += 2
                self.buffers[node] = Buffer(f"o{pos}", node, [f"({render_c(s)})" for s in _strides_of(node.shape)])
                outputs.append(pos)
            elif node in returned and node not in self.buffers:
                ct = self.renderer.ctype(node.dtype)
                define(f"{ct} *restrict ", f"o{pos}", f"({ct} *)(intptr_t)I[{slot}]")
                slot += 1
                # a loop variable keeps its own storage and is copied out; anything else
                # is computed straight into the output buffer
                where = self.out_buffers if isinstance(node, (ArrayVar, ScalarVar)) else self.buffers
                where[node] = Buffer(f"o{pos}", node, [f"({render_c(s)})" for s in _strides_of(node.shape)])
                outputs.append(pos)
        for p in self.graph.params:
            if isinstance(p, ScalarParam) and p.dtype.kind in "biu":
                define(f"const {self.renderer.ctype(p.dtype)} ", f"s{p.index}", f"({self.renderer.ctype(p.dtype)})I[{slot}]")
                self.scalars[p] = f"s{p.index}"
                slot += 1
                ints.append(p.index)
        fslot = 0
        for p in self.graph.params:
            if isinstance(p, ScalarParam) and p.dtype.kind in "fc":
                ct = self.renderer.ctype(p.dtype)
                if p.dtype.kind == "c":     # two slots: the real and the imaginary part
                    part = "float" if p.dtype == np.complex64 else "double"
                    make = "CMPLXF" if p.dtype == np.complex64 else "CMPLX"
                    define(f"const {ct} ", f"s{p.index}", f"{make}(({part})F[{fslot}], ({part})F[{fslot + 1}])")
                    fslot += 1
                else:
                    define(f"const {ct} ", f"s{p.index}", f"({ct})F[{fslot}]")
                self.scalars[p] = f"s{p.index}"
                fslot += 1
                floats.append(p.index)
        layout = ArgLayout(tuple(arrays), tuple(outputs), tuple(ints), tuple(floats))
        self.entry_values = tuple(values)
        header = ["const int npa_nt = (int)I[0];", "int npa_err = 0;", "(void)npa_nt; (void)F;"]
        return layout, header + [v.line() for v in values]

    def sized_result(self, node, name):
        """C lines allocating a returned array whose shape a loop changed, once its kernel is
        about to write it (the shape is known then), and handing back its address and dims
        (runtime/marshal.py adopts it: an address, then each dim)."""
        slot, ct = self.result_slots[node], self.renderer.ctype(node.dtype)
        size = render_c(shape_size(node.shape))
        return ([f"{name} = ({ct} *)malloc(sizeof({ct}) * (size_t)({size} > 0 ? {size} : 1));",
                 f"if (!{name}) {{ npa_err = NPA_ERR_NOMEM; goto npa_done; }}",
                 f"((int64_t *)I)[{slot}] = (int64_t)(intptr_t){name};"] +
                [f"((int64_t *)I)[{slot + 1 + d}] = (int64_t)({render_c(dim)});" for d, dim in enumerate(node.shape)])

    # ---- temporaries ----------------------------------------------------------------
    def temporaries(self):
        decl, free = [], []
        for node, _ in self.plan.materialised:
            if node in self.buffers:
                continue
            name = f"t{len(decl)}"
            if any(loop_variant(d) for d in node.shape):
                # its size is known once the program has run: allocated before its kernel
                ct = self.renderer.ctype(node.dtype)
                decl.append(f"{ct} *{name} = NULL;")
                free.append(f"free({name});")
                self.buffers[node] = Buffer(name, node, [f"({render_c(s)})" for s in _strides_of(node.shape)])
                size = render_c(shape_size(node.shape))
                self.late[node] = [f"{name} = ({ct} *)npa_malloc(sizeof({ct}) * (size_t)({size} > 0 ? {size} : 1));",
                                   f"if (!{name}) {{ npa_err = NPA_ERR_NOMEM; goto npa_done; }}"]
                continue
            self.buffers[node] = declare_buffer(name, node, decl, free, "return NPA_ERR_NOMEM;")
        return decl, free

    # ---- kernels ----------------------------------------------------------------------
    def elementwise_kernel(self, k, number):
        return self.elementwise_loop(k.shape, [(node, self.out_buffers.get(node) or self.buffers[node])
                                               for node in k.stores],
                                     k.flat, f"kernel {number}")

    def elementwise_loop(self, shape, pairs, flat, label):
        """One loop nest over ``shape`` computing each (value node, destination) pair;
        a destination has ``at(index) -> C lvalue``."""
        k_flat = flat
        r = len(shape)
        w = KernelWriter(self, flat, hoist=r > 0)
        dims = [f"({render_c(d)})" for d in shape]
        lines = [f"/* {label}: {len(pairs)} output(s), {'flat' if flat else 'nested'} loop */", "{"]
        if r == 0:
            for node, dest in pairs:
                lines.append("")
                value = w.value(node, ())
                lines.extend(w.lines)
                store = f"{dest.at(())} = {C.cast(value, node.dtype, dest.node.dtype)};"
                # a value that failed (math.sqrt(-1.0), an index out of range) is not stored:
                # Python raises before the assignment
                lines.append(f"if (!npa_err) {store}" if any("npa_err" in x for x in w.lines + [value]) else store)
                w.lines = []
            return lines + ["}"]
        if flat:
            idx = FLAT
        else:
            idx = tuple(f"i{d}" for d in range(r))
        stores = []
        for node, dest in pairs:
            at = idx if node.ndim == r and idx == FLAT else w.child_index(idx, r, node, shape)
            kept = conditional_update(w, node, dest, at)
            if kept is not None:        # x[m] = f(x[m]) with an expensive f: f only where m
                cond, computed, value = kept
                stores += [f"if ({cond}) {{"] + ["    " + x for x in computed] + \
                    [f"    {dest.at(idx)} = {C.cast(value, node.dtype, dest.node.dtype)};", "}"]
                continue
            # a value of fewer dims (or dims of 1) broadcasts against the loop's trailing dims
            value = w.value(node, at)
            stores.append(f"{dest.at(idx)} = {C.cast(value, node.dtype, dest.node.dtype)};")
        body = w.lines + stores
        lines += w.hoisted
        total = " * ".join(dims)
        collapse = f" collapse({r - 1})" if r > 2 else ""
        # NumPy checks every index of a gather before it writes anything: where the value can
        # fail and an argument is written, a first pass only computes it, and the stores run
        # if nothing failed (the program's own buffers are discarded with the error)
        observable = any(seen_after_error(dest.node) for _, dest in pairs)
        passes = [w.lines, body] if observable and any("npa_err" in x for x in w.lines) else [body]

        def loops(parallel):
            out = []
            for k, b in enumerate(passes):
                out += (["if (!npa_err) {"] if k else []) + nest(parallel, b) + (["}"] if k else [])
            return out

        def nest(parallel, body):     # one loop nest: its parallel version, or the serial one
            if k_flat or r == 1:
                out = ["#pragma omp parallel for simd num_threads(npa_nt) schedule(static)"
                       if parallel else "#pragma omp simd"]
            else:
                out = omp(parallel, f"#pragma omp parallel for num_threads(npa_nt) schedule(static){collapse}")
            if k_flat:
                return out + ["for (int64_t i = 0; i < npa_n; i++) {"] + ["    " + b for b in body] + ["}"]
            for d in range(r):
                if d == r - 1 and r > 1:
                    out.append("    " * d + "#pragma omp simd")
                out.append("    " * d + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{")
            out += ["    " * r + b for b in body]
            return out + ["    " * d + "}" for d in reversed(range(r))]

        if k_flat:
            lines.append(f"const int64_t npa_n = {total};")
            return lines + w.after_hoisted(serial_or_parallel(above(total, w.threshold, "npa_n"), loops)) + ["}"]
        return lines + w.after_hoisted(by_size(total, w.threshold, loops)) + ["}"]

    def library_kernel(self, k, number):
        """A matrix product: calls into npaccel_blas.h (BLAS for float32/64); c_library.py."""
        return library_kernel(self, k, number)

    def reduce_kernel(self, k, number):
        node = k.stores[0]
        if isinstance(node, DATA_DEPENDENT):       # x[mask], bincount, unique: c_compaction.py
            return data_dependent_kernel(self, k, number)
        if node.op in _INDEX_AND_SCAN_OPS or isinstance(node, (Scan, Sort)):     # argmax/argmin, scans, sorts: c_scans.py
            return index_or_scan_kernel(self, k, number)
        arg = node.arg
        r = arg.ndim
        kept = [d for d in range(r) if d not in node.axes]
        red = [d for d in range(r) if d in node.axes]
        header = [f"/* kernel {number}: {', '.join(n.op.value for n in k.stores)} over axes {node.axes} */", "{"]
        if kept and red and kept[-1] == r - 1:     # x.sum(axis=0): c_column_reductions.py
            return header + inner_kept_reduction(self, k.stores, KernelWriter(self, False)) + ["}"]
        if kept:        # (every group of sibling reductions, plan.fuse)
            return header + self.kept_reduction(k.stores) + ["}"]
        if len(k.stores) > 1:       # whole-array siblings: c_full_reductions.py
            return fused_full_reductions(self, k.stores, number)
        acc_dtype, act, init, combine = self.accumulator(node)
        dims = {d: f"({render_c(arg.shape[d])})" for d in range(r)}
        full = tuple(f"i{d}" for d in range(r))
        w = KernelWriter(self, False, hoist=r > 0)
        value = C.cast(C.cast(w.value(arg, full), arg.dtype, node.dtype), node.dtype, acc_dtype)
        body = w.lines + [f"npa_acc = {combine('npa_acc', value)};"]
        out_idx = tuple("0" for _ in range(r)) if node.keepdims else ()      # every axis reduced
        store = f"{self.buffers[node].at(out_idx)} = {C.cast('npa_acc', acc_dtype, node.dtype)};"
        lines = header + w.hoisted
        total = " * ".join(dims.values()) or "1"

        simd_op = simd_operator(node.op, acc_dtype)
        fallible = any("npa_err" in b for b in body)
        # a float min/max: an accumulator per SIMD lane, a compare and a blend each (NaN's
        # rules kept; OpenMP's min/max reductions would drop a NaN)
        lanes = node.op in (Op.MAX, Op.MIN) and acc_dtype.kind == "f" and acc_dtype != np.float16 and \
            bool(red) and not fallible
        if acc_dtype.kind == "c" or (simd_op in ("min", "max") and acc_dtype.kind == "f"):
            simd_op = None
        # the serial share in SIMD lanes (a sum reordered as the parallel one is; a body
        # that can report an error stays scalar)
        simd = simd_op is not None and red and not fallible
        # (a fold that stays scalar over a costly element: blocks of elements in SIMD lanes)
        staged = not simd and not lanes and red and not fallible and expression_cost(arg) >= STAGED_NS
        # (a float min/max's lanes: the loops around its innermost one are split, when any)
        split = len(red) - 1 if lanes else len(red)
        collapse = f" collapse({split})" if split > 1 else ""

        def nest(parallel):     # each thread's share (serial: all of it, as thread 0)
            out = omp(parallel, "#pragma omp parallel num_threads(npa_nt)") + ["{", f"    {act} npa_acc = {init};"]
            if lanes:
                out += ["    " + x for x in lanes_setup(act, init, acc_dtype.itemsize)]
            if parallel:
                out.append("    const int npa_t = NPA_THREAD_NUM();")
                if red:     # (a 0-d input has no loop: its one element)
                    out.append(f"    #pragma omp for schedule(static){collapse}")
            if lanes:
                out += ["    " + x for x in loop_opens(red[:-1], dims, 0)]
                wins = (lambda x, a: f"{x} > {a}") if node.op is Op.MAX else (lambda x, a: f"{x} < {a}")
                out += ["    " * len(red) + x for x in lanes_loop(red[-1], dims[red[-1]], w.lines, value, act, combine,
                                                                        wins)]
            elif staged:
                out += ["    " + x for x in loop_opens(red[:-1], dims, 0)]
                out += ["    " * len(red) + x for x in staged_loop(red[-1], dims[red[-1]], w.lines, value, act, combine)]
            else:
                nested = ["    " + x for x in loop_opens(red, dims, 0)]
                if simd and not parallel:
                    # (short sums stay in order: NumPy's pairwise sum is sequential below 8 elements)
                    nested.insert(len(nested) - 1, "    " * len(red) +
                                  f"#pragma omp simd reduction({simd_op}:npa_acc) if(simd: {total} >= {SIMD_SUM_MIN})")
                out += nested + ["    " * (len(red) + 1) + b for b in body]
            out += ["    " + x for x in loop_closes(len(red) - (1 if staged or lanes else 0), 0)]
            if lanes:
                out += ["    " + x for x in lanes_fold(act, combine)]
            if parallel:
                out += ["    if (npa_t < NPA_MAX_THREADS) npa_part[npa_t] = npa_acc;",
                        "    if (npa_t == 0) npa_used = NPA_NUM_THREADS();"]
            else:
                out.append("    npa_part[0] = npa_acc;")
            return out + ["}"]

        # (a float min/max in lanes runs near memory speed: threads pay only on large arrays)
        threshold = max(w.threshold, LANES_PARALLEL_MIN) if lanes else w.threshold
        folded = [f"{act} npa_part[NPA_MAX_THREADS];", "int npa_used = 1;"] + by_size(total, threshold, nest)
        # from thread 0's share: combining it with the identity again is not exact for a
        # complex product (NumPy's naive formula turns 1 * (inf + 0j) into inf + nanj)
        folded += [f"{act} npa_acc = npa_part[0];", "for (int t = 1; t < npa_used && t < NPA_MAX_THREADS; t++) {",
                   f"    npa_acc = {combine('npa_acc', 'npa_part[t]')};", "}"]
        if lanes:       # (+0.0 or -0.0: the in-order fold's, the last equal element)
            folded += last_zero(red, dims, w.lines, value, act)
        folded.append(store)
        return lines + w.after_hoisted(folded) + ["}"]

    @staticmethod
    def accumulator(node):
        """(dtype, C type, initial value, combine) of a reduction's accumulator."""
        acc_dtype = accumulator_dtype(node.op, node.dtype)
        init, combine = reduction_text(node.op, acc_dtype)
        return acc_dtype, C.ctype(acc_dtype), init, combine

    def kept_reduction(self, stores):
        """Reductions of one input shape and axes, some axes kept: a parallel loop over the
        kept axes; inside, one accumulator per reduction over the reduced axes (SIMD when
        every one is a sum, an integer product or a real min/max). Several are siblings over the same
        rows (plan.fuse): their common subexpressions are computed once per element
        (nbody's three force components share the inverse cube)."""
        first = stores[0]
        r = first.arg.ndim
        kept = [d for d in range(r) if d not in first.axes]
        red = [d for d in range(r) if d in first.axes]
        dims = {d: f"({render_c(first.arg.shape[d])})" for d in range(r)}
        full = tuple(f"i{d}" for d in range(r))
        w = KernelWriter(self, False, hoist=True)
        accs, updates, results, simd = [], [], [], {}
        for j, node in enumerate(stores):
            acc_dtype, act, init, combine = self.accumulator(node)
            acc = f"npa_acc{j}"
            value = C.cast(C.cast(w.value(node.arg, full), node.arg.dtype, node.dtype), node.dtype, acc_dtype)
            accs.append(f"{act} {acc} = {init};")
            updates.append(f"{acc} = {combine(acc, value)};")
            out_idx = tuple(f"i{d}" for d in kept) if not node.keepdims else \
                tuple("0" if d in node.axes else f"i{d}" for d in range(r))
            simd_op = simd_operator(node.op, acc_dtype)
            if simd_op in ("min", "max") and acc_dtype.kind == "f":
                # each lane keeps npa_minimum's NaN, but the lanes' combine need not: a flag
                # per reduction, set by any NaN, makes the result NaN afterwards
                accs.append(f"int npa_nan{j} = 0;")
                updates.append(f"npa_nan{j} |= {value} != {value};")
                results.append(f"if (npa_nan{j}) {acc} = NAN;")
                if simd is not None:
                    simd.setdefault("|", []).append(f"npa_nan{j}")
            results.append(f"{self.buffers[node].at(out_idx)} = {C.cast(acc, acc_dtype, node.dtype)};")
            if simd is not None and simd_op:
                simd.setdefault(simd_op, []).append(acc)
            else:
                simd = None
        total = " * ".join(dims.values())
        collapse = f" collapse({len(kept)})" if len(kept) > 1 else ""
        # the same loops either way: rows run in parallel, each row's order is fixed
        lines = []
        depth = 0
        for d in kept:
            lines.append("    " * depth + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{")
            depth += 1
        lines += ["    " * depth + a for a in accs]
        for j, d in enumerate(red):
            if j == len(red) - 1 and simd:
                clauses = " ".join(f"reduction({op}:{', '.join(names)})" for op, names in simd.items())
                lines.append("    " * depth + f"#pragma omp simd {clauses}")
            lines.append("    " * depth + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{")
            depth += 1
        lines += ["    " * depth + b for b in w.lines + updates]
        for _ in red:
            depth -= 1
            lines.append("    " * depth + "}")
        lines += ["    " * depth + x for x in results]
        for _ in kept:
            depth -= 1
            lines.append("    " * depth + "}")
        pragma = f"#pragma omp parallel for num_threads(npa_nt) schedule(static){collapse}"
        return w.hoisted + w.after_hoisted(by_size(total, w.threshold, lambda parallel: omp(parallel, pragma) + lines))

    def kernel_lines(self, k, number):
        """C (host lines, on a GPU target) for one scheduled kernel, by its kind."""
        return getattr(self, EMITTERS[k.kind])(k, number)

    def generate(self, name="npaccel_entry"):
        layout, prologue = self.layout_and_prologue()
        body, free = [], []
        if self.graph.body:
            program = self.plan.program("cpu")
            statements = StatementWriter(self, KernelWriter)
            decl, free = statements.declarations(program)
            prologue += decl
            body += statements.block(program)
        decl, free2 = self.temporaries()
        free = free2 + free
        for number, k in enumerate(self.plan.kernels):
            # a returned Storage already lives in its output buffer
            k = replace(k, stores=tuple(n for n in k.stores if not isinstance(n, Storage) or n in self.out_buffers))
            if not k.stores:
                continue
            body += [line for n in k.stores for line in self.late.get(n, ())]
            body += self.kernel_lines(k, number)
        fn = self.graph.function or "?"
        text = ["/* generated by npaccel for " + fn.replace("*/", "* /") + " */",
                '#include "npaccel.h"', "",
                f"int {name}(const int64_t *I, const double *F) {{"]
        text += ["    " + line for line in prologue + decl + body]
        if self.graph.body or self.late:
            text.append("npa_done: ;")
        text += ["    " + line for line in free]
        text += ["    return npa_err;", "}", ""]
        return "\n".join(text), layout


def conditional_update(w, node, dest, idx):
    """(condition, lines, value) where ``node`` is ``where(m, f, x)`` stored back into ``x``
    itself (a boolean-mask update) and ``f`` is expensive (complex arithmetic, a math call)
    or ``m`` a bool buffer: a branch computes and stores f only where m is set, as NumPy
    does (the select form computes f and writes x everywhere; it stays where f is cheap and
    m computed in the loop, and vectorises). None otherwise."""
    if not (isinstance(node, Elementwise) and node.op is Op.WHERE and node.args[2] is dest.node
            and node.shape == dest.node.shape and node.dtype == dest.node.dtype):
        return None
    cond, new = node.args[0], node.args[1]
    # (a bool mask read from memory next to wider values: gcc does not vectorise the select)
    stored_mask = isinstance(cond, (Storage, ArrayVar, Param)) and new.dtype.itemsize > 1
    if expression_cost(new) < CONDITIONAL_NS and not stored_mask:
        return None

    def at(child):
        if idx != FLAT:
            return w.child_index(idx, node.ndim, child, node.shape)
        return FLAT if tuple(child.shape) == tuple(node.shape) else () if child.ndim == 0 else None
    if at(cond) is None or at(new) is None:
        return None
    c = w.value(cond, at(cond))
    cost = w.cost       # (f runs where the mask is set, how often is unknown: not counted for threads)
    lines, value = scoped(w, lambda: w.value(new, at(new)))
    w.cost = cost
    if any("npa_err" in x for x in lines + [value]):
        return None
    return c, lines, value


def expression_cost(node) -> float:
    """Estimated ns per element of the elementwise ops computing ``node``."""
    seen, stack, total = set(), [node], 0.0
    while stack:
        n = stack.pop()
        if id(n) in seen or not isinstance(n, Elementwise):
            continue
        seen.add(id(n))
        total += op_cost(n.op, n.in_dtypes, n.dtype)
        stack.extend(n.args)
    return total


CONDITIONAL_NS = 1.0     # f at least this costly per element: computed only where the mask is set
STAGED_NS = 0.5     # a scalar fold's element at least this costly: computed in SIMD blocks

# kernel kind -> the method of a generator (this one, or a target's subclass) that renders it
EMITTERS = {KernelKind.ELEMENTWISE: "elementwise_kernel", KernelKind.REDUCE: "reduce_kernel",
            KernelKind.LIBRARY: "library_kernel"}
_INDEX_AND_SCAN_OPS = (Op.ARGMAX, Op.ARGMIN, Op.CUMSUM, Op.CUMPROD)


def generate_c(plan):
    """(source text, ArgLayout) for a scheduled plan."""
    try:
        return CSourceGenerator(plan).generate()
    except NotImplementedError as exc:
        raise UnsupportedError(str(exc), plan.graph.where) from None

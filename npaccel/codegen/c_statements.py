"""Program statements (ir/program.py) -> C: stores, scalar and pointer assignments,
loops, branches, around the same kernel emitters the pure graph uses.

Buffers the program needs are set up once at entry: a malloc per Storage (kept for the whole
call, also inside loops), a pointer per ArrayVar, a local per ScalarVar, and per pool (array
variables of one dtype and shape) one slot more than it has pointers, allocated on first use.
A ``Compute`` statement (passes/program_plan.py) renders the kernels computing what the next
statement reads (reductions, products) into buffers of their own; a ``MatVecPair`` renders
as c_matvec.py's one sweep. What runs where was decided by the passes: this renders it.
"""
from __future__ import annotations

from ..ir import program as P
from ..ir.dims import loop_variant, render_c, shape_size
from ..ir.nodes import ArrayVar, Compact, Node, Param, ScalarVar, Storage, View, topo_order
from ..ir.checks import (BroadcastDims, DimCheck, DimsEqual, FitsInto,
                         IndexInRange, MaskMatches, NonEmpty, dim_canonicaliser)
from ..passes.plan import is_flat_store
from . import c_loops, c_matvec
from .c_compaction import compaction_store
from .c_kernel import Buffer, _strides_of, declare_buffer, seen_after_error
from .c_renderer import C


class Region:
    """A destination: a buffer seen through a chain of views (``x[1:-1, ::2] = ...``)."""

    def __init__(self, target, gen, writer_cls):
        self.node, self.gen, self.writer_cls = target, gen, writer_cls

    def at(self, idx):
        node = self.node
        while isinstance(node, View):
            idx = self.writer_cls.view_index(None, node, idx)
            node = node.arg
        return self.gen.buffers[node].at(idx)


class StatementWriter:
    """Statements -> C for the CPU. The CUDA backend's CudaStatementWriter
    (cuda_statements.py) overrides the hooks: where buffers live (new_buffer,
    free_pool_slot), how errors stop the program (check_error), where a scalar is computed
    (scalar_expr) and the scatter."""

    def __init__(self, gen, writer_cls):
        self.gen, self.writer_cls = gen, writer_cls
        self.r = getattr(gen, "renderer", C)     # the target's types and casts
        self.find = dim_canonicaliser(gen.plan.equal_dims)
        self.kernels = 0
        self.error_label = "npa_done"       # where a failed statement jumps (c_loops.parallel_lines: its iteration's end)

    # ---- declarations ------------------------------------------------------------------
    def declarations(self, body):
        gen, C = self.gen, self.r
        decl, free = [], []
        nodes = [n for s in P.walk(body) for n in P.statement_nodes(s) if isinstance(n, Node)]
        every = topo_order(nodes)
        storages = [n for n in every if isinstance(n, Storage)]
        arrayvars = [n for n in every if isinstance(n, ArrayVar)]
        scalarvars = [n for n in every if isinstance(n, ScalarVar)]
        # values statements read that are computed first (passes/program_plan.py): a buffer each
        reduces = [n for c in P.walk(body) if isinstance(c, P.Compute) for n in c.buffers]
        for n in scalarvars:
            decl.append(f"{C.ctype(n.dtype)} sv{n.vid} = 0;")
            gen.scalars[n] = f"sv{n.vid}"
        self.growable = {}     # node -> C lines sizing its buffer before it is written
        for n in storages + reduces:
            if n in gen.buffers:
                continue
            name = f"st{n.sid}" if isinstance(n, Storage) else f"r{len(gen.buffers)}"
            if any(loop_variant(d) for d in n.shape):
                gen.buffers[n] = self.growable_buffer(name, n, decl, free)
                continue
            gen.buffers[n] = self.new_buffer(name, n, decl, free)
        self.check_codes = {id(s): k for k, s in enumerate(c for c in P.walk(body) if isinstance(c, P.Check))}
        self.pools = {}
        for n in arrayvars:
            key = (n.dtype.name, tuple(repr(self.find(d)) for d in n.shape))
            self.pools.setdefault(key, []).append(n)
            ct = C.ctype(n.dtype)
            decl.append(f"{ct} *av{n.vid} = NULL;")
            gen.buffers[n] = Buffer(f"av{n.vid}", n, [f"({render_c(s)})" for s in _strides_of(n.shape)])
        self.pool_of = {}
        self.sized_pools = set()     # pools whose slots are sized again at each pick
        for k, (key, members) in enumerate(self.pools.items()):
            decl.append(f"void *npa_pool{k}[{len(members) + 1}] = {{0}};")
            if any(loop_variant(d) for d in members[0].shape):
                self.sized_pools.add(k)
                decl.append(f"size_t npa_pool{k}_cap[{len(members) + 1}] = {{0}};")
            for j in range(len(members) + 1):
                free.append(self.free_pool_slot(f"npa_pool{k}[{j}]"))
            for m in members:
                self.pool_of[m] = (k, members)
        # pointers declared before the first goto can jump over them: all decls come first
        decl = [d for d in decl if not d.startswith("if (")] + [d for d in decl if d.startswith("if (")]
        return decl, free

    def new_buffer(self, name, node, decl, free):
        """A buffer for a Storage or a value computed before a statement (host memory)."""
        return declare_buffer(name, node, decl, free, "npa_err = NPA_ERR_NOMEM; goto npa_done;")

    def growable_buffer(self, name, node, decl, free):
        """A buffer whose size depends on a loop counter (a temporary of a slice ``A[k:, k:]``):
        sized again (grown when needed) each time before it is written."""
        ct = self.r.ctype(node.dtype)
        decl.append(f"{ct} *{name} = NULL;")
        decl.append(f"size_t {name}_cap = 0;")
        free.append(f"free({name});")
        size = render_c(shape_size(node.shape))
        self.growable[node] = [
            f"if (!npa_grow((void **)&{name}, &{name}_cap, sizeof({ct}) * (size_t)({size} > 0 ? {size} : 1))) "
            "{ npa_err = NPA_ERR_NOMEM; goto npa_done; }"]
        return Buffer(name, node, [f"({render_c(st)})" for st in _strides_of(node.shape)])

    def check(self, s):
        """A Check statement: its condition in C, and the stop with its code."""
        ok = check_condition(s.check)
        return [f"if (!({ok})) {{ npa_err = NPA_ERR_CHECK + {self.check_codes[id(s)]}; goto npa_done; }}"]

    @staticmethod
    def free_pool_slot(slot):
        return f"free({slot});"

    # ---- statements ----------------------------------------------------------------------
    def block(self, stmts, depth=0):
        return [line for s in stmts for line in self.statement(s, depth)]

    def check_error(self, depth):
        return [f"if (npa_err) goto {self.error_label};"] if depth else []

    def error_exit(self, lines, depth):
        """``check_error`` after ``lines``, unless they cannot set the error (CPU: no text
        names it; a backend with its own check_error always checks)."""
        if type(self).check_error is StatementWriter.check_error and not any("npa_err" in x for x in lines):
            return lines
        return lines + self.check_error(depth)

    def compute(self, s):
        """The kernels of a Compute statement, each into its buffer."""
        out = []
        for k in s.kernels:
            for n in k.stores:
                out += self.growable.get(n, [])
            self.kernels += 1
            out += self.gen.kernel_lines(k, f"s{self.kernels}")
        return out

    def scalar_expr(self, node, w=None):
        """(lines, C expression) computing a 0-d value in place (``w``: a writer shared by
        several values of one C block, so their temporaries do not clash)."""
        w = w or self.writer_cls(self.gen, False)
        start = len(w.lines)
        value = w.value(node, ())
        return w.lines[start:], value

    def statement(self, s, depth):
        gen, C = self.gen, self.r
        if isinstance(s, P.Compute):
            return self.error_exit(self.compute(s), depth)
        if isinstance(s, P.MatVecPair):
            self.kernels += 1
            return c_matvec.pair_lines(self, s.first, s.second, f"store {self.kernels}") + self.check_error(depth)
        if isinstance(s, P.Store) and type(s.target).__name__ == "Gather":
            return self.scatter(s) + self.check_error(depth)
        if isinstance(s, P.Store) and isinstance(s.value, Compact):
            self.kernels += 1
            return self.compaction(s)
        if isinstance(s, P.Store):
            lines = list(self.growable.get(s.target, []))
            flat = is_flat_store(s.target, s.value, self.find)
            self.kernels += 1
            lines += gen.elementwise_loop(s.target.shape, [(s.value, Region(s.target, gen, self.writer_cls))],
                                          flat, f"store {self.kernels}")
            return self.error_exit(lines, depth)
        if isinstance(s, P.SetScalars):
            lines = ["{"]
            temps = []
            w = self.writer_cls(self.gen, False)
            for j, (var, value) in enumerate(s.pairs):
                pre, expr = self.scalar_expr(value, w)
                lines += ["    " + p for p in pre]
                lines.append(f"    const {C.ctype(var.dtype)} npa_t{j} = {C.cast(expr, value.dtype, var.dtype)};")
                temps.append(f"sv{var.vid} = npa_t{j};")
            return self.error_exit(lines + ["    " + t for t in temps] + ["}"], depth)
        if isinstance(s, P.SetArrays):
            lines = ["{"]
            for j, (var, src) in enumerate(s.pairs):
                lines.append(f"    {C.ctype(var.dtype)} *npa_p{j} = ({C.ctype(var.dtype)} *){self.pointer(src)};")
            lines += [f"    av{var.vid} = npa_p{j};" for j, (var, _) in enumerate(s.pairs)]
            return lines + ["}"]
        if isinstance(s, P.PickSlot):
            k, members = self.pool_of[s.var]
            ct = C.ctype(s.var.dtype)
            live = ", ".join(f"(const void *)av{m.vid}" for m in members)
            size = render_c(shape_size(s.var.shape))
            # (a shape that changes with a loop counter: the slot picked is grown if too small)
            pick = f"npa_pick_sized(npa_pool{k}, npa_pool{k}_cap, " if k in self.sized_pools else f"npa_pick(npa_pool{k}, "
            return ["{", f"    const void *npa_live[] = {{{live}}};",
                    f"    av{s.var.vid} = ({ct} *){pick}{len(members) + 1}, npa_live, {len(members)}, "
                    f"sizeof({ct}) * (size_t)({size} > 0 ? {size} : 0));",
                    f"    if (!av{s.var.vid}) {{ npa_err = NPA_ERR_NOMEM; goto npa_done; }}", "}"]
        if isinstance(s, P.For):
            lines = ["{"]
            bounds = []
            w = self.writer_cls(self.gen, False)
            for name, b in (("start", s.start), ("stop", s.stop)):
                if isinstance(b, int):
                    bounds.append(f"INT64_C({b})")
                else:
                    pre, expr = self.scalar_expr(b, w)
                    lines += ["    " + p for p in pre]
                    lines.append(f"    const int64_t npa_{name}{s.var.vid} = (int64_t)({expr});")
                    bounds.append(f"npa_{name}{s.var.vid}")
            v = f"sv{s.var.vid}"
            test = f"{v} < {bounds[1]}" if s.step > 0 else f"{v} > {bounds[1]}"

            def serial(body):
                return ([f"for ({v} = {bounds[0]}; {test}; {v} += INT64_C({s.step})) {{"] +
                        ["    " + x for x in self.block(body, depth + 1)] + ["}"])
            if s.guards:
                lines += ["    " + x for x in c_loops.guard_lines(self, s, bounds)]
                k = s.var.vid
                keep = (lambda block: [f"    if (npa_trip{k} > 0) {{"] + ["        " + x for x in self.block(block, depth + 1)]
                        + ["    }"]) if s.before else (lambda block: [])
                lines += [f"    if (npa_ok{k}) {{"] + ["    " + x for x in keep(s.before)]
                if s.before:
                    lines.append("        /* element kept in a local: loaded once, stored back after the loop */")
                lines += ["        " + x for x in serial(s.body)] + ["    " + x for x in keep(s.after)]
                lines += ["    } else {"] + ["        " + x for x in serial(s.checked)] + ["    }"]
                return lines + ["}"]
            if s.parallel is not None:
                par = c_loops.parallel_lines(self, s, bounds, depth)
                if par is not None:
                    return lines + ["    " + x for x in par(serial(s.body))] + ["}"]
            return lines + ["    " + x for x in serial(s.body)] + ["}"]
        if isinstance(s, P.While):
            lines = ["for (;;) {"]
            inner = self.block(s.test, depth + 1)
            pre, expr = self.scalar_expr(s.cond)
            inner += ["{"] + ["    " + p for p in pre] + [f"    if (!({expr})) break;", "}"]
            inner += self.block(s.body, depth + 1)
            return lines + ["    " + x for x in inner] + ["}"]
        if isinstance(s, P.If) and s.select:
            return self.select(s)
        if isinstance(s, P.If):
            lines = ["{"]
            pre, expr = self.scalar_expr(s.cond)
            lines += ["    " + p for p in pre]
            lines.append(f"    if ({expr}) {{")
            lines += ["        " + x for x in self.block(s.then, depth)]
            lines.append("    } else {")
            lines += ["        " + x for x in self.block(s.orelse, depth)]
            return lines + ["    }", "}"]
        if isinstance(s, P.Check):
            return self.check(s)
        if isinstance(s, P.Break):
            return ["break;"]
        if isinstance(s, P.Continue):
            return ["continue;"]
        raise NotImplementedError(f"no C for statement {type(s).__name__}")

    def compaction(self, s):
        """``target = x[mask]`` into a buffer sized by the mask's count (c_compaction.py)."""
        return list(self.growable.get(s.target, [])) + \
            compaction_store(self.gen, s.value, Region(s.target, self.gen, self.writer_cls), f"store {self.kernels}")

    def select(self, s):
        """An if-converted branch (passes/if_convert.py): both arms' values, then
        ``x = c ? a : b`` for each scalar they set."""
        w = self.writer_cls(self.gen, False)
        pre, cond = self.scalar_expr(s.cond, w)
        chosen = []
        for var, _ in s.then[0].pairs:
            pair = []
            for arm in (s.then, s.orelse):
                value = next(x for v, x in arm[0].pairs if v is var)
                more, expr = self.scalar_expr(value, w)
                pre += more
                pair.append(self.r.cast(expr, value.dtype, var.dtype))
            chosen.append((var, pair))
        lines = ["{", "    /* if-converted: a select, no branch */"] + ["    " + x for x in pre]
        lines.append(f"    const int npa_c = ({cond}) != 0;")
        lines += [f"    const {self.r.ctype(v.dtype)} npa_s{j} = npa_c ? ({a}) : ({b});"
                  for j, (v, (a, b)) in enumerate(chosen)]
        return lines + [f"    sv{v.vid} = npa_s{j};" for j, (v, _) in enumerate(chosen)] + ["}"]

    def pointer(self, node):
        if isinstance(node, ArrayVar):
            return f"av{node.vid}"
        if isinstance(node, Storage):
            return self.gen.buffers[node].name
        if isinstance(node, Param):
            return f"a{node.index}"
        raise NotImplementedError(f"no pointer for {type(node).__name__}")

    def scatter(self, s):
        """``x[idx] = v``: every index checked first, then one sequential loop of writes. Into
        one of the program's own buffers (a histogram's counts), one loop checks each index as
        it writes: an error discards the buffer with the call, so no write can be seen."""
        if not seen_after_error(s.target.arg):
            (writes,) = self.scatter_passes(s, (True,), hoist=True)
            return ["/* scatter into the program's own buffer: indexes checked as it writes, in order */", "{"] + \
                writes + ["if (npa_err) goto npa_done;", "}"]
        checks, writes = self.scatter_passes(s)
        return ["/* scatter: checks, then writes in order */", "{"] + checks + ["if (npa_err) goto npa_done;"] + \
            writes + ["}"]

    def scatter_passes(self, s, kinds=(False, True), hoist=False):
        """Lines checking every index, then lines writing in order, of a scatter store (the
        passes ``kinds`` names: True writes); with ``hoist``, 0-d values are computed once
        before a pass's loops (which run only if none of them failed)."""
        g = s.target
        shape = g.shape
        idx = tuple(f"i{d}" for d in range(len(shape)))
        loops = [f"for (int64_t i{d} = 0; i{d} < ({render_c(n)}); i{d}++) {{" for d, n in enumerate(shape)]
        closes = ["}"] * len(shape)
        passes = []
        for writes in kinds:
            w = self.writer_cls(self.gen, False, hoist=True) if hoist else self.writer_cls(self.gen, False)
            sub = self.gather_index(w, g, idx)
            body = list(w.lines)
            if writes:
                value = w.value(s.value, w.child_index(idx, len(shape), s.value) if s.value.ndim else ())
                body = list(w.lines) + [f"{Region(g.arg, self.gen, self.writer_cls).at(sub)} = "
                                        f"{self.r.cast(value, s.value.dtype, g.dtype)};"]
            nest = loops + ["    " + b for b in body] + closes
            passes.append(w.hoisted + w.after_hoisted(nest) if hoist else nest)
        return passes

    @staticmethod
    def gather_index(w, node, idx):
        """The index into ``node.arg`` that position ``idx`` of a Gather addresses."""
        arg = node.arg
        nb = node.ndim - (arg.ndim - len(node.axes))
        bidx = tuple(idx[node.pos:node.pos + nb])
        passing = list(idx[:node.pos]) + list(idx[node.pos + nb:])
        sub = []
        for d in range(arg.ndim):
            n = arg.shape[d]
            if d in node.axes:
                ix = node.args[node.axes.index(d)]
                value = w.value(ix, w.child_index(bidx, nb, ix) if ix.ndim else ())
                if ix.dtype == "uint64":
                    value = f"(({value}) > (uint64_t)INT64_MAX ? (int64_t)({render_c(n)}) : (int64_t)({value}))"
                j = f"npa_s{len(w.lines)}_{d}"
                w.lines.append(f"const int64_t {j} = npa_check_index((int64_t)({value}), {render_c(n)}, &npa_err);")
                sub.append(j)
            else:
                i = passing.pop(0)
                sub.append("0" if n == 1 else i)
        return tuple(sub)


def check_condition(c) -> str:
    """C text that is true when run-time check ``c`` (ir/checks.py) holds."""
    r = render_c
    if isinstance(c, BroadcastDims):
        a, b = r(c.a), r(c.b)
        return f"({a}) == ({b}) || ({a}) == 1 || ({b}) == 1"
    if isinstance(c, FitsInto):
        a, b = r(c.a), r(c.b)
        return f"({a}) == ({b}) || ({a}) == 1"
    if isinstance(c, DimsEqual):
        return f"({r(c.a)}) == ({r(c.b)})"
    if isinstance(c, DimCheck):
        return f"({r(c.left)}) {c.cmp} ({r(c.right)})"
    if isinstance(c, NonEmpty):
        return " && ".join(f"({r(d)}) != 0" for d in c.dims) or "1"
    if isinstance(c, IndexInRange):
        n = r(c.dim)
        return f"-({n}) <= {c.index} && {c.index} < ({n})"
    if isinstance(c, MaskMatches):
        return f"({r(c.dim)}) == ({r(c.mask_dim)})"
    raise NotImplementedError(f"no C for a run-time {type(c).__name__} check")

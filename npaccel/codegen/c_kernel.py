"""What every C kernel emitter shares: buffers (a node's storage and how it is indexed) and
the writer of a loop body that computes graph nodes at an index, each once per index. The
kernel kinds (c_source.py's elementwise and reduction loops, c_library.py, c_scans.py,
c_sorting.py, c_compaction.py, c_statements.py) build on it; it imports none of them."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnsupportedError
from ..ir.dims import dim_mul, may_be_one, render_c, shape_size
from ..ir.nodes import ArrayVar, Const, DimValue, Elementwise, MatMul, Param, Reduce, SameBuffer, Storage, View
from .c_renderer import C
from .c_arrays import ARRAY_EXPRS
from .c_complex import divides_by_real, real_division, scalar_math
from .c_parallel import op_cost, parallel_threshold


# below this, an OpenMP region costs more than it saves; loops without a cost estimate
# (scans, matrix-vector products) use it, elementwise loops and reductions get their own
# threshold from their cost per element (c_parallel.py)
PARALLEL_MIN_ELEMENTS = 1 << 15
FLAT = "FLAT"                     # index marker: the flat loop index of a flat kernel


@dataclass(frozen=True)
class ArgLayout:
    arrays: tuple        # (param index, ndim) of array arguments, in I order
    outputs: tuple       # output positions (in graph.outputs) that get a buffer, in I order
    int_scalars: tuple   # param indexes of integer/bool scalars
    float_scalars: tuple  # param indexes of float scalars


@dataclass(frozen=True)
class EntryValue:
    """A value the entry point's prologue defines from its arguments (an array's pointer,
    size or stride, a scalar, an output's pointer). The C entry declares each once; a GPU
    kernel that reads one takes it as a parameter (cuda_source.py), from this record.

    >>> v = EntryValue("const double *restrict ", "a0", "(const double *)(intptr_t)I[1]")
    >>> v.line(), v.parameter(restrict=False)
    ('const double *restrict a0 = (const double *)(intptr_t)I[1];', 'const double *a0')
    """
    prefix: str          # the declaration before the name: "const int64_t ", "double *"
    name: str
    init: str            # C expression of the entry's arguments I and F

    def line(self) -> str:
        return f"{self.prefix}{self.name} = {self.init};"

    def parameter(self, restrict=True) -> str:
        prefix = self.prefix if restrict else self.prefix.replace("*restrict ", "*")
        return f"{prefix}{self.name}"


def _strides_of(shape):
    """C-contiguous strides (in elements) of a symbolic shape, as dims."""
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc = dim_mul(acc, d)
    return list(reversed(strides))


class Buffer:
    """Where a value is stored: a pointer and how to index it."""

    def __init__(self, name, node, strides):
        self.name, self.node, self.strides = name, node, strides   # strides: C text per dim

    def at(self, idx):
        if idx == FLAT:
            return f"{self.name}[i]" if self.node.ndim else f"{self.name}[0]"
        terms = [f"({i})*{s}" if s != "1" else f"({i})"
                 for i, s, d in zip(idx, self.strides, self.node.shape) if d != 1 and i != "0"]
        return f"{self.name}[{' + '.join(terms) or '0'}]"


def seen_after_error(node) -> bool:
    """Does a write into ``node`` outlive an error of the call? Only an argument's memory (or a
    pointer that may point at one) does: the program's own buffers and its outputs are
    discarded with the error, so their writes need no checks before them.

    >>> import numpy as np
    >>> f8 = np.dtype("f8")
    >>> seen_after_error(Param(index=0, name="a", dtype=f8, shape=(3,)))
    True
    >>> seen_after_error(Storage(sid=1, name="counts", dtype=f8, shape=(3,)))
    False
    """
    while isinstance(node, View):
        node = node.arg
    if isinstance(node, ArrayVar):
        return not node.slot_only
    return isinstance(node, Param)


def declare_buffer(name, node, decl, free, on_fail) -> Buffer:
    """C declaration (and free) of a C-contiguous buffer for ``node``; large ones on huge
    pages (npa_malloc)."""
    ct = C.ctype(node.dtype)
    if node.ndim == 0:
        decl.append(f"{ct} {name}[1];")
    else:
        size = render_c(shape_size(node.shape))
        decl.append(f"{ct} *{name} = ({ct} *)npa_malloc(sizeof({ct}) * (size_t)({size} > 0 ? {size} : 1));")
        decl.append(f"if (!{name}) {{ {on_fail} }}")
        free.append(f"free({name});")
    return Buffer(name, node, [f"({render_c(s)})" for s in _strides_of(node.shape)])


class KernelWriter:
    """Emits the loop body that computes nodes at an index, each node once per index."""

    def __init__(self, gen, flat, hoist=False):
        self.gen, self.flat, self.lines, self.memo = gen, flat, [], {}
        # hoist: 0-d values go to ``hoisted``, which the kernel emits before its loops (they
        # never depend on the loop index, and Python computes them first too); gcc would
        # not move an asm (npaccel_complex.h NPA_OPAQUE) out, and the loop would stay scalar
        self.hoist, self.hoisted, self.hoisted_memo = hoist, [], {}   # (kept across scoped blocks)
        self.r = getattr(gen, "renderer", C)   # types/literals/ops of the generator's target
        self.cost = 0.0         # estimated ns of arithmetic per iteration, one thread (c_parallel.py)

    @property
    def threshold(self):
        """Iterations above which this loop runs on several threads."""
        return parallel_threshold(self.cost)

    def child_index(self, parent_idx, parent_ndim, child, parent_shape=None):
        """The index of ``child`` (broadcast against its parent) at the parent's index. A
        child dim that may be 1 at run time (a slice length known then) where the parent's
        dim is another expression reads element 0 when it is 1, as NumPy broadcasts it."""
        if child.ndim == 0:
            return ()
        if parent_idx == FLAT:
            return FLAT
        idx = parent_idx[parent_ndim - child.ndim:]
        outer = child.shape if parent_shape is None else parent_shape[parent_ndim - child.ndim:]
        return tuple("0" if d == 1 else i if d == p or not may_be_one(d) else f"(({render_c(d)}) == 1 ? 0 : {i})"
                     for i, d, p in zip(idx, child.shape, outer))

    def value(self, node, idx):
        key = (node, idx)
        if key in self.memo:
            return self.memo[key]
        if key in self.hoisted_memo:
            return self.hoisted_memo[key]
        expr = self._expr(node, idx)
        if isinstance(node, (Elementwise,)):
            if self.hoist and self.loop_free(node):
                var = f"vh{len(self.hoisted)}"
                self.hoisted.append(f"const {self.r.ctype(node.dtype)} {var} = {expr};")
                self.hoisted_memo[key] = var
                return var
            var = f"v{len(self.memo)}"
            self.cost += op_cost(node.op, node.in_dtypes, node.dtype)
            self.lines.append(f"const {self.r.ctype(node.dtype)} {var} = {expr};")
            expr = var
        self.memo[key] = expr
        return expr

    def loop_free(self, node) -> bool:
        """A 0-d value computed from constants, sizes, scalars and 0-d buffers only: hoisted
        (one that can fail, ``n ** -0.5`` of a size, is checked before the loop, which then
        does not run: ``after_hoisted``)."""
        if isinstance(node, (Const, DimValue)) or node in self.gen.scalars:
            return True
        if isinstance(node, (Param, Reduce, Storage, ArrayVar, MatMul)):
            return node.ndim == 0 and node in self.gen.buffers
        return isinstance(node, Elementwise) and node.ndim == 0 and all(self.loop_free(a) for a in node.args)

    def after_hoisted(self, lines) -> list:
        """``lines`` (the kernel's loops) run only if no hoisted value failed."""
        if any("npa_err" in h for h in self.hoisted):
            return ["if (!npa_err) {"] + ["    " + x for x in lines] + ["}"]
        return lines

    def _expr(self, node, idx):
        gen = self.gen
        # Parameters and reduction results are read from memory; every other value is
        # recomputed in registers where it is needed (never read back from an output).
        if isinstance(node, (Param, Reduce, Storage, ArrayVar, MatMul)) and node in gen.buffers:
            return gen.buffers[node].at(idx if node.ndim else ())
        if node in gen.scalars:
            return gen.scalars[node]
        if isinstance(node, Const):
            return self.r.literal(node.value, node.dtype)
        if isinstance(node, DimValue):
            return f"((int64_t){render_c(node.dim)})"
        if isinstance(node, Elementwise):
            raw = [self.value(a, self.child_index(idx, node.ndim, a, node.shape)) for a in node.args]
            if divides_by_real(node):
                return real_division(node, raw)
            args = [self.r.cast(v, a.dtype, d) for v, a, d in zip(raw, node.args, node.in_dtypes)]
            if scalar_math(node):
                return self.r.scalar_op(node.op, node.in_dtypes, node.dtype, args)
            return self.r.op(node.op, node.in_dtypes, node.dtype, args)
        if isinstance(node, View):
            return self.value(node.arg, self.view_index(node, idx))
        if isinstance(node, SameBuffer):
            a, b = (gen.buffers[n].name for n in (node.a, node.b))
            return f"((const void *){a} == (const void *){b})"
        if type(node) in ARRAY_EXPRS:     # Iota, Broadcast, Concat, Reshape, Gather
            return ARRAY_EXPRS[type(node)](self, node, idx)
        raise UnsupportedError(f"no C code for {type(node).__name__}")

    def view_index(self, view, idx):
        """The index into view.arg that view position ``idx`` reads."""
        arg_idx = ["0"] * view.arg.ndim
        for d, pos in view.fixed:
            arg_idx[d] = f"({render_c(pos)})"
        for k, axis in enumerate(view.axes):
            if axis is None:
                continue
            d, start, step = axis
            i = idx[k] if view.shape[k] != 1 else "0"
            term = i if step == 1 else f"({step})*({i})"
            arg_idx[d] = term if start == 0 else f"({render_c(start)} + {term})"
        return tuple("0" if n == 1 else i for i, n in zip(arg_idx, view.arg.shape))


def renderer_of(gen):
    """The generator's renderer (types, literals, ops of its target): C unless it says."""
    return getattr(gen, "renderer", C)


def loop_opens(ds, dims, depth):
    """``for`` lines over the dims ``ds`` (``i<d>`` from 0 to ``dims[d]``), nested from ``depth``.

    >>> loop_opens([0, 1], {0: "n", 1: "m"}, 1)
    ['    for (int64_t i0 = 0; i0 < n; i0++) {', '        for (int64_t i1 = 0; i1 < m; i1++) {']
    """
    return ["    " * (depth + j) + f"for (int64_t i{d} = 0; i{d} < {dims[d]}; i{d}++) {{"
            for j, d in enumerate(ds)]


def loop_closes(n, depth):
    """The closing braces of ``n`` loops opened by ``loop_opens`` at ``depth``."""
    return ["    " * (depth + j) + "}" for j in reversed(range(n))]


def strided(gen, node):
    """(pointer C expression, element stride C expression per dim) of a value in memory,
    seen through views; None if it has no buffer."""
    if isinstance(node, View) and node not in gen.buffers:     # (a view computed into a buffer: that)
        base = strided(gen, node.arg)
        if base is None:
            return None
        ptr, strides = base
        offset = [f"({render_c(pos)}) * {strides[d]}" for d, pos in node.fixed if strides[d] != "0"]
        out = []
        for axis in node.axes:
            if axis is None:
                out.append("0")
                continue
            d, start, step = axis
            if start != 0 and strides[d] != "0":
                offset.append(f"({render_c(start)}) * {strides[d]}")
            out.append(strides[d] if step == 1 or strides[d] == "0" else f"({step}) * {strides[d]}")
        if offset:
            ptr = f"({ptr} + {' + '.join(offset)})"
        return ptr, [s if n != 1 else "0" for s, n in zip(out, node.shape)]
    buf = gen.buffers.get(node)
    if buf is None:
        return None
    return buf.name, ["0" if n == 1 else s for s, n in zip(buf.strides, node.shape)]

"""C for values computed from the loop index: Iota, Broadcast, Concat, Reshape, Gather.

Each is an expression at the index of the loop that consumes it; nothing is stored.
Code that must not run at every index (the operand a concatenate does not pick, a
gathered read whose index failed its bounds check) goes into a C block of its own, and
values computed inside it are forgotten outside it.

>>> import numpy as np
>>> from types import SimpleNamespace
>>> from npaccel.ir.nodes import Iota, Concat, Param
>>> from npaccel.codegen.c_source import Buffer, KernelWriter
>>> i8 = np.dtype("int64")
>>> a = Param(index=0, name="a", dtype=i8, shape=(3,))
>>> gen = SimpleNamespace(buffers={a: Buffer("a0", a, ["1"])}, scalars={})
>>> w = KernelWriter(gen, False)
>>> w.value(Concat(args=(a, Iota(axis=0, shape=(2,), dtype=i8)), axis=0, dtype=i8, shape=(5,)), ("i0",))
'npa_c0'
>>> print("\\n".join(w.lines))
int64_t npa_c0;
if (i0 < 3) {
    npa_c0 = a0[(i0)];
} else {
    npa_c0 = ((int64_t)((i0 - 3)));
}
"""
from __future__ import annotations

from ..errors import UnsupportedError
from ..ir.dims import dim_add, dim_mul, render_c
from ..ir.nodes import Broadcast, Concat, Gather, Iota, Param, Reshape, Storage, Table
from .c_renderer import C

FLAT = "FLAT"      # codegen.c_source.FLAT: the flat loop index of a flat kernel


def _name(w, prefix):
    n = getattr(w, "_arrays_count", 0)
    w._arrays_count = n + 1
    return f"npa_{prefix}{n}"


def _renderer(w):
    return getattr(w, "r", C)


def scoped(w, compute):
    """(lines, expression) of ``compute()`` emitted into a block of its own."""
    saved_lines, saved_memo = w.lines, w.memo
    w.lines, w.memo = [], dict(saved_memo)
    try:
        expr = compute()
        return w.lines, expr
    finally:
        w.lines, w.memo = saved_lines, saved_memo


def _nested(node, idx):
    if idx == FLAT:
        raise UnsupportedError(f"{type(node).__name__} read at a flat index (plan.schedule_loops should "
                               "have chosen a loop nest)")
    return idx


def iota(w, node, idx):
    if idx == FLAT and node.ndim == 1:
        return "((int64_t)(i))"
    idx = _nested(node, idx)
    if node.shape[node.axis] == 1:
        return "INT64_C(0)"
    return f"((int64_t)({idx[node.axis]}))"


def broadcast(w, node, idx):
    arg = node.arg
    if arg.ndim == 0:
        return w.value(arg, ())
    if idx == FLAT and tuple(arg.shape) == tuple(node.shape):
        return w.value(arg, FLAT)
    idx = _nested(node, idx)
    return w.value(arg, w.child_index(idx, node.ndim, arg, node.shape))


def concat(w, node, idx):
    idx = _nested(node, idx)
    r = _renderer(w)
    ax = node.axis
    i = idx[ax]
    parts, off = [], 0
    for a in node.args:
        n = a.shape[ax]
        if n != 0:
            parts.append((a, off))
        off = dim_add(off, n)
    if not parts:                      # nothing to read: the loop never runs
        return r.literal(0, node.dtype)

    def read(a, start):
        sub = list(idx)
        sub[ax] = i if start == 0 else f"({i} - {render_c(start)})"
        sub = tuple("0" if d == 1 else s for s, d in zip(sub, a.shape))
        return r.cast(w.value(a, sub), a.dtype, node.dtype)
    if len(parts) == 1:
        return read(*parts[0])
    var = _name(w, "c")
    lines = [f"{r.ctype(node.dtype)} {var};"]
    for k, (a, start) in enumerate(parts):
        body, expr = scoped(w, lambda a=a, start=start: read(a, start))
        if k == len(parts) - 1:
            lines.append("} else {")
        else:
            end = dim_add(start, a.shape[ax])
            lines.append(f"{'} else if' if k else 'if'} ({i} < {render_c(end)}) {{")
        lines += ["    " + b for b in body] + [f"    {var} = {expr};"]
    lines.append("}")
    w.lines.extend(lines)
    return var


def reshape(w, node, idx):
    """Linear C-order position of the output index, split again over the arg's dims."""
    arg = node.arg
    if arg.ndim == 0:
        return w.value(arg, ())
    idx = _nested(node, idx)
    terms, stride = [], 1
    for i, d in reversed(list(zip(idx, node.shape))):
        if d != 1 and i != "0":
            terms.append(i if stride == 1 else f"({i}) * ({render_c(stride)})")
        stride = d if stride == 1 else dim_mul(stride, d)
    lin = " + ".join(reversed(terms)) or "0"
    gen = w.gen
    if ((isinstance(arg, Param) and arg.contiguous) or isinstance(arg, Storage)) and arg in gen.buffers:
        return f"{gen.buffers[arg].name}[{lin}]"        # C-contiguous memory: the position is the offset
    var = _name(w, "r")
    w.lines.append(f"const int64_t {var} = {lin};")
    sub, rest = [], var
    for k in reversed(range(arg.ndim)):
        d = arg.shape[k]
        if d == 1:
            sub.append("0")
        elif k == 0 or all(e == 1 for e in arg.shape[:k]):
            sub.append(rest)
            rest = "0"
        else:
            sub.append(f"({rest}) % ({render_c(d)})")
            rest = f"({rest}) / ({render_c(d)})"
    return w.value(arg, tuple(reversed(sub)))


def gather(w, node, idx):
    idx = _nested(node, idx) if node.ndim else ()
    r = _renderer(w)
    arg = node.arg
    nb = node.ndim - (arg.ndim - len(node.axes))        # dims of the broadcast index shape
    bidx = tuple(idx[node.pos:node.pos + nb])
    passing = list(idx[:node.pos]) + list(idx[node.pos + nb:])
    sub, guards = [], []
    for d in range(arg.ndim):
        n = arg.shape[d]
        if d in node.axes:
            ix = node.args[node.axes.index(d)]
            value = w.value(ix, w.child_index(bidx, nb, ix) if ix.ndim else ())
            if ix.dtype == "uint64":      # past INT64_MAX is out of bounds, not negative
                value = f"(({value}) > (uint64_t)INT64_MAX ? (int64_t)({render_c(n)}) : (int64_t)({value}))"
            j = _name(w, "g")
            w.lines.append(f"const int64_t {j} = npa_check_index((int64_t)({value}), {render_c(n)}, &npa_err);")
            sub.append(j)
            if not (isinstance(n, int) and n > 0):
                guards.append(f"({render_c(n)}) > 0")
        else:
            i = passing.pop(0)
            sub.append("0" if n == 1 else i)
    if not guards:
        return w.value(arg, tuple(sub))
    var = _name(w, "g")
    body, expr = scoped(w, lambda: w.value(arg, tuple(sub)))
    w.lines.append(f"{r.ctype(node.dtype)} {var} = {r.literal(0, node.dtype)};")
    w.lines.append(f"if ({' && '.join(guards)}) {{")
    w.lines.extend(["    " + b for b in body] + [f"    {var} = {expr};", "}"])
    return var


def table(w, node, idx):
    """A constant array: a block-scope ``static const`` C array, read at the C-order
    position of the index."""
    r = _renderer(w)
    if r is not C:
        raise NotImplementedError("CUDA backend: a constant array (a global or np.array of constants)")
    name = _name(w, "tab")
    items = ", ".join(r.literal(v, node.dtype) for v in node.values) or r.literal(0, node.dtype)
    w.lines.append(f"static const {r.ctype(node.dtype)} {name}[{max(len(node.values), 1)}] = {{{items}}};")
    if idx == FLAT:
        return f"{name}[i]"
    terms, stride = [], 1
    for d in reversed(range(node.ndim)):
        if node.shape[d] != 1:
            terms.append(f"({idx[d]}) * {stride}" if stride != 1 else f"({idx[d]})")
        stride *= node.shape[d]
    return f"{name}[{' + '.join(reversed(terms)) or '0'}]"


ARRAY_EXPRS = {Iota: iota, Broadcast: broadcast, Concat: concat, Reshape: reshape, Gather: gather, Table: table}

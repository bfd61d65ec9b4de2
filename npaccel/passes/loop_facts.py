"""Facts about ``for v in range(start, stop, step)`` loops of a program (ir/program.py), and
what they allow: index checks proven away, checks hoisted out of inner loops, loops whose
iterations are independent marked parallel. A pure pass over the program's statements; the C
backend applies it (codegen/c_source.py), the CUDA one does not.

Range facts. Inside the body of a loop whose counter ``v`` and whose bounds' scalars are not
assigned in that body, ``start <= v < stop`` (step > 0) or ``stop < v <= start`` (step < 0).
An index ``x = base + c`` (``+``/``-`` of integer constants) is proven ``>= 0`` or ``< n``
by following such facts from ``base`` to a constant or a size: ``k < j < i < A.shape[0]``.
A ``check_index(x, n)`` proven in range becomes ``x`` (its Python-int ``+``/``-`` cannot
overflow then, and become plain ones).

Versioning. In an innermost loop (no loop nested in it, no ``Check`` statement), a check
whose index is ``v + c`` or does not change in the loop becomes an ``IndexGuard``: the C
checks it at the first and last iteration before the loop, and runs the unchecked body if
all hold, else the original body (which raises at the iteration NumPy would).

Parallel loops. The outermost ``for`` whose iterations are provably independent gets a
``Parallel`` record (see ``independent``): every array it writes is one of the program's own
buffers, written and read only at index ``v + c`` (one ``c``) on one axis; scalars it assigns
are assigned before they are read in every iteration; nothing in it can fail, break or leave.

>>> import numpy as np
>>> from npaccel.ir import program as P
>>> from npaccel.ir.nodes import DimValue, Elementwise, ScalarVar
>>> from npaccel.ir.ops import Op
>>> from npaccel.ir.dims import Sym
>>> i8 = np.dtype(np.int64)
>>> i, j, ix = (ScalarVar(vid=k, name=nm, dtype=i8) for k, nm in ((1, "i"), (2, "j"), (3, "index")))
>>> n, m = DimValue(dim=Sym("a0_d0"), dtype=i8), DimValue(dim=Sym("a0_d1"), dtype=i8)
>>> check = lambda x, d: Elementwise(op=Op.CHECK_INDEX, args=(x, d), in_dtypes=(i8, i8), dtype=i8)
>>> names = {i: "i", j: "j", ix: "ix", n: "n", m: "m"}
>>> name = lambda x: names.get(x) or f"{x.op.value}({', '.join(name(a) for a in x.args)})"
>>> body = (P.For(var=i, start=0, stop=n, step=1, body=(
...     P.For(var=j, start=0, stop=i, step=1, body=(P.SetScalars(((ix, check(j, n)),)),)),
...     P.For(var=j, start=0, stop=i, step=1, body=(P.SetScalars(((ix, check(j, m)),)),)))),)
>>> print(P.format_block(body, name))
for i in range(0, n, 1):
    for j in range(0, i, 1):
        ix = check_index(j, n)
    for j in range(0, i, 1):
        ix = check_index(j, m)
>>> out = optimise_loops(body)
>>> print(P.format_block(out, name))       # j < i < n: proven; j < m: checked before the loop
for i in range(0, n, 1):   # parallel: iterations independent
    for j in range(0, i, 1):
        ix = j
    for j in range(0, i, 1):   # 1 index check(s) tested before the loop
        ix = j
>>> [len(f.guards) for f in out[0].body], out[0].body[1].checked == body[0].body[1].body
([0, 1], True)
"""
from __future__ import annotations

from dataclasses import replace


from ..ir import program as P
from ..ir.dims import Sym
from ..ir.nodes import ArrayVar, DimValue, Elementwise, Gather, Param, ScalarParam, ScalarVar, Storage, View
from ..ir.ops import Op
from .dead_scalars import drop_dead_copies
from .loop_interchange import swap_loops
from .loop_parallel import mark_parallel
from .loop_terms import (I64, assigned, below, block_nodes, decompose, is_check, key as _key, leaf_vids, local_vids,
                         nonnegative, single_assignments)

_PLAIN = {Op.PY_ADD: Op.ADD, Op.PY_SUB: Op.SUBTRACT}


def optimise_loops(body, find=lambda d: d, outputs=()) -> tuple:
    """The program ``body`` with copies nothing reads dropped (dead_scalars.py), nests swapped
    into cache order (loop_interchange.py), proven checks dropped, inner loops versioned and
    independent loops marked parallel (``find``: dims proven equal -> one representative; ``outputs``:
    what is read after the program: the graph's outputs)."""
    body = swap_loops(drop_dead_copies(body, outputs), find, outputs)
    body = _checks(body, {}, find)
    after = P.Store(target=outputs, value=outputs) if outputs else None
    return mark_parallel(body, body + ((after,) if after is not None else ()))


def _plain(node):
    """``node`` with its Python-int + and - of constants made plain (proven not to overflow)."""
    if isinstance(node, Elementwise) and node.op in _PLAIN and len(node.args) == 2:
        a, b = node.args
        return replace(node, op=_PLAIN[node.op], args=(_plain(a), _plain(b)), in_dtypes=(I64, I64), dtype=I64)
    return node


def _checks(block, facts, find):
    out = []
    for s in block:
        if isinstance(s, P.SetScalars):
            pairs = []
            for var, value in s.pairs:
                if is_check(value):
                    x, n = value.args
                    if x.dtype.kind == "i" and nonnegative(x, facts) and below(x, n, facts, find):
                        value = _plain(x)
                pairs.append((var, value))
            out.append(replace(s, pairs=tuple(pairs)))
        elif isinstance(s, P.For) and not s.checked:
            inner = dict(facts)
            changed = assigned(s.body)
            if isinstance(s.step, int) and s.step != 0 and s.var.vid not in changed and \
                    not ((leaf_vids(s.start) | leaf_vids(s.stop)) & changed):
                inner[s.var.vid] = s
            out.append(_promote(_version(replace(s, body=_checks(s.body, inner, find))), inner, find))
        elif isinstance(s, P.While):
            out.append(replace(s, test=_checks(s.test, facts, find), body=_checks(s.body, facts, find)))
        elif isinstance(s, P.If):
            out.append(replace(s, then=_checks(s.then, facts, find), orelse=_checks(s.orelse, facts, find)))
        else:
            out.append(s)
    return tuple(out)


def _version(loop):
    """An innermost loop with its remaining index checks on ``v + c`` (or on a value the loop
    does not change) hoisted into guards, and the checked body kept beside."""
    if not isinstance(loop.step, int) or any(isinstance(s, (P.For, P.While, P.Check)) for s in P.walk(loop.body)):
        return loop
    changed = assigned(loop.body)
    if loop.var.vid in changed:
        return loop
    guards, swap = [], {}
    for s in P.walk(loop.body):
        if not isinstance(s, P.SetScalars):
            continue
        for _, value in s.pairs:
            if not is_check(value) or value in swap:
                continue
            x, n = value.args
            base, _ = decompose(x)
            if x.dtype.kind != "i" or not _affine_leaves(x) or not _affine_leaves(n):
                continue
            leaves = leaf_vids(x) | leaf_vids(n)
            if leaves & changed and not (isinstance(base, ScalarVar) and base.vid == loop.var.vid and
                                         (leaves - {loop.var.vid}).isdisjoint(changed)):
                continue
            guards.append(P.IndexGuard(index=x, n=n))
            swap[value] = _plain(x)
    if not guards:
        return loop

    def unchecked(block):
        res = []
        for s in block:
            if isinstance(s, P.SetScalars):
                s = replace(s, pairs=tuple((v, swap.get(x, x)) for v, x in s.pairs))
            elif isinstance(s, P.If):
                s = replace(s, then=unchecked(s.then), orelse=unchecked(s.orelse))
            res.append(s)
        return tuple(res)
    return replace(loop, body=unchecked(loop.body), checked=loop.body, guards=tuple(guards))


_PURE = {Op.ADD, Op.SUBTRACT, Op.MULTIPLY, Op.TRUE_DIVIDE, Op.NEGATIVE, Op.POSITIVE, Op.ABSOLUTE,
         Op.SQUARE, Op.MAXIMUM, Op.MINIMUM, Op.CAST}


def _promote(loop, facts, find):
    """In the unchecked copy of a versioned loop, one array element that every iteration
    reads and writes at the same place (``A[i, j] -= A[i, k] * A[k, j]``) kept in a local:
    loaded before the loop, stored back after it. Only where nothing in the body can fail
    (the stores before an error would differ), and every other access of that array is at
    a place proven different (``k < j`` on one axis)."""
    body = loop.body
    if not loop.guards or not body or any(not isinstance(s, (P.SetScalars, P.Store)) for s in body):
        return loop
    nodes = block_nodes(body)
    for n in nodes:
        if isinstance(n, Elementwise) and (n.op not in _PURE or n.dtype.kind not in "fiu"):
            return loop
        if isinstance(n, (ArrayVar, Gather)):
            return loop
    values, changed = single_assignments(body), assigned(body) | {loop.var.vid}

    def index(view):
        if view.axes or view.ndim or len(view.fixed) != view.arg.ndim:
            return None
        out = {}
        for axis, d in view.fixed:
            vids = local_vids(d) if isinstance(d, Sym) else ()
            x = values.get(next(iter(vids))) if len(vids) == 1 else None
            if x is None:
                return None
            out[axis] = x
        return out

    def same(x, y):
        (a, c), (b, e) = decompose(x), decompose(y)
        return c == e and (a is b or (a is not None and b is not None and _key(a, find) == _key(b, find)))
    for s in body:
        if not (isinstance(s, P.Store) and isinstance(s.target, View) and isinstance(s.target.arg, (Storage, Param))):
            continue
        w, base = s.target, s.target.arg
        at = index(w)
        if at is None or any(leaf_vids(x) & changed for x in at.values()):
            continue
        if isinstance(base, Param) and any(isinstance(n, Param) and n is not base and n.ndim for n in nodes):
            continue
        here, fine = [], True
        for n in nodes:
            if isinstance(n, View) and n.arg is base:
                other = index(n)
                if other is None:
                    fine = False
                elif all(same(other[a], at[a]) for a in at):
                    here.append(n)
                elif not any(below(other[a], at[a], facts, find) or below(at[a], other[a], facts, find) for a in at):
                    fine = False
            elif any(c is base for c in n.children()):
                fine = False
        if not fine:
            continue
        return _keep_in_local(loop, w, here, base)
    return loop


def _keep_in_local(loop, w, here, base):
    every = [n for st in P.walk((loop,)) for n in P.statement_nodes(st) if isinstance(n, ScalarVar)]
    acc = ScalarVar(vid=1 + max(v.vid for v in every) + 10_000, name="element", dtype=base.dtype)
    ids = set(here)

    def sub(node):
        if node in ids:
            return acc
        if isinstance(node, Elementwise):
            args = tuple(sub(a) for a in node.args)
            if any(a is not b for a, b in zip(args, node.args)):
                return replace(node, args=args)
        return node
    body = []
    for st in loop.body:
        if isinstance(st, P.Store) and st.target is w:
            st = P.SetScalars(((acc, sub(st.value)),))
        elif isinstance(st, P.Store):
            st = replace(st, value=sub(st.value))
        else:
            st = replace(st, pairs=tuple((v, sub(x)) for v, x in st.pairs))
        body.append(st)
    body = tuple(body)
    if any(n in ids for n in block_nodes(body)):
        return loop     # read through something other than arithmetic: left as it is
    index_vids = {next(iter(local_vids(d))) for _, d in w.fixed}
    pre = tuple(P.SetScalars(((v, x),)) for st in loop.body if isinstance(st, P.SetScalars)
                for v, x in st.pairs if v.vid in index_vids)
    return replace(loop, body=body, before=pre + (P.SetScalars(((acc, w),)),), after=(P.Store(target=w, value=acc),))


def _affine_leaves(node):
    """Only counters, sizes, int arguments and constants under + and -: monotonic, cheap."""
    base, _ = decompose(node)
    return base is None or isinstance(base, (ScalarVar, DimValue, ScalarParam))

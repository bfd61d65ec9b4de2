"""Two perfectly nested loops swapped when the inner one walks memory with a stride and the
outer one would not: ``for j: for k: A[i, j] -= A[i, k] * A[k, j]`` (LU's row update reads
a column of ``A`` in its inner loop) becomes ``for k: for j: ...``, whose inner loop reads
rows. Results do not change, bit for bit: each element is updated by the same iterations of
the inner loop, in the same order.

When (``for v in range(a, b): for u in range(c, d): B``; loop_facts.optimise_loops runs
this pass after dead_scalars.py, before its checks):

- both steps are positive ints, no bound reads what the nest changes (after the swap the
  outer bounds are read once per inner iteration, and the inner once), ``B`` holds only
  assignments and stores, and nothing in it can fail but an index check (any order of
  failures gives the same IndexError; the arrays it writes are discarded with the error);
- the outer iterations are independent: every array ``B`` writes is one of the program's
  own buffers (a Storage), written at index ``v + e`` on one axis (one ``e``), and read
  there either at ``v + e`` or at an index whose range over the loops misses ``[a + e,
  b + e)`` (``k < i <= j``); a 0-d buffer and each scalar ``B`` assigns is assigned before it
  is read in every iteration; neither counter nor those scalars is read after the nest;
- it pays: fewer of ``B``'s element accesses of C-ordered arrays (the program's buffers and
  C-contiguous arguments) vary with ``u`` on an axis other than the last than with ``v``.

>>> import numpy as np
>>> from npaccel.ir.dims import Sym
>>> from npaccel.ir.nodes import DimValue, Elementwise, ScalarVar, Storage, View
>>> from npaccel.ir.ops import Op
>>> f8, i8 = np.dtype(np.float64), np.dtype(np.int64)
>>> n = DimValue(dim=Sym("a0_d0"), dtype=i8)
>>> A = Storage(sid=0, name="A", dtype=f8, shape=(Sym("a0_d0"), Sym("a0_d0")))
>>> i, j, k = (ScalarVar(vid=v, name=nm, dtype=i8) for v, nm in ((1, "i"), (2, "j"), (3, "k")))
>>> rc = [ScalarVar(vid=10 + v, name="rc"[v % 2], dtype=i8) for v in range(6)]     # index locals
>>> def at(p, row, col):          # (index locals = row, col; the element they pick)
...     r, c = rc[2 * p], rc[2 * p + 1]
...     view = View(arg=A, fixed=((0, Sym(f"sv{r.vid}")), (1, Sym(f"sv{c.vid}"))), axes=(), dtype=f8, shape=())
...     return P.SetScalars(((r, row), (c, col))), view
>>> op = lambda o, a, b: Elementwise(op=o, args=(a, b), in_dtypes=(f8, f8), dtype=f8)
>>> (s1, aik), (s2, akj), (s3, aij) = at(0, i, k), at(1, k, j), at(2, i, j)
>>> B = (s1, s2, s3, P.Store(target=aij, value=op(Op.SUBTRACT, aij, op(Op.MULTIPLY, aik, akj))))
>>> body = (P.For(var=i, start=0, stop=n, step=1, body=(
...     P.For(var=j, start=i, stop=n, step=1, body=(P.For(var=k, start=0, stop=i, step=1, body=B),)),)),)
>>> names = {i: "i", j: "j", k: "k", n: "n", aik: "A[i, k]", akj: "A[k, j]", aij: "A[i, j]"}
>>> name = lambda v: names.get(v) or getattr(v, "name", None) or v.op.value
>>> print(P.format_block(swap_loops(body), name))
for i in range(0, n, 1):
    for k in range(0, i, 1):   # swapped with the loop it held: the inner loop walks memory in order
        for j in range(i, n, 1):
            r, c = i, k
            r, c = k, j
            r, c = i, j
            store A[i, j] <- subtract

LU's first nest (``for j in range(i): for k in range(j)``: k's range depends on j), and a
nest whose k reaches the columns other iterations write (A[i, k] for k in [0, n)) stay:

>>> first = (P.For(var=j, start=0, stop=i, step=1, body=(P.For(var=k, start=0, stop=j, step=1, body=B),)),)
>>> wide = (P.For(var=j, start=i, stop=n, step=1, body=(P.For(var=k, start=0, stop=n, step=1, body=B),)),)
>>> swap_loops(first) == first, swap_loops(wide) == wide
(True, True)
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import program as P
from ..ir.dims import Sym
from ..ir.nodes import Const, DimValue, Elementwise, Param, ScalarParam, ScalarVar, Storage, View, topo_order
from ..ir.ops import Op
from .dead_scalars import nodes_vids, statement_vids
from .loop_terms import assigned, block_nodes, decompose, is_check, key, leaf_vids, local_vids, nonnegative

_SAFE = {Op.ADD, Op.SUBTRACT, Op.MULTIPLY, Op.TRUE_DIVIDE, Op.NEGATIVE, Op.POSITIVE, Op.ABSOLUTE, Op.SQUARE,
         Op.MAXIMUM, Op.MINIMUM, Op.CAST, Op.CHECK_INDEX}
_NODES = (Elementwise, View, Storage, Param, ScalarParam, ScalarVar, Const, DimValue)


def swap_loops(body, find=lambda d: d, outputs=()) -> tuple:
    """``body`` with every nest that qualifies (module doc) swapped; ``outputs``: the nodes
    read after the program."""
    return _walk(body, {}, find, (body, nodes_vids(outputs)))


def _walk(block, facts, find, program):
    out = []
    for s in block:
        if isinstance(s, P.For):
            s = _swapped(s, _with_loop(facts, s), find, program) or s
            s = replace(s, body=_walk(s.body, _with_loop(facts, s), find, program))
        elif isinstance(s, (P.While, P.If)):
            s = P.with_blocks(s, lambda b: _walk(b, facts, find, program))
        out.append(s)
    return tuple(out)


def _with_loop(facts, loop):
    """``facts`` and ``loop``'s range, where its counter and bounds do not change inside it."""
    changed = assigned(loop.body)
    if not isinstance(loop.step, int) or loop.step == 0 or loop.var.vid in changed or \
            (leaf_vids(loop.start) | leaf_vids(loop.stop)) & changed:
        return facts
    return {**facts, loop.var.vid: loop}


def _swapped(outer, facts, find, program):
    if len(outer.body) != 1 or not isinstance(outer.body[0], P.For):
        return None
    inner = outer.body[0]
    B = inner.body
    if any(not isinstance(x.step, int) or x.step <= 0 or x.guards or x.checked or x.parallel for x in (outer, inner)) \
            or not B or any(not isinstance(s, (P.SetScalars, P.Store)) for s in B):
        return None
    v, u = outer.var.vid, inner.var.vid
    changed = assigned(B) | {u}
    if v in changed or (leaf_vids(inner.start) | leaf_vids(inner.stop)) & (changed | {v}) or \
            v not in facts or inner.var.vid in assigned(B):
        return None
    nodes = block_nodes(B)
    if any(not isinstance(n, _NODES) or (isinstance(n, Elementwise) and n.op not in _SAFE) for n in nodes):
        return None
    facts = {**facts, u: inner}
    values = _values(B)
    index = lambda d: _index(d, values, facts)       # noqa: E731
    if not _independent(B, nodes, outer, inner, index, find) or not _private(B, outer, program):
        return None
    bounds = [b for x in (outer, inner) for b in (x.start, x.stop) if not isinstance(b, int)]
    written = {s.target.arg if isinstance(s.target, View) else s.target for s in B if isinstance(s, P.Store)}
    if set(topo_order(bounds)) & written:       # a bound read again after the swap: it must not change
        return None
    if _strided(nodes, u, index) <= _strided(nodes, v, index):
        return None
    return replace(inner, body=(replace(outer, body=B),), swapped=True)


def _values(block):
    """vid -> the values a block assigns a scalar (each assignment's)."""
    out = {}
    for s in block:
        if isinstance(s, P.SetScalars):
            for var, x in s.pairs:
                out.setdefault(var.vid, []).append(x)
    return out


def _index(d, values, facts):
    """(base, c) of an index dim ``sv<vid>``: the one ``base + c`` the nest assigns its
    scalar (through a check of an index proven >= 0, which is then the index), else None."""
    vids = local_vids(d) if isinstance(d, Sym) else ()
    if len(vids) != 1 or not values.get(next(iter(vids))):
        return None
    found = set()
    for x in values[next(iter(vids))]:
        if is_check(x):
            if not nonnegative(x.args[0], facts):
                return None
            x = x.args[0]
        found.add(decompose(x))
    return found.pop() if len(found) == 1 else None


def _independent(B, nodes, outer, inner, index, find) -> bool:
    """Does each iteration of ``outer`` touch elements of written arrays no other one does?"""
    v, u = outer.var.vid, inner.var.vid
    written = {}
    for s in B:
        if not isinstance(s, P.Store):
            continue
        t = s.target
        if isinstance(t, Storage) and t.ndim == 0:
            continue                # a private temporary (_private checks it)
        if not (isinstance(t, View) and isinstance(t.arg, Storage) and not t.axes):
            return False
        axis = _axis_of(t, v, index)
        if axis is None or written.setdefault(t.arg, axis) != axis:
            return False
    for n in nodes:
        for c in n.children():
            if c in written and not (isinstance(n, View) and not n.axes):
                return False
        if not (isinstance(n, View) and n.arg in written):
            continue
        ax, e = written[n.arg]
        d = dict(n.fixed).get(ax)
        at = index(d) if d is not None else None
        if at is None:
            return False
        base, e2 = at
        if isinstance(base, ScalarVar) and base.vid == v:
            if e2 != e:
                return False
            continue
        if isinstance(base, ScalarVar) and base.vid == u:
            lo, hi = _shift(inner.start, e2), _shift(inner.stop, e2)
        elif base is None or (isinstance(base, (ScalarVar, DimValue, ScalarParam)) and
                              not (leaf_vids(base) & (assigned(B) | {v, u}))):
            lo, hi = (base, e2), (base, e2 + 1)
        else:
            return False
        w_lo, w_hi = _shift(outer.start, e), _shift(outer.stop, e)
        if not (_at_most(hi, w_lo, find) or _at_most(w_hi, lo, find)):
            return False
    return True


def _shift(bound, e):
    base, c = decompose(bound)
    return base, c + e


def _at_most(x, y, find) -> bool:
    """``x <= y`` for (base, c) pairs with the same base (or none)."""
    (bx, cx), (by, cy) = x, y
    same = (bx is None and by is None) or (bx is not None and by is not None and key(bx, find) == key(by, find))
    return same and cx <= cy


def _axis_of(view, v, index):
    """(axis, e) where ``view`` is at ``v + e`` on one axis."""
    found = [(axis, at[1]) for axis, d in view.fixed if (at := index(d)) is not None and
             isinstance(at[0], ScalarVar) and at[0].vid == v]
    return found[0] if len(found) == 1 else None


def _private(B, outer, program) -> bool:
    """Is every scalar and 0-d buffer ``B`` assigns assigned before it is read in each
    iteration, and is none of them (nor a counter) read after the nest?"""
    inner = outer.body[0]
    mine = assigned(B) | {inner.var.vid, outer.var.vid}
    temps = {s.target for s in B if isinstance(s, P.Store) and isinstance(s.target, Storage) and s.target.ndim == 0}
    done, set_temps = {inner.var.vid, outer.var.vid}, set()
    for s in B:
        read = [x for _, x in s.pairs] if isinstance(s, P.SetScalars) else \
            [s.value] + ([] if s.target in temps else [s.target])
        if (nodes_vids(read) & mine) - done or (set(topo_order(read)) & temps) - set_temps:
            return False
        if isinstance(s, P.SetScalars):
            done |= {var.vid for var, _ in s.pairs}
        else:
            set_temps |= {s.target} & temps
    statements, outside = program[0], set(program[1])
    nest = list(P.walk((outer,)))
    for s in P.walk(statements):
        if any(s is x for x in nest):
            continue
        outside |= nodes_vids([x for _, x in s.pairs]) if isinstance(s, P.SetScalars) else statement_vids(s)
        if set(topo_order([n for n in P.statement_nodes(s) if not isinstance(n, int)])) & temps:
            return False
    return not (outside & mine)


def _strided(nodes, var, index) -> int:
    """Accesses of C-ordered arrays whose index varies with ``var`` on an axis other than
    the last: each iteration of a loop over ``var`` jumps a row."""
    count = 0
    for n in nodes:
        if not isinstance(n, View) or n.axes or not (isinstance(n.arg, Storage) or
                                                     (isinstance(n.arg, Param) and n.arg.contiguous)):
            continue
        on = {axis for axis, d in n.fixed if (at := index(d)) is not None and isinstance(at[0], ScalarVar)
              and at[0].vid == var}
        if on and max(on) != n.arg.ndim - 1:
            count += 1
    return count

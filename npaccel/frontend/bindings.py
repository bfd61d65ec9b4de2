"""What statements bind, read and alias: names assigned or read by a block of statements, the
buffer a value lives in (``view_root``), whether a deferred value reads a buffer. Pure
functions of the source and of graph values, used by the control-flow lowering."""
from __future__ import annotations

import gast
import numpy as np

from ..ir.nodes import ArrayVar, MUTABLE_LEAVES, Node, Reduce, View, view_root
from .returns import RESULT


def is_stored(value) -> bool:
    """A buffer or a view of one: writing through it writes memory."""
    return isinstance(value, Node) and isinstance(view_root(value), MUTABLE_LEAVES)


def is_alias(value) -> bool:
    """Stored, and an array in NumPy too: ``x[i, j]`` with integers only is a scalar copy of
    the element (it must not see a later write), not a view."""
    return is_stored(value) and not (isinstance(value, View) and value.ndim == 0 and value.fixed)


def may_alias(leaf, base) -> bool:
    """Can ``leaf`` share memory with ``base``? Pointers may point at any buffer of their
    dtype; distinct arguments are checked not to overlap at call time."""
    if leaf is base:
        return True
    if isinstance(leaf, ArrayVar) or isinstance(base, ArrayVar):
        slot_only = [v for v in (leaf, base) if isinstance(v, ArrayVar) and v.slot_only]
        if slot_only and any(not isinstance(v, ArrayVar) for v in (leaf, base)):
            return False        # a pool slot is never an argument's memory or a Storage
        return leaf.dtype == base.dtype
    return False


def reads_any(node, pred, stop_at_reduce=False) -> bool:
    seen, stack = set(), [node]
    while stack:
        n = stack.pop()
        if not isinstance(n, Node) or n in seen:
            continue
        seen.add(n)
        if isinstance(n, MUTABLE_LEAVES) and pred(n):
            return True
        if stop_at_reduce and isinstance(n, Reduce):
            continue
        stack.extend(n.children())
    return False


def assigned_names(stmts) -> list:
    """Names a block rebinds (not subscript or in-place targets), in first-seen order."""
    out = []

    def add(t):
        if isinstance(t, gast.Name) and t.id not in out:
            out.append(t.id)
        elif isinstance(t, (gast.Tuple, gast.List)):
            for e in t.elts:
                add(e)
    for stmt in stmts:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Assign):
                for t in n.targets:
                    add(t)
            elif isinstance(n, (gast.AnnAssign, gast.AugAssign)):
                add(n.target)
            elif isinstance(n, gast.For):
                add(n.target)
    return out


def bound_only_by_augassign(stmts) -> set:
    """Names a block binds only as ``x op= v`` targets: for an array, the same object
    updated in place every time, so no loop variable is needed for it."""
    aug_targets = {n.target for stmt in stmts for n in gast.walk(stmt)
                   if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
    aug, other = set(), set()
    for stmt in stmts:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
                (aug if n in aug_targets else other).add(n.id)
    return aug - other


def read_names(stmts) -> set:
    """Names a block reads (``x += v`` reads x too)."""
    return {n.id for stmt in stmts for n in gast.walk(stmt)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)} | \
        {n.target.id for stmt in stmts for n in gast.walk(stmt)
         if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}


def exposed_names(stmts) -> set:
    """Names a block may read before it assigns them (conservatively: an assignment inside
    a branch or a nested loop does not count as made)."""
    defined, exposed = set(), set()
    for stmt in stmts:
        exposed |= read_names([stmt]) - defined
        for n in gast.walk(stmt):              # x += v reads x first
            if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name) and n.target.id not in defined:
                exposed.add(n.target.id)
        if isinstance(stmt, (gast.Assign, gast.AnnAssign)) or \
                (isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name)):
            defined |= set(assigned_names([stmt]))
    return exposed


def read_outside(tree, node) -> set:
    """Names read anywhere in function ``tree`` outside the lines of ``node``."""
    first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if first is None or last is None:
        return read_names(tree.body)            # unknown extent: everything counts
    # a read in the body of another ``for`` over the same name reads that loop's own value
    rebound = [(_target_names(f.target), f.body[0].lineno,
                f.body[-1].end_lineno) for f in gast.walk(tree)
               if isinstance(f, gast.For) and f is not node and f.body and
               not f.lineno <= first <= f.end_lineno]
    return {n.id for n in gast.walk(tree) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
            and not first <= getattr(n, "lineno", first) <= last
            and not any(n.id in names and lo <= getattr(n, "lineno", 0) <= hi for names, lo, hi in rebound)}


def written_names(stmts) -> set:
    """Names of arrays a block may write in place: ``a[...] = v``, ``a[...] op= v``, ``a op= v``.

    >>> sorted(written_names(gast.parse("a[i] = 1\\nb = c\\nd += 1\\ne[0][1] -= 2\\nf, g[0] = 1, 2").body))
    ['a', 'd', 'e', 'g']
    """
    out = set()

    def root(t, augmented):
        if isinstance(t, (gast.Tuple, gast.List)):
            for e in t.elts:
                root(e, augmented)
            return
        subscripted = isinstance(t, gast.Subscript)
        while isinstance(t, (gast.Subscript, gast.Attribute)):
            t = t.value
        if isinstance(t, gast.Name) and (subscripted or augmented):
            out.add(t.id)
    for stmt in stmts:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Assign):
                for t in n.targets:
                    root(t, False)
            elif isinstance(n, gast.AugAssign):
                root(n.target, True)
    return out


def shown(name) -> str:
    """A name as messages show it (the result of a return inside a loop: frontend/returns.py)."""
    return "an array returned from inside a loop" if name == RESULT else f"'{name}'"


def assigns_first(stmts, name) -> bool:
    """Does every run of the block bind ``name`` (a plain assignment at its top level before
    anything that may jump out)?"""
    for stmt in stmts:
        if isinstance(stmt, (gast.Assign, gast.AnnAssign)) and name in assigned_names([stmt]):
            return True
        if any(isinstance(n, (gast.Break, gast.Continue, gast.Return)) for n in gast.walk(stmt)):
            return False
    return False


def _target_names(target) -> set:
    """Names a ``for`` target binds (``i``, ``i, v``)."""
    return {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}


def python_type(value, typed=False):
    """What Python sees of a value (``typed``: of a settled loop type from probe_types):
    ("py", int/float/bool/complex) for Python scalars, ("np", dtype) for NumPy scalars,
    ("array", dtype). (Tagged: a dtype compares equal to the Python type it converts.)

    >>> python_type(1.0), python_type(("scalar", np.dtype("float64"), False, ()), typed=True)
    (('py', <class 'float'>), ('np', dtype('float64')))
    """
    weak_kinds = {"b": bool, "i": int, "u": int, "f": float, "c": complex}
    if typed:
        if value is None:
            return None
        if value[0] == "static":
            return python_type(value[1])
        if value[0] == "scalar":
            return ("py", weak_kinds[value[1].kind]) if value[2] else ("np", value[1])
        return ("array", value[1]) if value[0] == "array" else value
    if isinstance(value, Node):
        if value.ndim and not value.weak:
            return ("array", value.dtype)
        return ("py", weak_kinds[value.dtype.kind]) if value.weak else ("np", value.dtype)
    if isinstance(value, np.generic):
        return ("np", value.dtype)
    return None if value is None else ("py", type(value))


def has_jump(stmts) -> bool:
    return any(isinstance(n, (gast.Break, gast.Continue)) for s in stmts for n in gast.walk(s))

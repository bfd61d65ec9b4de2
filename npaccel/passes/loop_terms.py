"""The terms of loop bodies that the loop passes reason about: index expressions as
``base + c``, the scalar locals a block assigns, the values a block reads, the run-time
index checks in it. Pure functions of ir/program.py statements.

>>> import numpy as np
>>> from npaccel.ir.nodes import Elementwise, ScalarVar
>>> from npaccel.ir.ops import Op
>>> i8 = np.dtype(np.int64)
>>> i = ScalarVar(vid=1, name="i", dtype=i8)
>>> base, c = decompose(Elementwise(op=Op.PY_ADD, args=(i, 2), in_dtypes=(i8, i8), dtype=i8))
>>> base is i, c
(True, 2)
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import replace

import numpy as np

from ..ir import program as P
from ..ir.dims import DimOp, SliceDim, Sym, symbols
from ..ir.nodes import Const, DimValue, Elementwise, ScalarParam, ScalarVar, topo_order
from ..ir.ops import Op

I64 = np.dtype(np.int64)
_ADD = (Op.PY_ADD, Op.ADD)
_SUB = (Op.PY_SUB, Op.SUBTRACT)


def int_value(node):
    if isinstance(node, (int, np.integer)) and not isinstance(node, bool):
        return int(node)
    if isinstance(node, Const) and isinstance(node.value, (int, np.integer)) and not isinstance(node.value, bool):
        return int(node.value)
    return None


def decompose(node):
    """(base, c) with ``node == base + c``; base None for a constant.

    >>> from npaccel.ir.nodes import ScalarVar
    >>> v = ScalarVar(vid=1, name="i", dtype=I64)
    >>> one = Const(value=1, dtype=I64)
    >>> decompose(Elementwise(op=Op.PY_SUB, args=(v, one), in_dtypes=(I64, I64), dtype=I64)) == (v, -1)
    True
    """
    c = 0
    while True:
        k = int_value(node)
        if k is not None:
            return None, c + k
        if isinstance(node, DimValue) and isinstance(node.dim, DimOp) and node.dim.op in "+-" and \
                int_value(node.dim.b) is not None:
            d = node.dim
            node, c = replace(node, dim=d.a), c + (int_value(d.b) if d.op == "+" else -int_value(d.b))
            continue
        if isinstance(node, Elementwise) and node.dtype.kind == "i" and len(node.args) == 2 and \
                node.op in _ADD + _SUB:
            a, b = node.args
            if int_value(b) is not None:
                node, c = a, c + (int_value(b) if node.op in _ADD else -int_value(b))
                continue
            if node.op in _ADD and int_value(a) is not None:
                node, c = b, c + int_value(a)
                continue
        return node, c


def assigned(block) -> set:
    """vids of the scalar locals ``block`` assigns (loop counters included)."""
    out = set()
    for s in P.walk(block):
        if isinstance(s, P.SetScalars):
            out |= {v.vid for v, _ in s.pairs}
        elif isinstance(s, P.For):
            out.add(s.var.vid)
    return out


def leaf_vids(node):
    """vids of the locals ``node`` reads (nodes_vids)."""
    if isinstance(node, int) or node is None:
        return set()
    return nodes_vids([node])


def nodes_vids(nodes) -> set:
    """vids of the locals ``nodes`` read: ScalarVars, and ``sv<vid>`` in any dim they hold."""
    out = set()
    for n in topo_order([n for n in nodes if not isinstance(n, (int, float, complex, bool))]):
        if isinstance(n, ScalarVar):
            out.add(n.vid)
        out |= dims_vids(n)
    return out


def dims_vids(record) -> set:
    """vids of ``sv<vid>`` in the dims a node or a check record holds (any field)."""
    out = set()
    for f in dataclasses.fields(record):
        out |= _value_vids(getattr(record, f.name))
    return out


def _value_vids(v) -> set:
    if isinstance(v, (Sym, DimOp, SliceDim)):
        return local_vids(v)
    if isinstance(v, tuple):
        return set().union(*(_value_vids(x) for x in v)) if v else set()
    return set()


def local_vids(dim):
    return {int(m) for name in symbols(dim) for m in re.findall(r"^sv(\d+)$", name)}


def is_check(node):
    return isinstance(node, Elementwise) and node.op is Op.CHECK_INDEX


def block_nodes(block):
    roots = []
    for s in P.walk(block):
        roots += [n for n in P.statement_nodes(s) if not isinstance(n, int)]
    return topo_order(roots)


def single_assignments(block):
    """vid -> the one value a scalar is assigned in ``block`` (None if two values are: a
    loop's checked body assigns the same value as its body, its alternative).

    >>> from npaccel.ir.nodes import ScalarVar
    >>> i, k = (ScalarVar(vid=v, name=n, dtype=I64) for v, n in ((1, "i"), (2, "k")))
    >>> twice = (P.SetScalars(((k, i),)), P.SetScalars(((k, i),)))
    >>> single_assignments(twice)[2] is i, single_assignments(twice + (P.SetScalars(((k, k),)),))[2]
    (True, None)
    """
    out = {}
    for s in P.walk(block):
        if isinstance(s, P.SetScalars):
            for var, x in s.pairs:
                out[var.vid] = x if out.get(var.vid, x) is x else None
        elif isinstance(s, P.For):
            out[s.var.vid] = None
    return out


# ---- range facts: vid -> the For whose counter it is (bounds unchanged in its body) ---------

def key(node, find):
    if isinstance(node, ScalarVar):
        return ("sv", node.vid)
    if isinstance(node, DimValue):
        return ("dim", repr(find(node.dim)))
    if isinstance(node, ScalarParam):
        return ("sp", node.index)
    return ("id", node)


def _size(node):
    """A DimValue of one symbolic size: never negative."""
    return isinstance(node, DimValue) and isinstance(node.dim, Sym)


def below(x, n, facts, find) -> bool:
    """Is ``x < n`` wherever ``facts`` (vid -> For) hold?"""
    base, c = decompose(x)
    floors = _lower_chain(n, facts)      # n >= nb + nc for each (nb, nc)
    for _ in range(64):
        for nb, nc in floors:
            if base is None and c < nc and (nb is None or _size(nb)):
                return True
            if base is not None and nb is not None and key(base, find) == key(nb, find) and c < nc:
                return True
        if base is None:
            return False
        loop = facts.get(base.vid) if isinstance(base, ScalarVar) else None
        if loop is None:
            return False
        if loop.step > 0:
            base, c2 = decompose(loop.stop)
            c += c2 - 1
        else:
            base, c2 = decompose(loop.start)
            c += c2
    return False


def _lower_chain(y, facts):
    """[(base, c), ...]: ``y >= base + c`` for each, following loop starts (j >= i in
    ``for j in range(i, n)``)."""
    base, c = decompose(y)
    out = [(base, c)]
    for _ in range(64):
        loop = facts.get(base.vid) if isinstance(base, ScalarVar) else None
        if loop is None:
            break
        if loop.step > 0:
            base, c2 = decompose(loop.start)
            c += c2
        else:
            base, c2 = decompose(loop.stop)
            c += c2 + 1
        out.append((base, c))
        if base is None:
            break
    return out


def nonnegative(x, facts) -> bool:
    """Is ``x >= 0`` wherever ``facts`` hold? (its chain of lower bounds reaches a constant
    or a size, plus a constant >= 0)"""
    return any((base is None or _size(base)) and c >= 0 for base, c in _lower_chain(x, facts))

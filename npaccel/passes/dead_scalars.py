"""Copies between scalar locals that nothing reads, dropped. A Python ``for`` leaves its
variable bound, so the frontend copies each loop's counter into the variable after the loop
(``k = k``) and carries it around enclosing loops; where the function never reads it, those
copies are all that keeps a loop nest from being perfectly nested (loop_interchange.py).

Only copies go (a value that is another local, a constant or a size): they cannot fail.
An assignment that computes something stays even if unread, since computing it may raise
(``x = a[i]`` checks ``i``). A pure pass; loop_facts.optimise_loops runs it first.

>>> import numpy as np
>>> from npaccel.ir.dims import Sym
>>> from npaccel.ir.nodes import ScalarVar, Storage, View
>>> i8 = np.dtype(np.int64)
>>> i, k, kp, ix = (ScalarVar(vid=v, name=nm, dtype=i8) for v, nm in ((1, "i"), (2, "k"), (3, "kp"), (4, "ix")))
>>> a = Storage(sid=0, name="a", dtype=i8, shape=(5,))
>>> body = (P.For(var=i, start=0, stop=5, step=1, body=(
...     P.SetScalars(((ix, i),)),
...     P.Store(target=View(arg=a, fixed=((0, Sym("sv4")),), axes=(), dtype=i8, shape=()), value=i),
...     P.SetScalars(((kp, k),)))),)
>>> name = lambda x: getattr(x, "name", None) or type(x).__name__
>>> print(P.format_block(drop_dead_copies(body), name))
for i in range(0, 5, 1):
    ix = i
    store View <- i
"""
from __future__ import annotations

import dataclasses

from ..ir import program as P
from ..ir.nodes import Const, DimValue, ScalarVar
from .loop_terms import dims_vids, nodes_vids

_COPY = (ScalarVar, Const, DimValue)


def drop_dead_copies(body, outputs=()) -> tuple:
    """``body`` without the copies (``v = w``) into locals that nothing reads: no statement
    other than such a copy, no loop bound, no check, and none of ``outputs``."""
    live = nodes_vids(outputs)
    copies = []
    for s in P.walk(body):
        if isinstance(s, P.SetScalars):
            for var, value in s.pairs:
                if isinstance(value, _COPY) or isinstance(value, int):
                    copies.append((var, value))
                else:
                    live |= {var.vid} | nodes_vids([value])
        else:
            live |= statement_vids(s)
    grown = True
    while grown:
        grown = False
        for var, value in copies:
            if var.vid in live and not nodes_vids([value]) <= live:
                live |= nodes_vids([value])
                grown = True
    return _without(body, {var.vid for var, value in copies if var.vid not in live})


def _without(block, dead) -> tuple:
    out = []
    for s in block:
        if isinstance(s, P.SetScalars):
            pairs = tuple((v, x) for v, x in s.pairs if v.vid not in dead or not isinstance(x, _COPY + (int,)))
            if pairs:
                out.append(s if len(pairs) == len(s.pairs) else dataclasses.replace(s, pairs=pairs))
            continue
        out.append(P.with_blocks(s, lambda b: _without(b, dead)))
    return tuple(out)


def statement_vids(s) -> set:
    """vids of the locals statement ``s`` reads itself (its nodes, the dims of its check,
    a loop's bounds and guards), not those of its nested blocks."""
    vids = nodes_vids([n for n in P.statement_nodes(s) if not isinstance(n, int)])
    if isinstance(s, P.Check):
        vids |= dims_vids(s.check)
    if isinstance(s, P.For):
        vids |= nodes_vids([n for g in s.guards for n in (g.index, g.n) if not isinstance(n, int)])
    return vids

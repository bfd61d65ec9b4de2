"""Loops whose iterations are provably independent, marked parallel (a ``Parallel`` record,
ir/program.py): the outermost such ``for``. Every array it writes is one of the program's own
buffers, written and read only at index ``v + c`` (one ``c``) on one axis; scalars it assigns
are assigned before they are read in every iteration (they become private); nothing in it
can break or leave. An index check in it may fail (``x[indices[k]]``): the program then
stops with the error of the lowest failing iteration, the serial loop's (codegen/c_loops.py
parallel_lines). A pure pass, applied after loop_facts.py's check elimination."""
from __future__ import annotations

from dataclasses import replace

from ..ir import program as P
from ..ir.dims import Sym
from ..ir.nodes import ArrayVar, Gather, ScalarVar, Storage, View, topo_order
from .loop_terms import assigned, block_nodes, decompose, leaf_vids, local_vids, single_assignments


def mark_parallel(block, program):
    out = []
    for s in block:
        if isinstance(s, P.For):
            record = independent(s, program)
            if record is not None:
                out.append(replace(s, parallel=record))
                continue
            s = replace(s, body=mark_parallel(s.body, program))
        elif isinstance(s, P.While):
            s = replace(s, test=mark_parallel(s.test, program), body=mark_parallel(s.body, program))
        elif isinstance(s, P.If):
            s = replace(s, then=mark_parallel(s.then, program), orelse=mark_parallel(s.orelse, program))
        out.append(s)
    return tuple(out)


def _reads(s):
    """(vids of scalar locals, nodes) that statement ``s`` reads itself."""
    if isinstance(s, P.Store) and isinstance(s.target, tuple):     # the graph's outputs
        roots = [n for n in s.target if not isinstance(n, (int, float, complex, bool))]
    elif isinstance(s, P.SetScalars):
        roots = [x for _, x in s.pairs]
    elif isinstance(s, P.For):
        roots = [b for b in (s.start, s.stop) if not isinstance(b, int)]
    elif isinstance(s, P.Store):
        roots = [s.target, s.value]
    else:
        roots = [n for n in P.statement_nodes(s) if not isinstance(n, int)]
    vids, nodes = set(), set()
    for n in topo_order(roots):
        nodes.add(n)
        if isinstance(n, ScalarVar):
            vids.add(n.vid)
        for d in n.shape:
            vids |= local_vids(d)
        if isinstance(n, View):
            for ax in n.axes:
                if ax is not None:
                    vids |= local_vids(ax[1])
            for _, d in n.fixed:
                vids |= local_vids(d)
    return vids, nodes


def independent(loop, program):
    """A Parallel record if ``loop``'s iterations are independent, else None."""
    if not isinstance(loop.step, int) or loop.step == 0 or loop.guards:
        return None
    v = loop.var.vid
    if v in assigned(loop.body):
        return None
    for s in P.walk(loop.body):
        if isinstance(s, (P.While, P.Check, P.PickSlot, P.SetArrays)) or \
                (isinstance(s, P.For) and not isinstance(s.step, int)) or \
                (isinstance(s, P.Store) and isinstance(s.target, Gather)):
            return None
    if _leaves_loop(loop.body):
        return None
    nodes = block_nodes(loop.body)
    if any(isinstance(n, ArrayVar) for n in nodes):
        return None
    # arrays written: the program's own buffers only (arguments may alias one another)
    written = []
    for s in P.walk(loop.body):
        if isinstance(s, P.Store):
            t = s.target
            while isinstance(t, View):
                t = t.arg
            if not isinstance(t, Storage):
                return None
            if t not in written:
                written.append(t)
    index_of = single_assignments(loop.body)
    privates = [t for t in written if t.ndim == 0]
    for t in written:
        if t.ndim == 0:
            continue
        seen = set()
        for n in nodes:
            if isinstance(n, View) and n.arg is t:
                seen.add(_axis_of(n, v, index_of))
            elif any(c is t for c in n.children()):
                return None
        if None in seen or len(seen) != 1:
            return None
        for s in P.walk(loop.body):
            if isinstance(s, P.Store) and s.target is t:
                return None
    # 0-d buffers: private when written before read in every iteration, unused elsewhere
    outside_vids, outside_nodes = _reads_outside(program, loop)
    if any(t in outside_nodes for t in privates):
        return None
    private_vids = assigned(loop.body)
    try:
        defined = _defined(loop.body, {v}, private_vids, set(privates))
    except _Carried:
        return None
    lastprivate = private_vids & outside_vids
    if not lastprivate <= defined or (lastprivate and _continues(loop.body)):
        return None     # (an iteration that continues early leaves the serial value unset)
    names = {}
    for s in P.walk(loop.body):
        if isinstance(s, P.SetScalars):
            names.update((var.vid, var) for var, _ in s.pairs)
        elif isinstance(s, P.For):
            names[s.var.vid] = s.var
    work = _work(loop.body, private_vids | {v})
    return P.Parallel(private=tuple(names[k] for k in sorted(private_vids)),
                      lastprivate=tuple(names[k] for k in sorted(lastprivate)),
                      storages=tuple(privates), work=work)


def _work(block, varying):
    """The inner loops of ``block`` as (start, stop, step, their own inner loops): what the
    work estimate multiplies; start and stop None where they change from one iteration of
    the parallel loop to the next (``range(indptr[i], indptr[i + 1])``: a guess is used)."""
    return tuple((None, None, s.step, _work(s.body, varying)) if (leaf_vids(s.start) | leaf_vids(s.stop)) & varying
                 else (s.start, s.stop, s.step, _work(s.body, varying))
                 for s in block if isinstance(s, P.For))


def _leaves_loop(block, depth=0):
    """Does ``block`` (the body of the candidate, ``depth`` loops down) break or continue
    the candidate loop itself? (continue is harmless; break is not)"""
    for s in block:
        if isinstance(s, P.Break) and depth == 0:
            return True
        if isinstance(s, P.For):
            if _leaves_loop(s.body, depth + 1):
                return True
        elif isinstance(s, P.If):
            if _leaves_loop(s.then, depth) or _leaves_loop(s.orelse, depth):
                return True
    return False


def _continues(block):
    """Does ``block`` continue its own loop (not one nested in it)?"""
    return any(isinstance(s, P.Continue) or (isinstance(s, P.If) and (_continues(s.then) or _continues(s.orelse)))
               for s in block)


def _axis_of(view, v, index_of):
    """(axis, c) where ``view`` pins an axis at ``v + c`` (a scalar assigned once from it)."""
    found = None
    for axis, d in view.fixed:
        if not isinstance(d, Sym):
            continue
        vids = local_vids(d)
        if len(vids) != 1:
            continue
        x = index_of.get(next(iter(vids)))
        if x is None:
            continue
        base, c = decompose(x)
        if isinstance(base, ScalarVar) and base.vid == v:
            found = (axis, c)
    return found


def _reads_outside(program, loop):
    vids, nodes = set(), set()

    def visit(block):
        for s in block:
            if s is loop:
                continue
            r, n = _reads(s)
            vids.update(r)
            nodes.update(n)
            for inner in P.nested_blocks(s):
                visit(inner)
    visit(program)
    return vids, nodes


class _Carried(Exception):
    pass


def _defined(block, defined, private, storages):
    """Scalars (and 0-d buffers) assigned for sure after ``block``; raises _Carried where
    one assigned in the loop is read before this iteration assigns it."""
    defined = set(defined)
    for s in block:
        vids, nodes = _reads(s)
        if isinstance(s, P.Store) and s.target.ndim == 0 and s.target in storages:
            nodes = _reads(P.Store(target=s.value, value=s.value))[1]
        if (vids & private) - defined or {k for k in nodes & storages if ("st", k) not in defined}:
            raise _Carried()
        if isinstance(s, P.SetScalars):
            defined |= {var.vid for var, _ in s.pairs}
        elif isinstance(s, P.Store) and s.target in storages:
            defined.add(("st", s.target))
        elif isinstance(s, P.For):
            _defined(s.body, defined | {s.var.vid}, private, storages)
            defined.add(s.var.vid)
        elif isinstance(s, P.If):
            defined = _defined(s.then, defined, private, storages) & _defined(s.orelse, defined, private, storages)
    return defined

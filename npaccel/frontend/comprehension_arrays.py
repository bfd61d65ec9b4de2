"""List comprehensions over arrays (or ranges) of run-time length: the array NumPy makes
of the list, filled by a compiled loop nest.

``np.array([[np.sum((x - y) ** 2) for x in X] for y in Y])`` lowers as::

    <r> = np.empty((len(Y), len(X)), <dtype of the element>)
    for <c0>, <y> in zip(range(HUGE), Y):
        for <c1>, <x> in zip(range(HUGE), X):
            <r>[<c0>, <c1>] = np.sum((<x> - <y>) ** 2)

Each directly nested comprehension (one ``for``, no ``if``) is one more dim; its length must
not change from one outer item to the next (a size known at the call). The element's dtype
and shape come from lowering it once beforehand in scratch (``scratch``), with the counters
symbolic. The comprehension's names are renamed to hidden ones, local to it as in Python 3.

NumPy makes ``np.array([])`` a float64 array of shape (0,): where an empty level would give
another dtype or shape than the compiled one, the call runs in Python when a length is 0
(a guard, as for loops that must make a trip). The list itself is a ``RunTimeList``: NumPy
functions read it as that array; Python's list operations on it do not compile.

``sum(f(x) for x in X)`` (a generator over run-time items, any ``for`` and ``if``) is
Python's sum: a compiled loop adding each item in order to ``start``.
"""
from __future__ import annotations

import copy

import gast
import numpy as np

from ..errors import UnsupportedError
from ..ir.checks import NonNegativeGuard
from ..ir.dims import dim_sub
from ..ir.nodes import DimValue, Node, ScalarVar
from .iteration import element_reader, iterated_call, shortest

HUGE = 1 << 62        # the stop of the counter zipped beside a level's items


class RunTimeList:
    """A list of run-time length held as the array ``np.array`` makes of it."""

    def __init__(self, node, length):
        self.node, self.length = node, length

    def __repr__(self):
        return f"RunTimeList({self.node!r})"


class RunTimeGenerator:
    """A generator expression over a run-time number of items: only ``sum()`` of it compiles
    (``generator_sum``); anything else is unsupported (it is one of the lowering's own
    objects, never handed to Python)."""

    def __init__(self, node):
        self.node = node


def generator_sum(lw, gen, start, node):
    """Python's ``sum(<gen>, start)``: ``acc = start``, then ``acc = acc + item`` for each item
    in order (every ``for`` and ``if`` of the generator), a compiled loop nest."""
    uid = lw.new_id()
    mapping, clauses = {}, []
    for depth, g in enumerate(gen.generators):
        if g.is_async:
            raise lw.unsupported("an async generator", node)
        it = _renamed(g.iter, mapping)
        for n in gast.walk(g.target):
            if isinstance(n, gast.Name):
                mapping[n.id] = f".gs{uid}_{depth}_{n.id}"
        clauses.append((_renamed(g.target, mapping), it, [_renamed(c, mapping) for c in g.ifs]))
    acc = f".gs{uid}_acc"
    lw.env[acc] = start
    body = [gast.Assign(targets=[gast.Name(id=acc, ctx=gast.Store(), annotation=None, type_comment=None)],
                        value=gast.BinOp(left=_load(acc), op=gast.Add(), right=_renamed(gen.elt, mapping)),
                        type_comment=None)]
    for target, it, ifs in reversed(clauses):
        for cond in reversed(ifs):
            body = [gast.If(test=cond, body=body, orelse=[])]
        body = [gast.For(target=target, iter=it, body=body, orelse=[], type_comment=None)]
    lw.state.read_later.add(acc)          # (its value after zero trips is the start's)
    try:
        run_loop(lw, body[0], node)
        return lw.env[acc]
    except UnsupportedError as exc:
        if acc not in str(exc.construct):
            raise
        raise lw.unsupported("sum() of a generator whose items change the sum's type, where some may be left "
                             "out or there may be none (Python's int start stays then)", node) from None
    finally:
        lw.state.read_later.discard(acc)
        for k in [k for k in lw.env if k.startswith(f".gs{uid}_")]:
            lw.env.pop(k, None)


def comprehension_array(lw, node):
    """A ``RunTimeList`` for the comprehension ``node`` (a gast.ListComp)."""
    levels, element = [], node
    while isinstance(element, gast.ListComp):
        if len(element.generators) != 1 or element.generators[0].ifs or element.generators[0].is_async:
            if not levels:
                raise lw.unsupported("a comprehension over an array of run-time length with several 'for' "
                                     "or an 'if' (its length is known only as it runs)", node)
            break
        levels.append(element.generators[0])
        element = element.elt
    uid = lw.new_id()
    names = {".zip": zip, ".range": range}
    for k, v in names.items():
        lw.env[k] = v
    try:
        return _lowered(lw, node, levels, element, uid)
    finally:
        for k in [k for k in lw.env if k in names or k.startswith(f".lc{uid}_")]:
            lw.env.pop(k, None)


def _lowered(lw, node, levels, element, uid):
    mapping, headers = {}, []
    for depth, gen in enumerate(levels):
        sources, targets = _items(lw, gen, mapping, node)
        for t in targets:
            for n in gast.walk(t):
                if isinstance(n, gast.Name):
                    mapping[n.id] = f".lc{uid}_{depth}_{n.id}"
        headers.append((f".lc{uid}_c{depth}", sources, [_renamed(t, mapping) for t in targets]))
    element = _renamed(element, mapping)
    first = shortest(lw, [element_reader(lw, s, f".lc{uid}_n0_{k}", ".unused", node)[1]
                          for k, s in enumerate(headers[0][1])], node)
    lengths, dtype, shape = _probe(lw, node, headers, element, uid)
    lengths = [first] + lengths
    # np.array([]) is float64 of shape (0,): an empty level is that only for float scalars
    plain = shape == () and dtype == np.float64
    why = "a comprehension with no items (NumPy's array of it is float64 of shape (0,))"
    for depth, n in enumerate(lengths):
        if depth == len(lengths) - 1 and plain:
            continue
        if depth:
            lw.require_trips(NonNegativeGuard(dim_sub(n.dim if isinstance(n, DimValue) else n, 1)), why)
            continue
        for source in headers[0][1]:
            lw.require_trips(_first_item(lw, source, node), why)
    result = f".lc{uid}_r"
    dims = tuple(lengths) + tuple(d if isinstance(d, int) else lw.dim_value(d) for d in shape)
    lw.env[result] = lw.call(np.empty, [dims], {"dtype": dtype}, node)
    counters = [gast.Name(id=c, ctx=gast.Load(), annotation=None, type_comment=None) for c, _, _ in headers]
    index = counters[0] if len(counters) == 1 else gast.Tuple(elts=counters, ctx=gast.Load())
    body = [gast.Assign(targets=[gast.Subscript(value=_load(result), slice=index, ctx=gast.Store())],
                        value=element, type_comment=None)]
    for counter, sources, targets in reversed(headers):
        target = gast.Tuple(elts=[gast.Name(id=counter, ctx=gast.Store(), annotation=None, type_comment=None)]
                            + targets, ctx=gast.Store())
        it = gast.Call(func=_load(".zip"), args=[_huge_range()] + sources, keywords=[])
        body = [gast.For(target=target, iter=it, body=body, orelse=[], type_comment=None)]
    run_loop(lw, body[0], node)
    return RunTimeList(lw.env[result], first)


def run_loop(lw, loop, node):
    """Lower a synthesized ``for`` statement as if written at ``node``'s lines."""
    for n in gast.walk(loop):
        if isinstance(n, (gast.stmt, gast.expr)) and not hasattr(n, "lineno"):
            gast.copy_location(n, node)
        if isinstance(n, gast.stmt):
            n.end_lineno = getattr(node, "end_lineno", n.lineno)
    outer = lw.current
    try:
        lw.stmt(loop)
    finally:
        lw.current = outer


def _items(lw, gen, mapping, node):
    """(the sources zipped, the targets bound to their items) of one ``for`` clause."""
    it = _renamed(gen.iter, mapping)
    func = iterated_call(lw, it)
    target = gen.target
    if func is None:
        return [it], [target]
    if it.keywords or any(isinstance(a, gast.Starred) for a in it.args) or not it.args:
        raise lw.unsupported(f"a comprehension over {func.__name__}() with keywords or starred arguments", node)
    if func is enumerate:
        if len(it.args) != 1:
            raise lw.unsupported("a comprehension over enumerate() with a start", node)
        sources = [_huge_range(), it.args[0]]
    else:
        sources = list(it.args)
    if not isinstance(target, (gast.Tuple, gast.List)) or len(target.elts) != len(sources):
        raise lw.unsupported(f"a comprehension over {func.__name__}() whose target does not unpack each item",
                             node)
    return sources, list(target.elts)


def _probe(lw, node, headers, element, uid):
    """Lengths of the inner levels, dtype and shape of the element: lowered once in scratch,
    each counter a symbolic value (a length that depends on one is refused)."""
    counters = []
    with lw.scratch():
        lengths = []
        for depth, (counter, sources, targets) in enumerate(headers):
            var = ScalarVar(vid=lw.new_id(), name=counter, dtype=np.dtype(np.int64), weak=True)
            lw.env[counter] = var
            counters.append(var)
            read = [element_reader(lw, s, f".lc{uid}_p{depth}_{k}", counter, node) for k, s in enumerate(sources)]
            if depth:
                n = shortest(lw, [length for _, length in read], node)
                if not isinstance(n, (int, DimValue)):
                    raise lw.unsupported("a nested comprehension whose length changes with the outer item "
                                         "(NumPy would make a ragged array)", node)
                lengths.append(n)
            for t, (item, _) in zip(targets, read):
                lw.bind(t, lw.expr(item))
        value = lw.expr(element)
        if isinstance(value, RunTimeList):
            value = value.node
        if isinstance(value, (list, tuple)) or not isinstance(value, Node):
            value = lw.as_node(value, node)
        dtype, shape = value.dtype, (() if value.weak else tuple(value.shape))
    if dtype.kind not in "biufc":
        raise lw.unsupported(f"a comprehension of {dtype} items", node)
    return lengths, dtype, shape


def _first_item(lw, source, node):
    """The guard that ``source`` (a range or an array) has an item, or None."""
    if isinstance(source, gast.Call) and isinstance(source.func, gast.Name) and \
            lw.lookup(source.func.id, source.func) is range:
        bounds = [lw.scalar_index(lw.expr(a)) for a in source.args]
        start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else \
            (bounds[0], bounds[1], 1) if len(bounds) == 2 else tuple(bounds)
        return lw.at_least_once(start, stop, step) if isinstance(step, int) and step else None
    value = lw.expr(source)
    return NonNegativeGuard(dim_sub(value.shape[0], 1)) if isinstance(value, Node) and value.ndim else None


def _huge_range():
    return gast.Call(func=_load(".range"), args=[gast.Constant(value=HUGE, kind=None)], keywords=[])


def _load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _renamed(tree, mapping):
    """A copy of ``tree`` with the names in ``mapping`` renamed."""
    tree = copy.deepcopy(tree)
    for n in gast.walk(tree):
        if isinstance(n, gast.Name) and n.id in mapping:
            n.id = mapping[n.id]
    return tree

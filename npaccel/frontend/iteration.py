"""``for`` over arrays, ``enumerate`` and ``zip``: rewritten as a loop over ``range``.

``for v in x`` is Python's iteration of an array: element (or row) ``k`` read at trip
``k``. It lowers as::

    for <k> in range(len(x)):
        v = <x>[<k>]
        <body>

where ``<x>`` is the iterated value, evaluated once before the loop and bound to a name
no Python code can spell, and ``<k>`` a hidden counter. ``enumerate(x, start)`` binds
``i = <k> + start`` too; ``zip(a, b, ...)`` runs for the shortest length and binds one
element of each. A ``range(...)`` among zip's or enumerate's arguments gives
``start + <k> * step``. Everything else about the loop (carried names, Python's value of
``v`` after it, zero trips, break/continue) is the ``range`` loop's.

``for pos in np.ndindex(shape)`` is one loop over the product of the sizes, ``pos`` the
tuple ``(<k> // (n1 * n2) % n0, <k> // n2 % n1, <k> % n2)`` of Python ints (C order).
"""
from __future__ import annotations

import gast
import numpy as np

from ..ir.dims import dim_min
from ..ir.nodes import DimValue, Node

_ITERATORS = (enumerate, zip)


def iterated_call(lowerer, it):
    """``enumerate``/``zip`` if ``it`` calls one of them, else None."""
    if not isinstance(it, gast.Call) or not isinstance(it.func, gast.Name):
        return None
    found, value = (True, lowerer.env[it.func.id]) if it.func.id in lowerer.env else \
        lowerer.src.lookup_global(it.func.id)
    return value if found and any(value is f for f in _ITERATORS) else None


def lower_iteration(lowerer, node, func):
    """Lower ``for <target> in <node.iter>`` over arrays (``func``: enumerate, zip or None)."""
    it = node.iter
    if func is None:
        sources, start = [it], 0
    elif func is enumerate:
        if len(it.args) not in (1, 2) or it.keywords and [k.arg for k in it.keywords] != ["start"]:
            raise lowerer.unsupported("enumerate() with other than (iterable[, start])", node)
        sources = [it.args[0]]
        start = lowerer.expr(it.args[1] if len(it.args) == 2 else it.keywords[0].value) \
            if len(it.args) == 2 or it.keywords else 0
    else:
        if it.keywords or not it.args or any(isinstance(a, gast.Starred) for a in it.args):
            raise lowerer.unsupported("zip() with keywords, no or starred arguments", node)
        sources = list(it.args)
    uid = lowerer.new_id()
    counter = f".k{uid}"
    items, lengths = [], []
    for n, source in enumerate(sources):
        element, length = element_reader(lowerer, source, f".it{uid}_{n}", counter, node)
        items.append(element)
        lengths.append(length)
    stop = shortest(lowerer, lengths, node)
    stop_name = f".n{uid}"
    lowerer.env[stop_name] = stop
    if func is enumerate:
        index = _name(counter) if isinstance(start, int) and start == 0 else \
            gast.BinOp(left=_name(counter), op=gast.Add(), right=_name(f".s{uid}"))
        lowerer.env[f".s{uid}"] = start
        items = [index, items[0]]
    targets = node.target.elts if isinstance(node.target, (gast.Tuple, gast.List)) and \
        len(node.target.elts) == len(items) else None
    if func is not None and targets is None:
        raise lowerer.unsupported(f"a '{func.__name__}' loop whose target does not unpack each item", node)
    binds = [gast.Assign(targets=[t], value=v) for t, v in zip(targets, items)] if targets else \
        [gast.Assign(targets=[node.target], value=items[0])]
    loop = gast.For(target=gast.Name(id=counter, ctx=gast.Store(), annotation=None, type_comment=None),
                    iter=gast.Call(func=gast.Constant(value=range, kind=None), args=[_name(stop_name)], keywords=[]),
                    body=binds + list(node.body), orelse=[], type_comment=None)
    for n in [loop] + binds:
        gast.copy_location(n, node)
        n.end_lineno = node.end_lineno
    try:
        lowerer.stmt_For(loop)
    finally:
        for name in [k for k in lowerer.env if k.startswith((f".it{uid}_", f".n{uid}", f".s{uid}"))]:
            lowerer.env.pop(name, None)


def shortest(lowerer, lengths, node):
    """The least of the lengths (zip's): a size where they all are."""
    stop = lengths[0]
    for length in lengths[1:]:
        if all(isinstance(v, (int, DimValue)) for v in (stop, length)):      # sizes stay sizes
            stop = lowerer.dim_value(dim_min(*(v.dim if isinstance(v, DimValue) else v for v in (stop, length))))
        else:
            stop = lowerer.call(min, [stop, length], {}, node)
    return stop


def _name(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def element_reader(lowerer, source, hidden, counter, node):
    """(expression reading element ``counter`` of ``source``, its length)."""
    if isinstance(source, gast.Call) and isinstance(source.func, gast.Name) and \
            lowerer.lookup(source.func.id, source.func) is range and not source.keywords:
        bounds = [lowerer.scalar_index(lowerer.expr(a)) for a in source.args]
        if not 1 <= len(bounds) <= 3:
            raise lowerer.unsupported("range() with other than 1 to 3 arguments", node)
        start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else \
            (bounds[0], bounds[1], 1) if len(bounds) == 2 else tuple(bounds)
        if not isinstance(step, int) or step == 0:
            raise lowerer.unsupported("range() in zip/enumerate with a zero or run-time step", node)
        lowerer.env[hidden + "a"], lowerer.env[hidden + "b"] = start, step
        element = gast.BinOp(left=_name(hidden + "a"), op=gast.Add(),
                             right=gast.BinOp(left=_name(counter), op=gast.Mult(), right=_name(hidden + "b")))
        if all(isinstance(b, int) for b in (start, stop)):
            return element, len(range(start, stop, step))
        # Python's len(range): max(0, ceil((stop - start) / step))
        span = lowerer.binop(gast.Sub, stop, start) if step > 0 else lowerer.binop(gast.Sub, start, stop)
        k = abs(step)
        trips = span if k == 1 else lowerer.binop(gast.FloorDiv, lowerer.binop(gast.Add, span, k - 1), k)
        return element, lowerer.call(max, [0, trips], {}, node)
    value = lowerer.expr(source)
    if isinstance(value, Node) and value.ndim and not value.weak:
        lowerer.env[hidden] = value
        return gast.Subscript(value=_name(hidden), slice=_name(counter), ctx=gast.Load()), \
            lowerer.dim_value(value.shape[0])
    if isinstance(value, Node):
        from .semantics import numpy_semantics
        with numpy_semantics():
            iter(np.zeros((), value.dtype))        # NumPy's TypeError for a 0-d array
    raise lowerer.unsupported("'for' over something other than an array, range() or a static sequence", node)


def lower_ndindex(lowerer, node):
    """``for pos in np.ndindex(*shape)`` (or ``np.ndindex(shape)``)."""
    from .array_build import to_dim
    from ..ir.dims import dim_mul
    it = node.iter
    if it.keywords or any(isinstance(a, gast.Starred) for a in it.args):
        raise lowerer.unsupported("np.ndindex() with keywords or starred arguments", node)
    args = [lowerer.expr(a) for a in it.args]
    sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else tuple(args)
    dims = [to_dim(lowerer, d, node) for d in sizes]
    from .array_build import nonnegative, require
    for d in dims:           # NumPy's ValueError for a negative size, before the loop
        if isinstance(d, int) or not nonnegative(d):
            require(lowerer, d, ">=", 0, "ValueError", "negative dimensions are not allowed")
    uid = lowerer.new_id()
    counter = f".k{uid}"
    total = 1
    for d in dims:
        total = dim_mul(total, d)
    lowerer.env[f".n{uid}"] = lowerer.dim_value(total)
    items, stride = [], 1
    for axis in reversed(range(len(dims))):
        lowerer.env[f".d{uid}_{axis}"] = lowerer.dim_value(dims[axis])
        lowerer.env[f".s{uid}_{axis}"] = lowerer.dim_value(stride)
        quotient = gast.BinOp(left=_name(counter), op=gast.FloorDiv(), right=_name(f".s{uid}_{axis}"))
        items.append(gast.BinOp(left=quotient, op=gast.Mod(), right=_name(f".d{uid}_{axis}")))
        stride = dim_mul(stride, dims[axis])
    pos = gast.Tuple(elts=list(reversed(items)), ctx=gast.Load())
    bind = gast.Assign(targets=[node.target], value=pos)
    loop = gast.For(target=gast.Name(id=counter, ctx=gast.Store(), annotation=None, type_comment=None),
                    iter=gast.Call(func=gast.Constant(value=range, kind=None), args=[_name(f".n{uid}")], keywords=[]),
                    body=[bind] + list(node.body), orelse=[], type_comment=None)
    for n in gast.walk(loop):
        if isinstance(n, (gast.stmt, gast.expr)) and not hasattr(n, "lineno"):
            gast.copy_location(n, node)
    loop.end_lineno = bind.end_lineno = node.end_lineno
    try:
        lowerer.stmt_For(loop)
    finally:
        for name in [k for k in lowerer.env if k.startswith((f".n{uid}", f".d{uid}_", f".s{uid}_"))]:
            lowerer.env.pop(name, None)

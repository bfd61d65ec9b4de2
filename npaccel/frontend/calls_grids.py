"""Index grids as pure values: eye, identity, indices, meshgrid, triu/tril, mgrid/ogrid, linspace.

eye is ``(j - i == k)`` over two ``Iota``s, indices stacks one ``Iota`` per axis, and
meshgrid broadcasts each (flattened) input along its own axis: all are computed by the
loop that reads them.
"""
from __future__ import annotations

import inspect
import math
import operator

import numpy as np

from ..ir.nodes import Concat, Node, View
from ..ir.ops import Op
from ..ir.dims import dim_add, dim_floordiv, dim_max, dim_sub
from .array_build import (as_array, bind, cast, const, dim_node, dtype_arg, ew, fail, iota, require, shape_arg,
                          strong_dtype, to_dim)
from .calls import CALL_HANDLERS, register
from .calls_arrays import copy_of, fill, probe
from .calls_shapes import moveaxis, ravel, reshape_value
from .semantics import kind_name

_REQ = inspect.Parameter.empty


@register(np.eye)
def _eye(lw, args, kwargs, node):
    b = bind(lw, node, "eye", args, kwargs,
             [("N", _REQ), ("M", None), ("k", 0), ("dtype", float), ("order", "C")],
             [("device", None), ("like", None)], unsupported=("device", "like"))
    return eye(lw, b["N"], b["M"], b["k"], b["dtype"], node)


def eye(lw, n, m, k, dtype, node):
    rows, = shape_arg(lw, n, node)
    cols = rows if m is None else shape_arg(lw, m, node)[0]
    if isinstance(k, Node):
        if k.ndim or k.dtype.kind not in "iu":
            fail(TypeError(f"'{k.dtype}' object cannot be interpreted as an integer"))
    else:
        k = probe(operator.index, k)
    dt = dtype_arg(lw, dtype, np.float64, node)
    shape = (rows, cols)
    diag = ew(lw, Op.SUBTRACT, (iota(lw, 1, shape), iota(lw, 0, shape)), np.int64)
    return cast(lw, ew(lw, Op.EQUAL, (diag, k), np.int64), dt)


@register(np.identity)
def _identity(lw, args, kwargs, node):
    b = bind(lw, node, "identity", args, kwargs, [("n", _REQ), ("dtype", None)], [("like", None)],
             unsupported=("like",))
    return eye(lw, b["n"], None, 0, b["dtype"], node)


@register(np.indices)
def _indices(lw, args, kwargs, node):
    b = bind(lw, node, "indices", args, kwargs, [("dimensions", _REQ), ("dtype", int), ("sparse", False)])
    if not isinstance(b["dimensions"], (tuple, list)):
        fail(TypeError(f"object of type '{type(b['dimensions']).__name__}' has no len()"))
    dims = shape_arg(lw, b["dimensions"], node)
    dt = dtype_arg(lw, b["dtype"], np.int64, node)
    n = len(dims)
    if b["sparse"]:
        return tuple(cast(lw, iota(lw, k, tuple(d if j == k else 1 for j, d in enumerate(dims))), dt)
                     for k in range(n))
    if n == 0:
        return fill(lw, const(lw, 0, dt), (0,))
    parts = [_new_axis(lw, cast(lw, iota(lw, k, dims), dt)) for k in range(n)]
    return lw.intern(Concat(args=tuple(parts), axis=0, dtype=dt, shape=(n, *dims)))


def _new_axis(lw, a):
    return lw.intern(View(arg=a, axes=(None, *((d, 0, 1) for d in range(a.ndim))), fixed=(),
                             dtype=a.dtype, shape=(1, *a.shape)))


@register(np.meshgrid)
def _meshgrid(lw, args, kwargs, node):
    b = bind(lw, node, "meshgrid", (), kwargs, [], [("copy", True), ("sparse", False), ("indexing", "xy")])
    if b["indexing"] not in ("xy", "ij"):
        fail(ValueError("Valid values for `indexing` are 'xy' and 'ij'."))
    n = len(args)
    outs = []
    for k, x in enumerate(args):
        flat = ravel(lw, as_array(lw, x, node), node)
        shape = [1] * n
        shape[k] = flat.shape[0]
        if b["indexing"] == "xy" and n > 1 and k < 2:
            shape[0], shape[1] = shape[1], shape[0]
        outs.append(reshape_value(lw, flat, tuple(shape)))
    if not b["sparse"] and outs:
        full = tuple(next((d for d in dims if d != 1), 1) for dims in zip(*(o.shape for o in outs)))
        outs = [fill(lw, o, full) if tuple(o.shape) != full else o for o in outs]
    return tuple(copy_of(lw, o) if isinstance(o, Node) and o in args else o for o in outs)


# ---- triu / tril ---------------------------------------------------------------------------------
def triangle(lw, m, k, lower, node):
    """NumPy's ``where(tri(N, M, k) [or its complement], m, 0)``: (j - i <= k) keeps the lower
    triangle, (j - i >= k) the upper; a 1-d ``m`` makes an (n, n) result."""
    m = as_array(lw, m, node)
    name = "tril" if lower else "triu"
    probe(getattr(np, name), np.zeros((1,) * m.ndim, m.dtype), 0)      # NumPy's error for 0-d
    if isinstance(k, Node):
        if k.ndim or k.dtype.kind not in "iu":
            raise lw.unsupported(f"np.{name}() with a run-time k that is not an int", node)
    else:
        k = probe(operator.index, k)
    shape = tuple(m.shape[-2:]) if m.ndim >= 2 else (m.shape[0], m.shape[0])
    diag = ew(lw, Op.SUBTRACT, (iota(lw, 1, shape), iota(lw, 0, shape)), np.int64)
    keep = ew(lw, Op.LESS_EQUAL if lower else Op.GREATER_EQUAL, (diag, k), np.int64)
    return ew(lw, Op.WHERE, (keep, m, const(lw, 0, m.dtype)), m.dtype)


@register(np.tril)
def _tril(lw, args, kwargs, node):
    b = bind(lw, node, "tril", args, kwargs, [("m", _REQ), ("k", 0)])
    return triangle(lw, b["m"], b["k"], True, node)


@register(np.triu)
def _triu(lw, args, kwargs, node):
    b = bind(lw, node, "triu", args, kwargs, [("m", _REQ), ("k", 0)])
    return triangle(lw, b["m"], b["k"], False, node)


# ---- mgrid / ogrid -------------------------------------------------------------------------------
def grid_index(lw, grid, key, node):
    """``np.mgrid[a:b:s, ...]`` / ``np.ogrid[...]`` over integer slices (NumPy's nd_grid:
    int64 values start + step * index; a negative mgrid size is NumPy's ValueError).
    Float or complex (linspace-like) steps run in Python."""
    items = key if isinstance(key, tuple) else (key,)
    parts = []
    for s in items:
        if not isinstance(s, slice):
            raise lw.unsupported(f"np.{'ogrid' if grid.sparse else 'mgrid'}[] with an item that is not a slice", node)
        start = 0 if s.start is None else s.start
        step = 1 if s.step is None else s.step
        for v in (start, s.stop, step):
            if not (isinstance(v, Node) and v.weak and v.dtype.kind == "i" and not v.ndim or
                    isinstance(v, int) and not isinstance(v, bool)):
                raise lw.unsupported("np.mgrid/np.ogrid with bounds that are not Python ints", node)
        if isinstance(step, Node):
            raise lw.unsupported("np.mgrid/np.ogrid with a step known only at run time", node)
        if step == 0:
            fail(ZeroDivisionError("division by zero"))
        parts.append((start, s.stop, step))
    if not isinstance(key, tuple):       # one slice: np.arange(start, stop, step)
        start, stop, step = parts[0]
        return CALL_HANDLERS[np.arange](lw, (start, stop, step), {}, node)
    sizes = []
    for start, stop, step in parts:
        lo, hi = to_dim(lw, start, node), to_dim(lw, stop, node)
        diff = dim_sub(hi, lo) if step > 0 else dim_sub(lo, hi)
        s = abs(step)
        if not grid.sparse:      # ceil(diff / step) < 0: indices() refuses it
            require(lw, dim_add(diff, s), ">", 0, "ValueError", "negative dimensions are not allowed")
        sizes.append(dim_floordiv(dim_add(dim_max(diff, 0), s - 1), s))
    n = len(parts)
    values = []
    for k, (start, _, step) in enumerate(parts):
        shape = tuple(d if j == k else 1 for j, d in enumerate(sizes)) if grid.sparse else tuple(sizes)
        values.append(ew(lw, Op.ADD, (ew(lw, Op.MULTIPLY, (iota(lw, k, shape), step), np.int64), start), np.int64))
    if grid.sparse:
        return tuple(values)
    if n == 0:
        return fill(lw, const(lw, 0, np.int64), (0,))
    return lw.intern(Concat(args=tuple(_new_axis(lw, v) for v in values), axis=0, dtype=np.dtype(np.int64),
                               shape=(n, *sizes)))


# ---- linspace -------------------------------------------------------------------------------
@register(np.linspace)
def _linspace(lw, args, kwargs, node):
    b = bind(lw, node, "linspace", args, kwargs,
             [("start", _REQ), ("stop", _REQ), ("num", 50), ("endpoint", True),
              ("retstep", False), ("dtype", None), ("axis", 0)], [("device", None)], unsupported=("device",))
    start, stop = b["start"], b["stop"]
    for v in (start, stop):
        if not isinstance(v, (Node, bool, int, float, np.generic)) or isinstance(v, (complex, np.complexfloating)) \
                or (isinstance(v, Node) and v.dtype.kind == "c"):
            raise lw.unsupported(f"np.linspace of a {kind_name(v)}", node)
    for what in ("endpoint", "retstep", "axis"):
        if isinstance(b[what], Node):
            raise lw.unsupported(f"linspace(..., {what}=...) known only at run time", node)
    num = to_dim(lw, b["num"], node)
    if isinstance(num, int) and num < 0:
        fail(ValueError(f"Number of samples, {num}, must be non-negative."))
    if not isinstance(num, int):
        require(lw, num, ">=", 0, "ValueError", "Number of samples, {}, must be non-negative.", (num,))
    endpoint = bool(b["endpoint"])
    div = dim_sub(num, 1) if endpoint else num
    arrays = any(isinstance(v, Node) and not v.weak for v in (start, stop))
    dt = probe(np.result_type, *(_operand(v) for v in (start, stop)), 1.0)
    out_dt = dtype_arg(lw, b["dtype"], dt, node)
    delta = ew(lw, Op.SUBTRACT, (stop, start), dt)
    bshape = delta.shape if isinstance(delta, Node) else ()
    i = iota(lw, 0, (num, *bshape))
    y = cast(lw, i, dt)
    if isinstance(div, int):
        if div > 0:
            step = ew(lw, Op.TRUE_DIVIDE, (delta, div), dt)
            zero = _any_zero(lw, step, node)
            scaled = ew(lw, Op.WHERE, (zero, ew(lw, Op.MULTIPLY, (ew(lw, Op.TRUE_DIVIDE, (y, div), dt), delta), dt),
                                       ew(lw, Op.MULTIPLY, (y, step), dt)), dt)
        else:
            step = math.nan         # NumPy's Python float
            scaled = ew(lw, Op.MULTIPLY, (y, delta), dt)
    else:
        d = dim_node(lw, div)
        positive = ew(lw, Op.GREATER, (d, 0), np.int64)
        step = ew(lw, Op.TRUE_DIVIDE, (delta, d), dt)
        zero = _any_zero(lw, step, node)
        by_step = ew(lw, Op.WHERE, (zero, ew(lw, Op.MULTIPLY, (ew(lw, Op.TRUE_DIVIDE, (y, d), dt), delta), dt),
                                    ew(lw, Op.MULTIPLY, (y, step), dt)), dt)
        scaled = ew(lw, Op.WHERE, (positive, by_step, ew(lw, Op.MULTIPLY, (y, delta), dt)), dt)
        step = ew(lw, Op.WHERE, (positive, step, np.nan), dt)
    # y += start: start converted to an array (strong) unless an array is among the bounds
    add_dt = np.result_type(dt, _operand(start) if arrays else strong_dtype(start))
    y = cast(lw, ew(lw, Op.ADD, (scaled, start), add_dt), dt)
    if endpoint:
        last = ew(lw, Op.EQUAL, (i, dim_node(lw, dim_sub(num, 1))), np.int64)
        if not isinstance(num, int):
            last = ew(lw, Op.LOGICAL_AND, (last, ew(lw, Op.GREATER, (dim_node(lw, num), 1), np.int64)), bool)
        if not (isinstance(num, int) and num <= 1):
            y = ew(lw, Op.WHERE, (last, cast(lw, stop, dt), y), dt)
    axis = b["axis"]
    if axis != 0:
        y = moveaxis(lw, y, 0, axis, node)
    if out_dt.kind in "iu":
        y = ew(lw, Op.FLOOR, (y,), dt)
    y = cast(lw, y, out_dt)
    if b["retstep"]:
        return y, step
    return y


def _operand(v):
    """What NumPy's type resolution sees (weak Python scalars stay Python scalars)."""
    if isinstance(v, Node):
        return {"b": True, "i": 1, "u": 1, "f": 1.0}[v.dtype.kind] if v.weak else v.dtype
    return v


def _any_zero(lw, step, node):
    zero = ew(lw, Op.EQUAL, (step, 0), step.dtype if isinstance(step, Node) else np.asarray(step).dtype)
    if isinstance(zero, Node) and zero.ndim:
        return lw.reduction("any", zero, (), {}, node)
    return zero

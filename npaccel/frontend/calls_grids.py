"""Index grids as pure values: eye, identity, indices, meshgrid, triu/tril, mgrid/ogrid.

eye is ``(j - i == k)`` over two ``Iota``s, indices stacks one ``Iota`` per axis, and
meshgrid broadcasts each (flattened) input along its own axis: all are computed by the
loop that reads them.
"""
from __future__ import annotations

import inspect
import operator

import numpy as np

from ..ir.nodes import Concat, Node, View
from ..ir.ops import Op
from ..ir.dims import dim_add, dim_floordiv, dim_max, dim_sub
from .array_build import as_array, bind, cast, const, dtype_arg, ew, fail, iota, require, shape_arg, to_dim
from .calls import register
from .calls_arrays import copy_of, fill, probe

_REQ = inspect.Parameter.empty


@register(np.eye)
def _eye(fl, args, kwargs, node):
    b = bind(fl, node, "eye", args, kwargs,
             [("N", _REQ), ("M", None), ("k", 0), ("dtype", float), ("order", "C")],
             [("device", None), ("like", None)], unsupported=("device", "like"))
    return eye(fl, b["N"], b["M"], b["k"], b["dtype"], node)


def eye(fl, n, m, k, dtype, node):
    rows, = shape_arg(fl, n, node)
    cols = rows if m is None else shape_arg(fl, m, node)[0]
    if isinstance(k, Node):
        if k.ndim or k.dtype.kind not in "iu":
            fail(TypeError(f"'{k.dtype}' object cannot be interpreted as an integer"))
    else:
        k = probe(operator.index, k)
    dt = dtype_arg(fl, dtype, np.float64, node)
    shape = (rows, cols)
    diag = ew(fl, Op.SUBTRACT, (iota(fl, 1, shape), iota(fl, 0, shape)), np.int64)
    return cast(fl, ew(fl, Op.EQUAL, (diag, k), np.int64), dt)


@register(np.identity)
def _identity(fl, args, kwargs, node):
    b = bind(fl, node, "identity", args, kwargs, [("n", _REQ), ("dtype", None)], [("like", None)],
             unsupported=("like",))
    return eye(fl, b["n"], None, 0, b["dtype"], node)


@register(np.indices)
def _indices(fl, args, kwargs, node):
    b = bind(fl, node, "indices", args, kwargs, [("dimensions", _REQ), ("dtype", int), ("sparse", False)])
    if not isinstance(b["dimensions"], (tuple, list)):
        fail(TypeError(f"object of type '{type(b['dimensions']).__name__}' has no len()"))
    dims = shape_arg(fl, b["dimensions"], node)
    dt = dtype_arg(fl, b["dtype"], np.int64, node)
    n = len(dims)
    if b["sparse"]:
        return tuple(cast(fl, iota(fl, k, tuple(d if j == k else 1 for j, d in enumerate(dims))), dt)
                     for k in range(n))
    if n == 0:
        return fill(fl, const(fl, 0, dt), (0,))
    parts = [_new_axis(fl, cast(fl, iota(fl, k, dims), dt)) for k in range(n)]
    return fl.lw.intern(Concat(args=tuple(parts), axis=0, dtype=dt, shape=(n, *dims)))


def _new_axis(fl, a):
    return fl.lw.intern(View(arg=a, axes=(None, *((d, 0, 1) for d in range(a.ndim))), fixed=(),
                             dtype=a.dtype, shape=(1, *a.shape)))


@register(np.meshgrid)
def _meshgrid(fl, args, kwargs, node):
    b = bind(fl, node, "meshgrid", (), kwargs, [], [("copy", True), ("sparse", False), ("indexing", "xy")])
    if b["indexing"] not in ("xy", "ij"):
        fail(ValueError("Valid values for `indexing` are 'xy' and 'ij'."))
    from .calls_shapes import reshape_value, ravel
    n = len(args)
    outs = []
    for k, x in enumerate(args):
        flat = ravel(fl, as_array(fl, x, node), node)
        shape = [1] * n
        shape[k] = flat.shape[0]
        if b["indexing"] == "xy" and n > 1 and k < 2:
            shape[0], shape[1] = shape[1], shape[0]
        outs.append(reshape_value(fl, flat, tuple(shape)))
    if not b["sparse"] and outs:
        full = tuple(next((d for d in dims if d != 1), 1) for dims in zip(*(o.shape for o in outs)))
        outs = [fill(fl, o, full) if tuple(o.shape) != full else o for o in outs]
    return tuple(copy_of(fl, o) if isinstance(o, Node) and o in args else o for o in outs)


# ---- triu / tril ---------------------------------------------------------------------------------
def triangle(fl, m, k, lower, node):
    """NumPy's ``where(tri(N, M, k) [or its complement], m, 0)``: (j - i <= k) keeps the lower
    triangle, (j - i >= k) the upper; a 1-d ``m`` makes an (n, n) result."""
    m = as_array(fl, m, node)
    name = "tril" if lower else "triu"
    probe(getattr(np, name), np.zeros((1,) * m.ndim, m.dtype), 0)      # NumPy's error for 0-d
    if isinstance(k, Node):
        if k.ndim or k.dtype.kind not in "iu":
            raise fl.unsupported(f"np.{name}() with a run-time k that is not an int", node)
    else:
        k = probe(operator.index, k)
    shape = tuple(m.shape[-2:]) if m.ndim >= 2 else (m.shape[0], m.shape[0])
    diag = ew(fl, Op.SUBTRACT, (iota(fl, 1, shape), iota(fl, 0, shape)), np.int64)
    keep = ew(fl, Op.LESS_EQUAL if lower else Op.GREATER_EQUAL, (diag, k), np.int64)
    return ew(fl, Op.WHERE, (keep, m, const(fl, 0, m.dtype)), m.dtype)


@register(np.tril)
def _tril(fl, args, kwargs, node):
    b = bind(fl, node, "tril", args, kwargs, [("m", _REQ), ("k", 0)])
    return triangle(fl, b["m"], b["k"], True, node)


@register(np.triu)
def _triu(fl, args, kwargs, node):
    b = bind(fl, node, "triu", args, kwargs, [("m", _REQ), ("k", 0)])
    return triangle(fl, b["m"], b["k"], False, node)


# ---- mgrid / ogrid -------------------------------------------------------------------------------
def grid_index(fl, grid, key, node):
    """``np.mgrid[a:b:s, ...]`` / ``np.ogrid[...]`` over integer slices (NumPy's nd_grid:
    int64 values start + step * index; a negative mgrid size is NumPy's ValueError).
    Float or complex (linspace-like) steps run in Python."""
    items = key if isinstance(key, tuple) else (key,)
    parts = []
    for s in items:
        if not isinstance(s, slice):
            raise fl.unsupported(f"np.{'ogrid' if grid.sparse else 'mgrid'}[] with an item that is not a slice", node)
        start = 0 if s.start is None else s.start
        step = 1 if s.step is None else s.step
        for v in (start, s.stop, step):
            if not (isinstance(v, Node) and v.weak and v.dtype.kind == "i" and not v.ndim or
                    isinstance(v, int) and not isinstance(v, bool)):
                raise fl.unsupported("np.mgrid/np.ogrid with bounds that are not Python ints", node)
        if isinstance(step, Node):
            raise fl.unsupported("np.mgrid/np.ogrid with a step known only at run time", node)
        if step == 0:
            fail(ZeroDivisionError("division by zero"))
        parts.append((start, s.stop, step))
    if not isinstance(key, tuple):       # one slice: np.arange(start, stop, step)
        from .calls import CALL_HANDLERS
        start, stop, step = parts[0]
        return CALL_HANDLERS[np.arange](fl, (start, stop, step), {}, node)
    sizes = []
    for start, stop, step in parts:
        lo, hi = to_dim(fl, start, node), to_dim(fl, stop, node)
        diff = dim_sub(hi, lo) if step > 0 else dim_sub(lo, hi)
        s = abs(step)
        if not grid.sparse:      # ceil(diff / step) < 0: indices() refuses it
            require(fl, dim_add(diff, s), ">", 0, "ValueError", "negative dimensions are not allowed")
        sizes.append(dim_floordiv(dim_add(dim_max(diff, 0), s - 1), s))
    n = len(parts)
    values = []
    for k, (start, _, step) in enumerate(parts):
        shape = tuple(d if j == k else 1 for j, d in enumerate(sizes)) if grid.sparse else tuple(sizes)
        values.append(ew(fl, Op.ADD, (ew(fl, Op.MULTIPLY, (iota(fl, k, shape), step), np.int64), start), np.int64))
    if grid.sparse:
        return tuple(values)
    if n == 0:
        return fill(fl, const(fl, 0, np.int64), (0,))
    return fl.lw.intern(Concat(args=tuple(_new_axis(fl, v) for v in values), axis=0, dtype=np.dtype(np.int64),
                               shape=(n, *sizes)))

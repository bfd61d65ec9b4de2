"""Index grids as pure values: eye, identity, indices, meshgrid.

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
from .array_build import as_array, bind, cast, const, dtype_arg, ew, fail, iota, shape_arg
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

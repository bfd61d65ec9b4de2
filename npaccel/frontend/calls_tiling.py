"""Arrays whose elements are other arrays' elements picked by an index map: np.repeat,
np.tile, and np.pad's modes that copy (edge, wrap, reflect, symmetric). Each is a
``Gather`` per axis whose index is computed from the output position (an ``Iota``), so the
loop that reads the result reads the source directly; nothing is copied first.

Index maps along one axis of length n, for output position i (``pad_index`` with j = i - before):

>>> [repeat_source(i, 2) for i in range(6)], [tile_source(i, 3) for i in range(6)]
([0, 0, 1, 1, 2, 2], [0, 1, 2, 0, 1, 2])
>>> [pad_index("reflect", j, 3) for j in range(-3, 6)]
[1, 2, 1, 0, 1, 2, 1, 0, 1]
>>> [pad_index("symmetric", j, 3) for j in range(-3, 6)]
[2, 1, 0, 0, 1, 2, 2, 1, 0]
"""
from __future__ import annotations

import inspect
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..ir.dims import dim_add, dim_mul
from ..ir.nodes import Gather, Node
from ..ir.ops import Op
from .array_build import as_array, bind, dim_node, ew, fail, iota, require, to_dim
from .calls import register, register_method
from .calls_arrays import copy_of, probe
from .calls_shapes import ravel, reshape_value

_REQ = inspect.Parameter.empty
_I64 = np.dtype(np.int64)


def repeat_source(i, r):
    return i // r


def tile_source(i, n):
    return i % n


def pad_index(mode, j, n):
    """Where output position j (relative to the first original element) reads from."""
    if mode == "edge":
        return min(max(j, 0), n - 1)
    if mode == "wrap":
        return j % n
    period = 2 * n - 2 if mode == "reflect" else 2 * n
    m = j % period if period else 0
    return m if m < n else period - m - (mode == "symmetric")


def _take_along(fl, a, axis, index):
    """``a`` with axis ``axis`` read at the int64 positions ``index`` (a 1-d value)."""
    shape = tuple(a.shape[:axis]) + tuple(index.shape) + tuple(a.shape[axis + 1:])
    return fl.lw.intern(Gather(arg=a, args=(index,), axes=(axis,), pos=axis, dtype=a.dtype, shape=shape))


# ---- repeat -------------------------------------------------------------------------------------
def repeat(fl, a, repeats, axis, node):
    if isinstance(repeats, (list, tuple, np.ndarray)) and np.ndim(repeats) == 1 and len(repeats) == 1:
        repeats = repeats[0]
    if isinstance(repeats, Node):
        if repeats.ndim or repeats.dtype.kind not in "iu":
            raise fl.unsupported("np.repeat with run-time repeats that are not one int", node)
    elif not isinstance(repeats, (int, np.integer)) or isinstance(repeats, bool):
        raise fl.unsupported("np.repeat with a count per element", node)
    stand_in = 0 if isinstance(repeats, Node) else repeats
    probe(np.repeat, np.zeros((1,) * a.ndim, a.dtype), stand_in, axis)      # NumPy's errors
    if axis is None:
        a, axis = ravel(fl, a, node), 0
    axis = normalize_axis_index(axis, a.ndim)
    r = to_dim(fl, repeats, node)
    if not isinstance(r, int):
        require(fl, r, ">=", 0, "ValueError", "repeats may not contain negative values.")
    elif r == 1:
        return copy_of(fl, a)
    length = dim_mul(a.shape[axis], r)
    index = ew(fl, Op.FLOOR_DIVIDE, (iota(fl, 0, (length,)), dim_node(fl, r)), _I64)
    return _take_along(fl, a, axis, index)


@register(np.repeat)
def _np_repeat(fl, args, kwargs, node):
    b = bind(fl, node, "repeat", args, kwargs, [("a", _REQ), ("repeats", _REQ), ("axis", None)])
    return repeat(fl, as_array(fl, b["a"], node), b["repeats"], b["axis"], node)


@register_method("repeat")
def _repeat_method(fl, args, kwargs, node):
    b = bind(fl, node, "repeat", args, kwargs, [("a", _REQ), ("repeats", _REQ), ("axis", None)])
    return repeat(fl, b["a"], b["repeats"], b["axis"], node)


# ---- tile ---------------------------------------------------------------------------------------
@register(np.tile)
def _tile(fl, args, kwargs, node):
    b = bind(fl, node, "tile", args, kwargs, [("A", _REQ), ("reps", _REQ)])
    a, reps = as_array(fl, b["A"], node), b["reps"]
    tup = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    if any(isinstance(r, Node) for r in tup):
        raise fl.unsupported("np.tile with counts known only at run time", node)
    tup = tuple(probe(operator.index, r) for r in tup)
    probe(np.tile, np.zeros((1,) * a.ndim, a.dtype), tup)       # NumPy's errors (negative counts)
    if len(tup) > a.ndim:
        a = reshape_value(fl, a, (1,) * (len(tup) - a.ndim) + tuple(a.shape))
    tup = (1,) * (a.ndim - len(tup)) + tup
    out = a
    for axis, r in enumerate(tup):
        if r == 1:
            continue
        n = a.shape[axis]
        index = ew(fl, Op.REMAINDER, (iota(fl, 0, (dim_mul(n, r),)), dim_node(fl, n)), _I64)
        out = _take_along(fl, out, axis, index)
    return copy_of(fl, out) if out is a else out


# ---- pad (edge, wrap, reflect, symmetric) --------------------------------------------------------
PAD_MODES = ("edge", "wrap", "reflect", "symmetric")


def pad_by_index(fl, a, widths, mode, node):
    """np.pad of ``a`` by static (before, after) ``widths`` per axis in a copying mode."""
    out = a
    for axis, (before, after) in enumerate(widths):
        before, after = int(before), int(after)
        if not before and not after:
            continue
        n = a.shape[axis]
        message = (f"can't extend empty axis {axis} using modes other than 'constant' or 'empty'")
        if isinstance(n, int) and n == 0:
            fail(ValueError(message))
        require(fl, n, ">", 0, "ValueError", message)
        nv = dim_node(fl, n)
        length = dim_add(dim_add(n, before), after)
        j = ew(fl, Op.SUBTRACT, (iota(fl, 0, (length,)), before), _I64)
        if mode == "edge":
            index = ew(fl, Op.MINIMUM, (ew(fl, Op.MAXIMUM, (j, 0), _I64), ew(fl, Op.SUBTRACT, (nv, 1), _I64)), _I64)
        elif mode == "wrap":
            index = ew(fl, Op.REMAINDER, (j, nv), _I64)
        else:
            period = ew(fl, Op.MULTIPLY, (nv, 2), _I64)
            if mode == "reflect":
                period = ew(fl, Op.SUBTRACT, (period, 2), _I64)
            m = ew(fl, Op.REMAINDER, (j, period), _I64)
            mirror = ew(fl, Op.SUBTRACT, (period, m), _I64)
            if mode == "symmetric":
                mirror = ew(fl, Op.SUBTRACT, (mirror, 1), _I64)
            index = ew(fl, Op.WHERE, (ew(fl, Op.LESS, (m, nv), _I64), m, mirror), _I64)
        out = _take_along(fl, out, axis, index)
    return copy_of(fl, out) if out is a else out

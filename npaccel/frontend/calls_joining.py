"""Joining arrays as one ``Concat`` value: concatenate, stack, hstack, vstack, dstack,
column_stack, roll, pad (constant mode).

Element i along the joined axis is read from the operand whose range holds i, so
``np.concatenate([a, b]) * 2`` is one loop and nothing is copied first. Dtypes, casting
rules and errors come from NumPy itself (run on 1-element stand-ins); size mismatches known
only at run time are checked at call time with NumPy's messages.
"""
from __future__ import annotations

import inspect
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..ir.dims import dim_add, dim_floordiv, dim_max, dim_min, dim_mul, dim_sub
from ..ir.nodes import Concat, Node, View
from .array_build import as_array, bind, const, dtype_arg, fail, require, surely_differ
from .calls import register
from .calls_arrays import copy_of, fill, probe
from .calls_shapes import atleast, ravel, reshape_value

_REQ = inspect.Parameter.empty


def concatenate(fl, arrays, axis, dtype, casting, node):
    if isinstance(arrays, Node):           # np.concatenate(x): x's rows joined
        if arrays.ndim == 0:
            fail(ValueError("zero-dimensional arrays cannot be concatenated"))
        if arrays.ndim == 1:
            fail(ValueError("zero-dimensional arrays cannot be concatenated"))
        if axis is None:
            return copy_of(fl, ravel(fl, arrays, node))
        a = probe(normalize_axis_index, axis, arrays.ndim - 1)
        moved = fl.transpose(arrays, tuple([*range(1, a + 1), 0, *range(a + 1, arrays.ndim)]), node)
        shape = list(moved.shape)
        shape[a:a + 2] = [dim_mul(shape[a], shape[a + 1])]
        return copy_of(fl, reshape_value(fl, moved, tuple(shape)))
    if not isinstance(arrays, (tuple, list)):
        raise fl.unsupported(f"concatenate() of a {type(arrays).__name__}", node)
    if not arrays:
        fail(ValueError("need at least one array to concatenate"))
    arrays = [as_array(fl, a, node) for a in arrays]
    if axis is None:
        arrays, axis = [ravel(fl, a, node) for a in arrays], 0
    nd = arrays[0].ndim
    for k, a in enumerate(arrays):
        if a.ndim == 0:
            fail(ValueError("zero-dimensional arrays cannot be concatenated"))
        if a.ndim != nd:
            fail(ValueError("all the input arrays must have same number of dimensions, but the array at index 0 "
                            f"has {nd} dimension(s) and the array at index {k} has {a.ndim} dimension(s)"))
    axis = probe(normalize_axis_index, axis, nd)
    dt = probe(np.concatenate, [np.zeros((1,) * nd, a.dtype) for a in arrays], axis=axis, dtype=dtype,
               casting=casting).dtype
    dt = dtype_arg(fl, dt, None, node)
    shape = list(arrays[0].shape)
    for d in range(nd):
        if d == axis:
            continue
        for k, a in enumerate(arrays[1:], 1):
            x, y = arrays[0].shape[d], a.shape[d]
            message = ("all the input array dimensions except for the concatenation axis must match exactly, but "
                       f"along dimension {d}, the array at index 0 has size {{}} and the array at index {k} has "
                       "size {}")
            if surely_differ(x, y):
                fail(ValueError(message.format(x, y)))
            require(fl, x, "==", y, "ValueError", message, (x, y))
            if isinstance(y, int) and not isinstance(shape[d], int):
                shape[d] = y
    length = 0
    for a in arrays:
        length = dim_add(length, a.shape[axis])
    shape[axis] = length
    return fl.lw.intern(Concat(args=tuple(arrays), axis=axis, dtype=dt, shape=tuple(shape)))


@register(np.concatenate)
def _concatenate(fl, args, kwargs, node):
    b = bind(fl, node, "concatenate", args, kwargs, [("arrays", _REQ), ("axis", 0), ("out", None)],
             [("dtype", None), ("casting", "same_kind")], unsupported=("out",))
    return concatenate(fl, b["arrays"], b["axis"], b["dtype"], b["casting"], node)


def _sequence(fl, arrays, name, node):
    if isinstance(arrays, Node):
        raise fl.unsupported(f"{name}() of an array (pass a tuple or list of arrays)", node)
    if not isinstance(arrays, (tuple, list)):
        raise fl.unsupported(f"{name}() of a {type(arrays).__name__}", node)
    return [as_array(fl, a, node) for a in arrays]


@register(np.stack)
def _stack(fl, args, kwargs, node):
    b = bind(fl, node, "stack", args, kwargs, [("arrays", _REQ), ("axis", 0), ("out", None)],
             [("dtype", None), ("casting", "same_kind")], unsupported=("out",))
    arrays = _sequence(fl, b["arrays"], "stack", node)
    if not arrays:
        fail(ValueError("need at least one array to stack"))
    first = arrays[0]
    for a in arrays[1:]:
        if a.ndim != first.ndim:
            fail(ValueError("all input arrays must have the same shape"))
        for x, y in zip(first.shape, a.shape):
            if surely_differ(x, y):
                fail(ValueError("all input arrays must have the same shape"))
            require(fl, x, "==", y, "ValueError", "all input arrays must have the same shape")
    axis = probe(normalize_axis_index, b["axis"], first.ndim + 1)
    index = tuple(None if k == axis else slice(None) for k in range(first.ndim + 1))
    expanded = [fl.basic_index(a, index, node) for a in arrays]
    return concatenate(fl, expanded, axis, b["dtype"], b["casting"], node)


def _stacker(name, n, axis_of):
    def handler(fl, args, kwargs, node):
        b = bind(fl, node, name, args, kwargs, [("tup", _REQ)], [("dtype", None), ("casting", "same_kind")])
        arrays = [atleast(fl, n, a, node) for a in _sequence(fl, b["tup"], name, node)]
        axis = axis_of(arrays)
        return concatenate(fl, arrays, axis, b["dtype"], b["casting"], node)
    return handler


register(np.hstack)(_stacker("hstack", 1, lambda arrs: 0 if arrs and arrs[0].ndim == 1 else 1))
register(np.vstack)(_stacker("vstack", 2, lambda arrs: 0))
register(np.dstack)(_stacker("dstack", 3, lambda arrs: 2))


@register(np.column_stack)
def _column_stack(fl, args, kwargs, node):
    b = bind(fl, node, "column_stack", args, kwargs, [("tup", _REQ)])
    arrays = []
    for a in _sequence(fl, b["tup"], "column_stack", node):
        if a.ndim < 2:
            a = fl.transpose(atleast(fl, 2, a, node), None, node)
        arrays.append(a)
    return concatenate(fl, arrays, 1, None, "same_kind", node)


# ---- roll -----------------------------------------------------------------------------------------
def _part(fl, a, axis, start, length):
    """a[start:start + length] along ``axis`` as a view."""
    axes = tuple((d, start if d == axis else 0, 1) for d in range(a.ndim))
    shape = tuple(length if d == axis else n for d, n in enumerate(a.shape))
    return fl.lw.intern(View(arg=a, axes=axes, fixed=(), dtype=a.dtype, shape=shape))


def roll_axis(fl, a, shift, axis):
    """np.roll of ``a`` by a known ``shift`` along ``axis``: its last k elements, then the
    rest (k = shift mod n, with n possibly known only at run time)."""
    n = a.shape[axis]
    if isinstance(n, int):
        if n == 0 or shift % n == 0:
            return a
        k = shift % n
    else:
        big = dim_max(n, 1)
        if shift >= 0:
            k = dim_sub(shift, dim_mul(dim_floordiv(shift, big), big))
        else:
            m = -shift - 1
            k = dim_sub(dim_sub(n, 1), dim_sub(m, dim_mul(dim_floordiv(m, big), big)))
        k = dim_min(dim_max(k, 0), n)
    head = dim_sub(n, k)
    parts = (_part(fl, a, axis, head, k), _part(fl, a, axis, 0, head))
    return fl.lw.intern(Concat(args=parts, axis=axis, dtype=a.dtype, shape=a.shape))


@register(np.roll)
def _roll(fl, args, kwargs, node):
    b = bind(fl, node, "roll", args, kwargs, [("a", _REQ), ("shift", _REQ), ("axis", None)])
    a = as_array(fl, b["a"], node)
    shift, axis = b["shift"], b["axis"]
    for v in (shift, axis):
        if isinstance(v, Node) or (isinstance(v, (tuple, list)) and any(isinstance(x, Node) for x in v)):
            raise fl.unsupported("np.roll with a shift or axis known only at run time", node)
    if axis is None:
        flat = ravel(fl, a, node)
        rolled = _roll_axes(fl, flat, shift, 0, node)
        return copy_of(fl, reshape_value(fl, rolled, a.shape)) if rolled is flat else reshape_value(fl, rolled,
                                                                                                  a.shape)
    return _roll_axes(fl, a, shift, axis, node)


def _roll_axes(fl, a, shift, axis, node):
    axes = probe(normalize_axis_tuple, axis, a.ndim, allow_duplicate=True)
    pairs = probe(np.broadcast, shift, axes)
    if pairs.ndim > 1:
        fail(ValueError("'shift' and 'axis' should be scalars or 1D sequences"))
    shifts = {ax: 0 for ax in range(a.ndim)}
    for sh, ax in pairs:
        shifts[int(ax)] += probe(operator.index, sh)
    out = a
    for ax, sh in shifts.items():
        out = roll_axis(fl, out, sh, ax)
    return copy_of(fl, out) if out is a else out


# ---- pad ----------------------------------------------------------------------------------------
def _as_pairs(x, ndim, as_index=False):
    """numpy.lib._arraypad_impl._as_pairs: one (before, after) pair per axis."""
    if x is None:
        return ((None, None),) * ndim
    x = np.array(x)
    if as_index:
        x = np.round(x).astype(np.intp, copy=False)
    if x.ndim < 3:
        if x.size == 1:
            x = x.ravel()
            if as_index and x < 0:
                raise ValueError("index can't contain negative values")
            return ((x[0], x[0]),) * ndim
        if x.size == 2 and x.shape != (2, 1):
            x = x.ravel()
            if as_index and (x[0] < 0 or x[1] < 0):
                raise ValueError("index can't contain negative values")
            return ((x[0], x[1]),) * ndim
    if as_index and x.min() < 0:
        raise ValueError("index can't contain negative values")
    return np.broadcast_to(x, (ndim, 2)).tolist()


@register(np.pad)
def _pad(fl, args, kwargs, node):
    from .calls_tiling import PAD_MODES, pad_by_index
    extra = sorted(set(kwargs) - {"array", "pad_width", "mode", "constant_values"})
    if extra:       # stat_length, reflect_type, end_values: not compiled
        raise fl.unsupported(f"np.pad(..., {extra[0]}=...)", node)
    b = bind(fl, node, "pad", args, kwargs, [("array", _REQ), ("pad_width", _REQ), ("mode", "constant")],
             [("constant_values", 0)])
    if b["mode"] != "constant" and b["mode"] not in PAD_MODES:
        raise fl.unsupported(f"np.pad(..., mode={b['mode']!r})", node)
    a = as_array(fl, b["array"], node)
    width, values = b["pad_width"], b["constant_values"]
    for v in (width, values):
        if isinstance(v, Node) or (isinstance(v, (tuple, list)) and any(isinstance(x, Node) for x in np.ravel(
                np.array(v, dtype=object)))):
            raise fl.unsupported("np.pad with widths or values known only at run time", node)
    if np.asarray(width).dtype.kind not in "iu":
        fail(TypeError("`pad_width` must be of integral type."))
    widths = probe(_as_pairs, width, a.ndim, as_index=True)
    if b["mode"] != "constant":
        if "constant_values" in kwargs:     # NumPy: "unsupported keyword arguments for mode ..."
            probe(np.pad, np.zeros((1,) * a.ndim, a.dtype), 0, mode=b["mode"], constant_values=values)
        return pad_by_index(fl, a, widths, b["mode"], node)
    pairs = probe(_as_pairs, values, a.ndim)
    out = a
    for axis, ((before, after), (vb, va)) in enumerate(zip(widths, pairs)):
        parts = []
        for w, v in ((before, vb), (after, va)):
            cell = np.zeros((), a.dtype)
            probe(cell.__setitem__, (), v)
            shape = tuple(int(w) if d == axis else n for d, n in enumerate(out.shape))
            parts.append(fill(fl, const(fl, cell[()], a.dtype), shape) if int(w) else None)
        if parts[0] is None and parts[1] is None:
            continue
        seq = [p for p in (parts[0], out, parts[1]) if p is not None]
        length = 0
        for p in seq:
            length = dim_add(length, p.shape[axis])
        shape = tuple(length if d == axis else n for d, n in enumerate(out.shape))
        out = fl.lw.intern(Concat(args=tuple(seq), axis=axis, dtype=a.dtype, shape=shape))
    return copy_of(fl, out) if out is a else out

"""Joining arrays as one ``Concat`` value: concatenate, stack, hstack, vstack, dstack,
column_stack, roll, pad (constant and empty modes; the others are calls_tiling's; widths as a
dict, or known at run time: ``run_time_pairs``).

Element i along the joined axis is read from the operand whose range holds i, so
``np.concatenate([a, b]) * 2`` is one loop and nothing is copied first. Dtypes, casting
rules and errors come from NumPy itself (run on 1-element stand-ins); size mismatches known
only at run time are checked at call time with NumPy's messages.
"""
from __future__ import annotations

import inspect
import operator
import typing

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..ir.dims import dim_add, dim_floordiv, dim_max, dim_min, dim_mul, dim_sub
from ..ir.nodes import Concat, Node, View
from .array_build import as_array, bind, const, dtype_arg, fail, require, surely_differ, to_dim
from .calls import register
from .calls_arrays import copy_of, fill, probe
from .calls_shapes import atleast, ravel, reshape_value
from .calls_tiling import PAD_MODES, as_pairs, pad_by_index
from .comprehension_arrays import RunTimeList
from .masks import is_selection

_REQ = inspect.Parameter.empty


def concatenate(lw, arrays, axis, dtype, casting, node):
    if isinstance(arrays, Node):           # np.concatenate(x): x's rows joined
        if arrays.ndim == 0:
            fail(ValueError("zero-dimensional arrays cannot be concatenated"))
        if arrays.ndim == 1:
            fail(ValueError("zero-dimensional arrays cannot be concatenated"))
        if axis is None:
            return copy_of(lw, ravel(lw, arrays, node))
        a = probe(normalize_axis_index, axis, arrays.ndim - 1)
        moved = lw.transpose(arrays, tuple([*range(1, a + 1), 0, *range(a + 1, arrays.ndim)]), node)
        shape = list(moved.shape)
        shape[a:a + 2] = [dim_mul(shape[a], shape[a + 1])]
        return copy_of(lw, reshape_value(lw, moved, tuple(shape)))
    if not isinstance(arrays, (tuple, list)):
        raise lw.unsupported(f"concatenate() of a {type(arrays).__name__}", node)
    if not arrays:
        fail(ValueError("need at least one array to concatenate"))
    arrays = [as_array(lw, a, node) for a in arrays]
    if axis is None:
        arrays, axis = [ravel(lw, a, node) for a in arrays], 0
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
    dt = dtype_arg(lw, dt, None, node)
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
            require(lw, x, "==", y, "ValueError", message, (x, y))
            if isinstance(y, int) and not isinstance(shape[d], int):
                shape[d] = y
    length = 0
    for a in arrays:
        length = dim_add(length, a.shape[axis])
    shape[axis] = length
    return lw.intern(Concat(args=tuple(arrays), axis=axis, dtype=dt, shape=tuple(shape)))


@register(np.concatenate)
def _concatenate(lw, args, kwargs, node):
    b = bind(lw, node, "concatenate", args, kwargs, [("arrays", _REQ), ("axis", 0), ("out", None)],
             [("dtype", None), ("casting", "same_kind")], unsupported=("out",))
    return concatenate(lw, b["arrays"], b["axis"], b["dtype"], b["casting"], node)


def holds_node(value) -> bool:
    """Does a (nested) list or tuple hold a value known only at run time?"""
    if isinstance(value, (tuple, list)):
        return any(holds_node(v) for v in value)
    return isinstance(value, (Node, RunTimeList)) or is_selection(value)


def array_from_sequence(lw, seq, node):
    """``np.array([a, b])`` of values known at run time (scalars, arrays, nested lists):
    NumPy's coercion (a Python scalar counts as int64/float64/complex128/bool, not as a weak
    value; its errors for ragged lists where the shapes are known), the items stacked."""
    def stand_in(v):
        if isinstance(v, (tuple, list)):
            return [stand_in(x) for x in v]
        a = as_array(lw, lw.as_node(v, node) if is_selection(v) else v, node)
        return np.zeros(tuple(d if isinstance(d, int) else 1 for d in a.shape), a.dtype)
    dtype = probe(np.array, stand_in(seq)).dtype

    def build(v):
        if not isinstance(v, (tuple, list)):
            return as_array(lw, lw.as_node(v, node) if is_selection(v) else v, node)
        items = [build(x) for x in v]
        if not items:
            fail(ValueError("a list of no items among items known at run time"))
        for a in items[1:]:
            for x, y in zip(items[0].shape, a.shape):
                require(lw, x, "==", y, "ValueError", "setting an array element with a sequence. The requested "
                        "array has an inhomogeneous shape")
        expanded = [lw.basic_index(a, (None,) + (slice(None),) * a.ndim, node) for a in items]
        return concatenate(lw, expanded, 0, dtype, "unsafe", node)
    return build(seq)


@register(np.append)
def _append(lw, args, kwargs, node):
    """np.append: both ravelled and joined (axis None), or joined along ``axis``."""
    b = bind(lw, node, "append", args, kwargs, [("arr", _REQ), ("values", _REQ), ("axis", None)])
    arr, values = as_array(lw, b["arr"], node), as_array(lw, b["values"], node)
    if b["axis"] is None:
        return concatenate(lw, [ravel(lw, arr, node), ravel(lw, values, node)], 0, None, "same_kind", node)
    return concatenate(lw, [arr, values], b["axis"], None, "same_kind", node)


def _sequence(lw, arrays, name, node):
    if isinstance(arrays, Node):
        raise lw.unsupported(f"{name}() of an array (pass a tuple or list of arrays)", node)
    if not isinstance(arrays, (tuple, list)):
        raise lw.unsupported(f"{name}() of a {type(arrays).__name__}", node)
    return [as_array(lw, a, node) for a in arrays]


@register(np.stack)
def _stack(lw, args, kwargs, node):
    b = bind(lw, node, "stack", args, kwargs, [("arrays", _REQ), ("axis", 0), ("out", None)],
             [("dtype", None), ("casting", "same_kind")], unsupported=("out",))
    arrays = _sequence(lw, b["arrays"], "stack", node)
    if not arrays:
        fail(ValueError("need at least one array to stack"))
    first = arrays[0]
    for a in arrays[1:]:
        if a.ndim != first.ndim:
            fail(ValueError("all input arrays must have the same shape"))
        for x, y in zip(first.shape, a.shape):
            if surely_differ(x, y):
                fail(ValueError("all input arrays must have the same shape"))
            require(lw, x, "==", y, "ValueError", "all input arrays must have the same shape")
    axis = probe(normalize_axis_index, b["axis"], first.ndim + 1)
    index = tuple(None if k == axis else slice(None) for k in range(first.ndim + 1))
    expanded = [lw.basic_index(a, index, node) for a in arrays]
    return concatenate(lw, expanded, axis, b["dtype"], b["casting"], node)


def _stacker(name, n, axis_of):
    def handler(lw, args, kwargs, node):
        b = bind(lw, node, name, args, kwargs, [("tup", _REQ)], [("dtype", None), ("casting", "same_kind")])
        arrays = [atleast(lw, n, a, node) for a in _sequence(lw, b["tup"], name, node)]
        axis = axis_of(arrays)
        return concatenate(lw, arrays, axis, b["dtype"], b["casting"], node)
    return handler


register(np.hstack)(_stacker("hstack", 1, lambda arrs: 0 if arrs and arrs[0].ndim == 1 else 1))
register(np.vstack)(_stacker("vstack", 2, lambda arrs: 0))
register(np.dstack)(_stacker("dstack", 3, lambda arrs: 2))


@register(np.column_stack)
def _column_stack(lw, args, kwargs, node):
    b = bind(lw, node, "column_stack", args, kwargs, [("tup", _REQ)])
    arrays = []
    for a in _sequence(lw, b["tup"], "column_stack", node):
        if a.ndim < 2:
            a = lw.transpose(atleast(lw, 2, a, node), None, node)
        arrays.append(a)
    return concatenate(lw, arrays, 1, None, "same_kind", node)


# ---- roll -----------------------------------------------------------------------------------------
def _part(lw, a, axis, start, length):
    """a[start:start + length] along ``axis`` as a view."""
    axes = tuple((d, start if d == axis else 0, 1) for d in range(a.ndim))
    shape = tuple(length if d == axis else n for d, n in enumerate(a.shape))
    return lw.intern(View(arg=a, axes=axes, fixed=(), dtype=a.dtype, shape=shape))


def roll_axis(lw, a, shift, axis):
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
    parts = (_part(lw, a, axis, head, k), _part(lw, a, axis, 0, head))
    return lw.intern(Concat(args=parts, axis=axis, dtype=a.dtype, shape=a.shape))


@register(np.roll)
def _roll(lw, args, kwargs, node):
    b = bind(lw, node, "roll", args, kwargs, [("a", _REQ), ("shift", _REQ), ("axis", None)])
    a = as_array(lw, b["a"], node)
    shift, axis = b["shift"], b["axis"]
    for v in (shift, axis):
        if isinstance(v, Node) or (isinstance(v, (tuple, list)) and any(isinstance(x, Node) for x in v)):
            raise lw.unsupported("np.roll with a shift or axis known only at run time", node)
    if axis is None:
        flat = ravel(lw, a, node)
        rolled = _roll_axes(lw, flat, shift, 0, node)
        return copy_of(lw, reshape_value(lw, rolled, a.shape)) if rolled is flat else reshape_value(lw, rolled,
                                                                                                  a.shape)
    return _roll_axes(lw, a, shift, axis, node)


def _roll_axes(lw, a, shift, axis, node):
    axes = probe(normalize_axis_tuple, axis, a.ndim, allow_duplicate=True)
    pairs = probe(np.broadcast, shift, axes)
    if pairs.ndim > 1:
        fail(ValueError("'shift' and 'axis' should be scalars or 1D sequences"))
    shifts = {ax: 0 for ax in range(a.ndim)}
    for sh, ax in pairs:
        shifts[int(ax)] += probe(operator.index, sh)
    out = a
    for ax, sh in shifts.items():
        out = roll_axis(lw, out, sh, ax)
    return copy_of(lw, out) if out is a else out


# ---- pad ----------------------------------------------------------------------------------------
_PAD_OPTIONS = {"constant": ("constant_values",), "empty": (), "edge": (), "wrap": (), "linear_ramp": ("end_values",),
                "maximum": ("stat_length",), "mean": ("stat_length",), "median": ("stat_length",),
                "minimum": ("stat_length",), "reflect": ("reflect_type",), "symmetric": ("reflect_type",)}


_RUN_TIME_WIDTH_MODES = ("constant", "empty", "edge", "wrap", "reflect", "symmetric")


def dict_widths(width, ndim):
    """NumPy's pad_width given as ``{axis: width or (before, after)}``: pairs, (0, 0) elsewhere.

    >>> dict_widths({1: 2, -1: (0, 1)}, 3)
    [(0, 0), (2, 2), (0, 1)]
    """
    seq = [(0, 0)] * ndim
    for axis, w in width.items():
        match w:
            case int(both):
                seq[axis] = both, both
            case tuple((int(before), int(after))):
                seq[axis] = before, after
            case _ as invalid:
                typing.assert_never(invalid)
    return seq


def run_time_pairs(lw, width, ndim, node):
    """NumPy's as_pairs of a pad_width holding values known only at run time (int
    arguments, sizes): one (before, after) pair of dims per axis, each checked >= 0."""
    grid = probe(np.array, width, dtype=object)
    flat = list(grid.ravel())
    if any(isinstance(v, Node) and (v.ndim or v.dtype.kind not in "iu") for v in flat) or \
            any(not isinstance(v, Node) and np.asarray(v).dtype.kind != "i" for v in flat):
        fail(TypeError("`pad_width` must be of integral type."))
    dims = [to_dim(lw, v, node) for v in flat]
    for d in dims:
        require(lw, d, ">=", 0, "ValueError", "index can't contain negative values")
    if grid.ndim < 3 and len(dims) == 1:
        return ((dims[0], dims[0]),) * ndim
    if grid.ndim < 3 and len(dims) == 2 and grid.shape != (2, 1):
        return ((dims[0], dims[1]),) * ndim
    cells = np.empty(len(dims), dtype=object)
    cells[:] = dims
    return [tuple(pair) for pair in probe(np.broadcast_to, cells.reshape(grid.shape), (ndim, 2)).tolist()]


def _has_run_time(v):
    return isinstance(v, Node) or (isinstance(v, (tuple, list)) and any(
        isinstance(x, Node) for x in np.ravel(np.array(v, dtype=object))))


@register(np.pad)
def _pad(lw, args, kwargs, node):
    if len(args) > 3:
        fail(TypeError(f"pad() takes from 2 to 3 positional arguments but {len(args)} were given"))
    b = bind(lw, node, "pad", args, {k: v for k, v in kwargs.items() if k in ("array", "pad_width", "mode")},
             [("array", _REQ), ("pad_width", _REQ), ("mode", "constant")])
    mode = b["mode"]
    options = {k: v for k, v in kwargs.items() if k not in ("array", "pad_width", "mode")}
    if callable(mode) or isinstance(mode, Node):
        raise lw.unsupported("np.pad with a function as mode", node)
    a = as_array(lw, b["array"], node)
    width = b["pad_width"]
    if isinstance(width, dict):
        if any(_has_run_time(v) for v in width.values()):
            raise lw.unsupported("np.pad with a dict of widths known only at run time", node)
        width = probe(dict_widths, width, a.ndim)
    if any(_has_run_time(v) for v in options.values()):
        raise lw.unsupported("np.pad with values known only at run time", node)
    if _has_run_time(width):
        if mode not in _RUN_TIME_WIDTH_MODES or options.get("reflect_type") == "odd":
            raise lw.unsupported(f"np.pad(..., mode={mode!r}) with widths known only at run time", node)
        widths = run_time_pairs(lw, width, a.ndim, node)
    else:
        if np.asarray(width).dtype.kind != "i":
            fail(TypeError("`pad_width` must be of integral type."))
        widths = probe(as_pairs, width, a.ndim, as_index=True)
    if mode not in _PAD_OPTIONS:
        fail(ValueError(f"mode '{mode}' is not supported"))
    extra = set(options) - set(_PAD_OPTIONS[mode])
    if extra:
        fail(ValueError(f"unsupported keyword arguments for mode '{mode}': {extra}"))
    if mode == "linear_ramp":
        options["end_values"] = probe(as_pairs, options.get("end_values", 0), a.ndim)
    if mode in PAD_MODES:
        return pad_by_index(lw, a, widths, mode, node, options)
    # constant, and empty (whose pad values NumPy leaves unspecified: zeros here)
    pairs = probe(as_pairs, options.get("constant_values", 0), a.ndim)
    out = a
    for axis, ((before, after), (vb, va)) in enumerate(zip(widths, pairs)):
        parts = []
        for w, v in ((before, vb), (after, va)):
            cell = np.zeros((), a.dtype)
            probe(cell.__setitem__, (), v)
            w = int(w) if isinstance(w, (int, np.integer)) else w
            shape = tuple(w if d == axis else n for d, n in enumerate(out.shape))
            parts.append(None if w == 0 else fill(lw, const(lw, cell[()], a.dtype), shape))
        if parts[0] is None and parts[1] is None:
            continue
        seq = [p for p in (parts[0], out, parts[1]) if p is not None]
        length = 0
        for p in seq:
            length = dim_add(length, p.shape[axis])
        shape = tuple(length if d == axis else n for d, n in enumerate(out.shape))
        out = lw.intern(Concat(args=tuple(seq), axis=axis, dtype=a.dtype, shape=shape))
    return copy_of(lw, out) if out is a else out

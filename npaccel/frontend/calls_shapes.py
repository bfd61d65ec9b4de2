"""Shape changes as views or pure values: reshape/ravel/flatten, broadcast_to, expand_dims,
squeeze, swapaxes, moveaxis, flip, atleast_Nd (integer-array indexing: calls_indexing.py).

Where NumPy returns a view made of strided axes (expand_dims, squeeze, swapaxes, flip,
reshapes that only add or drop dims of 1) the result is a ``View``; other reshapes are a
``Reshape`` value (NumPy's view of a contiguous array and its copy of a strided one read
the same). Sizes known only at run time get run-time checks with NumPy's messages.
"""
from __future__ import annotations

import inspect
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..ir.dims import DimOp, dim_add, dim_floordiv, dim_max, dim_min, dim_mul, dim_sub, shape_size
from ..ir.checks import NonNegativeGuard
from ..ir.nodes import INDEXED_VALUES, Broadcast, Node, Param, Reshape, View
from .array_build import as_array, bind, exact_quotient, fail, nonnegative, require, same_size, surely_differ, to_dim
from .calls import register, register_method
from .calls_arrays import broadcast_into, copy_of, probe, shape_text
from .read_only import marked_read_only

_REQ = inspect.Parameter.empty


# ---- reshape ----------------------------------------------------------------------------------
def reshape(lw, a, newshape, order, node, copy=None):
    items = newshape if isinstance(newshape, (tuple, list)) else (newshape,)
    dims, unknown, maybe = [], None, []
    for k, s in enumerate(items):
        if not isinstance(s, Node):
            s = probe(operator.index, s)
            if s < 0:
                if unknown is not None:
                    fail(ValueError("can only specify one unknown dimension"))
                unknown = k
                dims.append(None)
                continue
        d = to_dim(lw, s, node)
        if not nonnegative(d):     # NumPy reads a negative size as -1 (unknown)
            maybe.append(k)
        dims.append(d)
    if order not in ("C", "F", "A", "K", None):
        probe(np.reshape, np.zeros(1), (1,), order=order)
    if order == "K":
        fail(ValueError("order 'K' is not permitted for reshaping"))
    if order == "A":
        if not _c_ordered(a):
            raise lw.unsupported("reshape(..., order='A') of an array whose memory order is known only at run time",
                                 node)
        order = "C"
    if copy is False and not _c_ordered(a):
        raise lw.unsupported("reshape(..., copy=False) of a strided array", node)
    total = shape_size(a.shape)
    text, values = shape_text([-1 if d is None else d for d in dims])
    message = "cannot reshape array of size {} into shape " + text.replace("-1", "newaxis")
    values = (total, *values)
    if maybe:
        _run_time_unknown(lw, dims, maybe, unknown is not None, total, message, values, node)
    known = 1
    for d in dims:
        if d is not None:
            known = dim_mul(known, d)
    if unknown is not None:
        if known == 0:
            fail(ValueError(message.format(*values)))
        q = exact_quotient(total, known)
        if q is None:
            if isinstance(total, int) and isinstance(known, int):
                if total % known:
                    fail(ValueError(message.format(*values)))
                q = total // known
            else:
                require(lw, known, "!=", 0, "ValueError", message, values)
                q = dim_floordiv(total, known)
                require(lw, total, "==", dim_mul(q, known), "ValueError", message, values)
        dims[unknown] = q
    elif not same_size(total, known):
        if isinstance(total, int) and isinstance(known, int):
            fail(ValueError(message.format(*values)))
        require(lw, total, "==", known, "ValueError", message, values)
    shape = tuple(dims)
    if order == "F":
        back = reshape_value(lw, lw.transpose(a, None, node), tuple(reversed(shape)))
        return lw.transpose(back, None, node)
    return reshape_value(lw, a, shape)


def _run_time_unknown(lw, dims, maybe, has_unknown, total, message, values, node):
    """Sizes computed at run time that may be negative: NumPy reads one negative size as
    the unknown one (-1), and refuses two unknowns. With several such sizes (and no -1
    given), a call where one is negative runs in Python. With one such size d, the dim is
    d if d >= 0 else total // (product of the others), in dim arithmetic: with
    neg = min(max(-d, 0), 1), max(d, 0) + neg * (total // max(others, 1))."""
    one_unknown = "can only specify one unknown dimension"
    if len(maybe) > 1 and not has_unknown:
        # a negative one among them: NumPy's -1 or its error; such a call runs in Python
        for k in maybe:
            if NonNegativeGuard(dims[k]) not in lw.state.checks:
                lw.state.checks.append(NonNegativeGuard(dims[k]))
        return
    if has_unknown:
        for k in maybe:
            require(lw, dims[k], ">=", 0, "ValueError", one_unknown)
        return
    k, = maybe
    d = _floor_from_zero(lw, dims[k])
    others = 1
    for j, o in enumerate(dims):
        if j != k:
            others = dim_mul(others, o)
    neg = dim_min(dim_max(dim_sub(0, d), 0), 1)
    require(lw, dim_sub(neg, others), "<=", 0, "ValueError", message, values)     # -1 with a 0 beside it
    dims[k] = dim_add(dim_max(d, 0), dim_mul(neg, dim_floordiv(total, dim_max(others, 1))))


def _floor_from_zero(lw, d):
    """``d`` with its floor divisions of numbers that may be negative rewritten to divide
    only numbers >= 0 (C's / truncates; dims render // as /): for a constant c > 0,
    a // c = max(a, 0) // c - (max(-a, 0) + c - 1) // c. Other divisors must be >= 0.

    >>> from npaccel.ir.dims import Sym
    >>> _floor_from_zero(None, dim_floordiv(Sym("s1"), 4))
    ((((s1) > (0) ? (s1) : (0)) / 4) - (((((0 - s1)) > (0) ? ((0 - s1)) : (0)) + 3) / 4))
    """
    if not isinstance(d, DimOp):
        return d
    a, b = _floor_from_zero(lw, d.a), _floor_from_zero(lw, d.b)
    if d.op != "//" or nonnegative(a):
        return DimOp(d.op, a, b)
    if isinstance(b, int) and b > 0:
        return dim_sub(dim_floordiv(dim_max(a, 0), b), dim_floordiv(dim_add(dim_max(dim_sub(0, a), 0), b - 1), b))
    require(lw, a, ">=", 0, "ValueError", "negative dimensions are not allowed")
    return DimOp(d.op, a, b)


def _c_ordered(a) -> bool:
    """Would NumPy's array for ``a`` be C-ordered? Views and strided arguments may not be,
    and an elementwise result takes its inputs' memory order."""
    if isinstance(a, View):
        # a[i] or a[i, j] of a C-ordered array: fixed leading indices, every later axis whole
        f = len(a.fixed)
        return tuple(k for k, _ in a.fixed) == tuple(range(f)) and len(a.axes) == a.arg.ndim - f and \
            all(ax == (f + j, 0, 1) and a.shape[j] == a.arg.shape[f + j] for j, ax in enumerate(a.axes)) and \
            _c_ordered(a.arg)
    if isinstance(a, Param):
        return a.contiguous
    if isinstance(a, (Reshape, *INDEXED_VALUES)):
        return True
    return all(_c_ordered(c) for c in a.children())


def set_shape(lw, a, shape, node):
    """``x.shape = shape``: the same object in a new shape, without a copy (NumPy's
    AttributeError where no view has it). An argument's shape would change for the caller
    too, which compiled code cannot do."""
    from .bindings import view_root
    if isinstance(view_root(a), Param):
        raise lw.unsupported("setting the shape of an argument (the caller's array changes too)", node)
    if not _c_ordered(a):
        raise lw.unsupported("setting the shape of an array whose memory order is known only at run time", node)
    return reshape(lw, a, shape, "C", node)


def reshape_value(lw, a, shape):
    """``a`` laid out in ``shape`` (same size) in C order: ``a`` itself, a view that adds or
    drops dims of 1, or a Reshape."""
    shape = tuple(shape)
    if shape == tuple(a.shape):
        return a
    if [d for d in shape if d != 1] == [d for d in a.shape if d != 1]:
        src = [k for k, d in enumerate(a.shape) if d != 1]
        axes, it = [], iter(src)
        for d in shape:
            axes.append(None if d == 1 else (next(it), 0, 1))
        fixed = tuple((k, 0) for k, d in enumerate(a.shape) if d == 1)
        return lw.intern(View(arg=a, axes=tuple(axes), fixed=fixed, dtype=a.dtype, shape=shape))
    if isinstance(a, Reshape):
        a = a.arg
        if shape == tuple(a.shape):
            return a
    return lw.intern(Reshape(arg=a, dtype=a.dtype, shape=shape))


@register(np.reshape)
def _np_reshape(lw, args, kwargs, node):
    b = bind(lw, node, "reshape", args, kwargs, [("a", _REQ), ("shape", None), ("order", "C")],
             [("newshape", None), ("copy", None)])
    shape = b["shape"] if b["shape"] is not None else b["newshape"]
    if shape is None:
        fail(TypeError("reshape() missing 1 required positional argument: 'shape'"))
    return reshape(lw, as_array(lw, b["a"], node), shape, b["order"], node, b["copy"])


@register_method("reshape")
def _reshape_method(lw, args, kwargs, node):
    a, *shape = args
    bad = set(kwargs) - {"order", "copy"}
    if bad:
        fail(TypeError(f"reshape() got an unexpected keyword argument '{sorted(bad)[0]}'"))
    if not shape:
        fail(TypeError("reshape() takes exactly 1 argument (0 given)"))
    shape = shape[0] if len(shape) == 1 else tuple(shape)
    return reshape(lw, a, shape, kwargs.get("order", "C"), node, kwargs.get("copy"))


def ravel(lw, a, node, order="C"):
    if order in ("A", "K"):
        if not _c_ordered(a):
            raise lw.unsupported(f"ravel(order='{order}') of an array whose memory order is known only at "
                                 "run time", node)
        order = "C"
    if order not in ("C", "F"):
        probe(np.ravel, np.zeros(1), order=order)
    return reshape(lw, a, -1, order, node)


@register(np.ravel)
def _np_ravel(lw, args, kwargs, node):
    b = bind(lw, node, "ravel", args, kwargs, [("a", _REQ), ("order", "C")])
    return ravel(lw, as_array(lw, b["a"], node), node, b["order"])


@register_method("ravel")
def _ravel_method(lw, args, kwargs, node):
    b = bind(lw, node, "ravel", args, kwargs, [("a", _REQ), ("order", "C")])
    return ravel(lw, b["a"], node, b["order"])


@register_method("flatten")
def _flatten_method(lw, args, kwargs, node):
    b = bind(lw, node, "flatten", args, kwargs, [("a", _REQ), ("order", "C")])
    out = ravel(lw, b["a"], node, b["order"])
    return copy_of(lw, out) if out is b["a"] or isinstance(out, View) else out


# ---- broadcast_to, expand_dims, squeeze, swapaxes, moveaxis, flip, atleast_Nd -----------------
@register(np.broadcast_to)
def _broadcast_to(lw, args, kwargs, node):
    b = bind(lw, node, "broadcast_to", args, kwargs, [("array", _REQ), ("shape", _REQ), ("subok", False)])
    a = as_array(lw, b["array"], node)
    items = b["shape"] if isinstance(b["shape"], (tuple, list)) else (b["shape"],)
    shape = tuple(to_dim(lw, s, node) for s in items)
    for d in shape:
        if isinstance(d, int) and d < 0:
            fail(ValueError("all elements of broadcast shape must be non-negative"))
        if not nonnegative(d):
            require(lw, d, ">=", 0, "ValueError", "all elements of broadcast shape must be non-negative")
    if not shape and a.ndim:
        fail(ValueError("cannot broadcast a non-scalar to a scalar array"))
    if a.ndim > len(shape):
        fail(ValueError("input operand has more dimensions than allowed by the axis remapping"))
    if tuple(a.shape) == shape:     # still a view of its own: read-only, not the argument itself
        return marked_read_only(lw, lw.intern(Broadcast(arg=a, shape=shape, dtype=a.dtype)), "np.broadcast_to")
    return marked_read_only(lw, broadcast_into(lw, a, shape, lambda v, s: "operands could not be broadcast "
                                               f"together with remapped shapes [original->remapped]: {v}  and "
                                               f"requested shape {s}"), "np.broadcast_to")


@register(np.expand_dims)
def _expand_dims(lw, args, kwargs, node):
    b = bind(lw, node, "expand_dims", args, kwargs, [("a", _REQ), ("axis", _REQ)])
    a = as_array(lw, b["a"], node)
    axis = b["axis"] if isinstance(b["axis"], (tuple, list)) else (b["axis"],)
    axes = probe(normalize_axis_tuple, tuple(axis), a.ndim + len(axis))
    return lw.basic_index(a, tuple(None if k in axes else slice(None) for k in range(a.ndim + len(axes))), node)


def squeeze(lw, a, axis, node):
    if axis is None:
        for d in a.shape:
            if not (isinstance(d, int) or surely_differ(d, 1)):
                raise lw.unsupported("squeeze() of a dim whose size (1 or not) is known only at run time", node)
        axes = tuple(k for k, d in enumerate(a.shape) if d == 1)
    else:
        axes = probe(normalize_axis_tuple, axis, a.ndim)
        for k in axes:
            d = a.shape[k]
            message = "cannot select an axis to squeeze out which has size not equal to one"
            if surely_differ(d, 1):
                fail(ValueError(message))
            require(lw, d, "==", 1, "ValueError", message)
    if not axes:
        return a
    return lw.intern(View(arg=a, axes=tuple((k, 0, 1) for k in range(a.ndim) if k not in axes),
                             fixed=tuple((k, 0) for k in axes), dtype=a.dtype,
                             shape=tuple(d for k, d in enumerate(a.shape) if k not in axes)))


@register(np.squeeze)
def _np_squeeze(lw, args, kwargs, node):
    b = bind(lw, node, "squeeze", args, kwargs, [("a", _REQ), ("axis", None)])
    return squeeze(lw, as_array(lw, b["a"], node), b["axis"], node)


@register_method("squeeze")
def _squeeze_method(lw, args, kwargs, node):
    b = bind(lw, node, "squeeze", args, kwargs, [("a", _REQ), ("axis", None)])
    return squeeze(lw, b["a"], b["axis"], node)


def swapaxes(lw, a, axis1, axis2, node):
    i, j = probe(normalize_axis_index, axis1, a.ndim), probe(normalize_axis_index, axis2, a.ndim)
    order = list(range(a.ndim))
    order[i], order[j] = order[j], order[i]
    return lw.transpose(a, tuple(order), node)


@register(np.swapaxes)
def _np_swapaxes(lw, args, kwargs, node):
    b = bind(lw, node, "swapaxes", args, kwargs, [("a", _REQ), ("axis1", _REQ), ("axis2", _REQ)])
    return swapaxes(lw, as_array(lw, b["a"], node), b["axis1"], b["axis2"], node)


@register_method("swapaxes")
def _swapaxes_method(lw, args, kwargs, node):
    b = bind(lw, node, "swapaxes", args, kwargs, [("a", _REQ), ("axis1", _REQ), ("axis2", _REQ)])
    return swapaxes(lw, b["a"], b["axis1"], b["axis2"], node)


def moveaxis(lw, a, source, destination, node):
    source = probe(normalize_axis_tuple, source, a.ndim, "source")
    destination = probe(normalize_axis_tuple, destination, a.ndim, "destination")
    if len(source) != len(destination):
        fail(ValueError("`source` and `destination` arguments must have the same number of elements"))
    order = [n for n in range(a.ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return lw.transpose(a, tuple(order), node)


@register(np.moveaxis)
def _np_moveaxis(lw, args, kwargs, node):
    b = bind(lw, node, "moveaxis", args, kwargs, [("a", _REQ), ("source", _REQ), ("destination", _REQ)])
    return moveaxis(lw, as_array(lw, b["a"], node), b["source"], b["destination"], node)


def flip(lw, a, axis, node):
    axes = range(a.ndim) if axis is None else probe(normalize_axis_tuple, axis, a.ndim)
    return lw.basic_index(a, tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(a.ndim)),
                          node)


@register(np.flip)
def _flip(lw, args, kwargs, node):
    b = bind(lw, node, "flip", args, kwargs, [("m", _REQ), ("axis", None)])
    return flip(lw, as_array(lw, b["m"], node), b["axis"], node)


@register(np.fliplr)
def _fliplr(lw, args, kwargs, node):
    b = bind(lw, node, "fliplr", args, kwargs, [("m", _REQ)])
    m = as_array(lw, b["m"], node)
    if m.ndim < 2:
        fail(ValueError("Input must be >= 2-d."))
    return flip(lw, m, 1, node)


@register(np.flipud)
def _flipud(lw, args, kwargs, node):
    b = bind(lw, node, "flipud", args, kwargs, [("m", _REQ)])
    m = as_array(lw, b["m"], node)
    if m.ndim < 1:
        fail(ValueError("Input must be >= 1-d."))
    return flip(lw, m, 0, node)


_ATLEAST = {1: {0: (None,)}, 2: {0: (None, None), 1: (None, slice(None))},
            3: {0: (None, None, None), 1: (None, slice(None), None), 2: (Ellipsis, None)}}


def atleast(lw, n, a, node):
    a = as_array(lw, a, node)
    index = _ATLEAST[n].get(a.ndim)
    return a if index is None else lw.basic_index(a, index, node)


def _atleast(n):
    def handler(lw, args, kwargs, node):
        if kwargs:
            fail(TypeError(f"atleast_{n}d() got an unexpected keyword argument '{next(iter(kwargs))}'"))
        out = tuple(atleast(lw, n, a, node) for a in args)
        return out[0] if len(out) == 1 else out
    return handler


register(np.atleast_1d)(_atleast(1))
register(np.atleast_2d)(_atleast(2))
register(np.atleast_3d)(_atleast(3))


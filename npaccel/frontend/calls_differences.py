"""np.diff (with ``n``, ``axis``, ``prepend``, ``append``), np.copyto, np.nonzero (and
``np.where(a)``, ``x.nonzero()``, np.flatnonzero, np.argwhere), as NumPy writes them: np.diff is ``a[1:] - a[:-1]`` along the axis, n times (``!=`` for booleans),
after joining what is prepended and appended (scalars broadcast to one slice); np.copyto
is a setitem of the whole destination after NumPy's casting rule (its own TypeError);
np.nonzero gives one boolean-mask selection of an index array per dim (frontend/masks.py),
compacted where it is used.
"""
from __future__ import annotations

import inspect

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..ir.nodes import Node
from .array_build import as_array, bind, fail
from . import masks
from .calls import register, register_method
from .calls_shapes import ravel
from .calls_arrays import fill, probe
from .calls_joining import concatenate
from .ufunc_out import shown_value
from .semantics import numpy_semantics

_REQ = inspect.Parameter.empty


def _side(lw, a, value, axis, node):
    """``prepend``/``append``: an array, or a scalar broadcast to one slice of ``a``."""
    v = as_array(lw, lw.as_node(value, node), node)
    if v.ndim == 0:
        v = fill(lw, v, tuple(1 if d == axis else s for d, s in enumerate(a.shape)))
    return v


@register(np.diff)
def _diff(lw, args, kwargs, node):
    b = bind(lw, node, "diff", args, kwargs, [("a", _REQ), ("n", 1), ("axis", -1), ("prepend", np._NoValue),
                                              ("append", np._NoValue)])
    a, n = as_array(lw, b["a"], node), b["n"]
    if isinstance(n, Node) or isinstance(b["axis"], Node):
        raise lw.unsupported("np.diff with an order or axis known only at run time", node)
    n = probe(int, n)
    if n == 0:
        return a
    if n < 0:
        fail(ValueError(f"order must be non-negative but got {n}"))
    if a.ndim == 0:
        fail(ValueError("diff requires input that is at least one dimensional"))
    axis = probe(normalize_axis_index, b["axis"], a.ndim)
    parts = [_side(lw, a, b["prepend"], axis, node)] if b["prepend"] is not np._NoValue else []
    parts.append(a)
    if b["append"] is not np._NoValue:
        parts.append(_side(lw, a, b["append"], axis, node))
    if len(parts) > 1:
        a = concatenate(lw, parts, axis, None, "same_kind", node)
    op = np.not_equal if a.dtype == np.bool_ else np.subtract
    for _ in range(n):
        hi = tuple(slice(1, None) if d == axis else slice(None) for d in range(a.ndim))
        lo = tuple(slice(None, -1) if d == axis else slice(None) for d in range(a.ndim))
        a = lw.ufunc(op, (lw.basic_index(a, hi, node), lw.basic_index(a, lo, node)), node)
    return a


@register(np.copyto)
def _copyto(lw, args, kwargs, node):
    b = bind(lw, node, "copyto", args, kwargs, [("dst", _REQ), ("src", _REQ), ("casting", "same_kind"),
                                                ("where", True)])
    dst, src = b["dst"], b["src"]
    if not isinstance(dst, Node) or dst.weak:
        kind = "list" if isinstance(dst, list) or type(dst).__name__ == "ListValue" else type(dst).__name__
        fail(TypeError(f"copyto() argument 1 must be a numpy.ndarray, not {kind}"))
    if b["where"] is not True:
        raise lw.unsupported("np.copyto(..., where=...)", node)
    value = lw.as_node(src, node)
    with numpy_semantics():
        np.copyto(np.zeros((1,) * dst.ndim, dst.dtype), shown_value(value), casting=b["casting"])   # NumPy's casting error
    target = lw.ensure_stored(dst, "dst")
    lw.store_into(target, value, node)
    return None


@register(np.nonzero)
def _nonzero(lw, args, kwargs, node):
    b = bind(lw, node, "nonzero", args, kwargs, [("a", _REQ)])
    return masks.nonzero(lw, as_array(lw, b["a"], node), node)


@register_method("nonzero")
def _nonzero_method(lw, args, kwargs, node):
    if len(args) != 1 or kwargs:
        fail(TypeError(f"nonzero() takes no arguments ({len(args) - 1 + len(kwargs)} given)"))
    return masks.nonzero(lw, args[0], node)


@register(np.flatnonzero)
def _flatnonzero(lw, args, kwargs, node):
    b = bind(lw, node, "flatnonzero", args, kwargs, [("a", _REQ)])
    return masks.nonzero(lw, ravel(lw, as_array(lw, b["a"], node), node), node)[0]


@register(np.argwhere)
def _argwhere(lw, args, kwargs, node):
    b = bind(lw, node, "argwhere", args, kwargs, [("a", _REQ)])
    a = as_array(lw, b["a"], node)
    if a.ndim == 0:     # NumPy: the indices of a 0-d array's nonzero as a (0 or 1, 0) array
        raise lw.unsupported("np.argwhere of a 0-d value", node)
    columns = [lw.as_node(sel, node) for sel in masks.nonzero(lw, a, node)]
    return concatenate(lw, [lw.basic_index(c, (slice(None), None), node) for c in columns], 1, None,
                       "same_kind", node)

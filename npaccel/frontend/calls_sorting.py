"""np.sort and np.argsort (function; argsort also as a method) along one axis or flattened,
as a ``Sort`` node (codegen/c_sorting.py): ascending, NaNs last, stable; np.searchsorted
(function and method) as a ``SearchSorted`` node: a binary search per key, NaNs last.

NumPy's values do not depend on ``kind`` (except the order of +0.0 and -0.0, which compare
equal); argsort's positions of equal elements are NumPy's for kind='stable' (its default
quicksort leaves their order unspecified). Complex arrays, ``order=`` and the in-place
``ndarray.sort`` run in Python.
"""
from __future__ import annotations

import inspect

import numpy as np

from ..ir.nodes import Node, SearchSorted, Sort
from ..ir.ops import Op
from . import infer
from .array_build import as_array, bind
from .calls import register, register_method
from .calls_arrays import probe
from .calls_shapes import ravel

_REQ = inspect.Parameter.empty
_PARAMS = [("a", _REQ), ("axis", -1), ("kind", None), ("order", None)]


def sort(lw, op, a, options, node):
    name = op.value
    if isinstance(options["axis"], Node) or options["order"] is not None:
        raise lw.unsupported(f"np.{name}() with a run-time axis or order=", node)
    if a.dtype.kind not in "biuf":
        raise lw.unsupported(f"np.{name}() of {a.dtype} values", node)
    kw = {k: v for k, v in options.items() if k != "a"}
    probe(getattr(np, name), np.zeros((1,) * a.ndim, a.dtype), **kw)       # NumPy's errors (axis, kind)
    axis = options["axis"]
    if axis is None:
        a, axis = ravel(lw, a, node), 0
    axis, = probe(infer.normalize_axes, axis, a.ndim)
    dtype = a.dtype if op is Op.SORT else np.dtype(np.intp)
    return lw.intern(Sort(op=op, arg=a, axes=(axis,), keepdims=True, dtype=dtype, shape=a.shape))


def _handlers(op):
    func = getattr(np, op.value)

    def function(lw, args, kwargs, node):
        o = bind(lw, node, op.value, args, kwargs, _PARAMS, [("stable", None)])
        return sort(lw, op, as_array(lw, o.pop("a"), node), dict(o, a=None), node)

    def method(lw, args, kwargs, node):
        o = bind(lw, node, op.value, args, kwargs, _PARAMS, [("stable", None)])
        return sort(lw, op, o.pop("a"), dict(o, a=None), node)
    register(func)(function)
    if op is Op.ARGSORT:
        register_method(op.value)(method)


_handlers(Op.SORT)
_handlers(Op.ARGSORT)


# ---- searchsorted -------------------------------------------------------------------------------
def searchsorted(lw, a, v, side, sorter, node):
    if sorter is not None or isinstance(side, Node):
        raise lw.unsupported("np.searchsorted() with sorter= or a run-time side", node)
    if not isinstance(v, Node):
        lw.python_values(v, node=node)
        if isinstance(v, (list, tuple)):
            raise lw.unsupported("np.searchsorted() of a list of keys", node)
    keys = as_array(lw, v, node)
    probe(np.searchsorted, np.zeros((1,) * a.ndim, a.dtype), np.zeros((1,) * keys.ndim, keys.dtype), side=side)
    compare = np.result_type(a.dtype, keys.dtype)
    if compare.kind not in "biuf":
        raise lw.unsupported(f"np.searchsorted() of {compare} values", node)
    return lw.intern(SearchSorted(op=Op.SEARCHSORTED, arg=keys, sorted_arg=a, side=side, compare=compare,
                                     axes=(), keepdims=True, dtype=np.dtype(np.intp), shape=keys.shape))


_SEARCH_PARAMS = [("a", _REQ), ("v", _REQ), ("side", "left"), ("sorter", None)]


@register(np.searchsorted)
def _searchsorted(lw, args, kwargs, node):
    o = bind(lw, node, "searchsorted", args, kwargs, _SEARCH_PARAMS)
    return searchsorted(lw, as_array(lw, o["a"], node), o["v"], o["side"], o["sorter"], node)


@register_method("searchsorted")
def _searchsorted_method(lw, args, kwargs, node):
    o = bind(lw, node, "searchsorted", args, kwargs, _SEARCH_PARAMS)
    return searchsorted(lw, o["a"], o["v"], o["side"], o["sorter"], node)

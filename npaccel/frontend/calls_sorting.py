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
from ..passes import infer
from .array_build import as_array, bind
from .calls import register, register_method
from .calls_arrays import probe
from .calls_shapes import ravel

_REQ = inspect.Parameter.empty
_PARAMS = [("a", _REQ), ("axis", -1), ("kind", None), ("order", None)]


def sort(fl, op, a, options, node):
    name = op.value
    if isinstance(options["axis"], Node) or options["order"] is not None:
        raise fl.unsupported(f"np.{name}() with a run-time axis or order=", node)
    if a.dtype.kind not in "biuf":
        raise fl.unsupported(f"np.{name}() of {a.dtype} values", node)
    kw = {k: v for k, v in options.items() if k != "a"}
    probe(getattr(np, name), np.zeros((1,) * a.ndim, a.dtype), **kw)       # NumPy's errors (axis, kind)
    axis = options["axis"]
    if axis is None:
        a, axis = ravel(fl, a, node), 0
    axis, = probe(infer.normalize_axes, axis, a.ndim)
    dtype = a.dtype if op is Op.SORT else np.dtype(np.intp)
    return fl.lw.intern(Sort(op=op, arg=a, axes=(axis,), keepdims=True, dtype=dtype, shape=a.shape))


def _handlers(op):
    func = getattr(np, op.value)

    def function(fl, args, kwargs, node):
        o = bind(fl, node, op.value, args, kwargs, _PARAMS, [("stable", None)])
        return sort(fl, op, as_array(fl, o.pop("a"), node), dict(o, a=None), node)

    def method(fl, args, kwargs, node):
        o = bind(fl, node, op.value, args, kwargs, _PARAMS, [("stable", None)])
        return sort(fl, op, o.pop("a"), dict(o, a=None), node)
    register(func)(function)
    if op is Op.ARGSORT:
        register_method(op.value)(method)


_handlers(Op.SORT)
_handlers(Op.ARGSORT)


# ---- searchsorted -------------------------------------------------------------------------------
def searchsorted(fl, a, v, side, sorter, node):
    if sorter is not None or isinstance(side, Node):
        raise fl.unsupported("np.searchsorted() with sorter= or a run-time side", node)
    if not isinstance(v, Node):
        fl.python_values(v, node=node)
        if isinstance(v, (list, tuple)):
            raise fl.unsupported("np.searchsorted() of a list of keys", node)
    keys = as_array(fl, v, node)
    probe(np.searchsorted, np.zeros((1,) * a.ndim, a.dtype), np.zeros((1,) * keys.ndim, keys.dtype), side=side)
    compare = np.result_type(a.dtype, keys.dtype)
    if compare.kind not in "biuf":
        raise fl.unsupported(f"np.searchsorted() of {compare} values", node)
    return fl.lw.intern(SearchSorted(op=Op.SEARCHSORTED, arg=keys, sorted_arg=a, side=side, compare=compare,
                                     axes=(), keepdims=True, dtype=np.dtype(np.intp), shape=keys.shape))


_SEARCH_PARAMS = [("a", _REQ), ("v", _REQ), ("side", "left"), ("sorter", None)]


@register(np.searchsorted)
def _searchsorted(fl, args, kwargs, node):
    o = bind(fl, node, "searchsorted", args, kwargs, _SEARCH_PARAMS)
    return searchsorted(fl, as_array(fl, o["a"], node), o["v"], o["side"], o["sorter"], node)


@register_method("searchsorted")
def _searchsorted_method(fl, args, kwargs, node):
    o = bind(fl, node, "searchsorted", args, kwargs, _SEARCH_PARAMS)
    return searchsorted(fl, o["a"], o["v"], o["side"], o["sorter"], node)

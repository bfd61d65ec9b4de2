"""NumPy's NaN-ignoring functions beyond nansum/nanprod/nanmax/nanmin/nanmean
(calls_reductions.py): ``nanargmax``, ``nanargmin``, ``nanvar``, ``nanstd``, each NumPy 2's own
algorithm (numpy/lib/_nanfunctions_impl.py) as a recipe lowered like user code:

- ``nanargmax``/``nanargmin``: NaN replaced by -inf / +inf, then argmax / argmin; an all-NaN
  slice (of a non-empty array) is NumPy's ValueError "All-NaN slice encountered". Of an
  integer or bool array: argmax / argmin.
- ``nanvar``/``nanstd``: the count and sum of the non-NaN values (kept dims), the mean divided
  as ``_divide_by_count`` does (unsafe cast back), deviations with NaN set to 0, squared
  (``z * conj(z)``, its real part, for complex), summed, divided by ``count - ddof``; std is
  the square root in the variance's dtype. A slice with ``count - ddof <= 0`` makes NumPy
  warn ("Degrees of freedom <= 0 for slice."): the call reruns in Python, which warns.
  Of an integer or bool array: var / std.

``out=``, ``where=``, ``mean=`` and ``correction=`` run in Python, as does an axis, dtype or ddof
known only at run time.
"""
from __future__ import annotations

import numpy as np

from ..ir.dims import shape_size
from ..ir.nodes import Node
from ..ir.ops import Op
from .array_build import ew, stop_if
from .calls import register
from .calls_recipes import bound_arguments, inlined

_DOF = "np.nanvar's 'Degrees of freedom <= 0' warning"


# ---- the recipes (plain Python, lowered like user code) --------------------------------------------

def _nan_arg_extreme(a, axis, keepdims, fill, want_max):
    mask = np.isnan(a)
    filled = np.where(mask, fill, a)
    found = np.argmax(filled, axis=axis, keepdims=keepdims) if want_max else \
        np.argmin(filled, axis=axis, keepdims=keepdims)
    return found, np.all(mask, axis=axis)


def _nan_variance(a, axis, dtype, ddof, keepdims, is_complex):
    mask = np.isnan(a)
    arr = np.where(mask, 0, a)
    cnt = np.sum(~mask, axis=axis, dtype=np.intp, keepdims=True)
    avg = np.sum(arr, axis=axis, dtype=dtype, keepdims=True)
    avg = np.true_divide(avg, cnt).astype(avg.dtype)
    arr = np.subtract(arr, avg).astype(arr.dtype)
    arr = np.where(mask, 0, arr)
    if is_complex:
        sqr = np.multiply(arr, arr.conj()).real
    else:
        sqr = np.multiply(arr, arr)
    var = np.sum(sqr, axis=axis, dtype=dtype, keepdims=keepdims)
    if var.ndim < cnt.ndim:
        cnt = cnt.squeeze(axis)
    dof = cnt - ddof
    return np.true_divide(var, dof).astype(var.dtype), dof


# ---- the handlers --------------------------------------------------------------------------------

def _static(lw, o, names, func, node):
    for name in names:
        if isinstance(o[name], Node) or isinstance(o[name], list):
            raise lw.unsupported(f"np.{func}() with a run-time or list {name}", node)


def _defaults_only(lw, o, names, func, node):
    for name in names:
        if o.get(name, np._NoValue) not in (None, np._NoValue):
            raise lw.unsupported(f"np.{func}(..., {name}=...)", node)


def _array(lw, value, node):
    from .array_build import as_array
    return as_array(lw, value, node)


def _nan_arg(func, want_max):
    name = func.__name__

    def handler(lw, args, kwargs, node):
        o = bound_arguments(lw, func, args, kwargs, node)
        _defaults_only(lw, o, ("out",), name, node)
        _static(lw, o, ("axis", "keepdims"), name, node)
        a = _array(lw, o["a"], node)
        keepdims = False if o["keepdims"] is np._NoValue else o["keepdims"]
        plain = np.argmax if want_max else np.argmin
        if a.dtype.kind not in "fc":
            return lw.call(plain, [a], {"axis": o["axis"], "keepdims": keepdims}, node)
        fill = -np.inf if want_max else np.inf
        found, all_nan = inlined(lw, _nan_arg_extreme, f"np.{name}", (a, o["axis"], keepdims, fill, want_max), node)
        if not any(isinstance(d, int) and d == 0 for d in a.shape):
            # (NumPy checks only a non-empty mask: an empty array gets argmax's own error)
            if all_nan.ndim:
                all_nan = lw.reduction("any", all_nan, (), {}, node)
            nonempty = ew(lw, Op.GREATER, (lw.as_node(lw.dim_value(shape_size(a.shape)), node), 0), np.intp)
            stop_if(lw, ew(lw, Op.LOGICAL_AND, (all_nan, nonempty), np.bool_), "ValueError",
                    "All-NaN slice encountered")
        return found
    register(func)(handler)


_nan_arg(np.nanargmax, True)
_nan_arg(np.nanargmin, False)


def _nan_spread(func, root):
    name = func.__name__

    def handler(lw, args, kwargs, node):
        o = bound_arguments(lw, func, args, kwargs, node)
        _defaults_only(lw, o, ("out", "where", "mean", "correction"), name, node)
        if o["where"] is not np._NoValue and o["where"] is not True:
            raise lw.unsupported(f"np.{name}(..., where=...)", node)
        _static(lw, o, ("axis", "dtype", "ddof", "keepdims"), name, node)
        a = _array(lw, o["a"], node)
        keepdims = False if o["keepdims"] is np._NoValue else o["keepdims"]
        kw = {"axis": o["axis"], "dtype": o["dtype"], "ddof": o["ddof"], "keepdims": keepdims}
        if a.dtype.kind not in "fc":
            return lw.call(np.std if root else np.var, [a], kw, node)
        dtype = None if o["dtype"] is None else np.dtype(o["dtype"])
        if dtype is not None and not issubclass(dtype.type, np.inexact):
            from .array_build import fail
            fail(TypeError("If a is inexact, then dtype must be inexact"))
        var, dof = inlined(lw, _nan_variance, f"np.{name}",
                           (a, o["axis"], dtype, o["ddof"], keepdims, a.dtype.kind == "c"), node)
        bad = ew(lw, Op.LESS_EQUAL, (dof, 0), np.intp)
        if bad.ndim:
            bad = lw.reduction("any", bad, (), {}, node)
        stop_if(lw, bad, "RuntimeWarning", "Degrees of freedom <= 0 for slice.", _DOF)
        return lw.ufunc(np.sqrt, (var,), node) if root else var
    register(func)(handler)


_nan_spread(np.nanvar, False)
_nan_spread(np.nanstd, True)

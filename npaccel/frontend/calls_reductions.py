"""Reductions beyond sum/prod/min/max/any/all/mean/std/var (those are in node_builders.py), each as
NumPy 2 defines it:

- ``argmax``/``argmin`` (function and method): an index-carrying Reduce (codegen/c_scans.py);
  axis None or one int, keepdims; the first occurrence wins, a NaN beats any number.
- ``nansum``/``nanprod``: NaN replaced by 0 / 1, then sum / prod (NumPy's ``_replace_nan``).
- ``nanmax``/``nanmin``: ``fmax.reduce`` / ``fmin.reduce``, so an all-NaN slice gives NaN.
- ``nanmean``: sum of the non-NaN values over their count, divided as NumPy's
  ``_divide_by_count`` does (in float64 for a float32 sum, cast back); 0/0 is NaN.
- ``cumsum``/``cumprod``: a Scan node, sequential in the result dtype like ``add.accumulate``.
- ``ptp`` = max - min, ``count_nonzero`` = sum of ``astype(bool)`` as intp, ``average``
  without weights = mean.

>>> nan_identity(Op.SUM), nan_identity(Op.PROD)
(0, 1)
"""
from __future__ import annotations

import dataclasses
import operator

import numpy as np

from ..ir.checks import NonEmpty
from ..ir.dims import shape_size
from ..ir.nodes import Node, Reduce, Scan, View
from ..ir.ops import Op
from . import infer
from .calls import register, register_method
from .calls_math import NOVALUE, bind, cast, has_node, no_out, run_numpy, static, strong
from .semantics import numpy_semantics

_INTP = np.dtype(np.intp)


def nan_identity(op):
    return 0 if op is Op.SUM else 1


def _keepdims(options, default=False):
    kd = options.get("keepdims", NOVALUE)
    return default if kd is NOVALUE else kd


def _reduction_kwargs(options, *names):
    kw = {n: options[n] for n in names if n in options}
    if options.get("keepdims", NOVALUE) is not NOVALUE:
        kw["keepdims"] = options["keepdims"]
    return kw


# ---- argmax / argmin ----------------------------------------------------------------------------

def arg_reduce(lw, op, a, axis, keepdims, node):
    fname = op.value
    func = getattr(np, fname)
    if not has_node(a, axis, keepdims):
        return run_numpy(func, a, axis=axis, keepdims=keepdims)
    if isinstance(axis, Node) or isinstance(keepdims, Node):
        raise lw.unsupported(f"{fname}() with a run-time axis or keepdims", node)
    if a.weak or a.ndim == 0:       # one element: NumPy's answer (0) or its AxisError
        return lw.as_node(run_numpy(func, np.zeros((), a.dtype), axis=axis, keepdims=keepdims), node)
    with numpy_semantics():
        if axis is None:
            axes = tuple(range(a.ndim))
        else:
            axes = infer.normalize_axes(operator.index(axis), a.ndim)
        reduced = tuple(a.shape[d] for d in axes)
        if 0 in reduced:
            raise ValueError(f"attempt to get {fname} of an empty sequence")
    if any(d != 1 for d in reduced):
        lw.state.checks.append(NonEmpty(reduced, fname))
    keepdims = bool(keepdims)
    return lw.intern(Reduce(op=op, arg=a, axes=axes, keepdims=keepdims, dtype=_INTP,
                               shape=infer.reduced_shape(a.shape, axes, keepdims)))


def _arg_function(op):
    func = getattr(np, op.value)

    def handler(lw, args, kwargs, node):
        o = bind(func, args, kwargs)
        no_out(lw, op.value, o, node)
        return arg_reduce(lw, op, o["a"], o["axis"], _keepdims(o), node)

    def method(lw, args, kwargs, node):
        o = bind(getattr(np.ndarray, op.value), args, kwargs)
        no_out(lw, op.value, o, node)
        return arg_reduce(lw, op, args[0], o["axis"], o["keepdims"], node)
    register(func)(handler)
    register_method(op.value)(method)


_arg_function(Op.ARGMAX)
_arg_function(Op.ARGMIN)


# ---- nan-reductions --------------------------------------------------------------------------------

def _replace_nan(lw, a, value, node):
    if a.dtype.kind not in "fc":
        return a
    return lw.where(lw.ufunc(np.isnan, (a,), node), value, a, node)


def _nan_sum_like(func, op):
    name = func.__name__

    def handler(lw, args, kwargs, node):
        o = bind(func, args, kwargs)
        if not has_node(*o.values()):
            return run_numpy(func, *args, **kwargs)
        no_out(lw, name, o, node, "initial", "where")
        a = o["a"]
        if not isinstance(a, Node):
            raise lw.unsupported(f"np.{name}() of a constant", node)
        a = _replace_nan(lw, strong(lw, a, node), nan_identity(op), node)
        return lw.reduction("sum" if op is Op.SUM else "prod", a, (), _reduction_kwargs(o, "axis", "dtype"), node)
    register(func)(handler)


_nan_sum_like(np.nansum, Op.SUM)
_nan_sum_like(np.nanprod, Op.PROD)


def _nan_extreme(func, op, ufunc):
    name = func.__name__

    def handler(lw, args, kwargs, node):
        o = bind(func, args, kwargs)
        if not has_node(*o.values()):
            return run_numpy(func, *args, **kwargs)
        no_out(lw, name, o, node, "initial", "where")
        static(lw, name, o, ("axis", "keepdims"), node)
        a = o["a"]
        if not isinstance(a, Node):
            raise lw.unsupported(f"np.{name}() of a constant", node)
        a = strong(lw, a, node)
        keepdims = bool(_keepdims(o))
        with numpy_semantics():
            probe = np.ones((1,) * a.ndim, a.dtype)
            dtype = np.asarray(ufunc.reduce(probe, axis=o["axis"], keepdims=keepdims)).dtype   # its errors
            axes = infer.normalize_axes(o["axis"], a.ndim)
        if a.dtype.kind == "c":      # (the value of an all-NaN slice is its first element)
            raise lw.unsupported(f"np.{name}() of complex numbers", node)
        reduced = [a.shape[d] for d in axes]
        if any(d != 1 for d in reduced):
            lw.state.checks.append(NonEmpty(tuple(reduced), ufunc.__name__))
        return lw.intern(Reduce(op=op, arg=a, axes=axes, keepdims=keepdims, dtype=dtype,
                                   shape=infer.reduced_shape(a.shape, axes, keepdims)))
    register(func)(handler)


_nan_extreme(np.nanmax, Op.NANMAX, np.fmax)
_nan_extreme(np.nanmin, Op.NANMIN, np.fmin)


@register(np.nanmean)
def _nanmean(lw, args, kwargs, node):
    o = bind(np.nanmean, args, kwargs)
    if not has_node(*o.values()):
        return run_numpy(np.nanmean, *args, **kwargs)
    no_out(lw, "nanmean", o, node, "where")
    static(lw, "nanmean", o, ("axis", "dtype", "keepdims"), node)
    a = o["a"]
    if not isinstance(a, Node):
        raise lw.unsupported("np.nanmean() of a constant", node)
    a = strong(lw, a, node)
    kw = _reduction_kwargs(o, "axis", "dtype")
    if a.dtype.kind not in "fc":
        return lw.reduction("mean", a, (), kw, node)
    if o["dtype"] is not None:
        with numpy_semantics():
            if not issubclass(np.dtype(o["dtype"]).type, np.inexact):
                raise TypeError("If a is inexact, then dtype must be inexact")
    mask = lw.ufunc(np.isnan, (a,), node)
    count = lw.reduction("sum", lw.ufunc(np.logical_not, (mask,), node), (),
                         dict(kw, dtype=_INTP), node)
    total = lw.reduction("sum", lw.where(mask, 0, a, node), (), kw, node)
    avg = lw.ufunc(np.true_divide, (total, count), node)
    return avg if avg.dtype == total.dtype else cast(lw, avg, total.dtype, node=node)


# ---- scans ----------------------------------------------------------------------------------------

def scan(lw, op, a, axis, dtype, node):
    func = getattr(np, op.value)
    if not has_node(a, axis, dtype) and np.ndim(a) != 0:
        return run_numpy(func, a, axis=axis, dtype=dtype)
    if isinstance(axis, Node) or isinstance(dtype, Node):
        raise lw.unsupported(f"{op.value}() with a run-time axis or dtype", node)
    if not isinstance(a, Node):
        a = lw.as_node(a, node)         # a scalar: the result is an array, so compile it
    a = strong(lw, a, node)
    with numpy_semantics():
        probe = func(np.ones((1,) * a.ndim, a.dtype), axis=axis, dtype=dtype)     # errors, dtype
        flatten = axis is None or a.ndim == 0
        axes = tuple(range(a.ndim)) if flatten else infer.normalize_axes(axis, a.ndim)
    if probe.dtype.kind not in "biufc":
        raise lw.unsupported(f"np.{op.value}() to {probe.dtype}", node)
    shape = (shape_size(a.shape),) if flatten else a.shape
    return lw.intern(Scan(op=op, arg=a, axes=axes, keepdims=True, flatten=flatten, dtype=probe.dtype,
                             shape=shape))


def _reversal_axis(view):
    """The one axis ``view`` reverses whole (``x[::-1]``, ``np.flip(x, d)``), else None."""
    from ..ir.dims import dim_sub
    arg = view.arg
    if view.fixed or len(view.axes) != arg.ndim or tuple(view.shape) != tuple(arg.shape):
        return None
    flipped = [k for k, ax in enumerate(view.axes) if ax != (k, 0, 1)]
    if len(flipped) != 1:
        return None
    k = flipped[0]
    return k if view.axes[k] == (k, dim_sub(arg.shape[k], 1), -1) else None


def reversed_scan(lw, view):
    """``view`` itself, or where it reverses a scan of a reversed array along the scan's axis
    (``np.cumsum(x[::-1])[::-1]``), that scan run backwards over ``x``: the same sums in the
    same order, with no reversed copy in or out."""
    scan_node = view.arg
    if not isinstance(scan_node, Scan) or scan_node.reverse or not isinstance(scan_node.arg, View):
        return view
    inner = scan_node.arg
    axis = 0 if scan_node.flatten else scan_node.axes[0]
    if (scan_node.flatten and inner.ndim != 1) or _reversal_axis(view) != axis or _reversal_axis(inner) != axis:
        return view
    return lw.intern(dataclasses.replace(scan_node, arg=inner.arg, axes=(axis,), flatten=False, reverse=True))


def _scan_function(op):
    func = getattr(np, op.value)

    def handler(lw, args, kwargs, node):
        o = bind(func, args, kwargs)
        no_out(lw, op.value, o, node)
        return scan(lw, op, o["a"], o["axis"], o["dtype"], node)

    def method(lw, args, kwargs, node):
        o = bind(getattr(np.ndarray, op.value), args, kwargs)
        no_out(lw, op.value, o, node)
        return scan(lw, op, args[0], o["axis"], o["dtype"], node)
    register(func)(handler)
    register_method(op.value)(method)


_scan_function(Op.CUMSUM)
_scan_function(Op.CUMPROD)


# ---- ptp, count_nonzero, average -------------------------------------------------------------------

@register(np.ptp)
def _ptp(lw, args, kwargs, node):
    o = bind(np.ptp, args, kwargs)
    if not has_node(*o.values()):
        return run_numpy(np.ptp, *args, **kwargs)
    no_out(lw, "ptp", o, node)
    a = strong(lw, lw.as_node(o["a"], node), node)
    kw = _reduction_kwargs(o, "axis")
    high = lw.reduction("max", a, (), kw, node)
    low = lw.reduction("min", a, (), kw, node)
    return lw.ufunc(np.subtract, (high, low), node)


@register(np.count_nonzero)
def _count_nonzero(lw, args, kwargs, node):
    o = bind(np.count_nonzero, args, kwargs)
    if not has_node(*o.values()):
        return run_numpy(np.count_nonzero, *args, **kwargs)
    static(lw, "count_nonzero", o, ("axis", "keepdims"), node)
    a = o["a"]
    if not isinstance(a, Node):
        raise lw.unsupported("np.count_nonzero() of a constant", node)
    nonzero = cast(lw, a, np.dtype(bool), node=node)
    if a.ndim == 0 or a.weak:
        return cast(lw, nonzero, _INTP, node=node)
    return lw.reduction("sum", nonzero, (), {"axis": o["axis"], "dtype": _INTP, "keepdims": o["keepdims"]}, node)


@register(np.average)
def _average(lw, args, kwargs, node):
    o = bind(np.average, args, kwargs)
    if not has_node(*o.values()):
        return run_numpy(np.average, *args, **kwargs)
    if o["weights"] is not None or o["returned"] is not False:
        raise lw.unsupported("np.average() with weights or returned=True", node)
    static(lw, "average", o, ("axis", "keepdims"), node)
    a = strong(lw, lw.as_node(o["a"], node), node)
    axis = o["axis"]
    if axis is not None:
        with numpy_semantics():
            axis = np.lib.array_utils.normalize_axis_tuple(axis, a.ndim, argname="axis")
    return lw.reduction("mean", a, (), _reduction_kwargs(dict(o, axis=axis), "axis"), node)


# ---- mean (node_builders.py's reduction() calls this) ------------------------------------------------------

def mean_of_sum(lw, arg, axes, keepdims, dtype, out_dtype, shape, reduced, node):
    """NumPy's ``_mean``: sum in float64 for bool/int input and in float32 for float16
    (unless ``dtype`` says otherwise), divide by the element count (an intp: float32 sums
    are divided in float64), cast back to the sum's dtype, then to the mean's."""
    from ..ir.dims import dim_mul
    half = dtype is None and arg.dtype == np.float16
    if dtype is not None:
        sum_dtype = np.dtype(dtype)
    elif arg.dtype.kind in "biu":
        sum_dtype = np.dtype(np.float64)
    else:
        sum_dtype = np.dtype(np.float32) if half else arg.dtype
    total = lw.intern(Reduce(op=Op.SUM, arg=arg, axes=axes, keepdims=keepdims, dtype=sum_dtype, shape=shape))
    count = 1
    for d in reduced:
        count = dim_mul(count, d)
    count = lw.as_node(lw.dim_value(count), node)
    mean = lw.ufunc(np.true_divide, (total, cast(lw, count, np.intp, node=node)), node)
    if half and not shape:           # a scalar result: arr.dtype.type(ret / rcount)
        return cast(lw, mean, out_dtype, node=node)
    if mean.dtype != sum_dtype:
        mean = cast(lw, mean, sum_dtype, node=node)
    return mean if mean.dtype == out_dtype else cast(lw, mean, out_dtype, node=node)

"""The methods of binary ufuncs: ``outer``, ``reduce``, ``accumulate`` and ``at``, on the
machinery the ufunc calls, reductions and scans already have.

- ``uf.outer(a, b)``: ``uf(a[..., None, ...], b)`` with both operands taken as arrays (so a
  Python float against a float32 array gives float64, as NumPy's outer does).
- ``uf.reduce``: a ``Reduce`` for the ufuncs whose reduction is one (add, multiply,
  maximum, minimum, fmax, fmin, logical_and, logical_or), typed as NumPy types it (add and
  multiply of small ints accumulate in int64).
- ``uf.accumulate``: a ``Scan`` along one axis, applying ``uf`` in the result dtype.
- ``uf.at(x, idx, v)``: an integer-array store whose value reads the element it writes
  while the writes run, so repeated indices accumulate (NumPy's unbuffered rule).

>>> FOLDING_REDUCTIONS[np.add], FOLDING_REDUCTIONS[np.fmax]
(<Op.SUM: 'sum'>, <Op.NANMAX: 'nanmax'>)
>>> accumulate_op(np.add, np.dtype("int8")), accumulate_op(np.maximum, np.dtype("float32"))
(<Op.CUMSUM: 'cumsum'>, <Op.MAXIMUM: 'maximum'>)
>>> accumulate_op(np.less, np.dtype("float64")) is None     # its loop does not return float64
True
"""
from __future__ import annotations

import inspect

import numpy as np

from ..ir.checks import NonEmpty
from ..ir.nodes import Node, Reduce, Scan
from ..ir.ops import COMPLEX_OPS, FOLDING_REDUCTIONS, REDUCTIONS, UFUNC_OPS, Op
from . import infer
from .array_build import as_array, bind, cast, fail
from .calls import register
from .calls_arrays import probe
from .calls_math import NOVALUE, run_numpy
from .semantics import numpy_semantics
from .calls_shapes import reshape_value
from .calls_casts import ufunc_with_dtype
from ..ir import program as P
from .bindings import may_alias, reads_any, view_root

_REQ = inspect.Parameter.empty

_SCANS = {np.add: Op.CUMSUM, np.multiply: Op.CUMPROD}


def accumulate_op(uf, dtype):
    """The Scan op of ``uf.accumulate`` in ``dtype``, or None where NumPy's loop for
    (dtype, dtype) does not give dtype (the scan would need another type per step)."""
    if uf in _SCANS:
        return _SCANS[uf]
    op = UFUNC_OPS.get(uf)
    if op is None:
        return None
    try:
        loop = uf.resolve_dtypes((dtype, dtype, None))
    except (TypeError, np.exceptions.DTypePromotionError):
        return None
    if any(d != dtype for d in loop) or (dtype.kind == "c" and op not in COMPLEX_OPS):
        return None
    return op


def _is_run_time(value):
    return isinstance(value, Node) or (isinstance(value, (tuple, list)) and any(isinstance(v, Node) for v in value))


def _static(lw, uf, name, options, names, node):
    for n in names:
        if _is_run_time(options[n]):
            raise lw.unsupported(f"np.{uf.__name__}.{name}() with a run-time {n}", node)


def _plain(lw, uf, name, options, node, defaults):
    """Options left at the values the compiled forms assume (out=None, where=True, ...)."""
    for n, default in defaults:
        v = options.get(n, default)
        if not (v is default or (isinstance(v, bool) and v == default)):
            raise lw.unsupported(f"np.{uf.__name__}.{name}(..., {n}=...)", node)


# ---- outer --------------------------------------------------------------------------------------
def outer(lw, uf, args, kwargs, node):
    if len(args) != 2:
        return probe(uf.outer, *[np.zeros(1)] * len(args), **kwargs)     # NumPy's TypeError
    if not any(_is_run_time(a) for a in (*args, *kwargs.values())):
        lw.python_values(*args, node=node)
        return run_numpy(uf.outer, *args, **kwargs)
    bad = sorted(set(kwargs) - {"dtype"})
    if bad:
        raise lw.unsupported(f"np.{uf.__name__}.outer(..., {bad[0]}=...)", node)
    a, b = (as_array(lw, x, node) for x in args)
    wide = reshape_value(lw, a, tuple(a.shape) + (1,) * b.ndim)
    if kwargs.get("dtype") is not None:
        return ufunc_with_dtype(lw, uf, (wide, b), kwargs["dtype"], node)
    return lw.ufunc(uf, (wide, b), node)


# ---- reduce -------------------------------------------------------------------------------------
def reduce(lw, uf, args, kwargs, node):
    o = bind(lw, node, f"{uf.__name__}.reduce", args, kwargs,
             [("array", _REQ), ("axis", 0), ("dtype", None), ("out", None), ("keepdims", False),
              ("initial", NOVALUE), ("where", True)])
    if not any(_is_run_time(v) for v in o.values()):
        lw.python_values(*o.values(), node=node)
        return run_numpy(uf.reduce, *args, **kwargs)
    _static(lw, uf, "reduce", o, ("axis", "dtype", "keepdims", "initial", "where"), node)
    _plain(lw, uf, "reduce", o, node, (("out", None), ("initial", NOVALUE), ("where", True)))
    op = FOLDING_REDUCTIONS.get(uf)
    if op is None:
        raise lw.unsupported(f"np.{uf.__name__}.reduce", node)
    a = as_array(lw, o["array"], node)
    axis, keepdims = o["axis"], bool(o["keepdims"])
    result = probe(uf.reduce, np.ones((1,) * a.ndim, a.dtype), axis=axis, dtype=o["dtype"], keepdims=keepdims)
    dtype = np.asarray(result).dtype
    if dtype.kind not in "biufc":
        raise lw.unsupported(f"np.{uf.__name__}.reduce to {dtype}", node)
    if a.ndim == 0:
        axes = ()
    else:
        axes = probe(infer.normalize_axes, tuple(axis) if isinstance(axis, list) else axis, a.ndim)
    reduced = tuple(a.shape[d] for d in axes)
    if not REDUCTIONS[op].identity and any(d != 1 for d in reduced):
        if any(d == 0 for d in reduced):
            fail(ValueError(f"zero-size array to reduction operation {uf.__name__} which has no identity"))
        lw.state.checks.append(NonEmpty(reduced, uf.__name__))
    return lw.intern(Reduce(op=op, arg=a, axes=axes, keepdims=keepdims, dtype=dtype,
                               shape=infer.reduced_shape(a.shape, axes, keepdims)))


# ---- accumulate ---------------------------------------------------------------------------------
def accumulate(lw, uf, args, kwargs, node):
    o = bind(lw, node, f"{uf.__name__}.accumulate", args, kwargs,
             [("array", _REQ), ("axis", 0), ("dtype", None), ("out", None)])
    if not any(_is_run_time(v) for v in o.values()):
        lw.python_values(*o.values(), node=node)
        return run_numpy(uf.accumulate, *args, **kwargs)
    _static(lw, uf, "accumulate", o, ("axis", "dtype"), node)
    _plain(lw, uf, "accumulate", o, node, (("out", None),))
    a = as_array(lw, o["array"], node)
    result = probe(uf.accumulate, np.ones((1,) * a.ndim, a.dtype), axis=o["axis"], dtype=o["dtype"])
    op = accumulate_op(uf, result.dtype)
    if op is None or result.dtype.kind not in "biufc":
        raise lw.unsupported(f"np.{uf.__name__}.accumulate to {result.dtype}", node)
    axis = 0 if o["axis"] is None else o["axis"]
    axes = probe(infer.normalize_axes, axis, a.ndim)
    return lw.intern(Scan(op=op, arg=a, axes=axes, keepdims=True, flatten=False, dtype=result.dtype,
                             shape=a.shape))


# ---- at -----------------------------------------------------------------------------------------
def at(lw, uf, args, kwargs, node):
    """``uf.at(x, indices, b)``: x[indices] = uf(x[indices], b) element by element in index
    order (a repeated index sees what its earlier occurrence wrote). NumPy takes ``b`` as an
    array (a Python scalar is not weak here), applies the loop the two dtypes select and
    casts the result into x unsafely."""
    o = bind(lw, node, f"{uf.__name__}.at", args, kwargs, [("a", _REQ), ("indices", _REQ), ("b", None)])
    x, index, b = o["a"], o["indices"], o["b"]
    if not isinstance(x, Node) or x.weak or x.ndim == 0:
        raise lw.unsupported(f"np.{uf.__name__}.at() of a value that is not an array", node)
    if b is None:
        fail(ValueError("second operand needed for ufunc"))
    x = lw.ensure_stored(x, "array")
    lw.mark_written(x)
    region = lw.basic_index(x, list(index) if isinstance(index, list) else index, node)
    if not isinstance(region, Node):
        raise lw.unsupported(f"np.{uf.__name__}.at() with this index", node)
    if not isinstance(b, Node):
        lw.python_values(b, node=node)
    value = lw.ufunc(uf, (region, as_array(lw, b, node)), node)
    if value.dtype.kind == "c" and x.dtype.kind != "c":
        raise lw.unsupported(f"np.{uf.__name__}.at() of complex values into {x.dtype}", node)
    value = cast(lw, value, x.dtype)
    if type(region).__name__ != "Gather":      # slices and integers: no index repeats
        lw.store_into(region, value, node)
        return None
    unbuffered_scatter(lw, region, value, node)
    return None


def unbuffered_scatter(lw, region, value, node):
    """The store of ``.at``: its value reads the target while the writes run."""
    base = view_root(region.arg)
    with numpy_semantics():
        shape = infer.broadcast_shapes([region.shape, value.shape], lw.state.checks)
    if not lw.same_shape(shape, region.shape):
        fail(ValueError(f"operands could not be broadcast together with remapped shapes [original->remapped]: "
                        f"{infer._shape_text(value.shape)} and requested shape {infer._shape_text(region.shape)}"))
    if any(reads_any(i, lambda leaf: may_alias(leaf, base)) for i in region.args):
        raise lw.unsupported("ufunc.at() whose indices read the array written", node)
    value = lw.snapshot_readers(base, keep={value}).get(value, value)
    lw.emit(P.Store(region, value))


def _register():
    for uf in UFUNC_OPS:
        if uf.nin != 2 or uf.nout != 1:
            continue
        for name, kind in (("outer", outer), ("reduce", reduce), ("accumulate", accumulate), ("at", at)):
            register(getattr(uf, name))(
                lambda lw, args, kwargs, node, uf=uf, kind=kind: kind(lw, uf, args, kwargs, node))


_register()

"""Array creation as pure values: zeros/ones/empty/full (and _like), arange, copy
(eye, identity, indices, meshgrid, linspace: calls_grids.py).

Nothing is allocated: a fill is a ``Broadcast`` of a scalar, and arange/linspace/eye are
elementwise expressions over ``Iota`` (the loop index), so ``np.arange(n) * x`` is one
loop. Values follow NumPy's own algorithms (arange's fill from its first two elements,
linspace's step and exact last element); bad arguments raise NumPy's exceptions at call
time. ``np.empty`` gives zeros.
"""
from __future__ import annotations

import inspect
import math
import operator
import warnings

import numpy as np

from ..ir.dims import dim_add, dim_floordiv, dim_max, dim_sub
from ..ir.nodes import Broadcast, Elementwise, Node
from ..ir.ops import Op
from .array_build import (as_array, bind, cast, const, dtype_arg, ew, fail, iota, nonnegative,
                          require, shape_arg, strong_dtype, surely_differ, to_dim)
from .calls import register
from .semantics import kind_name

_REQ = inspect.Parameter.empty      # a required argument


def probe(fn, *args, **kwargs):
    """Run NumPy on stand-ins: its exception for bad arguments is the program's."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except Exception as exc:     # NumPy's own error for these arguments
            fail(exc)


def copy_of(lw, a):
    """A new array with a's values (np.copy): never the argument object itself."""
    return lw.intern(Elementwise(op=Op.POSITIVE, args=(a,), in_dtypes=(a.dtype,), dtype=a.dtype,
                                    shape=a.shape, array0d=a.ndim == 0))


def fill(lw, value, shape):
    """``value`` (a 0-d node, or one that broadcasts) repeated over ``shape``."""
    if tuple(value.shape) == tuple(shape):
        return copy_of(lw, value)
    return lw.intern(Broadcast(arg=value, shape=tuple(shape), dtype=value.dtype))


def shape_text(shape):
    """NumPy's "(2,3)" with {} where a size is known only at run time, and those sizes."""
    parts, values = [], []
    for d in shape:
        if isinstance(d, int):
            parts.append(str(d))
        else:
            parts.append("{}")
            values.append(d)
    return "(" + ",".join(parts) + ("," if len(parts) == 1 else "") + ")", values


def broadcast_into(lw, value, shape, message):
    """``value`` broadcast to ``shape`` (NumPy's rules); ``message(vshape, shape)`` is the
    error text. Checks that cannot be decided now run at call time."""
    text_v, vals_v = shape_text(value.shape)
    text_s, vals_s = shape_text(shape)
    text = message(text_v, text_s)
    if value.ndim > len(shape):
        fail(ValueError(text.format(*vals_v, *vals_s)))
    for vd, td in zip(reversed(value.shape), reversed(shape)):
        if vd == 1 or vd == td:
            continue
        if surely_differ(vd, td):
            fail(ValueError(text.replace("{}", "?").format()))
        require(lw, vd, "==", td, "ValueError", text, (*vals_v, *vals_s))
    return fill(lw, value, shape)


def _order(order, fn=np.zeros):
    probe(fn, np.zeros(0) if fn is np.zeros_like else (0,), order=order)


# ---- zeros, ones, empty, full ---------------------------------------------------------------
def _filled(name, number):
    def handler(lw, args, kwargs, node):
        b = bind(lw, node, name, args, kwargs, [("shape", _REQ), ("dtype", None), ("order", "C")],
                 [("device", None), ("like", None)], unsupported=("device", "like"))
        shape = shape_arg(lw, b["shape"], node)
        dt = dtype_arg(lw, b["dtype"], np.float64, node)
        _order(b["order"])
        return fill(lw, const(lw, number, dt), shape)
    return handler


register(np.zeros)(_filled("zeros", 0))
register(np.ones)(_filled("ones", 1))
register(np.empty)(_filled("empty", 0))


@register(np.ndarray)
def _ndarray(lw, args, kwargs, node):
    """``np.ndarray(shape, dtype)``: an array whose values are unspecified, as np.empty's
    (zeros here); over a buffer, or with strides, it runs in Python."""
    b = bind(lw, node, "ndarray", args, kwargs, [("shape", _REQ), ("dtype", None), ("buffer", None), ("offset", 0),
                                                   ("strides", None), ("order", None)],
             unsupported=("buffer", "strides"))
    if b["offset"] != 0 or isinstance(b["offset"], Node):
        raise lw.unsupported("np.ndarray(..., offset=...)", node)
    shape = shape_arg(lw, b["shape"], node)
    dt = dtype_arg(lw, b["dtype"], np.float64, node)
    probe(np.ndarray, (0,), dt, order=b["order"])        # NumPy's error for a bad order
    return fill(lw, const(lw, 0, dt), shape)


def _fill_value(lw, fv, dtype, like, node):
    """The fill value of full/full_like converted as NumPy's copyto(..., casting='unsafe')."""
    if isinstance(fv, Node):
        dt = dtype_arg(lw, dtype, fv.dtype if like is None else like, node)
        return cast(lw, fv, dt, force=True)
    if not isinstance(fv, (bool, int, float, complex, np.generic)):
        raise lw.unsupported(f"a fill value of type {type(fv).__name__}", node)
    dt = dtype_arg(lw, dtype, strong_dtype(fv) if like is None else like, node)
    if like is None:
        value = probe(np.full, (), fv, dt)[()]
    else:
        value = probe(np.full_like, np.zeros((), like), fv, dtype=dt)[()]
    return const(lw, value, dt)


@register(np.full)
def _full(lw, args, kwargs, node):
    b = bind(lw, node, "full", args, kwargs,
             [("shape", _REQ), ("fill_value", _REQ), ("dtype", None), ("order", "C")],
             [("device", None), ("like", None)], unsupported=("device", "like"))
    shape = shape_arg(lw, b["shape"], node)
    _order(b["order"])
    value = _fill_value(lw, b["fill_value"], b["dtype"], None, node)
    return broadcast_into(lw, value, shape,
                          lambda v, s: f"could not broadcast input array from shape {v} into shape {s}")


def _like(name, number):
    def handler(lw, args, kwargs, node):
        pos = [("a", _REQ)] + ([("fill_value", _REQ)] if number is None else [])
        pos += [("dtype", None), ("order", "K"), ("subok", True), ("shape", None)]
        b = bind(lw, node, name, args, kwargs, pos, [("device", None)], unsupported=("device",))
        a = as_array(lw, b["a"], node)
        dt = dtype_arg(lw, b["dtype"], a.dtype, node)
        shape = a.shape if b["shape"] is None else shape_arg(lw, b["shape"], node)
        _order(b["order"], np.zeros_like)
        if number is None:
            value = _fill_value(lw, b["fill_value"], dt, a.dtype if b["dtype"] is None else dt, node)
            return broadcast_into(lw, value, shape,
                                  lambda v, s: f"could not broadcast input array from shape {v} into shape {s}")
        return fill(lw, const(lw, number, dt), shape)
    return handler


register(np.zeros_like)(_like("zeros_like", 0))
register(np.ones_like)(_like("ones_like", 1))
register(np.empty_like)(_like("empty_like", 0))
register(np.full_like)(_like("full_like", None))


@register(np.copy)
def _copy(lw, args, kwargs, node):
    b = bind(lw, node, "copy", args, kwargs, [("a", _REQ), ("order", "K"), ("subok", False)])
    return copy_of(lw, as_array(lw, b["a"], node))


# ---- arange ---------------------------------------------------------------------------------
_ABSENT = object()


@register(np.arange)
def _arange(lw, args, kwargs, node):
    if len(args) > 4:
        fail(TypeError(f"arange() takes from 0 to 4 positional arguments but {len(args)} were given"))
    names = ("start", "stop", "step", "dtype")
    vals = dict(zip(names, args))
    for k, v in kwargs.items():
        if k in vals:
            fail(TypeError(f"argument for arange() given by name ('{k}') and position ({names.index(k) + 1})"))
        if k not in names + ("device", "like"):
            fail(TypeError(f"arange() got an unexpected keyword argument '{k}'"))
        if k in ("device", "like"):
            if v is not None:
                raise lw.unsupported(f"arange(..., {k}=...)", node)
            continue
        vals[k] = v
    start, stop = vals.get("start", _ABSENT), vals.get("stop", _ABSENT)
    if stop is _ABSENT:
        if not args:
            fail(TypeError("arange() requires stop to be specified."))
    elif start is _ABSENT:
        start, stop = stop, _ABSENT
    if stop is _ABSENT or stop is None:
        start, stop = 0, start
    step = vals.get("step")
    step = 1 if step is None else step
    if start is None:
        fail(TypeError("unsupported operand type(s) for -: 'int' and 'NoneType'"))
    for v in (start, stop, step):
        if isinstance(v, (complex, np.complexfloating)) or (isinstance(v, Node) and v.dtype.kind == "c"):
            raise lw.unsupported("np.arange of complex numbers", node)
        if isinstance(v, Node) and v.ndim:
            fail(TypeError("only length-1 arrays can be converted to Python scalars"))
        if not isinstance(v, (Node, bool, int, float, np.generic)):
            raise lw.unsupported(f"np.arange of a {kind_name(v)}", node)
    if vals.get("dtype") is None:
        dt = probe(np.result_type, np.int64, *(strong_dtype(v) for v in (start, stop, step)))
        dt = dtype_arg(lw, dt, None, node)
    else:
        dt = dtype_arg(lw, vals["dtype"], None, node)
    if not any(isinstance(v, Node) for v in (start, stop, step)):
        length = _static_length(start, stop, step, dt)
        if length is None:
            raise lw.unsupported("np.arange bounds whose length NumPy computes differently", node)
        if dt.kind == "b" and length > 2:
            fail(TypeError("arange() is only supported for booleans when the result has at most length 2."))
        buf = np.zeros(2, dt)
        if length >= 1:
            probe(buf.__setitem__, 0, start)
        if length >= 2:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nxt = start + step
            probe(buf.__setitem__, 1, nxt)
        return _arange_values(lw, buf[0], buf[1], length, dt)
    # a bound known only at run time: integer arithmetic on sizes
    if any(isinstance(v, float) or isinstance(v, np.floating) or (isinstance(v, Node) and v.dtype.kind == "f")
           for v in (start, stop, step)):
        raise lw.unsupported("np.arange with a float bound known only at run time", node)
    if isinstance(step, Node):
        raise lw.unsupported("np.arange with a step known only at run time", node)
    step = operator.index(step)
    if step == 0:
        fail(ZeroDivisionError("division by zero"))
    a, b = to_dim(lw, start, node), to_dim(lw, stop, node)
    span = dim_sub(b, a) if step > 0 else dim_sub(a, b)
    length = dim_floordiv(dim_add(span, abs(step) - 1), abs(step))
    if not nonnegative(span):
        length = dim_max(length, 0)
    if dt.kind == "b":
        require(lw, length, "<=", 2, "TypeError",
                "arange() is only supported for booleans when the result has at most length 2.")
    b0 = cast(lw, start if isinstance(start, Node) else int(start), dt)
    b1 = cast(lw, ew(lw, Op.ADD, (start, step), np.int64) if isinstance(start, Node) else int(start) + step, dt)
    return _arange_values(lw, b0, b1, length, dt)


def _static_length(start, stop, step, dt):
    """NumPy's _calc_length with the same Python arithmetic; anything odd is left to NumPy."""
    try:
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            delta = stop - start
            if not delta != 0:
                return 0
            val = delta / step
            value = float(val)
            if val == 0:
                return 0 if math.copysign(1.0, value) < 0 else 1
            length = math.ceil(value)
    except Exception:    # division by zero, NaN, infinity, overflow: NumPy's own error
        probe(np.arange, start, stop, step, dtype=dt)
        return None
    if length > 1 << 40:
        probe(np.arange, start, stop, step, dtype=dt)
        return None
    return max(length, 0)


def _arange_values(lw, b0, b1, length, dt):
    """NumPy's fill: b0, b1, then b0 + i * (b1 - b0) in the array's type (float16: in
    float32, as HALF_fill)."""
    i = iota(lw, 0, (length,))
    if dt.kind in "iu":
        wide = np.dtype(np.uint64) if dt == np.uint64 else np.dtype(np.int64)
        delta = ew(lw, Op.SUBTRACT, (cast(lw, b1, wide), cast(lw, b0, wide)), wide)
        value = cast(lw, i, wide)
        if isinstance(delta, Node) or delta != 1:
            value = ew(lw, Op.MULTIPLY, (value, delta), wide)
        if isinstance(b0, Node) or b0 != 0:
            value = ew(lw, Op.ADD, (cast(lw, b0, wide), value), wide)
        return cast(lw, value, dt)
    one = ew(lw, Op.EQUAL, (i, 1), np.int64)
    if dt.kind == "b":
        return ew(lw, Op.WHERE, (one, b1, b0), dt)
    calc = np.dtype(np.float32) if dt == np.float16 else dt
    f0 = cast(lw, b0, calc)
    delta = ew(lw, Op.SUBTRACT, (cast(lw, b1, calc), f0), calc)
    rest = cast(lw, ew(lw, Op.ADD, (f0, ew(lw, Op.MULTIPLY, (cast(lw, i, calc), delta), calc)), calc), dt)
    zero = ew(lw, Op.EQUAL, (i, 0), np.int64)
    return ew(lw, Op.WHERE, (zero, b0, ew(lw, Op.WHERE, (one, b1, rest), dt)), dt)

"""Array creation as pure values: zeros/ones/empty/full (and _like), arange, linspace, copy
(eye, identity, indices, meshgrid: calls_grids.py).

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
from .array_build import (as_array, bind, cast, const, dim_node, dtype_arg, ew, fail, iota, nonnegative,
                          require, shape_arg, strong_dtype, surely_differ, to_dim)
from .calls import register
from .lower import kind_name

_REQ = inspect.Parameter.empty      # a required argument


def probe(fn, *args, **kwargs):
    """Run NumPy on stand-ins: its exception for bad arguments is the program's."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except Exception as exc:     # NumPy's own error for these arguments
            fail(exc)


def copy_of(fl, a):
    """A new array with a's values (np.copy): never the argument object itself."""
    return fl.lw.intern(Elementwise(op=Op.POSITIVE, args=(a,), in_dtypes=(a.dtype,), dtype=a.dtype,
                                    shape=a.shape, array0d=a.ndim == 0))


def fill(fl, value, shape):
    """``value`` (a 0-d node, or one that broadcasts) repeated over ``shape``."""
    if tuple(value.shape) == tuple(shape):
        return copy_of(fl, value)
    return fl.lw.intern(Broadcast(arg=value, shape=tuple(shape), dtype=value.dtype))


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


def broadcast_into(fl, value, shape, message):
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
        require(fl, vd, "==", td, "ValueError", text, (*vals_v, *vals_s))
    return fill(fl, value, shape)


def _order(order, fn=np.zeros):
    probe(fn, np.zeros(0) if fn is np.zeros_like else (0,), order=order)


# ---- zeros, ones, empty, full ---------------------------------------------------------------
def _filled(name, number):
    def handler(fl, args, kwargs, node):
        b = bind(fl, node, name, args, kwargs, [("shape", _REQ), ("dtype", None), ("order", "C")],
                 [("device", None), ("like", None)], unsupported=("device", "like"))
        shape = shape_arg(fl, b["shape"], node)
        dt = dtype_arg(fl, b["dtype"], np.float64, node)
        _order(b["order"])
        return fill(fl, const(fl, number, dt), shape)
    return handler


register(np.zeros)(_filled("zeros", 0))
register(np.ones)(_filled("ones", 1))
register(np.empty)(_filled("empty", 0))


def _fill_value(fl, fv, dtype, like, node):
    """The fill value of full/full_like converted as NumPy's copyto(..., casting='unsafe')."""
    if isinstance(fv, Node):
        dt = dtype_arg(fl, dtype, fv.dtype if like is None else like, node)
        return cast(fl, fv, dt, force=True)
    if not isinstance(fv, (bool, int, float, complex, np.generic)):
        raise fl.unsupported(f"a fill value of type {type(fv).__name__}", node)
    dt = dtype_arg(fl, dtype, strong_dtype(fv) if like is None else like, node)
    if like is None:
        value = probe(np.full, (), fv, dt)[()]
    else:
        value = probe(np.full_like, np.zeros((), like), fv, dtype=dt)[()]
    return const(fl, value, dt)


@register(np.full)
def _full(fl, args, kwargs, node):
    b = bind(fl, node, "full", args, kwargs,
             [("shape", _REQ), ("fill_value", _REQ), ("dtype", None), ("order", "C")],
             [("device", None), ("like", None)], unsupported=("device", "like"))
    shape = shape_arg(fl, b["shape"], node)
    _order(b["order"])
    value = _fill_value(fl, b["fill_value"], b["dtype"], None, node)
    return broadcast_into(fl, value, shape,
                          lambda v, s: f"could not broadcast input array from shape {v} into shape {s}")


def _like(name, number):
    def handler(fl, args, kwargs, node):
        pos = [("a", _REQ)] + ([("fill_value", _REQ)] if number is None else [])
        pos += [("dtype", None), ("order", "K"), ("subok", True), ("shape", None)]
        b = bind(fl, node, name, args, kwargs, pos, [("device", None)], unsupported=("device",))
        a = as_array(fl, b["a"], node)
        dt = dtype_arg(fl, b["dtype"], a.dtype, node)
        shape = a.shape if b["shape"] is None else shape_arg(fl, b["shape"], node)
        _order(b["order"], np.zeros_like)
        if number is None:
            value = _fill_value(fl, b["fill_value"], dt, a.dtype if b["dtype"] is None else dt, node)
            return broadcast_into(fl, value, shape,
                                  lambda v, s: f"could not broadcast input array from shape {v} into shape {s}")
        return fill(fl, const(fl, number, dt), shape)
    return handler


register(np.zeros_like)(_like("zeros_like", 0))
register(np.ones_like)(_like("ones_like", 1))
register(np.empty_like)(_like("empty_like", 0))
register(np.full_like)(_like("full_like", None))


@register(np.copy)
def _copy(fl, args, kwargs, node):
    b = bind(fl, node, "copy", args, kwargs, [("a", _REQ), ("order", "K"), ("subok", False)])
    return copy_of(fl, as_array(fl, b["a"], node))


# ---- arange ---------------------------------------------------------------------------------
_ABSENT = object()


@register(np.arange)
def _arange(fl, args, kwargs, node):
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
                raise fl.unsupported(f"arange(..., {k}=...)", node)
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
            raise fl.unsupported("np.arange of complex numbers", node)
        if isinstance(v, Node) and v.ndim:
            fail(TypeError("only length-1 arrays can be converted to Python scalars"))
        if not isinstance(v, (Node, bool, int, float, np.generic)):
            raise fl.unsupported(f"np.arange of a {kind_name(v)}", node)
    if vals.get("dtype") is None:
        dt = probe(np.result_type, np.int64, *(strong_dtype(v) for v in (start, stop, step)))
        dt = dtype_arg(fl, dt, None, node)
    else:
        dt = dtype_arg(fl, vals["dtype"], None, node)
    if not any(isinstance(v, Node) for v in (start, stop, step)):
        length = _static_length(start, stop, step, dt)
        if length is None:
            raise fl.unsupported("np.arange bounds whose length NumPy computes differently", node)
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
        return _arange_values(fl, buf[0], buf[1], length, dt)
    # a bound known only at run time: integer arithmetic on sizes
    if any(isinstance(v, float) or isinstance(v, np.floating) or (isinstance(v, Node) and v.dtype.kind == "f")
           for v in (start, stop, step)):
        raise fl.unsupported("np.arange with a float bound known only at run time", node)
    if isinstance(step, Node):
        raise fl.unsupported("np.arange with a step known only at run time", node)
    step = operator.index(step)
    if step == 0:
        fail(ZeroDivisionError("division by zero"))
    a, b = to_dim(fl, start, node), to_dim(fl, stop, node)
    span = dim_sub(b, a) if step > 0 else dim_sub(a, b)
    length = dim_floordiv(dim_add(span, abs(step) - 1), abs(step))
    if not nonnegative(span):
        length = dim_max(length, 0)
    if dt.kind == "b":
        require(fl, length, "<=", 2, "TypeError",
                "arange() is only supported for booleans when the result has at most length 2.")
    b0 = cast(fl, start if isinstance(start, Node) else int(start), dt)
    b1 = cast(fl, ew(fl, Op.ADD, (start, step), np.int64) if isinstance(start, Node) else int(start) + step, dt)
    return _arange_values(fl, b0, b1, length, dt)


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


def _arange_values(fl, b0, b1, length, dt):
    """NumPy's fill: b0, b1, then b0 + i * (b1 - b0) in the array's type (float16: in
    float32, as HALF_fill)."""
    i = iota(fl, 0, (length,))
    if dt.kind in "iu":
        wide = np.dtype(np.uint64) if dt == np.uint64 else np.dtype(np.int64)
        delta = ew(fl, Op.SUBTRACT, (cast(fl, b1, wide), cast(fl, b0, wide)), wide)
        value = cast(fl, i, wide)
        if isinstance(delta, Node) or delta != 1:
            value = ew(fl, Op.MULTIPLY, (value, delta), wide)
        if isinstance(b0, Node) or b0 != 0:
            value = ew(fl, Op.ADD, (cast(fl, b0, wide), value), wide)
        return cast(fl, value, dt)
    one = ew(fl, Op.EQUAL, (i, 1), np.int64)
    if dt.kind == "b":
        return ew(fl, Op.WHERE, (one, b1, b0), dt)
    calc = np.dtype(np.float32) if dt == np.float16 else dt
    f0 = cast(fl, b0, calc)
    delta = ew(fl, Op.SUBTRACT, (cast(fl, b1, calc), f0), calc)
    rest = cast(fl, ew(fl, Op.ADD, (f0, ew(fl, Op.MULTIPLY, (cast(fl, i, calc), delta), calc)), calc), dt)
    zero = ew(fl, Op.EQUAL, (i, 0), np.int64)
    return ew(fl, Op.WHERE, (zero, b0, ew(fl, Op.WHERE, (one, b1, rest), dt)), dt)


# ---- linspace -------------------------------------------------------------------------------
@register(np.linspace)
def _linspace(fl, args, kwargs, node):
    b = bind(fl, node, "linspace", args, kwargs,
             [("start", _REQ), ("stop", _REQ), ("num", 50), ("endpoint", True),
              ("retstep", False), ("dtype", None), ("axis", 0)], [("device", None)], unsupported=("device",))
    start, stop = b["start"], b["stop"]
    for v in (start, stop):
        if not isinstance(v, (Node, bool, int, float, np.generic)) or isinstance(v, (complex, np.complexfloating)) \
                or (isinstance(v, Node) and v.dtype.kind == "c"):
            raise fl.unsupported(f"np.linspace of a {kind_name(v)}", node)
    for what in ("endpoint", "retstep", "axis"):
        if isinstance(b[what], Node):
            raise fl.unsupported(f"linspace(..., {what}=...) known only at run time", node)
    num = to_dim(fl, b["num"], node)
    if isinstance(num, int) and num < 0:
        fail(ValueError(f"Number of samples, {num}, must be non-negative."))
    if not isinstance(num, int):
        require(fl, num, ">=", 0, "ValueError", "Number of samples, {}, must be non-negative.", (num,))
    endpoint = bool(b["endpoint"])
    div = dim_sub(num, 1) if endpoint else num
    arrays = any(isinstance(v, Node) and not v.weak for v in (start, stop))
    dt = probe(np.result_type, *(_operand(v) for v in (start, stop)), 1.0)
    out_dt = dtype_arg(fl, b["dtype"], dt, node)
    delta = ew(fl, Op.SUBTRACT, (stop, start), dt)
    bshape = delta.shape if isinstance(delta, Node) else ()
    i = iota(fl, 0, (num, *bshape))
    y = cast(fl, i, dt)
    if isinstance(div, int):
        if div > 0:
            step = ew(fl, Op.TRUE_DIVIDE, (delta, div), dt)
            zero = _any_zero(fl, step, node)
            scaled = ew(fl, Op.WHERE, (zero, ew(fl, Op.MULTIPLY, (ew(fl, Op.TRUE_DIVIDE, (y, div), dt), delta), dt),
                                       ew(fl, Op.MULTIPLY, (y, step), dt)), dt)
        else:
            step = math.nan         # NumPy's Python float
            scaled = ew(fl, Op.MULTIPLY, (y, delta), dt)
    else:
        d = dim_node(fl, div)
        positive = ew(fl, Op.GREATER, (d, 0), np.int64)
        step = ew(fl, Op.TRUE_DIVIDE, (delta, d), dt)
        zero = _any_zero(fl, step, node)
        by_step = ew(fl, Op.WHERE, (zero, ew(fl, Op.MULTIPLY, (ew(fl, Op.TRUE_DIVIDE, (y, d), dt), delta), dt),
                                    ew(fl, Op.MULTIPLY, (y, step), dt)), dt)
        scaled = ew(fl, Op.WHERE, (positive, by_step, ew(fl, Op.MULTIPLY, (y, delta), dt)), dt)
        step = ew(fl, Op.WHERE, (positive, step, np.nan), dt)
    # y += start: start converted to an array (strong) unless an array is among the bounds
    add_dt = np.result_type(dt, _operand(start) if arrays else strong_dtype(start))
    y = cast(fl, ew(fl, Op.ADD, (scaled, start), add_dt), dt)
    if endpoint:
        last = ew(fl, Op.EQUAL, (i, dim_node(fl, dim_sub(num, 1))), np.int64)
        if not isinstance(num, int):
            last = ew(fl, Op.LOGICAL_AND, (last, ew(fl, Op.GREATER, (dim_node(fl, num), 1), np.int64)), bool)
        if not (isinstance(num, int) and num <= 1):
            y = ew(fl, Op.WHERE, (last, cast(fl, stop, dt), y), dt)
    axis = b["axis"]
    if axis != 0:
        from .calls_shapes import moveaxis
        y = moveaxis(fl, y, 0, axis, node)
    if out_dt.kind in "iu":
        y = ew(fl, Op.FLOOR, (y,), dt)
    y = cast(fl, y, out_dt)
    if b["retstep"]:
        return y, step
    return y


def _operand(v):
    """What NumPy's type resolution sees (weak Python scalars stay Python scalars)."""
    if isinstance(v, Node):
        return {"b": True, "i": 1, "u": 1, "f": 1.0}[v.dtype.kind] if v.weak else v.dtype
    return v


def _any_zero(fl, step, node):
    zero = ew(fl, Op.EQUAL, (step, 0), step.dtype if isinstance(step, Node) else np.asarray(step).dtype)
    if isinstance(zero, Node) and zero.ndim:
        return fl.reduction("any", zero, (), {}, node)
    return zero

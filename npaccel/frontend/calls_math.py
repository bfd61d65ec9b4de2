"""NumPy functions and methods that decide values exactly as NumPy 2 does: ``clip``,
``round``/``around``, ``nan_to_num``, ``isclose``/``allclose``, ``divmod``; and the helpers the
other fidelity modules share (casts: ``calls_casts.py``, reductions: ``calls_reductions.py``).

Each handler replays NumPy's own algorithm (its Python source or its C loop's formula) with
the ufuncs the graph already has, so dtypes, NaN and signed zeros follow by construction;
errors that depend only on types are NumPy's own, raised by calling NumPy on stand-ins.

>>> round_steps(np.dtype("float32"), 2)
('multiply', 100.0, 'rint', 'true_divide')
>>> round_steps(np.dtype("int16"), -1)
('cast float64', 'true_divide', 10.0, 'rint', 'multiply', 'cast int16')
>>> power_of_ten(3), power_of_ten(10)
(1000.0, 10000000000.0)
"""
from __future__ import annotations

import builtins
import inspect
import operator

import numpy as np

from ..ir.checks import ComplexCastWarning
from ..ir.nodes import Elementwise, Node, Param
from ..ir.ops import Op
from . import infer
from .calls import register, register_method
from .semantics import numpy_semantics

NOVALUE = np._NoValue
_CLIP = np._core.umath.clip
_COMPILED_KINDS = "biufc"


# ---- shared helpers (calls_casts.py and calls_reductions.py use them) ----------------------------------

def bind(func, args, kwargs):
    """NumPy's parameters by name, with Python's TypeError for a bad call."""
    with numpy_semantics():
        bound = inspect.signature(func).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def static(lw, fname, options, names, node):
    """Options that decide types or shapes must be known when compiling."""
    for name in names:
        if isinstance(options.get(name), Node):
            raise lw.unsupported(f"{fname}() with a run-time {name}", node)


def no_out(lw, fname, options, node, *names):
    for name in ("out",) + names:
        value = options.get(name, None)
        if value is not None and value is not NOVALUE:
            raise lw.unsupported(f"{fname}(..., {name}=...)", node)


def has_node(*values):
    return any(isinstance(v, Node) for v in values)


def run_numpy(func, *args, **kwargs):
    """Compile-time values: what NumPy itself returns (or raises)."""
    with numpy_semantics():
        return func(*args, **kwargs)


def is_array(a):
    """Whether ``a`` is an ndarray at run time (a 0-d Param or copy is; a scalar is not)."""
    return not a.weak and (a.ndim > 0 or isinstance(a, Param) or a.array0d)


def warn_complex_cast(lw, src, dst):
    """NumPy warns (ComplexWarning) when a cast drops an imaginary part; so does the call."""
    if np.dtype(src).kind == "c" and np.dtype(dst).kind not in "cb":
        lw.state.checks.append(ComplexCastWarning())


def cast(lw, a, dtype, *, array0d=False, weak=False, node=None):
    """``a`` converted to ``dtype`` as NumPy's unsafe cast does (a new value)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in _COMPILED_KINDS or a.dtype.kind not in _COMPILED_KINDS:
        raise lw.unsupported(f"a cast from {a.dtype} to {dtype}", node)
    warn_complex_cast(lw, a.dtype, dtype)
    return lw.intern(Elementwise(op=Op.CAST, args=(a,), in_dtypes=(a.dtype,), dtype=dtype, shape=a.shape,
                                    weak=weak, array0d=array0d and a.ndim == 0))


def strong(lw, a, node=None):
    """A run-time Python scalar seen by NumPy as a 0-d array of its default dtype."""
    return cast(lw, a, a.dtype, node=node) if a.weak else a


# ---- clip -------------------------------------------------------------------------------------

@register(np.clip)
def _np_clip(lw, args, kwargs, node):
    o = bind(np.clip, args, kwargs)
    lo, hi = o["a_min"], o["a_max"]
    with numpy_semantics():     # np.clip's own argument rules
        if lo is NOVALUE and hi is NOVALUE:
            lo = None if o["min"] is NOVALUE else o["min"]
            hi = None if o["max"] is NOVALUE else o["max"]
        elif lo is NOVALUE or hi is NOVALUE:
            raise TypeError(f"clip() missing 1 required positional argument: '{'a_min' if lo is NOVALUE else 'a_max'}'")
        elif o["min"] is not NOVALUE or o["max"] is not NOVALUE:
            raise ValueError("Passing `min` or `max` keyword argument when `a_min` and `a_max` are provided "
                             "is forbidden.")
    no_out(lw, "clip", o, node)
    if o.get("kwargs"):
        raise lw.unsupported(f"clip(..., {sorted(o['kwargs'])[0]}=...)", node)
    return clip(lw, o["a"], lo, hi, node)


@register_method("clip")
def _clip_method(lw, args, kwargs, node):
    o = bind(np.ndarray.clip, args, kwargs)
    no_out(lw, "clip", o, node)
    if o.get("kwargs"):
        raise lw.unsupported(f"clip(..., {sorted(o['kwargs'])[0]}=...)", node)
    return clip(lw, args[0], o["min"], o["max"], node)


def clip(lw, a, lo, hi, node):
    """NumPy 2's ``_clip``: Python ints beyond an integer array's range drop that bound,
    then positive / minimum / maximum / the clip ufunc (``min(max(x, lo), hi)``: NaN in x or
    a bound gives NaN, and lo > hi gives hi)."""
    if not has_node(a, lo, hi):
        return run_numpy(np.clip, a, lo, hi)
    if not isinstance(a, Node):
        a = lw.as_node(np.asarray(a)[()] if np.ndim(a) == 0 else a, node)
    a = strong(lw, a, node)
    if a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        for bound in (lo, hi):
            if isinstance(bound, Node) and bound.weak and bound.dtype.kind in "iu" and a.dtype != np.int64:
                raise lw.unsupported(f"clip() of a {a.dtype} array with a bound that is a run-time Python int", node)
        if type(lo) is int and lo <= info.min:
            lo = None
        if type(hi) is int and hi >= info.max:
            hi = None
    if lo is None and hi is None:
        return lw.ufunc(np.positive, (a,), node)
    if lo is None:
        return lw.ufunc(np.minimum, (a, hi), node)
    if hi is None:
        return lw.ufunc(np.maximum, (a, lo), node)
    clipped = lw.ufunc(_CLIP, (a, lo, hi), node)
    x, lo, hi = clipped.args
    broadcast = any(d != 1 for d in clipped.shape)
    scalar_like = all(b.ndim == 0 or (broadcast and all(d == 1 for d in b.shape)) for b in (lo, hi))
    if clipped.dtype in (np.float32, np.float64) and not scalar_like:
        # NumPy's float clip loop keeps x on a tie of +0.0/-0.0 only when both bounds have
        # stride 0 (its scalar fast path); otherwise it is maximum() then minimum()
        d = clipped.dtype
        with numpy_semantics():
            shape = infer.broadcast_shapes([x.shape, lo.shape], lw.state.checks)
        low = lw.intern(Elementwise(op=Op.MAXIMUM, args=(x, lo), in_dtypes=(d, d), dtype=d, shape=shape))
        return lw.intern(Elementwise(op=Op.MINIMUM, args=(low, hi), in_dtypes=(d, d), dtype=d,
                                        shape=clipped.shape))
    return clipped


# ---- round ------------------------------------------------------------------------------------

def power_of_ten(n):
    """NumPy's power_of_ten() in PyArray_Round: a table to 1e8, then repeated * 10."""
    if n < 9:
        return (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8)[n]
    ret = 1e9
    for _ in range(n - 9):
        ret *= 10.0
    return ret


def round_steps(dtype, decimals):
    """The ufunc steps PyArray_Round takes (for the docs and the doctest)."""
    if dtype.kind in "iu":
        if decimals >= 0:
            return ("identity",)
        return ("cast float64", "true_divide", power_of_ten(-decimals), "rint", "multiply", f"cast {dtype}")
    if decimals == 0:
        return ("rint",)
    if decimals > 0:
        return ("multiply", power_of_ten(decimals), "rint", "true_divide")
    return ("true_divide", power_of_ten(-decimals), "rint", "multiply")


@register(np.round, np.around)
def _np_round(lw, args, kwargs, node):
    o = bind(np.round, args, kwargs)
    no_out(lw, "round", o, node)
    return round_(lw, o["a"], o["decimals"], node)


@register_method("round")
def _round_method(lw, args, kwargs, node):
    o = bind(np.ndarray.round, args, kwargs)
    no_out(lw, "round", o, node)
    return round_(lw, args[0], o["decimals"], node)


def round_(lw, a, decimals, node):
    if not has_node(a, decimals):
        return run_numpy(np.round, a, decimals)
    if isinstance(decimals, Node):
        raise lw.unsupported("round() with a run-time number of decimals", node)
    with numpy_semantics():
        d = operator.index(decimals)
    a = strong(lw, a, node)
    kind = a.dtype.kind
    if kind == "b" and d != 0:
        run_numpy(np.round, np.zeros(1, bool), d)          # NumPy's UFuncTypeError
        raise lw.unsupported("round() of a bool array with decimals", node)
    if kind in "iu":
        if d >= 0:          # the array itself (a 0-d array becomes a scalar)
            return a if a.ndim else cast(lw, a, a.dtype, node=node)
        f = power_of_ten(-d)
        t = lw.ufunc(np.true_divide, (cast(lw, a, np.float64, node=node), f), node)
        m = lw.ufunc(np.multiply, (lw.ufunc(np.rint, (t,), node), f), node)
        return cast(lw, m, a.dtype, node=node)
    if kind not in "bf":
        raise lw.unsupported("np.round() of complex numbers", node)
    if d == 0:
        return lw.ufunc(np.rint, (a,), node)
    f = power_of_ten(abs(d))
    first, second = (np.multiply, np.true_divide) if d > 0 else (np.true_divide, np.multiply)
    return lw.ufunc(second, (lw.ufunc(np.rint, (lw.ufunc(first, (a, f), node),), node), f), node)


# ---- nan_to_num, isclose, allclose, divmod ------------------------------------------------------

@register(np.nan_to_num)
def _nan_to_num(lw, args, kwargs, node):
    o = bind(np.nan_to_num, args, kwargs)
    x = o["x"]
    if not has_node(*o.values()):
        return run_numpy(np.nan_to_num, *args, **kwargs)
    if not isinstance(x, Node):
        raise lw.unsupported("np.nan_to_num() of a constant with run-time replacement values", node)
    static(lw, "nan_to_num", o, ("copy",), node)
    x = strong(lw, x, node)
    if x.dtype.kind not in "fc":
        return x if (not o["copy"] and x.ndim) else cast(lw, x, x.dtype, node=node)
    if x.dtype.kind == "c":
        raise lw.unsupported("np.nan_to_num() of complex numbers", node)
    info = np.finfo(x.dtype)
    values = []
    for name, default in (("nan", 0.0), ("posinf", info.max), ("neginf", info.min)):
        v = default if o[name] is None else o[name]
        if isinstance(v, Node):
            if v.ndim:
                raise lw.unsupported(f"np.nan_to_num(..., {name}=<array>)", node)
            with numpy_semantics():
                if not np.can_cast(infer.operand_type(v), x.dtype, "same_kind"):
                    raise TypeError(f"Cannot cast scalar from {v.dtype!r} to {x.dtype!r} according to the rule "
                                    "'same_kind'")
            values.append(cast(lw, v, x.dtype, node=node))
        else:
            holder = np.zeros((), x.dtype)
            run_numpy(np.copyto, holder, v)          # the value as copyto stores it, or its error
            values.append(holder[()])
    nan, posinf, neginf = values
    inf = float("inf")
    target, in_place = x, not o["copy"] and is_array(x)
    if in_place:                                # NumPy writes into x and returns it
        target = lw.ensure_stored(x, "x")
    out = lw.where(lw.ufunc(np.equal, (target, -inf), node), neginf, target, node)
    out = lw.where(lw.ufunc(np.equal, (target, inf), node), posinf, out, node)
    out = lw.where(lw.ufunc(np.isnan, (target,), node), nan, out, node)
    if not in_place:
        return out
    lw.store_into(target, out, node)
    return target if target.ndim else cast(lw, target, target.dtype, node=node)


@register(np.isclose)
def _isclose(lw, args, kwargs, node):
    o = bind(np.isclose, args, kwargs)
    return isclose(lw, o, node)


def isclose(lw, o, node):
    """numpy._core.numeric.isclose, step by step."""
    a, b, rtol, atol, equal_nan = (o[k] for k in ("a", "b", "rtol", "atol", "equal_nan"))
    if not has_node(a, b, rtol, atol, equal_nan):
        return run_numpy(np.isclose, a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    static(lw, "isclose", o, ("equal_nan",), node)
    x, y, atol, rtol = (v if isinstance(v, (int, float, complex, Node)) else run_numpy(np.asanyarray, v)
                        for v in (a, b, atol, rtol))
    if isinstance(y, Node) and not y.weak:
        dt = np.result_type(y.dtype, 1.0)
        y = y if dt == y.dtype else cast(lw, y, dt, node=node)
    elif isinstance(y, Node) and y.dtype.kind in "bi":
        y = cast(lw, y, np.float64, weak=True, node=node)          # float(y)
    elif isinstance(y, np.ndarray):
        y = y.astype(np.result_type(y, 1.0))
    elif isinstance(y, int):
        y = float(y)
    u = lw.ufunc
    close = u(np.less_equal, (u(np.absolute, (u(np.subtract, (x, y), node),), node),
                              u(np.add, (atol, u(np.multiply, (rtol, u(np.absolute, (y,), node)), node)), node)),
              node)
    result = u(np.bitwise_or, (u(np.bitwise_and, (close, u(np.isfinite, (y,), node)), node),
                               u(np.equal, (x, y), node)), node)
    if equal_nan:
        result = u(np.bitwise_or, (result, u(np.bitwise_and, (u(np.isnan, (x,), node), u(np.isnan, (y,), node)),
                                             node)), node)
    return result


@register(np.allclose)
def _allclose(lw, args, kwargs, node):
    """``bool(np.all(isclose(...)))``: a Python bool, kept as a (weak) run-time value."""
    o = bind(np.allclose, args, kwargs)
    close = isclose(lw, o, node)
    if not isinstance(close, Node):
        return builtins.bool(np.all(close))
    every = lw.reduction("all", close, (), {}, node)
    return cast(lw, every, np.dtype(bool), weak=True, node=node)


def _divmod(lw, x, y, node):
    if not has_node(x, y):
        return None
    nodes = tuple(lw.as_node(v, node) for v in (x, y))
    known = {i: n.value for i, n in enumerate(nodes) if n.weak and hasattr(n, "value")}
    with numpy_semantics():
        infer.elementwise_types(np.divmod, nodes, known)      # divmod's own type errors
    return lw.ufunc(np.floor_divide, (x, y), node), lw.ufunc(np.remainder, (x, y), node)


@register(np.divmod)
def _np_divmod(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        if not has_node(*args, *kwargs.values()):
            return run_numpy(np.divmod, *args, **kwargs)
        raise lw.unsupported("np.divmod() with out=, dtype= or other keywords", node)
    result = _divmod(lw, *args, node)
    return run_numpy(np.divmod, *args) if result is None else result


@register(builtins.divmod)
def _py_divmod(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        return run_numpy(builtins.divmod, *args, **kwargs)       # Python's TypeError
    result = _divmod(lw, *args, node)
    return run_numpy(builtins.divmod, *args) if result is None else result


# ---- comparisons of integer arrays with Python ints (node_builders.py's ufunc() calls this) -------------

_COMPARISONS = (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)
_I64, _U64 = np.dtype(np.int64), np.dtype(np.uint64)


def exact_int_comparison(lw, uf, nodes, in_dtypes, node):
    """NumPy 2 compares an integer array with a Python int by value, even one outside the
    array's dtype (``uint8_array < 1000`` is all True, no OverflowError): such a comparison
    runs in int64, or in NumPy's mixed int64/uint64 loop for uint64 arrays. A Python int
    known to fit the dtype, or any other operands, keep NumPy's loop."""
    if uf not in _COMPARISONS or any(d.kind not in "iu" for d in in_dtypes):
        return in_dtypes
    weak = [n.weak and n.dtype.kind in "iu" for n in nodes]
    if weak.count(True) != 1:
        return in_dtypes
    k = weak.index(True)
    scalar, dt = nodes[k], in_dtypes[1 - k]
    if hasattr(scalar, "value"):
        value = int(scalar.value)
        info = np.iinfo(dt)
        if info.min <= value <= info.max:
            return in_dtypes
        if not np.iinfo(_I64).min <= value <= np.iinfo(_I64).max:
            raise lw.unsupported("comparing an integer array with a Python int beyond int64", node)
    out = [None, None]
    out[k], out[1 - k] = _I64, (_U64 if dt == _U64 else _I64)
    return tuple(out)

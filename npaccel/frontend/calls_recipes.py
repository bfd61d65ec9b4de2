"""NumPy functions compiled from NumPy's own algorithm written as plain Python (a recipe):
the handler checks what the recipe covers and inlines it like a user's helper, so every
construct in it compiles as user code does. A recipe follows NumPy's source step by step
(the same operations in the same order: NumPy's results, dtypes and errors).

- ``np.diagonal``, ``a.diagonal()``, ``np.trace``, ``a.trace()``, ``np.diag``: 2-d input,
  the first two axes; the diagonal gathered (``a[i, i + k]``) into a new array (NumPy's is a
  read-only view: writing into it raises there, so a function that writes into one runs
  in Python).
- ``np.select``: NumPy's loop of ``copyto(result, choice, where=cond)`` from the last
  condition to the first, as nested ``where`` (built here, not a recipe); conditions must
  be bool (NumPy's TypeError).
- ``np.cross``: vectors of 3 on the last axis: NumPy's products and differences.
- ``np.trapezoid``: ``dx``, or ``x`` 1-d or of ``y``'s shape; NumPy's ``(d * (y[1:] +
  y[:-1]) / 2.0).sum(axis)``.
- ``np.array_equal``: shapes compared when compiling where they are known (else the call
  runs in Python where they differ), then ``(a1 == a2).all()`` (``equal_nan``: NaN in the
  same places).
- ``np.polyval``: Horner's loop ``y = y * x + p[i]`` from ``zeros_like(x)``.
- ``np.median``: flattened or along one axis: sorted (np.sort), then the middle element or
  the mean of the two middle ones, NaN where the largest is NaN (NumPy's _median).
- ``np.gradient``: uniform spacing, edge_order=1: NumPy's central and one-sided differences.
- ``a.item()``, ``a.item(i)``: the element as a Python scalar; ``a.fill(v)``: ``a[...] = v``.
"""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedError
from ..ir.checks import ShapeGuard
from ..ir.nodes import Node
from .calls import register, register_method
from .read_only import marked_read_only


# ---- the recipes (plain Python, lowered like user code) --------------------------------------------

def _diagonal(a, offset):
    n0, n1 = a.shape
    if offset >= 0:
        i = np.arange(max(min(n0, n1 - offset), 0))
        return a[i, i + offset]
    i = np.arange(max(min(n0 + offset, n1), 0))
    return a[i - offset, i]


def _trace(a, offset, dtype):
    return _diagonal(a, offset).sum(dtype=dtype)


def _diag_of_vector(v, k):
    n = v.shape[0] + abs(k)
    res = np.zeros((n, n), v.dtype)
    i = np.arange(v.shape[0])
    if k >= 0:
        res[i, i + k] = v
    else:
        res[i - k, i] = v
    return res


def _cross3(a, b):
    if a.ndim == 1 and b.ndim == 1:          # (a[..., 0] of a vector is a 0-d array)
        cp0 = a[1] * b[2] - a[2] * b[1]
        cp1 = a[2] * b[0] - a[0] * b[2]
        cp2 = a[0] * b[1] - a[1] * b[0]
        return np.array([cp0, cp1, cp2])
    if a.ndim == 1:
        a = a[None]
    if b.ndim == 1:
        b = b[None]
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    cp0 = a1 * b2 - a2 * b1
    cp1 = a2 * b0 - a0 * b2
    cp2 = a0 * b1 - a1 * b0
    return np.stack((cp0, cp1, cp2), axis=-1)


def _trapezoid_dx(y, dx, axis):
    y1 = np.moveaxis(y, axis, -1)
    return (dx * (y1[..., 1:] + y1[..., :-1]) / 2.0).sum(-1)


def _trapezoid_x(y, x, axis):
    y1 = np.moveaxis(y, axis, -1)
    d = np.diff(x) if x.ndim == 1 else np.diff(np.moveaxis(x, axis, -1), axis=-1)
    return (d * (y1[..., 1:] + y1[..., :-1]) / 2.0).sum(-1)


def _array_equal(a1, a2, equal_nan):
    if equal_nan:
        n1, n2 = np.isnan(a1), np.isnan(a2)
        return bool(((n1 == n2) & (n1 | (a1 == a2))).all())     # (NumPy: a1[~n1] == a2[~n1])
    return bool((a1 == a2).all())


def _polyval(p, x):
    y = np.zeros_like(x)
    for pv in p:
        y = y * x + pv
    return y


def _gradient_along(f, at, dx):
    """NumPy's uniform-spacing gradient along one axis (edge_order=1); ``at(k)`` indexes
    position (or slice) ``k`` of that axis."""
    out = np.empty_like(f)
    out[at[0]] = (f[at[1]] - f[at[2]]) / (2.0 * dx)
    out[at[3]] = (f[at[4]] - f[at[3]]) / dx
    out[at[5]] = (f[at[5]] - f[at[6]]) / dx
    return out


def _median_sorted(s, lead, n, odd_n, mean_dtype):
    """NumPy's _median of ``s`` sorted along its last axis (``n`` long, after the axes
    ``lead`` indexes whole): the middle element, or the mean of the two middle ones; NaN
    where the last (largest) one is NaN."""
    h = n // 2
    odd = s[lead + (h,)].astype(mean_dtype)
    even = (s[lead + (h - 1,)].astype(mean_dtype) + s[lead + (h,)].astype(mean_dtype)) / 2
    middle = np.where(odd_n, odd, even)
    return np.where(np.isnan(s[lead + (-1,)]), np.nan, middle)


# ---- handlers ---------------------------------------------------------------------------------------

def inlined(lw, recipe, name, args, node):
    """``recipe(*args)`` lowered in place; what it cannot compile is reported at the user's
    call (``name``), not inside npaccel."""
    try:
        return lw.inline(recipe, tuple(args), {}, node)
    except UnsupportedError as exc:
        raise lw.unsupported(f"{name}() with these arguments ({exc.construct})", node) from None


def bound_arguments(lw, func, args, kwargs, node):
    from .array_build import fail
    import inspect
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        fail(TypeError(f"{func.__name__}() {exc}"))
    bound.apply_defaults()
    return bound.arguments


def _matrix(lw, a, name, axis1, axis2, node):
    from .array_build import as_array
    a = as_array(lw, a, node)
    if a.ndim != 2 or {axis1, axis2} not in ({0, 1}, {0, -1}, {-2, 1}, {-2, -1}) or axis1 % 2 == axis2 % 2:
        raise lw.unsupported(f"{name}() of other than a 2-d array's two axes", node)
    return a if axis1 % 2 == 0 else lw.transpose(a, None, node)


def _static_int(lw, value, name, node):
    if isinstance(value, Node) or not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise lw.unsupported(f"{name}() with an offset other than an int known when compiling", node)
    return int(value)


@register(np.diagonal)
def _np_diagonal(lw, args, kwargs, node):
    o = bound_arguments(lw, np.diagonal, args, kwargs, node)
    a = _matrix(lw, o["a"], "diagonal", o["axis1"], o["axis2"], node)
    return marked_read_only(lw, inlined(lw, _diagonal, "np.diagonal",
                                        (a, _static_int(lw, o["offset"], "diagonal", node)), node), "np.diagonal")


@register_method("diagonal")
def _diagonal_method(lw, args, kwargs, node):
    return _np_diagonal(lw, args, kwargs, node)


@register(np.trace)
def _np_trace(lw, args, kwargs, node):
    o = bound_arguments(lw, np.trace, args, kwargs, node)
    if o["out"] is not None:
        raise lw.unsupported("trace(..., out=...)", node)
    a = _matrix(lw, o["a"], "trace", o["axis1"], o["axis2"], node)
    return inlined(lw, _trace, "np.trace", (a, _static_int(lw, o["offset"], "trace", node), o["dtype"]), node)


@register_method("trace")
def _trace_method(lw, args, kwargs, node):
    return _np_trace(lw, args, kwargs, node)


@register(np.diag)
def _np_diag(lw, args, kwargs, node):
    from .array_build import as_array
    o = bound_arguments(lw, np.diag, args, kwargs, node)
    v = as_array(lw, o["v"], node)
    k = _static_int(lw, o["k"], "diag", node)
    if v.ndim == 1:
        return inlined(lw, _diag_of_vector, "np.diag", (v, k), node)
    if v.ndim == 2:
        return marked_read_only(lw, inlined(lw, _diagonal, "np.diag", (v, k), node), "np.diag")
    with _numpy():
        raise ValueError("Input must be 1- or 2-d.")


@register(np.select)
def _np_select(lw, args, kwargs, node):
    o = bound_arguments(lw, np.select, args, kwargs, node)
    conds, choices, default = o["condlist"], o["choicelist"], o["default"]
    if not isinstance(conds, (list, tuple)) or not isinstance(choices, (list, tuple)):
        raise lw.unsupported("np.select() of other than lists of conditions and choices", node)
    if len(conds) != len(choices):
        with _numpy():
            raise ValueError("list of cases must be same length as list of conditions")
    if not choices:
        with _numpy():
            raise ValueError("select with an empty condition list is not possible")
    conds = [lw.as_node(c, node) for c in conds]
    for i, c in enumerate(conds):
        if c.dtype != np.bool_:
            with _numpy():
                raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    values = [lw.as_node(v, node) for v in (*choices, default)]
    with _numpy():
        dtype = np.result_type(*[np.zeros((1,) * v.ndim, v.dtype) if not v.weak else
                                 {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}[v.dtype.kind] for v in values])
    from .calls_math import cast
    values = [cast(lw, v, dtype, node=node) if v.dtype != dtype or v.weak else v for v in values]
    result = values[-1]
    for cond, choice in zip(conds[::-1], values[-2::-1]):     # NumPy's copyto loop, last first
        result = lw.where(cond, choice, result, node)
    return result


@register(np.cross)
def _np_cross(lw, args, kwargs, node):
    from .array_build import as_array
    o = bound_arguments(lw, np.cross, args, kwargs, node)
    a, b = as_array(lw, o["a"], node), as_array(lw, o["b"], node)
    if (o["axisa"], o["axisb"], o["axisc"], o["axis"]) != (-1, -1, -1, None) or not a.ndim or not b.ndim or \
            any(isinstance(v.shape[-1], int) and v.shape[-1] != 3 for v in (a, b)):
        raise lw.unsupported("np.cross() of other than vectors of 3 on the last axis", node)
    for v in (a, b):        # a length known only at run time: other lengths run in Python
        if not isinstance(v.shape[-1], int):
            guard = ShapeGuard(v.shape[-1], 3, ((v.shape[-1],), (3,)))
            if guard not in lw.state.checks:
                lw.state.checks.append(guard)
    return inlined(lw, _cross3, "np.cross", (a, b), node)


@register(np.trapezoid)
def _np_trapezoid(lw, args, kwargs, node):
    from .array_build import as_array
    from numpy.lib.array_utils import normalize_axis_index
    o = bound_arguments(lw, np.trapezoid, args, kwargs, node)
    y = as_array(lw, o["y"], node)
    with _numpy():
        axis = normalize_axis_index(o["axis"], y.ndim)
    if o["x"] is None:
        return inlined(lw, _trapezoid_dx, "np.trapezoid", (y, o["dx"], axis), node)
    x = as_array(lw, o["x"], node)
    if x.ndim != 1 and x.ndim != y.ndim:
        raise lw.unsupported("np.trapezoid() with an x of other than 1 or y's dims", node)
    return inlined(lw, _trapezoid_x, "np.trapezoid", (y, x, axis), node)


@register(np.array_equal)
def _np_array_equal(lw, args, kwargs, node):
    from .array_build import as_array, surely_differ
    o = bound_arguments(lw, np.array_equal, args, kwargs, node)
    a1, a2 = as_array(lw, o["a1"], node), as_array(lw, o["a2"], node)
    if a1.ndim != a2.ndim or any(surely_differ(x, y) for x, y in zip(a1.shape, a2.shape)):
        return False
    for x, y in zip(a1.shape, a2.shape):      # sizes that differ at run time: False, in Python
        if x != y and ShapeGuard(x, y, (a1.shape, a2.shape)) not in lw.state.checks:
            lw.state.checks.append(ShapeGuard(x, y, (a1.shape, a2.shape)))
    equal_nan = o["equal_nan"]
    if isinstance(equal_nan, Node):
        raise lw.unsupported("np.array_equal() with a run-time equal_nan", node)
    if equal_nan and not all(a.dtype.kind in "fc" for a in (a1, a2)):
        equal_nan = False           # NumPy: no NaN in other dtypes
    return inlined(lw, _array_equal, "np.array_equal", (a1, a2, bool(equal_nan)), node)


@register(np.polyval)
def _np_polyval(lw, args, kwargs, node):
    from .array_build import as_array
    o = bound_arguments(lw, np.polyval, args, kwargs, node)
    p, x = as_array(lw, o["p"], node), lw.as_node(o["x"], node)
    if p.ndim != 1:
        raise lw.unsupported("np.polyval() of other than a 1-d array of coefficients", node)
    return inlined(lw, _polyval, "np.polyval", (p, x), node)


@register(np.gradient)
def _np_gradient(lw, args, kwargs, node):
    """Uniform spacing (none, or one scalar for every axis), edge_order=1; one array per
    axis (a tuple for several), in float64 for integer input."""
    from .array_build import as_array, require
    from numpy.lib.array_utils import normalize_axis_tuple
    if len(args) < 1 or set(kwargs) - {"axis", "edge_order"} or kwargs.get("edge_order", 1) != 1:
        raise lw.unsupported("np.gradient() with other than uniform spacing and edge_order=1", node)
    f = as_array(lw, args[0], node)
    spacing = args[1:]
    if len(spacing) > 1 or any(isinstance(d, Node) and d.ndim or isinstance(d, (list, tuple)) for d in spacing):
        raise lw.unsupported("np.gradient() with spacing per axis or coordinate arrays", node)
    if f.dtype.kind not in "iuf" or f.dtype == np.float16:
        raise lw.unsupported(f"np.gradient() of {f.dtype}", node)
    with _numpy():
        axes = tuple(range(f.ndim)) if kwargs.get("axis") is None else normalize_axis_tuple(kwargs["axis"], f.ndim)
    if f.dtype.kind != "f":
        from .calls_math import cast
        f = cast(lw, f, np.float64, node=node)
    dx = spacing[0] if spacing else 1.0
    out = []
    for axis in axes:
        n = f.shape[axis]
        message = ("Shape of array too small to calculate a numerical gradient, at least (edge_order + 1) "
                   "elements are required.")
        if isinstance(n, int):
            if n < 2:
                with _numpy():
                    raise ValueError(message)
        else:
            require(lw, n, ">=", 2, "ValueError", message)
        lead = (slice(None),) * axis
        at = tuple(lead + (k,) for k in (slice(1, -1), slice(2, None), slice(None, -2), 0, 1, -1, -2))
        out.append(inlined(lw, _gradient_along, "np.gradient", (f, at, dx), node))
    return out[0] if len(out) == 1 else tuple(out)


@register(np.median)
def _np_median(lw, args, kwargs, node):
    """Along one axis or flattened (no ``out``, ``keepdims``): NumPy's middle element or mean
    of the two middle ones of the sorted values, NaN where one is NaN; an empty input (NumPy
    warns and returns NaN) runs in Python."""
    o = bound_arguments(lw, np.median, args, kwargs, node)
    if o["out"] is not None or o["keepdims"] or isinstance(o["overwrite_input"], Node):
        raise lw.unsupported("np.median() with out= or keepdims=True", node)
    s, nv, lead = sorted_along(lw, o["a"], o["axis"], "median", node)
    odd = nv % 2 == 1 if isinstance(nv, int) else lw.ufunc(np.equal, (lw.ufunc(np.remainder, (nv, 2), node), 1), node)
    mean_dtype = np.dtype(np.float64) if s.dtype.kind in "biu" else s.dtype
    result = inlined(lw, _median_sorted, "np.median", (s, lead, nv, odd, mean_dtype), node)
    return lw.basic_index(result, (), node) if not result.ndim else result


def sorted_along(lw, a, axis, name, node):
    """(``a`` sorted along ``axis`` moved last (flattened for None), its length, the index
    of the other axes) for NumPy's order statistics; an empty axis runs in Python."""
    from .array_build import as_array
    from .calls_shapes import ravel
    from numpy.lib.array_utils import normalize_axis_index
    a = as_array(lw, a, node)
    if a.dtype.kind not in "biuf" or a.dtype == np.float16:
        raise lw.unsupported(f"np.{name}() of {a.dtype}", node)
    if axis is None:
        a, axis = ravel(lw, a, node), 0
    if not isinstance(axis, (int, np.integer)):
        raise lw.unsupported(f"np.{name}() over several axes", node)
    with _numpy():
        axis = normalize_axis_index(axis, a.ndim)
    n = a.shape[axis]
    nv = n if isinstance(n, int) else lw.dim_value(n)
    lw.require_trips(lw.at_least_once(0, nv, 1), f"np.{name}() of an empty array (NumPy's error or nan)")
    s = lw.call(np.sort, [lw.call(np.moveaxis, [a, axis, -1], {}, node)], {"axis": -1}, node)
    return s, nv, (slice(None),) * (a.ndim - 1)


# ---- methods ----------------------------------------------------------------------------------------

@register_method("item")
def _item(lw, args, kwargs, node):
    a, rest = args[0], args[1:]
    if kwargs or len(rest) > 1 or any(isinstance(r, Node) and r.ndim for r in rest):
        raise lw.unsupported("item() with other than no argument or one flat index", node)
    if a.dtype == np.uint64 or a.dtype.kind not in "biufc":
        raise lw.unsupported(f"item() of {a.dtype} (a Python int past int64)", node)
    if not rest:
        from .array_build import require
        from ..ir.dims import shape_size
        size = shape_size(a.shape)
        if isinstance(size, int):
            if size != 1:
                with _numpy():
                    raise ValueError("can only convert an array of size 1 to a Python scalar")
        else:
            require(lw, size, "==", 1, "ValueError", "can only convert an array of size 1 to a Python scalar")
        element = lw.basic_index(a, (0,) * a.ndim, node)
    else:
        from .calls_shapes import ravel
        element = lw.basic_index(ravel(lw, a, node), rest[0], node)
    from .calls_math import cast
    python = {"b": np.bool_, "i": np.int64, "u": np.int64, "f": np.float64, "c": np.complex128}[a.dtype.kind]
    return cast(lw, element, python, weak=True, node=node)        # a Python scalar of that value


@register_method("fill")
def _fill(lw, args, kwargs, node):
    a, rest = args[0], args[1:]
    if kwargs or len(rest) != 1:
        with _numpy():
            raise TypeError(f"fill() takes exactly 1 argument ({len(rest) + len(kwargs)} given)")
    target = lw.ensure_stored(a, "fill")
    lw.store_into(target, lw.as_node(rest[0], node), node)
    return None


def _numpy():
    from .semantics import numpy_semantics
    return numpy_semantics()

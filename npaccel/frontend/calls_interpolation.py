"""``np.interp``, ``np.percentile``, ``np.quantile`` compiled as NumPy's algorithms.

``np.interp``: NumPy's algorithm (numpy/_core/src/multiarray/compiled_base.c,
``arr_interp``), written as a recipe (calls_recipes.py) over whole arrays.

For each ``x`` NumPy finds ``j`` with ``xp[j] <= x < xp[j + 1]`` (``binary_search_with_guess``;
for a non-decreasing ``xp`` that is ``searchsorted(xp, x, 'right') - 1``), then: NaN gives NaN;
``x < xp[0]`` gives ``left``, ``x > xp[-1]`` gives ``right``, ``x == xp[-1]`` gives ``fp[-1]``,
``xp[j] == x`` gives ``fp[j]``; else ``slope * (x - xp[j]) + fp[j]`` with ``slope = (fp[j + 1] -
fp[j]) / (xp[j + 1] - xp[j])``, and where that is NaN the same from ``j + 1``, then ``fp[j]``
where both values are equal. Everything in float64.

Where NumPy's result depends on its search order (an ``xp`` that decreases somewhere or holds
NaN: "nonsense" in NumPy's words, but NumPy's nonsense), fewer than two points, complex
``fp`` or ``period=``, the call runs in Python (a check in the program, or when compiling).

``np.percentile``/``np.quantile`` (method 'linear', ``q`` a Python number, as NumPy's
``_quantile`` with ``weak_q``): the values sorted along the axis (NumPy partitions: the
same values at the positions read), ``vi = (n - 1) * q``, the neighbours ``floor(vi)`` and
``+ 1`` (both the last where ``vi >= n - 1``), NumPy's ``_lerp`` (``a + (b - a) * t``, or
``b - (b - a) * (1 - t)`` where ``t >= 0.5``), the last value where it is NaN. An empty
input, array or NumPy-scalar ``q``, other methods, weights, ``out``/``keepdims`` run in
Python.
"""
from __future__ import annotations

import numpy as np

from ..ir.checks import NonNegativeGuard
from ..ir.dims import dim_sub
from ..ir.nodes import Node
from .calls import register
from .calls_recipes import inlined


def _interp(x, xp, fp, left, right):
    n = xp.shape[0]
    j = np.searchsorted(xp, x, side="right") - 1
    k = np.clip(j, 0, n - 2)
    x0, x1, f0, f1 = xp[k], xp[k + 1], fp[k], fp[k + 1]
    slope = (f1 - f0) / (x1 - x0)
    inner = slope * (x - x0) + f0
    again = slope * (x - x1) + f1
    inner = np.where(np.isnan(inner), np.where(np.isnan(again) & (f0 == f1), f0, again), inner)
    inner = np.where(x0 == x, f0, inner)
    res = np.where(j == n - 1, fp[n - 1], inner)
    res = np.where(x > xp[n - 1], right, res)
    res = np.where(j < 0, left, res)
    return np.where(np.isnan(x), x, res)


@register(np.interp)
def _np_interp(lw, args, kwargs, node):
    from .array_build import as_array, require, stop_if
    from .calls_math import cast
    from .calls_recipes import bound_arguments
    o = bound_arguments(lw, np.interp, args, kwargs, node)
    if o["period"] is not None:
        raise lw.unsupported("np.interp(..., period=...)", node)
    x, xp, fp = (as_array(lw, o[k], node) for k in ("x", "xp", "fp"))
    if any(v.dtype.kind not in "biuf" for v in (x, xp, fp)):
        raise lw.unsupported("np.interp() of complex or non-numeric values", node)
    if xp.ndim != 1 or fp.ndim != 1:
        raise lw.unsupported("np.interp() of xp or fp other than 1-d (NumPy's ValueError, in Python)", node)
    f8 = np.dtype(np.float64)
    x, xp, fp = (cast(lw, v, f8, node=node) if v.dtype != f8 else v for v in (x, xp, fp))
    n = xp.shape[0]
    require(lw, fp.shape[0], "==", n, "ValueError", "fp and xp are not of the same length.")
    if isinstance(n, int):
        if n < 2:
            raise lw.unsupported("np.interp() with fewer than two points", node)
    else:           # none: NumPy's ValueError; one: its own rule; both in Python
        guard = NonNegativeGuard(dim_sub(n, 2))
        if guard not in lw.state.checks:
            lw.state.checks.insert(0, guard)
    steps = lw.call(np.diff, [xp], {}, node)
    unordered = lw.ufunc(np.logical_or, (lw.reduction("any", lw.ufunc(np.less, (steps, 0.0), node), (), {}, node),
                                         lw.reduction("any", lw.ufunc(np.isnan, (xp,), node), (), {}, node)), node)
    stop_if(lw, unordered, "ValueError", "np.interp of an xp that is not increasing",
            rerun_only="NumPy's interpolation of an xp that is not increasing (its search order)")
    bounds = []
    for key, at in (("left", 0), ("right", -1)):
        v = o[key]
        if v is None:
            v = lw.basic_index(fp, at, node)
        elif isinstance(v, Node) and v.ndim:
            raise lw.unsupported(f"np.interp() with an array {key}", node)
        bounds.append(v)
    result = inlined(lw, _interp, "np.interp", (x, xp, fp, *bounds), node)
    return lw.basic_index(result, (), node) if not result.ndim else result


def _quantile_sorted(s, lead, n, q):
    vi = (n - 1) * q
    above = vi >= n - 1
    prev = np.floor(vi)
    prev_i = np.where(above, -1, prev).astype(np.intp)
    next_i = np.where(above, -1, prev + 1).astype(np.intp)
    a = s[lead + (prev_i,)]
    b = s[lead + (next_i,)]
    t = float(vi - prev_i)
    diff = b - a
    lerp = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
    last = s[lead + (-1,)]
    return np.where(np.isnan(last), last, lerp)


def _quantile(lw, name, args, kwargs, node):
    from .array_build import fail
    from .calls_recipes import bound_arguments, sorted_along
    func = getattr(np, name)
    o = bound_arguments(lw, func, args, kwargs, node)
    q = o["q"]
    if type(q) not in (int, float) or o["method"] != "linear" or o["out"] is not None or o["keepdims"] or \
            o.get("weights") is not None or isinstance(o["overwrite_input"], Node) or o.get("interpolation"):
        raise lw.unsupported(f"np.{name}() with other than a Python number q, method 'linear' and no out, "
                             "keepdims or weights", node)
    try:
        with np.errstate(all="ignore"):
            func(np.zeros(1), q)           # NumPy's range error for q
    except Exception as exc:              # noqa: BLE001 - NumPy's own error is the user's
        fail(exc)
    q = float(np.true_divide(q, 100)) if name == "percentile" else float(q)
    s, nv, lead = sorted_along(lw, o["a"], o["axis"], name, node)
    result = inlined(lw, _quantile_sorted, f"np.{name}", (s, lead, nv, q), node)
    return lw.basic_index(result, (), node) if not result.ndim else result


@register(np.percentile)
def _np_percentile(lw, args, kwargs, node):
    return _quantile(lw, "percentile", args, kwargs, node)


@register(np.quantile)
def _np_quantile(lw, args, kwargs, node):
    return _quantile(lw, "quantile", args, kwargs, node)

"""Arrays whose elements are other arrays' elements picked by an index map: np.repeat,
np.tile, and np.pad's modes that copy (edge, wrap, reflect, symmetric). Each is a
``Gather`` per axis whose index is computed from the output position (an ``Iota``), so the
loop that reads the result reads the source directly; nothing is copied first. np.pad's
computing modes build on the same per-axis walk: reflect_type='odd' (the even value plus
a per-period offset), linear_ramp (np.linspace to the edge) and maximum/minimum/mean/median
(a keepdims statistic of the first/last ``stat_length`` elements, broadcast over the pad).

Index maps along one axis of length n, for output position i (``pad_index`` with j = i - before):

>>> [repeat_source(i, 2) for i in range(6)], [tile_source(i, 3) for i in range(6)]
([0, 0, 1, 1, 2, 2], [0, 1, 2, 0, 1, 2])
>>> [pad_index("reflect", j, 3) for j in range(-3, 6)]
[1, 2, 1, 0, 1, 2, 1, 0, 1]
>>> [pad_index("symmetric", j, 3) for j in range(-3, 6)]
[2, 1, 0, 0, 1, 2, 2, 1, 0]
"""
from __future__ import annotations

import inspect
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..ir.dims import dim_add, dim_floordiv, dim_min, dim_mul, dim_sub, shape_size
from ..ir.nodes import Concat, Gather, Node, View
from ..ir.ops import Op
from .array_build import as_array, bind, cast, dim_node, ew, fail, iota, nonnegative, require, to_dim
from .calls import register, register_method
from .calls_arrays import copy_of, fill, probe
from .calls_shapes import ravel, reshape_value

_REQ = inspect.Parameter.empty
_I64 = np.dtype(np.int64)


def repeat_source(i, r):
    return i // r


def tile_source(i, n):
    return i % n


def pad_index(mode, j, n):
    """Where output position j (relative to the first original element) reads from."""
    if mode == "edge":
        return min(max(j, 0), n - 1)
    if mode == "wrap":
        return j % n
    period = 2 * n - 2 if mode == "reflect" else 2 * n
    m = j % period if period else 0
    return m if m < n else period - m - (mode == "symmetric")


def _take_along(lw, a, axis, index):
    """``a`` with axis ``axis`` read at the int64 positions ``index`` (a 1-d value)."""
    shape = tuple(a.shape[:axis]) + tuple(index.shape) + tuple(a.shape[axis + 1:])
    return lw.intern(Gather(arg=a, args=(index,), axes=(axis,), pos=axis, dtype=a.dtype, shape=shape))


# ---- repeat -------------------------------------------------------------------------------------
def repeat(lw, a, repeats, axis, node):
    if isinstance(repeats, (list, tuple, np.ndarray)) and np.ndim(repeats) == 1 and len(repeats) == 1:
        repeats = repeats[0]
    if isinstance(repeats, Node):
        if repeats.ndim or repeats.dtype.kind not in "iu":
            raise lw.unsupported("np.repeat with run-time repeats that are not one int", node)
    elif not isinstance(repeats, (int, np.integer)) or isinstance(repeats, bool):
        raise lw.unsupported("np.repeat with a count per element", node)
    stand_in = 0 if isinstance(repeats, Node) else repeats
    probe(np.repeat, np.zeros((1,) * a.ndim, a.dtype), stand_in, axis)      # NumPy's errors
    if axis is None:
        a, axis = ravel(lw, a, node), 0
    axis = normalize_axis_index(axis, a.ndim)
    r = to_dim(lw, repeats, node)
    if not isinstance(r, int):
        require(lw, r, ">=", 0, "ValueError", "repeats may not contain negative values.")
    elif r == 1:
        return copy_of(lw, a)
    length = dim_mul(a.shape[axis], r)
    if lw.state.loop_depth == 0 and a.ndim:
        # each element broadcast over a new axis of r after its own, stored (a loop nest:
        # no division per element), then that C-contiguous buffer read as the joined axis
        from .calls_shapes import broadcast_into
        expanded = lw.basic_index(a, (slice(None),) * (axis + 1) + (None,), node)
        spread = tuple(a.shape[:axis + 1]) + (r,) + tuple(a.shape[axis + 1:])
        wide = broadcast_into(lw, expanded, spread, lambda v, s: "np.repeat")
        stored = lw.ensure_stored(copy_of(lw, wide), "repeat")
        return reshape_value(lw, stored, tuple(a.shape[:axis]) + (length,) + tuple(a.shape[axis + 1:]))
    index = ew(lw, Op.FLOOR_DIVIDE, (iota(lw, 0, (length,)), dim_node(lw, r)), _I64)
    return _take_along(lw, a, axis, index)


@register(np.repeat)
def _np_repeat(lw, args, kwargs, node):
    b = bind(lw, node, "repeat", args, kwargs, [("a", _REQ), ("repeats", _REQ), ("axis", None)])
    return repeat(lw, as_array(lw, b["a"], node), b["repeats"], b["axis"], node)


@register_method("repeat")
def _repeat_method(lw, args, kwargs, node):
    b = bind(lw, node, "repeat", args, kwargs, [("a", _REQ), ("repeats", _REQ), ("axis", None)])
    return repeat(lw, b["a"], b["repeats"], b["axis"], node)


# ---- tile ---------------------------------------------------------------------------------------
@register(np.tile)
def _tile(lw, args, kwargs, node):
    b = bind(lw, node, "tile", args, kwargs, [("A", _REQ), ("reps", _REQ)])
    a, reps = as_array(lw, b["A"], node), b["reps"]
    tup = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    # a count known at run time: a size from shapes (np.tile(x, (len(x), 1))), provably >= 0
    tup = tuple(to_dim(lw, r, node) if isinstance(r, Node) else probe(operator.index, r) for r in tup)
    if any(not isinstance(r, int) and not nonnegative(r) for r in tup):
        raise lw.unsupported("np.tile with counts known only at run time that may be negative", node)
    probe(np.tile, np.zeros((1,) * a.ndim, a.dtype), tuple(r if isinstance(r, int) else 1 for r in tup))
    if len(tup) > a.ndim:
        a = reshape_value(lw, a, (1,) * (len(tup) - a.ndim) + tuple(a.shape))
    tup = (1,) * (a.ndim - len(tup)) + tup
    out = a
    for axis, r in enumerate(tup):
        if r == 1:
            continue
        n = a.shape[axis]
        index = ew(lw, Op.REMAINDER, (iota(lw, 0, (dim_mul(n, r),)), dim_node(lw, n)), _I64)
        out = _take_along(lw, out, axis, index)
    return copy_of(lw, out) if out is a else out


# ---- pad (edge, wrap, reflect, symmetric, linear_ramp, maximum, mean, median, minimum) -------------
PAD_MODES = ("edge", "wrap", "reflect", "symmetric", "linear_ramp", "maximum", "mean", "median", "minimum")
_STATS = {"maximum": "max", "minimum": "min", "mean": "mean", "median": "median"}


def as_pairs(x, ndim, as_index=False):
    """numpy.lib._arraypad_impl.as_pairs: one (before, after) pair per axis."""
    if x is None:
        return ((None, None),) * ndim
    x = np.array(x)
    if as_index:
        x = np.round(x).astype(np.intp, copy=False)
    if x.ndim < 3:
        if x.size == 1:
            x = x.ravel()
            if as_index and x < 0:
                raise ValueError("index can't contain negative values")
            return ((x[0], x[0]),) * ndim
        if x.size == 2 and x.shape != (2, 1):
            x = x.ravel()
            if as_index and (x[0] < 0 or x[1] < 0):
                raise ValueError("index can't contain negative values")
            return ((x[0], x[1]),) * ndim
    if as_index and x.min() < 0:
        raise ValueError("index can't contain negative values")
    return np.broadcast_to(x, (ndim, 2)).tolist()


def _slab(lw, a, axis, start, length):
    """a[start:start + length] along ``axis`` as a view."""
    axes = tuple((d, start if d == axis else 0, 1) for d in range(a.ndim))
    shape = tuple(length if d == axis else n for d, n in enumerate(a.shape))
    return lw.intern(View(arg=a, axes=axes, fixed=(), dtype=a.dtype, shape=shape))


def _along(axis, item):
    return (slice(None),) * axis + (item,)


def pad_by_index(lw, a, widths, mode, node, options=None):
    """np.pad of ``a`` by (before, after) ``widths`` per axis (ints, or dims known at run time
    for edge, wrap and reflect/symmetric) in a mode other than constant/empty. As NumPy does,
    axis k is padded after axes 0..k-1 (whose padding its corners and statistics see) and
    before the later ones."""
    options = options or {}
    stat_lengths = probe(as_pairs, options.get("stat_length"), a.ndim, True) if mode in _STATS else None
    out = a
    for axis, (before, after) in enumerate(widths):
        before, after = (int(w) if isinstance(w, (int, np.integer)) else w for w in (before, after))
        n = a.shape[axis]
        if mode in _STATS and mode in ("maximum", "minimum") and 0 in stat_lengths[axis]:
            # NumPy checks every axis (padded or not) unless the array is empty
            require(lw, shape_size(a.shape), "==", 0, "ValueError", "stat_length of 0 yields no value for padding")
        if before == 0 and after == 0:
            continue
        message = (f"can't extend empty axis {axis} using modes other than 'constant' or 'empty'")
        if not isinstance(before, int) or not isinstance(after, int):      # widths known at run time
            total = dim_add(before, after)      # n > 0 unless nothing is added: total <= total * n
            require(lw, total, "<=", dim_mul(total, n), "ValueError", message)
        elif isinstance(n, int) and n == 0:
            fail(ValueError(message))
        else:
            require(lw, n, ">", 0, "ValueError", message)
        if mode in _STATS:
            out = _join(lw, out, axis, *_stat_pair(lw, out, axis, n, (before, after), stat_lengths[axis], mode, node))
        elif mode == "linear_ramp":
            out = _join(lw, out, axis, *_ramps(lw, out, axis, (before, after), options["end_values"][axis], node))
        else:
            out = _reindexed(lw, out, axis, n, before, after, mode, options.get("reflect_type") == "odd")
    return copy_of(lw, out) if out is a else out


def _join(lw, out, axis, left, right):
    seq = [p for p in (left, out, right) if p is not None]
    length = 0
    for p in seq:
        length = dim_add(length, p.shape[axis])
    shape = tuple(length if d == axis else n for d, n in enumerate(out.shape))
    return lw.intern(Concat(args=tuple(seq), axis=axis, dtype=out.dtype, shape=shape))


def _reindexed(lw, out, axis, n, before, after, mode, odd):
    nv = dim_node(lw, n)
    length = dim_add(dim_add(n, before), after)
    j = ew(lw, Op.SUBTRACT, (iota(lw, 0, (length,)), before if isinstance(before, int) else dim_node(lw, before)), _I64)
    if mode == "edge":
        index = ew(lw, Op.MINIMUM, (ew(lw, Op.MAXIMUM, (j, 0), _I64), ew(lw, Op.SUBTRACT, (nv, 1), _I64)), _I64)
    elif mode == "wrap":
        index = ew(lw, Op.REMAINDER, (j, nv), _I64)
    else:
        period = ew(lw, Op.MULTIPLY, (nv, 2), _I64)
        if mode == "reflect":
            period = ew(lw, Op.SUBTRACT, (period, 2), _I64)
        m = ew(lw, Op.REMAINDER, (j, period), _I64)
        mirror = ew(lw, Op.SUBTRACT, (period, m), _I64)
        if mode == "symmetric":
            mirror = ew(lw, Op.SUBTRACT, (mirror, 1), _I64)
        inside = ew(lw, Op.LESS, (m, nv), _I64)
        index = ew(lw, Op.WHERE, (inside, m, mirror), _I64)
        if odd:
            return _odd_reflection(lw, out, axis, nv, j, period, inside, index, mode)
    return _take_along(lw, out, axis, index)


def _odd_reflection(lw, out, axis, nv, j, period, inside, index, mode):
    """reflect_type='odd': each reflection is ``2 * edge - mirrored``. NumPy applies it round
    by round; the closed form is the even value plus q times 2 * (last - first) for the q-th
    period (equal for ints, which wrap alike; within rounding for floats). A bool array
    stores ``2 * edge - x != 0``, i.e. ``edge | x``; further rounds OR in both edges."""
    dt, length = out.dtype, j.shape[0]
    lined = lambda v: reshape_value(lw, v, tuple(length if d == axis else 1 for d in range(out.ndim)))  # noqa: E731
    take = lambda idx: _take_along(lw, out, axis, idx)      # noqa: E731
    first = take(ew(lw, Op.MULTIPLY, (j, 0), _I64))
    last = take(ew(lw, Op.ADD, (ew(lw, Op.MULTIPLY, (j, 0), _I64), ew(lw, Op.SUBTRACT, (nv, 1), _I64)), _I64))
    even = take(index)
    if dt.kind == "b":
        span = ew(lw, Op.SUBTRACT, (nv, 1 if mode == "reflect" else 0), _I64)
        mid = ew(lw, Op.LOGICAL_AND, (ew(lw, Op.GREATER_EQUAL, (j, 0), _I64), ew(lw, Op.LESS, (j, nv), _I64)), bool)
        left1 = ew(lw, Op.LOGICAL_AND, (ew(lw, Op.LESS, (j, 0), _I64),
                                        ew(lw, Op.GREATER_EQUAL, (ew(lw, Op.ADD, (j, span), _I64), 0), _I64)), bool)
        right1 = ew(lw, Op.LOGICAL_AND, (ew(lw, Op.GREATER_EQUAL, (j, nv), _I64),
                                         ew(lw, Op.LESS, (j, ew(lw, Op.ADD, (nv, span), _I64)), _I64)), bool)
        far = ew(lw, Op.LOGICAL_NOT, (ew(lw, Op.LOGICAL_OR, (mid, ew(lw, Op.LOGICAL_OR, (left1, right1), bool)), bool),), bool)
        with_first = ew(lw, Op.LOGICAL_AND, (lined(ew(lw, Op.LOGICAL_OR, (left1, far), bool)), first), bool)
        with_last = ew(lw, Op.LOGICAL_AND, (lined(ew(lw, Op.LOGICAL_OR, (right1, far), bool)), last), bool)
        return ew(lw, Op.LOGICAL_OR, (even, ew(lw, Op.LOGICAL_OR, (with_first, with_last), bool)), bool)
    q = lined(cast(lw, ew(lw, Op.FLOOR_DIVIDE, (j, period), _I64), dt))
    inside = lined(inside)
    two = lambda x: ew(lw, Op.MULTIPLY, (x, 2), dt)      # noqa: E731
    base = ew(lw, Op.WHERE, (inside, even, ew(lw, Op.SUBTRACT, (two(last), even), dt)), dt)
    odd = ew(lw, Op.ADD, (base, ew(lw, Op.MULTIPLY, (q, two(ew(lw, Op.SUBTRACT, (last, first), dt))), dt)), dt)
    if isinstance(nv, int):
        return even if nv == 1 else odd
    return ew(lw, Op.WHERE, (ew(lw, Op.EQUAL, (nv, 1), _I64), even, odd), dt)     # one element: edge


def _stat_pair(lw, out, axis, n, width, lengths, mode, node):
    """NumPy's _get_stats: the statistic of the first / last ``stat_length`` elements (all
    of them for None), rounded half to even for integer arrays, as the pad's dtype."""
    parts = []
    for side, (w, length) in enumerate(zip(width, lengths)):
        if not w:
            parts.append(None)
            continue
        if length is not None and int(length) == 0 and (out.dtype.kind != "f" or mode == "median"):
            raise lw.unsupported(f"np.pad(..., mode={mode!r}) of a {out.dtype} array with stat_length=0", node)
        length = n if length is None else (min(int(length), n) if isinstance(n, int) else dim_min(int(length), n))
        chunk = _slab(lw, out, axis, 0 if side == 0 else dim_sub(n, length), length)
        if mode == "median":
            stat = _median(lw, chunk, axis, length, node)
        else:
            stat = lw.reduction(_STATS[mode], chunk, (), {"axis": axis, "keepdims": True}, node)
        if np.issubdtype(out.dtype, np.integer) and stat.dtype.kind == "f":
            stat = lw.ufunc(np.rint, (stat,), node)
        stat = cast(lw, stat, out.dtype)
        shape = tuple(w if d == axis else s for d, s in enumerate(out.shape))
        parts.append(fill(lw, stat, shape))
    return parts


def _median(lw, chunk, axis, length, node):
    """np.median along ``axis`` with keepdims: the mean of the middle one or two sorted
    values (in float64 for ints and bools), NaN when the slice holds a NaN."""
    from .calls_sorting import sort
    if chunk.dtype.kind not in "biuf":
        raise lw.unsupported(f"np.pad(..., mode='median') of {chunk.dtype} values", node)
    ordered = sort(lw, Op.SORT, chunk, {"axis": axis, "kind": None, "order": None}, node)
    calc = chunk.dtype if chunk.dtype.kind == "f" else np.dtype(np.float64)

    def at(k):
        return cast(lw, _take_along(lw, ordered, axis, ew(lw, Op.ADD, (iota(lw, 0, (1,)), dim_node(lw, k)), _I64)), calc)
    lo, hi = at(dim_floordiv(dim_sub(length, 1), 2)), at(dim_floordiv(length, 2))
    mid = ew(lw, Op.TRUE_DIVIDE, (ew(lw, Op.ADD, (lo, hi), calc), 2), calc)
    odd = ew(lw, Op.EQUAL, (ew(lw, Op.REMAINDER, (dim_node(lw, length), 2), _I64), 1), _I64)
    med = ew(lw, Op.WHERE, (odd, lo, mid), calc)
    if calc.kind == "f" and chunk.dtype.kind == "f":
        nan = ew(lw, Op.NOT_EQUAL, (*(at(dim_sub(length, 1)),) * 2,), calc)
        med = ew(lw, Op.WHERE, (nan, np.nan, med), calc)
    return med


def _ramps(lw, out, axis, width, end_values, node):
    """NumPy's _get_linear_ramps: np.linspace from each end value to the edge, endpoint
    excluded, in the pad's dtype; the right ramp reversed."""
    parts = []
    for side, (w, value) in enumerate(zip(width, end_values)):
        if not w:
            parts.append(None)
            continue
        edge = lw.basic_index(out, _along(axis, 0 if side == 0 else -1), node)
        ramp = lw.call(np.linspace, [value, edge, w], {"endpoint": False, "dtype": out.dtype, "axis": axis}, node)
        parts.append(ramp if side == 0 else lw.basic_index(ramp, _along(axis, slice(None, None, -1)), node))
    return parts

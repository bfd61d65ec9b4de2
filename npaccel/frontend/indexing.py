"""Basic indexing as symbolic views: slices (any step), integers, None, Ellipsis, .T.

Bounds follow Python's slice rules on symbolic sizes, so one kernel serves every size:

>>> from npaccel.ir.dims import Sym, evaluate
>>> start, length = slice_bounds(slice(1, -1, None), Sym("n"))
>>> [evaluate(length, {"n": n}) for n in (0, 1, 2, 5)] == [len(range(n)[1:-1]) for n in (0, 1, 2, 5)]
True
>>> start, length = slice_bounds(slice(None, None, -2), Sym("n"))
>>> [evaluate(length, {"n": n}) for n in (0, 1, 4, 5)] == [len(range(n)[::-2]) for n in (0, 1, 4, 5)]
True
"""
from __future__ import annotations

from ..ir.dims import dim_add, dim_floordiv, dim_max, dim_min, dim_sub


def _clamp_pos(i, n, lo, hi_offset):
    """Normalise a static index i against size n: negative counts from the end; clamp to
    [lo, n + hi_offset]. A symbolic i (a size computed from shapes) counts as non-negative."""
    if not isinstance(i, int):
        return dim_min(i, dim_add(n, hi_offset))
    if i < 0:
        v = dim_add(n, i)
        return dim_max(v, lo) if not isinstance(v, int) else max(v, lo)
    v = i
    hi = dim_add(n, hi_offset)
    return dim_min(v, hi) if not (isinstance(hi, int)) else min(v, hi)


def slice_bounds(s: slice, n):
    """(start, length) of slice ``s`` over a dim of size ``n``; step is s.step or 1."""
    step = 1 if s.step is None else s.step
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0 and not all(isinstance(p, int) or p is None for p in (s.start, s.stop)):
        raise NotImplementedError("a negative-step slice with bounds computed from shapes")
    if step > 0:
        start = 0 if s.start is None else _clamp_pos(s.start, n, 0, 0)
        stop = n if s.stop is None else _clamp_pos(s.stop, n, 0, 0)
        span = dim_sub(stop, start)
        length = dim_floordiv(dim_add(span, step - 1), step)
    else:
        start = dim_sub(n, 1) if s.start is None else _clamp_pos(s.start, n, -1, -1)
        stop = None if s.stop is None else _clamp_pos(s.stop, n, -1, -1)
        span = dim_add(start, 1) if stop is None else dim_sub(start, stop)
        length = dim_floordiv(dim_add(span, -step - 1), -step)
    length = max(length, 0) if isinstance(length, int) else dim_max(length, 0)
    if isinstance(length, int) and length == 0:
        start = 0
    return start, length


def expand_index(index, ndim):
    """The index as a tuple with Ellipsis expanded to full slices; IndexError like NumPy."""
    items = index if isinstance(index, tuple) else (index,)
    if sum(1 for i in items if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for i in items if i is not None and i is not Ellipsis)
    if used > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, "
                         f"but {used} were indexed")
    out = []
    for i in items:
        if i is Ellipsis:
            out.extend([slice(None)] * (ndim - used))
        else:
            out.append(i)
    if Ellipsis not in items:
        out.extend([slice(None)] * (ndim - used))
    return out

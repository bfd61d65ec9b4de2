"""np.convolve and np.correlate of 1-d integer, float and complex arrays, as NumPy's
``_pyarray_correlate`` defines them: with ``a`` the longer input (n1) and ``w`` the other
(n2; reversed for convolve, conjugated for correlate), output ``k`` is the sum over ``i`` of
``a[k + i - left] * w[i]`` where that index is inside ``a``; ``left`` is 0 ('valid'),
n2 // 2 ('same') or n2 - 1 ('full'), the length n1 - n2 + 1, n1 or n1 + n2 - 1. It is one
row sum per output over a (length, n2) product: O(n1 * n2), as NumPy's loop.

Where n1 < n2 NumPy swaps the inputs (and correlate reverses its output); a length known
only at run time is compiled for n1 >= n2 under a guard, the other case runs in Python.
Sums may be reordered against NumPy's BLAS dot (about 1e-12 relative for float64).

>>> _left("same", 5), _left("full", 5), _left("valid", 5)
(2, 4, 0)
"""
from __future__ import annotations

import inspect

import numpy as np

from ..ir.checks import NonNegativeGuard
from ..ir.dims import dim_add, dim_floordiv, dim_sub
from ..ir.nodes import Node, Reduce
from ..ir.ops import Op
from .array_build import as_array, bind, dim_node, iota, require
from .calls import register
from .calls_arrays import probe
from .calls_tiling import _take_along

_REQ = inspect.Parameter.empty
_MODES = ("valid", "same", "full")


def _left(mode, n):
    return 0 if mode == "valid" else dim_floordiv(n, 2) if mode == "same" else dim_sub(n, 1)


def _filter(name, default_mode, empty_messages):
    def handler(lw, args, kwargs, node):
        b = bind(lw, node, name, args, kwargs, [("a", _REQ), ("v", _REQ), ("mode", default_mode)])
        a, v, mode = as_array(lw, b["a"], node), as_array(lw, b["v"], node), b["mode"]
        if isinstance(mode, Node):
            raise lw.unsupported(f"np.{name}() with a mode known only at run time", node)
        stand = [np.zeros(tuple(d if isinstance(d, int) else 1 for d in x.shape), x.dtype) for x in (a, v)]
        dtype = probe(getattr(np, name), *stand, mode=mode).dtype       # NumPy's errors and result type
        if a.ndim != 1 or v.ndim != 1:
            raise lw.unsupported(f"np.{name}() of arrays that are not 1-d", node)
        if dtype.kind not in "iufc":        # (integers: NumPy's dot wraps, as this sum does)
            raise lw.unsupported(f"np.{name}() of {dtype} values", node)
        mode = {0: "valid", 1: "same", 2: "full"}.get(mode, mode) if not isinstance(mode, str) else mode
        mode = next(m for m in _MODES if m.startswith(mode[:1].lower()))
        n1, n2 = a.shape[0], v.shape[0]
        for n, message in zip((n1, n2), empty_messages):
            require(lw, n, ">=", 1, "ValueError", message)
        if isinstance(n1, int) and isinstance(n2, int):
            if n1 < n2 and name == "convolve":      # NumPy swaps them (a convolution commutes)
                return handler(lw, (v, a, mode), {}, node)
            if n1 < n2:
                raise lw.unsupported(f"np.{name}() of a shorter first array (NumPy swaps them)", node)
        else:
            guard = NonNegativeGuard(dim_sub(n1, n2))       # (n1 < n2: the call runs in Python)
            if guard not in lw.state.checks:
                lw.state.checks.append(guard)
        w = lw.basic_index(v, (slice(None, None, -1),), node) if name == "convolve" else \
            (lw.ufunc(np.conjugate, (v,), node) if v.dtype.kind == "c" else v)
        a, w = lw.cast_to(a, dtype), lw.cast_to(w, dtype)
        left = _left(mode, n2)
        length = dim_add(dim_sub(n1, n2), 1) if mode == "valid" else n1 if mode == "same" else dim_add(n1, dim_sub(n2, 1))
        shape = (length, n2)
        i64 = np.dtype(np.int64)
        pos = lw.ufunc(np.subtract, (lw.ufunc(np.add, (iota(lw, 0, shape), iota(lw, 1, shape)), node),
                                     dim_node(lw, left)), node)
        inside = lw.ufunc(np.logical_and, (lw.ufunc(np.greater_equal, (pos, 0), node),
                                           lw.ufunc(np.less, (pos, dim_node(lw, n1)), node)), node)
        safe = lw.where(inside, pos, lw.cast_to(lw.as_node(0), i64), node)
        picked = lw.ufunc(np.multiply, (_take_along(lw, a, 0, safe), w), node)
        terms = lw.where(inside, picked, lw.cast_to(lw.as_node(0), dtype), node)
        return lw.intern(Reduce(op=Op.SUM, arg=terms, axes=(1,), keepdims=False, dtype=dtype, shape=(length,)))
    return handler


register(np.convolve)(_filter("convolve", "full", ("a cannot be empty", "v cannot be empty")))
register(np.correlate)(_filter("correlate", "valid", ("first array argument cannot be empty",
                                                      "second array argument cannot be empty")))

"""Casts exactly as NumPy 2 makes them: ``x.astype``, ``np.asarray``/``np.asanyarray``/
``np.array`` of an array (``dtype=``, ``copy=``, ``ndmin=``), ``x.copy()``, and ufunc calls
with ``dtype=`` (the loop NumPy picks when the output dtype is fixed).

A cast is an ``Op.CAST`` node; float -> integer conversions of NaN, inf and out-of-range
values follow NumPy's x86-64 results (runtime_c/npaccel_math.h). A 0-d array that NumPy
returns as a 0-d ndarray (``astype``, ``copy``, ``np.array``) is marked ``array0d``.

>>> import numpy as np
>>> np.dtype(np.float32) in _loop_for(np.add, (np.dtype("int8"), int), np.float32)
True
"""
from __future__ import annotations

import numpy as np

from ..ir.checks import ScalarFits
from ..ir.nodes import Elementwise, Node, ScalarParam, View
from ..ir.ops import COMPLEX_OPS, UFUNC_OPS
from . import infer
from .calls import CALL_HANDLERS, register, register_method
from .calls_math import _COMPILED_KINDS, bind, cast, has_node, is_array, run_numpy, static
from .semantics import numpy_semantics, stand_in
from .calls_joining import array_from_sequence, holds_node


def _loop_for(uf, operand_types, dtype):
    """(in dtypes..., out dtype) of ``uf`` with its output fixed to ``dtype``."""
    return uf.resolve_dtypes(tuple(operand_types) + (None,) * uf.nout,
                             signature=(None,) * uf.nin + (np.dtype(dtype),) * uf.nout, casting="same_kind")


# ---- casts ----------------------------------------------------------------------------------

@register_method("astype")
def _astype(lw, args, kwargs, node):
    a = args[0]
    if a.weak:
        with numpy_semantics():
            raise AttributeError(f"'{type(stand_in(a)).__name__}' object has no attribute 'astype'")
    options = bind(np.ndarray.astype, args, kwargs)
    static(lw, "astype", options, ("dtype", "order", "casting", "subok", "copy"), node)
    run_numpy(np.zeros((), a.dtype).astype, *args[1:], **kwargs)     # NumPy's errors
    dtype = np.dtype(options["dtype"])
    if not options["copy"] and dtype == a.dtype:
        return a
    return cast(lw, a, dtype, array0d=is_array(a), node=node)


def _array_like(func, name):
    previous = CALL_HANDLERS.get(func)

    def handler(lw, args, kwargs, node):
        options = bind(func, args, kwargs)
        first = next(iter(options.values()))
        if isinstance(first, (tuple, list)) and holds_node(first):
            # np.array([x0, x1]): the items stacked, then as np.array of an array
            first = array_from_sequence(lw, first, node)
            options[next(iter(options))] = first
            args, kwargs = (first,), {k: v for k, v in options.items() if k != next(iter(options))}
            options = bind(func, args, kwargs)
        if not isinstance(first, Node):
            if previous is not None:
                return previous(lw, args, kwargs, node)
            if has_node(*args, *kwargs.values()):
                raise lw.unsupported(f"np.{name}() of a sequence holding run-time values", node)
            result = run_numpy(func, *args, **kwargs)
            # a 0-d constant stays in the graph (later calls on it compile, not fold to arrays)
            return lw.as_node(result, node) if result.ndim == 0 and result.dtype.kind in _COMPILED_KINDS else result
        static(lw, name, options, tuple(options)[1:], node)
        if options.get("like") is not None:
            raise lw.unsupported(f"np.{name}(..., like=...)", node)
        if options.get("ndmax", 0):
            raise lw.unsupported(f"np.{name}(..., ndmax=...)", node)
        rest = {k: v for k, v in options.items() if k not in (next(iter(options)), "like", "ndmax")}
        probe = np.zeros((1,) * first.ndim, first.dtype) if not first.weak else stand_in(first)
        result = run_numpy(func, probe, **rest)                     # NumPy's errors and dtype
        dtype, ndmin = result.dtype, options.get("ndmin", 0)
        a = first
        copy = options.get("copy", True if func is np.array else None)
        if dtype != a.dtype or a.weak or copy:
            a = cast(lw, a, dtype, array0d=True, node=node)
        if ndmin > a.ndim:
            extra = ndmin - a.ndim
            a = lw.intern(View(arg=a, axes=(None,) * extra + tuple((d, 0, 1) for d in range(a.ndim)),
                                  fixed=(), dtype=a.dtype, shape=(1,) * extra + a.shape))
        return a
    return handler


for _f, _n in ((np.asarray, "asarray"), (np.asanyarray, "asanyarray"), (np.array, "array")):
    register(_f)(_array_like(_f, _n))


@register_method("copy")
def _copy_method(lw, args, kwargs, node):
    a = args[0]
    options = bind(np.ndarray.copy, args, kwargs)
    static(lw, "copy", options, ("order",), node)
    run_numpy(np.zeros((), a.dtype).copy, *args[1:], **kwargs)
    return cast(lw, a, a.dtype, array0d=is_array(a), node=node)


def ufunc_with_dtype(lw, uf, args, dtype, node):
    """``uf(*args, dtype=dtype)``: the loop NumPy picks when the output dtype is fixed."""
    if not has_node(*args, dtype):
        return run_numpy(uf, *args, dtype=dtype)
    if isinstance(dtype, Node):
        raise lw.unsupported(f"np.{uf.__name__}(..., dtype=<run-time value>)", node)
    op = UFUNC_OPS.get(uf)
    if op is None or uf.nout != 1:
        raise lw.unsupported(f"np.{uf.__name__}", node)
    nodes = tuple(lw.as_node(a, node) for a in args)
    known = {i: n.value for i, n in enumerate(nodes) if getattr(n, "weak", False) and hasattr(n, "value")}
    with numpy_semantics():
        dtype = np.dtype(dtype)
        uf(*[known.get(i, stand_in(n)) for i, n in enumerate(nodes)], dtype=dtype)
        resolved = _loop_for(uf, [infer.operand_type(n) for n in nodes], dtype)
        shape = infer.broadcast_shapes([n.shape for n in nodes], lw.state.checks)
    in_dtypes, out = resolved[:uf.nin], resolved[uf.nin]
    if any(d.kind not in _COMPILED_KINDS for d in (*in_dtypes, out)):
        raise lw.unsupported(f"np.{uf.__name__}(..., dtype={dtype})", node)
    if op not in COMPLEX_OPS and any(d.kind == "c" for d in (*in_dtypes, out)):
        raise lw.unsupported(f"np.{uf.__name__} of complex numbers", node)
    for n, d in zip(nodes, in_dtypes):
        if isinstance(n, ScalarParam) and n.weak and n.dtype.kind == "i" and d.kind in "iu":
            check = ScalarFits(n.index, n.name, d)
            if check not in lw.state.checks:
                lw.state.checks.append(check)
    return lw.intern(Elementwise(op=op, args=nodes, in_dtypes=tuple(in_dtypes), dtype=out, shape=shape))

"""The parts of complex numbers, as NumPy 2 gives them: ``np.real``/``np.imag`` and the
``.real``/``.imag`` attributes, ``np.conj``/``np.conjugate`` (ufuncs, in the op table) and
the ``.conj()``/``.conjugate()`` methods, and the ComplexWarning of complex -> real casts.

Of a complex value, real/imag are values of its float precision (``Op.REAL``/``Op.IMAG``).
NumPy makes them views, so a write through one would reach the complex array: the lowerer
refuses such writes (stores.py, ``ensure_stored``). Of a real value, ``.real`` and the
``.conj()`` method are the value itself (NumPy returns the same array) and ``.imag`` is
zeros of its dtype.

>>> import numpy as np
>>> part_dtype(np.dtype("complex64")), part_dtype(np.dtype("int8"))
(dtype('float32'), dtype('int8'))
"""
from __future__ import annotations

import numpy as np

from ..ir.nodes import Elementwise, Node, is_ndarray
from ..ir.ops import Op
from .calls import register, register_method
from .calls_math import bind, run_numpy


def part_dtype(dtype):
    """dtype of ``x.real``/``x.imag``: the float of a complex's precision, else dtype."""
    dtype = np.dtype(dtype)
    return np.dtype(f"float{dtype.itemsize * 4}") if dtype.kind == "c" else dtype


def part(lw, a, op):
    """``a.real`` (op REAL) or ``a.imag`` (op IMAG) of a node."""
    if op is Op.REAL and a.dtype.kind != "c":
        return a
    # a 0-d array's part is a 0-d array (a scalar's a scalar)
    value = lw.intern(Elementwise(op=op, args=(a,), in_dtypes=(a.dtype,), dtype=part_dtype(a.dtype),
                                     shape=a.shape, weak=a.weak, array0d=is_ndarray(a) and a.ndim == 0))
    if op is Op.IMAG and a.dtype.kind != "c" and not a.weak:      # NumPy's zeros of a real array: read-only
        from .read_only import marked_read_only
        return marked_read_only(lw, value, ".imag of a real array")
    return value


def _part_function(func, op):
    def handler(lw, args, kwargs, node):
        o = bind(func, args, kwargs)
        if not isinstance(o["val"], Node):
            return run_numpy(func, o["val"])
        return part(lw, o["val"], op)
    register(func)(handler)


_part_function(np.real, Op.REAL)
_part_function(np.imag, Op.IMAG)


@register_method("conj", "conjugate")
def _conj_method(lw, args, kwargs, node):
    a = args[0]
    bind(np.ndarray.conjugate, args, kwargs)       # no other arguments (TypeError)
    if a.dtype.kind != "c":          # NumPy returns the array itself
        return a
    return lw.ufunc(np.conjugate, (a,), node)

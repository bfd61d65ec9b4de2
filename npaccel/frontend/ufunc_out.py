"""``np.add(a, b, out=c)``, ``np.multiply(z, z, z)``: a ufunc writing its result into an
existing array, as NumPy does: the result is computed (in the ufunc's own dtype) and stored
into ``out`` (a setitem, same_kind casting), and the call's value is ``out`` itself (the
same object: names bound to it see the new values).

NumPy's errors come from NumPy: the casting rule is checked by calling the ufunc on
one-element arrays of the operands' dtypes, the output shape against the broadcast shape
of the operands where both are known when compiling.

>>> split_out(np.add, (1, 2, 3), {})
((1, 2), {}, 3)
>>> split_out(np.sin, (1,), {"out": (5,)})
((1,), {}, 5)
"""
from __future__ import annotations

import numpy as np

from ..ir.nodes import Node
from .semantics import ListValue, numpy_semantics, stand_in
from . import infer


def split_out(func, args, kwargs):
    """(inputs, other keywords, the output array or None) of a ufunc call."""
    kwargs = dict(kwargs)
    out = None
    if len(args) > func.nin:
        if "out" in kwargs:
            with numpy_semantics():
                raise TypeError("cannot specify 'out' as both a positional and keyword argument")
        args, out = args[:func.nin], args[func.nin:]
        out = out[0] if len(out) == 1 else out
    elif "out" in kwargs:
        out = kwargs.pop("out")
    if type(out) is tuple and len(out) == 1:       # (a list is not a tuple of outputs)
        out = out[0]
    return args, kwargs, out


def shown_value(value):
    """What NumPy is shown of ``value`` to raise its casting errors: a Python scalar as
    itself where its value is known (NumPy's out-of-bounds error), else ``stand_in``."""
    if isinstance(value, Node) and value.weak and hasattr(value, "value"):
        return value.value
    return stand_in(value)


def store_out(lw, func, inputs, value, out, node):
    """``value`` (the ufunc of ``inputs``) written into ``out``; the call's value."""
    if isinstance(out, (list, ListValue)):
        with numpy_semantics():
            raise TypeError("return arrays must be of ArrayType")
    if func.nout != 1 or isinstance(out, tuple):
        raise lw.unsupported(f"np.{func.__name__}() with several outputs given", node)
    if not isinstance(out, Node) or out.weak:
        if isinstance(out, (int, float, complex, bool)):
            with numpy_semantics():
                raise TypeError("return arrays must be of ArrayType")
        raise lw.unsupported(f"np.{func.__name__}(..., out=) into this value", node)
    with numpy_semantics():
        func(*[shown_value(a) for a in inputs], out=np.zeros((1,) * out.ndim, out.dtype))   # NumPy's casting error
    shapes = [a.shape for a in inputs if isinstance(a, Node)]
    if all(isinstance(d, int) for s in shapes + [out.shape] for d in s):
        full = np.broadcast_shapes(*shapes, out.shape)
        if full != tuple(out.shape):
            with numpy_semantics():
                raise ValueError(f"non-broadcastable output operand with shape {infer._shape_text(out.shape)} "
                                 f"doesn't match the broadcast shape {infer._shape_text(np.broadcast_shapes(*shapes))}")
    target = lw.ensure_stored(out, "out")
    lw.store_into(target, value, node)
    return target

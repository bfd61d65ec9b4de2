"""Hash-consing of graph nodes: building the same node twice gives the same object, so a
value the function computes twice (``x.mean()`` in two expressions) is one node, one loop.

>>> import numpy as np
>>> from npaccel.ir.nodes import Elementwise, Param
>>> from npaccel.ir.ops import Op
>>> f8 = np.dtype("float64")
>>> x = Param(index=0, name="x", dtype=f8, shape=(3,))
>>> intern = Interner()
>>> a = intern(Elementwise(op=Op.EXP, args=(x,), in_dtypes=(f8,), dtype=f8, shape=(3,)))
>>> a is intern(Elementwise(op=Op.EXP, args=(x,), in_dtypes=(f8,), dtype=f8, shape=(3,)))
True
"""
from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from .nodes import Node, Reduce, View


class Interner:
    """Hash-consing: building the same node twice gives the same object."""

    def __init__(self):
        self._table = {}

    def __call__(self, node: Node) -> Node:
        if type(node) is Reduce and node.keepdims:
            return self._kept_dims(node)
        key = (type(node), node.dtype, node.shape, node.weak,
               tuple((f.name, _key_of(getattr(node, f.name))) for f in fields(node)
                     if f.name not in ("dtype", "shape", "weak")))
        return self._table.setdefault(key, node)

    def _kept_dims(self, node):
        """A keepdims reduction is a view (size-1 axes inserted) of the plain one, so that
        x.mean(axis=0) and x.std(axis=0)'s inner keepdims mean are one value, one loop."""
        kept = [d for d in range(node.arg.ndim) if d not in node.axes]
        flat = self(replace(node, keepdims=False, shape=tuple(node.shape[d] for d in kept)))
        axes = tuple(None if d in node.axes else (kept.index(d), 0, 1) for d in range(node.arg.ndim))
        return self(View(arg=flat, axes=axes, fixed=(), dtype=node.dtype, shape=node.shape))


def _key_of(value):
    if isinstance(value, Node):
        return ("node", value)
    if isinstance(value, tuple):
        return tuple(_key_of(v) for v in value)
    if isinstance(value, float) and value != value:
        return ("nan",)
    if isinstance(value, (float, np.floating)):
        return (type(value).__name__, float(value).hex())
    if isinstance(value, (complex, np.complexfloating)):     # -0.0 and NaN parts kept apart
        return (type(value).__name__, float(value.real).hex(), float(value.imag).hex())
    return (type(value).__name__, value)

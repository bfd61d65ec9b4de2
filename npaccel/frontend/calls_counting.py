"""np.bincount and np.unique: results whose length depends on the data.

Each becomes a DATA_DEPENDENT node (ir/nodes.py) wrapped in ``masks.DataSized``, so that
the only thing compiled code does with it is return it (or hand it to Python): its kernel
(codegen/c_compaction.py) allocates the result once it knows the length. NumPy's errors
for the arguments come from NumPy itself, run on stand-ins of the same dtype and ndim;
a negative value is NumPy's ValueError, raised by the kernel.

NumPy's special case: np.bincount of an empty array returns int64 zeros even with
weights (a float64 result otherwise), so an empty input with weights runs in NumPy.
"""
from __future__ import annotations

import inspect

import numpy as np

from ..ir.dims import dim_min
from ..ir.nodes import SELECTED, BinCount, Node, Unique
from ..ir.ops import Op
from ..ir.checks import DimCheck, ShapeGuard
from .array_build import as_array, bind
from .calls import register
from .calls_arrays import probe
from .masks import DataSized

_REQ = inspect.Parameter.empty
_I8, _F8 = np.dtype(np.int64), np.dtype(np.float64)


def _static(lw, node, name, **values):
    for what, value in values.items():
        if isinstance(value, Node) or type(value).__module__.startswith("npaccel"):
            raise lw.unsupported(f"np.{name}(..., {what}=<run-time value>)", node)


@register(np.bincount)
def _bincount(lw, args, kwargs, node):
    b = bind(lw, node, "bincount", args, kwargs, [("x", _REQ), ("weights", None), ("minlength", 0)])
    _static(lw, node, "bincount", minlength=b["minlength"])
    x = as_array(lw, b["x"], node)
    w = None if b["weights"] is None else as_array(lw, b["weights"], node)
    stand_in = None if w is None else np.zeros((1,) * w.ndim, w.dtype)
    probe(np.bincount, np.zeros((1,) * x.ndim, x.dtype), stand_in, b["minlength"])
    n = x.shape[0]
    if w is not None:
        if n == 0:
            raise lw.unsupported("np.bincount of an empty array with weights", node)
        if not isinstance(n, int):      # empty: NumPy's int64 zeros, run in NumPy
            lw.state.checks.append(ShapeGuard(dim_min(n, 1), 1, ((n,), (1,))))
        if n != w.shape[0]:
            lw.state.checks.append(DimCheck(n, "==", w.shape[0], "ValueError",
                                               "The weights and list don't have the same length."))
    return DataSized(lw.intern(BinCount(op=Op.BINCOUNT, arg=x, weights=w, minlength=int(b["minlength"]),
                                           axes=(0,), keepdims=False, dtype=_I8 if w is None else _F8,
                                           shape=(SELECTED,))))


@register(np.unique)
def _unique(lw, args, kwargs, node):
    b = bind(lw, node, "unique", args, kwargs,
             [("ar", _REQ), ("return_index", False), ("return_inverse", False), ("return_counts", False),
              ("axis", None)], [("equal_nan", True), ("sorted", True)])
    flags = {k: b[k] for k in ("return_index", "return_inverse", "return_counts", "axis", "equal_nan", "sorted")}
    _static(lw, node, "unique", **flags)
    if b["return_index"] or b["return_inverse"] or b["axis"] is not None or not b["equal_nan"] or not b["sorted"]:
        raise lw.unsupported("np.unique with return_index, return_inverse, axis, equal_nan=False or sorted=False",
                             node)
    a = as_array(lw, b["ar"], node)
    if a.dtype.kind not in "biuf" or a.dtype == np.float16:
        raise lw.unsupported(f"np.unique of {a.dtype} values", node)

    def unique(op, dtype):
        return DataSized(lw.intern(Unique(op=op, arg=a, axes=tuple(range(a.ndim)), keepdims=False, dtype=dtype,
                                             shape=(SELECTED,))))
    values = unique(Op.UNIQUE, a.dtype)
    return (values, unique(Op.UNIQUE_COUNTS, _I8)) if b["return_counts"] else values

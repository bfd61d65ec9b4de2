"""Boolean-mask selection ``x[mask]``: a value whose length is known only at run time.

A selection stays a ``MaskedSelection`` (base, mask) while it is computed with, and is only
compacted where its elements are needed in order:

- elementwise arithmetic commutes with selecting: ``x[m] ** 2``, ``-y[y < 0]``,
  ``x[m].round(2)``, ``x[m] + y[m]`` (one mask) are the selections of ``x ** 2``, ... over
  the same mask (other operands may only broadcast against the dims after the mask's); the
  base expression is evaluated for the selected elements only, inside the compaction loop;
- a reduction over the selected axis (``x[m].sum(axis=0)``, ``x[m].mean()``, ``np.sum(x[m])``,
  ``(x[m] > 1).sum()``) becomes a reduction over the mask's dims of ``where(mask, x, 0)``,
  with the count of selected rows from the mask itself: nothing is compacted;
- ``len(x[m])``, ``x[m].shape``, ``x[m].size`` count the mask;
- a selection returned (or handed to a statement that runs in Python) becomes a
  ``Compact`` node (ir/nodes.py): its kernel (codegen/c_compaction.py) allocates the
  result, fills it in one pass and hands back its address and length
  (runtime/marshal.py, runtime/outputs.py adopt).
Anything else done with it is unsupported (the statement falls back).
"""
from __future__ import annotations

import numpy as np

from ..ir.checks import MaskMatches
from ..ir.nodes import SELECTED, Compact, Elementwise, Node, Reduce, View
from ..ir.ops import Op
from . import infer

MASK_REDUCTIONS = ("sum", "mean")
# methods and NumPy functions that act elementwise on a selection (ufuncs too)
ELEMENTWISE_METHODS = ("round", "astype", "copy", "clip", "conj", "conjugate")
ELEMENTWISE_FUNCTIONS = ("round", "around", "clip", "real", "imag", "conj", "conjugate")


class MaskedSelection:
    def __init__(self, base, mask):
        self.base, self.mask = base, mask


def select(lw, base, mask, node):
    """``base[mask]`` for a boolean array ``mask`` indexing the leading dims of ``base``."""
    from .semantics import numpy_semantics
    if mask.ndim > base.ndim:
        with numpy_semantics():
            raise IndexError(f"too many indices for array: array is {base.ndim}-dimensional, "
                             f"but {mask.ndim} were indexed")
    for axis, (m, b) in enumerate(zip(mask.shape, base.shape)):
        if isinstance(m, int) and isinstance(b, int):
            if m != b:
                with numpy_semantics():
                    raise IndexError(f"boolean index did not match indexed array along axis {axis}; "
                                     f"size of axis is {b} but size of corresponding boolean axis is {m}")
        elif m != b:
            lw.state.checks.append(MaskMatches(b, m, axis))
    return MaskedSelection(base, mask)


def reduce_selection(lw, name, sel, args, kwargs, node):
    """sum/mean of a masked selection over the selected axis (0) or everything (None)."""
    if name not in MASK_REDUCTIONS or args or set(kwargs) - {"axis"}:
        raise lw.unsupported(f"{name}() of a boolean-mask selection", node)
    axis = kwargs.get("axis")
    base, mask = sel.base, sel.mask
    k = mask.ndim
    if axis is None:
        axes = tuple(range(base.ndim))
    elif axis in (0, -(base.ndim - k + 1)):
        axes = tuple(range(k))
    else:
        raise lw.unsupported(f"{name}(axis={axis}) of a boolean-mask selection", node)
    # the mask broadcast over the trailing dims of base
    m = mask
    if base.ndim > k:
        m = lw.intern(View(arg=mask, axes=tuple((d, 0, 1) for d in range(k)) + (None,) * (base.ndim - k),
                              fixed=(), dtype=mask.dtype, shape=mask.shape + (1,) * (base.ndim - k)))
    total_dtype = infer.reduce_dtype(np.sum, base, tuple(axes) if axis is not None else None, False)
    zero = lw.as_node(False if base.dtype.kind == "b" else 0)
    picked = lw.where(m, base, lw.cast_to(zero, base.dtype), node)
    shape = infer.reduced_shape(base.shape, axes, False)
    total = lw.intern(Reduce(op=Op.SUM, arg=picked, axes=axes, keepdims=False, dtype=total_dtype, shape=shape))
    if name == "sum":
        return total
    count = lw.intern(Reduce(op=Op.SUM, arg=mask, axes=tuple(range(k)), keepdims=False,
                                dtype=np.dtype(np.int64), shape=()))
    if axis is None and base.ndim > k:
        from ..ir.dims import shape_size
        count = lw.ufunc(np.multiply, (count, lw.dim_value(shape_size(base.shape[k:]))), node)
    # NumPy's mean divides by a Python int count, in the sum's float type
    count = lw.intern(Elementwise(op=Op.POSITIVE, args=(count,), in_dtypes=(np.dtype(np.int64),),
                                     dtype=np.dtype(np.int64), shape=(), weak=True))
    mean_dtype = infer.reduce_dtype(np.mean, base, tuple(axes) if axis is not None else None, False)
    if total.dtype != mean_dtype:
        total = lw.cast_to(total, mean_dtype)
    return lw.ufunc(np.true_divide, (total, count), node)


class DataSized:
    """A result whose length depends on the data (np.bincount, np.unique: a DATA_DEPENDENT
    node, ir/nodes.py): usable only as a value the function returns (or hands to Python)."""

    def __init__(self, node):
        self.node = node


def is_selection(value) -> bool:
    return isinstance(value, MaskedSelection)


def is_data_sized(value) -> bool:
    return isinstance(value, (MaskedSelection, DataSized))


def as_result(lw, value):
    """A selection or data-sized value leaving compiled code: its node."""
    return compacted(lw, value) if isinstance(value, MaskedSelection) else value.node


def stored(lw, sel, name):
    """The selection kept as an array (a loop rebinding ``z = z[keep]``): the mask's count
    into a C local first, then the selected rows compacted into a buffer of that many rows
    (a pool slot inside a loop), whose first dim reads the local."""
    from types import SimpleNamespace
    from ..ir import program as P
    from ..ir.dims import Sym
    sel = _mask_in_buffer(lw, sel)
    k = sel.mask.ndim
    var = lw.state.mask_counts.get(sel.mask)     # (one count per mask in a statement: i[m], j[m] agree)
    if var is None:
        count = lw.intern(Reduce(op=Op.SUM, arg=sel.mask, axes=tuple(range(k)), keepdims=False,
                                 dtype=np.dtype(np.int64), shape=()))
        var = lw.state.mask_counts[sel.mask] = lw.materialise(count, f"len({name})")
    shape = (Sym(f"sv{var.vid}"),) + tuple(sel.base.shape[k:])
    buf = lw.new_buffer(SimpleNamespace(dtype=sel.base.dtype, shape=shape), name, "a boolean-mask selection")
    lw.emit(P.Store(buf, lw.intern(Compact(op=Op.COMPACT, arg=sel.base, mask=sel.mask, axes=tuple(range(k)),
                                           keepdims=False, dtype=sel.base.dtype, shape=shape))))
    return buf


def _mask_in_buffer(lw, sel):
    """``sel`` reading its mask from a bool buffer (a mask is read by its count and by each
    compaction: ``abs(z) > 2`` would be computed again at each)."""
    sel.mask = mask_buffer(lw, sel.mask)
    return sel


def mask_buffer(lw, mask):
    """``mask`` computed once into a bool buffer (in this statement), every name holding it
    rebound to the buffer, every selection of it reading the buffer (the same values:
    selections keep their identity, names bound to them are found by it)."""
    from .bindings import is_stored
    if is_stored(mask) or type(mask).__name__ in ("Const", "Table", "Broadcast"):
        return mask
    buf = lw.state.mask_counts.get(("buffer", mask))     # (this statement computed it already)
    if buf is None:
        buf = lw.state.mask_counts[("buffer", mask)] = lw.materialise(mask, "mask", "a boolean mask, computed "
                                                                       "once for its uses")
        lw.rebind_everywhere({mask: buf})
        for frame in lw.frames():
            for v in frame.env.values():
                if isinstance(v, MaskedSelection) and v.mask is mask:
                    v.mask = buf
    return buf


def elementwise(lw, apply, args, node):
    """``apply(*args)`` with each selection replaced by its base, selected by the same mask:
    elementwise ops commute with selecting rows when every other operand broadcasts only
    against the dims after the mask's."""
    sels = [a for a in args if isinstance(a, MaskedSelection)]
    mask, ndim = sels[0].mask, sels[0].base.ndim
    tail = ndim - mask.ndim
    bases = []
    for a in args:
        if isinstance(a, MaskedSelection):
            if a.mask is not mask or a.base.ndim != ndim:
                raise lw.unsupported("arithmetic on boolean-mask selections by different masks", node)
            bases.append(a.base)
        elif isinstance(a, Node) and a.ndim > tail:
            raise lw.unsupported("a boolean-mask selection combined with an array of its length", node)
        else:
            bases.append(a)
    result = apply(*bases)
    if not isinstance(result, Node) or result.ndim != max(ndim, result.ndim) or \
            result.shape[:mask.ndim] != sels[0].base.shape[:mask.ndim]:
        raise lw.unsupported("this operation on a boolean-mask selection", node)
    return MaskedSelection(result, mask)


def count(lw, sel):
    """The number of selected rows, as a Python int (weak int64)."""
    i8 = np.dtype(np.int64)
    total = lw.intern(Reduce(op=Op.SUM, arg=sel.mask, axes=tuple(range(sel.mask.ndim)), keepdims=False,
                                dtype=i8, shape=()))
    return lw.intern(Elementwise(op=Op.POSITIVE, args=(total,), in_dtypes=(i8,), dtype=i8, shape=(), weak=True))


def attribute(lw, sel, attr, node):
    """``x[m].shape`` and friends; methods are bound (see ``call``)."""
    k = sel.mask.ndim
    if attr == "ndim":
        return sel.base.ndim - k + 1
    if attr == "dtype":
        return sel.base.dtype
    if attr == "shape":
        return (count(lw, sel),) + tuple(lw.dim_value(d) for d in sel.base.shape[k:])
    if attr == "size":
        from ..ir.dims import shape_size
        return lw.ufunc(np.multiply, (count(lw, sel), lw.dim_value(shape_size(sel.base.shape[k:]))), node)
    from .semantics import BoundMethod
    return BoundMethod(sel, attr)


def call(lw, func, args, kwargs, node):
    """A call one of whose arguments (or whose bound object) is a selection."""
    from .semantics import BoundMethod
    if any(isinstance(v, MaskedSelection) for v in kwargs.values()):
        raise lw.unsupported("a boolean-mask selection as a keyword argument", node)
    if isinstance(func, BoundMethod) and isinstance(func.node, MaskedSelection):
        if func.name in ELEMENTWISE_METHODS:
            return elementwise(lw, lambda base: lw.call(BoundMethod(base, func.name), args, kwargs, node),
                               (func.node,), node)
        return reduce_selection(lw, func.name, func.node, args, kwargs, node)
    if func is len and len(args) == 1 and not kwargs:
        return count(lw, args[0])
    name = getattr(func, "__name__", "?")
    if isinstance(func, np.ufunc) or (getattr(func, "__module__", "") == "numpy" and name in ELEMENTWISE_FUNCTIONS):
        return elementwise(lw, lambda *a: lw.call(func, list(a), kwargs, node), tuple(args), node)
    if args and isinstance(args[0], MaskedSelection) and getattr(func, "__module__", "") == "numpy":
        return reduce_selection(lw, name, args[0], args[1:], kwargs, node)
    raise lw.unsupported(f"{name}() of a boolean-mask selection", node)


def compacted(lw, sel):
    """The selection as an array: a ``Compact`` node (only ever an output of the graph)."""
    k = sel.mask.ndim        # (>= 1: lower.py selects by masks of at least one dim)
    return lw.intern(Compact(op=Op.COMPACT, arg=sel.base, mask=sel.mask, axes=tuple(range(k)), keepdims=False,
                                dtype=sel.base.dtype, shape=(SELECTED,) + tuple(sel.base.shape[k:])))


def nonzero(lw, a, node):
    """np.nonzero(a) / np.where(a): per dim, the indices of the nonzero elements in C order:
    selections of an index array by ``a != 0`` (compacted where they are used)."""
    from .semantics import numpy_semantics
    from ..ir.nodes import Iota
    if a.ndim == 0:
        with numpy_semantics():
            raise ValueError("Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar).nonzero() "
                             "instead.")
    mask = a if a.dtype.kind == "b" else lw.ufunc(np.not_equal, (a, 0), node)
    return tuple(MaskedSelection(lw.intern(Iota(axis=d, shape=a.shape, dtype=np.dtype(np.int64))), mask)
                 for d in range(a.ndim))

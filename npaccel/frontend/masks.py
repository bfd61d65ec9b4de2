"""Boolean-mask selection ``x[mask]`` where it is consumed by a reduction.

``x[mask]`` has a size known only at run time, so it is never materialised: it stays a
``MaskedSelection`` and a reduction over the selected axis (``x[m].sum(axis=0)``,
``x[m].mean(axis=0)``, ``np.sum(x[m])``) becomes a reduction over the mask's dims of
``where(mask, x, 0)``, with the count of selected rows from the mask itself. Anything else
done with it is unsupported (the statement falls back).
"""
from __future__ import annotations

import numpy as np

from ..ir.nodes import Elementwise, Reduce, View
from ..ir.ops import Op
from ..passes import infer

MASK_REDUCTIONS = ("sum", "mean")


class MaskedSelection:
    def __init__(self, base, mask):
        self.base, self.mask = base, mask


def select(lw, base, mask, node):
    """``base[mask]`` for a boolean array ``mask`` indexing the leading dims of ``base``."""
    from .lower import numpy_semantics
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
            lw.lw.checks.append(infer.MaskMatches(b, m, axis))
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
        m = lw.lw.intern(View(arg=mask, axes=tuple((d, 0, 1) for d in range(k)) + (None,) * (base.ndim - k),
                              fixed=(), dtype=mask.dtype, shape=mask.shape + (1,) * (base.ndim - k)))
    total_dtype = infer.reduce_dtype(np.sum, base, tuple(axes) if axis is not None else None, False)
    zero = lw.as_node(False if base.dtype.kind == "b" else 0)
    picked = lw.where(m, base, lw.cast_to(zero, base.dtype), node)
    shape = infer.reduced_shape(base.shape, axes, False)
    total = lw.lw.intern(Reduce(op=Op.SUM, arg=picked, axes=axes, keepdims=False, dtype=total_dtype, shape=shape))
    if name == "sum":
        return total
    count = lw.lw.intern(Reduce(op=Op.SUM, arg=mask, axes=tuple(range(k)), keepdims=False,
                                dtype=np.dtype(np.int64), shape=()))
    if axis is None and base.ndim > k:
        from ..ir.dims import shape_size
        count = lw.ufunc(np.multiply, (count, lw.dim_value(shape_size(base.shape[k:]))), node)
    # NumPy's mean divides by a Python int count, in the sum's float type
    count = lw.lw.intern(Elementwise(op=Op.POSITIVE, args=(count,), in_dtypes=(np.dtype(np.int64),),
                                     dtype=np.dtype(np.int64), shape=(), weak=True))
    mean_dtype = infer.reduce_dtype(np.mean, base, tuple(axes) if axis is not None else None, False)
    if total.dtype != mean_dtype:
        total = lw.cast_to(total, mean_dtype)
    return lw.ufunc(np.true_divide, (total, count), node)

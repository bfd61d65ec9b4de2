"""Integer-array indexing as a ``Gather`` value: ``x[idx]``, ``x[:, idx]``, ``x[i, j]``,
literal lists ``x[[0, 2]]``, np.take, and np.take_along_axis (NumPy's own fancy index: the
indices at ``axis``, an arange along each other dim).

NumPy's advanced-indexing rules: the index arrays (and integers among them) broadcast
together; their dims go where the first of them is when they are adjacent, else first.
Negative indices wrap; an index outside its dim makes the kernel return NumPy's IndexError.
Boolean masks are frontend/masks.py's.
"""
from __future__ import annotations

import inspect

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..ir.dims import may_be_one
from ..ir.nodes import Broadcast, Concat, Const, Gather, Node
from .array_build import as_array, bind, const, fail, iota, require, surely_differ
from .calls import register, register_method
from .calls_arrays import copy_of, probe, shape_text
from .calls_shapes import ravel, reshape_value

_REQ = inspect.Parameter.empty


def integer_array_index(lw, base, index, node):
    """``base[index]`` where some index item is an integer array: NumPy's advanced indexing
    (its broadcast dims go where the first array index is when the array and integer
    indices are adjacent, else first). Slices, None and Ellipsis are applied as a view."""
    from .indexing import expand_index
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(_listed_index(lw, i, node) if isinstance(i, (list, np.ndarray)) else i for i in items)
    index = items if isinstance(index, tuple) else items[0]
    for i in items:
        if isinstance(i, Node):
            if i.dtype.kind == "b":
                raise lw.unsupported("boolean mask index (its result size depends on the data)", node)
            if i.dtype.kind not in "iu":
                fail(IndexError("arrays used as indices must be of integer (or boolean) type"))
        elif not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))) or isinstance(i, bool):
            fail(IndexError("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer "
                            "or boolean arrays are valid indices"))
        if isinstance(i, slice) and any(isinstance(p, Node) for p in (i.start, i.stop, i.step)):
            raise lw.unsupported("slice bounds computed at run time", node)
    items = probe(expand_index, index, base.ndim)
    advanced = [k for k, i in enumerate(items) if isinstance(i, (Node, int, np.integer))]
    basic = tuple(slice(None) if k in advanced else i for k, i in enumerate(items))
    view = base if all(i == slice(None) for i in basic) and len(basic) == base.ndim else \
        lw.basic_index(base, basic, node)
    args = []
    for k in advanced:
        i = items[k]
        if isinstance(i, Node):
            args.append(i)
            continue
        n = view.shape[k]
        if isinstance(n, int) and not -n <= int(i) < n:
            fail(IndexError(f"index {int(i)} is out of bounds for axis {k} with size {n}"))
        args.append(const(lw, int(i), np.int64))
    bshape = _index_broadcast(lw, [a.shape for a in args])
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1))
    pos = advanced[0] if adjacent else 0
    rest = [d for k, d in enumerate(view.shape) if k not in advanced]
    shape = tuple(rest[:pos]) + bshape + tuple(rest[pos:])
    return lw.intern(Gather(arg=view, args=tuple(args), axes=tuple(advanced), pos=pos,
                               dtype=base.dtype, shape=shape))


MAX_LISTED_INDEX = 64


def _listed_index(lw, value, node):
    """A literal index list/array (``x[[0, 2]]``) as an int64 value: a small table read
    by position, built from its entries."""
    if any(isinstance(v, Node) for v in np.ravel(np.array(value, dtype=object))):
        raise lw.unsupported("an index list holding values computed at run time", node)
    arr = probe(np.asarray, value)
    if arr.dtype.kind == "b":
        raise lw.unsupported("boolean mask index given as a literal list", node)
    if arr.size == 0 and arr.dtype.kind == "f":      # NumPy reads [] as an empty integer index
        arr = arr.astype(np.intp)
    if arr.dtype.kind not in "iu":
        fail(IndexError("arrays used as indices must be of integer (or boolean) type"))
    if arr.size > MAX_LISTED_INDEX:
        raise lw.unsupported(f"a literal index list of more than {MAX_LISTED_INDEX} entries", node)
    flat = arr.astype(np.int64).ravel()
    cells = tuple(lw.intern(Broadcast(arg=const(lw, int(v), np.int64), shape=(1,), dtype=np.dtype(np.int64)))
                  for v in flat)
    if not cells:
        table = lw.intern(Broadcast(arg=const(lw, 0, np.int64), shape=(0,), dtype=np.dtype(np.int64)))
    else:
        table = lw.intern(Concat(args=cells, axis=0, dtype=np.dtype(np.int64), shape=(len(cells),)))
    return reshape_value(lw, table, arr.shape)


def _index_broadcast(lw, shapes):
    """NumPy's broadcast of the index arrays, with its IndexError."""
    ndim = max((len(s) for s in shapes), default=0)
    texts = [shape_text(s) for s in shapes]
    message = "shape mismatch: indexing arrays could not be broadcast together with shapes " + \
        " ".join(t for t, _ in texts) + " "
    values = tuple(v for _, vs in texts for v in vs)
    out = []
    for axis in range(ndim):
        dims = [s[len(s) - ndim + axis] for s in shapes if len(s) - ndim + axis >= 0]
        if any(may_be_one(d) for d in dims) and len({d for d in dims if d != 1}) > 1:
            raise lw.unsupported("index arrays that broadcast only if one is 1 long at run time (a slice length)")
        sized = [d for d in dims if d != 1]
        if not sized:
            out.append(1)
            continue
        first = next((d for d in sized if isinstance(d, int)), sized[0])
        for d in sized:
            if surely_differ(d, first):
                fail(IndexError(message.replace("{}", "?")))
            require(lw, d, "==", first, "IndexError", message, values)
        out.append(first)
    return tuple(out)


@register(np.take)
def _take(lw, args, kwargs, node):
    b = bind(lw, node, "take", args, kwargs, [("a", _REQ), ("indices", _REQ), ("axis", None), ("out", None),
                                                ("mode", "raise")], unsupported=("out",))
    return take(lw, as_array(lw, b["a"], node), b["indices"], b["axis"], b["mode"], node)


@register_method("take")
def _take_method(lw, args, kwargs, node):
    b = bind(lw, node, "take", args, kwargs, [("a", _REQ), ("indices", _REQ), ("axis", None), ("out", None),
                                                ("mode", "raise")], unsupported=("out",))
    return take(lw, b["a"], b["indices"], b["axis"], b["mode"], node)


def take(lw, a, indices, axis, mode, node):
    if mode != "raise":
        raise lw.unsupported(f"take(..., mode={mode!r})", node)
    if axis is None:
        a, axis = ravel(lw, a, node), 0
    axis = probe(normalize_axis_index, axis, a.ndim)
    if not isinstance(indices, Node):
        if not isinstance(indices, (int, np.integer)) or isinstance(indices, bool):
            raise lw.unsupported(f"take() with indices of type {type(indices).__name__}", node)
        indices = const(lw, int(indices), np.int64)
    if indices.dtype.kind not in "iu":
        fail(TypeError("Cannot cast array data from dtype('float64') to dtype('int64') according to the rule "
                       "'safe'"))
    if isinstance(indices, Const):
        n = a.shape[axis]
        if isinstance(n, int) and not -n <= int(indices.value) < n:
            fail(IndexError(f"index {int(indices.value)} is out of bounds for axis {axis} with size {n}"))
    shape = tuple(a.shape[:axis]) + tuple(indices.shape) + tuple(a.shape[axis + 1:])
    return lw.intern(Gather(arg=a, args=(indices,), axes=(axis,), pos=axis, dtype=a.dtype, shape=shape))


@register(np.take_along_axis)
def _take_along_axis(lw, args, kwargs, node):
    b = bind(lw, node, "take_along_axis", args, kwargs, [("arr", _REQ), ("indices", _REQ), ("axis", -1)])
    arr, indices, axis = as_array(lw, b["arr"], node), as_array(lw, b["indices"], node), b["axis"]
    if isinstance(axis, Node):
        raise lw.unsupported("np.take_along_axis with a run-time axis", node)
    probe(np.take_along_axis, np.zeros((1,) * arr.ndim, arr.dtype), np.zeros((1,) * indices.ndim, indices.dtype),
          axis)        # NumPy's errors: ndim, dtype, axis
    if axis is None:
        arr, axis = copy_of(lw, ravel(lw, arr, node)), 0
    axis = normalize_axis_index(axis, arr.ndim)
    index = tuple(indices if k == axis else iota(lw, k, tuple(n if j == k else 1 for j in range(arr.ndim)))
                  for k, n in enumerate(arr.shape))
    return integer_array_index(lw, arr, index, node)

"""np.histogram with a number of equal bins, as NumPy's own fast path computes it
(numpy/lib/_histograms_impl.py): outer edges from the data's min and max (or ``range``),
widened by 0.5 each way when equal; edges by np.linspace in the data's float type (float64
for integers); each value's bin from ``(x - first) / (last - first) * bins`` cast to intp,
the last edge closed, then corrected by one against the edges either way; the counts an
unbuffered scatter-add (``np.add.at``) of 1 per value inside the range (with weights, of
the weight, summed in float64 as np.bincount does per block of 65536 values, each block's
sums cast to the weights' dtype and the blocks added in order, as NumPy's loop does). The
number of bins may be known only at run time (an int argument: checked >= 1).

The bin-index arithmetic follows NumPy's types step by step (float32 data is binned in
float32; the width of an integer range is an exact unsigned difference).

>>> numpy_bins(np.array([0.0, 1.0, 2.0, 3.0, 4.0]), 4)
array([1, 1, 1, 2])
"""
from __future__ import annotations

import inspect

import numpy as np

from ..ir.dims import dim_add, dim_floordiv, dim_sub, shape_size
from ..ir.nodes import Const, Elementwise, Gather, Node, Reduce
from ..ir.ops import Op
from .array_build import as_array, bind, cast, const, dim_node, ew, fail, iota, require, surely_differ, to_dim
from .calls import CALL_HANDLERS, register
from .calls_arrays import fill, probe
from .calls_shapes import ravel
from .calls_reductions import scan

_REQ = inspect.Parameter.empty
_INTP = np.dtype(np.intp)
_BLOCK = 65536       # NumPy's histogram works through the data in blocks of this many values


def numpy_bins(a, bins):
    """NumPy's counts (the reference the doctest and tests compare with)."""
    return np.histogram(a, bins)[0]


@register(np.histogram)
def _histogram(lw, args, kwargs, node):
    b = bind(lw, node, "histogram", args, kwargs,
             [("a", _REQ), ("bins", 10), ("range", None), ("density", None), ("weights", None)])
    for what in ("range", "density"):
        value = b[what]
        if isinstance(value, Node) or isinstance(value, (tuple, list)) and any(isinstance(v, Node) for v in value):
            raise lw.unsupported(f"np.histogram(..., {what}=<run-time value>)", node)
    if b["density"]:
        raise lw.unsupported("np.histogram with density", node)
    bins, rng, weights = b["bins"], b["range"], b["weights"]
    run_time = isinstance(bins, Node) and bins.ndim == 0 and bins.dtype.kind in "iu"
    if not run_time and (not isinstance(bins, (int, np.integer)) or isinstance(bins, bool)):
        raise lw.unsupported("np.histogram with bin edges or a bin rule", node)
    a = as_array(lw, b["a"], node)
    if a.dtype.kind not in "iuf":
        raise lw.unsupported(f"np.histogram of {a.dtype} values", node)
    if weights is not None:
        weights = as_array(lw, weights, node)
        if weights.dtype.kind not in "iuf":
            raise lw.unsupported(f"np.histogram with {weights.dtype} weights", node)
        if len(weights.shape) != len(a.shape) or any(surely_differ(x, y) for x, y in zip(weights.shape, a.shape)):
            fail(ValueError("weights should have the same shape as a."))
        for x, y in zip(weights.shape, a.shape):
            require(lw, x, "==", y, "ValueError", "weights should have the same shape as a.")
        weights = ravel(lw, weights, node)
    probe(np.histogram, np.zeros(1, a.dtype), 1 if run_time else bins, rng)      # NumPy's errors for bins and range
    if run_time:
        bins = to_dim(lw, bins, node)
        require(lw, bins, ">=", 1, "ValueError", "`bins` must be positive, when an integer")
    return histogram(lw, ravel(lw, a, node), int(bins) if isinstance(bins, (int, np.integer)) else bins, rng, node,
                     weights)


def _outer_edges(lw, a, rng):
    """(first, last, keep, width): NumPy's _get_outer_edges, and the width it divides by."""
    from numpy.lib._histograms_impl import _get_outer_edges, _unsigned_subtract
    size = shape_size(a.shape)
    if rng is not None or size == 0:
        first, last = _get_outer_edges(np.zeros(0, a.dtype), rng)
        width = _unsigned_subtract(last, first)
        keep = None
        if rng is not None:
            keep = ew(lw, Op.LOGICAL_AND, (lw.ufunc(np.greater_equal, (a, first)), lw.ufunc(np.less_equal, (a, last))),
                      bool)
        return first, last, keep, width
    lo = lw.intern(Reduce(op=Op.MIN, arg=a, axes=(0,), keepdims=False, dtype=a.dtype, shape=()))
    hi = lw.intern(Reduce(op=Op.MAX, arg=a, axes=(0,), keepdims=False, dtype=a.dtype, shape=()))
    if not isinstance(size, int):           # empty at run time: NumPy's 0 and 1
        empty = ew(lw, Op.EQUAL, (dim_node(lw, size), 0), np.int64)
        lo, hi = (lw.where(empty, v, m) for v, m in ((0, lo), (1, hi)))
    if a.dtype.kind == "f":      # a NaN or infinite range: NumPy's ValueError (int() of NaN raises one)
        spread = ew(lw, Op.MULTIPLY, (ew(lw, Op.SUBTRACT, (hi, lo), np.float64), 0.0), np.float64)
        finite = lw.intern(Elementwise(op=Op.PY_INT, args=(spread,), in_dtypes=(spread.dtype,),
                                          dtype=np.dtype(np.int64), shape=(), weak=True))
        lo = lw.where(ew(lw, Op.EQUAL, (finite, 0), np.int64), lo, lo)
    equal = lw.ufunc(np.equal, (lo, hi))
    first = lw.where(equal, lw.ufunc(np.subtract, (lo, 0.5)), lo)
    last = lw.where(equal, lw.ufunc(np.add, (hi, 0.5)), hi)
    if a.dtype.kind == "f":
        width = lw.ufunc(np.subtract, (last, first))
    else:        # NumPy subtracts integer edges as unsigned (exact), widened ones as floats
        exact = cast(lw, ew(lw, Op.SUBTRACT, (hi, lo), np.uint64), np.float64)
        width = lw.where(equal, lw.ufunc(np.subtract, (last, first)), exact)
    return first, last, None, width


def histogram(lw, a, bins, rng, node, weights=None):
    """(counts, edges) of ``a`` (1-d) in ``bins`` equal bins (an int, or a dim known at run
    time); with ``weights``, the counts are their sums per bin, in float64 as np.bincount
    adds them, then in the weights' dtype, as NumPy's fast path does."""
    first, last, keep, width = _outer_edges(lw, a, rng)
    edge_dtype = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    last_bin = bins - 1 if isinstance(bins, int) else dim_node(lw, dim_sub(bins, 1))
    edges = CALL_HANDLERS[np.linspace](lw, (first, last, bins + 1 if isinstance(bins, int) else
                                            lw.dim_value(dim_add(bins, 1))), {"endpoint": True, "dtype": edge_dtype},
                                       node)
    if not isinstance(edges, Node):
        edges = lw.as_node(edges, node)
    elif not isinstance(edges, Const):      # read twice per value: from memory, not recomputed
        edges = lw.materialise(edges, "edges", why="histogram edges, read per value")
    x = cast(lw, a, edge_dtype)
    fraction = lw.ufunc(np.true_divide, (lw.ufunc(np.subtract, (x, first)), width))
    if isinstance(bins, int):
        scaled = lw.ufunc(np.multiply, (fraction, bins))
    else:       # NumPy multiplies by a Python int: in the fraction's float type
        scaled = ew(lw, Op.MULTIPLY, (fraction, cast(lw, dim_node(lw, bins), fraction.dtype)), fraction.dtype)
    index = cast(lw, scaled, _INTP)
    # index == bins -> bins - 1; values outside the range (and NaN) index nothing: clamped
    # into [0, bins - 1] (no change for the others) and, with a range, counted nowhere
    index = ew(lw, Op.MINIMUM, (ew(lw, Op.MAXIMUM, (index, 0), _INTP), last_bin), _INTP)
    if keep is not None:
        index = ew(lw, Op.WHERE, (keep, index, 0), _INTP)
    below = lw.ufunc(np.less, (x, _gather(lw, edges, index)))
    index = ew(lw, Op.SUBTRACT, (index, cast(lw, below, _INTP)), _INTP)
    upper = _gather(lw, edges, ew(lw, Op.ADD, (index, 1), _INTP))
    above = ew(lw, Op.LOGICAL_AND, (lw.ufunc(np.greater_equal, (x, upper)),
                                    ew(lw, Op.NOT_EQUAL, (index, last_bin), _INTP)), bool)
    index = ew(lw, Op.ADD, (index, cast(lw, above, _INTP)), _INTP)
    if keep is not None:
        index = ew(lw, Op.WHERE, (keep, index, 0), _INTP)
    # (the bins in a loop of their own, in SIMD lanes and threads, as NumPy computes them
    # for a block: the scatter that follows is sequential)
    index = lw.materialise(index, "bin", why="each value's bin, before the counts")
    if weights is None:
        one = const(lw, 1, _INTP) if keep is None else ew(lw, Op.WHERE, (keep, 1, 0), _INTP)
        counts = lw.materialise(fill(lw, const(lw, 0, _INTP), (bins,)), "counts", why="histogram counts")
        _add_at(lw, _gather(lw, counts, index), one, node)
        return counts, edges
    return _weighted_counts(lw, index, weights, keep, bins, node), edges


def _weighted_counts(lw, index, weights, keep, bins, node):
    """NumPy's weighted counts: per block of 65536 values, ``np.bincount`` (float64 sums in
    order) cast to the weights' dtype, the blocks added in order in that dtype to zeros: a
    float64 row per block after a row of zeros (one scatter in order), then the last row of
    a running sum down the rows in the weights' dtype (a scan: in order, bit for bit)."""
    f8 = np.dtype(np.float64)
    w = cast(lw, weights, f8)
    if keep is not None:
        w = ew(lw, Op.WHERE, (keep, w, 0), f8)
    n = index.shape[0]
    blocks = dim_floordiv(dim_add(n, _BLOCK - 1), _BLOCK)      # (an int when n is one)
    rows = lw.materialise(fill(lw, const(lw, 0, f8), (dim_add(blocks, 1), bins)), "counts",
                          why="histogram counts per block")
    block_of = ew(lw, Op.ADD, (ew(lw, Op.FLOOR_DIVIDE, (iota(lw, 0, index.shape), _BLOCK), _INTP), 1), _INTP)
    region = lw.intern(Gather(arg=rows, args=(block_of, index), axes=(0, 1), pos=0, dtype=f8, shape=tuple(index.shape)))
    _add_at(lw, region, w, node)
    running = scan(lw, Op.CUMSUM, cast(lw, rows, weights.dtype), 0, weights.dtype, node)
    return lw.basic_index(running, -1, node)


def _add_at(lw, region, value, node):
    from .calls_ufunc_methods import unbuffered_scatter
    unbuffered_scatter(lw, region, ew(lw, Op.ADD, (region, value), region.dtype), node)


def _gather(lw, a, index):
    return lw.intern(Gather(arg=a, args=(index,), axes=(0,), pos=0, dtype=a.dtype, shape=tuple(index.shape)))

"""All reductions of one level in one pass: one compiled kernel per block computes the partial
results of every reduction that reads the same chunked region shape (sum, min, max, any, ...,
each kept as a size-1 axis), and one tree of combine tasks merges the partials of all of them
at once. Variances and standard deviations (NumPy's ``sum((x - mean) ** 2)``, recognised in the
op graph by ``deviations_sum``) take no second pass: each block gives its element count, its
mean and its own sum of squared deviations from it (the mean computed inside the kernel, as
NumPy computes it, and corrected by the block's sum of deviations from it), and the combine
merges them with the parallel formula of Chan, Golub and LeVeque (in float64):

    M2 = M2_a + M2_b + (mean_b - mean_a) ** 2 * n_a * n_b / (n_a + n_b)

A reduction's level is one more than that of the reductions its argument reads (a mean
subtracted before a sum that is not a variance, a normalisation by a maximum): each level is
one pass. A result larger than ``FUSED_RESULT_LIMIT`` elements keeps Dask's chunked
``dask.array.reduction`` (reductions.py), since the tree assembles each result in one task.

>>> merge_pair("var", None, (2, np.array([1.5]), np.array([0.5])), (2, np.array([3.5]), np.array([0.5])))
(4, array([2.5]), array([5.]))
"""
from __future__ import annotations

import dataclasses
import math
import operator
from dataclasses import dataclass

import numpy as np

from ..ir.dims import evaluate
from ..ir.nodes import DimValue, Elementwise, Reduce, View
from ..ir.ops import REDUCTIONS, Op

FUSED_RESULT_LIMIT = 1 << 22      # elements of one result assembled in one combine task
SPLIT_EVERY = 8                   # partial sets merged per combine task
FUSABLE = {op: r.ufunc for op, r in REDUCTIONS.items() if r.folds}     # op -> the ufunc combining parts


def _casts(node, seen):
    while isinstance(node, Elementwise) and node.op is Op.CAST:
        seen.append(node)
        node = node.args[0]
    return node


def deviations_sum(r):
    """For ``r`` = SUM((x - mean(x, axes, keepdims)) ** 2, axes) as NumPy's var lowers it: the
    nodes a block computes itself (the mean's sum, its division by the count, casts): (the
    mean, the deviations x - mean, their nodes); else None."""
    sq = r.arg
    if r.op is not Op.SUM or not (isinstance(sq, Elementwise) and sq.op is Op.MULTIPLY and sq.args[0] is sq.args[1]):
        return None
    dev = sq.args[0]
    if not (isinstance(dev, Elementwise) and dev.op is Op.SUBTRACT):
        return None
    x, mean = dev.args
    local = []
    q = _casts(mean, local)
    if not (isinstance(q, Elementwise) and q.op is Op.TRUE_DIVIDE):
        return None
    local.append(q)
    kept, count = _casts(q.args[0], local), _casts(q.args[1], local)
    total = kept.arg if isinstance(kept, View) and _adds_axes(kept) else kept
    if not (isinstance(total, Reduce) and total.op is Op.SUM and total.axes == r.axes and isinstance(count, DimValue)
            and _casts(total.arg, []) is _casts(x, []) and kept.shape == _kept_shape(r)):
        return None
    return mean, dev, frozenset(local + [kept, total, count])


def _adds_axes(view):
    """Does ``view`` only insert size-1 axes (keepdims as a view of a reduced value)?"""
    return not view.fixed and [a for a in view.axes if a is not None] == \
        [(k, 0, 1) for k in range(view.arg.ndim)]


def _kept_shape(node):
    return tuple(1 if d in node.axes else n for d, n in enumerate(node.arg.shape))


@dataclass(frozen=True)
class Member:
    """How one reduction's partials are made and merged: ``kind`` "plain" (one partial, merged
    with ``op``'s ufunc) or "var" (count, sum, sum of squared deviations)."""
    kind: str
    op: Op
    axes: tuple
    keepdims: bool
    dtype: np.dtype
    count_dims: tuple = ()            # "var": the reduced dims of the argument (symbolic)


def merge_pair(kind, op, a, b):
    """Two partials of the same result positions merged."""
    if kind == "plain":
        return FUSABLE[op](a, b)
    (na, mean_a, ma), (nb, mean_b, mb) = a, b
    if na == 0 or nb == 0:
        return b if na == 0 else a
    n = na + nb
    delta = mean_b - mean_a
    return n, mean_a + delta * (nb / n), ma + mb + delta * delta * (na * nb / n)


class BlockPartials:
    """Runs the fused kernel on one block: a tuple, per member, of its partial (kept axes of
    size 1) or, for a variance, (count, mean, sum of squared deviations from it) in float64."""

    def __init__(self, kernel, members, params):
        self.kernel, self.members, self.params = kernel, members, params

    def __call__(self, *values):
        out = self.kernel(*values)
        out = out if isinstance(out, tuple) else (out,)
        env = {f"a{i}_d{d}": n for i in self.params for d, n in enumerate(np.shape(values[i]))}
        parts, k = [], 0
        for m in self.members:
            if m.kind == "plain":
                parts.append(np.asarray(out[k]))
                k += 1
            else:
                count = math.prod(evaluate(d, env) for d in m.count_dims)
                mean, dev, m2 = (np.asarray(out[k + i], dtype=np.float64) for i in range(3))
                if count:        # the kernel's mean is rounded: correct it by the mean deviation from it
                    mean, m2 = mean + dev / count, m2 - dev * dev / count
                parts.append((count, mean, m2))
                k += 3
        return tuple(parts)


def merge_sets(members, items):
    """Merge blocks' partials ((block index, parts) pairs) and merged sets (per member: kept
    block index -> partial) into one set."""
    out = [dict() for _ in members]
    for item in items:
        if isinstance(item, tuple):
            index, parts = item
            item = [{tuple(0 if d in m.axes else i for d, i in enumerate(index)): p}
                    for m, p in zip(members, parts)]
        for m, mine, theirs in zip(members, out, item):
            for key, p in theirs.items():
                mine[key] = merge_pair(m.kind, m.op, mine[key], p) if key in mine else p
    return out


def finish(members, grid, merged):
    """Per member, its result: the partials placed in the block grid, reduced axes dropped
    unless keepdims."""
    results = []
    for m, parts in zip(members, merged):
        shape = tuple(1 if d in m.axes else n for d, n in enumerate(grid))

        def nest(prefix):
            if len(prefix) == len(shape):
                p = parts[prefix]
                return p[2] if m.kind == "var" else p
            return [nest(prefix + (i,)) for i in range(shape[len(prefix)])]
        out = np.block(nest(())) if shape else nest(())
        out = np.asarray(out, dtype=m.dtype)
        results.append(out if m.keepdims else out.reshape([n for d, n in enumerate(out.shape) if d not in m.axes]))
    return tuple(results)


def tree_reduce(blocks, members):
    """One Delayed of the tuple of all members' results from the object Dask array ``blocks``."""
    from dask import delayed
    cells = blocks.to_delayed()
    items = [(index, cells[index]) for index in np.ndindex(cells.shape)]
    merge = delayed(merge_sets, pure=True)
    items = [merge(members, items[i:i + SPLIT_EVERY]) for i in range(0, len(items), SPLIT_EVERY)]
    while len(items) > 1:
        items = [merge(members, items[i:i + SPLIT_EVERY]) for i in range(0, len(items), SPLIT_EVERY)]
    return delayed(finish, pure=True)(members, cells.shape, items[0])


def member_of(node, variance) -> tuple:
    """(Member, the partial nodes the kernel outputs for it, nodes computed per block)."""
    partial = dataclasses.replace(node, keepdims=True, shape=_kept_shape(node))
    if variance is None:
        return Member("plain", node.op, node.axes, node.keepdims, node.dtype), (partial,), {partial}
    mean, dev, local = variance
    dims = tuple(node.arg.shape[d] for d in node.axes)
    deviations = Reduce(op=Op.SUM, arg=dev, axes=node.axes, keepdims=True, dtype=dev.dtype, shape=partial.shape)
    return (Member("var", node.op, node.axes, node.keepdims, node.dtype, dims), (mean, deviations, partial),
            set(local) | {partial, deviations})


def group_reductions(ev, outputs):
    """{Reduce: the reductions computed in the same pass}: those of the same level and
    argument shape."""
    levels, groups = {}, {}

    def level(node, local=frozenset()):
        key = (node, bool(local))
        if key in levels:
            return levels[key]
        if isinstance(node, Reduce) and node not in local and node.op in FUSABLE and type(node) is Reduce \
                and ev.chunked(node.arg) and node.arg.ndim and _size(node, ev.env) <= FUSED_RESULT_LIMIT:
            var = deviations_sum(node)          # its mean is computed per block: not a member
            found = 1 + level(node.arg, var[-1] if var else local)
            groups.setdefault((found, tuple(node.arg.shape)), {})[node] = node
        else:
            found = max((level(c, local) for c in node.children()), default=0)
            if (isinstance(node, Reduce) and node not in local) or type(node).__name__ in ("MatMul", "Scan"):
                found += 1
        levels[key] = found
        return found
    for out in outputs:
        level(out)
    return {i: list(members.values()) for members in groups.values() for i in members}


def _size(node, env):
    return math.prod(evaluate(d, env) for d in node.shape)


def fused_results(ev, nodes) -> dict:
    """{node: lazy Dask result} for the reductions ``nodes`` of one group, in one pass."""
    import dask.array as da
    from dask import delayed
    from .kernels import GraphKernel
    members, partials, local = [], [], set()
    for node in nodes:
        m, outs, ids = member_of(node, deviations_sum(node))
        members.append(m)
        partials += outs
        local |= ids
    graph, args = ev.kernel_graph(partials, lambda *bodies: bodies, frozenset(local))
    ndim = nodes[0].arg.ndim
    params = tuple(i for i, v in enumerate(args) if isinstance(v, da.Array) or isinstance(v, np.ndarray))
    kernel = BlockPartials(GraphKernel(graph, f"{ev.name} reductions"), tuple(members), params)
    blocks = ev.blockwise(kernel, ndim, args, dtype=object)
    final = tree_reduce(blocks, tuple(members))
    names = ", ".join(f"{'var (Chan)' if m.kind == 'var' else m.op.value} over axes {m.axes}" for m in members)
    ev.notes.append(f"one pass: a compiled kernel per block of the {nodes[0].arg.dtype}{list(nodes[0].arg.shape)} "
                    f"region gives the partials of {names}; one combine tree (split_every {SPLIT_EVERY}) "
                    "merges them all")
    out = {}
    for k, node in enumerate(nodes):
        shape = tuple(int(evaluate(d, ev.env)) for d in node.shape)
        out[node] = da.from_delayed(delayed(operator.getitem, pure=True)(final, k), shape=shape,
                                        dtype=node.dtype, meta=np.empty((0,) * len(shape), dtype=node.dtype))
    return out

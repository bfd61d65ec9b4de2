"""Reduction plans: the op graph evaluated over Dask arrays, node by node.

- a reduction of an elementwise region of the arguments (``(x * x).sum(axis=0)``,
  ``x.mean()``, ``((x - m) ** 2).sum()`` with ``m`` itself a reduction): one kernel compiled from
  the region and the reduction (a GraphKernel) gives each block's part, kept as a size-1 axis,
  and ``dask.array.reduction`` combines the parts with a compiled kernel of the same reduction;
- argmin/argmax and cumulative sums: the region compiled per block, then Dask's own;
- matrix products: Dask's own (``da.matmul``) on the operands;
- what is computed from reduced values (divisions by the count, sqrt, casts, keepdims views):
  NumPy's ufuncs on the small Dask arrays they are.

The values another reduction depends on (var's mean) enter a region's kernel as extra
parameters, broadcast to each block. Anything else raises NotLocal.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..ir.dims import Sym, evaluate
from ..ir.nodes import (Broadcast, Const, DimValue, Elementwise, Graph, MatMul, Param, Reduce, ScalarParam, Scan,
                        View)
from ..ir.ops import OPS, REDUCTIONS, Op
from .blocks import LETTERS
from .fused import deviations_sum, fused_results, group_reductions
from .kernels import GraphKernel
from .locality import NotLocal



class KeptParts:
    """A block's reduction part with the reduced axes kept (size 1), as Dask's combine needs."""

    def __init__(self, kernel, axes):
        self.kernel, self.axes = kernel, axes

    def __call__(self, *values, axis=None, keepdims=True, **_):
        out = np.asarray(self.kernel(*values))
        return np.expand_dims(out, self.axes) if keepdims else out


class Evaluator:
    def __init__(self, graph, values, name):
        import dask.array as da
        self.da, self.graph, self.values, self.name = da, graph, values, name
        self.env = {}
        for p in graph.params:
            v = values[p.index] if p is not None else None
            if isinstance(p, Param):
                self.env.update({f"a{p.index}_d{d}": n for d, n in enumerate(v.shape)})
            elif isinstance(p, ScalarParam) and isinstance(v, (int, np.integer)):
                self.env[f"s{p.index}"] = int(v)
        self.memo, self.chunked_memo, self.notes = {}, {}, []
        self.groups = group_reductions(self, graph.outputs)

    # ---- which values are split in chunks ---------------------------------------------------
    def chunked(self, node) -> bool:
        found = self.chunked_memo.get(node)
        if found is None:
            if isinstance(node, Param):
                found = isinstance(self.values[node.index], self.da.Array)
            elif isinstance(node, (Reduce, MatMul)):
                found = False
            else:
                found = any(self.chunked(c) for c in node.children())
            self.chunked_memo[node] = found
        return found

    def run(self) -> list:
        return [self.as_dask(self.value(out), out) for out in self.graph.outputs]

    def as_dask(self, v, node):
        if isinstance(v, self.da.Array):
            return v
        return self.da.from_array(np.asarray(v, dtype=node.dtype), chunks=())

    # ---- values --------------------------------------------------------------------------------
    def value(self, node):
        found = self.memo.get(node, self)
        if found is self:
            found = self.memo[node] = self._value(node)
        return found

    def _value(self, node):
        da = self.da
        if isinstance(node, (Param, ScalarParam)):
            return self.values[node.index]
        if isinstance(node, Const):
            return node.value if node.weak else np.asarray(node.value, node.dtype)[()]
        if isinstance(node, DimValue):
            return int(evaluate(node.dim, self.env))
        if isinstance(node, Scan):
            if node.op not in (Op.CUMSUM, Op.CUMPROD):      # maximum.accumulate, sorts, ...: no Dask twin
                raise NotLocal(f"{node.op.value} of a chunked array")
            a = self.region(node.arg)
            self.notes.append(f"{node.op.value}: compiled region per block, then Dask's {node.op.value}")
            if node.reverse:        # (never flattened)
                flipped = da.flip(a, node.axes[0])
                return da.flip(getattr(da, node.op.value)(flipped, axis=node.axes[0], dtype=node.dtype), node.axes[0])
            return getattr(da, node.op.value)(a.ravel() if node.flatten else a, axis=0 if node.flatten else
                                              node.axes[0], dtype=node.dtype)
        if isinstance(node, Reduce):
            return self.reduce(node)
        if isinstance(node, MatMul) and node.__class__ is not MatMul:    # np.linalg (Lapack)
            raise NotLocal(f"np.linalg.{node.routine}")
        if isinstance(node, MatMul):
            self.notes.append("matmul: Dask's own da.matmul on the operands")
            return da.matmul(self.region(node.a), self.region(node.b))
        if self.chunked(node):
            return self.region(node)
        if isinstance(node, Elementwise):
            return self.ufunc(node)
        if isinstance(node, View):
            return self.view(node)
        if isinstance(node, Broadcast):
            return da.broadcast_to(self.value(node.arg), tuple(evaluate(d, self.env) for d in node.shape))
        raise NotLocal(f"{type(node).__name__.lower()} of reduced values")

    def ufunc(self, node):
        da = self.da
        args = [self._cast(self.value(a), d) for a, d in zip(node.args, node.in_dtypes)]
        if node.op is Op.TRUE_DIVIDE and isinstance(_uncast(node.args[1]), DimValue) and \
                self.value(_uncast(node.args[1])) == 0:       # a mean or variance of nothing: NumPy warns
            total = _uncast(node.args[0])
            total = total.arg if isinstance(total, View) else total
            warnings.warn("Degrees of freedom <= 0 for slice" if isinstance(total, Reduce) and deviations_sum(total)
                          else "Mean of empty slice", RuntimeWarning, stacklevel=2)
        if node.op is Op.CAST:
            out = args[0]
        elif node.op is Op.WHERE:
            out = da.where(*args)
        elif node.op in OPS and OPS[node.op].kind == "elementwise" and OPS[node.op].ufunc is not None:
            out = OPS[node.op].ufunc(*args)
        else:
            raise NotLocal(f"{node.op.value} of reduced values")
        if isinstance(out, da.Array):
            return out if out.dtype == node.dtype else out.astype(node.dtype)
        out = np.asarray(out, node.dtype)[()]
        return out.item() if node.weak else out

    def _cast(self, v, dtype):
        if isinstance(v, self.da.Array):
            return v if v.dtype == dtype else v.astype(dtype)
        return np.asarray(v, dtype)[()] if not isinstance(v, np.ndarray) else v.astype(dtype)

    def view(self, node):
        a = self.value(node.arg)
        idx = [slice(None)] * node.arg.ndim
        for d, i in node.fixed:
            idx[d] = int(evaluate(i, self.env))
        kept, new = [], []
        for k, ax in enumerate(node.axes):
            if ax is None:
                new.append(k)
                continue
            src, start, step = ax
            start, n = evaluate(start, self.env), evaluate(node.shape[k], self.env)
            stop = start + step * n
            idx[src] = slice(start, stop if stop >= 0 else None, step)
            kept.append(src)
        out = a[tuple(idx)]
        order = sorted(kept)
        if kept != order:
            out = out.transpose([order.index(s) for s in kept])
        for k in new:
            out = self.da.expand_dims(out, k) if isinstance(out, self.da.Array) else np.expand_dims(out, k)
        return out

    # ---- regions: elementwise over the chunks, compiled per block ----------------------------------
    def kernel_graph(self, roots, outputs_of, local=frozenset()):
        """(Graph computing ``outputs_of(*roots')`` from the arguments and the regions' leaves,
        the leaves' values): roots' are the regions with each value they read that is not split
        in chunks (a reduced value, a size) replaced by an extra parameter, except the nodes
        ``local`` names (by id): those a block computes itself (its own mean, its size)."""
        leaves, memo = [], {}
        n = len(self.graph.params)
        used = set()

        def sub(node):
            if node in memo:
                return memo[node]
            if node in local:
                out = dataclasses.replace(node, arg=sub(node.arg)) if isinstance(node, (Reduce, View)) else \
                    dataclasses.replace(node, args=tuple(sub(a) for a in node.args)) \
                    if isinstance(node, Elementwise) else node
            elif isinstance(node, Param) and self.chunked(node):
                used.add(node.index)
                out = node
            elif isinstance(node, (ScalarParam, Const)) or (isinstance(node, Param)):
                if isinstance(node, (ScalarParam, Param)):
                    used.add(node.index)
                out = node
            elif not self.chunked(node):
                k = n + len(leaves)
                leaves.append(self.value(node))
                if node.ndim == 0 and node.weak:
                    out = ScalarParam(index=k, name=f"g{k}", dtype=node.dtype, weak=True)
                else:
                    out = Param(index=k, name=f"g{k}", dtype=node.dtype, shape=node.shape)
            elif isinstance(node, Elementwise):
                out = dataclasses.replace(node, args=tuple(sub(a) for a in node.args))
            elif isinstance(node, Broadcast) and not node.arg.ndim:
                out = dataclasses.replace(node, arg=sub(node.arg))
            else:
                raise NotLocal(f"{type(node).__name__.lower()} of a chunked array inside a reduction's argument")
            memo[node] = out
            return out
        bodies = tuple(sub(r) for r in roots)
        params = tuple(p if p is not None and p.index in used else None for p in self.graph.params)
        extra = tuple(memo[k] for k in memo if isinstance(memo[k], (Param, ScalarParam)) and memo[k].index >= n)
        extra = tuple(sorted(set(extra), key=lambda p: p.index))
        outputs = outputs_of(*bodies)
        graph = Graph(params=params + extra, outputs=outputs, output_kind="single" if len(outputs) == 1 else "tuple",
                      function=self.name, where=self.graph.where)
        return graph, tuple(self.values[p.index] if p is not None else None for p in params) + tuple(leaves)

    def blockwise(self, kernel, ndim, args, reduced=(), dtype=None):
        da = self.da
        pairs = []
        for v in args:
            ind = LETTERS[:ndim][ndim - v.ndim:] if isinstance(v, da.Array) else None
            pairs += [v, ind]
        adjust = {LETTERS[a]: 1 for a in reduced}
        return da.blockwise(kernel, LETTERS[:ndim], *pairs, adjust_chunks=adjust or None,
                            meta=np.empty((0,) * ndim, dtype=dtype), concatenate=True)

    def region(self, node):
        if not self.chunked(node):
            return self.value(node)
        if isinstance(node, Param):
            return self.values[node.index]
        graph, args = self.kernel_graph((node,), lambda body: (body,))
        self.notes.append(f"region {node.dtype}{list(node.shape)}: one compiled kernel per block (blockwise)")
        return self.blockwise(GraphKernel(graph, f"{self.name} region"), node.ndim, args, dtype=node.dtype)

    def reduce(self, node):
        da = self.da
        group = self.groups.get(node)
        if group is not None:           # every reduction of its pass at once (fused.py)
            self.memo.update(fused_results(self, group))
            return self.memo[node]
        dask_name = REDUCTIONS[node.op].dask if node.op in REDUCTIONS else None
        if node.op in (Op.ARGMAX, Op.ARGMIN):
            a = self.region(node.arg)
            axis = None if len(node.axes) == node.arg.ndim and node.arg.ndim != 1 else node.axes[0]
            self.notes.append(f"{node.op.value} over axes {node.axes}: compiled region per block, then Dask's "
                              f"{dask_name}")
            return getattr(da, dask_name)(a, axis=axis if node.arg.ndim > 1 else 0)
        if dask_name is None:
            raise NotLocal(f"reduction {node.op.value}")
        if not self.chunked(node.arg):
            return getattr(da, dask_name)(self.value(node.arg), axis=node.axes, dtype=node.dtype) \
                if node.op in (Op.SUM, Op.PROD) else getattr(da, dask_name)(self.value(node.arg), axis=node.axes)
        ndim = node.arg.ndim
        graph, args = self.kernel_graph((node.arg,), lambda body: (dataclasses.replace(node, arg=body),))
        part = KeptParts(GraphKernel(graph, f"{self.name} {node.op.value} part"), node.axes)
        parts = self.blockwise(part, ndim, args, node.axes, node.dtype)
        syms = tuple(Sym(f"a0_d{d}") for d in range(ndim))
        p = Param(index=0, name="parts", dtype=node.dtype, shape=syms)
        kept = tuple(s for d, s in enumerate(syms) if d not in node.axes)
        combine = Graph(params=(p,), outputs=(Reduce(op=node.op, arg=p, axes=node.axes, keepdims=False,
                                                     dtype=node.dtype, shape=kept),),
                        meta={"function": f"{self.name} {node.op.value} combine"})
        merge = KeptParts(GraphKernel(combine, f"{self.name} {node.op.value} combine"), node.axes)
        self.notes.append(f"{node.op.value} over axes {node.axes} of a {node.arg.dtype}{list(node.arg.shape)} "
                          "region: compiled part per block fused with its producer (blockwise), compiled "
                          "combine (dask.array.reduction)")
        return da.reduction(parts, chunk=merge, aggregate=lambda x, axis, keepdims: merge(x, keepdims=keepdims),
                            combine=merge, axis=node.axes, keepdims=False, dtype=node.dtype, concatenate=True,
                            meta=np.empty((0,) * len(kept), dtype=node.dtype))


def _uncast(node):
    while isinstance(node, Elementwise) and node.op is Op.CAST:
        node = node.args[0]
    return node


def evaluate_graph(graph, values, name):
    """(lazy Dask results, plan notes) of a graph with reductions."""
    if graph.body:
        raise NotLocal("a reduction in a function with in-place writes or loops: split the function in two")
    ev = Evaluator(graph, values, name)
    return ev.run(), tuple(ev.notes)

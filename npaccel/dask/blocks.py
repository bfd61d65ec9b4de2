"""Dask graphs for blockwise and overlap plans: the accelerated function mapped over blocks
(with their halo), one Dask array per result."""
from __future__ import annotations

import operator

import numpy as np

from .kernels import FunctionBlocks

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def index_of(ndim, value) -> str | None:
    """The blockwise index of an argument of ``ndim`` dims in a result of ``ndim`` dims
    (right-aligned, as broadcasting aligns); None for a scalar or other value."""
    return LETTERS[:ndim][ndim - value.ndim:] if hasattr(value, "ndim") and hasattr(value, "chunks") else None


def map_function(fn, plan, values, outputs, written):
    """Dask arrays of ``fn``'s results over the blocks of ``values`` (Dask arrays where the
    call had arrays) for a blockwise or overlap ``plan``; ``outputs``: the result nodes."""
    import dask.array as da
    from dask.array import overlap as ov
    ndim = plan.ndim
    depth = {a: d for a, d in enumerate(plan.depth) if d}
    boundary = {a: plan.boundary[a] for a in depth}
    ref = next(v for v in values if isinstance(v, da.Array) and v.ndim == ndim and
               all(v.shape[a] > 1 or len(v.chunks[a]) == 1 for a in range(ndim)))
    args = []
    for v in values:
        ind = index_of(ndim, v)
        if ind is not None and depth:
            # same chunks as the reference where the axis is full, then each block's halo
            chunks = tuple(ref.chunks[ndim - v.ndim + k] if v.shape[k] == ref.shape[ndim - v.ndim + k] else c
                           for k, c in enumerate(v.chunks))
            v = v.rechunk(chunks)
            mine = {k: depth[ndim - v.ndim + k] for k in range(v.ndim)
                    if ndim - v.ndim + k in depth and v.shape[k] == ref.shape[ndim - v.ndim + k]}
            if mine:
                v = ov.overlap(v, depth={k: mine.get(k, 0) for k in range(v.ndim)},
                               boundary={k: boundary.get(ndim - v.ndim + k, "none") for k in range(v.ndim)})
        args += [v, ind]
    nout = len(outputs)
    call = FunctionBlocks(fn, written, nout)
    metas = [np.empty((0,) * ndim, dtype=node.dtype) for node in outputs]
    name = f"npaccel-{fn.__name__}"
    if nout == 1:
        results = [da.blockwise(call, LETTERS[:ndim], *args, meta=metas[0], concatenate=True, name=None,
                                token=name)]
    else:
        blocks = da.blockwise(call, LETTERS[:ndim], *args, meta=np.empty((0,) * ndim, dtype=object),
                              concatenate=True, token=name)
        results = [blocks.map_blocks(operator.getitem, k, meta=metas[k], token=f"{name}-{k}") for k in range(nout)]
    if depth:
        results = [ov.trim_internal(r, {a: depth.get(a, 0) for a in range(ndim)},
                                    boundary={a: boundary.get(a, "none") for a in range(ndim)}) for r in results]
    return results

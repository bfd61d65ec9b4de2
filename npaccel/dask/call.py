"""A call with Dask array arguments: lower the function for one chunk's signature, plan,
build the lazy Dask arrays (or show the plan, for explain())."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import UnsupportedError, internal_errors
from ..frontend.function_graph import lower_function
from ..ir.signature import ArraySpec, describe, spec_of
from .checks import raise_numpy_errors, size_env
from .locality import NotLocal
from .plan import HINT, DaskPlan, Unplannable, needs_reduction, plan_local


def _arrays(values):
    """The call's values with every NumPy array and Dask array as a Dask array."""
    import dask.array as da
    out = []
    for v in values:
        if isinstance(v, np.ndarray):
            v = da.from_array(v, chunks=v.shape or ())
        if isinstance(v, da.Array) and any(np.isnan(c) for cs in v.chunks for c in cs):
            raise Unplannable("a Dask array with unknown chunk sizes: call x.compute_chunk_sizes() first")
        out.append(v)
    return tuple(out)


def chunk_signature(values) -> tuple:
    """The signature the function is lowered for: each array C-contiguous with its own size-1 dims."""
    import dask.array as da
    return tuple(ArraySpec(v.dtype, tuple(s == 1 for s in v.shape), True, 0) if isinstance(v, da.Array)
                 else spec_of(v) for v in values)


def _lowered(acc, key):
    fn = acc._fn
    code = getattr(fn, "__code__", None)
    where = code and f"{code.co_filename}:{code.co_firstlineno}"
    try:
        with internal_errors("lowering for Dask", where):
            graph, checks, pending = lower_function(fn, key)
    except UnsupportedError as exc:
        raise Unplannable(f"the function does not compile for chunks of this signature ({exc.construct})",
                          exc.where or where, HINT) from exc
    return graph, checks, pending, where


def numpy_error(lowered, values):
    """What NumPy raises for this call (an axis out of range, a reduction of an empty array,
    shapes that do not broadcast, ...), found from the whole arrays' sizes; None if nothing."""
    graph, checks, pending, _ = lowered
    if pending is not None:
        return pending
    try:
        raise_numpy_errors(checks, size_env(graph, values), values)
    except (ValueError, IndexError, OverflowError, TypeError) as exc:
        return exc
    return None


def _plan(acc, values, lowered):
    import dask.array as da
    key = chunk_signature(values)
    graph, _, _, where = lowered
    arrays = [v for v in values if isinstance(v, da.Array)]
    ndim = max(v.ndim for v in arrays)
    chunks = _chunks_by_axis(arrays, ndim)
    name = acc.__qualname__
    try:
        if needs_reduction(graph):
            from .reductions import evaluate_graph
            results, notes = evaluate_graph(graph, values, name)
            return DaskPlan("reduction", name, describe(key), ndim, notes=notes), (graph, results)
        return plan_local(graph, values, ndim, chunks, name, describe(key)), graph
    except NotLocal as exc:
        from .where import statement_of
        raise Unplannable(f"cannot split over chunks: {exc.construct}",
                          statement_of(acc._fn, key, values, ndim, exc) or exc.where or where, HINT) from None


def _chunks_by_axis(arrays, ndim):
    """Per axis of the result, the chunks of the first array that spans it (right-aligned)."""
    out = []
    for axis in range(ndim):
        found = ((1,),)
        for v in arrays:
            k = axis - (ndim - v.ndim)
            if k >= 0 and v.shape[k] != 1:
                found = (v.chunks[k],)
                break
        out.append(found[0])
    return tuple(out)


def call_on_dask(acc, values):
    """Lazy Dask arrays of ``acc``'s results for a call with Dask array arguments."""
    from ..runtime.marshal import written_params
    values = _arrays(values)
    lowered = _lowered(acc, chunk_signature(values))
    error = numpy_error(lowered, values)
    if error is not None:
        raise error
    plan, graph = _plan(acc, values, lowered)
    if plan.kind == "reduction":
        graph, results = graph
    else:
        if graph.output_kind == "none":
            if written_params(graph):
                raise Unplannable("the function writes its argument in place and returns nothing: Dask arrays "
                                  "cannot be written; return the array instead", graph.where)
            return None
        from .blocks import map_function
        if plan.steps:                # a time loop in groups of steps: one call (one exchange) per group
            state, steps, groups = plan.steps[0], plan.steps[1], plan.steps[2:]
            current, reach = values[state], tuple(d // groups[0] for d in plan.depth)
            for k in groups:
                args = tuple(current if i == state else k if i == steps else v for i, v in enumerate(values))
                group = dataclasses.replace(plan, depth=tuple(k * r for r in reach))
                current = map_function(acc, group, args, graph.outputs, written_params(graph))[0]
            results = [current]
        else:
            results = map_function(acc, plan, values, graph.outputs, written_params(graph))
    if graph.output_kind == "single":
        return results[0]
    return tuple(results) if graph.output_kind == "tuple" else None


def explain_dask(acc, values) -> str:
    """The Dask plan of this call, then npaccel's explain() of one chunk."""
    from ..api.explain import Explanation
    values = _arrays(values)
    try:
        lowered = _lowered(acc, chunk_signature(values))
    except Unplannable as exc:
        return Explanation(f"npaccel Dask plan for {acc.__qualname__}: none\n  {exc}")
    error = numpy_error(lowered, values)
    if error is not None:
        return Explanation(f"npaccel Dask plan for {acc.__qualname__}: none\n  NumPy raises "
                           f"{type(error).__name__} for these arguments: {error}")
    try:
        plan, _ = _plan(acc, values, lowered)
    except Unplannable as exc:
        return Explanation(f"npaccel Dask plan for {acc.__qualname__}: none\n  {exc}")
    text = plan.text()
    if plan.kind != "reduction":
        import dask.array as da
        block = tuple(np.ones(tuple(c[0] for c in v.chunks), v.dtype) if isinstance(v, da.Array) else v
                      for v in values)
        text += "\n\n== one block ==\n" + acc.explain(*block)
    return Explanation(text)



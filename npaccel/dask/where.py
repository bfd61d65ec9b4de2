"""Which statement of the function a plan error is about: the first top-level statement
with which the function's beginning can no longer be split over chunks for the same reason."""
from __future__ import annotations

import inspect

from ..errors import UnsupportedError
from ..frontend.bindings import assigned_names
from ..frontend.function_graph import SegmentStop, lower_statements
from ..frontend.source import function_source
from .locality import NotLocal, _Analysis


def statement_of(fn, key, values, ndim, error) -> str | None:
    """"file:line" of that statement, or None where no prefix shows the error's reason."""
    src = function_source(fn)
    names = list(inspect.signature(fn).parameters)
    stmts = src.tree.body
    for end in range(1, len(stmts) + 1):
        live = sorted(set(assigned_names(stmts[:end])))
        try:
            graph = lower_statements(fn, names, key, stmts[:end], live_out=live)[0]
        except (UnsupportedError, SegmentStop):
            continue
        an = _Analysis(graph, values, ndim)
        try:
            an.run(graph.body)
            an.memo = {}
            for out in graph.outputs:
                an.access(out)
        except NotLocal as exc:
            if exc.construct == error.construct:
                return src.where(stmts[end - 1])
    return None

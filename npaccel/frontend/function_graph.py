"""The frontend's entry points: a function (or some of its statements, a segment) and an
argument signature -> (Graph, run-time checks, pending error), by running the statements
through a FunctionLowerer (lower.py) and collecting what they left: the returned values or
the names a segment hands on, the program statements, the arguments written.
"""
from __future__ import annotations

import inspect

import numpy as np

from ..errors import UnsupportedError, internal_errors
from ..ir.nodes import ArrayVar, Const, Elementwise, Graph, Node, Param, ScalarParam, StaticArg, Storage, View
from ..ir.ops import Op
from ..ir.signature import ArraySpec, ScalarSpec, StaticSpec
from . import infer
from .bindings import view_root
from .lower import FunctionLowerer, FunctionReturn, Lowering
from .read_only import read_only_source
from .calls import load_handlers
from . import masks
from .source import function_source
from .semantics import (Unavailable, UnsupportedArgument, PredictedError, UserError, is_plain_static, kind_name,
                        kind_of, is_value)


def _cannot_rerun(lw, where):
    """An UnsupportedError where the program has a check only a rerun in Python answers
    (ir/checks.py RerunOnly) and writes an argument (after which it cannot rerun)."""
    if lw.rerun_only and lw.written_params:
        return UnsupportedError(f"{lw.rerun_only} in a function that writes its arguments (only a rerun in Python "
                                "gives NumPy's answer there)", where)
    return None


def _big_int_power(lw, stmts, src, live_out):
    """A run-time power of Python ints (``Op.PY_POW``: past 64 bits only Python has it) in a
    function that writes an argument (which could not rerun then): the statement holding the
    power runs in Python (SegmentStop), the others compile."""
    if lw.power_at is None or not lw.written_params:
        return
    at = lw.power_at if live_out is not None else 0
    error = UnsupportedError("a power of Python ints known only at run time, in a function that writes its "
                             "arguments (past 64 bits only Python has the answer, and the call could not rerun)",
                             src.where(stmts[lw.power_at]) if live_out is not None else src.where(src.tree))
    if live_out is None:
        raise error
    raise SegmentStop(at, error)


class SegmentStop(Exception):
    """A top-level statement of a segment cannot be compiled (see api/segments.py)."""

    def __init__(self, index, error):
        super().__init__(str(error))
        self.index, self.error = index, error


def lower_function(fn, signature, arg_names=None) -> tuple:
    """(Graph, checks, pending_error) for ``fn`` specialised on ``signature``."""
    src = function_source(fn)
    params = inspect.signature(fn).parameters     # *args is a tuple, **kwargs a dict: not compiled
    return lower_statements(fn, list(params), signature, src.tree.body)


def lower_statements(fn, names, signature, stmts, live_out=None, unavailable=()) -> tuple:
    """(Graph, checks, pending_error) for the statements ``stmts`` of ``fn`` with ``names``
    bound to arguments of ``signature``.

    ``live_out=None``: the whole body; the outputs are what it returns. Otherwise a segment
    (api/segments.py): the outputs are the values of the ``live_out`` names after the last
    statement, or what a ``return`` among them returns (``graph.returned``); a statement
    that cannot compile raises ``SegmentStop`` with its index. ``unavailable`` names values
    that compiled code cannot take (reading one stops the segment).
    """
    load_handlers()
    src = function_source(fn)
    lw = Lowering()
    lowerer = FunctionLowerer(src, lw)
    lw.frames.append(lowerer)
    for name, type_name in unavailable:
        lowerer.env[name] = Unavailable(type_name)
    param_nodes = []
    for index, (name, spec) in enumerate(zip(names, signature)):
        if isinstance(spec, ArraySpec):
            node = Param(index=index, name=name, dtype=spec.dtype, shape=infer.array_dims(index, spec.ones, spec.last),
                         contiguous=spec.contiguous)
        elif isinstance(spec, ScalarSpec):
            node = ScalarParam(index=index, name=name, dtype=spec.dtype, weak=spec.weak)
        elif isinstance(spec, StaticSpec):       # a constant of this signature
            node = lw.intern(StaticArg(index=index, name=name, value=spec.value, dtype=np.dtype(object)))
            lowerer.env[name] = spec.value
            param_nodes.append(node)
            continue
        else:
            raise UnsupportedArgument(f"argument '{name}' of type {spec.type_name}", src.where(src.tree))
        node = lw.intern(node)
        lowerer.env[name] = node
        param_nodes.append(node)
    pending, returned, result, current = None, live_out is None, None, 0
    assigned_at = {}        # name -> index of the statement that last bound it (segments)
    deleted = set()         # names a segment's 'del' unbound
    folded = []             # per statement of a segment: nothing to run (explain)
    try:
        if live_out is None:
            with internal_errors("lowering", lambda: src.where(lowerer.current), (FunctionReturn, UserError)):
                result = lowerer.run_body(stmts)
        else:
            for current, stmt in enumerate(stmts):
                lw.statement_index = current
                before = {k: id(v) for k, v in lowerer.env.items()}
                emitted = len(lw.block)
                try:
                    with internal_errors("lowering", lambda: src.where(stmt), (FunctionReturn, UserError)):
                        lowerer.stmt(stmt)
                except UnsupportedError as exc:
                    raise SegmentStop(current, exc) from None
                except UserError as err:
                    # Python runs the statement: its own error, or (if the prediction was
                    # npaccel's mistake) its result
                    raise SegmentStop(current, PredictedError(err.original, src.where(stmt))) from None
                stop = _cannot_rerun(lw, src.where(stmt))
                if stop:
                    raise SegmentStop(current, stop)
                _big_int_power(lw, stmts, src, live_out)
                for k, v in lowerer.env.items():
                    if before.get(k) != id(v):
                        assigned_at[k] = current
                deleted.update(before.keys() - lowerer.env.keys())
                # explain(): did it compile to code, or fold into values known when compiling?
                folded.append(len(lw.block) == emitted and not any(
                    isinstance(v, Node) and not isinstance(v, Const) and before.get(k) != id(v)
                    for k, v in lowerer.env.items()))
    except FunctionReturn as ret:
        result, returned = ret.value, True
        folded.append(not isinstance(ret.value, Node) or isinstance(ret.value, Const))
    except UserError as err:
        pending = err.original
    _big_int_power(lw, stmts, src, live_out)
    stop = _cannot_rerun(lw, src.where(stmts[current] if live_out is not None else src.tree))
    if stop:
        if live_out is not None:
            raise SegmentStop(current, stop)
        raise stop
    lw.checks[:] = list(dict.fromkeys(lw.checks))      # probing a loop body twice records checks twice
    info = {"names": dict(lowerer.env), "function": fn.__qualname__, "where": src.where(src.tree),
            "written_params": tuple(sorted(lw.written_params)), "returned": returned}
    if pending is not None:
        # statements before the error still run (they may write arguments), then it raises
        return Graph(params=tuple(param_nodes), outputs=(), output_kind="none", **info,
                     body=tuple(lw.block)), lw.checks, pending
    if not returned:
        # a segment: the names later statements read, computed values first
        bound = [n for n in live_out if n in lowerer.env]
        for n in bound:
            v = lowerer.env[n]
            if isinstance(v, View) or (type(v).__name__ in ("Reshape", "Broadcast") and
                                       isinstance(view_root(v.arg), (Param, Storage, ArrayVar))) or \
                    (isinstance(v, Elementwise) and v.op in (Op.REAL, Op.IMAG) and v.ndim and
                     isinstance(view_root(v.args[0]), (Param, Storage, ArrayVar))):     # z.real: a view
                # a view handed on to a statement run in Python must be a real NumPy view
                # (writes through it reach the array): the statement making it runs in Python
                raise SegmentStop(assigned_at.get(n, 0), UnsupportedError(
                    f"a view '{n}' used by a statement that runs in Python", src.where(stmts[assigned_at.get(n, 0)])))
            who = read_only_source(lowerer, v) if isinstance(v, Node) else None
            if who is not None:     # NumPy's read-only view: only Python makes one
                raise SegmentStop(assigned_at.get(n, 0), UnsupportedError(
                    f"a read-only view '{n}' ({who}) used by a statement that runs in Python",
                    src.where(stmts[assigned_at.get(n, 0)])))
        # names the segment did not rebind keep the values the caller has; the others are
        # computed values or plain immutable Python values (a list, a tuple of arrays, a
        # placeholder: the statement making it runs in Python instead)
        bound = [n for n in bound if n in assigned_at]
        for n in bound:     # a selection (np.unique, ...) Python code reads: an array
            if masks.is_data_sized(lowerer.env[n]):
                lowerer.env[n] = masks.as_result(lowerer, lowerer.env[n])
        for n in bound:
            v = lowerer.env[n]
            if not is_value(v) and not is_plain_static(v):
                raise SegmentStop(assigned_at[n], UnsupportedError(
                    f"a {kind_of(v)} '{n}' used by a statement that runs in Python", src.where(stmts[assigned_at[n]])))
        static = {n: lowerer.env[n] for n in bound if not is_value(lowerer.env[n])}
        info["segment_names"] = tuple(n for n in bound if n not in static)
        info["deleted"] = tuple(sorted(deleted - lowerer.env.keys()))
        info["static_out"] = static
        result = tuple(lowerer.env[n] for n in info["segment_names"])
    info["folded"] = tuple(folded)
    if isinstance(result, tuple) and type(result) is not tuple:     # np.linalg.eigh's EighResult, ...
        raise UnsupportedError(f"returning a {type(result).__name__} (a named tuple)",
                               src.where(stmts[current] if stmts else src.tree))
    if isinstance(result, tuple):
        outputs, kind = result, "tuple"
    elif result is None:
        outputs, kind = (), "none"
    else:
        outputs, kind = (result,), "single"
    out_nodes = []
    for value in outputs:
        if masks.is_data_sized(value):      # a selection (np.unique, ...) returned: an array
            value = masks.as_result(lowerer, value)
        if is_value(value):
            out_nodes.append(value if isinstance(value, Node) else lowerer.as_node(value))
        else:
            exc = UnsupportedError(f"returning a {kind_name(value)}", src.where(stmts[current] if stmts else src.tree))
            if live_out is not None:
                raise SegmentStop(current, exc)
            raise exc
    read_only = tuple(i for i, v in enumerate(out_nodes) if read_only_source(lowerer, v) is not None)
    graph = Graph(params=tuple(param_nodes), outputs=tuple(out_nodes), output_kind=kind, **info,
                  body=tuple(lw.block), read_only_outputs=read_only)
    return graph, lw.checks, None

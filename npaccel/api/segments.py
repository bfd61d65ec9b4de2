"""Per-statement fallback: a function that does not compile whole runs as compiled
segments of consecutive top-level statements, and each statement that cannot compile runs
in Python between them, on the values the segments computed.

A segment starting at statement ``i`` is lowered for the names it reads (their current
values give its signature) and ends before the first statement it cannot compile; its
outputs are the names later statements read. Segments and Python statements are built on
first use and kept per (start, signature). A statement runs in Python as the body of a
small function compiled from its own source (real file and line numbers in tracebacks), so
``return``, loops and comprehensions behave as in the original function.
"""
from __future__ import annotations

import ast
import inspect
import types

import gast

from ..errors import InternalError, RerunInPython, UnsupportedError, internal_errors
from ..frontend.bindings import assigned_names, read_names
from ..frontend.semantics import PredictedError
from ..frontend.function_graph import SegmentStop, lower_statements
from ..ir.signature import OtherSpec, spec_of
from ..frontend.source import function_source

_DONE = object()        # marks "the statement finished without returning"


class Segment:
    def __init__(self, end, call, returned, names, static, deleted=()):
        self.end, self.call, self.returned, self.names, self.static = end, call, returned, names, static
        self.deleted = deleted


class SegmentedFunction:
    """Runs ``fn`` statement by statement: compiled where it can, Python where it cannot.

    ``on_python(index, reason)`` is told each time a statement runs in Python;
    ``build(signature, lowered, part)`` turns a lowered segment into its call (``part``: its
    first statement's index and its lines, see ``part``).
    """

    def __init__(self, fn, build, on_python):
        self.fn, self.build, self.on_python = fn, build, on_python
        self.src = function_source(fn)
        self.stmts = self.src.tree.body
        self.params = list(inspect.signature(fn).parameters)
        self.segments = {}        # (start, names, signature) -> Segment | ("python", reason)
        self.python = {}          # (index, names) -> function running that statement
        self.reads_after = [sorted(read_names(self.stmts[i:])) for i in range(len(self.stmts) + 1)]
        self.locals = set(assigned_names(self.stmts)) | set(self.params)

    def __call__(self, args):
        env = dict(zip(self.params, args))
        i = 0
        while i < len(self.stmts):
            step = self.segment(i, env)
            if isinstance(step, tuple):
                reason = step[1]
                predicted = isinstance(reason, PredictedError)
                if not predicted:
                    self.on_python(i, reason)
                result = self.run_python(i, env)       # raises the predicted error, if right
                if predicted:      # it did not raise: the prediction was npaccel's mistake
                    self.on_python(i, InternalError("lowering", reason.original, reason.where))
                if result is not _DONE:
                    return result
                i += 1
                continue
            try:
                values = step.call(tuple(env[n] for n in step.key_names))
            except RerunInPython:
                # nothing was written, and Python's result or error differs from what the
                # compiled code would give (api/../runtime/marshal.py): Python runs the statements
                for j in range(i, step.end):
                    result = self.run_python(j, env)
                    if result is not _DONE:
                        return result
                i = step.end
                continue
            if step.returned:
                return values
            env.update(zip(step.names, values))
            env.update(step.static)
            for name in step.deleted:
                env.pop(name, None)
            i = step.end
        return None

    # ---- compiled segments ----------------------------------------------------------------
    def segment(self, i, env):
        names = tuple(n for n in self.reads_after[i] if n in env)
        specs = tuple(spec_of(env[n]) for n in names)
        key = (i, names, specs)
        found = self.segments.get(key)
        if found is None:
            found = self.segments[key] = self.make_segment(i, names, specs)
        return found

    def make_segment(self, i, names, specs):
        usable = [(n, s) for n, s in zip(names, specs) if not isinstance(s, OtherSpec)]
        unavailable = tuple((n, s.type_name) for n, s in zip(names, specs) if isinstance(s, OtherSpec))
        arg_names = tuple(n for n, _ in usable)
        signature = tuple(s for _, s in usable)
        end = len(self.stmts)
        while True:      # the longest run of statements from i that compiles
            try:
                with internal_errors("lowering", self.src.where(self.stmts[i]), passthrough=(SegmentStop,)):
                    lowered = lower_statements(self.fn, arg_names, signature, self.stmts[i:end],
                                               live_out=self.reads_after[end], unavailable=unavailable)
                break
            except SegmentStop as stop:
                if stop.index == 0:
                    return ("python", stop.error)
                end = i + stop.index
            except UnsupportedError as exc:
                return ("python", exc)
        graph = lowered[0]
        try:
            call = self.build(signature, lowered, self.part(i, end))
        except UnsupportedError as exc:
            return ("python", exc)
        seg = Segment(end, call, graph.returned, graph.segment_names,
                      graph.static_out, graph.deleted)
        seg.key_names = arg_names
        return seg

    def part(self, i, end) -> dict:
        """{"index": i, "lines": "first-last"}: statements [i, end) and their lines in the file."""
        first, last = self.stmts[i], self.stmts[end - 1]
        offset = self.src.first_line - 1
        last_line = (getattr(last, "end_lineno", None) or last.lineno) + offset
        lines = f"{first.lineno + offset}-{last_line}" if last_line != first.lineno + offset else str(last_line)
        return {"index": i, "lines": lines}

    # ---- statements run by Python ----------------------------------------------------------
    def run_python(self, i, env):
        stmt = self.stmts[i]
        deleted = {n.id for n in gast.walk(stmt) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Del)}
        names = tuple(sorted(n for n in (read_names([stmt]) | set(assigned_names([stmt])) | deleted) if n in env))
        fn = self.python.get((i, names))
        if fn is None:
            fn = self.python[(i, names)] = self.compile_statement(stmt, names)
        out = fn(env)
        if isinstance(out, tuple) and len(out) == 2 and out[0] is _DONE:
            values = out[1]
            for name in names:              # 'del name' in the statement
                if name not in values:
                    env.pop(name, None)
            env.update({k: v for k, v in values.items() if not k.startswith("__npaccel")})
            return _DONE
        return out

    def compile_statement(self, stmt, names):
        """def __npaccel_statement__(env, done, cells): <bind names>; <stmt>; return done, locals()
        with the function's own globals, so the statement sees exactly what it would."""
        cells = {}
        if self.fn.__closure__:
            for name, cell in zip(self.fn.__code__.co_freevars, self.fn.__closure__):
                try:
                    cells[name] = cell.cell_contents
                except ValueError:
                    pass
        free = sorted(n for n in read_names([stmt]) if n in cells and n not in names)
        # a local of the function that holds no value here: reading it raises Python's
        # UnboundLocalError (not a NameError), as in the function
        unbound = sorted((read_names([stmt]) & self.locals) - set(names) - set(free))
        body = gast.gast_to_ast(stmt)
        ast.increment_lineno(body, self.src.first_line - 1)
        for sub in ast.walk(body):     # gast may leave end positions unset
            if hasattr(sub, "lineno"):
                sub.end_lineno = max(getattr(sub, "end_lineno", None) or sub.lineno, sub.lineno)
                if sub.end_lineno == sub.lineno and (getattr(sub, "end_col_offset", None) or 0) < sub.col_offset:
                    sub.end_col_offset = sub.col_offset
        line = body.lineno
        binds = [ast.parse(f"{n} = __npaccel_env[{n!r}]").body[0] for n in names]
        binds += [ast.parse(f"{n} = __npaccel_cells[{n!r}]").body[0] for n in free]
        binds += [ast.parse(f"if False: {n} = None").body[0] for n in unbound]
        tail = ast.parse("return __npaccel_done, locals()").body[0]
        for node in binds + [tail]:
            for sub in ast.walk(node):
                if hasattr(sub, "lineno"):
                    sub.lineno = sub.end_lineno = line
                    sub.col_offset = sub.end_col_offset = 0
        args = [ast.arg(arg=a) for a in ("__npaccel_env", "__npaccel_done", "__npaccel_cells")]
        fdef = ast.FunctionDef(name="__npaccel_statement__",
                               args=ast.arguments(posonlyargs=[], args=args, vararg=None, kwonlyargs=[],
                                                  kw_defaults=[], kwarg=None, defaults=[]),
                               body=binds + [body, tail], decorator_list=[], returns=None, type_params=[],
                               lineno=line, col_offset=0, end_lineno=max(line, body.end_lineno), end_col_offset=0)
        module = ast.fix_missing_locations(ast.Module(body=[fdef], type_ignores=[]))
        code = next(c for c in compile(module, self.src.filename, "exec").co_consts if isinstance(c, types.CodeType))
        return types.FunctionType(code, self.fn.__globals__, "__npaccel_statement__", (_DONE, cells))

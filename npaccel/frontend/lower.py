"""Lower a Python function body to the deferred op graph by abstract interpretation.

The function's statements are walked once for one argument signature. Arrays become graph
nodes (nothing is computed); values fixed by the signature (ndim, dtype, sizes of 1,
constants, globals) are ordinary Python values, so static ``if``s and shape arithmetic
simply run. What cannot be compiled raises ``UnsupportedError`` naming file:line and the
construct; what NumPy itself would raise for this signature is kept as ``pending_error`` and
raised at call time, after the run-time checks recorded before it.
"""
from __future__ import annotations

import dataclasses
import types

import gast
import numpy as np

from ..errors import UnsupportedError, internal_errors
from ..ir.dims import shape_size
from ..ir.interner import Interner
from ..ir.nodes import (ArrayVar, MatMul, Const, DimValue, Elementwise, Graph, Node, Param,
                        ScalarParam, Storage, View)
from ..ir.ops import Op
from ..ir.signature import ArraySpec, ScalarSpec
from . import infer
from .bindings import view_root
from .control import ControlFlowLowering
from .invocations import CallLowering
from .node_builders import NodeBuilding
from .operations import OperatorLowering
from .subscripts import SubscriptLowering
from .calls import METHOD_HANDLERS, load_handlers
from .reads import note_read
from . import masks
from .source import function_source
from .operators import REDUCTIONS
from .semantics import (PY_SCALARS, Unavailable, ListValue, UnsupportedArgument, PredictedError, UserError,
                        numpy_semantics, BoundMethod, is_plain_static, is_internal, kind_name, kind_of,
                        is_value)


class _Return(Exception):
    def __init__(self, value):
        self.value = value


class Lowering:
    """State shared by the function and the helpers inlined into it."""

    def __init__(self):
        self.intern = Interner()
        from .loop_shapes import RunTimeChecks
        self.checks = RunTimeChecks(self)    # run-time checks, in program order
        self.depth = 0
        self.block = []              # program statements being emitted (ir/program.py)
        self.frames = []             # active FunctionLowerers, outermost first
        self.next_id = 0
        self.written_params = set()
        self.loop_depth = 0          # run-time loops around the statement being lowered
        self.loops = []              # their LoopFrames, innermost last
        self.control_depth = 0       # run-time loops and branches around it


class FunctionLowerer(ControlFlowLowering, SubscriptLowering, OperatorLowering, CallLowering, NodeBuilding):
    def __init__(self, src, lowering: Lowering):
        self.src = src
        self.state = lowering
        self.env = {}
        self.current = src.tree

    def intern(self, node):
        """``node``, or the equal node already in the graph (one node per distinct value)."""
        return self.state.intern(node)

    # ---- entry points -------------------------------------------------------------
    def unsupported(self, what, node=None):
        from .hints import hint_for
        return UnsupportedError(what, self.src.where(node if node is not None else self.current), hint_for(what))

    @staticmethod
    def spelling(node) -> str:
        """The source text of an expression, as the user wrote it (``np.linalg.solve``)."""
        import ast
        try:
            return ast.unparse(gast.gast_to_ast(node))
        except Exception:       # noqa: BLE001 - a label only: fall back to the node's kind
            return type(node).__name__

    def run_body(self, stmts=None):
        try:
            for stmt in self.src.tree.body if stmts is None else stmts:
                self.stmt(stmt)
        except _Return as ret:
            return ret.value
        return None

    # ---- statements ---------------------------------------------------------------
    def stmt(self, node):
        self.current = node
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(f"'{type(node).__name__.lower()}' statement", node)
        method(node)

    def stmt_Return(self, node):
        if self.state.control_depth:
            raise self.unsupported("'return' inside a compiled loop or run-time branch", node)
        raise _Return(None if node.value is None else self.expr(node.value))

    def stmt_Pass(self, node):
        pass

    def stmt_Delete(self, node):
        if self.state.control_depth or not all(isinstance(t, gast.Name) for t in node.targets):
            raise self.unsupported("'del' of an item or inside a run-time loop or branch", node)
        for t in node.targets:
            if t.id not in self.env:
                with numpy_semantics():
                    raise UnboundLocalError(f"cannot access local variable '{t.id}' where it is not "
                                            "associated with a value")
            del self.env[t.id]

    def stmt_Expr(self, node):
        if isinstance(node.value, gast.Constant):
            return  # docstring or bare constant
        self.expr(node.value)

    def stmt_Assign(self, node):
        value = self.expr(node.value)
        if not isinstance(node.value, (gast.Name, gast.Subscript, gast.Attribute, gast.Tuple, gast.List)):
            value = self.fresh_object(value)
        for target in node.targets:
            self.bind(target, value)

    def stmt_AnnAssign(self, node):
        if node.value is not None:
            self.bind(node.target, self.expr(node.value))

    def stmt_AugAssign(self, node):
        target = node.target
        if isinstance(target, gast.Subscript):
            return self.augassign_array(target, self.expr(node.value), type(node.op), node)
        if not isinstance(target, gast.Name):
            raise self.unsupported("augmented assignment to an attribute", node)
        old = self.lookup(target.id, target)
        rhs = self.expr(node.value)
        if isinstance(old, Node) and not old.weak and old.ndim:
            # in place on an array: writes through every alias, incl. the caller's array
            return self.augassign_array(target, rhs, type(node.op), node)
        self.env[target.id] = self.binop(type(node.op), old, rhs)

    def stmt_If(self, node):
        value = self.expr(node.test)
        from .scalars import EitherScalar
        if isinstance(value, EitherScalar):
            value = value.strong               # the truth is the same either way
        if isinstance(value, Node) and (value.ndim == 0 or value.weak):
            self.state.control_depth += 1
            try:
                return self.runtime_if(value, node)
            finally:
                self.state.control_depth -= 1
        cond = self.truth(value, node.test)
        for stmt in node.body if cond else node.orelse:
            self.stmt(stmt)

    def fresh_object(self, value):
        """A computed array is a new object: if an equal deferred value is already bound to a
        name, this one gets its own node so that writing one does not write the other."""
        if not isinstance(value, Node) or value.ndim == 0 or isinstance(value, (Param, Storage, ArrayVar)) \
                or isinstance(view_root(value), (Param, Storage, ArrayVar)):
            return value
        bound = {id(v) for f in self.state.frames for v in f.env.values()}
        return dataclasses.replace(value) if id(value) in bound else value

    def bind(self, target, value):
        if isinstance(target, gast.Name):
            self.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            items = self.unpack(value, len(target.elts), target)
            for t, v in zip(target.elts, items):
                self.bind(t, v)
        elif isinstance(target, gast.Subscript):
            self.assign_subscript(target, value)
        else:
            raise self.unsupported(f"assignment to {type(target).__name__.lower()}", target)

    def unpack(self, value, n, where):
        if isinstance(value, (tuple, list)):
            if len(value) != n:
                with numpy_semantics():
                    raise ValueError(f"cannot unpack {len(value)} values into {n} names")
            return list(value)
        raise self.unsupported("unpacking a value that is not a tuple", where)

    def truth(self, value, where):
        if is_internal(value) and not isinstance(value, (Node, ListValue)):
            raise self.unsupported("the truth of a value whose type is known only at run time", where)
        if isinstance(value, Node):
            if value.ndim == 0 or value.weak:
                raise self.unsupported("branch on a value computed at run time", where)
            with numpy_semantics():
                raise ValueError("The truth value of an array with more than one element is "
                                 "ambiguous. Use a.any() or a.all()")
        with numpy_semantics():
            return bool(value)

    # ---- expressions --------------------------------------------------------------
    def expr(self, node):
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(f"'{type(node).__name__}' expression", node)
        value = method(node)
        if self.state.loop_depth and isinstance(value, MatMul):
            # in a loop, a product is computed once where it is written, as NumPy does; left
            # deferred, every statement reading it would run the library call again
            value = self.materialise(value, "product", "matrix product, computed once per iteration")
        return value

    def expr_Constant(self, node):
        return node.value

    def expr_Name(self, node):
        return self.lookup(node.id, node)

    def lookup(self, name, node):
        if name in self.env:
            value = self.env[name]
            if isinstance(value, Unavailable):
                article = "an" if value.type_name[:1] in "aeiou" else "a"
                raise self.unsupported(f"'{name}' is {article} {value.type_name}, which compiled code does not take", node)
            return value
        found, value = self.src.lookup_global(name)
        if not found:
            with numpy_semantics():
                raise NameError(f"name '{name}' is not defined")
        return value

    def expr_Tuple(self, node):
        return tuple(self.expr(e) for e in node.elts)

    def expr_List(self, node):
        return ListValue(self.expr(e) for e in node.elts)

    def expr_IfExp(self, node):
        test = self.expr(node.test)
        if isinstance(test, Node) and (test.ndim == 0 or test.weak):
            # both branches are computed and one is selected: only if neither can raise
            checks, block = len(self.state.checks), len(self.state.block)
            try:
                a, b = self.as_node(self.expr(node.body), node), self.as_node(self.expr(node.orelse), node)
            except UserError:
                raise self.unsupported("a conditional expression one of whose branches raises", node) from None
            if len(self.state.checks) != checks or len(self.state.block) != block:
                raise self.unsupported("a conditional expression whose branches are checked at run time", node)
            if a.dtype != b.dtype or a.weak != b.weak or a.shape != b.shape:
                raise self.unsupported("a conditional expression whose branches differ in type", node)
            return self.intern(Elementwise(op=Op.WHERE, args=(self.runtime_condition(test, node), a, b),
                                              in_dtypes=(np.dtype(bool), a.dtype, a.dtype), dtype=a.dtype,
                                              shape=a.shape, weak=a.weak))
        cond = self.truth(test, node.test)
        return self.expr(node.body if cond else node.orelse)

    def expr_Attribute(self, node):
        base = self.expr(node.value)
        attr = node.attr
        if isinstance(base, Node):
            return self.array_attribute(base, attr, node)
        from .masks import MaskedSelection, attribute
        if isinstance(base, MaskedSelection):
            return attribute(self, base, attr, node)
        if isinstance(base, ListValue):
            raise self.unsupported(f"list method '.{attr}'", node)
        if isinstance(base, types.ModuleType) or isinstance(base, PY_SCALARS + (tuple, np.generic, np.dtype, np.ufunc)) or \
                (isinstance(base, np.ndarray) and base.ndim == 0):      # a constant: np.asarray(2).round
            with numpy_semantics():
                value = getattr(base, attr)
            if isinstance(base, types.ModuleType):     # mymod.CONST: for the warm index (frontend/reads.py)
                note_read(base, "attr", attr, True, value)
            return value
        raise self.unsupported(f"attribute '{attr}' of {type(base).__name__}", node)

    def array_attribute(self, base, attr, node):
        if attr == "shape":
            return tuple(self.dim_value(d) for d in base.shape)
        if attr == "ndim":
            return base.ndim
        if attr == "dtype":
            return base.dtype
        if attr == "size":
            return self.dim_value(shape_size(base.shape))
        if (attr in REDUCTIONS and hasattr(np.ndarray, attr)) or attr in METHOD_HANDLERS or \
                attr in ("mean", "std", "var", "copy", "transpose"):     # (x.amax is NumPy's AttributeError)
            return BoundMethod(base, attr)
        if attr == "T":
            return self.transpose(base, None, node)
        if attr in ("real", "imag"):
            from .calls_complex import part
            return part(self, base, Op.REAL if attr == "real" else Op.IMAG)
        if base.ndim and not hasattr(np.ndarray, attr):
            with numpy_semantics():
                raise AttributeError(f"'numpy.ndarray' object has no attribute '{attr}'")
        raise self.unsupported(f"array attribute '.{attr}'", node)

    def python_values(self, *values, node=None):
        """Python is about to compute with ``values`` at compile time: none may be one of the
        lowering's own objects (else the construct is unsupported here: it runs in Python)."""
        for v in values:
            if is_internal(v):
                what = "a boolean-mask selection" if type(v).__name__ == "MaskedSelection" else \
                    f"'{v.type_name}' value" if isinstance(v, Unavailable) else "this value"
                raise self.unsupported(f"{what} used here", node)

    def dim_value(self, dim):
        if isinstance(dim, int):
            return dim
        return self.intern(DimValue(dim=dim, dtype=np.dtype(np.int64), weak=True))

class SegmentStop(Exception):
    """A top-level statement of a segment cannot be compiled (see api/segments.py)."""

    def __init__(self, index, error):
        super().__init__(str(error))
        self.index, self.error = index, error


def lower_function(fn, signature, arg_names=None) -> tuple:
    """(Graph, checks, pending_error) for ``fn`` specialised on ``signature``."""
    import inspect
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
            with internal_errors("lowering", lambda: src.where(lowerer.current), (_Return, UserError)):
                result = lowerer.run_body(stmts)
        else:
            for current, stmt in enumerate(stmts):
                before = {k: id(v) for k, v in lowerer.env.items()}
                emitted = len(lw.block)
                try:
                    with internal_errors("lowering", lambda: src.where(stmt), (_Return, UserError)):
                        lowerer.stmt(stmt)
                except UnsupportedError as exc:
                    raise SegmentStop(current, exc) from None
                except UserError as err:
                    # Python runs the statement: its own error, or (if the prediction was
                    # npaccel's mistake) its result
                    raise SegmentStop(current, PredictedError(err.original, src.where(stmt))) from None
                for k, v in lowerer.env.items():
                    if before.get(k) != id(v):
                        assigned_at[k] = current
                deleted.update(before.keys() - lowerer.env.keys())
                # explain(): did it compile to code, or fold into values known when compiling?
                folded.append(len(lw.block) == emitted and not any(
                    isinstance(v, Node) and not isinstance(v, Const) and before.get(k) != id(v)
                    for k, v in lowerer.env.items()))
    except _Return as ret:
        result, returned = ret.value, True
        folded.append(not isinstance(ret.value, Node) or isinstance(ret.value, Const))
    except UserError as err:
        pending = err.original
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
    graph = Graph(params=tuple(param_nodes), outputs=tuple(out_nodes), output_kind=kind, **info,
                  body=tuple(lw.block))
    return graph, lw.checks, None

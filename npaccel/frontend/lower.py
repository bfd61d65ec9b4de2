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

from ..errors import UnsupportedError
from ..ir.dims import shape_size
from ..ir.interner import Interner
from ..ir.nodes import ArrayVar, MatMul, DimValue, Elementwise, Node, Param, Storage
from ..ir.ops import Op
from .bindings import view_root
from .control import ControlFlowLowering
from .invocations import CallLowering
from .node_builders import NodeBuilding
from .operations import OperatorLowering
from .subscripts import SubscriptLowering
from .calls import METHOD_HANDLERS
from .reads import note_read
from .simple_statements import SimpleStatementLowering
from .operators import REDUCTIONS
from .semantics import (PY_SCALARS, Unavailable, ListValue, UserError, numpy_semantics, BoundMethod, is_internal)


class FunctionReturn(Exception):
    """A ``return`` statement ran: unwinds the body to lower_statements (function_graph.py)."""

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
        self.rerun_only = ""         # what a Check only a rerun in Python answers is (RerunOnly)
        self.stored_last = (None, None)   # (value, buffer) of this statement's stores.ensure_stored
        self.var_dims = {}           # ArrayVar -> its dims a loop or branch changes (carried.py)
        self.mask_counts = {}        # mask -> C local of its count, in this statement (masks.stored)
        self.read_later = set()      # hidden names code the lowering wrote reads after its loops
        self.read_only = {}          # node -> the call whose read-only view it is (read_only.py)
        self.statement_index = 0     # the segment's top-level statement being lowered (function_graph.py)
        self.power_at = None         # the first of them with a run-time power of Python ints (Op.PY_POW)


class FunctionLowerer(ControlFlowLowering, SubscriptLowering, OperatorLowering, CallLowering, NodeBuilding,
                      SimpleStatementLowering):
    def __init__(self, src, lowering: Lowering):
        self.src = src
        self.state = lowering
        self.env = {}
        self.current = src.tree
        self.entry_depth = lowering.control_depth     # a helper inlined in a loop returns at its own top level

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
        except FunctionReturn as ret:
            return ret.value
        return None

    # ---- statements ---------------------------------------------------------------
    def stmt(self, node):
        self.current = node
        self.state.stored_last = (None, None)      # stores.restored: within one statement only
        self.state.mask_counts = {}                 # masks.stored: within one statement only
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(f"'{type(node).__name__.lower()}' statement", node)
        method(node)

    def stmt_Return(self, node):
        if self.state.control_depth > self.entry_depth:
            raise self.unsupported("'return' inside a compiled loop or run-time branch", node)
        raise FunctionReturn(None if node.value is None else self.expr(node.value))

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
        elif isinstance(target, gast.Attribute) and target.attr == "shape" and isinstance(target.value, gast.Name) \
                and isinstance(self.env.get(target.value.id), Node) and not self.env[target.value.id].weak:
            self.set_shape(target, value)
        else:
            raise self.unsupported(f"assignment to {type(target).__name__.lower()}", target)

    def set_shape(self, target, value):
        """``x.shape = s``: every name bound to that array object sees the new shape (views
        taken before keep theirs, as in NumPy)."""
        from .calls_shapes import set_shape
        old = self.env[target.value.id]
        new = set_shape(self, old, value, target)
        for f in self.frames():
            for name, v in list(f.env.items()):
                if v is old:
                    f.env[name] = new

    def unpack(self, value, n, where):
        """``a, b = value``: a tuple or list, or an array whose first dim is known when
        compiling (``i, j = np.mgrid[0:R, 0:R]``, ``x, y, z = pos.T``): its rows, as views."""
        if isinstance(value, Node) and not value.weak:
            if value.ndim == 0:
                with numpy_semantics():
                    raise TypeError("iteration over a 0-d array")
            if not isinstance(value.shape[0], int):
                raise self.unsupported("unpacking an array whose length is known only at run time", where)
            items = [self.basic_index(value, k, where) for k in range(min(value.shape[0], n))]
            count = value.shape[0]
        elif isinstance(value, (tuple, list)):
            items, count = list(value), len(value)
        else:
            raise self.unsupported("unpacking a value that is not a tuple", where)
        if count != n:
            with numpy_semantics():
                raise ValueError(f"too many values to unpack (expected {n})" if count > n else
                                 f"not enough values to unpack (expected {n}, got {count})")
        return items

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

    def expr_Dict(self, node):
        """A dict literal with keys known when compiling (np.pad's ``{axis: width}``)."""
        if any(k is None for k in node.keys):
            raise self.unsupported("'**' in a dict literal", node)
        keys = [self.expr(k) for k in node.keys]
        if any(isinstance(k, Node) for k in keys):
            raise self.unsupported("a dict literal with keys known only at run time", node)
        with numpy_semantics():
            return dict(zip(keys, (self.expr(v) for v in node.values)))

    def expr_List(self, node):
        return ListValue(self.expr(e) for e in node.elts)

    def expr_IfExp(self, node):
        test = self.expr(node.test)
        if isinstance(test, Node) and (test.ndim == 0 or test.weak):
            # both branches are computed and one is selected: only if neither can raise
            checks, block = len(self.state.checks), len(self.state.block)
            try:
                a, b = self.expr(node.body), self.expr(node.orelse)
                if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
                    # Python's value is that tuple or list, not an array of it
                    raise self.unsupported("a conditional expression choosing between sequences", node)
                a, b = self.as_node(a, node), self.as_node(b, node)
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
        if isinstance(base, np.ndarray) and base.dtype.kind in "biufc":       # a constant table (a global)
            if attr in ("fill", "sort", "put", "resize", "itemset", "setfield", "setflags", "partition", "byteswap"):
                raise self.unsupported(f"'.{attr}' of a constant array (a global, or np.array of constants: "
                                       "Python changes that object itself)", node)
            return self.array_attribute(self.as_node(base, node), attr, node)
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

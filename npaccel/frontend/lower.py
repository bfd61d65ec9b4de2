"""Lower a Python function body to the deferred op graph by abstract interpretation.

The function's statements are walked once for one argument signature. Arrays become graph
nodes (nothing is computed); values fixed by the signature (ndim, dtype, sizes of 1,
constants, globals) are ordinary Python values, so static ``if``s and shape arithmetic
simply run. What cannot be compiled raises ``UnsupportedError`` naming file:line and the
construct; what NumPy itself would raise for this signature is kept as ``pending_error`` and
raised at call time, after the run-time checks recorded before it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import operator
import types
import warnings

import gast
import numpy as np

from ..errors import UnsupportedError, internal_errors
from ..ir.dims import dim_add, dim_max, dim_mul, dim_sub, shape_size
from ..ir.nodes import (ArrayVar, MatMul, Const, DimValue, Elementwise, Graph, Interner, Node, Param, Reduce, ScalarParam,
                        Storage, View, is_ndarray)
from ..ir.ops import COMPLEX_OPS, UFUNC_OPS, Op
from ..passes import infer
from .control import ControlFlowLowering, view_root
from .calls import CALL_HANDLERS, METHOD_HANDLERS, load_handlers
from .indexing import expand_index, slice_bounds
from .signature import ArraySpec, ScalarSpec
from .reads import note_read
from . import masks
from .source import function_source

MAX_INLINE_DEPTH = 20

_BINOPS = {gast.Add: np.add, gast.Sub: np.subtract, gast.Mult: np.multiply,
           gast.Div: np.true_divide, gast.FloorDiv: np.floor_divide, gast.Mod: np.remainder,
           gast.Pow: np.power, gast.BitAnd: np.bitwise_and, gast.BitOr: np.bitwise_or,
           gast.BitXor: np.bitwise_xor, gast.LShift: np.left_shift, gast.RShift: np.right_shift}
_PYOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.BitAnd: operator.and_, gast.BitOr: operator.or_,
          gast.BitXor: operator.xor, gast.LShift: operator.lshift, gast.RShift: operator.rshift,
          gast.MatMult: operator.matmul}
_CMPOPS = {gast.Eq: np.equal, gast.NotEq: np.not_equal, gast.Lt: np.less, gast.LtE: np.less_equal,
           gast.Gt: np.greater, gast.GtE: np.greater_equal}
_PYCMP = {gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Lt: operator.lt, gast.LtE: operator.le,
          gast.Gt: operator.gt, gast.GtE: operator.ge, gast.Is: operator.is_,
          gast.IsNot: operator.is_not, gast.In: lambda a, b: a in b,
          gast.NotIn: lambda a, b: a not in b}
_UNARY = {gast.USub: np.negative, gast.UAdd: np.positive, gast.Invert: np.invert}
_PYUNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Invert: operator.invert,
            gast.Not: operator.not_}
_PY_SCALARS = (bool, int, float, complex)
_DIM_OPS = {gast.Add: dim_add, gast.Sub: dim_sub, gast.Mult: dim_mul}
_ZERO_DIVISION = (gast.Div, gast.FloorDiv, gast.Mod)
_PY_INT_OPS = {gast.Add: Op.PY_ADD, gast.Sub: Op.PY_SUB, gast.Mult: Op.PY_MUL}
_MATH_OVERFLOWS = {"exp", "expm1", "exp2", "cosh", "sinh", "pow", "hypot", "ldexp"}   # CPython's can_overflow


def _python_int(value) -> bool:
    """A Python int (not a bool), known now or at run time."""
    if isinstance(value, Node):
        return value.weak and value.ndim == 0 and value.dtype == np.int64
    return isinstance(value, int) and not isinstance(value, bool)


def _python_scalar(value) -> bool:
    """A Python bool/int/float/complex, known now or at run time (a weak 0-d value)."""
    if isinstance(value, Node):
        return value.weak and value.ndim == 0
    return isinstance(value, _PY_SCALARS)

# np.<name> and array methods that are reductions: (op, NumPy function for typing)
_REDUCTIONS = {"sum": Op.SUM, "prod": Op.PROD, "max": Op.MAX, "amax": Op.MAX, "min": Op.MIN,
               "amin": Op.MIN, "any": Op.ANY, "all": Op.ALL}
_BUILTIN_UFUNCS = {abs: np.absolute}


class Unavailable:
    """A name whose value (computed by a statement run in Python) compiled code cannot take."""

    def __init__(self, type_name):
        self.type_name = type_name


class ListValue(tuple):
    """A list display (``[a, b]``) while lowering: used like a tuple (sizes, indices), but
    never handed to Python code as one, and never mutated."""


class UnsupportedArgument(UnsupportedError):
    """An argument compiled code cannot take (a string, a list, an object): the function
    still compiles in segments around the statements that read it (api/segments.py)."""


class PredictedError(UnsupportedError):
    """A statement that raises under NumPy's rules for this signature: it runs in Python,
    which raises exactly its own error."""

    def __init__(self, original, where):
        super().__init__(f"raises {type(original).__name__}: {original}", where)
        self.original = original


class UserError(Exception):
    """What the user's code raises under NumPy's rules (kept, raised at call time)."""

    def __init__(self, original):
        super().__init__(str(original))
        self.original = original


@contextlib.contextmanager
def numpy_semantics():
    """Exceptions raised here are the user program's, not the compiler's."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    except UnsupportedError:
        raise
    except Exception as exc:  # NumPy's or Python's own error for this program
        raise UserError(exc) from None


class _Return(Exception):
    def __init__(self, value):
        self.value = value


class BoundMethod:
    def __init__(self, node, name):
        self.node, self.name = node, name


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


class FunctionLowerer(ControlFlowLowering):
    def __init__(self, src, lowering: Lowering):
        self.src = src
        self.lw = lowering
        self.env = {}
        self.current = src.tree

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
        if self.lw.control_depth:
            raise self.unsupported("'return' inside a compiled loop or run-time branch", node)
        raise _Return(None if node.value is None else self.expr(node.value))

    def stmt_Pass(self, node):
        pass

    def stmt_Delete(self, node):
        if self.lw.control_depth or not all(isinstance(t, gast.Name) for t in node.targets):
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
            self.lw.control_depth += 1
            try:
                return self.runtime_if(value, node)
            finally:
                self.lw.control_depth -= 1
        cond = self.truth(value, node.test)
        for stmt in node.body if cond else node.orelse:
            self.stmt(stmt)

    def fresh_object(self, value):
        """A computed array is a new object: if an equal deferred value is already bound to a
        name, this one gets its own node so that writing one does not write the other."""
        if not isinstance(value, Node) or value.ndim == 0 or isinstance(value, (Param, Storage, ArrayVar)) \
                or isinstance(view_root(value), (Param, Storage, ArrayVar)):
            return value
        bound = {id(v) for f in self.lw.frames for v in f.env.values()}
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
        if self.lw.loop_depth and isinstance(value, MatMul):
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
            checks, block = len(self.lw.checks), len(self.lw.block)
            try:
                a, b = self.as_node(self.expr(node.body), node), self.as_node(self.expr(node.orelse), node)
            except UserError:
                raise self.unsupported("a conditional expression one of whose branches raises", node) from None
            if len(self.lw.checks) != checks or len(self.lw.block) != block:
                raise self.unsupported("a conditional expression whose branches are checked at run time", node)
            if a.dtype != b.dtype or a.weak != b.weak or a.shape != b.shape:
                raise self.unsupported("a conditional expression whose branches differ in type", node)
            return self.lw.intern(Elementwise(op=Op.WHERE, args=(self.runtime_condition(test, node), a, b),
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
        if isinstance(base, types.ModuleType) or isinstance(base, _PY_SCALARS + (tuple, np.generic, np.dtype, np.ufunc)) or \
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
        if (attr in _REDUCTIONS and hasattr(np.ndarray, attr)) or attr in METHOD_HANDLERS or \
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
        return self.lw.intern(DimValue(dim=dim, dtype=np.dtype(np.int64), weak=True))

    def expr_Subscript(self, node):
        base = self.expr(node.value)
        index = self.expr(node.slice)
        if isinstance(base, Node):   # a list (x[[0, 2]], x[idx]) is an index array, not a tuple
            if isinstance(index, ListValue):
                index = list(index)
            elif isinstance(index, tuple):
                index = tuple(list(v) if isinstance(v, ListValue) else v for v in index)
        if isinstance(base, (tuple, list, str)) and not isinstance(index, Node):
            with numpy_semantics():
                return base[index]
        if isinstance(base, Node) and not base.weak:
            return self.basic_index(base, index, node)
        if masks.is_selection(base):
            raise self.unsupported("indexing a boolean-mask selection", node)
        if isinstance(base, np.lib._index_tricks_impl.nd_grid):     # np.mgrid[0:n, 0:m], np.ogrid
            from .calls_grids import grid_index
            return grid_index(self, base, index, node)
        raise self.unsupported("indexing a scalar", node)

    def basic_index(self, base, index, node):
        from .loop_shapes import is_runtime_bound, runtime_slice
        items = index if isinstance(index, tuple) else (index,)
        if len(items) == 1 and isinstance(items[0], Node) and items[0].ndim and items[0].dtype.kind == "b":
            from .masks import select          # x[mask]: only as the input of a reduction
            return select(self, base, items[0], node)
        if any((isinstance(i, Node) and i.ndim and not i.weak) or isinstance(i, (list, np.ndarray))
               for i in items):   # x[idx], x[[0, 2]]: a Gather
            from .calls_indexing import integer_array_index
            return integer_array_index(self, base, index, node)
        # sizes computed from shapes (n = x.shape[0] - 1) bound slices symbolically
        items = tuple(slice(*(self.slice_dim(p) for p in (i.start, i.stop, i.step)))
                      if isinstance(i, slice) else i for i in items)
        index = items if isinstance(index, tuple) else items[0]
        runtime = {}
        for k, i in enumerate(items):
            if isinstance(i, Node) and i.ndim == 0 and i.dtype.kind in "iu":
                runtime[k] = i          # an integer known at run time (a loop counter)
                continue
            if isinstance(i, Node) or isinstance(i, (list, np.ndarray)):
                raise self.unsupported("indexing with an array", node)
            if isinstance(i, slice) and any(is_runtime_bound(p) for p in (i.start, i.stop, i.step)):
                runtime[k] = i
                continue
            if not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))) or isinstance(i, bool):
                raise self.unsupported(f"indexing with a {type(i).__name__}", node)
        with numpy_semantics():
            items = expand_index(tuple(0 if k in runtime else i for k, i in enumerate(items)), base.ndim)
        # expand_index keeps positions of the explicit items; put the run-time ones back
        explicit = index if isinstance(index, tuple) else (index,)
        offset = 0
        for k, i in enumerate(explicit):
            if i is Ellipsis:
                offset = len(items) - len(explicit)
            elif k in runtime:
                items[k + offset] = runtime[k]
        axes, fixed, shape, d = [], [], [], 0
        for i in items:
            if isinstance(i, Node) or (isinstance(i, slice) and any(is_runtime_bound(p) for p in (i.start, i.stop, i.step))):
                n = base.shape[d]
                if isinstance(i, slice):
                    start, length, step = runtime_slice(self, i, n, node)
                    axes.append((d, start, step))
                    shape.append(length)
                else:
                    fixed.append((d, self.runtime_index(i, n)))
                d += 1
                continue
            if i is None:
                axes.append(None)
                shape.append(1)
                continue
            n = base.shape[d]
            if isinstance(i, slice):
                with numpy_semantics():
                    start, length = slice_bounds(i, n)
                axes.append((d, start, 1 if i.step is None else int(i.step)))
                shape.append(length)
            else:
                i = int(i)
                if isinstance(n, int):
                    if not -n <= i < n:
                        with numpy_semantics():
                            raise IndexError(f"index {i} is out of bounds for axis {d} with size {n}")
                    pos = i % n
                else:
                    self.lw.checks.append(infer.IndexInRange(i, n, d))
                    pos = dim_add(n, i) if i < 0 else i
                fixed.append((d, pos))
            d += 1
        if not shape and any(i is Ellipsis for i in explicit):
            # x[...] of a 0-d array is a 0-d array (a view), not the scalar x[()] gives
            raise self.unsupported("x[...] of a 0-d array", node)
        return self.lw.intern(View(arg=base, axes=tuple(axes), fixed=tuple(fixed), dtype=base.dtype,
                                   shape=tuple(shape)))

    def slice_dim(self, part):
        """A slice bound that is a size (x.shape[0] - 1, an int argument n) as a dim; one
        computed from an int argument may be negative or past the end: runtime_slice
        applies Python's rules to it at run time (frontend/loop_shapes.py)."""
        if isinstance(part, DimValue):
            return part.dim
        if isinstance(part, (ScalarParam, Elementwise)) and part.ndim == 0 and part.dtype.kind in "iu":
            from .array_build import to_dim
            try:
                dim = to_dim(self, part)
            except (UnsupportedError, UserError):
                return part
            if "//" in repr(dim) or " / " in repr(dim):
                # C's / truncates where Python's // floors: a negative one runs in Python
                guard = infer.NonNegativeGuard(dim)
                if guard not in self.lw.checks:
                    self.lw.checks.insert(0, guard)
            return dim
        return part

    def runtime_index(self, i, n):
        """A dim naming a C local that holds ``i`` checked against ``n`` (IndexError else)."""
        from ..ir.dims import Sym
        i64 = np.dtype(np.int64)
        checked = self.lw.intern(Elementwise(op=Op.CHECK_INDEX, args=(i, self.as_node(self.dim_value(n))),
                                             in_dtypes=(i64, i64), dtype=i64, shape=()))
        var = self.materialise(checked, "index")
        return Sym(f"sv{var.vid}")

    def transpose(self, base, order, node):
        order = tuple(reversed(range(base.ndim))) if order is None else order
        with numpy_semantics():
            if sorted(int(o) % max(base.ndim, 1) for o in order) != list(range(base.ndim)) or len(order) != base.ndim:
                raise ValueError("axes don't match array")
            order = tuple(int(o) % base.ndim for o in order)
        return self.lw.intern(View(arg=base, axes=tuple((o, 0, 1) for o in order), fixed=(),
                                   dtype=base.dtype, shape=tuple(base.shape[o] for o in order)))

    def expr_Slice(self, node):
        parts = [None if p is None else self.expr(p) for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def expr_BinOp(self, node):
        return self.binop(type(node.op), self.expr(node.left), self.expr(node.right), node)

    def expr_UnaryOp(self, node):
        operand = self.expr(node.operand)
        kind = type(node.op)
        from .scalars import EitherScalar
        if isinstance(operand, EitherScalar):
            if kind is not gast.Not:
                return self.ufunc(_UNARY[kind], (operand,), node)
            operand = operand.strong               # the truth is the same either way
        if masks.is_selection(operand) and kind is not gast.Not:
            return masks.elementwise(self, lambda a: self.ufunc(_UNARY[kind], (a,), node), (operand,), node)
        if kind is gast.Not and isinstance(operand, Node) and operand.ndim == 0:
            # Python's not of a value known at run time: a Python bool
            return self.lw.intern(Elementwise(op=Op.LOGICAL_NOT, args=(self.runtime_condition(operand, node),),
                                              in_dtypes=(np.dtype(bool),), dtype=np.dtype(bool), shape=(), weak=True))
        if not isinstance(operand, Node):
            self.python_values(operand, node=node)
            with numpy_semantics():
                return _PYUNARY[kind](operand)
        if kind is gast.Not:
            return self.truth(operand, node) is False
        return self.ufunc(_UNARY[kind], (operand,), node)

    def expr_Compare(self, node):
        left = self.expr(node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node)
            kind = type(op)
            from .scalars import has_either
            if isinstance(left, Node) or isinstance(right, Node) or has_either((left, right)) or \
                    masks.is_selection(left) or masks.is_selection(right):
                if kind not in _CMPOPS:
                    raise self.unsupported(f"'{kind.__name__}' comparison of arrays", node)
                if len(node.ops) > 1:
                    raise self.unsupported("chained comparison of arrays", node)
                return self.ufunc(_CMPOPS[kind], (left, right), node)
            self.python_values(left, right, node=node)
            with numpy_semantics():
                value = _PYCMP[kind](left, right)
            if not value:
                return value
            result, left = value, right
        return result

    def expr_BoolOp(self, node):
        value = None
        for k, operand in enumerate(node.values):
            value = self.expr(operand)
            if isinstance(value, Node) and value.ndim == 0:
                return self.runtime_bool_op(node, value, node.values[k + 1:])
            truth = self.truth(value, operand)
            if isinstance(node.op, gast.And) and not truth:
                return value
            if isinstance(node.op, gast.Or) and truth:
                return value
        return value

    def binop(self, kind, left, right, node=None):
        from .scalars import has_either, resolve
        if has_either((left, right)):
            return resolve(self, lambda a, b: self.binop(kind, a, b, node), (left, right), node)
        if (masks.is_selection(left) or masks.is_selection(right)) and kind is not gast.MatMult:
            return masks.elementwise(self, lambda a, b: self.binop(kind, a, b, node), (left, right), node)
        if kind in _DIM_OPS and all(isinstance(v, DimValue) or (isinstance(v, int) and not isinstance(v, bool))
                                    for v in (left, right)):
            # shape arithmetic stays symbolic: n - m + 1 can size an array or bound a slice
            dims = [v.dim if isinstance(v, DimValue) else v for v in (left, right)]
            return self.dim_value(_DIM_OPS[kind](*dims))
        if not isinstance(left, Node) and not isinstance(right, Node):
            if kind not in _PYOPS:
                raise self.unsupported(f"operator {kind.__name__}", node)
            self.python_values(left, right, node=node)
            if kind in (gast.Div, gast.FloorDiv, gast.Mod) and isinstance(right, _PY_SCALARS) and \
                    isinstance(left, _PY_SCALARS) and right == 0:
                with numpy_semantics():          # Python's ZeroDivisionError, at call time
                    return _PYOPS[kind](left, right)
            with numpy_semantics():
                return _PYOPS[kind](left, right)
        if kind is gast.MatMult:
            from .calls_linalg import matmul_value
            return matmul_value(self, left, right, node)
        if kind in _ZERO_DIVISION and _python_scalar(left) and _python_scalar(right):
            right = self.python_divisor(kind, left, right, node)
        if kind is gast.Pow and _python_int(left) and _python_int(right):
            return self.python_int_power(left, right, node)
        if kind in (gast.Pow, gast.LShift) and _python_scalar(left) and _python_scalar(right) and \
                any(isinstance(v, Node) and not isinstance(v, Const) for v in (left, right)):
            return self.python_power(kind, left, right, node)
        if kind is gast.Pow and isinstance(left, Node) and isinstance(right, (int, float)) \
                and not isinstance(right, bool) and (left.dtype.kind != "c" or is_ndarray(left)):
            # NumPy's own fast paths for array ** Python scalar (a complex NumPy scalar's
            # power is npy_cpow: its x ** 2 rounds each product, np.square fuses them)
            if right == 2 and (left.dtype.kind in "fc" or isinstance(right, int)):
                return self.ufunc(np.square, (left,), node)
            if left.dtype.kind in "fc" and right in (0.5, -1):
                return self.ufunc(np.sqrt if right == 0.5 else np.reciprocal, (left,), node)
        if kind in _PY_INT_OPS and _python_int(left) and _python_int(right) and \
                (isinstance(left, Node) and not isinstance(left, Const) or
                 isinstance(right, Node) and not isinstance(right, Const)):
            # Python ints do not wrap: past 64 bits the compiled code stops and Python runs
            i64 = np.dtype(np.int64)
            return self.lw.intern(Elementwise(op=_PY_INT_OPS[kind], args=(self.as_node(left), self.as_node(right)),
                                              in_dtypes=(i64, i64), dtype=i64, shape=(), weak=True))
        return self.ufunc(_BINOPS[kind], (left, right), node)

    def python_power(self, kind, base, exponent, node):
        """``**`` of Python floats known at run time, by C's pow as Python does, with its
        OverflowError; exponents that can give a complex number or ZeroDivisionError, and
        ``<<`` of Python ints (never wrapping in Python), run in Python."""
        k = exponent.value if isinstance(exponent, Const) else exponent
        size = isinstance(base, DimValue)       # never negative: no complex result (n ** -0.5)
        if kind is gast.LShift or isinstance(k, Node) or isinstance(k, complex) or \
                not (size or float(k).is_integer() and k >= 0) or (isinstance(base, Node) and base.dtype.kind == "c"):
            op = "<<" if kind is gast.LShift else "**"
            raise self.unsupported(f"'{op}' of Python numbers known only at run time", node)
        f8 = np.dtype(np.float64)
        b = self.cast_to(self.as_node(base, node), f8)
        value = self.lw.intern(Elementwise(op=Op.POWER, args=(b, self.as_node(float(k))), in_dtypes=(f8, f8),
                                           dtype=f8, shape=(), weak=True))
        return self.python_math(value, [b], True)

    def python_math(self, value, inputs, can_overflow):
        """``value`` computed from Python floats ``inputs`` in C, with Python's errors: nan
        from numbers is ValueError ("math domain error"), inf from finite numbers is
        OverflowError if the function can overflow, else ValueError."""
        f8 = np.dtype(np.float64)
        probe = inputs[0]
        for other in inputs[1:]:        # nan if any input is not finite: (a - a) + (b - b)
            zero = lambda v: self.lw.intern(Elementwise(op=Op.SUBTRACT, args=(v, v), in_dtypes=(f8, f8),  # noqa: E731
                                                        dtype=f8, shape=(), weak=True))
            probe = self.lw.intern(Elementwise(op=Op.ADD, args=(zero(probe), zero(other)), in_dtypes=(f8, f8),
                                               dtype=f8, shape=(), weak=True))
        return self.lw.intern(Elementwise(op=Op.PY_MATH, args=(value, probe, self.as_node(int(can_overflow))),
                                          in_dtypes=(f8, f8, np.dtype(np.int64)), dtype=f8, shape=(), weak=True))

    def python_int_power(self, base, exponent, node):
        """``base ** exponent`` of Python ints, one known only at run time: Python's exact
        int for a small constant exponent (checked products), else Python runs it (a
        negative exponent gives a float there, NumPy's int64 power an error)."""
        k = exponent.value if isinstance(exponent, Const) else exponent
        if isinstance(k, Node) or not 0 <= k <= 8:
            raise self.unsupported("'**' of Python ints known only at run time", node)
        value = 1
        for _ in range(k):
            value = base if value == 1 and not isinstance(value, Node) else self.binop(gast.Mult, value, base, node)
        return value

    def python_divisor(self, kind, left, right, node):
        """The divisor of ``left / right`` (``//``, ``%``) on Python scalars, with Python's
        ZeroDivisionError instead of NumPy's inf/0: raised now for a constant zero, at run
        time (in program order) for a value known only then."""
        sample = lambda v: v.value if isinstance(v, Const) else \
            {"b": True, "i": 1, "u": 1, "f": 1.0, "c": 1j}[v.dtype.kind] if isinstance(v, Node) else v  # noqa: E731
        if not isinstance(right, Node) or isinstance(right, Const):
            if sample(right) == 0:
                with numpy_semantics():
                    _PYOPS[kind](sample(left), sample(right))
            return right
        if right.dtype.kind == "c" or left.dtype.kind == "c" if isinstance(left, Node) else isinstance(left, complex):
            raise self.unsupported("division of complex Python scalars known at run time", node)
        floats = any((v.dtype.kind == "f") if isinstance(v, Node) else isinstance(v, float) for v in (left, right))
        code = (8, 9, 10)[(gast.Div, gast.FloorDiv, gast.Mod).index(kind)] if floats else 7 if kind is gast.Div else 6
        i64 = np.dtype(np.int64)
        checked = self.lw.intern(Elementwise(op=Op.CHECK_NONZERO, args=(right, self.as_node(code)),
                                             in_dtypes=(right.dtype, i64), dtype=right.dtype, shape=(), weak=True))
        return self.materialise(checked, "divisor")

    # ---- calls --------------------------------------------------------------------
    def expr_Call(self, node):
        func = self.expr(node.func)
        args = []
        for a in node.args:
            if isinstance(a, gast.Starred):
                value = self.expr(a.value)
                if not isinstance(value, (tuple, list)):
                    raise self.unsupported("*args of a run-time value", a)
                args.extend(value)
            else:
                args.append(self.expr(a))
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise self.unsupported("**kwargs in a call", node)
            kwargs[kw.arg] = self.expr(kw.value)
        return self.call(func, args, kwargs, node)

    def call(self, func, args, kwargs, node):
        from .scalars import has_either, python_extreme, resolve
        if func in (min, max) and len(args) >= 2 and not kwargs and any(is_internal(a) for a in args):
            return python_extreme(self, func, args, node)
        if has_either(args) and not kwargs and (func in (abs, int, float) or isinstance(func, np.ufunc) or
                                                getattr(func, "__module__", None) == "math"):
            return resolve(self, lambda *a: self.call(func, list(a), kwargs, node), args, node)
        if (isinstance(func, BoundMethod) and masks.is_selection(func.node)) or \
                any(masks.is_selection(a) for a in (*args, *kwargs.values())):
            return masks.call(self, func, args, kwargs, node)
        if isinstance(func, BoundMethod) and func.name in METHOD_HANDLERS:
            return METHOD_HANDLERS[func.name](self, (func.node, *args), kwargs, node)
        try:
            handler = CALL_HANDLERS.get(func)
        except TypeError:      # unhashable callable
            handler = None
        if handler is not None:
            return handler(self, tuple(args), kwargs, node)
        if isinstance(func, BoundMethod):
            if func.name == "copy" and not kwargs and not args:
                a = func.node
                return self.lw.intern(Elementwise(op=Op.POSITIVE, args=(a,), in_dtypes=(a.dtype,),
                                                  dtype=a.dtype, shape=a.shape))
            if func.name == "transpose" and not kwargs:
                order = args[0] if len(args) == 1 and isinstance(args[0], tuple) else (args or None)
                return self.transpose(func.node, tuple(order) if order else None, node)
            return self.reduction(func.name, func.node, args, kwargs, node)
        if isinstance(func, np.ufunc):
            bad = set(kwargs) - {"dtype"}
            if bad:
                raise self.unsupported(f"np.{func.__name__}(..., {sorted(bad)[0]}=...)", node)
            if "dtype" in kwargs and kwargs["dtype"] is not None:
                from .calls_casts import ufunc_with_dtype
                return ufunc_with_dtype(self, func, tuple(args), kwargs["dtype"], node)
            if not any(isinstance(a, Node) for a in args):     # NumPy's own result: np.sin(2.0) is an np.float64
                self.python_values(*args, node=node)
                with numpy_semantics():
                    return func(*args)
            return self.ufunc(func, tuple(args), node)
        if func in _BUILTIN_UFUNCS and not kwargs:
            return self.ufunc(_BUILTIN_UFUNCS[func], tuple(args), node)
        if func is np.where and len(args) == 3 and not kwargs:
            return self.where(*args, node=node)
        name = getattr(func, "__name__", None)
        if func is np.transpose and args and isinstance(args[0], Node):
            order = args[1] if len(args) > 1 else kwargs.get("axes")
            return self.transpose(args[0], tuple(order) if order is not None else None, node)
        if getattr(func, "__module__", "") == "numpy" and name in (*_REDUCTIONS, "mean", "std", "var") and args:
            return self.reduction(name, args[0], args[1:], kwargs, node)
        if isinstance(func, types.FunctionType):
            if not any(is_internal(a) for a in (*args, *kwargs.values())) and \
                    getattr(func, "__module__", "").startswith(("numpy", "math")):
                with numpy_semantics():
                    return func(*args, **kwargs)
            return self.inline(func, args, kwargs, node)
        if isinstance(func, (types.BuiltinFunctionType, type)) and \
                not any(is_internal(a) for a in (*args, *kwargs.values())):
            if func in (len, int, float, bool, complex, abs, min, max, round, range, tuple) or \
                    getattr(func, "__module__", None) in ("math", "numpy") or \
                    isinstance(getattr(func, "__self__", None), (np.generic, np.ndarray)):   # np.float64(2).round()
                with numpy_semantics():
                    return func(*args, **kwargs)
        if getattr(func, "__module__", None) == "math" and not kwargs and args and \
                all(isinstance(a, Node) and a.ndim == 0 and a.dtype.kind != "c" or isinstance(a, (int, float))
                    for a in args) and \
                isinstance(getattr(np, func.__name__, None), np.ufunc):
            # math.exp(s) on a value known at run time: the ufunc on float64, a Python float,
            # with Python's ValueError/OverflowError where C gives nan/inf
            uf = getattr(np, func.__name__)
            floats = [self.cast_to(self.as_node(a, node), np.float64) for a in args]
            value = self.ufunc(uf, tuple(floats), node)
            if not isinstance(value, Node) or value.dtype != np.float64:
                raise self.unsupported(f"math.{func.__name__}() of a run-time value", node)
            value = self.python_math(value, floats, func.__name__ in _MATH_OVERFLOWS)
            if func.__name__ in ("floor", "ceil", "trunc"):     # Python ints
                return self.lw.intern(Elementwise(op=Op.PY_INT, args=(value,), in_dtypes=(value.dtype,),
                                                  dtype=np.dtype(np.int64), shape=(), weak=True))
            return value
        if func in (float, int) and len(args) == 1 and not kwargs and isinstance(args[0], Node) \
                and args[0].ndim == 0 and (func is float and args[0].dtype.kind != "c" or args[0].dtype.kind in "biu"):
            # a Python scalar from a 0-d value (exact: no NaN/inf to int here)
            value = self.cast_to(args[0], np.float64 if func is float else np.int64)
            return self.lw.intern(dataclasses.replace(value, weak=True))
        if func is int and len(args) == 1 and not kwargs and isinstance(args[0], Node) and args[0].ndim == 0 \
                and args[0].dtype.kind == "f":
            # int() of a float: toward zero; NaN/inf raise Python's errors, past 64 bits Python runs
            value = self.cast_to(args[0], np.float64)
            return self.lw.intern(Elementwise(op=Op.PY_INT, args=(value,), in_dtypes=(value.dtype,),
                                              dtype=np.dtype(np.int64), shape=(), weak=True))
        if func is len and len(args) == 1 and isinstance(args[0], Node) and not kwargs:
            if args[0].ndim == 0:
                with numpy_semantics():
                    raise TypeError("len() of unsized object")
            return self.dim_value(args[0].shape[0])
        label = self.spelling(node.func) if isinstance(node, gast.Call) else \
            getattr(func, "__qualname__", None) or type(func).__name__
        raise self.unsupported(f"call to {label}()", node)

    def inline(self, func, args, kwargs, node):
        """A plain Python helper: lower its body in place with the argument values bound."""
        if self.lw.depth >= MAX_INLINE_DEPTH:
            raise self.unsupported(f"recursion deeper than {MAX_INLINE_DEPTH} inlining {func.__qualname__}", node)
        src = function_source(func)
        import inspect
        try:
            bound = inspect.signature(func).bind(*args, **kwargs)
        except TypeError as exc:
            with numpy_semantics():
                raise TypeError(f"{func.__qualname__}(): {exc}") from None
        bound.apply_defaults()
        inner = FunctionLowerer(src, self.lw)
        for pname, value in bound.arguments.items():
            param = inspect.signature(func).parameters[pname]
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                value = tuple(value) if param.kind == param.VAR_POSITIONAL else value
            inner.env[pname] = value
        self.lw.depth += 1
        self.lw.frames.append(inner)
        try:
            return inner.run_body()
        finally:
            self.lw.frames.pop()
            self.lw.depth -= 1

    # ---- node builders ------------------------------------------------------------
    def as_node(self, value, where=None):
        if isinstance(value, Node):
            return value
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":   # np.float64 is a float, but strong
            return self.lw.intern(Const(value=value, dtype=value.dtype, weak=False))
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biufc":   # np.asarray(2.5)
            return self.lw.intern(Const(value=value[()], dtype=value.dtype, weak=False, array0d=True))
        if isinstance(value, bool):
            return self.lw.intern(Const(value=value, dtype=np.dtype(bool), weak=True))
        if isinstance(value, int):
            return self.lw.intern(Const(value=value, dtype=np.dtype(np.int64), weak=True))
        if isinstance(value, float):
            return self.lw.intern(Const(value=value, dtype=np.dtype(np.float64), weak=True))
        if isinstance(value, complex):
            return self.lw.intern(Const(value=value, dtype=np.dtype(np.complex128), weak=True))
        raise self.unsupported(f"a {kind_name(value)} where an array or number is expected", where)

    def ufunc(self, uf, args, node=None):
        from .scalars import has_either, resolve
        if has_either(args):
            return resolve(self, lambda *a: self.ufunc(uf, a, node), args, node)
        if any(masks.is_selection(a) for a in args):
            return masks.elementwise(self, lambda *a: self.ufunc(uf, a, node), args, node)
        if not any(isinstance(a, Node) for a in args):
            self.python_values(*args, node=node)
            with numpy_semantics():
                result = uf(*args)
            return result.item() if all(isinstance(a, _PY_SCALARS) for a in args) and \
                isinstance(result, np.generic) else result
        op = UFUNC_OPS.get(uf)
        if op is None:
            raise self.unsupported(f"np.{uf.__name__}", node)
        nodes = tuple(self.as_node(a, node) for a in args)
        known = {i: n.value for i, n in enumerate(nodes) if isinstance(n, Const) and n.weak}
        with numpy_semantics():
            in_dtypes, out_dtype = infer.elementwise_types(uf, nodes, known)
            shape = infer.broadcast_shapes([n.shape for n in nodes], self.lw.checks)
        if out_dtype.kind == "b" and len(nodes) == 2:     # uint8_array < 1000 compares values (NumPy 2)
            from .calls_math import exact_int_comparison
            in_dtypes = exact_int_comparison(self, uf, nodes, in_dtypes, node)
        for n, d in zip(nodes, in_dtypes):
            if isinstance(n, ScalarParam) and n.weak and n.dtype.kind == "i" and d.kind in "iu":
                check = infer.ScalarFits(n.index, n.name, d)
                if check not in self.lw.checks:
                    self.lw.checks.append(check)
        if op not in COMPLEX_OPS and (out_dtype.kind == "c" or any(d.kind == "c" for d in in_dtypes)):
            raise self.unsupported(f"np.{uf.__name__} of complex numbers", node)
        return self.lw.intern(Elementwise(op=op, args=nodes, in_dtypes=tuple(in_dtypes),
                                          dtype=out_dtype, shape=shape, weak=infer.result_is_weak(nodes)))

    def where(self, cond, a, b, node=None):
        if not any(isinstance(v, Node) for v in (cond, a, b)):
            self.python_values(cond, a, b, node=node)
            with numpy_semantics():
                return np.where(cond, a, b)
        nodes = tuple(self.as_node(v, node) for v in (cond, a, b))
        with numpy_semantics():
            # weak scalars by value (NEP 50): np.where(c, float32_array, 0) stays float32
            out = np.result_type(*(infer._stand_in(n, getattr(n, "value", None)) if n.weak else n.dtype
                                   for n in nodes[1:]))
            shape = infer.broadcast_shapes([n.shape for n in nodes], self.lw.checks)
        cond_node = nodes[0]
        in_dtypes = (np.dtype(bool), out, out)
        return self.lw.intern(Elementwise(op=Op.WHERE, args=(cond_node, nodes[1], nodes[2]),
                                          in_dtypes=in_dtypes, dtype=out, shape=shape, weak=False,
                                          array0d=not shape))   # np.where returns an ndarray, 0-d too

    def reduction(self, name, arg, args, kwargs, node):
        names = ("axis", "dtype", "out", "keepdims") if name in ("sum", "prod", "mean") else \
            ("axis", "dtype", "out", "ddof", "keepdims") if name in ("std", "var") else ("axis", "out", "keepdims")
        if len(args) > len(names):
            raise self.unsupported(f"{name}() with {len(args)} positional arguments", node)
        options = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise self.unsupported(f"{name}(..., {k}=...)", node)
            options[k] = v
        if options.get("out") is not None:
            raise self.unsupported(f"{name}(..., out=...)", node)
        axis, keepdims, dtype = options.get("axis"), options.get("keepdims", False), options.get("dtype")
        ddof = options.pop("ddof", 0)
        for what, value in (("axis", axis), ("keepdims", keepdims), ("dtype", dtype), ("ddof", ddof)):
            if isinstance(value, Node):
                raise self.unsupported(f"{name}() with a run-time {what}", node)
        if not isinstance(arg, Node):
            self.python_values(arg, options, node=node)
            with numpy_semantics():
                return getattr(np, name)(arg, **{k: v for k, v in options.items() if k != "out"})
        np_func = getattr(np, name)
        if arg.ndim == 0 and name not in ("mean", "var", "std") and type(axis) in (int, np.int64) and axis in (0, -1):
            axis = None       # NumPy's ufunc reductions take axis 0 / -1 of a 0-d array
        with numpy_semantics():
            axes = infer.normalize_axes(axis, arg.ndim)
            out_dtype = infer.reduce_dtype(np_func, arg, axis, bool(keepdims), dtype)
        shape = infer.reduced_shape(arg.shape, axes, bool(keepdims))
        reduced = [arg.shape[a] for a in axes]
        if name in ("var", "std"):
            return self.variance(name, arg, axis, axes, bool(keepdims), dtype, ddof, out_dtype, reduced, node)
        if name == "mean":
            from .calls_reductions import mean_of_sum
            return mean_of_sum(self, arg, axes, bool(keepdims), dtype, out_dtype, shape, reduced, node)
        op = _REDUCTIONS[name]
        if op in (Op.MAX, Op.MIN) and any(d != 1 for d in reduced):
            self.lw.checks.append(infer.NonEmpty(tuple(reduced), "maximum" if op is Op.MAX else "minimum"))
        return self.lw.intern(Reduce(op=op, arg=arg, axes=axes, keepdims=bool(keepdims),
                                     dtype=out_dtype, shape=shape))


    def variance(self, name, arg, axis, axes, keepdims, dtype, ddof, out_dtype, reduced, node):
        """NumPy's _var: mean with keepdims, squared deviations, sum, / max(n - ddof, 0)."""
        if arg.dtype.kind == "c" and dtype is not None:
            raise self.unsupported(f"{name}() of complex numbers with dtype=", node)
        calc = np.dtype(np.float64) if arg.dtype.kind in "biu" and dtype is None else (dtype or arg.dtype)
        mean = self.reduction("mean", arg, (), {"axis": axis, "keepdims": True, "dtype": calc}, node)
        dev = self.ufunc(np.subtract, (arg, mean), node)
        if dev.dtype.kind == "c":     # NumPy: real**2 + imag**2, summed in that float type
            from .calls_complex import part
            re, im = part(self, dev, Op.REAL), part(self, dev, Op.IMAG)
            sq = self.ufunc(np.add, (self.ufunc(np.multiply, (re, re), node), self.ufunc(np.multiply, (im, im), node)), node)
            calc = sq.dtype
        else:
            sq = self.ufunc(np.multiply, (dev, dev), node)
        total = self.reduction("sum", sq, (), {"axis": axis, "keepdims": keepdims, "dtype": calc}, node)
        count = 1
        for d in reduced:
            count = dim_mul(count, d)
        denom = dim_max(dim_sub(count, ddof), 0) if not isinstance(count, int) else max(count - ddof, 0)
        var = self.ufunc(np.true_divide, (total, self.dim_value(denom) if not isinstance(denom, int) else denom), node)
        if name == "std":
            var = self.ufunc(np.sqrt, (var,), node)
        if var.dtype != out_dtype:
            raise self.unsupported(f"{name}() result type {out_dtype}", node)
        return var


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
    statement, or what a ``return`` among them returns (``meta["returned"]``); a statement
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
    meta = {"names": dict(lowerer.env), "function": fn.__qualname__, "where": src.where(src.tree),
            "written_params": tuple(sorted(lw.written_params)), "returned": returned}
    if pending is not None:
        # statements before the error still run (they may write arguments), then it raises
        return Graph(params=tuple(param_nodes), outputs=(), output_kind="none", meta=meta,
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
            if not _is_value(v) and not is_plain_static(v):
                raise SegmentStop(assigned_at[n], UnsupportedError(
                    f"a {_kind_of(v)} '{n}' used by a statement that runs in Python", src.where(stmts[assigned_at[n]])))
        static = {n: lowerer.env[n] for n in bound if not _is_value(lowerer.env[n])}
        meta["segment_names"] = tuple(n for n in bound if n not in static)
        meta["deleted"] = tuple(sorted(deleted - lowerer.env.keys()))
        meta["static_out"] = static
        result = tuple(lowerer.env[n] for n in meta["segment_names"])
    meta["folded"] = tuple(folded)
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
        if _is_value(value):
            out_nodes.append(value if isinstance(value, Node) else lowerer.as_node(value))
        else:
            exc = UnsupportedError(f"returning a {kind_name(value)}", src.where(stmts[current] if stmts else src.tree))
            if live_out is not None:
                raise SegmentStop(current, exc)
            raise exc
    graph = Graph(params=tuple(param_nodes), outputs=tuple(out_nodes), output_kind=kind, meta=meta,
                  body=tuple(lw.block))
    return graph, lw.checks, None


_PLAIN_ATOMS = (type(None), bool, int, float, complex, str, bytes, np.generic, np.dtype, type,
                types.ModuleType, types.FunctionType, types.BuiltinFunctionType, np.ufunc, range)


def is_plain_static(value) -> bool:
    """A value known at compile time that can be handed to Python code as it is: immutable
    and not one of the lowering's own objects (a list is lowered as a tuple: not plain).

    >>> is_plain_static((1, 2.0, "a")), is_plain_static([1]), is_plain_static(ListValue((1,)))
    (True, False, False)
    """
    if isinstance(value, ListValue):
        return False
    if isinstance(value, tuple):
        return all(is_plain_static(v) for v in value)
    if isinstance(value, slice):
        return all(is_plain_static(v) for v in (value.start, value.stop, value.step))
    return isinstance(value, _PLAIN_ATOMS) and not isinstance(value, Node)


def is_internal(value) -> bool:
    """Is ``value`` one of the lowering's own objects (a graph node, a masked selection, a
    bound method of a deferred array, a placeholder), or a container holding a placeholder?
    Python's operators and functions are never applied to those: the construct is
    unsupported, not the user's error. (Containers may carry nodes: ``x.shape + (1,)``.)

    >>> is_internal((1, Unavailable("str"))), is_internal([1, "a"]), is_internal(Unavailable("str"))
    (True, False, True)
    """
    if isinstance(value, (Node, Unavailable, BoundMethod)) or type(value).__module__.startswith("npaccel.frontend"):
        return not isinstance(value, ListValue)
    return _holds_placeholder(value)


def _holds_placeholder(value) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_holds_placeholder(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_placeholder(v) for v in value.values())
    if isinstance(value, slice):
        return any(_holds_placeholder(v) for v in (value.start, value.stop, value.step))
    return not isinstance(value, Node) and (isinstance(value, (Unavailable, BoundMethod)) or
                                            type(value).__module__.startswith("npaccel.frontend"))


# npaccel's own values as messages name them (never the class name)
_INTERNAL_KINDS = {"MaskedSelection": "boolean-mask selection", "DataSized": "result whose size depends on the data",
                   "EitherScalar": "scalar whose type (Python or NumPy) depends on the path run",
                   "ListValue": "list", "DimValue": "size", "View": "view"}


def kind_name(value) -> str:
    """The type of ``value`` as a message names it: npaccel's own objects by what they stand for.

    >>> kind_name(ListValue((1,))), kind_name("s")
    ('list', 'str')
    """
    return _INTERNAL_KINDS.get(type(value).__name__, type(value).__name__)


def _kind_of(value) -> str:
    if isinstance(value, ListValue):
        return "list"
    if type(value).__name__ == "EitherScalar":
        return "scalar whose type (Python or NumPy) depends on the path run,"
    if isinstance(value, Unavailable):
        return value.type_name
    return "tuple" if isinstance(value, tuple) else "value"


def _is_value(value) -> bool:
    return isinstance(value, Node) or isinstance(value, (np.generic,) + _PY_SCALARS) or \
        (isinstance(value, np.ndarray) and value.ndim == 0)

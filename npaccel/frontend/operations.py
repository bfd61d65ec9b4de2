"""Python's operators while lowering: binary, unary, comparisons and ``and``/``or`` on arrays
(NumPy's ufuncs) and on scalars (Python's own rules: ints that do not wrap, ``//`` and ``%``
by zero raising, ``**`` with Python's types, ``math`` functions with Python's errors)."""
from __future__ import annotations

import gast
import numpy as np

from ..ir.nodes import Const, DimValue, Elementwise, Node, is_ndarray
from ..ir.ops import Op
from . import masks
from .operators import BINOPS, PYOPS, CMPOPS, PYCMP, UNARY, PYUNARY, DIM_OPS, ZERO_DIVISION, PY_INT_OPS
from .semantics import PY_SCALARS, python_int, python_scalar, numpy_semantics


class OperatorLowering:
    """Mixin of FunctionLowerer: operators."""

    def expr_BinOp(self, node):
        return self.binop(type(node.op), self.expr(node.left), self.expr(node.right), node)

    def expr_UnaryOp(self, node):
        operand = self.expr(node.operand)
        kind = type(node.op)
        from .scalars import EitherScalar
        if isinstance(operand, EitherScalar):
            if kind is not gast.Not:
                return self.ufunc(UNARY[kind], (operand,), node)
            operand = operand.strong               # the truth is the same either way
        if masks.is_selection(operand) and kind is not gast.Not:
            return masks.elementwise(self, lambda a: self.ufunc(UNARY[kind], (a,), node), (operand,), node)
        if kind is gast.Not and isinstance(operand, Node) and operand.ndim == 0:
            # Python's not of a value known at run time: a Python bool
            return self.intern(Elementwise(op=Op.LOGICAL_NOT, args=(self.runtime_condition(operand, node),),
                                              in_dtypes=(np.dtype(bool),), dtype=np.dtype(bool), shape=(), weak=True))
        if not isinstance(operand, Node):
            self.python_values(operand, node=node)
            with numpy_semantics():
                return PYUNARY[kind](operand)
        if kind is gast.Not:
            return self.truth(operand, node) is False
        if operand.weak and operand.ndim == 0 and operand.dtype.kind == "b":     # -True is the int -1
            operand = self.intern(Elementwise(op=Op.CAST, args=(operand,), in_dtypes=(operand.dtype,),
                                              dtype=np.dtype(np.int64), shape=(), weak=True))
        return self.ufunc(UNARY[kind], (operand,), node)

    def expr_Compare(self, node):
        left = self.expr(node.left)
        result = None
        for k, (op, right_node) in enumerate(zip(node.ops, node.comparators)):
            right = self.expr(right_node)
            kind = type(op)
            from .scalars import has_either
            if isinstance(left, Node) or isinstance(right, Node) or has_either((left, right)) or \
                    masks.is_selection(left) or masks.is_selection(right):
                if kind in (gast.Is, gast.IsNot) and (left is None or right is None):
                    # a value compiled code holds (an array, a number) is never None
                    value = kind is gast.IsNot
                    if not value:
                        return value
                    result, left = value, right
                    continue
                if kind not in CMPOPS:
                    raise self.unsupported(f"'{kind.__name__}' comparison of arrays", node)
                value = self.ufunc(CMPOPS[kind], (left, right), node)
                if k + 1 < len(node.ops):
                    return self.chained_compare(node, k, value)
                return value
            self.python_values(left, right, node=node)
            with numpy_semantics():
                value = PYCMP[kind](left, right)
            if not value:
                return value
            result, left = value, right
        return result

    def chained_compare(self, node, k, first):
        """``a < b < c`` from its k-th comparison on, known only at run time: Python's
        ``(a < b) and (b < c)`` (b evaluated once: the same node), short-circuited."""
        if not isinstance(first, Node) or (first.ndim and not first.weak):
            raise self.unsupported("chained comparison of arrays", node)
        left_ast = node.left if k == 0 else node.comparators[k - 1]
        head = gast.Compare(left=left_ast, ops=[node.ops[k]], comparators=[node.comparators[k]])
        rest = gast.Compare(left=node.comparators[k], ops=node.ops[k + 1:], comparators=node.comparators[k + 1:])
        both = gast.BoolOp(op=gast.And(), values=[head, rest])
        for n in (head, rest, both):
            gast.copy_location(n, node)
        return self.expr(both)

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
        if kind in DIM_OPS and all(isinstance(v, DimValue) or (isinstance(v, int) and not isinstance(v, bool))
                                    for v in (left, right)):
            # shape arithmetic stays symbolic: n - m + 1 can size an array or bound a slice
            dims = [v.dim if isinstance(v, DimValue) else v for v in (left, right)]
            return self.dim_value(DIM_OPS[kind](*dims))
        if not isinstance(left, Node) and not isinstance(right, Node):
            if kind not in PYOPS:
                raise self.unsupported(f"operator {kind.__name__}", node)
            self.python_values(left, right, node=node)
            if kind in (gast.Div, gast.FloorDiv, gast.Mod) and isinstance(right, PY_SCALARS) and \
                    isinstance(left, PY_SCALARS) and right == 0:
                with numpy_semantics():          # Python's ZeroDivisionError, at call time
                    return PYOPS[kind](left, right)
            with numpy_semantics():
                return PYOPS[kind](left, right)
        if kind is gast.MatMult:
            from .calls_linalg import matmul_value
            return matmul_value(self, left, right, node)
        if kind in ZERO_DIVISION and python_scalar(left) and python_scalar(right):
            right = self.python_divisor(kind, left, right, node)
        if kind is gast.Pow and python_int(left) and python_int(right):
            return self.python_int_power(left, right, node)
        shift_ints = kind is gast.LShift and python_int(left) and python_int(right)     # PY_LSHIFT below
        if kind in (gast.Pow, gast.LShift) and not shift_ints and python_scalar(left) and python_scalar(right) and \
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
        if kind in PY_INT_OPS and python_int(left) and python_int(right) and \
                (isinstance(left, Node) and not isinstance(left, Const) or
                 isinstance(right, Node) and not isinstance(right, Const)):
            # Python ints do not wrap: past 64 bits the compiled code stops and Python runs
            i64 = np.dtype(np.int64)
            return self.intern(Elementwise(op=PY_INT_OPS[kind], args=(self.as_node(left), self.as_node(right)),
                                              in_dtypes=(i64, i64), dtype=i64, shape=(), weak=True))
        return self.ufunc(BINOPS[kind], (left, right), node)

    def python_power(self, kind, base, exponent, node):
        """``**`` of Python floats known at run time, by C's pow as Python does, with its
        OverflowError: a constant exponent that is a whole number >= 0 (or any, of a size),
        or any exponent of a constant base > 0 (``2.0 ** -alpha``: never complex, never a
        division by zero). Exponents that can give a complex number or ZeroDivisionError, and
        ``<<`` of Python floats (Python's TypeError), run in Python."""
        k = exponent.value if isinstance(exponent, Const) else exponent
        size = isinstance(base, DimValue)       # never negative: no complex result (n ** -0.5)
        c = base.value if isinstance(base, Const) else base
        positive = isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool) and c > 0
        if kind is gast.LShift or (isinstance(k, Node) and not positive) or isinstance(k, complex) or \
                not (size or positive or float(k).is_integer() and k >= 0) or \
                (isinstance(base, Node) and base.dtype.kind == "c") or (isinstance(k, Node) and k.dtype.kind == "c"):
            op = "<<" if kind is gast.LShift else "**"
            raise self.unsupported(f"'{op}' of Python numbers known only at run time", node)
        f8 = np.dtype(np.float64)
        b = self.cast_to(self.as_node(base, node), f8)
        e = self.cast_to(k, f8) if isinstance(k, Node) else self.as_node(float(k))
        if not positive and (isinstance(k, Node) or k < 0):       # Python: 0.0 ** -x divides by zero
            from .array_build import stop_if
            zero = self.ufunc(np.equal, (b, 0.0), node)
            bad = zero if not isinstance(k, Node) else self.ufunc(np.logical_and, (zero, self.ufunc(np.less, (e, 0.0), node)), node)
            stop_if(self, bad, "ZeroDivisionError", "0.0 cannot be raised to a negative power")
        value = self.intern(Elementwise(op=Op.POWER, args=(b, e), in_dtypes=(f8, f8), dtype=f8, shape=(), weak=True))
        return self.python_math(value, [b, e] if isinstance(k, Node) else [b], True)

    def python_math(self, value, inputs, can_overflow):
        """``value`` computed from Python floats ``inputs`` in C, with Python's errors: nan
        from numbers is ValueError ("math domain error"), inf from finite numbers is
        OverflowError if the function can overflow, else ValueError."""
        f8 = np.dtype(np.float64)
        probe = inputs[0]
        for other in inputs[1:]:        # nan if any input is not finite: (a - a) + (b - b)
            zero = lambda v: self.intern(Elementwise(op=Op.SUBTRACT, args=(v, v), in_dtypes=(f8, f8),  # noqa: E731
                                                        dtype=f8, shape=(), weak=True))
            probe = self.intern(Elementwise(op=Op.ADD, args=(zero(probe), zero(other)), in_dtypes=(f8, f8),
                                               dtype=f8, shape=(), weak=True))
        return self.intern(Elementwise(op=Op.PY_MATH, args=(value, probe, self.as_node(int(can_overflow))),
                                          in_dtypes=(f8, f8, np.dtype(np.int64)), dtype=f8, shape=(), weak=True))

    def python_int_power(self, base, exponent, node):
        """``base ** exponent`` of Python ints, one known only at run time: Python's exact
        int (checked products: a constant exponent up to 8 unrolled, a run-time one by
        squaring, ``Op.PY_POW``). A negative run-time exponent (a float in Python) or a result
        past 64 bits stops the program there, and Python runs the call; in a function that
        writes an argument (which could not rerun) the statement runs in Python. A negative
        or larger constant exponent runs the statement in Python."""
        k = exponent.value if isinstance(exponent, Const) else exponent
        if not isinstance(k, Node) and not 0 <= k <= 8:
            # (a large constant exponent is a big int more often than not)
            raise self.unsupported("'**' of Python ints with a negative or large constant exponent", node)
        if isinstance(k, Node):
            if self.state.power_at is None:         # (function_graph._big_int_power)
                self.state.power_at = self.state.statement_index
            i8 = np.dtype(np.int64)
            args = tuple(self.cast_to(self.as_node(v, node), i8) for v in (base, k))
            return self.intern(Elementwise(op=Op.PY_POW, args=args, in_dtypes=(i8, i8), dtype=i8, shape=(), weak=True))
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
                    PYOPS[kind](sample(left), sample(right))
            return right
        if right.dtype.kind == "c" or left.dtype.kind == "c" if isinstance(left, Node) else isinstance(left, complex):
            raise self.unsupported("division of complex Python scalars known at run time", node)
        floats = any((v.dtype.kind == "f") if isinstance(v, Node) else isinstance(v, float) for v in (left, right))
        code = (8, 9, 10)[(gast.Div, gast.FloorDiv, gast.Mod).index(kind)] if floats else 7 if kind is gast.Div else 6
        i64 = np.dtype(np.int64)
        checked = self.intern(Elementwise(op=Op.CHECK_NONZERO, args=(right, self.as_node(code)),
                                             in_dtypes=(right.dtype, i64), dtype=right.dtype, shape=(), weak=True))
        return self.materialise(checked, "divisor")

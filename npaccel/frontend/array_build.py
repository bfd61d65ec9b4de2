"""Building blocks of the array handlers: sizes as dims, dtype arguments, casts, and typed
scalar/elementwise values that fold to NumPy scalars when every operand is known.

A size may be a Python int, ``x.shape[k]`` / ``len(x)`` / ``x.size`` (a DimValue), an int
argument of the function (dim symbol ``s<index>``) or integer arithmetic over those:

>>> from npaccel.ir.dims import Sym
>>> nonnegative(dim_of_factors(3, [Sym("a0_d0")])), nonnegative(Sym("s1"))
(True, False)
>>> exact_quotient(dim_of_factors(6, [Sym("a0_d0"), Sym("a0_d1")]), dim_of_factors(2, [Sym("a0_d1")]))
(3 * a0_d0)
"""
from __future__ import annotations

import builtins
import inspect
import operator

import numpy as np

from ..ir.checks import DimCheck
from ..ir.dims import DimOp, Sym, dim_add, dim_bcast, dim_floordiv, dim_max, dim_min, dim_mul, dim_sub
from ..ir.nodes import Const, DimValue, Elementwise, Iota, Node, ScalarParam
from ..ir.ops import OPS, Op
from . import infer
from .semantics import UserError, kind_name

SUPPORTED_KINDS = "biufc"
_DIM_OPS = {Op.ADD: dim_add, Op.SUBTRACT: dim_sub, Op.MULTIPLY: dim_mul,
            Op.PY_ADD: dim_add, Op.PY_SUB: dim_sub, Op.PY_MUL: dim_mul,      # dims are Python ints
            Op.FLOOR_DIVIDE: dim_floordiv, Op.MAXIMUM: dim_max, Op.MINIMUM: dim_min}


def fail(exc):
    """NumPy's (or Python's) error for this program: raised when the function is called."""
    raise UserError(exc)


def stop_if(lw, bad, error, message, rerun_only=""):
    """NumPy's ``error(message)`` (a builtin's name) where ``bad`` (a bool, 0-d) is true when
    the program runs: the program stops there (a ``Check``), and the call reruns in Python
    when it wrote no argument, or raises that error. ``rerun_only``: what NumPy does there
    that only the rerun gives (a warning, its own order of ties), which also keeps the
    function from compiling if it writes an argument (function_graph.py)."""
    if not isinstance(bad, Node):
        if bad:
            fail(getattr(builtins, error)(message))
        return
    from ..ir import program as P
    from ..ir.checks import RerunOnly
    flag = lw.materialise(bad, "stop")
    lw.emit(P.If(cond=flag, then=(P.Check((RerunOnly if rerun_only else DimCheck)(0, "!=", 0, error, message)),),
                 orelse=()))
    lw.state.rerun_only = lw.state.rerun_only or rerun_only


def is_node(v) -> bool:
    return isinstance(v, Node)


def bind(lw, node, name, args, kwargs, positional, keyword=(), unsupported=()):
    """Bind a call like Python would: ``positional``/``keyword`` are (name, default) pairs
    (keyword ones are keyword-only). Names in ``unsupported`` must be left at None."""
    P = inspect.Parameter
    params = [P(n, P.POSITIONAL_OR_KEYWORD, default=d) for n, d in positional]
    params += [P(n, P.KEYWORD_ONLY, default=d) for n, d in keyword]
    try:
        bound = inspect.Signature(params).bind(*args, **kwargs)
    except TypeError as exc:
        fail(TypeError(f"{name}() {exc}"))
    bound.apply_defaults()
    values = dict(bound.arguments)
    for n in unsupported:
        if values.get(n) is not None:
            raise lw.unsupported(f"{name}(..., {n}=...)", node)
    return values


# ---- sizes ------------------------------------------------------------------------------
def to_dim(lw, value, node=None, run_time=True):
    """The dim a size argument stands for (int, DimValue, int argument, arithmetic); any
    other integer known only at run time is computed into a C local first (``run_time``;
    else unsupported: a caller with another plan for such a value)."""
    if isinstance(value, Node):
        if value.ndim:
            fail(TypeError("only integer scalar arrays can be converted to a scalar index"))
        if isinstance(value, DimValue):
            return value.dim
        if value.dtype.kind not in "iub":
            fail(TypeError(f"'{'float' if value.dtype.kind == 'f' else value.dtype}' object cannot be "
                           "interpreted as an integer"))
        if isinstance(value, Const):
            return int(value.value)
        if isinstance(value, ScalarParam) and value.dtype.kind in "iu":
            return Sym(f"s{value.index}")
        if isinstance(value, Elementwise) and value.op in _DIM_OPS and value.dtype.kind in "iu":
            a, b = (to_dim(lw, x, node, run_time) for x in value.args)
            return _DIM_OPS[value.op](a, b)
        if not run_time:
            raise lw.unsupported("a size computed at run time from values other than shapes and int arguments",
                                 node)
        if value.dtype == np.uint64:
            raise lw.unsupported("a uint64 size known only at run time", node)
        # any other integer known at run time (int(x), a loop's count): a C local read as the dim
        if value.dtype != np.int64:
            value = cast(lw, value, np.int64)
        return Sym(f"sv{lw.materialise(value, 'size').vid}")
    try:
        return operator.index(value)
    except TypeError as exc:
        fail(exc)


def nonnegative(d) -> bool:
    """Provably >= 0: array dims, ints >= 0 and sums/products/max/min of those."""
    if isinstance(d, int):
        return d >= 0
    if isinstance(d, Sym):
        return d.name.startswith("a")
    if not isinstance(d, DimOp):          # a slice's start or length known at run time
        return d.part == "len"
    if d.op in ("+", "*", "//", "min"):
        return nonnegative(d.a) and nonnegative(d.b)
    if d.op == "max":
        return nonnegative(d.a) or nonnegative(d.b)
    return False


def simplify(d):
    """``d`` without max(x, 0) around an x that is never negative (slices make those).

    >>> simplify(dim_max(dim_add(Sym("a0_d0"), 0), 0))
    a0_d0
    """
    if not isinstance(d, DimOp):
        return d
    a, b = simplify(d.a), simplify(d.b)
    if d.op == "max" and b == 0 and nonnegative(a):
        return a
    if d.op == "max" and a == 0 and nonnegative(b):
        return b
    return {"+": dim_add, "-": dim_sub, "*": dim_mul, "//": dim_floordiv, "max": dim_max, "min": dim_min,
            "bcast": dim_bcast}[d.op](a, b)


def surely_differ(a, b) -> bool:
    """Known at compile time to differ: two different ints, or an array dim (never 1: the
    signature records dims of 1) against 1."""
    a, b = simplify(a), simplify(b)
    if isinstance(a, int) and isinstance(b, int):
        return a != b
    for x, y in ((a, b), (b, a)):
        if isinstance(x, Sym) and x.name.startswith("a") and y == 1:
            return True
    return False


def require(lw, left, cmp, right, error, message, values=()):
    """A size condition NumPy checks: decided now when both sides are known, else at run
    time (``message.format(*values)``)."""
    if isinstance(left, int) and isinstance(right, int):
        if not _CMP[cmp](left, right):
            fail(getattr(builtins, error)(message.format(*values)))
        return
    left, right = simplify(left), simplify(right)
    if cmp == "==" and left == right:
        return
    check = DimCheck(left, cmp, right, error, message, tuple(values))
    if check not in lw.state.checks:
        lw.state.checks.append(check)


_CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}


def shape_arg(lw, shape, node=None):
    """A shape argument (an int or a sequence of them) as a tuple of dims, with NumPy's
    "negative dimensions are not allowed"."""
    items = shape if isinstance(shape, (tuple, list)) else (shape,)
    dims = tuple(to_dim(lw, s, node) for s in items)
    for d in dims:
        if not nonnegative(d):
            require(lw, d, ">=", 0, "ValueError", "negative dimensions are not allowed")
    return dims


def factors(d):
    """(int coefficient, sorted atoms) of a product of dims."""
    d = simplify(d)
    if isinstance(d, int):
        return d, ()
    if isinstance(d, DimOp) and d.op == "*":
        ca, fa = factors(d.a)
        cb, fb = factors(d.b)
        return ca * cb, tuple(sorted(fa + fb, key=repr))
    return 1, (d,)


def dim_of_factors(coef, atoms):
    out = coef
    for a in atoms:
        out = dim_mul(out, a)
    return out


def same_size(a, b) -> bool:
    return factors(a) == factors(b)


def exact_quotient(total, part):
    """total / part when part's factors divide total's, else None."""
    ct, ft = factors(total)
    cp, fp = factors(part)
    rest = list(ft)
    for f in fp:
        if f not in rest:
            return None
        rest.remove(f)
    if cp == 0 or ct % cp:
        return None
    return dim_of_factors(ct // cp, rest)


# ---- dtypes, values ---------------------------------------------------------------------
def dtype_arg(lw, dtype, default, node=None):
    if dtype is None:
        return np.dtype(default)
    if isinstance(dtype, Node):
        raise lw.unsupported("a dtype computed at run time", node)
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        fail(exc)
    if dt.kind not in SUPPORTED_KINDS:
        raise lw.unsupported(f"arrays of dtype {dt}", node)
    return dt


def strong_dtype(value):
    """The dtype NumPy gives ``np.asarray(value)`` (Python scalars are not weak here)."""
    if isinstance(value, Node):
        return value.dtype
    return np.asarray(value).dtype


def as_array(lw, value, node=None):
    """A value used as an array (np.asarray): weak scalars become strong 0-d values."""
    if isinstance(value, (list, tuple, np.ndarray)) or type(value).__name__ == "MaskedSelection":
        value = lw.as_node(value, node)          # a list: NumPy's array of it
    if isinstance(value, Node):
        if value.weak:
            return cast(lw, value, value.dtype, force=True)
        return value
    if isinstance(value, (bool, int, float, complex, np.generic)):
        dt = strong_dtype(value)
        if dt.kind not in SUPPORTED_KINDS:
            raise lw.unsupported(f"a {kind_name(value)} where an array is expected", node)
        return const(lw, value, dt)
    raise lw.unsupported(f"a {kind_name(value)} where an array is expected", node)


def const(lw, value, dtype):
    dtype = np.dtype(dtype)
    return lw.intern(Const(value=np.array(value).astype(dtype)[()], dtype=dtype, weak=False))


def cast(lw, value, dtype, force=False):
    """``value`` converted to ``dtype`` as ``astype`` does (unsafe casting)."""
    dtype = np.dtype(dtype)
    if not isinstance(value, Node):
        with np.errstate(all="ignore"):
            return np.array(value).astype(dtype)[()]
    if value.dtype == dtype and not (force and value.weak):
        return value
    if isinstance(value, Const):
        return const(lw, value.value, dtype)
    return lw.intern(Elementwise(op=Op.POSITIVE, args=(value,), in_dtypes=(dtype,), dtype=dtype,
                                    shape=value.shape))


def ew(lw, op, args, dtype, out=None):
    """``op`` over ``args``, each converted to ``dtype`` first (no NumPy promotion), the
    result of type ``out`` (default: dtype; bool for comparisons). Folds known operands."""
    dtype = np.dtype(dtype)
    out = np.dtype(out) if out is not None else (np.dtype(bool) if op in _COMPARE else dtype)
    if op is Op.WHERE:
        in_dtypes = (np.dtype(bool), dtype, dtype)
    else:
        in_dtypes = (dtype,) * len(args)
    if not any(isinstance(a, Node) for a in args):
        vals = [np.array(a).astype(d)[()] for a, d in zip(args, in_dtypes)]
        with np.errstate(all="ignore"):
            res = np.where(*vals) if op is Op.WHERE else OPS[op].ufunc(*vals)
        return np.array(res).astype(out)[()]
    nodes = tuple(a if isinstance(a, Node) else const(lw, a, d) for a, d in zip(args, in_dtypes))
    shape = infer.broadcast_shapes([n.shape for n in nodes], lw.state.checks)
    return lw.intern(Elementwise(op=op, args=nodes, in_dtypes=in_dtypes, dtype=out, shape=shape))


_COMPARE = (Op.EQUAL, Op.NOT_EQUAL, Op.LESS, Op.LESS_EQUAL, Op.GREATER, Op.GREATER_EQUAL,
            Op.LOGICAL_AND, Op.LOGICAL_OR)


def iota(lw, axis, shape):
    return lw.intern(Iota(axis=axis, shape=tuple(shape), dtype=np.dtype(np.int64)))


def dim_node(lw, d):
    """A dim as an int64 value (a Python int when known)."""
    return d if isinstance(d, int) else lw.dim_value(d)

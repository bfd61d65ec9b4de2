"""Slices whose bounds are known only at run time, and the checks their sizes need.

``x[lo:hi:step]`` with ``lo``/``hi`` a loop counter, an expression of counters and int
arguments (``i + 1``, ``k - 1``, ``-w``) or any integer value computed in the function
(``idx[i]``) is a view whose start and length are ``SliceDim`` expressions (ir/dims.py): the
generated C computes them with Python's slice rules (negative bounds wrap, out-of-range
bounds clip, crossing bounds give an empty view), so every array statement on it is a loop
nest whose extents are C expressions of the enclosing counters.

A size check that mentions such a size (two of them broadcast together, a matrix product's
inner dims) can only be decided where the counters have their values: it becomes a
``Check`` statement at that point of the program (the kernel stops there with the check's
error code, after the writes before it, as NumPy raises there).

>>> start, length, step = slice_dims(Sym("sv3"), None, 1, Sym("a0_d0"))
>>> length
npa_slice_len(sv3, 1, 0, 0, 1, a0_d0)
"""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedError
from ..ir import program as P
from ..ir.dims import SliceDim, Sym, dim_add, dim_mul, dim_sub, loop_variant, symbols
from ..ir.nodes import Const, DimValue, Elementwise, Node, ScalarParam, ScalarVar
from ..ir.checks import (BroadcastDims, DimCheck, DimsEqual, FitsInto, IndexInRange, MaskMatches, NonEmpty,
                         NonNegativeGuard, RerunOnly, ShapeGuard)
from ..ir.ops import Op
from .semantics import numpy_semantics

_I64 = np.dtype(np.int64)
_DIM_OPS = {Op.ADD: dim_add, Op.PY_ADD: dim_add, Op.SUBTRACT: dim_sub, Op.PY_SUB: dim_sub,
            Op.MULTIPLY: dim_mul, Op.PY_MUL: dim_mul}
# checks the program can make where it stands; the others (guards that send the whole call
# to Python) must be decided before anything runs
_IN_PROGRAM = (DimsEqual, BroadcastDims, FitsInto, DimCheck, NonEmpty,
               IndexInRange, MaskMatches)


def check_dims(c) -> list:
    """Every dim a check record reads."""
    dims = [getattr(c, f) for f in ("a", "b", "dim", "mask_dim", "left", "right") if hasattr(c, f)]
    dims += list(getattr(c, "values", ())) + list(getattr(c, "dims", ()))
    return dims + [d for s in getattr(c, "shapes", ()) for d in s]


class RunTimeChecks(list):
    """The lowering's run-time checks (decided by the caller before the kernel runs), except
    those on sizes known only inside the program: each of those becomes a ``Check``
    statement where it arises."""

    def __init__(self, state):
        super().__init__()
        self.state = state

    def _in_program(self, c) -> bool:
        if not any(loop_variant(d) for d in check_dims(c) if not isinstance(d, (int, type(None)))):
            return False
        if isinstance(c, (NonNegativeGuard, ShapeGuard)):
            # a guard (where it fails, NumPy's answer is the call run in Python): where it
            # fails inside the program, the call reruns in Python
            c = RerunOnly(c.dim, ">=", 0, "ValueError", "a negative size") if isinstance(c, NonNegativeGuard) else \
                RerunOnly(c.a, "==", c.b, "ValueError", "sizes a compiled loop needs equal differ")
            self.state.rerun_only = self.state.rerun_only or "a size computed in a loop that NumPy checks"
        elif not isinstance(c, _IN_PROGRAM):
            raise UnsupportedError("a size known only inside a loop, which NumPy checks before the call here")
        self.state.block.append(P.Check(c))
        return True

    def append(self, c):
        if not self._in_program(c):
            super().append(c)

    def insert(self, i, c):
        if not self._in_program(c):
            super().insert(i, c)


def bound_dim(lw, value, node):
    """A slice bound (a 0-d integer node) as a dim: counters, int arguments and their
    sums/differences/products stay expressions; any other value is computed into a C local
    first (where the slice is written, so it reads the value of that moment)."""
    if not isinstance(value, Node):
        return int(value) if isinstance(value, (int, np.integer)) else value     # a dim already
    if isinstance(value, DimValue):
        return value.dim
    python_bool = value.weak and value.ndim == 0 and value.dtype.kind == "b"    # an int, 0 or 1
    if python_bool and isinstance(value, ScalarParam):
        return Sym(f"s{value.index}")
    if isinstance(value, Elementwise) and value.op is Op.CAST and value.dtype == _I64 and value.weak and \
            value.args[0].weak and value.args[0].dtype.kind == "b":
        return bound_dim(lw, value.args[0], node)
    if python_bool:
        value = lw.cast_to(value, _I64)
    if value.ndim or value.dtype.kind not in "iu":
        with numpy_semantics():
            raise TypeError("slice indices must be integers or None or have an __index__ method")
    if value.dtype == np.uint64 and not isinstance(value, Const):
        raise lw.unsupported("a uint64 slice bound known only at run time", node)
    if isinstance(value, Const):
        return int(value.value)
    if isinstance(value, ScalarVar) and value.dtype == _I64:
        return Sym(f"sv{value.vid}")
    if isinstance(value, ScalarParam) and value.dtype.kind == "i":
        return Sym(f"s{value.index}")
    if isinstance(value, Elementwise) and value.dtype == _I64:
        if value.op in _DIM_OPS:
            a, b = (bound_dim(lw, x, node) for x in value.args)
            return _DIM_OPS[value.op](a, b)
        if value.op is Op.NEGATIVE:
            return dim_sub(0, bound_dim(lw, value.args[0], node))
    if value.dtype != _I64:
        value = lw.cast_to(value, _I64)
    var = lw.materialise(value, "bound")
    return Sym(f"sv{var.vid}")


def slice_dims(start, stop, step, n):
    """(start, length, step) of ``range(n)[start:stop:step]`` as dims (None: omitted)."""
    return SliceDim("start", start, stop, step, n), SliceDim("len", start, stop, step, n), step


def runtime_slice(lw, s, n, node):
    """(start, length, step) of the slice ``s`` over a dim of size ``n``, some bound of which
    is known only at run time (a node, or a size computed from an int argument)."""
    step = 1 if s.step is None else s.step
    if isinstance(step, Const):
        step = step.value
    if isinstance(step, (int, np.integer)):
        step = int(step)
        if step == 0:
            with numpy_semantics():
                raise ValueError("slice step cannot be zero")
    else:       # known at run time: checked where the slice is taken
        step = bound_dim(lw, step, node)
        lw.state.checks.append(DimCheck(step, "!=", 0, "ValueError", "slice step cannot be zero"))
    bounds = [None if b is None else bound_dim(lw, b, node) for b in (s.start, s.stop)]
    return slice_dims(bounds[0], bounds[1], step, n)


def is_runtime_bound(part) -> bool:
    """A slice bound that needs ``runtime_slice``: a node (a value known at run time) or a
    size computed from an int argument (it may be negative or past the end)."""
    if isinstance(part, Node):
        return True
    if isinstance(part, (int, np.integer)) or part is None:
        return False
    return any(name.startswith("s") for name in symbols(part))

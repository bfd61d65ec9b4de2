"""The matrix products' kit: operands as np.asarray sees them, casts, views that move a
contracted axis into place, size checks of contracted dims (now, or at run time), and
``matmul_node``, np.matmul's dtype, shape and errors for two array nodes. The handlers of
calls_linalg.py (matmul, dot, vdot, inner, outer, norm), calls_einsum.py (tensordot,
einsum), calls_lapack.py and calls_svd.py build on it.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..ir.checks import DimCheck
from ..ir.dims import shape_size
from ..ir.nodes import Const, Elementwise, MatMul, Node, Reduce, Reshape, View
from ..ir.ops import Op
from . import infer
from .semantics import numpy_semantics, stand_in

MATMUL_MISMATCH = ("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                   "signature (n?,k),(k,m?)->(n?,m?) (size {} is different from {})")
DOT_MISMATCH = "shapes not aligned: {} (dim {}) != {} (dim {})"
SUM_MISMATCH = "shape-mismatch for sum"
EINSUM_MISMATCH = "einsum: operands could not be broadcast together: a dimension of size {} and one of size {}"
KINDS = "biuf"


# ---- building blocks -------------------------------------------------------------------

def interned(lw, node):
    return lw.intern(node)


def operand(lw, x, node):
    """An operand as np.asarray would see it: Python scalars become strong 0-d values."""
    if isinstance(x, Node):
        if x.weak:      # a Python scalar argument: np.dot & co. convert it to an array
            return cast_to(lw, x, np.asarray({"b": True, "i": 1, "u": 1, "f": 1.0, "c": 1j}[x.dtype.kind]).dtype)
        return x
    if isinstance(x, (bool, int, float, np.generic)) and not isinstance(x, (complex, np.complexfloating)):
        arr = np.asarray(x)
        if arr.dtype.kind in KINDS:
            return interned(lw, Const(value=arr.item(), dtype=arr.dtype, weak=False))
    if isinstance(x, (np.ndarray, list, tuple)):      # a constant table, a list: np.asarray's array
        return operand(lw, lw.as_node(x, node), node)
    raise lw.unsupported(f"a {type(x).__name__} operand of a matrix product", node)


def cast_to(lw, a, dtype):
    dtype = np.dtype(dtype)
    if a.dtype == dtype and not a.weak:
        return a
    return interned(lw, Elementwise(op=Op.CAST, args=(a,), in_dtypes=(a.dtype,), dtype=dtype, shape=a.shape))


def arrange(lw, a, layout):
    """A view of ``a`` whose dim k is a's dim ``layout[k]``, or a new size-1 axis (None)."""
    if list(layout) == list(range(a.ndim)):
        return a
    return interned(lw, View(arg=a, axes=tuple(None if d is None else (d, 0, 1) for d in layout), fixed=(),
                            dtype=a.dtype, shape=tuple(1 if d is None else a.shape[d] for d in layout)))


def drop_axes(lw, a, dims):
    """``a`` without its size-1 dims ``dims``."""
    if not dims:
        return a
    keep = [d for d in range(a.ndim) if d not in dims]
    return interned(lw, View(arg=a, axes=tuple((d, 0, 1) for d in keep), fixed=tuple((d, 0) for d in dims),
                            dtype=a.dtype, shape=tuple(a.shape[d] for d in keep)))


def ravel_node(lw, a):
    if a.ndim == 1:
        return a
    if a.ndim == 0:
        return arrange(lw, a, [None])
    return interned(lw, Reshape(arg=a, dtype=a.dtype, shape=(shape_size(a.shape),)))


def same_size(lw, x, y, message, values=None, error="ValueError"):
    """Contracted dims must be equal: now if both are known, else a run-time check."""
    if x == y:
        return
    values = (x, y) if values is None else values
    if isinstance(x, int) and isinstance(y, int):
        with numpy_semantics():
            raise getattr(builtins, error)(message.format(*values))
    check = DimCheck(left=x, cmp="==", right=y, error=error, message=message, values=tuple(values))
    if check not in lw.state.checks:
        lw.state.checks.append(check)


def multiply(lw, a, b, dtype, shape):
    a, b = cast_to(lw, a, dtype), cast_to(lw, b, dtype)
    return interned(lw, Elementwise(op=Op.MULTIPLY, args=(a, b), in_dtypes=(dtype, dtype), dtype=dtype,
                                   shape=shape))


def sum_over(lw, a, axes, dtype):
    """add.reduce over ``axes`` accumulating in ``dtype`` (bool: logical or)."""
    if not axes:
        return cast_to(lw, a, dtype)
    a = cast_to(lw, a, dtype)
    shape = tuple(d for i, d in enumerate(a.shape) if i not in axes)
    return interned(lw, Reduce(op=Op.SUM, arg=a, axes=tuple(sorted(axes)), keepdims=False, dtype=dtype,
                              shape=shape))


def matmul_node(lw, a, b, node, message=MATMUL_MISMATCH, dot_style=False):
    """np.matmul(a, b) for two array nodes: NumPy's loop dtype, shapes and errors."""
    if a.ndim == 0 or b.ndim == 0:
        with numpy_semantics():
            np.matmul(stand_in(a, python_scalars=False), stand_in(b, python_scalars=False))     # NumPy's own "not enough dimensions"
    with numpy_semantics():
        in_a, in_b, dtype = np.matmul.resolve_dtypes((a.dtype, b.dtype, None))
    if dtype.kind not in KINDS and dtype not in (np.complex64, np.complex128):
        raise lw.unsupported(f"matrix product of {a.dtype} and {b.dtype}", node)
    ka, kb = a.shape[-1], b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if dot_style:
        same_size(lw, ka, kb, message, (ka, a.ndim - 1, kb, max(b.ndim - 2, 0)))
    else:
        same_size(lw, kb, ka, message)
    with numpy_semantics():
        batch = infer.broadcast_shapes([a.shape[:-2], b.shape[:-2]], lw.state.checks)
    shape = batch + tuple(a.shape[-2:-1] if a.ndim >= 2 else ()) + tuple(b.shape[-1:] if b.ndim >= 2 else ())
    # (s * A) @ B == s * (A @ B) up to rounding: the scalar moves to the loop that reads the
    # product (float32/64, where BLAS sums in its own order anyway), so the operand stays
    # an array the BLAS reads in place instead of a scaled copy
    scales = []
    if dtype.kind == "f" and dtype.itemsize >= 4:
        a, b = (_unscaled(x, dtype, scales) for x in (a, b))
    a, b = cast_to(lw, a, in_a), cast_to(lw, b, in_b)
    if _fused_matvec(a, b, dtype):
        # E @ v with E an expression: a row sum of E * v, computed as E is, never stored
        result = lw.reduction("sum", lw.ufunc(np.multiply, (a, b), node), (), {"axis": 1}, node)
    else:
        result = interned(lw, MatMul(a=a, b=b, dtype=dtype, shape=shape))
    for scalar, first in scales:
        result = lw.ufunc(np.multiply, (scalar, result) if first else (result, scalar), node)
    return result


def _fused_matvec(a, b, dtype) -> bool:
    """Is ``a @ b`` a matrix-vector product whose matrix is a computed elementwise value
    (nbody's ``(dx * inv_r3) @ mass``)? BLAS would need the matrix stored first: a write
    and a read of M*K values. As a fused row reduction the matrix is never stored, and
    sibling products over the same rows share one loop nest (plan.fuse)."""
    return a.ndim == 2 and b.ndim == 1 and isinstance(a, Elementwise) and a.op is not Op.CAST and \
        dtype.kind == "f" and dtype.itemsize >= 4 and a.dtype == b.dtype == dtype


def _unscaled(x, dtype, scales):
    """``x`` without a scalar factor (recorded in ``scales``) when x = scalar * array."""
    if isinstance(x, Elementwise) and x.op is Op.MULTIPLY and x.dtype == dtype and \
            all(d == dtype for d in x.in_dtypes):
        for i in (0, 1):
            s, m = x.args[i], x.args[1 - i]
            if s.ndim == 0 and m.ndim >= 1 and m.dtype == dtype and x.shape == m.shape:
                scales.append((s, i == 0))
                return m
    return x


def constant_product(lw, name, args, node):
    if not any(isinstance(x, Node) for x in args):
        with numpy_semantics():
            return True, getattr(np, name)(*args)
    return False, None

"""Matrix products and norms: ``@``/np.matmul, np.dot (and ndarray.dot), vdot, inner,
outer, kron, np.linalg.norm (tensordot and einsum: calls_einsum.py; the kit: products.py).

Every contraction over one axis becomes a ``MatMul`` node (a library call: BLAS for
float32/64) after views that move the contracted axis into place; those views cost
nothing (a transposed operand becomes a BLAS trans flag). What is not such a product is
written with the ops the graph already has: no contracted axis (outer products) is a
broadcast multiply. Dtypes are NumPy's (np.matmul's loop type), and so are the errors:
static ones raised at compile time, size mismatches that depend on run-time dims checked
before the kernel runs.
"""
from __future__ import annotations

import numpy as np

from ..ir.nodes import Node, Reduce
from ..ir.ops import Op
from . import infer
from .calls import register, register_method
from .semantics import numpy_semantics
from .products import DOT_MISMATCH, arrange, cast_to, constant_product, interned, matmul_node, operand, ravel_node


# ---- matmul, dot, vdot, inner, outer ---------------------------------------------------------

def matmul_value(lw, a, b, node):
    """``a @ b`` (the lowerer's binop calls this)."""
    done, value = constant_product(lw, "matmul", (a, b), node)
    if done:
        return value
    return matmul_node(lw, operand(lw, a, node), operand(lw, b, node), node)


@register(np.matmul)
def _matmul(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("np.matmul with out=, axes= or other options", node)
    return matmul_value(lw, args[0], args[1], node)


def dot_value(lw, a, b, node):
    a, b = operand(lw, a, node), operand(lw, b, node)
    if a.ndim == 0 or b.ndim == 0:
        return lw.ufunc(np.multiply, (a, b), node)
    if b.ndim <= 2 or a.ndim == 1:
        return matmul_node(lw, a, b, node, DOT_MISMATCH, dot_style=True)
    # dot(a[..., M, K], b[J..., K, N]) -> [..., M, J..., N]: a broadcast over b's batch dims
    j = b.ndim - 2
    lead = a.ndim - 2
    wide = arrange(lw, a, list(range(lead)) + [None] * j + [lead, lead + 1])
    product = matmul_node(lw, wide, b, node, DOT_MISMATCH, dot_style=True)   # [..., J..., M, N]
    order = list(range(lead)) + [lead + j] + list(range(lead, lead + j)) + [lead + j + 1]
    return arrange(lw, product, order)


@register(np.dot)
def _dot(lw, args, kwargs, node):
    if kwargs.get("out") is not None or len(args) != 2 or set(kwargs) - {"out"}:
        raise lw.unsupported("np.dot with out=", node)
    done, value = constant_product(lw, "dot", args, node)
    return value if done else dot_value(lw, args[0], args[1], node)


@register_method("dot")
def _dot_method(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("ndarray.dot with out=", node)
    return dot_value(lw, args[0], args[1], node)


@register(np.vdot)
def _vdot(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("np.vdot with keyword arguments", node)
    done, value = constant_product(lw, "vdot", args, node)
    if done:
        return value
    a, b = (ravel_node(lw, operand(lw, x, node)) for x in args)
    if a.dtype.kind == "c":         # vdot conjugates its first argument
        a = lw.ufunc(np.conjugate, (a,), node)
    return matmul_node(lw, a, b, node, DOT_MISMATCH, dot_style=True)


@register(np.inner)
def _inner(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("np.inner with keyword arguments", node)
    done, value = constant_product(lw, "inner", args, node)
    if done:
        return value
    a, b = (operand(lw, x, node) for x in args)
    if a.ndim == 0 or b.ndim == 0:
        return lw.ufunc(np.multiply, (a, b), node)
    if b.ndim >= 2:      # inner(a, b) = dot(a, b with its last two axes swapped)
        b = arrange(lw, b, list(range(b.ndim - 2)) + [b.ndim - 1, b.ndim - 2])
    return dot_value(lw, a, b, node)


@register(np.outer)
def _outer(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("np.outer with out=", node)
    done, value = constant_product(lw, "outer", args, node)
    if done:
        return value
    a, b = (ravel_node(lw, operand(lw, x, node)) for x in args)
    return lw.ufunc(np.multiply, (arrange(lw, a, [0, None]), arrange(lw, b, [None, 0])), node)


# ---- contractions by labels: tensordot and einsum -------------------------------------------


@register(np.linalg.norm)
def _norm(lw, args, kwargs, node):
    names = ("x", "ord", "axis", "keepdims")
    options = dict(zip(names, args), **kwargs)
    if set(options) - set(names) or len(args) > 4:
        raise lw.unsupported("np.linalg.norm with unknown arguments", node)
    x, ord_, axis, keepdims = (options.get(n) for n in names)
    keepdims = bool(keepdims)
    if not isinstance(x, Node):
        with numpy_semantics():
            return np.linalg.norm(x, ord_, axis, keepdims)
    for what, v in (("ord", ord_), ("axis", axis)):
        if isinstance(v, Node):
            raise lw.unsupported(f"np.linalg.norm with a run-time {what}", node)
    with numpy_semantics():
        # NumPy's checks of ord/axis/ndim, on a stand-in
        np.linalg.norm(np.ones((2,) * x.ndim, x.dtype if x.dtype.kind in "fc" else float), ord_, axis, keepdims)
    if x.dtype.kind not in "f":
        x = cast_to(lw, x, np.float64)        # norm works on x.astype(float)
    ufunc = lw.ufunc

    def absx():
        return ufunc(np.absolute, (x,), node)

    def reduce(name, value, ax, keep):
        return lw.reduction(name, value, (), {"axis": ax, "keepdims": keep}, node)
    if axis is None and (ord_ is None or (ord_ in ("f", "fro") and x.ndim == 2) or (ord_ == 2 and x.ndim == 1)):
        if (x.ndim == 1 or x.dtype == np.float16) and not keepdims:
            flat = ravel_node(lw, x)                # NumPy: sqrt(dot(x.ravel(), x.ravel()))
            return ufunc(np.sqrt, (matmul_node(lw, flat, flat, node),), node)
        return ufunc(np.sqrt, (reduce("sum", ufunc(np.multiply, (x, x), node), None, keepdims),), node)
    if axis is None:
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    with numpy_semantics():
        axes = tuple(int(a) % x.ndim for a in axes)
    def max0(value, ax, keep):
        """max(..., initial=0) of values >= 0: 0 for an empty input, NaN propagates"""
        with numpy_semantics():
            ax = infer.normalize_axes(ax, value.ndim)
        shape = infer.reduced_shape(value.shape, ax, keep)
        top = interned(lw, Reduce(op=Op.MAX, arg=value, axes=ax, keepdims=keep, dtype=value.dtype, shape=shape))
        return ufunc(np.maximum, (top, 0.0), node)
    if len(axes) == 1:
        ax = axes[0]
        if ord_ == np.inf:
            return max0(absx(), ax, keepdims)
        if ord_ == -np.inf:
            return reduce("min", absx(), ax, keepdims)
        if ord_ == 0:
            nonzero = cast_to(lw, ufunc(np.not_equal, (x, 0), node), x.dtype)
            return reduce("sum", nonzero, ax, keepdims)
        if ord_ == 1:
            return reduce("sum", absx(), ax, keepdims)
        if ord_ is None or ord_ == 2:
            return ufunc(np.sqrt, (reduce("sum", ufunc(np.multiply, (x, x), node), ax, keepdims),), node)
        p = float(ord_)
        powered = ufunc(np.power, (absx(), p), node)
        return ufunc(np.power, (reduce("sum", powered, ax, keepdims), 1.0 / p), node)
    row, col = axes
    if ord_ in (None, "fro", "f"):
        result = ufunc(np.sqrt, (reduce("sum", ufunc(np.multiply, (x, x), node), (row, col), False),), node)
    elif ord_ in (1, -1):
        first = reduce("sum", absx(), row, False)
        result = (max0 if ord_ == 1 else lambda v, a, k: reduce("min", v, a, k))(
            first, col - 1 if col > row else col, False)
    elif ord_ in (np.inf, -np.inf):
        first = reduce("sum", absx(), col, False)
        result = (max0 if ord_ > 0 else lambda v, a, k: reduce("min", v, a, k))(
            first, row - 1 if row > col else row, False)
    else:
        raise lw.unsupported(f"np.linalg.norm with ord={ord_!r} (needs an SVD)", node)
    return keep_matrix_dims(lw, result, x.ndim, row, col) if keepdims else result


def keep_matrix_dims(lw, result, ndim, row, col):
    """A matrix norm with ``keepdims``: the reduced ``row``/``col`` axes back as size 1."""
    layout, k = [], 0
    for d in range(ndim):
        if d in (row, col):
            layout.append(None)
        else:
            layout.append(k)
            k += 1
    return arrange(lw, result, layout)


# ---- np.kron: NumPy's own steps, lowered like user code -----------------------------------------

def _kron(a, b, nd):
    a = np.expand_dims(a, tuple(range(nd - a.ndim)))            # both nd dims, 1s in front
    b = np.expand_dims(b, tuple(range(nd - b.ndim)))
    product = np.multiply(np.expand_dims(a, tuple(range(1, 2 * nd, 2))), np.expand_dims(b, tuple(range(0, 2 * nd, 2))))
    return product.reshape(tuple(product.shape[2 * k] * product.shape[2 * k + 1] for k in range(nd)))


@register(np.kron)
def _np_kron(lw, args, kwargs, node):
    """np.kron(a, b): both expanded to 2 * nd dims, multiplied, the pairs of dims joined."""
    from .array_build import as_array
    from .calls_recipes import bound_arguments, inlined
    o = bound_arguments(lw, np.kron, args, kwargs, node)
    a, b = as_array(lw, o["a"], node), as_array(lw, o["b"], node)
    if a.ndim == 0 or b.ndim == 0:
        return lw.ufunc(np.multiply, (a, b), node)
    return inlined(lw, _kron, "np.kron", (a, b, max(a.ndim, b.ndim)), node)


# ---- np.linalg.matrix_rank: NumPy's own steps over the singular values ---------------------------

def _matrix_rank(A, tol, rtol, eps, hermitian):
    if A.ndim < 2:
        return int(not np.all(A == 0))
    S = np.linalg.svd(A, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = max(A.shape[-2:]) * eps
        else:
            rtol = np.asarray(rtol)[..., np.newaxis]
        tol = S.max(axis=-1, keepdims=True, initial=0) * rtol
    else:
        tol = np.asarray(tol)[..., np.newaxis]
    return np.count_nonzero(S > tol, axis=-1)


@register(np.linalg.matrix_rank)
def _np_matrix_rank(lw, args, kwargs, node):
    """np.linalg.matrix_rank: the singular values (calls_svd.py) above NumPy's tolerance."""
    from .array_build import as_array
    from .calls_recipes import bound_arguments, inlined
    o = bound_arguments(lw, np.linalg.matrix_rank, args, kwargs, node)
    if not isinstance(o["hermitian"], bool):
        raise lw.unsupported("np.linalg.matrix_rank() with a run-time hermitian=", node)
    A = as_array(lw, o["A"], node)
    with numpy_semantics():
        real = np.linalg.svd(np.ones((1, 1), A.dtype), compute_uv=False).dtype if A.ndim >= 2 else np.dtype(float)
    return inlined(lw, _matrix_rank, "np.linalg.matrix_rank",
                   (A, o["tol"], o["rtol"], float(np.finfo(real).eps), o["hermitian"]), node)

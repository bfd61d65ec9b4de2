"""Matrix products and norms: ``@``/np.matmul, np.dot (and ndarray.dot), vdot, inner,
outer, tensordot, einsum, np.linalg.norm.

Every contraction over one axis becomes a ``MatMul`` node (a library call: BLAS for
float32/64) after views that move the contracted axis into place; those views cost
nothing (a transposed operand becomes a BLAS trans flag). What is not such a product is
written with the ops the graph already has: no contracted axis (outer products, einsum
'ij,ij->ij') is a broadcast multiply, several contracted axes a multiply and a sum.
Dtypes are NumPy's (np.matmul's loop type, einsum's result type), and so are the errors:
static ones raised at compile time, size mismatches that depend on run-time dims checked
before the kernel runs.

>>> parse_einsum("ij,jk->ik", 2)
((('i', 'j'), ('j', 'k')), ('i', 'k'))
>>> parse_einsum("ij,jk", 2)[1], parse_einsum("ba", 1)[1]
(('i', 'k'), ('a', 'b'))
"""
from __future__ import annotations

import builtins

import numpy as np

from ..ir.checks import DimCheck
from ..ir.dims import shape_size
from ..ir.nodes import Const, Elementwise, MatMul, Node, Reduce, Reshape, View
from ..ir.ops import Op
from . import infer
from .calls import register, register_method
from .semantics import numpy_semantics, stand_in

MATMUL_MISMATCH = ("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                   "signature (n?,k),(k,m?)->(n?,m?) (size {} is different from {})")
DOT_MISMATCH = "shapes not aligned: {} (dim {}) != {} (dim {})"
SUM_MISMATCH = "shape-mismatch for sum"
EINSUM_MISMATCH = "einsum: operands could not be broadcast together: a dimension of size {} and one of size {}"
_KINDS = "biuf"


# ---- building blocks -------------------------------------------------------------------

def _intern(lw, node):
    return lw.intern(node)


def _array(lw, x, node):
    """An operand as np.asarray would see it: Python scalars become strong 0-d values."""
    if isinstance(x, Node):
        if x.weak:      # a Python scalar argument: np.dot & co. convert it to an array
            return _cast(lw, x, np.asarray({"b": True, "i": 1, "u": 1, "f": 1.0, "c": 1j}[x.dtype.kind]).dtype)
        return x
    if isinstance(x, (bool, int, float, np.generic)) and not isinstance(x, (complex, np.complexfloating)):
        arr = np.asarray(x)
        if arr.dtype.kind in _KINDS:
            return _intern(lw, Const(value=arr.item(), dtype=arr.dtype, weak=False))
    raise lw.unsupported(f"a {type(x).__name__} operand of a matrix product", node)


def _cast(lw, a, dtype):
    dtype = np.dtype(dtype)
    if a.dtype == dtype and not a.weak:
        return a
    return _intern(lw, Elementwise(op=Op.CAST, args=(a,), in_dtypes=(a.dtype,), dtype=dtype, shape=a.shape))


def _arrange(lw, a, layout):
    """A view of ``a`` whose dim k is a's dim ``layout[k]``, or a new size-1 axis (None)."""
    if list(layout) == list(range(a.ndim)):
        return a
    return _intern(lw, View(arg=a, axes=tuple(None if d is None else (d, 0, 1) for d in layout), fixed=(),
                            dtype=a.dtype, shape=tuple(1 if d is None else a.shape[d] for d in layout)))


def _drop_axes(lw, a, dims):
    """``a`` without its size-1 dims ``dims``."""
    if not dims:
        return a
    keep = [d for d in range(a.ndim) if d not in dims]
    return _intern(lw, View(arg=a, axes=tuple((d, 0, 1) for d in keep), fixed=tuple((d, 0) for d in dims),
                            dtype=a.dtype, shape=tuple(a.shape[d] for d in keep)))


def _ravel(lw, a):
    if a.ndim == 1:
        return a
    if a.ndim == 0:
        return _arrange(lw, a, [None])
    return _intern(lw, Reshape(arg=a, dtype=a.dtype, shape=(shape_size(a.shape),)))


def _same_size(lw, x, y, message, values=None, error="ValueError"):
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


def _multiply(lw, a, b, dtype, shape):
    a, b = _cast(lw, a, dtype), _cast(lw, b, dtype)
    return _intern(lw, Elementwise(op=Op.MULTIPLY, args=(a, b), in_dtypes=(dtype, dtype), dtype=dtype,
                                   shape=shape))


def _sum(lw, a, axes, dtype):
    """add.reduce over ``axes`` accumulating in ``dtype`` (bool: logical or)."""
    if not axes:
        return _cast(lw, a, dtype)
    a = _cast(lw, a, dtype)
    shape = tuple(d for i, d in enumerate(a.shape) if i not in axes)
    return _intern(lw, Reduce(op=Op.SUM, arg=a, axes=tuple(sorted(axes)), keepdims=False, dtype=dtype,
                              shape=shape))


def matmul_node(lw, a, b, node, message=MATMUL_MISMATCH, dot_style=False):
    """np.matmul(a, b) for two array nodes: NumPy's loop dtype, shapes and errors."""
    if a.ndim == 0 or b.ndim == 0:
        with numpy_semantics():
            np.matmul(stand_in(a, python_scalars=False), stand_in(b, python_scalars=False))     # NumPy's own "not enough dimensions"
    with numpy_semantics():
        in_a, in_b, dtype = np.matmul.resolve_dtypes((a.dtype, b.dtype, None))
    if dtype.kind not in _KINDS and dtype not in (np.complex64, np.complex128):
        raise lw.unsupported(f"matrix product of {a.dtype} and {b.dtype}", node)
    ka, kb = a.shape[-1], b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if dot_style:
        _same_size(lw, ka, kb, message, (ka, a.ndim - 1, kb, max(b.ndim - 2, 0)))
    else:
        _same_size(lw, kb, ka, message)
    with numpy_semantics():
        batch = infer.broadcast_shapes([a.shape[:-2], b.shape[:-2]], lw.state.checks)
    shape = batch + tuple(a.shape[-2:-1] if a.ndim >= 2 else ()) + tuple(b.shape[-1:] if b.ndim >= 2 else ())
    # (s * A) @ B == s * (A @ B) up to rounding: the scalar moves to the loop that reads the
    # product (float32/64, where BLAS sums in its own order anyway), so the operand stays
    # an array the BLAS reads in place instead of a scaled copy
    scales = []
    if dtype.kind == "f" and dtype.itemsize >= 4:
        a, b = (_unscaled(x, dtype, scales) for x in (a, b))
    a, b = _cast(lw, a, in_a), _cast(lw, b, in_b)
    if _fused_matvec(a, b, dtype):
        # E @ v with E an expression: a row sum of E * v, computed as E is, never stored
        result = lw.reduction("sum", lw.ufunc(np.multiply, (a, b), node), (), {"axis": 1}, node)
    else:
        result = _intern(lw, MatMul(a=a, b=b, dtype=dtype, shape=shape))
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


def _any_node(lw, name, args, node):
    if not any(isinstance(x, Node) for x in args):
        with numpy_semantics():
            return True, getattr(np, name)(*args)
    return False, None


# ---- matmul, dot, vdot, inner, outer ---------------------------------------------------------

def matmul_value(lw, a, b, node):
    """``a @ b`` (the lowerer's binop calls this)."""
    done, value = _any_node(lw, "matmul", (a, b), node)
    if done:
        return value
    return matmul_node(lw, _array(lw, a, node), _array(lw, b, node), node)


@register(np.matmul)
def _matmul(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("np.matmul with out=, axes= or other options", node)
    return matmul_value(lw, args[0], args[1], node)


def dot_value(lw, a, b, node):
    a, b = _array(lw, a, node), _array(lw, b, node)
    if a.ndim == 0 or b.ndim == 0:
        return lw.ufunc(np.multiply, (a, b), node)
    if b.ndim <= 2 or a.ndim == 1:
        return matmul_node(lw, a, b, node, DOT_MISMATCH, dot_style=True)
    # dot(a[..., M, K], b[J..., K, N]) -> [..., M, J..., N]: a broadcast over b's batch dims
    j = b.ndim - 2
    lead = a.ndim - 2
    wide = _arrange(lw, a, list(range(lead)) + [None] * j + [lead, lead + 1])
    product = matmul_node(lw, wide, b, node, DOT_MISMATCH, dot_style=True)   # [..., J..., M, N]
    order = list(range(lead)) + [lead + j] + list(range(lead, lead + j)) + [lead + j + 1]
    return _arrange(lw, product, order)


@register(np.dot)
def _dot(lw, args, kwargs, node):
    if kwargs.get("out") is not None or len(args) != 2 or set(kwargs) - {"out"}:
        raise lw.unsupported("np.dot with out=", node)
    done, value = _any_node(lw, "dot", args, node)
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
    done, value = _any_node(lw, "vdot", args, node)
    if done:
        return value
    a, b = (_ravel(lw, _array(lw, x, node)) for x in args)
    if a.dtype.kind == "c":         # vdot conjugates its first argument
        a = lw.ufunc(np.conjugate, (a,), node)
    return matmul_node(lw, a, b, node, DOT_MISMATCH, dot_style=True)


@register(np.inner)
def _inner(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("np.inner with keyword arguments", node)
    done, value = _any_node(lw, "inner", args, node)
    if done:
        return value
    a, b = (_array(lw, x, node) for x in args)
    if a.ndim == 0 or b.ndim == 0:
        return lw.ufunc(np.multiply, (a, b), node)
    if b.ndim >= 2:      # inner(a, b) = dot(a, b with its last two axes swapped)
        b = _arrange(lw, b, list(range(b.ndim - 2)) + [b.ndim - 1, b.ndim - 2])
    return dot_value(lw, a, b, node)


@register(np.outer)
def _outer(lw, args, kwargs, node):
    if kwargs or len(args) != 2:
        raise lw.unsupported("np.outer with out=", node)
    done, value = _any_node(lw, "outer", args, node)
    if done:
        return value
    a, b = (_ravel(lw, _array(lw, x, node)) for x in args)
    return lw.ufunc(np.multiply, (_arrange(lw, a, [0, None]), _arrange(lw, b, [None, 0])), node)


# ---- contractions by labels: tensordot and einsum -------------------------------------------

def contract(lw, a, la, b, lb, out, dtype, node):
    """sum over the labels not in ``out`` of a[la] * b[lb], laid out in ``out``'s order.

    Each operand's labels are distinct; shared labels have equal (or size-1) dims.
    """
    # a summed label of size 1 in one operand broadcasts: it leaves that operand, and the
    # other one sums over it alone
    for x in [x for x in la if x in lb and x not in out]:
        da, db = a.shape[la.index(x)], b.shape[lb.index(x)]
        if da == 1 and db != 1:
            a, la = _drop_axes(lw, a, [la.index(x)]), [y for y in la if y != x]
        elif db == 1 and da != 1:
            b, lb = _drop_axes(lw, b, [lb.index(x)]), [y for y in lb if y != x]
    # labels only one operand has and the result lacks are summed over first
    a, la = _presum(lw, a, la, set(lb) | set(out), dtype)
    b, lb = _presum(lw, b, lb, set(la) | set(out), dtype)
    batch = [x for x in out if x in la and x in lb]
    fa = [x for x in out if x in la and x not in lb]
    fb = [x for x in out if x in lb and x not in la]
    summed = [x for x in la if x in lb and x not in out]
    if len(summed) == 1 and len(fa) <= 1 and len(fb) <= 1:
        c = summed[0]
        if not batch:
            ra = _arrange(lw, a, [la.index(x) for x in fa + [c]])
            rb = _arrange(lw, b, [lb.index(x) for x in [c] + fb])
            product = matmul_node(lw, _cast(lw, ra, dtype), _cast(lw, rb, dtype), node, EINSUM_MISMATCH)
            labels = fa + fb
        else:
            ra = _arrange(lw, a, [la.index(x) for x in batch] + [la.index(fa[0]) if fa else None, la.index(c)])
            rb = _arrange(lw, b, [lb.index(x) for x in batch] + [lb.index(c), lb.index(fb[0]) if fb else None])
            product = matmul_node(lw, _cast(lw, ra, dtype), _cast(lw, rb, dtype), node, EINSUM_MISMATCH)
            nb = len(batch)
            product = _drop_axes(lw, product, [nb + i for i, f in enumerate((fa, fb)) if not f])
            labels = batch + fa + fb
        return _arrange(lw, product, [labels.index(x) for x in out])
    # no contracted label: a broadcast product; several: a product and a sum over them
    labels = batch + fa + fb + summed
    ra = _arrange(lw, a, [la.index(x) if x in la else None for x in labels])
    rb = _arrange(lw, b, [lb.index(x) if x in lb else None for x in labels])
    with numpy_semantics():
        shape = infer.broadcast_shapes([ra.shape, rb.shape], lw.state.checks)
    # float16 products and sums in float32, as NumPy's half loops compute them
    work = np.dtype(np.float32) if dtype == np.float16 else dtype
    product = _multiply(lw, ra, rb, work, shape)
    total = _sum(lw, product, list(range(len(labels) - len(summed), len(labels))), work)
    total = _cast(lw, total, dtype)
    kept = batch + fa + fb
    return _arrange(lw, total, [kept.index(x) for x in out])


def _presum(lw, a, la, others, dtype):
    private = [i for i, x in enumerate(la) if x not in others]
    if not private:
        return a, list(la)
    return _sum(lw, a, private, dtype), [x for i, x in enumerate(la) if i not in private]


def _check_labels(lw, operands, specs, strict):
    """Dims that share a label must agree (einsum also lets a size-1 dim broadcast)."""
    seen = {}
    for a, spec in zip(operands, specs):
        for x, d in zip(spec, a.shape):
            if x not in seen:
                seen[x] = d
                continue
            first = seen[x]
            if strict:
                _same_size(lw, first, d, SUM_MISMATCH, ())
            elif first != d and first != 1 and d != 1:
                _same_size(lw, first, d, EINSUM_MISMATCH)
            if first == 1:
                seen[x] = d


@register(np.tensordot)
def _tensordot(lw, args, kwargs, node):
    names = ("a", "b", "axes")
    options = dict(zip(names, args), **kwargs)
    if set(options) - set(names) or len(args) > 3:
        raise lw.unsupported("np.tensordot with unknown arguments", node)
    a, b, axes = options.get("a"), options.get("b"), options.get("axes", 2)
    done, value = _any_node(lw, "tensordot", (a, b), node)
    if done:
        with numpy_semantics():
            return np.tensordot(a, b, axes)
    if _has_node(axes):
        raise lw.unsupported("np.tensordot with run-time axes", node)
    a, b = _array(lw, a, node), _array(lw, b, node)
    with numpy_semantics():
        # NumPy's own argument handling and static shape errors, on stand-ins
        np.tensordot(np.zeros((1,) * a.ndim, a.dtype), np.zeros((1,) * b.ndim, b.dtype), axes)
        dtype = np.dot(np.zeros(1, a.dtype), np.zeros(1, b.dtype)).dtype
        try:
            iter(axes)
        except TypeError:
            axes_a, axes_b = list(range(-axes, 0)), list(range(0, axes))
        else:
            axes_a, axes_b = axes
        axes_a = [int(x) % a.ndim for x in (axes_a if isinstance(axes_a, (list, tuple)) else [axes_a])]
        axes_b = [int(x) % b.ndim for x in (axes_b if isinstance(axes_b, (list, tuple)) else [axes_b])]
    la = [f"a{i}" for i in range(a.ndim)]
    lb = [f"b{i}" for i in range(b.ndim)]
    for i, j in zip(axes_a, axes_b):
        lb[j] = la[i]
    _check_labels(lw, (a, b), (la, lb), strict=True)
    out = [x for i, x in enumerate(la) if i not in axes_a] + [x for j, x in enumerate(lb) if j not in axes_b]
    result = contract(lw, a, la, b, lb, out, dtype, node)
    if result.ndim == 0:    # tensordot returns a 0-d array, not a scalar
        result = _intern(lw, Elementwise(op=Op.CAST, args=(result,), in_dtypes=(dtype,), dtype=dtype,
                                         shape=(), array0d=True))
    return result


def _has_node(value):
    if isinstance(value, (tuple, list)):
        return any(_has_node(v) for v in value)
    return isinstance(value, Node)


def parse_einsum(subscripts, count):
    """(input label tuples, output labels) of an einsum without ellipsis."""
    text = subscripts.replace(" ", "")
    if "->" in text:
        ins, out = text.split("->")
        out = tuple(out)
    else:
        ins, out = text, None
    specs = tuple(tuple(s) for s in ins.split(","))
    if out is None:
        letters = [x for s in specs for x in s]
        out = tuple(sorted(x for x in set(letters) if letters.count(x) == 1))
    return specs, out


@register(np.einsum)
def _einsum(lw, args, kwargs, node):
    bad = set(kwargs) - {"optimize"}
    if bad:
        raise lw.unsupported(f"np.einsum(..., {sorted(bad)[0]}=...)", node)
    if not args or not isinstance(args[0], str):
        raise lw.unsupported("np.einsum without a subscripts string", node)
    subscripts, operands = args[0], args[1:]
    if not any(isinstance(x, Node) for x in operands):
        with numpy_semantics():
            return np.einsum(subscripts, *operands)
    if "." in subscripts:
        raise lw.unsupported("np.einsum with an ellipsis", node)
    operands = [_array(lw, x, node) for x in operands]
    with numpy_semantics():
        # NumPy parses and types on stand-ins: its errors for bad subscripts, its dtype
        dtype = np.einsum(subscripts, *[stand_in(x, python_scalars=False) for x in operands]).dtype
    if dtype.kind not in _KINDS and dtype not in (np.complex64, np.complex128):
        raise lw.unsupported(f"np.einsum with result type {dtype}", node)
    specs, out = parse_einsum(subscripts, len(operands))
    if any(len(set(s)) != len(s) for s in specs):
        raise lw.unsupported("np.einsum with a repeated subscript in one operand (diagonal)", node)
    _check_labels(lw, operands, specs, strict=False)
    if len(operands) == 1:
        a, la = _presum(lw, operands[0], specs[0], set(out), dtype)
        return _arrange(lw, _cast(lw, a, dtype), [la.index(x) for x in out])
    a, la = operands[0], list(specs[0])
    for k in range(1, len(operands)):
        later = set(out).union(*[set(s) for s in specs[k + 1:]])
        lb = list(specs[k])
        keep = [x for x in dict.fromkeys(la + lb) if x in later]
        a = contract(lw, a, la, operands[k], lb, keep, dtype, node)
        la = keep
    return _arrange(lw, _cast(lw, a, dtype), [la.index(x) for x in out])


# ---- np.linalg.norm ----------------------------------------------------------------------

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
        x = _cast(lw, x, np.float64)        # norm works on x.astype(float)
    ufunc = lw.ufunc

    def absx():
        return ufunc(np.absolute, (x,), node)

    def reduce(name, value, ax, keep):
        return lw.reduction(name, value, (), {"axis": ax, "keepdims": keep}, node)
    if axis is None and (ord_ is None or (ord_ in ("f", "fro") and x.ndim == 2) or (ord_ == 2 and x.ndim == 1)):
        if (x.ndim == 1 or x.dtype == np.float16) and not keepdims:
            flat = _ravel(lw, x)                # NumPy: sqrt(dot(x.ravel(), x.ravel()))
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
        top = _intern(lw, Reduce(op=Op.MAX, arg=value, axes=ax, keepdims=keep, dtype=value.dtype, shape=shape))
        return ufunc(np.maximum, (top, 0.0), node)
    if len(axes) == 1:
        ax = axes[0]
        if ord_ == np.inf:
            return max0(absx(), ax, keepdims)
        if ord_ == -np.inf:
            return reduce("min", absx(), ax, keepdims)
        if ord_ == 0:
            nonzero = _cast(lw, ufunc(np.not_equal, (x, 0), node), x.dtype)
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
    return _arrange(lw, result, layout)


"""np.tensordot and np.einsum: labels mapped to (batch, free-a, free-b, contracted) axes of
one ``MatMul`` per pair of operands (products.py's kit); no contracted label
('ij,ij->ij') is a broadcast multiply, several contracted labels a multiply and a sum.
Dtypes are einsum's result type, errors NumPy's.

>>> parse_einsum("ij,jk->ik", 2)
((('i', 'j'), ('j', 'k')), ('i', 'k'))
>>> parse_einsum("ij,jk", 2)[1], parse_einsum("ba", 1)[1]
(('i', 'k'), ('a', 'b'))
"""
from __future__ import annotations

import numpy as np

from ..ir.nodes import Elementwise, Node
from ..ir.ops import Op
from . import infer
from .calls import register
from .semantics import numpy_semantics, stand_in
from .products import (EINSUM_MISMATCH, KINDS, SUM_MISMATCH, arrange, cast_to, constant_product, drop_axes,
                       interned, matmul_node, multiply, operand, same_size, sum_over)


def contract(lw, a, la, b, lb, out, dtype, node):
    """sum over the labels not in ``out`` of a[la] * b[lb], laid out in ``out``'s order.

    Each operand's labels are distinct; shared labels have equal (or size-1) dims.
    """
    # a summed label of size 1 in one operand broadcasts: it leaves that operand, and the
    # other one sums over it alone
    for x in [x for x in la if x in lb and x not in out]:
        da, db = a.shape[la.index(x)], b.shape[lb.index(x)]
        if da == 1 and db != 1:
            a, la = drop_axes(lw, a, [la.index(x)]), [y for y in la if y != x]
        elif db == 1 and da != 1:
            b, lb = drop_axes(lw, b, [lb.index(x)]), [y for y in lb if y != x]
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
            ra = arrange(lw, a, [la.index(x) for x in fa + [c]])
            rb = arrange(lw, b, [lb.index(x) for x in [c] + fb])
            product = matmul_node(lw, cast_to(lw, ra, dtype), cast_to(lw, rb, dtype), node, EINSUM_MISMATCH)
            labels = fa + fb
        else:
            ra = arrange(lw, a, [la.index(x) for x in batch] + [la.index(fa[0]) if fa else None, la.index(c)])
            rb = arrange(lw, b, [lb.index(x) for x in batch] + [lb.index(c), lb.index(fb[0]) if fb else None])
            product = matmul_node(lw, cast_to(lw, ra, dtype), cast_to(lw, rb, dtype), node, EINSUM_MISMATCH)
            nb = len(batch)
            product = drop_axes(lw, product, [nb + i for i, f in enumerate((fa, fb)) if not f])
            labels = batch + fa + fb
        return arrange(lw, product, [labels.index(x) for x in out])
    # no contracted label: a broadcast product; several: a product and a sum over them
    labels = batch + fa + fb + summed
    ra = arrange(lw, a, [la.index(x) if x in la else None for x in labels])
    rb = arrange(lw, b, [lb.index(x) if x in lb else None for x in labels])
    with numpy_semantics():
        shape = infer.broadcast_shapes([ra.shape, rb.shape], lw.state.checks)
    # float16 products and sums in float32, as NumPy's half loops compute them
    work = np.dtype(np.float32) if dtype == np.float16 else dtype
    product = multiply(lw, ra, rb, work, shape)
    total = sum_over(lw, product, list(range(len(labels) - len(summed), len(labels))), work)
    total = cast_to(lw, total, dtype)
    kept = batch + fa + fb
    return arrange(lw, total, [kept.index(x) for x in out])


def _presum(lw, a, la, others, dtype):
    private = [i for i, x in enumerate(la) if x not in others]
    if not private:
        return a, list(la)
    return sum_over(lw, a, private, dtype), [x for i, x in enumerate(la) if i not in private]


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
                same_size(lw, first, d, SUM_MISMATCH, ())
            elif first != d and first != 1 and d != 1:
                same_size(lw, first, d, EINSUM_MISMATCH)
            if first == 1:
                seen[x] = d


@register(np.tensordot)
def _tensordot(lw, args, kwargs, node):
    names = ("a", "b", "axes")
    options = dict(zip(names, args), **kwargs)
    if set(options) - set(names) or len(args) > 3:
        raise lw.unsupported("np.tensordot with unknown arguments", node)
    a, b, axes = options.get("a"), options.get("b"), options.get("axes", 2)
    done, value = constant_product(lw, "tensordot", (a, b), node)
    if done:
        with numpy_semantics():
            return np.tensordot(a, b, axes)
    if _has_node(axes):
        raise lw.unsupported("np.tensordot with run-time axes", node)
    a, b = operand(lw, a, node), operand(lw, b, node)
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
        result = interned(lw, Elementwise(op=Op.CAST, args=(result,), in_dtypes=(dtype,), dtype=dtype,
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
    operands = [operand(lw, x, node) for x in operands]
    with numpy_semantics():
        # NumPy parses and types on stand-ins: its errors for bad subscripts, its dtype
        dtype = np.einsum(subscripts, *[stand_in(x, python_scalars=False) for x in operands]).dtype
    if dtype.kind not in KINDS and dtype not in (np.complex64, np.complex128):
        raise lw.unsupported(f"np.einsum with result type {dtype}", node)
    specs, out = parse_einsum(subscripts, len(operands))
    if any(len(set(s)) != len(s) for s in specs):
        raise lw.unsupported("np.einsum with a repeated subscript in one operand (diagonal)", node)
    _check_labels(lw, operands, specs, strict=False)
    if len(operands) == 1:
        a, la = _presum(lw, operands[0], specs[0], set(out), dtype)
        return arrange(lw, cast_to(lw, a, dtype), [la.index(x) for x in out])
    a, la = operands[0], list(specs[0])
    for k in range(1, len(operands)):
        later = set(out).union(*[set(s) for s in specs[k + 1:]])
        lb = list(specs[k])
        keep = [x for x in dict.fromkeys(la + lb) if x in later]
        a = contract(lw, a, la, operands[k], lb, keep, dtype, node)
        la = keep
    return arrange(lw, cast_to(lw, a, dtype), [la.index(x) for x in out])


# ---- np.linalg.norm ----------------------------------------------------------------------

"""Matrix products in the memory plan: which operands a library call cannot read in place
(they get a buffer), and which elementwise value over a product is computed in place over
the product's buffer (an epilogue: bias + relu, alpha * A @ B + beta * C), so the product
needs no buffer of its own. Used by plan.py's plan_memory and fuse_in_dependency_order.
"""
from __future__ import annotations

from ..ir.nodes import ArrayVar, Elementwise, MatMul, Param, Reduce, Storage, View
from .records import Why


def _in_memory(node, have) -> bool:
    """Can a library call read ``node`` where it lies (an array, a buffer, a view of one)?"""
    while isinstance(node, View):
        node = node.arg
    return isinstance(node, (Param, Reduce, MatMul, Storage, ArrayVar)) or node in have


def library_buffers(node, chosen, outputs) -> list:
    """(node, reason) pairs a MatMul adds to the memory plan: operands that are expressions
    (computed into a packed buffer first; a transposed expression is computed untransposed
    and read with the BLAS trans flag), then the product itself.

    >>> import numpy as np
    >>> from npaccel.ir.nodes import Param, Elementwise, MatMul, View
    >>> from npaccel.ir.ops import Op
    >>> f8 = np.dtype("float64")
    >>> x = Param(index=0, name="x", dtype=f8, shape=(3, 4))
    >>> e = Elementwise(op=Op.EXP, args=(x,), in_dtypes=(f8,), dtype=f8, shape=(3, 4))
    >>> t = View(arg=e, axes=((1, 0, 1), (0, 0, 1)), fixed=(), dtype=f8, shape=(4, 3))
    >>> m = MatMul(a=t, b=x, dtype=f8, shape=(4, 4))
    >>> [(n is e, why.value) for n, why in library_buffers(m, [], {m})]
    [(True, 'operand of a matrix product'), (False, 'returned')]
    """
    have = {n for n, _ in chosen}
    added = []
    for operand in (node.a, node.b):
        if _in_memory(operand, have):
            continue
        target = operand
        if isinstance(operand, View) and not operand.fixed and \
                all(ax is not None and ax[1] == 0 and ax[2] == 1 for ax in operand.axes) and \
                len(operand.axes) == operand.arg.ndim:
            target = operand.arg            # a pure transpose: BLAS reads it transposed
        added.append((target, Why.PRODUCT_OPERAND))
        have.add(target)
    added.append((node, Why.RETURNED if node in outputs else Why.PRODUCT_RESULT))
    return added


def buffer_deps(node, materialised) -> list:
    """Materialised nodes whose buffers the kernel computing ``node`` reads."""
    if isinstance(node, MatMul):
        deps = []
        for x in (node.a, node.b):
            while x not in materialised and isinstance(x, View):
                x = x.arg
            if x in materialised:
                deps.append(x)
        return deps
    roots = [node.arg] if isinstance(node, Reduce) else list(node.children())
    deps, seen = [], set()
    while roots:
        x = roots.pop()
        if x in seen:
            continue
        seen.add(x)
        if isinstance(x, (Reduce, MatMul)) and x in materialised:
            deps.append(x)        # read from its buffer; other values are recomputed here
            continue
        roots.extend(x.children())
    return deps


def in_place_product(node, materialised):
    """The product an elementwise value is computed over in place (see epilogues_in_place):
    a MatMul in its expression without a buffer of its own; else None."""
    if isinstance(node, (Reduce, MatMul)):
        return None
    stack, seen = list(node.children()), set()
    while stack:
        x = stack.pop()
        if x in seen or (isinstance(x, (Reduce, MatMul)) and x in materialised):
            continue
        seen.add(x)
        if isinstance(x, MatMul):
            return x
        stack.extend(x.children())
    return None


def outputs_are_final(graph) -> bool:
    """Are the graph's outputs final (a function's results: its kernels compute them)? The
    graphs of what a statement reads (program_plan.py) are not: the statement recomputes
    their elementwise outputs itself, from the buffers planned here, which must hold the
    products."""
    return graph.outputs_final


def epilogues_in_place(chosen, outputs_final=True) -> list:
    """A product read by one elementwise value only, of its shape and dtype, at the same
    index (bias + relu, alpha * A @ B + beta * C, sigmoid(X @ w)) needs no buffer of its own:
    the library kernel computes it into that value's buffer (an output, or the next
    product's operand) and runs the value's loop there, in place. A returned value only
    qualifies when ``outputs_final``.

    >>> import numpy as np
    >>> from npaccel.ir.nodes import Param, Elementwise, MatMul
    >>> from npaccel.ir.ops import Op
    >>> f8 = np.dtype("float64")
    >>> x, w, b = (Param(index=i, name=n, dtype=f8, shape=s) for i, n, s in ((0, "x", (4, 3)), (1, "w", (3, 2)), (2, "b", (2,))))
    >>> m = MatMul(a=x, b=w, dtype=f8, shape=(4, 2))
    >>> y = Elementwise(op=Op.ADD, args=(m, b), in_dtypes=(f8, f8), dtype=f8, shape=(4, 2))
    >>> [why.value for _, why in epilogues_in_place([(m, Why.PRODUCT_RESULT), (y, Why.RETURNED)])]
    ['returned']
    """
    if not any(isinstance(n, MatMul) for n, _ in chosen):
        return list(chosen)
    materialised = {n for n, _ in chosen}
    readers = {}
    for node, _ in chosen:
        for dep in buffer_deps(node, materialised):
            if isinstance(dep, MatMul):
                readers.setdefault(dep, []).append(node)
    drop = set()
    for m, why in chosen:
        users = readers.get(m, [])
        if not isinstance(m, MatMul) or why is Why.RETURNED or len(users) != 1:
            continue
        e = users[0]
        if not outputs_final and dict(chosen).get(e) is Why.RETURNED:
            continue
        if isinstance(e, (Reduce, MatMul)) or e.shape != m.shape or e.dtype != m.dtype or \
                in_place_product(e, materialised - drop) is not None:
            continue
        if _read_at_same_index(e, m, materialised):
            drop.add(m)
    return [(n, why) for n, why in chosen if n not in drop]


def _read_at_same_index(e, m, materialised) -> bool:
    """Is ``m`` reached from ``e`` only through elementwise values of e's shape?"""
    def reaches(x, seen):
        if x is m:
            return True
        if x in seen or (isinstance(x, (Reduce, MatMul)) and x in materialised):
            return False
        seen.add(x)
        return any(reaches(c, seen) for c in x.children())
    stack, seen = [e], set()
    while stack:
        x = stack.pop()
        if x is m or x in seen:
            continue
        seen.add(x)
        if isinstance(x, Elementwise) and x.shape == e.shape:
            stack.extend(x.children())
        elif reaches(x, set()):
            return False
    return True

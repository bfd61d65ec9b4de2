"""From the op graph to kernels: dead values, memory planning, fusion, loop scheduling.

Each pass is a pure function Plan -> Plan, listed in order in ``GRAPH_PASSES`` (pipeline.py:
the whole ``PIPELINE``, with the program's own pass after these).

Memory planning decides which values get a buffer: returned values and reduction results.
Everything else lives in registers inside the loop that needs it (recomputed, never stored).
Fusion puts every returned elementwise value of one shape into one loop nest, and every
reduction into a loop nest that also evaluates the expression it reduces.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param, Elementwise, Graph
>>> from npaccel.ir.ops import Op
>>> from npaccel.ir.dims import Sym
>>> f8 = np.dtype("float64")
>>> x = Param(index=0, name="x", dtype=f8, shape=(Sym("n"),))
>>> t = Elementwise(op=Op.EXP, args=(x,), in_dtypes=(f8,), dtype=f8, shape=x.shape)
>>> y = Elementwise(op=Op.ADD, args=(t, x), in_dtypes=(f8, f8), dtype=f8, shape=x.shape)
>>> z = Elementwise(op=Op.MULTIPLY, args=(t, x), in_dtypes=(f8, f8), dtype=f8, shape=x.shape)
>>> plan = plan_graph(Plan(graph=Graph(params=(x,), outputs=(y, z))))
>>> [(k.kind.value, len(k.stores)) for k in plan.kernels]     # one loop computes both outputs
[('elementwise', 2)]
>>> [why.value for _, why in plan.materialised]         # the exp lives in a register
['returned', 'returned']
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from ..ir.checks import dim_canonicaliser
from ..ir.dims import loop_variant
from ..ir.nodes import (ArrayVar, Const, DimValue, Elementwise, Graph, Node, Param, Reduce, ScalarParam,
                        Storage, View, topo_order)
from ..ir.nodes import INDEXED_VALUES
from ..ir.nodes import MatMul
from ..ir.ops import REDUCTIONS
from ..ir.program import statement_nodes, walk


class KernelKind(enum.Enum):
    """What a kernel is; each target renders each kind (codegen: ``EMITTERS`` in c_source.py)."""
    ELEMENTWISE = "elementwise"     # one loop nest computing values at each index
    REDUCE = "reduce"               # reductions (siblings over the same rows share one)
    LIBRARY = "library"             # a BLAS/LAPACK call (matrix products, np.linalg)


class Why(enum.Enum):
    """Why a value gets a buffer of its own (the memory plan; explain() prints the text)."""
    RETURNED = "returned"
    READ_BY_LATER_LOOP = "reduction result read by a later loop"
    PRODUCT_OPERAND = "operand of a matrix product"
    PRODUCT_RESULT = "matrix product result"


@dataclass(frozen=True)
class Kernel:
    """One loop nest. ``stores`` are the nodes it writes, in order; for a reduction kernel,
    its Reduce nodes (several only when they are siblings over the same rows, see fuse)."""
    kind: KernelKind
    shape: tuple              # iteration shape (for reduce: the reduced node's input shape)
    stores: tuple
    flat: bool = False        # every access is contiguous at the same index: one flat loop


@dataclass(frozen=True)
class Plan:
    graph: Graph
    equal_dims: tuple = ()          # DimsEqual checks: dims proven equal before any kernel runs
    dead: tuple = ()                # (name, node) bound in the function but never needed
    materialised: tuple = ()        # (node, Why), in program order
    kernels: tuple = ()
    programs: tuple = ()            # (target, statements as that target renders them): program_plan.py

    def program(self, target="cpu") -> tuple:
        """The program's statements planned for ``target`` ("cpu", "cuda")."""
        return dict(self.programs).get(target, self.graph.body)


def eliminate_dead_values(plan: Plan) -> Plan:
    """Values nothing returned depends on are never computed; record which names they were."""
    roots = list(plan.graph.outputs) + [n for s in walk(plan.graph.body) for n in statement_nodes(s)
                                        if isinstance(n, Node)]
    live = set(topo_order(roots))
    names = plan.graph.names
    dead = tuple((name, node) for name, node in names.items()
                 if isinstance(node, Node) and node not in live and not isinstance(node, (Param, ScalarParam)))
    return replace(plan, dead=dead)


def _needs_buffer(node) -> bool:
    # a written Param is returned as the very object; Storage/ArrayVar are copied out; a
    # size the caller can evaluate is returned by it, one known only in the kernel is not
    if isinstance(node, DimValue):
        return loop_variant(node.dim)
    return not isinstance(node, (Param, ScalarParam, Const))


def plan_memory(plan: Plan) -> Plan:
    """Give a buffer to returned values and to reduction results; nothing else."""
    outputs = set(plan.graph.outputs)
    chosen = []
    for node in topo_order(plan.graph.outputs):
        if isinstance(node, MatMul):     # library call: its result, and operands it cannot address
            chosen += library_buffers(node, chosen, outputs)
        elif node in outputs and _needs_buffer(node):
            chosen.append((node, Why.RETURNED))
        elif isinstance(node, Reduce):
            chosen.append((node, Why.READ_BY_LATER_LOOP))
    return replace(plan, materialised=tuple(epilogues_in_place(chosen, _outputs_final(plan.graph))))


def fuse(plan: Plan) -> Plan:
    """Reductions first (in dependency order), then one loop nest per output shape."""
    if any(isinstance(n, MatMul) for n in topo_order([n for n, _ in plan.materialised])):
        return fuse_in_dependency_order(plan)
    kernels, groups = [], {}
    shape_key = _shape_key(plan)
    for node, _ in plan.materialised:
        if isinstance(node, Reduce):
            last = kernels[-1] if kernels else None
            if last is not None and _sibling_reductions(last.stores[0], node, shape_key) and \
                    not any(reads_node(node.arg, s) for s in last.stores):
                kernels[-1] = replace(last, stores=last.stores + (node,))
            else:
                kernels.append(Kernel(KernelKind.REDUCE, node.arg.shape, (node,)))
        else:
            groups.setdefault(shape_key(node.shape), []).append(node)
    kernels.extend(Kernel(KernelKind.ELEMENTWISE, nodes[0].shape, tuple(nodes)) for nodes in groups.values())
    return replace(plan, kernels=tuple(kernels))


def _sibling_reductions(a, b, shape_key) -> bool:
    """Can reductions ``a`` and ``b`` share one loop nest (one accumulator each)? Same
    iteration space and axes, the innermost axis reduced (the row-sum loop shape), and
    plain accumulating ops (not argmax or scans)."""
    folds = [r.folds for r in map(REDUCTIONS.get, (a.op, b.op)) if r is not None]
    return type(a) is type(b) is Reduce and folds == [True, True] and a.axes == b.axes and \
        a.arg.ndim - 1 in a.axes and len(a.axes) < a.arg.ndim and a.keepdims == b.keepdims and \
        shape_key(a.arg.shape) == shape_key(b.arg.shape)


def reads_node(root, target) -> bool:
    return any(n is target for n in topo_order([root]))


def _shape_key(plan: Plan):
    """Shapes equal up to the dims the checks prove equal (x and y of f(x, y) with
    ``x + y``): values of such shapes share one loop nest."""
    find = dim_canonicaliser(plan.equal_dims)
    return lambda shape: tuple(find(d) for d in shape)


def kernel_reads(kernel: Kernel, materialised: set):
    """Leaves read by a kernel: parameters and buffers of other kernels."""
    seen, stack, leaves = set(), [s.arg if isinstance(s, Reduce) else s for s in kernel.stores], []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        # values computed from the loop index are leaves too: read at the kernel's index
        if isinstance(node, (Param, View, Storage, ArrayVar, *INDEXED_VALUES)) or \
                (node in materialised and node not in kernel.stores):
            leaves.append(node)
            continue
        stack.extend(node.children())
    return leaves


def schedule_loops(plan: Plan) -> Plan:
    """Mark elementwise kernels whose every array access is contiguous at the loop index:
    they run as one flat (vectorisable) loop over all elements."""
    materialised = {n for n, _ in plan.materialised}
    find = dim_canonicaliser(plan.equal_dims)

    def canon(shape):
        return tuple(find(d) for d in shape)
    out = []
    for k in plan.kernels:
        flat = False
        if k.kind is KernelKind.ELEMENTWISE and len(k.shape) >= 1:
            # (1-d too: a strided or a size-1 broadcast input cannot be read at x[i])
            leaves = kernel_reads(k, materialised)
            flat = all(leaf.ndim == 0 or (canon(leaf.shape) == canon(k.shape) and not isinstance(leaf, View)
                                          and getattr(leaf, "contiguous", True)) for leaf in leaves)
        out.append(replace(k, flat=flat))
    return replace(plan, kernels=tuple(out))


def is_flat_store(target, value, find) -> bool:
    """Can ``target = value`` run as one flat loop: a whole contiguous buffer written from
    reads that are all contiguous at the same index (or 0-d)?"""
    if isinstance(target, View) or not getattr(target, "contiguous", True) or target.ndim == 0:
        return False
    shape = tuple(find(d) for d in target.shape)
    if tuple(find(d) for d in value.shape) != shape and value.ndim:
        return False
    reductions = {n for n in topo_order([value]) if isinstance(n, Reduce)}
    leaves = kernel_reads(Kernel(KernelKind.ELEMENTWISE, target.shape, (value,)), reductions)
    return all(leaf.ndim == 0 or (tuple(find(d) for d in leaf.shape) == shape and not isinstance(leaf, View)
                                  and getattr(leaf, "contiguous", True)) for leaf in leaves)


# ---- library calls (matrix products) --------------------------------------------------------

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


def _buffer_deps(node, materialised) -> list:
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


def fuse_in_dependency_order(plan: Plan) -> Plan:
    """``fuse`` when there are library calls: each kernel runs after the kernels whose
    buffers it reads. Library and reduction kernels take even steps, elementwise loop nests
    odd ones; values of one shape ready at the same step share one loop nest (so the work
    after a product fuses into the loop that reads the product's buffer)."""
    materialised = {n for n, _ in plan.materialised}
    step, order = {}, []
    for node, _ in plan.materialised:
        product = in_place_product(node, materialised)
        library = isinstance(node, (Reduce, MatMul)) or product is not None
        deps = _buffer_deps(node, materialised) + (_buffer_deps(product, materialised) if product else [])
        s = max((step[d] for d in deps if d in step), default=-1) + 1
        if s % 2 != (0 if library else 1):
            s += 1
        step[node] = s
        order.append((s, node))
    kernels, groups = [], {}
    shape_key = _shape_key(plan)
    for s, node in order:
        product = None if isinstance(node, MatMul) else in_place_product(node, materialised)
        if isinstance(node, MatMul) or product is not None:
            # an in-place epilogue writes the product, then the value, into the value's buffer
            kernels.append((s, Kernel(KernelKind.LIBRARY, node.shape, (node,) if product is None else (product, node))))
        elif isinstance(node, Reduce):
            kernels.append((s, Kernel(KernelKind.REDUCE, node.arg.shape, (node,))))
        else:
            groups.setdefault((s, shape_key(node.shape)), []).append(node)
    kernels += [(s, Kernel(KernelKind.ELEMENTWISE, nodes[0].shape, tuple(nodes))) for (s, _), nodes in groups.items()]
    kernels.sort(key=lambda sk: sk[0])      # stable: program order within a step
    return replace(plan, kernels=tuple(k for _, k in kernels))


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


def _outputs_final(graph) -> bool:
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
        for dep in _buffer_deps(node, materialised):
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


GRAPH_PASSES = (eliminate_dead_values, plan_memory, fuse, schedule_loops)


def plan_graph(plan: Plan) -> Plan:
    """The graph passes in order (pipeline.py adds the program's own pass after them)."""
    for p in GRAPH_PASSES:
        plan = p(plan)
    return plan


def uses_library(plan) -> bool:
    """Does the plan call a library (so the runtime must register the BLAS)? Also through
    a product a program statement reads (a matrix product inside a loop)."""
    if any(k.kind is KernelKind.LIBRARY for k in plan.kernels):
        return True
    roots = [n for s in walk(plan.graph.body) for n in statement_nodes(s) if isinstance(n, Node)]
    return any(isinstance(n, MatMul) for n in topo_order(roots))


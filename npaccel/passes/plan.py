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

from dataclasses import replace

from ..ir.checks import dim_canonicaliser
from ..ir.dims import loop_variant
from ..ir.nodes import ArrayVar, Const, DimValue, Node, Param, Reduce, ScalarParam, Storage, View, topo_order
from ..ir.nodes import INDEXED_VALUES
from ..ir.nodes import MatMul
from ..ir.ops import REDUCTIONS, folds_in_lanes
from ..ir.program import statement_nodes, walk
from .products import buffer_deps, epilogues_in_place, in_place_product, library_buffers, outputs_are_final
from .records import Kernel, KernelKind, Plan, Why


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
    return replace(plan, materialised=tuple(epilogues_in_place(chosen, outputs_are_final(plan.graph))))


def fuse(plan: Plan) -> Plan:
    """Reductions first (in dependency order), then one loop nest per output shape."""
    if any(isinstance(n, MatMul) for n in topo_order([n for n, _ in plan.materialised])):
        return fuse_in_dependency_order(plan)
    kernels, groups = [], {}
    shape_key = plan.shape_key()
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
    plain accumulating ops (not argmax or scans); reductions over every axis, when both
    fold in SIMD lanes (sums, products, integer min/max: codegen/c_full_reductions.py)."""
    folds = [r.folds for r in map(REDUCTIONS.get, (a.op, b.op)) if r is not None]
    if not (type(a) is type(b) is Reduce and folds == [True, True] and a.axes == b.axes and
            a.keepdims == b.keepdims and shape_key(a.arg.shape) == shape_key(b.arg.shape)):
        return False
    if len(a.axes) == a.arg.ndim:
        return a.arg.ndim > 0 and folds_in_lanes(a.op, a.dtype) and folds_in_lanes(b.op, b.dtype)
    return a.arg.ndim - 1 in a.axes


def reads_node(root, target) -> bool:
    return any(n is target for n in topo_order([root]))


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
        deps = buffer_deps(node, materialised) + (buffer_deps(product, materialised) if product else [])
        s = max((step[d] for d in deps if d in step), default=-1) + 1
        if s % 2 != (0 if library else 1):
            s += 1
        step[node] = s
        order.append((s, node))
    kernels, groups = [], {}
    shape_key = plan.shape_key()
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


"""The program's statements as each target renders them: the last pass of the pipeline.

The graph passes (plan.py) plan what a function returns. A program (ir/program.py) also has
statements that read values when they run; this pass decides, per target, what runs where:

- on every target, before each statement that reads a value computed into a buffer of its
  own (a reduction, a matrix product, their operands), a ``Compute`` statement with the
  kernels computing it, planned by the graph passes as a function's outputs are (a value
  the statement can compute itself, at each index, stays in the statement);
- on the CPU, loop facts first (loop_facts.py: checks proven away or tested once before the
  loop, elements kept in locals, independent loops parallel), then ``X @ w`` followed by
  ``X.T @ f(z)`` as one ``MatVecPair`` (one sweep over X; on the GPU both are cuBLAS calls),
  then branches that only pick a value as selects (if_convert.py);
- a loop marked parallel that reads something computed first (a Compute in its body: one
  buffer all iterations would share) runs serial.

Code generation renders ``plan.program(target)`` (codegen/c_statements.py) and decides
nothing of this; explain() prints it.

>>> import numpy as np
>>> from npaccel.ir import program as P
>>> from npaccel.ir.nodes import Elementwise, Graph, MatMul, Param, Reduce, Storage, View
>>> from npaccel.ir.ops import Op
>>> f8 = np.dtype("float64")
>>> x, w = Param(index=0, name="x", dtype=f8, shape=(4, 3)), Param(index=1, name="w", dtype=f8, shape=(3,))
>>> z, g = Storage(sid=0, name="z", dtype=f8, shape=(4,)), Storage(sid=1, name="g", dtype=f8, shape=(3,))
>>> total = Reduce(op=Op.SUM, arg=w, axes=(0,), keepdims=False, dtype=f8, shape=())
>>> scaled = Elementwise(op=Op.MULTIPLY, args=(w, total), in_dtypes=(f8, f8), dtype=f8, shape=(3,))
>>> xt = View(arg=x, fixed=(), axes=((1, 0, 1), (0, 0, 1)), dtype=f8, shape=(3, 4))
>>> body = (P.Store(target=g, value=scaled),                      # g = w * w.sum()
...         P.Store(target=z, value=MatMul(a=x, b=w, dtype=f8, shape=(4,))),
...         P.Store(target=g, value=MatMul(a=xt, b=z, dtype=f8, shape=(3,))))
>>> plan = for_target(plan_program(Plan(graph=Graph(params=(x, w), outputs=(), body=body))), "cuda")
>>> print(P.format_block(plan.program("cpu"), lambda n: getattr(n, "name", None) or type(n).__name__))
compute first: reduce -> Reduce
store g <- Elementwise
one sweep over the rows of x:
    store z <- MatMul
    store g <- MatMul
>>> print(P.format_block(plan.program("cuda"), lambda n: getattr(n, "name", None) or type(n).__name__))
compute first: reduce -> Reduce
store g <- Elementwise
compute first: library -> MatMul
store z <- MatMul
compute first: library -> MatMul
store g <- MatMul
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import program as P
from ..ir.checks import dim_canonicaliser
from ..ir.dims import loop_variant
from ..ir.nodes import (ArrayVar, Compact, Const, DimValue, Elementwise, Graph, MatMul, Node, Param, ScalarParam,
                        ScalarVar, Storage, View)
from .if_convert import if_convert
from .loop_facts import optimise_loops
from .plan import plan_graph
from .records import KernelKind, Plan

TARGETS = ("cpu", "cuda")


def plan_program(plan: Plan) -> Plan:
    """``plan`` with the CPU's program (PIPELINE's last pass: every function is built for the
    CPU; another target's program is planned when it is built, by ``for_target``)."""
    return for_target(plan, "cpu")


def for_target(plan: Plan, target: str) -> Plan:
    """``plan`` with ``target``'s program among its ``programs`` (planned once)."""
    body = plan.graph.body
    if target not in TARGETS:
        raise ValueError(f"no program plan for target {target!r}: one of {', '.join(TARGETS)}")
    if not body or target in dict(plan.programs):
        return plan
    if target == "cpu":
        find = dim_canonicaliser(plan.equal_dims)
        body = if_convert(pair_matvec(optimise_loops(body, find, plan.graph.outputs), find))
    return replace(plan, programs=plan.programs + ((target, computes_first(body, plan)),))


# ---- what a statement reads that is computed first ------------------------------------------
def roots_of(s) -> tuple:
    """The values statement ``s`` reads when it runs (not those of nested blocks)."""
    if isinstance(s, P.Store) and isinstance(s.value, Compact):
        return s.value.children()          # (the statement compacts: c_compaction.compaction_store)
    if isinstance(s, P.Store):
        return (s.value,)
    if isinstance(s, P.SetScalars):
        return tuple(v for _, v in s.pairs)
    if isinstance(s, P.For):
        return tuple(b for b in (s.start, s.stop) if isinstance(b, Node))
    if isinstance(s, (P.If, P.While)):
        return (s.cond,)
    return ()


def compute_for(s, plan: Plan):
    """A Compute of what ``s`` reads that must be computed before it runs, or None."""
    roots = roots_of(s)
    if not roots:
        return None
    sub = plan_graph(Plan(graph=Graph(params=plan.graph.params, outputs=roots, output_kind="tuple",
                                      outputs_final=False),
                          equal_dims=plan.equal_dims))
    wanted = set(roots)
    inline = {n for k in sub.kernels if k.kind is KernelKind.ELEMENTWISE for n in k.stores if n in wanted}
    kernels = tuple(replace(k, stores=kept) for k in sub.kernels
                    if (kept := tuple(n for n in k.stores if n not in inline)))
    buffers = tuple(n for n, _ in sub.materialised if n not in inline)
    return P.Compute(kernels=kernels, buffers=buffers) if kernels or buffers else None


def computes_first(block, plan: Plan) -> tuple:
    """``block`` with a Compute before each statement that needs one (for a ``while``, at
    the end of its test: the condition is computed again at each iteration)."""
    out = []
    for s in block:
        s = P.with_blocks(s, lambda inner: computes_first(inner, plan))
        if isinstance(s, P.For) and s.parallel is not None and not _shares_nothing(s.body):
            s = replace(s, parallel=None)
        compute = compute_for(s, plan)
        if isinstance(s, P.While) and compute is not None:
            s, compute = replace(s, test=s.test + (compute,)), None
        out += [compute, s] if compute is not None else [s]
    return tuple(out)


def _shares_nothing(body) -> bool:
    """Can each thread run iterations of ``body`` with buffers of its own? Not where a
    value is computed first into one buffer (a Compute) or a buffer is sized again at each
    iteration (a Storage whose shape changes with a loop counter)."""
    return not any(isinstance(st, P.Compute) or (isinstance(st, P.Store) and isinstance(st.target, Storage) and
                                                 any(loop_variant(d) for d in st.target.shape))
                   for st in P.walk(body))


# ---- X @ w then X.T @ f(z): one sweep over the rows of X ------------------------------------
_BUFFERS = (ArrayVar, Storage)


def pair_matvec(block, find) -> tuple:
    """``block`` (and the blocks in it) with each fusable pair of matrix-vector stores as a
    MatVecPair; slot picks between the two move before it (they only choose a buffer)."""
    block = tuple(P.with_blocks(s, lambda inner: pair_matvec(inner, find)) for s in block)
    out, i = [], 0
    while i < len(block):
        pair = _find_pair(block, i, find)
        if pair is None:
            out.append(block[i])
            i += 1
            continue
        first, picks, second, i = pair
        out += list(picks) + [P.MatVecPair(first=first, second=second)]
    return tuple(out)


def _whole_buffer(node) -> bool:
    return isinstance(node, _BUFFERS) or (isinstance(node, Param) and node.contiguous)


def _row_local(e, p, rows, find) -> bool:
    """Is ``e`` elementwise over ``rows``, reading arrays (``p`` among them) at its own index?"""
    stack, seen = [e], set()
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        if x.ndim == 0 and isinstance(x, (Const, ScalarParam, ScalarVar, DimValue)):
            continue
        if x.ndim != 1 or find(x.shape[0]) != find(rows):
            return False
        if x is p or _whole_buffer(x):
            continue
        if not isinstance(x, Elementwise):
            return False
        stack.extend(x.args)
    return True


def _find_pair(stmts, i, find):
    """(first store, slot picks, second store, index after them) starting at ``i``, or None:
    ``store P <- X @ w``, slot picks, ``store Q <- X.T @ e`` with e elementwise over the
    rows reading P only at its own row, nothing written read by the other."""
    s1 = stmts[i]
    if not (isinstance(s1, P.Store) and type(s1.value) is MatMul and isinstance(s1.target, _BUFFERS)):
        return None
    m1 = s1.value
    x, w = m1.a, m1.b
    if not (x.ndim == 2 and w.ndim == 1 and m1.dtype.kind == "f" and m1.dtype.itemsize >= 4 and
            x.dtype == w.dtype == m1.dtype and _whole_buffer(x) and _whole_buffer(w)):
        return None
    j, picks = i + 1, []
    while j < len(stmts) and isinstance(stmts[j], P.PickSlot):
        picks.append(stmts[j])
        j += 1
    if j == len(stmts):
        return None
    s2 = stmts[j]
    if not (isinstance(s2, P.Store) and type(s2.value) is MatMul and isinstance(s2.target, _BUFFERS)):
        return None
    t, e = s2.value.a, s2.value.b
    transposed = isinstance(t, View) and t.arg is x and t.fixed == () and t.axes == ((1, 0, 1), (0, 0, 1))
    q = s2.target
    if not (transposed and e.ndim == 1 and e.dtype == m1.dtype == s2.value.dtype and
            _row_local(e, s1.target, x.shape[0], find)):
        return None
    if q is s1.target or q is w or q is x or s1.target is w or s1.target is x or \
            any(n is q for n in _leaves(e)):
        return None
    return s1, tuple(picks), s2, j + 1


def _leaves(e):
    stack, out = [e], []
    while stack:
        x = stack.pop()
        if isinstance(x, Elementwise):
            stack.extend(x.args)
        else:
            out.append(x)
    return out

"""The Dask plan of one call: read from the function's op graph, lowered for the signature
of one chunk (frontend/function_graph.py), and the call's chunking. Pure: nothing is built or run.

- ``blockwise``: every result element depends only on the same element of the arguments
  (elementwise chains, broadcasting): one call of the accelerated function per block.
- ``overlap``: results depend on a bounded neighbourhood (shifted slices, ``np.roll``, in-place
  interior updates, loops of them with a known trip count): each block gets a halo of that
  depth from its neighbours (``periodic`` on an axis that np.roll wraps, none at the array's
  ends elsewhere, so the blocks at the ends see the array's own ends and NumPy's edge rules hold),
  the accelerated function runs on the enlarged block, and the halo is cut off again.
- ``reduction``: results computed from reductions (sum, mean, var, min, argmax, ...) and
  matrix products: each reduction is a compiled per-chunk part fused with its producer and a
  compiled combine (dask.array.reduction); matrix products are Dask's (npaccel/dask/reductions.py).

>>> choose_layout((4, 0), ((5, 5), (10,)), (), (0,))
((4, 0), ('none', 'none'))
>>> choose_layout((4, 0), ((10,), (10,)), (), (0,))
((0, 0), ('none', 'none'))

Time loops (``for _ in range(steps): <stencil update of u>``, the function iterating one array
state): one deep halo of ``steps * reach`` covering every step, or groups of steps, each group a
call of the function on blocks with one overlap exchange. The cost model (``steps_per_exchange``):
a deep halo recomputes halo cells on every step, an exchange costs a task per block and a copy
of each block with its halo; keep each group's halo within a quarter of the chunk (recomputed
work below (1.5 ** ndim - 1) of the block's) and otherwise use as few exchanges as that allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import program as P
from ..ir.nodes import Elementwise, MatMul, Param, Reduce, ScalarParam, ScalarVar, Storage, topo_order
from .locality import NotLocal, analyse


class Unplannable(NotLocal):
    """The plan cannot split this function over chunks."""


HINT = ("rechunk so that the axis it needs whole is one chunk (x.rechunk({axis: -1})), or call "
        ".compute() on the arguments first and pass NumPy arrays")


@dataclass(frozen=True)
class DaskPlan:
    kind: str                         # "blockwise" | "overlap" | "reduction"
    function: str
    signature: str                    # of one chunk
    ndim: int = 0
    depth: tuple = ()                 # halo per axis
    boundary: tuple = ()              # per axis: "none" | "periodic"
    notes: tuple = field(default=())  # lines the plan text adds (reduction steps)
    steps: tuple = ()                 # a time loop in groups: (state arg, steps arg, steps per group...)

    def text(self) -> str:
        head = f"npaccel Dask plan for {self.function}: {self.kind}"
        lines = [head, f"  chunk signature: {self.signature}"]
        if self.kind == "blockwise":
            lines.append("  dask.array.blockwise: one call of the compiled function per block (no halo)")
        elif self.kind == "overlap":
            halo = ", ".join(f"axis {a}: {d} ({b})" for a, (d, b) in enumerate(zip(self.depth, self.boundary)))
            if self.steps:
                groups = self.steps[2:]
                lines.append(f"  time loop of {sum(groups)} steps in {len(groups)} groups of <= {groups[0]} steps "
                             f"(steps x reach > chunk / 4): one overlap exchange per group")
            lines.append(f"  map_overlap: halo {halo}{' per group' if self.steps else ''}; the compiled function "
                         "runs on each block plus its halo, the halo is trimmed")
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


def graph_nodes(graph) -> list:
    roots = [n for s in P.walk(graph.body) for n in P.statement_nodes(s) if not isinstance(n, int)]
    return topo_order(roots + list(graph.outputs))


def needs_reduction(graph) -> bool:
    return any(isinstance(n, (Reduce, MatMul)) for n in graph_nodes(graph))


def choose_layout(depth, chunks, periodic, edges):
    """(depth, boundary) per axis: no halo on an axis held in one chunk (the block is then the
    whole axis); "periodic" where np.roll wraps. Raises Unplannable where an axis split in
    chunks both wraps (np.roll) and treats its ends apart (u[1:-1] = ...)."""
    depth = tuple(0 if len(c) == 1 else d for d, c in zip(depth, chunks))
    for axis, d in enumerate(depth):
        if d and axis in periodic and axis in edges:
            raise Unplannable(f"axis {axis} both wraps around (np.roll) and treats its ends apart (edge slices)")
    boundary = tuple("periodic" if d and a in periodic else "none" for a, d in enumerate(depth))
    return depth, boundary


def plan_local(graph, scalars, ndim, chunks, function, signature) -> DaskPlan:
    """The blockwise or overlap plan of a function without reductions. Raises NotLocal."""
    loc = analyse(graph, scalars, ndim)
    depth, boundary = choose_layout(loc.depth, chunks, loc.periodic, loc.edges)
    kind = "overlap" if any(depth) else "blockwise"
    notes = ()
    if any(loc.depth) and not any(depth):
        notes = ("(shifted slices, but every axis they reach along is one chunk: no halo needed)",)
    loop = iteration_of(graph) if kind == "overlap" else None
    if loop is not None and scalars[loop[1]] > 1:
        total = int(scalars[loop[1]])
        one = analyse(graph, tuple(1 if i == loop[1] else v for i, v in enumerate(scalars)), ndim).depth
        reach = tuple(r if d else 0 for r, d in zip(one, depth))
        per = steps_per_exchange(total, reach, chunks)
        if per < total:
            groups = (per,) * (total // per) + ((total % per,) if total % per else ())
            return DaskPlan(kind, function, signature, ndim, tuple(per * r for r in reach), boundary, notes,
                            loop + groups)
        notes += (f"time loop of {total} steps: one deep halo covering them all (steps x reach <= chunk / 4)",)
    return DaskPlan(kind, function, signature, ndim, depth, boundary, notes)


def steps_per_exchange(steps, reach, chunks) -> int:
    """Steps of a time loop per overlap exchange: all of them (one deep halo) while
    ``steps * reach <= chunk / 4`` on every axis with a halo, else as many as keep each
    group's halo within a quarter of the chunk (at least 1). ``chunks``: per axis, its chunks.

    >>> steps_per_exchange(8, (1, 1), ((1024,) * 4, (1024,) * 4))
    8
    >>> steps_per_exchange(100, (1, 0), ((40, 40, 20), (7,)))
    10
    >>> steps_per_exchange(100, (2, 2), ((3, 3), (3, 3)))
    1
    """
    fits = [max(c) // (4 * r) for r, c in zip(reach, chunks) if r]
    return steps if not fits or min(fits) >= steps else max(1, min(fits))


def iteration_of(graph):
    """(state argument, steps argument) for a function that iterates one array state:
    ``u = u.copy(); for _ in range(steps): <updates of u>; return u``, where the loop body
    reads neither the counter nor ``steps`` and carries no other state, so that running it
    ``a`` then ``b`` steps equals ``a + b`` steps; else None."""
    if len(graph.body) != 2 or graph.output_kind != "single":
        return None
    init, loop = graph.body
    if not (isinstance(init, P.Store) and isinstance(init.target, Storage) and isinstance(loop, P.For)
            and graph.outputs == (init.target,) and loop.start == 0 and loop.step == 1
            and isinstance(loop.stop, ScalarParam)):
        return None
    value = init.value
    while isinstance(value, Elementwise) and value.op.value == "cast":
        value = value.args[0]
    if not (isinstance(value, Param) and value.shape == init.target.shape):
        return None
    nodes = topo_order([n for s in P.walk(loop.body) for n in P.statement_nodes(s) if not isinstance(n, int)])
    if any(isinstance(s, (P.SetArrays, P.SetScalars, P.PickSlot, P.While)) for s in P.walk(loop.body)) or \
            any(n is loop.var or n is loop.stop or isinstance(n, ScalarVar) for n in nodes):
        return None
    return value.index, loop.stop.index

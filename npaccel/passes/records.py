"""What planning produces: the Plan record the passes hand on, its kernels, their kinds and
why a value gets a buffer. Codegen renders these (one emitter per KernelKind and target).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from ..ir.checks import dim_canonicaliser
from ..ir.nodes import Graph


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

    def shape_key(self):
        """Shapes equal up to the dims the checks prove equal (x and y of f(x, y) with
        ``x + y``): values of such shapes share one loop nest."""
        find = dim_canonicaliser(self.equal_dims)
        return lambda shape: tuple(find(d) for d in shape)

    def program(self, target="cpu") -> tuple:
        """The program's statements planned for ``target`` ("cpu", "cuda"; a plan gets the
        CPU's from the pipeline, another's from ``program_plan.for_target``)."""
        if not self.graph.body:
            return ()
        programs = dict(self.programs)
        if target not in programs:
            raise LookupError(f"this plan has no program for {target!r}: plan it with "
                              "passes.program_plan.for_target first")
        return programs[target]

"""Statements that write or repeat: in-place updates, run-time loops and branches.

Values stay deferred graph nodes; what has an effect becomes a program statement
(ir/program.py) appended to the current block:

- ``x[i] = v``, ``x += v``: a ``Store`` into the buffer x lives in. A value that has no
  buffer yet (``np.zeros(n)``, ``u0.copy()``) gets one first, and every name bound to it or
  to a view of it is rebound, so aliases see the write as in NumPy. Before the write, a
  deferred value that reads the buffer and is still bound to a name is snapshotted, and a
  right side that reads the target at other positions is computed into a temporary first
  (NumPy's "as if the right side were computed before the write").
- ``for`` over ``range`` and ``while``: one C loop. Names the body rebinds become loop
  variables: scalars are C locals (``ScalarVar``), arrays are C pointers (``ArrayVar``) that
  point at a Param, a Storage or a pool slot; a rebound array value is written to a free
  pool slot and the pointer moves, so a time-step swap ``u, v = v, u`` copies nothing.
- ``if`` on a value known only at run time: both branches become C, merged names are
  variables like in loops.
The body is lowered twice: once to learn what type each rebound name settles on, then
for real, so that a name keeps one C type through the loop (else: UnsupportedError).
"""
from __future__ import annotations

from .branches import BranchLowering
from .carried import CarriedLowering
from .loops import LoopLowering
from .stores import StoreLowering


class ControlFlowLowering(StoreLowering, LoopLowering, CarriedLowering, BranchLowering):
    """Mixin of FunctionLowerer: the statement forms that write, loop or branch."""

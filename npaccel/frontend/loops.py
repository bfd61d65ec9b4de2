"""Run-time loops: ``for`` over ``range`` and ``while`` as one C loop each, with ``break`` and
``continue``; short static ranges unroll. The body is lowered twice (carried.py learns the
types the rebound names settle on, then the loop is lowered for real)."""
from __future__ import annotations

import gast
import numpy as np

from ..ir.checks import NonNegativeGuard
from ..ir import program as P
from ..ir.nodes import Const, DimValue, Elementwise, Node, ScalarParam, ScalarVar
from ..ir.ops import Op
from .returns import RESULT
from .scalars import EitherScalar, either_kind_ok
from .read_only import is_view_alias
from .bindings import (assigned_names, assigns_first, bound_only_by_augassign, exposed_names, has_jump, is_alias,
                       python_type, read_names, read_outside, shown, view_root, written_names)


UNROLL_MAX = 4           # static ranges this short unroll (the counter stays a static int); longer: a C loop


class Jump(Exception):
    """break/continue lowered: the rest of the block is unreachable."""


class LoopFrame:
    def __init__(self, names, carried=()):
        self.names = names            # name -> ScalarVar | ArrayVar carried around the loop
        self.carried = carried        # every name the loop carries (static ones too)
        self.at_jumps = []            # while probing: the carried names' types at each break/continue


class LoopLowering:
    """Mixin of FunctionLowerer: loops."""

    # ---- loops and branches ------------------------------------------------------------
    def runtime_condition(self, value, where):
        """A 0-d value known only at run time, as a C truth value (Python's bool())."""
        if value.dtype.kind == "b":
            return value
        zero = self.as_node(0 if value.dtype.kind in "iub" else 0.0, where)
        return self.intern(Elementwise(op=Op.NOT_EQUAL, args=(value, zero),
                                          in_dtypes=(value.dtype, value.dtype), dtype=np.dtype(bool),
                                          shape=(), weak=False))

    def scalar_index(self, value):
        """An int argument of range(): a static int or a 0-d integer node."""
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, EitherScalar) and value.dtype.kind in "iu":
            return value.strong          # an index either way
        if isinstance(value, Node) and value.ndim == 0 and value.dtype.kind in "iu":
            return value
        from .semantics import numpy_semantics
        with numpy_semantics():
            raise TypeError(f"'{type(value).__name__ if not isinstance(value, Node) else 'float'}' "
                            "object cannot be interpreted as an integer")

    def stmt_For(self, node):
        if node.orelse:
            raise self.unsupported("'for ... else'", node)
        it = node.iter
        from .iteration import iterated_call, lower_iteration
        wrapper = iterated_call(self, it)
        if wrapper is not None:
            return lower_iteration(self, node, wrapper)
        func = self.expr(it.func) if isinstance(it, gast.Call) else None
        if func is np.ndindex:
            from .iteration import lower_ndindex
            return lower_ndindex(self, node)
        if func is not range:
            if not (isinstance(it, gast.Call) or isinstance(it, (gast.Tuple, gast.List))) and \
                    isinstance(self.expr(it), Node):
                return lower_iteration(self, node, None)
            iterable = self.expr(it)
            if isinstance(iterable, (tuple, list)) and not has_jump(node.body):
                for item in iterable:           # a static sequence: unrolled
                    self.bind(node.target, item)
                    for s in node.body:
                        self.stmt(s)
                return
            raise self.unsupported("'for' over something other than range() or a static sequence", node)
        if it.keywords:
            raise self.unsupported("range() with keywords", node)
        bounds = [self.scalar_index(self.expr(a)) for a in it.args]
        if not 1 <= len(bounds) <= 3:
            from .semantics import numpy_semantics
            with numpy_semantics():
                range(*([0] * len(bounds)))
        start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else \
            (bounds[0], bounds[1], 1) if len(bounds) == 2 else tuple(bounds)
        if all(isinstance(b, int) for b in (start, stop, step)):
            if step == 0:
                from .semantics import numpy_semantics
                with numpy_semantics():
                    raise ValueError("range() arg 3 must not be zero")
            trips = range(start, stop, step)
            if len(trips) <= UNROLL_MAX and not has_jump(node.body):
                for i in trips:
                    self.bind(node.target, i)
                    for s in node.body:
                        self.stmt(s)
                return
        elif isinstance(step, int) and step == 0:
            from .semantics import numpy_semantics
            with numpy_semantics():
                raise ValueError("range() arg 3 must not be zero")
        if not isinstance(node.target, gast.Name):
            raise self.unsupported("a 'for' target other than a name", node)
        if not isinstance(step, int):
            raise self.unsupported("range() with a step known only at run time", node)
        target = node.target.id
        counter = ScalarVar(vid=self.new_id(), name=target, dtype=np.dtype(np.int64), weak=True)
        prior = self.env.get(target)
        once = self.at_least_once(start, stop, step)

        def body():
            self.env[target] = counter
            for s in node.body:
                self.stmt(s)
        inner = self.lower_loop(node.body, body, extra=(target,), at_least_once=once)
        if target not in read_outside(self.src.tree, node):
            self.emit(P.For(var=counter, start=start, stop=stop, step=step, body=inner))
            return
        # Python's loop variable after the loop: the last value it took (not C's counter,
        # one step past it), or its value before a loop that ran zero times
        last = ScalarVar(vid=self.new_id(), name=target, dtype=np.dtype(np.int64), weak=True)
        from .semantics import python_int
        if python_int(prior):
            init = self.as_node(prior)
        else:
            self.require_trips(once, f"the loop variable '{target}' read after a loop that may run zero times")
            init = self.as_node(0)
        self.emit(P.SetScalars(((last, init),)))
        self.emit(P.For(var=counter, start=start, stop=stop, step=step,
                        body=(P.SetScalars(((last, counter),)),) + tuple(inner)))
        self.env[target] = last

    def at_least_once(self, start, stop, step):
        """The guard that runs the call as plain Python when this ``range`` loop makes zero
        trips, if its bounds are sizes known at the call (shapes, int arguments); else None."""
        from .array_build import to_dim
        from .semantics import UserError
        from ..errors import UnsupportedError
        from ..ir.dims import dim_sub
        # an inner loop too, where its bounds do not change with the outer loops (then the
        # guard may send calls to Python whose outer loops make zero trips: correct, rare)
        try:
            a, b = to_dim(self, start, run_time=False), to_dim(self, stop, run_time=False)
        except (UnsupportedError, UserError):
            return None
        first_missing = dim_sub(dim_sub(b, a), 1) if step > 0 else dim_sub(dim_sub(a, b), 1)
        return NonNegativeGuard(first_missing)

    def require_trips(self, guard, why):
        """Compiled code is right only if the loop runs at least once: check that when the
        function is called (``guard``), or leave the construct to Python."""
        if guard is None:
            raise self.unsupported(why)
        if isinstance(guard.dim, int):
            if guard.dim < 0:
                raise self.unsupported(why)
            return
        if guard not in self.state.checks:
            self.state.checks.insert(0, guard)

    def stmt_While(self, node):
        if node.orelse:
            raise self.unsupported("'while ... else'", node)
        first = self.try_static_truth(node.test)
        if first is False:
            return
        cond_box = {}

        def body():
            test_block = []
            outer, self.state.block = self.state.block, test_block
            try:
                value = self.expr(node.test)
            finally:
                self.state.block = outer
            if isinstance(value, EitherScalar):
                value = value.strong           # the truth is the same either way
            if isinstance(value, Node):
                if value.ndim != 0 and not value.weak:
                    self.truth(value, node.test)
                cond = self.runtime_condition(value, node.test)
            else:
                cond = self.as_node(bool(self.truth(value, node.test)), node.test)
            cond_box["test"], cond_box["cond"] = tuple(test_block), cond
            for s in node.body:
                self.stmt(s)
        inner = self.lower_loop(node.body, body, reads=(node.test,))
        self.emit(P.While(test=cond_box["test"], cond=cond_box["cond"], body=inner))

    def try_static_truth(self, test):
        """The truth of a loop test if it is static (evaluated without emitting anything)."""
        saved = (self.state.block, dict(self.env))
        self.state.block = []
        try:
            value = self.expr(test)
            if isinstance(value, Node):
                return None
            return bool(value)
        except Exception:
            return None
        finally:
            self.state.block, self.env = saved[0], saved[1]

    def lower_loop(self, stmts, run_body, extra=(), reads=(), at_least_once=None) -> tuple:
        """Lower a loop body: find the names it carries, type them (probing), bind them to
        variables initialised before the loop, and return the body block. ``at_least_once``:
        the guard that the loop makes a trip (None: unknown when called, e.g. a while)."""
        self.state.control_depth += 1
        try:
            return self._lower_loop(stmts, run_body, extra, reads, at_least_once)
        finally:
            self.state.control_depth -= 1

    def _lower_loop(self, stmts, run_body, extra, reads, at_least_once=None):
        loop_node = self.current
        live = exposed_names(stmts) | read_outside(self.src.tree, loop_node) | read_names(reads) | \
            self.state.read_later
        assigned = [n for n in assigned_names(stmts) if n not in extra]
        # an array only updated in place (y += v) stays the one buffer it is now
        augmented = bound_only_by_augassign(stmts)
        in_place = [n for n in assigned if n in augmented and self.is_array(self.env.get(n))]
        for name in in_place:
            self.env[name] = self.ensure_stored(self.env[name], name)
        assigned = [n for n in assigned if n not in in_place]
        # a name the body always sets before reading it, and that nothing reads after the
        # loop, is not carried: it stays a deferred value inside one iteration
        carried = [n for n in assigned if n in live]
        before = {n: self.env[n] for n in assigned if n not in carried and n in self.env}
        used = read_names(stmts) | read_names(reads)
        self.hoist_for_loop(used)
        self.snapshot_before(stmts)
        types = self.probe_types(carried, run_body)
        after_loop = read_outside(self.src.tree, loop_node) | self.state.read_later
        either = set()
        for name in carried:
            if types.get(name) is not None and types[name][0] == "either":
                either.add(name)          # a Python or a NumPy scalar, whichever paths ran
                continue
            if name == RESULT and name not in self.env and types[name][0] in ("scalar", "either"):
                continue                  # read only where the loop set it (frontend/returns.py)
            if name not in self.env and name in after_loop and not assigns_first(stmts, name):
                # Python leaves it unbound where no trip assigns it: C would read garbage
                raise self.unsupported(f"{shown(name)} is assigned only on some paths through a loop and read after it")
            if name in after_loop and python_type(self.env.get(name)) != python_type(types.get(name), typed=True):
                # after zero trips Python has the value from before the loop (or no value), of
                # another type than the loop's variable
                if at_least_once is None and self.weak_of(self.env.get(name), types.get(name)):
                    either.add(name)      # a Python or a NumPy scalar of one dtype: known in C
                    continue
                self.require_trips(at_least_once, f"'{name}' changes type in a loop that may run zero times")
        frame = LoopFrame(self.make_vars(carried, types))
        body = []
        outer, self.state.block = self.state.block, body
        self.state.loop_depth += 1
        self.state.loops.append(frame)
        try:
            run_body()
            self.sync_vars(frame.names)
        except Jump:
            pass
        finally:
            self.state.loops.pop()
            self.state.loop_depth -= 1
            self.state.block = outer
        for name, var in frame.names.items():
            self.env[name] = EitherScalar(self, var) if name in either or types[name][0] == "either" else var
        for name in assigned:
            if name not in carried:          # iteration-local: not visible after the loop
                if name in before:
                    self.env[name] = before[name]
                else:
                    self.env.pop(name, None)
        return tuple(body)

    @staticmethod
    def weak_of(before, settled) -> bool:
        """Is ``before`` a Python scalar (or an EitherScalar) of the NumPy scalar type
        ``settled`` a loop gives it, of a dtype both can be (0.0 and np.float64)?"""
        if settled is None or settled[0] != "scalar" or settled[2] or not either_kind_ok(settled[1]):
            return False
        if isinstance(before, EitherScalar):
            return before.dtype == settled[1]
        if isinstance(before, Node):
            return before.ndim == 0 and before.weak and before.dtype == settled[1]
        return isinstance(before, (bool, int, float, complex)) and \
            np.result_type(before) == settled[1] if not isinstance(before, bool) else settled[1] == np.dtype(bool)

    @staticmethod
    def is_array(value) -> bool:
        return isinstance(value, Node) and value.ndim > 0 and not value.weak

    def hoist_for_loop(self, used):
        """Values the loop reads that are still deferred expressions are computed once, before
        the loop (else every iteration would recompute them, reading buffers it writes)."""
        mapping = {}
        for name in sorted(used):
            v = self.env.get(name)
            if isinstance(v, Node) and not is_alias(v) and not is_view_alias(self, v) and v not in mapping and \
                    not isinstance(v, (Const, ScalarParam, DimValue, ScalarVar)):
                mapping[v] = self.materialise(v, name, "computed once before a loop that reads it")
        if mapping:
            self.rebind_everywhere(mapping)

    def snapshot_before(self, stmts):
        """Deferred values that read an array the block writes (``a[i] = ...``, ``a += ...``)
        are computed before the block: a write inside a loop or a branch would otherwise
        compute them there, on some trips or paths only."""
        for name in sorted(written_names(stmts)):
            value = self.env.get(name)
            if isinstance(value, Node) and value.ndim and not value.weak:
                self.snapshot_readers(view_root(value))

    def stmt_Break(self, node):
        self.jump(node, P.Break())

    def stmt_Continue(self, node):
        self.jump(node, P.Continue())

    def jump(self, node, stmt):
        if not self.state.loops:
            raise self.unsupported(f"'{type(node).__name__.lower()}' outside a compiled loop", node)
        frame = self.state.loops[-1]
        # what the names hold here reaches the loop's exit (or next trip), not the end of the
        # branch: the loop's types include it (found = True; break)
        frame.at_jumps.append({n: self.type_of(self.env[n]) if n in self.env else None for n in frame.carried})
        self.sync_vars(frame.names)
        self.emit(stmt)
        raise Jump()

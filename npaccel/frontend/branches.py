"""Branches on values known only at run time: ``if`` (both arms become C; names they rebind
merge as variables) and the short-circuit ``and``/``or`` of run-time conditions."""
from __future__ import annotations

import contextlib

import gast
import numpy as np

from ..ir.checks import IndexInRange
from ..ir import program as P
from ..ir.nodes import Elementwise, Node, ScalarVar
from ..ir.ops import Op
from .returns import RESULT
from .scalars import EitherScalar
from .bindings import assigned_names, read_names, read_outside, reads_any, shown
from .loops import Jump


class BranchLowering:
    """Mixin of FunctionLowerer: run-time branches."""

    def runtime_bool_op(self, node, first, rest):
        """``a and b`` / ``a or b`` once an operand is known only at run time: Python's
        short circuit in C (the later operands are computed only when reached), for
        operands that are bools (comparisons), whose value is then the truth."""
        if not rest:
            return first
        if first.dtype.kind != "b":
            raise self.unsupported("'and'/'or' of run-time values that are not bools", node)
        is_and = isinstance(node.op, gast.And)
        result = ScalarVar(vid=self.new_id(), name="cond", dtype=np.dtype(bool), weak=first.weak)
        self.emit(P.SetScalars(((result, first),)))
        block, checks = [], len(self.state.checks)
        outer, self.state.block = self.state.block, block
        try:
            second = self.expr(gast.BoolOp(op=node.op, values=rest) if len(rest) > 1 else rest[0])
            mixed = isinstance(second, EitherScalar)
            second = second.strong if mixed else second
            if not isinstance(second, Node) or second.ndim or second.dtype.kind != "b":
                raise self.unsupported("'and'/'or' of run-time values that are not bools", node)
            mixed = mixed or second.weak != first.weak
            if second.weak != first.weak:
                second = self.intern(Elementwise(op=Op.POSITIVE, args=(second,), in_dtypes=(second.dtype,),
                                                    dtype=second.dtype, shape=(), weak=first.weak))
            self.emit(P.SetScalars(((result, second),)))
        finally:
            self.state.block = outer
        if len(self.state.checks) != checks:
            raise self.unsupported("an 'and'/'or' operand checked when the function is called", node)
        self.emit(P.If(cond=result, then=tuple(block), orelse=()) if is_and else
                  P.If(cond=result, then=(), orelse=tuple(block)))
        # a Python bool or a NumPy bool, whichever operand decided
        return EitherScalar(self, result) if mixed else result

    def runtime_if(self, cond_value, node):
        """``if`` on a value known only at run time: both branches in C."""
        if cond_value.ndim != 0 and not cond_value.weak:
            self.truth(cond_value, node.test)
        cond = self.runtime_condition(cond_value, node.test)
        branches = (node.body, node.orelse)
        carried = assigned_names(node.body + node.orelse)
        used = read_names(node.body + node.orelse)
        self.hoist_for_loop(used)
        self.snapshot_before(node.body + node.orelse)
        cond = self.stable_condition(cond)
        types = {n: self.type_of(self.env[n]) if n in self.env else None for n in carried}
        unbound = {n for n in carried if n not in self.env}
        read_after = read_outside(self.src.tree, node) if unbound else set()
        maybe_unbound = set()
        for stmts in branches:
            after = self.probe_branch(carried, stmts)
            for n in unbound & read_after:
                if after and after.get(n) is None:   # this path (not a break) leaves it unbound
                    maybe_unbound.add(n)
            for n in carried:
                if after.get(n) is not None:
                    types[n] = self.join_branches(n, types[n], after[n])
        for n in maybe_unbound:
            if types[n] is not None and (n != RESULT or types[n][0] not in ("scalar", "either")):
                # Python leaves it unbound on the other path: C would read garbage
                raise self.unsupported(f"{shown(n)} is assigned on only one path of this branch and read after it", node)
        # names static and equal on every path stay static
        merged = self.make_vars(carried, types)
        blocks = []
        for stmts in branches:
            saved_env = {f: dict(f.env) for f in self.frames()}
            block = []
            outer, self.state.block = self.state.block, block
            try:
                for s in stmts:
                    self.stmt(s)
                self.sync_vars(merged)
            except Jump:
                pass
            finally:
                self.state.block = outer
                for f in self.frames():
                    f.env = saved_env[f]
            blocks.append(tuple(block))
        self.emit(P.If(cond=cond, then=blocks[0], orelse=blocks[1]))
        for name, var in merged.items():
            self.env[name] = EitherScalar(self, var) if types[name][0] == "either" else var

    def stable_condition(self, cond):
        """A condition that reads buffers the branches may write is evaluated first."""
        if reads_any(cond, lambda leaf: True):
            return self.materialise(cond, "cond")
        return cond

    def probe_branch(self, carried, stmts):
        with self.scratch():
            try:
                for s in stmts:
                    self.stmt(s)
            except Jump:
                return {}
            return {n: self.type_of(self.env[n]) if n in self.env else None for n in carried}

    @contextlib.contextmanager
    def scratch(self):
        """Lower something only to learn about it: names and statements are put back
        afterwards. (Shape checks found are facts of this signature and stay, so that
        dims proven equal inside a loop compare equal when its types are merged.)"""
        saved_env = {f: dict(f.env) for f in self.frames()}
        saved = (self.state.block, set(self.state.written_params), self.state.loop_depth)
        checks = set(self.state.checks)
        self.state.block = []
        try:
            yield
        finally:
            # an index checked here was a value the probe assumed (a counter's first value)
            self.state.checks[:] = [c for c in self.state.checks if c in checks or not isinstance(c, IndexInRange)]
            for f in self.frames():
                f.env = saved_env[f]
            self.state.block = saved[0]
            self.state.written_params, self.state.loop_depth = saved[1], saved[2]

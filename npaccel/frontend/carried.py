"""Names a loop or a branch rebinds: the one type each settles on (probing the body until the
types stop changing; a Python and a NumPy scalar join as ``EitherScalar``), and the C
variables that hold them (``ScalarVar`` locals, ``ArrayVar`` pointers into pool slots)."""
from __future__ import annotations

import numpy as np

from ..ir.checks import ShapeGuard, dim_canonicaliser
from ..ir import program as P
from ..ir.nodes import ArrayVar, Node, Param, ScalarVar, Storage
from .scalars import EitherScalar, either_kind_ok
from .loops import Jump, LoopFrame

PROBE_ROUNDS = 4          # bodies lowered to learn the types of rebound names, at most


class CarriedLowering:
    """Mixin of FunctionLowerer: the types and variables of rebound names."""

    def probe_types(self, carried, run_body):
        """What each carried name holds after one pass of the body, repeated until stable:
        (kind, dtype, weak, shape) or a static Python value that does not change."""
        types = {n: self.type_of(self.env[n]) if n in self.env else None for n in carried}
        for _ in range(PROBE_ROUNDS):
            with self.scratch():
                self.state.loop_depth += 1
                vars_ = self.make_vars(carried, types, probe=True)
                frame = LoopFrame(vars_, tuple(carried))
                self.state.loops.append(frame)
                ended = True
                try:
                    run_body()
                except Jump:
                    ended = False
                finally:
                    self.state.loops.pop()
                after = {n: self.type_of(self.env[n]) if n in self.env else None for n in carried}
            merged = dict(types)
            for reached in ([after] if ended else []) + frame.at_jumps:
                merged = {n: self.merge_type(n, merged[n], reached.get(n)) for n in carried}
            if merged == types:
                return types
            types = merged
        raise self.unsupported("a loop whose variables do not settle on one type")

    def type_of(self, value):
        if isinstance(value, EitherScalar):
            return ("either", value.dtype, False, ())
        if isinstance(value, Node):
            kind = "array" if value.ndim and not value.weak else "scalar"
            return (kind, value.dtype, value.weak and kind == "scalar", value.shape if kind == "array" else ())
        if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, (np.ndarray,)):
            return ("static", value)
        return ("other", id(value))

    def merge_type(self, name, before, after):
        if before is None:
            return after
        if after is None or before == after:
            return before
        if before[0] == "static" and after[0] == "static":
            # a Python scalar that changes: a C local of the type Python values take
            return self.type_of(self.as_node(after[1]))
        if "other" in (before[0], after[0]):
            raise self.unsupported(f"'{name}' holds a {type(after).__name__} that changes in a loop")
        b = before if before[0] != "static" else self.type_of(self.as_node(before[1]))
        after = after if after[0] != "static" else self.type_of(self.as_node(after[1]))
        if b == after:
            return b
        either = self.either_join(b, after)
        if either is not None:
            return either
        if b[0] == after[0] == "scalar":
            # weak Python scalar meeting a typed one: the typed one wins if NumPy agrees
            if b[2] and np.can_cast(b[1], after[1], "same_kind"):
                return after
            if after[2] and np.can_cast(after[1], b[1], "same_kind"):
                return b
        if b[0] == after[0] == "array" and b[1] == after[1] and len(b[3]) == len(after[3]):
            if not self.same_shape(b[3], after[3]):
                # e.g. two arguments swapped each step: their sizes must agree for one C variable
                find = dim_canonicaliser(self.state.checks)
                for x, y in zip(b[3], after[3]):
                    if find(x) != find(y):
                        if isinstance(x, int) and isinstance(y, int):
                            raise self.unsupported(f"'{name}' changes shape in a loop")
                        self.state.checks.insert(0, ShapeGuard(x, y, (b[3], after[3])))
            return b
        raise self.unsupported(f"'{name}' changes type in a loop ({self.describe(b)} -> {self.describe(after)})")

    @staticmethod
    def either_join(a, b):
        """The "either" type (a Python or a NumPy scalar of one dtype, which one decided by
        the paths that ran) where ``a`` or ``b`` is one and the other is a scalar of its
        dtype; None otherwise."""
        if "either" in (a[0], b[0]) and {a[0], b[0]} <= {"either", "scalar"} and a[1] == b[1]:
            return ("either", a[1], False, ())
        return None

    def join_branches(self, name, before, after):
        """The type of ``name`` after a run-time ``if`` whose paths leave it ``before`` and
        ``after``: Python's type is whichever path ran, so only a Python scalar and the NumPy
        scalar of one dtype can meet (an "either": its value is one C variable); any other
        change of type leaves the construct to Python."""
        if before is None or after is None or before == after:
            return after if before is None else before
        if before[0] == "static" and after[0] == "static" and type(before[1]) is type(after[1]):
            return self.merge_type(name, before, after)
        a = before if before[0] != "static" else self.type_of(self.as_node(before[1]))
        b = after if after[0] != "static" else self.type_of(self.as_node(after[1]))
        if a == b or (a[0] == b[0] == "array"):
            return self.merge_type(name, a, b)
        either = self.either_join(a, b)
        if either is not None:
            return either
        if a[0] == b[0] == "scalar" and a[1] == b[1] and a[2] != b[2] and either_kind_ok(a[1]):
            return ("either", a[1], False, ())
        raise self.unsupported(f"'{name}' has a type that depends on the branch taken "
                               f"({self.describe(a)} or {self.describe(b)})")

    def describe(self, t):
        if t[0] == "either":
            return f"{t[1]} (a Python or a NumPy scalar)"
        return f"{t[1]}{list(t[3])}" if t[0] == "array" else f"{'weak ' if t[2] else ''}{t[1]}"

    def same_shape(self, a, b):
        find = dim_canonicaliser(self.state.checks)
        return len(a) == len(b) and all(find(x) == find(y) for x, y in zip(a, b))

    def make_vars(self, names, types, probe=False) -> dict:
        """Bind each carried name to a variable of its settled type, initialised (in the
        current block) from the value the name has now."""
        made, scalars, arrays = {}, [], []
        for name in names:
            t = types.get(name)
            if t is None or t[0] == "static":
                continue                      # not carried, or static and unchanging
            if t[0] == "other":
                raise self.unsupported(f"'{name}' holds a non-array value rebound in a loop")
            current = self.env.get(name)
            if isinstance(current, EitherScalar):
                current = current.strong          # the same value in C
            if t[0] in ("scalar", "either"):
                var = ScalarVar(vid=self.new_id(), name=name, dtype=t[1], weak=t[2])
                if current is not None:
                    init = self.as_node(current)
                    if init.ndim != 0:
                        raise self.unsupported(f"'{name}' changes from an array to a scalar in a loop")
                    if init.dtype != var.dtype:
                        init = self.cast_to(init, var.dtype)
                    scalars.append((var, init))
            else:
                var = ArrayVar(vid=self.new_id(), name=name, dtype=t[1], shape=t[3],
                               why="array rebound in a loop or branch (a pointer)")
                if current is not None:
                    arrays.append((var, self.pointer_source(current, name)))
            made[name] = var
        if scalars:
            self.emit(P.SetScalars(tuple(scalars)))
        if arrays:
            self.emit(P.SetArrays(tuple(arrays)))
        for name, var in made.items():
            self.env[name] = EitherScalar(self, var) if types[name][0] == "either" else var
        return made

    def pointer_source(self, value, name):
        """What a pointer variable can point at for ``value``: a contiguous whole buffer."""
        if not isinstance(value, Node) or value.ndim == 0 or value.weak:
            raise self.unsupported(f"'{name}' changes from a scalar to an array in a loop")
        if isinstance(value, (ArrayVar, Storage)) or (isinstance(value, Param) and value.contiguous):
            return value
        buf = self.new_buffer(value, name)
        self.emit(P.Store(buf, value))
        return buf

    def sync_vars(self, names):
        """At a loop's back edge (or a break/continue, or the end of a branch): give the
        variables the values their names hold now, all at once."""
        scalars, arrays = [], []
        for name, var in names.items():
            value = self.env.get(name)
            if isinstance(value, EitherScalar):
                value = value.strong
            if value is None or value is var:
                continue
            if isinstance(var, ScalarVar):
                node = self.as_node(value)
                if node.ndim != 0:
                    raise self.unsupported(f"'{name}' changes from a scalar to an array")
                if node.dtype != var.dtype:
                    if not np.can_cast(node.dtype, var.dtype, "same_kind") and not node.weak:
                        raise self.unsupported(f"'{name}' changes type ({node.dtype} -> {var.dtype})")
                    node = self.cast_to(node, var.dtype)
                scalars.append((var, node))
            else:
                if not isinstance(value, Node) or value.dtype != var.dtype or not self.same_shape(value.shape, var.shape) \
                        or value.weak or value.ndim == 0:
                    what = value.dtype if isinstance(value, Node) else type(value).__name__
                    raise self.unsupported(f"'{name}' changes type or shape in a loop ({var.dtype}{list(var.shape)} -> {what})")
                arrays.append((var, value))
        # a new array value goes to a free slot first; then all pointers move together
        pointers, homes = [], {}
        for var, value in arrays:
            if isinstance(value, (ArrayVar, Storage)) or (isinstance(value, Param) and value.contiguous):
                pointers.append((var, value))
            else:
                # two names bound to one value share one buffer, as they share one object
                if value not in homes:
                    homes[value] = self.new_buffer(value, var.name, "new value of a loop variable")
                    self.emit(P.Store(homes[value], value))
                pointers.append((var, homes[value]))
        if scalars:
            self.emit(P.SetScalars(tuple(scalars)))
        if pointers:
            self.emit(P.SetArrays(tuple(pointers)))

"""Names a loop or a branch rebinds: the one type each settles on (probing the body until the
types stop changing; a Python and a NumPy scalar join as ``EitherScalar``), and the C
variables that hold them (``ScalarVar`` locals, ``ArrayVar`` pointers into pool slots).

An array whose size a loop or a branch changes (``x = x[::2] + x[1::2]``,
``x = np.append(x, v)``, ``z = z[keep]``) keeps one ``ArrayVar`` whose changing dims are C
locals (``VARIES`` in its settled type; a ``ScalarVar`` each, read as the dim ``sv<id>``),
set with the pointer at every back edge. Two sizes known when the function is called (an
argument's, an int argument) instead stay one dim under a ``ShapeGuard``: ``a, b = b, a``
keeps the sizes it has at entry, and what is computed with them keeps its static facts. A
view of itself of another size (``x = x[1:]``) is refused: NumPy moves a pointer there,
where the pointer variable would copy the rest of ``x`` at every trip.

>>> from npaccel.ir.dims import dim_sub
>>> plain_dim(3), plain_dim(Sym("a0_d0")), plain_dim(Sym("sv4")), plain_dim(dim_sub(Sym("a0_d0"), 1))
(True, True, False, False)
"""
from __future__ import annotations

import numpy as np

from ..ir.checks import ShapeGuard, dim_canonicaliser
from ..ir.dims import Sym, loop_variant
from ..ir import program as P
from ..ir.nodes import ArrayVar, Node, Param, ScalarVar, Storage, View
from .bindings import shown, view_root
from .masks import is_selection, stored
from .scalars import EitherScalar, either_kind_ok
from .loops import Jump, LoopFrame

PROBE_ROUNDS = 4          # bodies lowered to learn the types of rebound names, at most
VARIES = "varies"         # a dim of a settled array type that the loop or branch changes
_I64 = np.dtype(np.int64)


def plain_dim(d) -> bool:
    """A size known when the function is called: a constant, an argument's dim, an int
    argument (not an expression, not a value computed inside the function)."""
    return isinstance(d, int) or (isinstance(d, Sym) and not loop_variant(d))


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
                self.refuse_shrinking_views(vars_, after)
            merged = dict(types)
            for reached in ([after] if ended else []) + frame.at_jumps:
                merged = {n: self.merge_type(n, merged[n], reached.get(n)) for n in carried}
            if merged == types:
                return types
            types = merged
        raise self.unsupported("a loop whose variables do not settle on one type")

    def refuse_shrinking_views(self, vars_, after):
        """``x = x[1:]`` in a loop: NumPy moves a pointer, a compiled loop would copy the
        rest of ``x`` at every trip (a pointer variable points at a whole buffer), which is
        slower than NumPy for long arrays; such a loop runs in Python."""
        for name, var in vars_.items():
            value = self.env.get(name)
            if isinstance(var, ArrayVar) and isinstance(value, View) and view_root(value) is var and \
                    after[name] is not None and VARIES in self.merged_shape(var.shape, value.shape, guard=False):
                raise self.unsupported(f"'{name}' rebound to a slice of itself in a loop (a view whose size "
                                       "changes each trip)")

    def type_of(self, value):
        if is_selection(value):        # x[mask]: kept as an array of run-time length (masks.stored)
            return ("array", value.base.dtype, False, (VARIES,) + tuple(value.base.shape[value.mask.ndim:]))
        if isinstance(value, EitherScalar):
            return ("either", value.dtype, False, ())
        if isinstance(value, Node):
            kind = "array" if value.ndim and not value.weak else "scalar"
            return (kind, value.dtype, value.weak and kind == "scalar", value.shape if kind == "array" else ())
        if isinstance(value, (bool, int, float, complex, np.generic)) and not isinstance(value, (np.ndarray,)):
            return ("static", value)
        return ("other", id(value), type(value).__name__)

    def merge_type(self, name, before, after):
        if before is None:
            return after
        if after is None or before == after:
            return before
        if before[0] == "static" and after[0] == "static":
            # a Python scalar that changes: a C local of the type Python values take
            return self.type_of(self.as_node(after[1]))
        if "other" in (before[0], after[0]):
            what = after[2] if after[0] == "other" else before[2]
            raise self.unsupported(f"{shown(name)} holds a {what} that changes in a loop")
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
            return b[:3] + (self.merged_shape(b[3], after[3]),)
        raise self.unsupported(f"'{name}' changes type in a loop ({self.describe(b)} -> {self.describe(after)})")

    def merged_shape(self, before, after, guard=True) -> tuple:
        """One shape for an array variable that holds ``before`` and ``after``: equal dims
        stay; two sizes known at the call become one under a guard (two arguments swapped
        each step must agree in size, else the call runs in Python); any other change is a
        dim the variable carries at run time (``VARIES``)."""
        find = dim_canonicaliser(self.state.checks)
        shape = []
        for x, y in zip(before, after):
            if x is VARIES or find(x) == find(y):
                shape.append(x)
            elif plain_dim(x) and plain_dim(y) and not (isinstance(x, int) and isinstance(y, int)):
                if guard:
                    self.state.checks.insert(0, ShapeGuard(x, y, (before, after)))
                shape.append(x)
            else:
                shape.append(VARIES)
        return tuple(shape)

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
        raise self.unsupported(f"{shown(name)} has a type that depends on the branch taken "
                               f"({self.describe(a)} or {self.describe(b)})")

    def describe(self, t):
        if t[0] == "either":
            return f"{t[1]} (a Python or a NumPy scalar)"
        if t[0] == "other":
            return "None" if t[2] == "NoneType" else f"a {t[2]}"
        if t[0] == "static":
            return f"the Python value {t[1]!r}"
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
                dims = tuple(ScalarVar(vid=self.new_id(), name=f"{name}.shape[{axis}]", dtype=_I64, weak=True)
                             if d is VARIES else None for axis, d in enumerate(t[3]))
                shape = tuple(d if v is None else Sym(f"sv{v.vid}") for d, v in zip(t[3], dims))
                var = ArrayVar(vid=self.new_id(), name=name, dtype=t[1], shape=shape,
                               why="array rebound in a loop or branch (a pointer)" +
                               (", of a size it changes" if any(dims) else ""))
                if any(dims):
                    self.state.var_dims[var] = dims
                if current is not None:
                    source = self.pointer_source(current, name)
                    arrays.append((var, source))
                    scalars += self.dim_settings(var, source)
            made[name] = var
        if scalars:
            self.emit(P.SetScalars(tuple(scalars)))
        if arrays:
            self.emit(P.SetArrays(tuple(arrays)))
        for name, var in made.items():
            self.env[name] = EitherScalar(self, var) if types[name][0] == "either" else var
        return made

    def dim_settings(self, var, value) -> list:
        """(dim local, value) pairs giving an array variable's changing dims the sizes of
        ``value``, set together with its pointer."""
        dims = self.state.var_dims.get(var, ())
        return [(v, self.as_node(self.dim_value(d))) for v, d in zip(dims, value.shape)
                if v is not None and d != Sym(f"sv{v.vid}")]

    def pointer_source(self, value, name):
        """What a pointer variable can point at for ``value``: a contiguous whole buffer."""
        if is_selection(value):
            return stored(self, value, name)
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
        self.state.mask_counts = {}
        scalars, arrays = [], []
        for name, var in names.items():
            value = self.env.get(name)
            if isinstance(value, EitherScalar):
                value = value.strong
            if value is None or value is var:
                continue
            if is_selection(value) and isinstance(var, ArrayVar):
                value = stored(self, value, name)
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
                fixed = [i for i, v in enumerate(self.state.var_dims.get(var, (None,) * var.ndim)) if v is None]
                if not isinstance(value, Node) or value.dtype != var.dtype or value.weak or value.ndim != var.ndim \
                        or not self.same_shape([value.shape[i] for i in fixed], [var.shape[i] for i in fixed]):
                    what = value.dtype if isinstance(value, Node) else type(value).__name__
                    raise self.unsupported(f"'{name}' changes type or shape in a loop ({var.dtype}{list(var.shape)} -> {what})")
                arrays.append((var, value))
                scalars += self.dim_settings(var, value)
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

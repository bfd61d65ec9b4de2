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

import contextlib

import gast
import numpy as np

from ..ir import program as P
from ..ir.nodes import (ArrayVar, Const, DimValue, Elementwise, MUTABLE_LEAVES, Node, Param, Reduce,
                        SameBuffer, ScalarParam, ScalarVar, Storage, View, is_ndarray)
from ..ir.ops import Op
from ..passes import infer
from .returns import RESULT
from .scalars import EitherScalar, either_kind_ok, store_value

UNROLL_MAX = 4           # static ranges this short unroll (the counter stays a static int); longer: a C loop
_PROBE_ROUNDS = 4


class _Jump(Exception):
    """break/continue lowered: the rest of the block is unreachable."""


class LoopFrame:
    def __init__(self, names, carried=()):
        self.names = names            # name -> ScalarVar | ArrayVar carried around the loop
        self.carried = carried        # every name the loop carries (static ones too)
        self.at_jumps = []            # while probing: the carried names' types at each break/continue


def view_root(value):
    while isinstance(value, View):
        value = value.arg
    return value


def is_stored(value) -> bool:
    """A buffer or a view of one: writing through it writes memory."""
    return isinstance(value, Node) and isinstance(view_root(value), MUTABLE_LEAVES)


def is_alias(value) -> bool:
    """Stored, and an array in NumPy too: ``x[i, j]`` with integers only is a scalar copy of
    the element (it must not see a later write), not a view."""
    return is_stored(value) and not (isinstance(value, View) and value.ndim == 0 and value.fixed)


def may_alias(leaf, base) -> bool:
    """Can ``leaf`` share memory with ``base``? Pointers may point at any buffer of their
    dtype; distinct arguments are checked not to overlap at call time."""
    if leaf is base:
        return True
    if isinstance(leaf, ArrayVar) or isinstance(base, ArrayVar):
        return leaf.dtype == base.dtype
    return False


def reads_any(node, pred, stop_at_reduce=False) -> bool:
    seen, stack = set(), [node]
    while stack:
        n = stack.pop()
        if id(n) in seen or not isinstance(n, Node):
            continue
        seen.add(id(n))
        if isinstance(n, MUTABLE_LEAVES) and pred(n):
            return True
        if stop_at_reduce and isinstance(n, Reduce):
            continue
        stack.extend(n.children())
    return False


def assigned_names(stmts) -> list:
    """Names a block rebinds (not subscript or in-place targets), in first-seen order."""
    out = []

    def add(t):
        if isinstance(t, gast.Name) and t.id not in out:
            out.append(t.id)
        elif isinstance(t, (gast.Tuple, gast.List)):
            for e in t.elts:
                add(e)
    for stmt in stmts:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Assign):
                for t in n.targets:
                    add(t)
            elif isinstance(n, (gast.AnnAssign, gast.AugAssign)):
                add(n.target)
            elif isinstance(n, gast.For):
                add(n.target)
    return out


def bound_only_by_augassign(stmts) -> set:
    """Names a block binds only as ``x op= v`` targets: for an array, the same object
    updated in place every time, so no loop variable is needed for it."""
    aug_targets = {id(n.target) for stmt in stmts for n in gast.walk(stmt)
                   if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
    aug, other = set(), set()
    for stmt in stmts:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
                (aug if id(n) in aug_targets else other).add(n.id)
    return aug - other


def read_names(stmts) -> set:
    """Names a block reads (``x += v`` reads x too)."""
    return {n.id for stmt in stmts for n in gast.walk(stmt)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)} | \
        {n.target.id for stmt in stmts for n in gast.walk(stmt)
         if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}


def exposed_names(stmts) -> set:
    """Names a block may read before it assigns them (conservatively: an assignment inside
    a branch or a nested loop does not count as made)."""
    defined, exposed = set(), set()
    for stmt in stmts:
        exposed |= read_names([stmt]) - defined
        for n in gast.walk(stmt):              # x += v reads x first
            if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name) and n.target.id not in defined:
                exposed.add(n.target.id)
        if isinstance(stmt, (gast.Assign, gast.AnnAssign)) or \
                (isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name)):
            defined |= set(assigned_names([stmt]))
    return exposed


def read_outside(tree, node) -> set:
    """Names read anywhere in function ``tree`` outside the lines of ``node``."""
    first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if first is None or last is None:
        return read_names(tree.body)            # unknown extent: everything counts
    # a read in the body of another ``for`` over the same name reads that loop's own value
    rebound = [(_target_names(f.target), f.body[0].lineno,
                f.body[-1].end_lineno) for f in gast.walk(tree)
               if isinstance(f, gast.For) and f is not node and f.body and
               not f.lineno <= first <= f.end_lineno]
    return {n.id for n in gast.walk(tree) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
            and not first <= getattr(n, "lineno", first) <= last
            and not any(n.id in names and lo <= getattr(n, "lineno", 0) <= hi for names, lo, hi in rebound)}


def written_names(stmts) -> set:
    """Names of arrays a block may write in place: ``a[...] = v``, ``a[...] op= v``, ``a op= v``.

    >>> sorted(written_names(gast.parse("a[i] = 1\\nb = c\\nd += 1\\ne[0][1] -= 2\\nf, g[0] = 1, 2").body))
    ['a', 'd', 'e', 'g']
    """
    out = set()

    def root(t, augmented):
        if isinstance(t, (gast.Tuple, gast.List)):
            for e in t.elts:
                root(e, augmented)
            return
        subscripted = isinstance(t, gast.Subscript)
        while isinstance(t, (gast.Subscript, gast.Attribute)):
            t = t.value
        if isinstance(t, gast.Name) and (subscripted or augmented):
            out.add(t.id)
    for stmt in stmts:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Assign):
                for t in n.targets:
                    root(t, False)
            elif isinstance(n, gast.AugAssign):
                root(n.target, True)
    return out


def shown(name) -> str:
    """A name as messages show it (the result of a return inside a loop: frontend/returns.py)."""
    return "an array returned from inside a loop" if name == RESULT else f"'{name}'"


def assigns_first(stmts, name) -> bool:
    """Does every run of the block bind ``name`` (a plain assignment at its top level before
    anything that may jump out)?"""
    for stmt in stmts:
        if isinstance(stmt, (gast.Assign, gast.AnnAssign)) and name in assigned_names([stmt]):
            return True
        if any(isinstance(n, (gast.Break, gast.Continue, gast.Return)) for n in gast.walk(stmt)):
            return False
    return False


def _target_names(target) -> set:
    """Names a ``for`` target binds (``i``, ``i, v``)."""
    return {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}


def python_type(value, typed=False):
    """What Python sees of a value (``typed``: of a settled loop type from probe_types):
    ("py", int/float/bool/complex) for Python scalars, ("np", dtype) for NumPy scalars,
    ("array", dtype). (Tagged: a dtype compares equal to the Python type it converts.)

    >>> python_type(1.0), python_type(("scalar", np.dtype("float64"), False, ()), typed=True)
    (('py', <class 'float'>), ('np', dtype('float64')))
    """
    weak_kinds = {"b": bool, "i": int, "u": int, "f": float, "c": complex}
    if typed:
        if value is None:
            return None
        if value[0] == "static":
            return python_type(value[1])
        if value[0] == "scalar":
            return ("py", weak_kinds[value[1].kind]) if value[2] else ("np", value[1])
        return ("array", value[1]) if value[0] == "array" else value
    if isinstance(value, Node):
        if value.ndim and not value.weak:
            return ("array", value.dtype)
        return ("py", weak_kinds[value.dtype.kind]) if value.weak else ("np", value.dtype)
    if isinstance(value, np.generic):
        return ("np", value.dtype)
    return None if value is None else ("py", type(value))


def _has_jump(stmts) -> bool:
    return any(isinstance(n, (gast.Break, gast.Continue)) for s in stmts for n in gast.walk(s))


class ControlFlowLowering:
    """Mixin of FunctionLowerer: the statement forms that write, loop or branch."""

    # ---- state ------------------------------------------------------------------
    def emit(self, stmt):
        self.lw.block.append(stmt)

    def new_id(self):
        self.lw.next_id += 1
        return self.lw.next_id

    def frames(self):
        return self.lw.frames

    def rebind_everywhere(self, mapping):
        """Replace nodes (by identity) in every active frame's names, and rebuild views of
        a replaced node over its replacement."""
        def sub(v):
            if isinstance(v, tuple):
                return tuple(sub(x) for x in v)
            if isinstance(v, list):
                return [sub(x) for x in v]
            if not isinstance(v, Node):
                return v
            if id(v) in mapping:
                return mapping[id(v)]
            if isinstance(v, View):
                arg = sub(v.arg)
                if arg is not v.arg:
                    return self.lw.intern(View(arg=arg, axes=v.axes, fixed=v.fixed, dtype=v.dtype, shape=v.shape))
            return v
        for frame in self.frames():
            for k, v in list(frame.env.items()):
                frame.env[k] = sub(v)

    # ---- buffers --------------------------------------------------------------------
    def new_buffer(self, like, name, why="computed before a write"):
        """Somewhere to keep a value: a fixed Storage outside loops, a free pool slot inside
        (a fixed buffer could still be read through a loop variable next iteration)."""
        if self.lw.loop_depth == 0:
            return Storage(sid=self.new_id(), name=name, dtype=like.dtype, shape=like.shape, why=why)
        var = ArrayVar(vid=self.new_id(), name=name, dtype=like.dtype, shape=like.shape,
                       why=why + ", in a pool slot")
        self.emit(P.PickSlot(var))
        return var

    def temp_buffer(self, like, name):
        """A buffer read only by the next statement: always a fixed Storage."""
        return Storage(sid=self.new_id(), name=name, dtype=like.dtype, shape=like.shape,
                       why="right side of an overlapping write")

    def materialise(self, value, name="value", why="computed before a write"):
        """Compute a deferred value now: into a buffer, or a C local if 0-d."""
        if value.ndim == 0:
            var = ScalarVar(vid=self.new_id(), name=name, dtype=value.dtype, weak=value.weak)
            self.emit(P.SetScalars(((var, value),)))
            return var
        buf = self.new_buffer(value, name, why)
        self.emit(P.Store(buf, value))
        return buf

    def ensure_stored(self, value, name):
        """The value as a buffer or a view of one, giving its root a buffer if needed; every
        name bound to the old root (or a view of it) is rebound to the new one."""
        root = view_root(value)
        if isinstance(root, MUTABLE_LEAVES):
            return value
        if type(root).__name__ in ("Reshape", "Broadcast") and is_stored(root.arg):
            # NumPy's reshape is often a view (a write reaches the original) and
            # broadcast_to is read-only: a private copy would give a different answer
            raise self.unsupported(f"writing into the {type(root).__name__.lower()} of an array")
        if isinstance(root, Elementwise) and root.op in (Op.REAL, Op.IMAG):
            # NumPy's .real/.imag are views of the complex array (read-only zeros for .imag
            # of a real one): a private copy would give a different answer
            raise self.unsupported(f"writing into the .{root.op.value} part of an array")
        buf = self.new_buffer(root, name, "written in place") if root.ndim else None
        if buf is None:
            raise self.unsupported(f"writing into a 0-d value '{name}'")
        self.emit(P.Store(buf, root))
        self.rebind_everywhere({id(root): buf})
        return self.env_view_of(value, root, buf)

    def env_view_of(self, value, root, buf):
        if value is root:
            return buf
        return self.lw.intern(View(arg=self.env_view_of(value.arg, root, buf), axes=value.axes,
                                   fixed=value.fixed, dtype=value.dtype, shape=value.shape))

    def snapshot_readers(self, base, keep=()):
        """Before writing ``base``: deferred values bound to names that read it are computed
        now (they must not see the write). Views of it are aliases and do see it."""
        hit = lambda leaf: may_alias(leaf, base)  # noqa: E731
        mapping = {}
        # a value being stored is computed by the store itself, unless a name holds it too
        # (s = a.sum(); a[0] = s: s must keep the value from before the write)
        bound = {id(v) for frame in self.frames() for v in frame.env.values()}
        keep = {k for k in keep if k not in bound}
        for frame in self.frames():
            for name, v in list(frame.env.items()):
                for node in (v if isinstance(v, tuple) else (v,)):
                    if not isinstance(node, Node) or id(node) in mapping or is_alias(node) or \
                            isinstance(node, (ScalarVar, Const, ScalarParam, DimValue)) or id(node) in keep:
                        continue
                    if reads_any(node, hit):
                        mapping[id(node)] = self.materialise(node, name)
        if mapping:
            self.rebind_everywhere(mapping)
        return mapping

    # ---- stores ---------------------------------------------------------------------
    def store_into(self, target, value, node):
        """``target = value`` where target is a buffer or a view of one (NumPy setitem)."""
        if type(target).__name__ == "Gather":
            return self.scatter_into(target, value, node)
        if isinstance(value, EitherScalar):
            value = store_value(self, value, target.dtype, node)
        value = self.as_node(value, node)
        base = view_root(target)
        self.mark_written(base)
        with_numpy = {}
        if isinstance(value, Const) and value.weak:
            with_numpy["value"] = value.value
        from .lower import numpy_semantics
        with numpy_semantics():
            # NumPy's own casting errors (uint8 <- 1000, setting an int array from an array of
            # complex...) and broadcast rule for setitem
            probe = np.zeros((1,) * target.ndim, target.dtype)
            probe[...] = with_numpy.get("value", np.zeros((1,) * value.ndim, value.dtype))
            extra = value.ndim - target.ndim
            shape = infer.broadcast_shapes([target.shape, value.shape[max(extra, 0):]], self.lw.checks, into=True)
            if (extra > 0 and any(d != 1 for d in value.shape[:extra])) or not self.same_shape(shape, target.shape):
                raise ValueError("could not broadcast input array from shape "
                                 f"{infer._shape_text(value.shape)} into shape {infer._shape_text(target.shape)}")
        if value.ndim > target.ndim:
            value = self.lw.intern(View(arg=value, axes=tuple((d, 0, 1) for d in range(value.ndim - target.ndim, value.ndim)),
                                        fixed=tuple((d, 0) for d in range(value.ndim - target.ndim)),
                                        dtype=value.dtype, shape=value.shape[value.ndim - target.ndim:]))
        if value.ndim == 0 and target.dtype.kind in "iu" and not np.can_cast(value.dtype, target.dtype, "safe"):
            # NumPy converts a scalar stored into an integer array through a Python int:
            # out of range it raises OverflowError (NaN: ValueError) instead of wrapping
            if isinstance(value, Const):
                with numpy_semantics():
                    np.zeros(1, target.dtype)[0] = value.value
            elif not is_ndarray(value):
                raise self.unsupported(f"storing a {value.dtype} scalar into a {target.dtype} array "
                                       "(NumPy raises OverflowError where it does not fit)", node)
        if value.dtype != target.dtype:
            from .calls_complex import warn_complex_cast
            warn_complex_cast(self, value.dtype, target.dtype)
            value = self.cast_to(value, target.dtype)
        value = self.snapshot_readers(base, keep={id(value)}).get(id(value), value)
        # the right side reads the target elsewhere than where it writes: compute it first
        conflicts = self.reads_elsewhere(value, target, base)
        if not conflicts:
            self.emit(P.Store(target, value))
            return
        tmp = self.temp_buffer(value, "rhs")
        through_temp = (P.Store(tmp, value), P.Store(target, tmp))
        if base in conflicts:
            self.lw.block.extend(through_temp)
            return
        # only pointer variables that might point at the target: check at run time
        cond = None
        for leaf in conflicts:
            same = self.lw.intern(SameBuffer(a=leaf, b=base, dtype=np.dtype(bool)))
            cond = same if cond is None else self.lw.intern(Elementwise(
                op=Op.LOGICAL_OR, args=(cond, same), in_dtypes=(np.dtype(bool),) * 2, dtype=np.dtype(bool)))
        self.emit(P.If(cond=cond, then=through_temp, orelse=(P.Store(target, value),)))

    def reads_elsewhere(self, value, target, base) -> list:
        """The buffers ``value`` reads that may be ``base``, other than at the very element
        it is stored to. (Reductions are computed before the store's loop, so they may.)"""
        seen, stack, found = set(), [value], []
        while stack:
            n = stack.pop()
            if id(n) in seen or not isinstance(n, Node):
                continue
            seen.add(id(n))
            if isinstance(n, Reduce):
                continue
            if n is target and n.shape == target.shape:
                continue
            if isinstance(n, MUTABLE_LEAVES) and may_alias(n, base):
                if n not in found:
                    found.append(n)
                continue
            stack.extend(n.children())
        return found

    def cast_to(self, value, dtype):
        if isinstance(value, Const):
            with np.errstate(all="ignore"):
                return self.lw.intern(Const(value=np.array(value.value).astype(dtype)[()], dtype=np.dtype(dtype)))
        return self.lw.intern(Elementwise(op=Op.POSITIVE, args=(value,), in_dtypes=(np.dtype(dtype),),
                                          dtype=np.dtype(dtype), shape=value.shape, weak=False))

    def mark_written(self, target):
        """Record that the statement writes the argument ``target`` is (a view of), before
        anything else about the statement is checked: NumPy refuses a write to a read-only
        array before it looks at indices or casts, and the caller runs a call with such an
        argument in Python (runtime/marshal.py), where NumPy raises its own error."""
        base = view_root(target)
        if isinstance(base, Param):
            self.lw.written_params.add(base.index)

    def store_index(self, target_node):
        """The index of a subscript target as NumPy sees it: a list (``x[[0, 2]]``, or a
        name bound to a list display) is an index array, never a tuple of indices."""
        from .lower import ListValue
        index = self.expr(target_node.slice)
        if isinstance(index, ListValue):
            return list(index)
        if isinstance(index, tuple):
            return tuple(list(v) if isinstance(v, ListValue) else v for v in index)
        return index

    def assign_subscript(self, target_node, value):
        base = self.expr(target_node.value)
        if not isinstance(base, Node) or base.weak or base.ndim == 0 and not is_stored(base):
            raise self.unsupported("assignment to an item of a non-array", target_node)
        name = target_node.value.id if isinstance(target_node.value, gast.Name) else "array"
        base = self.ensure_stored(base, name)
        self.mark_written(base)
        index = self.store_index(target_node)
        region = self.basic_index(base, index, target_node)
        from .masks import MaskedSelection
        if isinstance(region, MaskedSelection):
            region, value = self.masked_update(region, lambda old: value, target_node, elementwise=False)
        if type(region).__name__ == "Gather":
            return self.scatter_into(region, value, target_node)
        self.store_into(region, value, target_node)

    def scatter_into(self, region, value, node):
        """``x[idx] = v`` with integer arrays: a sequential store (the last of repeated
        indices wins, as in NumPy) after every index is checked (no partial write). A value
        that reads the array written is computed into a temporary first (NumPy computes the
        right side before it writes)."""
        if not is_stored(region.arg):
            raise self.unsupported("assigning through an integer array into a computed value", node)
        base = view_root(region.arg)
        self.mark_written(base)
        value = self.as_node(value, node)
        from .lower import numpy_semantics
        with numpy_semantics():
            probe = np.zeros((1,) * max(region.ndim, 1), region.dtype)
            probe[...] = value.value if isinstance(value, Const) and value.weak else np.zeros((1,) * value.ndim, value.dtype)
            mismatch = ValueError(f"shape mismatch: value array of shape {infer._shape_text(value.shape)} could "
                                  f"not be broadcast to indexing result of shape {infer._shape_text(region.shape)}")
            extra = value.ndim - region.ndim
            if any(isinstance(d, int) and d != 1 for d in value.shape[:max(extra, 0)]):
                raise mismatch
            if extra > 0:      # NumPy drops leading dims of size 1 of the value
                if not all(d == 1 for d in value.shape[:extra]):
                    raise self.unsupported("an integer-array write of a value with more dims than its "
                                           "destination, of sizes known only at run time", node)
                value = self.lw.intern(View(arg=value, axes=tuple((d, 0, 1) for d in range(extra, value.ndim)),
                                            fixed=tuple((d, 0) for d in range(extra)),
                                            dtype=value.dtype, shape=value.shape[extra:]))
            shape = infer.broadcast_shapes([region.shape, value.shape], self.lw.checks)
            if not self.same_shape(shape, region.shape):
                raise mismatch
        if value.dtype != region.dtype:
            value = self.cast_to(value, region.dtype)
        value = self.snapshot_readers(base, keep={id(value)}).get(id(value), value)
        if any(reads_any(i, lambda leaf: may_alias(leaf, base)) for i in region.args):
            raise self.unsupported("an integer-array write whose indices read the array written", node)
        if reads_any(value, lambda leaf: may_alias(leaf, base)):
            if value.ndim:
                tmp = self.temp_buffer(value, "rhs")
                self.emit(P.Store(tmp, value))
                value = tmp
            else:
                value = self.materialise(value, "rhs")     # a C local, read before the writes
        self.emit(P.Store(region, value))

    def masked_update(self, sel, new_value, node, elementwise=True):
        """``x[mask] = v`` as ``x[...] = where(mask, v, x)``: v must be a scalar (a value per
        selected element would need the selection's run-time size)."""
        base, mask = sel.base, sel.mask
        value = new_value(base)
        from .masks import is_data_sized, is_selection
        if is_selection(value) and value.mask is mask and value.base.ndim == base.ndim:
            value = value.base            # x[m] = f(x)[m]: where(m, f(x), x), element by element
        elif is_data_sized(value):
            raise self.unsupported("assigning a selection through a different boolean mask", node)
        if not elementwise and isinstance(value, Node) and value.ndim and not value.weak:
            raise self.unsupported("assigning an array through a boolean mask", node)
        m = mask
        if base.ndim > mask.ndim:
            m = self.lw.intern(View(arg=mask, axes=tuple((d, 0, 1) for d in range(mask.ndim)) +
                                    (None,) * (base.ndim - mask.ndim), fixed=(), dtype=mask.dtype,
                                    shape=mask.shape + (1,) * (base.ndim - mask.ndim)))
        value = self.as_node(value, node)
        if value.dtype != base.dtype:
            from .lower import numpy_semantics
            with numpy_semantics():      # NumPy's casting errors (uint8 <- 1000, ...)
                np.zeros(1, base.dtype)[...] = value.value if isinstance(value, Const) else np.zeros((), value.dtype)
            value = self.cast_to(value, base.dtype)
        return base, self.where(m, value, base, node)

    def augassign_array(self, target, rhs, op_kind, node):
        """``x op= v`` on an array: NumPy's in-place ufunc with out=x (same_kind casting)."""
        from .lower import _BINOPS, numpy_semantics
        if isinstance(target, gast.Subscript):
            base = self.ensure_stored(self.expr(target.value), getattr(target.value, "id", "array"))
            self.mark_written(base)
            region = self.basic_index(base, self.store_index(target), target)
            from .masks import MaskedSelection
            if isinstance(region, MaskedSelection):
                region, value = self.masked_update(region, lambda old: self.binop(op_kind, old, rhs, node), node)
                return self.store_into(region, value, node)
        else:
            region = self.ensure_stored(self.lookup(target.id, target), target.id)
            self.mark_written(region)
        uf = _BINOPS[op_kind]
        result = self.binop(op_kind, region, rhs, node)
        if not isinstance(result, Node):
            raise self.unsupported("in-place update with a static result", node)
        with numpy_semantics():
            if not np.can_cast(result.dtype, region.dtype, "same_kind"):
                raise np._core._exceptions._UFuncOutputCastingError(
                    uf, "same_kind", result.dtype, region.dtype, 0) if hasattr(np, "_core") else \
                    TypeError(f"Cannot cast ufunc '{uf.__name__}' output from {result.dtype!r} to "
                              f"{region.dtype!r} with casting rule 'same_kind'")
            shape = infer.broadcast_shapes([region.shape, result.shape], self.lw.checks)
            if len(shape) != region.ndim or any(s != r and r == 1 for s, r in zip(shape, region.shape)):
                raise ValueError(f"non-broadcastable output operand with shape {tuple(region.shape)} "
                                 f"doesn't match the broadcast shape {tuple(shape)}")
        self.store_into(region, result, node)

    # ---- loops and branches ------------------------------------------------------------
    def runtime_condition(self, value, where):
        """A 0-d value known only at run time, as a C truth value (Python's bool())."""
        if value.dtype.kind == "b":
            return value
        zero = self.as_node(0 if value.dtype.kind in "iub" else 0.0, where)
        return self.lw.intern(Elementwise(op=Op.NOT_EQUAL, args=(value, zero),
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
        from .lower import numpy_semantics
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
        if func is not range:
            if not (isinstance(it, gast.Call) or isinstance(it, (gast.Tuple, gast.List))) and \
                    isinstance(self.expr(it), Node):
                return lower_iteration(self, node, None)
            iterable = self.expr(it)
            if isinstance(iterable, (tuple, list)) and not _has_jump(node.body):
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
            from .lower import numpy_semantics
            with numpy_semantics():
                range(*([0] * len(bounds)))
        start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else \
            (bounds[0], bounds[1], 1) if len(bounds) == 2 else tuple(bounds)
        if all(isinstance(b, int) for b in (start, stop, step)):
            if step == 0:
                from .lower import numpy_semantics
                with numpy_semantics():
                    raise ValueError("range() arg 3 must not be zero")
            trips = range(start, stop, step)
            if len(trips) <= UNROLL_MAX and not _has_jump(node.body):
                for i in trips:
                    self.bind(node.target, i)
                    for s in node.body:
                        self.stmt(s)
                return
        elif isinstance(step, int) and step == 0:
            from .lower import numpy_semantics
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
        from .lower import _python_int
        if _python_int(prior):
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
        from .lower import UserError
        from ..errors import UnsupportedError
        from ..ir.dims import dim_sub
        # an inner loop too, where its bounds do not change with the outer loops (then the
        # guard may send calls to Python whose outer loops make zero trips: correct, rare)
        try:
            a, b = to_dim(self, start), to_dim(self, stop)
        except (UnsupportedError, UserError):
            return None
        first_missing = dim_sub(dim_sub(b, a), 1) if step > 0 else dim_sub(dim_sub(a, b), 1)
        return infer.NonNegativeGuard(first_missing)

    def require_trips(self, guard, why):
        """Compiled code is right only if the loop runs at least once: check that when the
        function is called (``guard``), or leave the construct to Python."""
        if guard is None:
            raise self.unsupported(why)
        if isinstance(guard.dim, int):
            if guard.dim < 0:
                raise self.unsupported(why)
            return
        if guard not in self.lw.checks:
            self.lw.checks.insert(0, guard)

    def stmt_While(self, node):
        if node.orelse:
            raise self.unsupported("'while ... else'", node)
        first = self.try_static_truth(node.test)
        if first is False:
            return
        cond_box = {}

        def body():
            test_block = []
            outer, self.lw.block = self.lw.block, test_block
            try:
                value = self.expr(node.test)
            finally:
                self.lw.block = outer
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
        saved = (self.lw.block, dict(self.env))
        self.lw.block = []
        try:
            value = self.expr(test)
            if isinstance(value, Node):
                return None
            return bool(value)
        except Exception:
            return None
        finally:
            self.lw.block, self.env = saved[0], saved[1]

    def lower_loop(self, stmts, run_body, extra=(), reads=(), at_least_once=None) -> tuple:
        """Lower a loop body: find the names it carries, type them (probing), bind them to
        variables initialised before the loop, and return the body block. ``at_least_once``:
        the guard that the loop makes a trip (None: unknown when called, e.g. a while)."""
        self.lw.control_depth += 1
        try:
            return self._lower_loop(stmts, run_body, extra, reads, at_least_once)
        finally:
            self.lw.control_depth -= 1

    def _lower_loop(self, stmts, run_body, extra, reads, at_least_once=None):
        loop_node = self.current
        live = exposed_names(stmts) | read_outside(self.src.tree, loop_node) | read_names(reads)
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
        after_loop = read_outside(self.src.tree, loop_node)
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
        outer, self.lw.block = self.lw.block, body
        self.lw.loop_depth += 1
        self.lw.loops.append(frame)
        try:
            run_body()
            self.sync_vars(frame.names)
        except _Jump:
            pass
        finally:
            self.lw.loops.pop()
            self.lw.loop_depth -= 1
            self.lw.block = outer
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
            if isinstance(v, Node) and not is_alias(v) and id(v) not in mapping and \
                    not isinstance(v, (Const, ScalarParam, DimValue, ScalarVar)):
                mapping[id(v)] = self.materialise(v, name, "computed once before a loop that reads it")
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

    def probe_types(self, carried, run_body):
        """What each carried name holds after one pass of the body, repeated until stable:
        (kind, dtype, weak, shape) or a static Python value that does not change."""
        types = {n: self.type_of(self.env[n]) if n in self.env else None for n in carried}
        for _ in range(_PROBE_ROUNDS):
            with self.scratch():
                self.lw.loop_depth += 1
                vars_ = self.make_vars(carried, types, probe=True)
                frame = LoopFrame(vars_, tuple(carried))
                self.lw.loops.append(frame)
                ended = True
                try:
                    run_body()
                except _Jump:
                    ended = False
                finally:
                    self.lw.loops.pop()
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
                find = infer.dim_canonicaliser(self.lw.checks)
                for x, y in zip(b[3], after[3]):
                    if find(x) != find(y):
                        if isinstance(x, int) and isinstance(y, int):
                            raise self.unsupported(f"'{name}' changes shape in a loop")
                        self.lw.checks.insert(0, infer.ShapeGuard(x, y, (b[3], after[3])))
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
        find = infer.dim_canonicaliser(self.lw.checks)
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
                if id(value) not in homes:
                    homes[id(value)] = self.new_buffer(value, var.name, "new value of a loop variable")
                    self.emit(P.Store(homes[id(value)], value))
                pointers.append((var, homes[id(value)]))
        if scalars:
            self.emit(P.SetScalars(tuple(scalars)))
        if pointers:
            self.emit(P.SetArrays(tuple(pointers)))

    def stmt_Break(self, node):
        self.jump(node, P.Break())

    def stmt_Continue(self, node):
        self.jump(node, P.Continue())

    def jump(self, node, stmt):
        if not self.lw.loops:
            raise self.unsupported(f"'{type(node).__name__.lower()}' outside a compiled loop", node)
        frame = self.lw.loops[-1]
        # what the names hold here reaches the loop's exit (or next trip), not the end of the
        # branch: the loop's types include it (found = True; break)
        frame.at_jumps.append({n: self.type_of(self.env[n]) if n in self.env else None for n in frame.carried})
        self.sync_vars(frame.names)
        self.emit(stmt)
        raise _Jump()

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
        block, checks = [], len(self.lw.checks)
        outer, self.lw.block = self.lw.block, block
        try:
            second = self.expr(gast.BoolOp(op=node.op, values=rest) if len(rest) > 1 else rest[0])
            mixed = isinstance(second, EitherScalar)
            second = second.strong if mixed else second
            if not isinstance(second, Node) or second.ndim or second.dtype.kind != "b":
                raise self.unsupported("'and'/'or' of run-time values that are not bools", node)
            mixed = mixed or second.weak != first.weak
            if second.weak != first.weak:
                second = self.lw.intern(Elementwise(op=Op.POSITIVE, args=(second,), in_dtypes=(second.dtype,),
                                                    dtype=second.dtype, shape=(), weak=first.weak))
            self.emit(P.SetScalars(((result, second),)))
        finally:
            self.lw.block = outer
        if len(self.lw.checks) != checks:
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
            saved_env = {id(f): dict(f.env) for f in self.frames()}
            block = []
            outer, self.lw.block = self.lw.block, block
            try:
                for s in stmts:
                    self.stmt(s)
                self.sync_vars(merged)
            except _Jump:
                pass
            finally:
                self.lw.block = outer
                for f in self.frames():
                    f.env = saved_env[id(f)]
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
            except _Jump:
                return {}
            return {n: self.type_of(self.env[n]) if n in self.env else None for n in carried}

    @contextlib.contextmanager
    def scratch(self):
        """Lower something only to learn about it: names and statements are put back
        afterwards. (Shape checks found are facts of this signature and stay, so that
        dims proven equal inside a loop compare equal when its types are merged.)"""
        saved_env = {id(f): dict(f.env) for f in self.frames()}
        saved = (self.lw.block, set(self.lw.written_params), self.lw.loop_depth)
        checks = set(self.lw.checks)
        self.lw.block = []
        try:
            yield
        finally:
            # an index checked here was a value the probe assumed (a counter's first value)
            self.lw.checks[:] = [c for c in self.lw.checks if c in checks or not isinstance(c, infer.IndexInRange)]
            for f in self.frames():
                f.env = saved_env[id(f)]
            self.lw.block = saved[0]
            self.lw.written_params, self.lw.loop_depth = saved[1], saved[2]

"""Writes: ``x[i] = v``, ``x += v``, masked and scattered stores, each a program ``Store`` into
the buffer ``x`` lives in (a value without one gets it first, and its aliases are rebound),
with a snapshot of deferred values that read the buffer and a temporary for a right side
that reads the target elsewhere (NumPy computes the right side before the write)."""
from __future__ import annotations

import dataclasses

import gast
import numpy as np

from ..ir import program as P
from ..ir.nodes import (ArrayVar, Const, DimValue, Elementwise, MUTABLE_LEAVES, Node, Param, Reduce,
                        SameBuffer, ScalarParam, ScalarVar, Storage, View, is_ndarray)
from ..ir.ops import Op
from . import infer
from .scalars import EitherScalar, store_value
from .bindings import is_alias, is_stored, may_alias, reads_any, view_root
from .read_only import is_view_alias, keep_read_only, refuse_hidden_write, refuse_write


class StoreLowering:
    """Mixin of FunctionLowerer: the lowering's program state, buffers and stores."""

    # ---- state ------------------------------------------------------------------
    def emit(self, stmt):
        self.state.block.append(stmt)

    def new_id(self):
        self.state.next_id += 1
        return self.state.next_id

    def frames(self):
        return self.state.frames

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
            if v in mapping:
                return mapping[v]
            if isinstance(v, View):
                arg = sub(v.arg)
                if arg is not v.arg:
                    return self.intern(View(arg=arg, axes=v.axes, fixed=v.fixed, dtype=v.dtype, shape=v.shape))
            return v
        for frame in self.frames():
            for k, v in list(frame.env.items()):
                frame.env[k] = sub(v)
        keep_read_only(self, mapping)

    # ---- buffers --------------------------------------------------------------------
    def new_buffer(self, like, name, why="computed before a write"):
        """Somewhere to keep a value: a fixed Storage outside loops, a free pool slot inside
        (a fixed buffer could still be read through a loop variable next iteration)."""
        if self.state.loop_depth == 0:
            return Storage(sid=self.new_id(), name=name, dtype=like.dtype, shape=like.shape, why=why)
        var = ArrayVar(vid=self.new_id(), name=name, dtype=like.dtype, shape=like.shape,
                       why=why + ", in a pool slot", slot_only=True)
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
        from .masks import is_selection, stored
        refuse_write(self, value, name)
        if is_selection(value):           # y = x[m]; y[0] = 1: y is an array of its own
            buf = stored(self, value, name)
            for frame in self.frames():
                for key, v in list(frame.env.items()):
                    if v is value:
                        frame.env[key] = buf
            return buf
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
        refuse_hidden_write(self, root)
        buf = self.new_buffer(root, name, "written in place") if root.ndim else None
        if buf is None:
            raise self.unsupported(f"writing into a 0-d value '{name}'")
        self.emit(P.Store(buf, root))
        self.rebind_everywhere({root: buf})
        self.state.stored_last = (root, buf)
        return self.env_view_of(value, root, buf)

    def env_view_of(self, value, root, buf):
        if value is root:
            return buf
        return self.intern(View(arg=self.env_view_of(value.arg, root, buf), axes=value.axes,
                                   fixed=value.fixed, dtype=value.dtype, shape=value.shape))

    def snapshot_readers(self, base, keep=()):
        """Before writing ``base``: deferred values bound to names that read it are computed
        now (they must not see the write). Views of it are aliases and do see it."""
        hit = lambda leaf: may_alias(leaf, base)  # noqa: E731
        mapping = {}
        # a value being stored is computed by the store itself, unless a name holds it too
        # (s = a.sum(); a[0] = s: s must keep the value from before the write)
        bound = {v for frame in self.frames() for v in frame.env.values() if isinstance(v, Node)}
        keep = {k for k in keep if k not in bound}
        for frame in self.frames():
            for name, v in list(frame.env.items()):
                for node in (v if isinstance(v, tuple) else (v,)):
                    if not isinstance(node, Node) or node in mapping or is_alias(node) or is_view_alias(self, node) or \
                            isinstance(node, (ScalarVar, Const, ScalarParam, DimValue)) or node in keep:
                        continue
                    if reads_any(node, hit):
                        mapping[node] = self.materialise(node, name)
        self.snapshot_selections(hit)
        if mapping:
            self.rebind_everywhere(mapping)
        return mapping

    def snapshot_selections(self, hit):
        """``y = x[m]`` then a write to ``x`` (or ``m``): ``y`` keeps the rows selected before
        it, compacted into a buffer of its own now."""
        from .masks import is_selection, stored
        done = {}
        for frame in self.frames():
            for name, v in list(frame.env.items()):
                if is_selection(v) and (id(v) in done or reads_any(v.base, hit) or reads_any(v.mask, hit)):
                    if id(v) not in done:
                        done[id(v)] = stored(self, v, name)
                    frame.env[name] = done[id(v)]

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
        from .semantics import numpy_semantics
        with numpy_semantics():
            # NumPy's own casting errors (uint8 <- 1000, setting an int array from an array of
            # complex...) and broadcast rule for setitem
            probe = np.zeros((1,) * target.ndim, target.dtype)
            probe[...] = with_numpy.get("value", np.zeros((1,) * value.ndim, value.dtype))
            extra = value.ndim - target.ndim
            shape = infer.broadcast_shapes([target.shape, value.shape[max(extra, 0):]], self.state.checks, into=True)
            if (extra > 0 and any(d != 1 for d in value.shape[:extra])) or not self.same_shape(shape, target.shape):
                raise ValueError("could not broadcast input array from shape "
                                 f"{infer._shape_text(value.shape)} into shape {infer._shape_text(target.shape)}")
        if value.ndim > target.ndim:
            value = self.intern(View(arg=value, axes=tuple((d, 0, 1) for d in range(value.ndim - target.ndim, value.ndim)),
                                        fixed=tuple((d, 0) for d in range(value.ndim - target.ndim)),
                                        dtype=value.dtype, shape=value.shape[value.ndim - target.ndim:]))
        if value.ndim == 0 and target.dtype.kind in "iu" and not np.can_cast(value.dtype, target.dtype, "safe"):
            # NumPy converts a scalar stored into an integer array through a Python int:
            # out of range it raises OverflowError (NaN: ValueError) instead of wrapping
            if isinstance(value, Const):
                with numpy_semantics():
                    np.zeros(1, target.dtype)[0] = value.value
            elif value.weak and value.dtype.kind in "iu":
                self.python_int_fits(value, target.dtype)
            elif not is_ndarray(value):
                # (a NumPy integer scalar: NumPy wraps it into an unsigned array, raises
                # OverflowError from a signed one, by rules of its own)
                raise self.unsupported(f"storing a {value.dtype} scalar into a {target.dtype} array "
                                       "(NumPy raises OverflowError where it does not fit)", node)
        if value.dtype != target.dtype:
            from .calls_math import warn_complex_cast
            warn_complex_cast(self, value.dtype, target.dtype)
            value = self.cast_to(value, target.dtype)
        value = self.snapshot_readers(base, keep={value}).get(value, value)
        # the right side reads the target elsewhere than where it writes: compute it first
        conflicts = self.reads_elsewhere(value, target, base)
        if not conflicts:
            self.emit(P.Store(target, value))
            return
        tmp = self.temp_buffer(value, "rhs")
        through_temp = (P.Store(tmp, value), P.Store(target, tmp))
        if base in conflicts:
            self.state.block.extend(through_temp)
            return
        # only pointer variables that might point at the target: check at run time
        cond = None
        for leaf in conflicts:
            same = self.intern(SameBuffer(a=leaf, b=base, dtype=np.dtype(bool)))
            cond = same if cond is None else self.intern(Elementwise(
                op=Op.LOGICAL_OR, args=(cond, same), in_dtypes=(np.dtype(bool),) * 2, dtype=np.dtype(bool)))
        self.emit(P.If(cond=cond, then=through_temp, orelse=(P.Store(target, value),)))

    def python_int_fits(self, value, dtype):
        """A Python int stored into an array of a narrower integer dtype: where it does not
        fit, the program stops; the call reruns in Python, which raises NumPy's OverflowError
        ("Python integer 300 out of bounds for uint8"), or where an argument was written
        already, raises that OverflowError without the value."""
        from .array_build import stop_if
        info = np.iinfo(dtype)
        bad = None
        if info.min > np.iinfo(value.dtype).min:
            bad = self.ufunc(np.less, (value, int(info.min)), None)
        if info.max < np.iinfo(value.dtype).max:
            over = self.ufunc(np.greater, (value, int(info.max)), None)
            bad = over if bad is None else self.ufunc(np.logical_or, (bad, over), None)
        if bad is not None:
            stop_if(self, bad, "OverflowError", f"Python integer out of bounds for {dtype}")

    def reads_elsewhere(self, value, target, base) -> list:
        """The buffers ``value`` reads that may be ``base``, other than at the very element
        it is stored to: the target itself, reached through elementwise operations only (a
        view of it, ``np.flip(y[:k])``, reads other elements). (Reductions are computed
        before the store's loop, so they may.)"""
        seen, stack, found = set(), [(value, True)], []
        while stack:
            n, direct = stack.pop()
            if not isinstance(n, Node) or (n, direct) in seen:
                continue
            seen.add((n, direct))
            if isinstance(n, Reduce):
                continue
            if direct and n is target and n.shape == target.shape:
                continue
            if isinstance(n, MUTABLE_LEAVES) and may_alias(n, base):
                if n not in found:
                    found.append(n)
                continue
            stack.extend((c, direct and isinstance(n, Elementwise)) for c in n.children())
        return found

    def cast_to(self, value, dtype):
        if isinstance(value, Const):
            with np.errstate(all="ignore"):
                return self.intern(Const(value=np.array(value.value).astype(dtype)[()], dtype=np.dtype(dtype)))
        return self.intern(Elementwise(op=Op.POSITIVE, args=(value,), in_dtypes=(np.dtype(dtype),),
                                          dtype=np.dtype(dtype), shape=value.shape, weak=False))

    def mark_written(self, target):
        """Record that the statement writes the argument ``target`` is (a view of), before
        anything else about the statement is checked: NumPy refuses a write to a read-only
        array before it looks at indices or casts, and the caller runs a call with such an
        argument in Python (runtime/marshal.py), where NumPy raises its own error."""
        base = view_root(target)
        if isinstance(base, Param):
            self.state.written_params.add(base.index)

    def store_index(self, target_node):
        """The index of a subscript target as NumPy sees it: a list (``x[[0, 2]]``, or a
        name bound to a list display) is an index array, never a tuple of indices."""
        from .semantics import ListValue
        index = self.expr(target_node.slice)
        if isinstance(index, ListValue):
            return list(index)
        if isinstance(index, tuple):
            return tuple(list(v) if isinstance(v, ListValue) else v for v in index)
        return index

    def assign_subscript(self, target_node, value):
        base = self.expr(target_node.value)
        from .masks import is_selection
        if is_selection(base):
            base = self.ensure_stored(base, getattr(target_node.value, "id", "array"))
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
        from .semantics import numpy_semantics
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
                value = self.intern(View(arg=value, axes=tuple((d, 0, 1) for d in range(extra, value.ndim)),
                                            fixed=tuple((d, 0) for d in range(extra)),
                                            dtype=value.dtype, shape=value.shape[extra:]))
            shape = infer.broadcast_shapes([region.shape, value.shape], self.state.checks)
            if not self.same_shape(shape, region.shape):
                raise mismatch
        if value.dtype != region.dtype:
            value = self.cast_to(value, region.dtype)
        value = self.snapshot_readers(base, keep={value}).get(value, value)
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
        aligned = is_selection(value) and value.base.ndim == base.ndim and (
            value.mask is mask or self.restored(value.mask) is mask)
        if aligned:
            value = value.base            # x[m] = f(x)[m]: where(m, f(x), x), element by element
        elif is_data_sized(value):
            raise self.unsupported("assigning a selection through a different boolean mask", node)
        if not elementwise and not aligned and isinstance(value, Node) and value.ndim and not value.weak:
            raise self.unsupported("assigning an array through a boolean mask", node)
        if any(v is mask for frame in self.frames() for v in frame.env.values()):
            # a mask kept in a name (I = abs(z) < 2; N[I] = n; Z[I] = ...): computed once
            from .masks import mask_buffer
            mask = mask_buffer(self, mask)
        m = mask
        if base.ndim > mask.ndim:
            m = self.intern(View(arg=mask, axes=tuple((d, 0, 1) for d in range(mask.ndim)) +
                                    (None,) * (base.ndim - mask.ndim), fixed=(), dtype=mask.dtype,
                                    shape=mask.shape + (1,) * (base.ndim - mask.ndim)))
        value = self.as_node(value, node)
        if value.dtype != base.dtype:
            from .semantics import numpy_semantics
            with numpy_semantics():      # NumPy's casting errors (uint8 <- 1000, ...)
                np.zeros(1, base.dtype)[...] = value.value if isinstance(value, Const) else np.zeros((), value.dtype)
            value = self.cast_to(value, base.dtype)
        return base, self.where(m, value, base, node)

    def restored(self, value):
        """``value`` computed from the buffer this statement's ``ensure_stored`` gave a value
        it had computed (``x[x > 0] = 1 / x[x > 0]``: the right side's mask read ``x`` before
        the target stored it, nothing written in between): elementwise operations over it,
        rebuilt, else ``value``."""
        old, new = self.state.stored_last
        if value is old:
            return new
        if isinstance(value, Elementwise) and old is not None:
            args = tuple(self.restored(a) for a in value.args)
            if any(a is not b for a, b in zip(args, value.args)):
                return self.intern(dataclasses.replace(value, args=args))
        return value

    def augassign_array(self, target, rhs, op_kind, node):
        """``x op= v`` on an array: NumPy's in-place ufunc with out=x (same_kind casting)."""
        from .operators import BINOPS
        from .semantics import numpy_semantics
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
        uf = BINOPS[op_kind]
        result = self.binop(op_kind, region, rhs, node)
        if not isinstance(result, Node):
            raise self.unsupported("in-place update with a static result", node)
        with numpy_semantics():
            if not np.can_cast(result.dtype, region.dtype, "same_kind"):
                raise np._core._exceptions._UFuncOutputCastingError(
                    uf, "same_kind", result.dtype, region.dtype, 0) if hasattr(np, "_core") else \
                    TypeError(f"Cannot cast ufunc '{uf.__name__}' output from {result.dtype!r} to "
                              f"{region.dtype!r} with casting rule 'same_kind'")
            shape = infer.broadcast_shapes([region.shape, result.shape], self.state.checks)
            if len(shape) != region.ndim or any(s != r and r == 1 for s, r in zip(shape, region.shape)):
                raise ValueError(f"non-broadcastable output operand with shape {tuple(region.shape)} "
                                 f"doesn't match the broadcast shape {tuple(shape)}")
        self.store_into(region, result, node)

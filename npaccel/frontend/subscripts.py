"""Subscripts of arrays while lowering: basic indexing as views (slices of any step, ints, None,
Ellipsis), slices whose bounds are known only at run time, integer-array and boolean-mask
indexing handed to their modules, transposes."""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedError
from ..ir.checks import IndexInRange, NonNegativeGuard
from ..ir.dims import dim_add
from ..ir.nodes import DimValue, Elementwise, Node, ScalarParam, View
from ..ir.ops import Op
from .indexing import expand_index, slice_bounds
from . import masks
from .semantics import ListValue, UserError, is_internal, numpy_semantics


class SubscriptLowering:
    """Mixin of FunctionLowerer: ``x[...]`` and views."""

    def expr_Subscript(self, node):
        base = self.expr(node.value)
        index = self.expr(node.slice)
        if isinstance(base, Node):   # a list (x[[0, 2]], x[idx]) is an index array, not a tuple
            if isinstance(index, ListValue):
                index = list(index)
            elif isinstance(index, tuple):
                index = tuple(list(v) if isinstance(v, ListValue) else v for v in index)
        if isinstance(base, (tuple, list, str)) and not isinstance(index, Node):
            with numpy_semantics():
                return base[index]
        if isinstance(base, np.ndarray):      # a constant array (a global table)
            items = index if isinstance(index, tuple) else (index,)
            if not any(isinstance(i, Node) or is_internal(i) for i in items):
                with numpy_semantics():
                    return base[index]
            base = self.as_node(base, node)
        if isinstance(base, Node) and not base.weak:
            return self.basic_index(base, index, node)
        if masks.is_selection(base):
            raise self.unsupported("indexing a boolean-mask selection", node)
        if isinstance(base, np.lib._index_tricks_impl.nd_grid):     # np.mgrid[0:n, 0:m], np.ogrid
            from .calls_grids import grid_index
            return grid_index(self, base, index, node)
        if type(base).__name__ == "RunTimeList":
            raise self.unsupported("indexing a list built by a comprehension over a run-time length (a Python "
                                   "list's items; np.array of it compiles)", node)
        raise self.unsupported("indexing a scalar", node)

    def basic_index(self, base, index, node):
        from .loop_shapes import is_runtime_bound, runtime_slice
        items = index if isinstance(index, tuple) else (index,)
        if any(masks.is_selection(i) for i in items):       # x[i[m]]: the selected indices, compacted
            items = tuple(self.as_node(i, node) if masks.is_selection(i) else i for i in items)
            index = items if isinstance(index, tuple) else items[0]
        if len(items) == 1 and isinstance(items[0], Node) and items[0].ndim and items[0].dtype.kind == "b":
            from .masks import select          # x[mask]: only as the input of a reduction
            return select(self, base, items[0], node)
        if any((isinstance(i, Node) and i.ndim and not i.weak) or isinstance(i, (list, np.ndarray))
               for i in items):   # x[idx], x[[0, 2]]: a Gather
            from .calls_indexing import integer_array_index
            return integer_array_index(self, base, index, node)
        # sizes computed from shapes (n = x.shape[0] - 1) bound slices symbolically
        items = tuple(slice(*(self.slice_dim(p) for p in (i.start, i.stop, i.step)))
                      if isinstance(i, slice) else i for i in items)
        index = items if isinstance(index, tuple) else items[0]
        runtime = {}
        for k, i in enumerate(items):
            if isinstance(i, Node) and i.ndim == 0 and i.dtype.kind in "iu":
                runtime[k] = i          # an integer known at run time (a loop counter)
                continue
            if isinstance(i, Node) or isinstance(i, (list, np.ndarray)):
                raise self.unsupported("indexing with an array", node)
            if isinstance(i, slice) and any(is_runtime_bound(p) for p in (i.start, i.stop, i.step)):
                runtime[k] = i
                continue
            if not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))) or isinstance(i, bool):
                raise self.unsupported(f"indexing with a {type(i).__name__}", node)
        with numpy_semantics():
            items = expand_index(tuple(0 if k in runtime else i for k, i in enumerate(items)), base.ndim)
        # expand_index keeps positions of the explicit items; put the run-time ones back
        explicit = index if isinstance(index, tuple) else (index,)
        offset = 0
        for k, i in enumerate(explicit):
            if i is Ellipsis:
                offset = len(items) - len(explicit)
            elif k in runtime:
                items[k + offset] = runtime[k]
        axes, fixed, shape, d = [], [], [], 0
        for i in items:
            if isinstance(i, Node) or (isinstance(i, slice) and any(is_runtime_bound(p) for p in (i.start, i.stop, i.step))):
                n = base.shape[d]
                if isinstance(i, slice):
                    start, length, step = runtime_slice(self, i, n, node)
                    axes.append((d, start, step))
                    shape.append(length)
                else:
                    fixed.append((d, self.runtime_index(i, n)))
                d += 1
                continue
            if i is None:
                axes.append(None)
                shape.append(1)
                continue
            n = base.shape[d]
            if isinstance(i, slice):
                with numpy_semantics():
                    start, length = slice_bounds(i, n)
                axes.append((d, start, 1 if i.step is None else int(i.step)))
                shape.append(length)
            else:
                i = int(i)
                if isinstance(n, int):
                    if not -n <= i < n:
                        with numpy_semantics():
                            raise IndexError(f"index {i} is out of bounds for axis {d} with size {n}")
                    pos = i % n
                else:
                    self.state.checks.append(IndexInRange(i, n, d))
                    pos = dim_add(n, i) if i < 0 else i
                fixed.append((d, pos))
            d += 1
        if not shape and any(i is Ellipsis for i in explicit):
            # x[...] of a 0-d array is a 0-d array (a view), not the scalar x[()] gives
            raise self.unsupported("x[...] of a 0-d array", node)
        from .calls_reductions import reversed_scan
        return reversed_scan(self, self.intern(View(arg=base, axes=tuple(axes), fixed=tuple(fixed), dtype=base.dtype,
                                                    shape=tuple(shape))))

    def slice_dim(self, part):
        """A slice bound that is a size (x.shape[0] - 1, an int argument n) as a dim; one
        computed from an int argument may be negative or past the end: runtime_slice
        applies Python's rules to it at run time (frontend/loop_shapes.py)."""
        if isinstance(part, DimValue):
            return part.dim
        if isinstance(part, (ScalarParam, Elementwise)) and part.ndim == 0 and part.dtype.kind in "iu":
            from .array_build import to_dim
            try:
                dim = to_dim(self, part, run_time=False)
            except (UnsupportedError, UserError):
                return part
            if "//" in repr(dim) or " / " in repr(dim):
                # C's / truncates where Python's // floors: a negative one runs in Python
                guard = NonNegativeGuard(dim)
                if guard not in self.state.checks:
                    self.state.checks.insert(0, guard)
            return dim
        return part

    def runtime_index(self, i, n):
        """A dim naming a C local that holds ``i`` checked against ``n`` (IndexError else)."""
        from ..ir.dims import Sym
        i64 = np.dtype(np.int64)
        checked = self.intern(Elementwise(op=Op.CHECK_INDEX, args=(i, self.as_node(self.dim_value(n))),
                                             in_dtypes=(i64, i64), dtype=i64, shape=()))
        var = self.materialise(checked, "index")
        return Sym(f"sv{var.vid}")

    def transpose(self, base, order, node):
        order = tuple(reversed(range(base.ndim))) if order is None else order
        with numpy_semantics():
            if sorted(int(o) % max(base.ndim, 1) for o in order) != list(range(base.ndim)) or len(order) != base.ndim:
                raise ValueError("axes don't match array")
            order = tuple(int(o) % base.ndim for o in order)
        return self.intern(View(arg=base, axes=tuple((o, 0, 1) for o in order), fixed=(),
                                   dtype=base.dtype, shape=tuple(base.shape[o] for o in order)))

    def expr_Slice(self, node):
        parts = [None if p is None else self.expr(p) for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

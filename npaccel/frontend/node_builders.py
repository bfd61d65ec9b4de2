"""Graph nodes with NumPy's typing: values as nodes, ufunc applications (NEP 50 types and
NumPy's own errors), ``where``, and the reductions (sum/prod/min/max/any/all,
mean/std/var)."""
from __future__ import annotations

import numpy as np

from ..ir.checks import NonEmpty, ScalarFits
from ..ir.dims import dim_max, dim_mul, dim_sub
from ..ir.nodes import Const, Elementwise, Node, Reduce, ScalarParam, Table
from ..ir.ops import COMPLEX_OPS, UFUNC_OPS, Op
from . import infer
from . import masks
from .array_build import cast
from .comprehension_arrays import RunTimeList
from .operators import REDUCTIONS
from .reads import MAX_CONSTANT_ARRAY as MAX_TABLE
from .semantics import PY_SCALARS, numpy_semantics, kind_name


class NodeBuilding:
    """Mixin of FunctionLowerer: typed node construction."""

    # ---- node builders ------------------------------------------------------------
    def as_node(self, value, where=None):
        if isinstance(value, Node):
            return value
        if masks.is_selection(value):       # x[mask] as an array: compacted where it is used
            return masks.stored(self, value, "selection")
        if isinstance(value, RunTimeList):      # a comprehension's list, read as an array
            return value.node
        if isinstance(value, (list, tuple)):     # NumPy reads a list (or tuple) operand as an array
            from .calls_joining import array_from_sequence, holds_node
            if holds_node(value):
                return array_from_sequence(self, value, where)
            with numpy_semantics():
                value = np.asarray(value)
            if value.dtype.kind not in "biufc":
                raise self.unsupported(f"a sequence of {value.dtype} where an array or number is expected", where)
            return self.as_node(value, where)
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":   # np.float64 is a float, but strong
            return self.intern(Const(value=value, dtype=value.dtype, weak=False))
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biufc":   # np.asarray(2.5)
            return self.intern(Const(value=value[()], dtype=value.dtype, weak=False, array0d=True))
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":    # a global table, np.array([1, 2])
            if value.size > MAX_TABLE:
                raise self.unsupported(f"a constant array of more than {MAX_TABLE} elements (pass it as an "
                                       "argument)", where)
            return self.intern(Table(values=tuple(value.ravel().tolist()), dtype=value.dtype, shape=value.shape))
        if isinstance(value, bool):
            return self.intern(Const(value=value, dtype=np.dtype(bool), weak=True))
        if isinstance(value, int):
            return self.intern(Const(value=value, dtype=np.dtype(np.int64), weak=True))
        if isinstance(value, float):
            return self.intern(Const(value=value, dtype=np.dtype(np.float64), weak=True))
        if isinstance(value, complex):
            return self.intern(Const(value=value, dtype=np.dtype(np.complex128), weak=True))
        raise self.unsupported(f"a {kind_name(value)} where an array or number is expected", where)

    def list_operand(self, value, where):
        """A list or tuple holding values known only at run time is NumPy's array of it
        (``np.sum([a, b])``, ``np.sin([x, y])``); anything else as it is."""
        if isinstance(value, (list, tuple)):
            from .calls_joining import holds_node
            if holds_node(value):
                return self.as_node(value, where)
        return value

    def ufunc(self, uf, args, node=None):
        from .scalars import has_either, resolve
        if has_either(args):
            return resolve(self, lambda *a: self.ufunc(uf, a, node), args, node)
        if any(masks.is_selection(a) for a in args):
            return masks.elementwise(self, lambda *a: self.ufunc(uf, a, node), args, node)
        args = tuple(self.list_operand(a, node) for a in args)
        if not any(isinstance(a, Node) for a in args):
            self.python_values(*args, node=node)
            with numpy_semantics():
                result = uf(*args)
            return result.item() if all(isinstance(a, PY_SCALARS) for a in args) and \
                isinstance(result, np.generic) else result
        op = UFUNC_OPS.get(uf)
        if op is None:
            raise self.unsupported(f"np.{uf.__name__}", node)
        nodes = tuple(self.as_node(a, node) for a in args)
        known = {i: n.value for i, n in enumerate(nodes) if isinstance(n, Const) and n.weak}
        with numpy_semantics():
            in_dtypes, out_dtype = infer.elementwise_types(uf, nodes, known)
            shape = infer.broadcast_shapes([n.shape for n in nodes], self.state.checks)
        if out_dtype.kind == "b" and len(nodes) == 2:     # uint8_array < 1000 compares values (NumPy 2)
            from .calls_math import exact_int_comparison
            in_dtypes = exact_int_comparison(self, uf, nodes, in_dtypes, node)
        for n, d in zip(nodes, in_dtypes):
            if isinstance(n, ScalarParam) and n.weak and n.dtype.kind == "i" and d.kind in "iu":
                check = ScalarFits(n.index, n.name, d)
                if check not in self.state.checks:
                    self.state.checks.append(check)
        if op not in COMPLEX_OPS and (out_dtype.kind == "c" or any(d.kind == "c" for d in in_dtypes)):
            raise self.unsupported(f"np.{uf.__name__} of complex numbers", node)
        return self.intern(Elementwise(op=op, args=nodes, in_dtypes=tuple(in_dtypes),
                                          dtype=out_dtype, shape=shape, weak=infer.result_is_weak(nodes)))

    def where(self, cond, a, b, node=None):
        if not any(isinstance(v, Node) for v in (cond, a, b)):
            self.python_values(cond, a, b, node=node)
            with numpy_semantics():
                return np.where(cond, a, b)
        nodes = tuple(self.as_node(v, node) for v in (cond, a, b))
        with numpy_semantics():
            # weak scalars by value (NEP 50): np.where(c, float32_array, 0) stays float32
            out = np.result_type(*(infer.typing_stand_in(n, getattr(n, "value", None)) if n.weak else n.dtype
                                   for n in nodes[1:]))
            shape = infer.broadcast_shapes([n.shape for n in nodes], self.state.checks)
        cond_node = nodes[0]
        in_dtypes = (np.dtype(bool), out, out)
        return self.intern(Elementwise(op=Op.WHERE, args=(cond_node, nodes[1], nodes[2]),
                                          in_dtypes=in_dtypes, dtype=out, shape=shape, weak=False,
                                          array0d=not shape))   # np.where returns an ndarray, 0-d too

    def reduction(self, name, arg, args, kwargs, node):
        names = ("axis", "dtype", "out", "keepdims") if name in ("sum", "prod", "mean") else \
            ("axis", "dtype", "out", "ddof", "keepdims") if name in ("std", "var") else ("axis", "out", "keepdims")
        if name in _INITIAL:
            names += ("initial",)
        if len(args) > len(names):
            raise self.unsupported(f"{name}() with {len(args)} positional arguments", node)
        options = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise self.unsupported(f"{name}(..., {k}=...)", node)
            options[k] = v
        if options.get("out") is not None:
            raise self.unsupported(f"{name}(..., out=...)", node)
        axis, keepdims, dtype = options.get("axis"), options.get("keepdims", False), options.get("dtype")
        ddof = options.pop("ddof", 0)
        initial = options.pop("initial", np._NoValue)
        for what, value in (("axis", axis), ("keepdims", keepdims), ("dtype", dtype), ("ddof", ddof)):
            if isinstance(value, Node):
                raise self.unsupported(f"{name}() with a run-time {what}", node)
        arg = self.list_operand(arg, node)
        if not isinstance(arg, Node):
            self.python_values(arg, options, node=node)
            if initial is not np._NoValue:
                options["initial"] = initial
            with numpy_semantics():
                return getattr(np, name)(arg, **{k: v for k, v in options.items() if k != "out"})
        np_func = getattr(np, name)
        if arg.ndim == 0 and name not in ("mean", "var", "std") and type(axis) in (int, np.int64) and axis in (0, -1):
            axis = None       # NumPy's ufunc reductions take axis 0 / -1 of a 0-d array
        with numpy_semantics():
            axes = infer.normalize_axes(axis, arg.ndim)
            out_dtype = infer.reduce_dtype(np_func, arg, axis, bool(keepdims), dtype)
        shape = infer.reduced_shape(arg.shape, axes, bool(keepdims))
        reduced = [arg.shape[a] for a in axes]
        if name in ("var", "std"):
            return self.variance(name, arg, axis, axes, bool(keepdims), dtype, ddof, out_dtype, reduced, node)
        if name == "mean":
            from .calls_reductions import mean_of_sum
            return mean_of_sum(self, arg, axes, bool(keepdims), dtype, out_dtype, shape, reduced, node)
        op = REDUCTIONS[name]
        if op in (Op.MAX, Op.MIN) and any(d != 1 for d in reduced) and initial is np._NoValue:
            self.state.checks.append(NonEmpty(tuple(reduced), "maximum" if op is Op.MAX else "minimum"))
        result = self.intern(Reduce(op=op, arg=arg, axes=axes, keepdims=bool(keepdims),
                                       dtype=out_dtype, shape=shape))
        return result if initial is np._NoValue else self.with_initial(op, result, initial, node)

    def with_initial(self, op, result, initial, node):
        """A reduction's ``initial=`` folded in first, as NumPy's reduce starts from it: cast
        to the result's dtype as NumPy does (unsafe; a Python int out of its range raises)."""
        if isinstance(initial, Node):
            if initial.ndim:
                with numpy_semantics():
                    raise ValueError("Input object to FillWithScalar is not a scalar")
            if isinstance(initial, ScalarParam) and initial.weak and initial.dtype.kind == "i" and \
                    result.dtype.kind in "iu":
                check = ScalarFits(initial.index, initial.name, result.dtype)
                if check not in self.state.checks:
                    self.state.checks.append(check)
            first = cast(self, initial, result.dtype, force=True)    # (a typed value: not weak)
        else:
            self.python_values(initial, node=node)
            with numpy_semantics():
                first = self.as_node(result.dtype.type(initial), node)
        return self.ufunc(_INITIAL_UFUNCS[op], (first, result), node)


    def variance(self, name, arg, axis, axes, keepdims, dtype, ddof, out_dtype, reduced, node):
        """NumPy's _var: mean with keepdims, squared deviations, sum, / max(n - ddof, 0)."""
        if arg.dtype.kind == "c" and dtype is not None:
            raise self.unsupported(f"{name}() of complex numbers with dtype=", node)
        calc = np.dtype(np.float64) if arg.dtype.kind in "biu" and dtype is None else (dtype or arg.dtype)
        mean = self.reduction("mean", arg, (), {"axis": axis, "keepdims": True, "dtype": calc}, node)
        dev = self.ufunc(np.subtract, (arg, mean), node)
        if dev.dtype.kind == "c":     # NumPy: real**2 + imag**2, summed in that float type
            from .calls_complex import part
            re, im = part(self, dev, Op.REAL), part(self, dev, Op.IMAG)
            sq = self.ufunc(np.add, (self.ufunc(np.multiply, (re, re), node), self.ufunc(np.multiply, (im, im), node)), node)
            calc = sq.dtype
        else:
            sq = self.ufunc(np.multiply, (dev, dev), node)
        total = self.reduction("sum", sq, (), {"axis": axis, "keepdims": keepdims, "dtype": calc}, node)
        count = 1
        for d in reduced:
            count = dim_mul(count, d)
        denom = dim_max(dim_sub(count, ddof), 0) if not isinstance(count, int) else max(count - ddof, 0)
        var = self.ufunc(np.true_divide, (total, self.dim_value(denom) if not isinstance(denom, int) else denom), node)
        if name == "std":
            var = self.ufunc(np.sqrt, (var,), node)
        if var.dtype != out_dtype:
            raise self.unsupported(f"{name}() result type {out_dtype}", node)
        return var


_INITIAL = ("sum", "prod", "max", "amax", "min", "amin")      # the reductions that take initial=
_INITIAL_UFUNCS = {Op.SUM: np.add, Op.PROD: np.multiply, Op.MAX: np.maximum, Op.MIN: np.minimum}

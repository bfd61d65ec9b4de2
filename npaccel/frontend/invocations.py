"""Calls while lowering: NumPy functions and array methods through the registries (calls.py),
builtins, ``math``, and plain Python functions inlined (their source lowered in place)."""
from __future__ import annotations

import dataclasses
import types

import gast
import numpy as np

from ..ir.nodes import Elementwise, Node
from ..ir.ops import Op
from .calls import CALL_HANDLERS, METHOD_HANDLERS
from .comprehension_arrays import RunTimeGenerator, RunTimeList, generator_sum
from . import masks
from .source import helper_source
from .ufunc_out import split_out, store_out
from .operators import MATH_OVERFLOWS, REDUCTIONS, BUILTIN_UFUNCS
from .semantics import numpy_semantics, BoundMethod, is_internal


MAX_INLINE_DEPTH = 20


class CallLowering:
    """Mixin of FunctionLowerer: calls."""

    # ---- calls --------------------------------------------------------------------
    def expr_Call(self, node):
        func = self.expr(node.func)
        args = []
        for a in node.args:
            if isinstance(a, gast.Starred):
                value = self.expr(a.value)
                if not isinstance(value, (tuple, list)):
                    raise self.unsupported("*args of a run-time value", a)
                args.extend(value)
            else:
                args.append(self.expr(a))
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise self.unsupported("**kwargs in a call", node)
            kwargs[kw.arg] = self.expr(kw.value)
        return self.call(func, args, kwargs, node)

    def call(self, func, args, kwargs, node):
        from .scalars import has_either, python_extreme, resolve
        if func is sum and 1 <= len(args) <= 2 and isinstance(args[0], RunTimeGenerator) and \
                set(kwargs) <= {"start"}:
            start = args[1] if len(args) == 2 else kwargs.get("start", 0)
            return generator_sum(self, args[0].node, start, node)
        if func in (min, max) and len(args) == 1 and not kwargs and type(args[0]) in (tuple, list) and \
                args[0] and any(is_internal(a) for a in args[0]):
            args = list(args[0])            # max(a.shape[-2:]): of its items, as Python's
            if len(args) == 1:
                return args[0]
        if func in (min, max) and len(args) >= 2 and not kwargs and any(is_internal(a) for a in args):
            return python_extreme(self, func, args, node)
        if has_either(args) and not kwargs and (func in (abs, int, float) or isinstance(func, np.ufunc) or
                                                getattr(func, "__module__", None) == "math"):
            return resolve(self, lambda *a: self.call(func, list(a), kwargs, node), args, node)
        if (isinstance(func, BoundMethod) and masks.is_selection(func.node)) or \
                any(masks.is_selection(a) for a in (*args, *kwargs.values())):
            return masks.call(self, func, args, kwargs, node)
        if isinstance(func, BoundMethod) and func.name in METHOD_HANDLERS:
            return METHOD_HANDLERS[func.name](self, (func.node, *args), kwargs, node)
        if (isinstance(func, np.ufunc) or (getattr(func, "__module__", None) or "").startswith("numpy")) and \
                any(isinstance(a, RunTimeList) for a in (*args, *kwargs.values())):
            # NumPy converts a list argument to a new array (never the list's own buffer)
            from .calls_arrays import copy_of
            args = [copy_of(self, a.node) if isinstance(a, RunTimeList) else a for a in args]
            kwargs = {k: copy_of(self, v.node) if isinstance(v, RunTimeList) else v for k, v in kwargs.items()}
        try:
            handler = CALL_HANDLERS.get(func)
        except TypeError:      # unhashable callable
            handler = None
        if handler is not None:
            return handler(self, tuple(args), kwargs, node)
        if isinstance(func, BoundMethod):
            if func.name == "copy" and not kwargs and not args:
                a = func.node
                return self.intern(Elementwise(op=Op.POSITIVE, args=(a,), in_dtypes=(a.dtype,),
                                                  dtype=a.dtype, shape=a.shape))
            if func.name == "transpose" and not kwargs:
                order = args[0] if len(args) == 1 and isinstance(args[0], tuple) else (args or None)
                return self.transpose(func.node, tuple(order) if order else None, node)
            return self.reduction(func.name, func.node, args, kwargs, node)
        if isinstance(func, np.ufunc):
            args, kwargs, out = split_out(func, tuple(args), kwargs)
            if out is not None:
                return store_out(self, func, args, self.ufunc_call(func, args, kwargs, node), out, node)
            return self.ufunc_call(func, args, kwargs, node)
        if func in BUILTIN_UFUNCS and not kwargs:
            return self.ufunc(BUILTIN_UFUNCS[func], tuple(args), node)
        return self.other_call(func, args, kwargs, node)

    def ufunc_call(self, func, args, kwargs, node):
        """``func(*args)`` for a NumPy ufunc (no ``out``)."""
        bad = set(kwargs) - {"dtype"}
        if bad:
            raise self.unsupported(f"np.{func.__name__}(..., {sorted(bad)[0]}=...)", node)
        if "dtype" in kwargs and kwargs["dtype"] is not None:
            from .calls_casts import ufunc_with_dtype
            return ufunc_with_dtype(self, func, tuple(args), kwargs["dtype"], node)
        args = tuple(self.list_operand(a, node) for a in args)
        if not any(isinstance(a, Node) for a in args):     # NumPy's own result: np.sin(2.0) is an np.float64
            self.python_values(*args, node=node)
            with numpy_semantics():
                return func(*args)
        return self.ufunc(func, tuple(args), node)

    def other_call(self, func, args, kwargs, node):
        """A call of anything but a ufunc or a registered handler."""
        if func is np.where and len(args) == 3 and not kwargs:
            return self.where(*args, node=node)
        if func is np.where and len(args) == 1 and not kwargs and isinstance(args[0], Node):
            return CALL_HANDLERS[np.nonzero](self, tuple(args), kwargs, node)
        name = getattr(func, "__name__", None)
        if func is np.transpose and args and isinstance(args[0], Node):
            order = args[1] if len(args) > 1 else kwargs.get("axes")
            return self.transpose(args[0], tuple(order) if order is not None else None, node)
        if getattr(func, "__module__", "") == "numpy" and name in (*REDUCTIONS, "mean", "std", "var") and args:
            return self.reduction(name, args[0], args[1:], kwargs, node)
        module = getattr(func, "__module__", None) or ""
        if module.startswith(("numpy", "math")) and any(_holds_node(a) for a in (*args, *kwargs.values())) or \
                func in (min, max, sum, sorted) and any(_holds_node(a) and not isinstance(a, Node) for a in args):
            # (x.shape holds sizes known only at run time: NumPy's own code cannot take them)
            name = getattr(func, "__name__", "function")
            raise self.unsupported(f"{'np.' if module.startswith('numpy') else ''}{name}() of sizes or values "
                                   "known only at run time", node)
        if isinstance(func, types.FunctionType):
            if not any(is_internal(a) for a in (*args, *kwargs.values())) and \
                    getattr(func, "__module__", "").startswith(("numpy", "math")):
                with numpy_semantics():
                    return func(*args, **kwargs)
            return self.inline(func, args, kwargs, node)
        if isinstance(func, (types.BuiltinFunctionType, type)) and \
                not any(is_internal(a) for a in (*args, *kwargs.values())):
            if func in (len, int, float, bool, complex, abs, min, max, round, range, tuple) or \
                    getattr(func, "__module__", None) in ("math", "numpy") or \
                    isinstance(getattr(func, "__self__", None), (np.generic, np.ndarray)):   # np.float64(2).round()
                with numpy_semantics():
                    return func(*args, **kwargs)
        if getattr(func, "__module__", None) == "math" and not kwargs and args and \
                all(isinstance(a, Node) and a.ndim == 0 and a.dtype.kind != "c" or isinstance(a, (int, float))
                    for a in args) and \
                isinstance(getattr(np, func.__name__, None), np.ufunc):
            # math.exp(s) on a value known at run time: the ufunc on float64, a Python float,
            # with Python's ValueError/OverflowError where C gives nan/inf
            uf = getattr(np, func.__name__)
            floats = [self.cast_to(self.as_node(a, node), np.float64) for a in args]
            value = self.ufunc(uf, tuple(floats), node)
            if not isinstance(value, Node) or value.dtype != np.float64:
                raise self.unsupported(f"math.{func.__name__}() of a run-time value", node)
            value = self.python_math(value, floats, func.__name__ in MATH_OVERFLOWS)
            if func.__name__ in ("floor", "ceil", "trunc"):     # Python ints
                return self.intern(Elementwise(op=Op.PY_INT, args=(value,), in_dtypes=(value.dtype,),
                                                  dtype=np.dtype(np.int64), shape=(), weak=True))
            return value
        if func is complex and 1 <= len(args) <= 2 and not kwargs and any(isinstance(a, Node) for a in args) and \
                all(isinstance(a, Node) and a.ndim == 0 and a.dtype.kind in "biuf" or
                    isinstance(a, (bool, int, float)) for a in args):
            # a Python complex from two real values known at run time: exactly (x, y)
            f8 = np.dtype(np.float64)
            parts = [self.cast_to(self.as_node(a, node), f8) for a in (*args, 0.0)][:2]
            return self.intern(Elementwise(op=Op.MAKE_COMPLEX, args=tuple(parts), in_dtypes=(f8, f8),
                                           dtype=np.dtype(np.complex128), shape=(), weak=True))
        if func is bool and len(args) == 1 and not kwargs and isinstance(args[0], Node) and args[0].ndim == 0:
            # Python's truth of a 0-d value known at run time, as a Python bool
            return self.intern(dataclasses.replace(self.runtime_condition(args[0], node), weak=True))
        if func in (float, int) and len(args) == 1 and not kwargs and isinstance(args[0], Node) \
                and args[0].ndim == 0 and (func is float and args[0].dtype.kind != "c" or args[0].dtype.kind in "biu"):
            # a Python scalar from a 0-d value (exact: no NaN/inf to int here)
            value = self.cast_to(args[0], np.float64 if func is float else np.int64)
            return self.intern(dataclasses.replace(value, weak=True))
        if func is int and len(args) == 1 and not kwargs and isinstance(args[0], Node) and args[0].ndim == 0 \
                and args[0].dtype.kind == "f":
            # int() of a float: toward zero; NaN/inf raise Python's errors, past 64 bits Python runs
            value = self.cast_to(args[0], np.float64)
            return self.intern(Elementwise(op=Op.PY_INT, args=(value,), in_dtypes=(value.dtype,),
                                              dtype=np.dtype(np.int64), shape=(), weak=True))
        if isinstance(func, type) and issubclass(func, np.generic) and len(args) == 1 and not kwargs and \
                isinstance(args[0], Node) and numpy_scalar_cast(args[0], np.dtype(func)):
            # np.float32(x): x's value in that NumPy type (an array of it for an array)
            from .calls_math import cast
            return cast(self, args[0], np.dtype(func), node=node)
        if func is len and len(args) == 1 and isinstance(args[0], RunTimeList) and not kwargs:
            return args[0].length
        if func is len and len(args) == 1 and isinstance(args[0], Node) and not kwargs:
            if args[0].ndim == 0:
                with numpy_semantics():
                    raise TypeError("len() of unsized object")
            return self.dim_value(args[0].shape[0])
        label = self.spelling(node.func) if isinstance(node, gast.Call) else \
            getattr(func, "__qualname__", None) or type(func).__name__
        raise self.unsupported(f"call to {label}()", node)

    def inline(self, func, args, kwargs, node):
        """A plain Python helper: lower its body in place with the argument values bound."""
        if self.state.depth >= MAX_INLINE_DEPTH:
            raise self.unsupported(f"recursion deeper than {MAX_INLINE_DEPTH} inlining {func.__qualname__}", node)
        src = helper_source(func)
        import inspect
        try:
            bound = inspect.signature(func).bind(*args, **kwargs)
        except TypeError as exc:
            with numpy_semantics():
                raise TypeError(f"{func.__qualname__}(): {exc}") from None
        bound.apply_defaults()
        inner = type(self)(src, self.state)
        for pname, value in bound.arguments.items():
            param = inspect.signature(func).parameters[pname]
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                value = tuple(value) if param.kind == param.VAR_POSITIONAL else value
            inner.env[pname] = value
        self.state.depth += 1
        self.state.frames.append(inner)
        try:
            return inner.run_body()
        finally:
            self.state.frames.pop()
            self.state.depth -= 1


def _holds_node(value) -> bool:
    """A container (tuple, list, dict) holding a graph node at any depth."""
    if isinstance(value, (tuple, list)):
        return any(isinstance(v, Node) or _holds_node(v) for v in value)
    if isinstance(value, dict):
        return any(isinstance(v, Node) or _holds_node(v) for v in value.values())
    return False


def numpy_scalar_cast(value, dtype) -> bool:
    """Is ``np.<dtype>(value)`` the plain cast of a value known at run time? To a float,
    complex or bool: always; to an integer type only from a NumPy integer or bool (C's
    wrap-around, as NumPy's), not from a float (NaN raises) or a Python int (out of range
    raises)."""
    if dtype.kind in "fcb":
        return value.dtype.kind in "biufc" and not (dtype.kind != "c" and value.dtype.kind == "c")
    return dtype.kind in "iu" and value.dtype.kind in "biu" and not value.weak

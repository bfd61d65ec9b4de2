"""Python's scalar builtins on values known at run time, and scalars whose Python type is
known only then.

``max(a, b, ...)``/``min`` are Python's: the first of equal values, each later argument
taken only if ``item > best`` (``<`` for min), so a NaN first argument wins and a later NaN
never does. Python returns the object it picked: where the arguments are a Python scalar
and the NumPy scalar of the same dtype (``max(0, h)`` with h an ``np.int64``), the value is
known in C but its type is not: an ``EitherScalar``.

An ``EitherScalar`` is also what a name holds after a loop that may run zero times and
turns a Python scalar into the NumPy scalar of the same dtype (``s = 0.0``, then
``s += x[k]`` in an inner loop). It is one of the lowering's own objects: code that does
not know it finds it unsupported (it runs in Python). What does know it (``resolve``):
arithmetic, comparisons, ufuncs and math functions, whose result must be the same
whichever type it has; stores into arrays that hold its values exactly; loop variables.
"""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedError
from ..ir.nodes import Elementwise, Node
from ..ir.ops import Op


class EitherScalar:
    """A 0-d value that is either a Python scalar or the NumPy scalar of the same dtype."""

    def __init__(self, lowerer, value):
        # the other flavour is a copy of the value (never a second node for one C variable)
        flavour = lambda weak: value if value.weak == weak else lowerer.intern(Elementwise(  # noqa: E731
            op=Op.POSITIVE, args=(value,), in_dtypes=(value.dtype,), dtype=value.dtype, shape=(), weak=weak))
        self.strong, self.weak, self.dtype = flavour(False), flavour(True), value.dtype


def either_kind_ok(dtype) -> bool:
    """Can a Python scalar and a NumPy scalar of ``dtype`` be one value? (bool, int64, float64,
    complex128: the types Python scalars take in NumPy's eyes.)"""
    return np.dtype(dtype) in (np.dtype(bool), np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.complex128))


def has_either(values) -> bool:
    return any(isinstance(v, EitherScalar) for v in values)


def resolve(lowerer, compute, args, node=None):
    """``compute(*args)`` where some args are EitherScalars: the result must not depend on
    which type they have (the same dtype; for floats the weakness may follow them)."""
    weak_args = [v.weak if isinstance(v, EitherScalar) else v for v in args]
    strong_args = [v.strong if isinstance(v, EitherScalar) else v for v in args]
    from .semantics import UserError
    why = "a value that is a Python or a NumPy scalar depending on the run (a loop that may run zero times, max/min of both)"
    with lowerer.scratch():
        try:
            weak = compute(*weak_args)
        except (UserError, UnsupportedError):
            raise lowerer.unsupported(why, node) from None
    strong = compute(*strong_args)
    if isinstance(strong, EitherScalar) or isinstance(weak, EitherScalar):
        raise lowerer.unsupported(why, node)
    if not isinstance(strong, Node) or not isinstance(weak, Node) or strong.dtype != weak.dtype \
            or strong.shape != weak.shape:
        if not isinstance(strong, Node) and not isinstance(weak, Node) and type(strong) is type(weak):
            return strong                 # math.floor(...) etc.: a Python value either way
        raise lowerer.unsupported(why, node)
    if strong.weak == weak.weak:
        return strong
    if strong.ndim == 0 and strong.dtype.kind in "fbc" and either_kind_ok(strong.dtype):
        return EitherScalar(lowerer, strong)
    raise lowerer.unsupported(why, node)


def store_value(lowerer, value, dtype, node=None):
    """An EitherScalar stored into an array of ``dtype``: the same write either way if the
    array holds its values exactly (a Python int out of range raises, a NumPy one wraps)."""
    if np.can_cast(value.dtype, dtype, "safe") or (value.dtype.kind == "f" and np.dtype(dtype).kind in "fc"):
        return value.strong
    raise lowerer.unsupported("storing a value that is a Python or a NumPy scalar depending on the run", node)


def python_extreme(lowerer, func, args, node):
    """Python's ``max(*args)``/``min(*args)`` of 0-d values, some known at run time."""
    from .semantics import numpy_semantics
    if len(args) == 1:
        with numpy_semantics():
            iter(args[0]) if not isinstance(args[0], Node) else None
        raise lowerer.unsupported(f"{func.__name__}() of one iterable known at run time", node)
    values = [v.strong if isinstance(v, EitherScalar) else lowerer.as_node(v, node) for v in args]
    if any(v.ndim for v in values):
        raise lowerer.unsupported(f"{func.__name__}() of arrays", node)
    dtypes = {v.dtype for v in values}
    mixed = len({v.weak for v in values}) > 1 or has_either(args)
    if len(dtypes) > 1 or (mixed and not either_kind_ok(values[0].dtype)):
        raise lowerer.unsupported(f"{func.__name__}() of values of different types", node)
    compare = np.greater if func is max else np.less
    best = values[0]
    for item in values[1:]:
        take = lowerer.ufunc(compare, (item, best), node)
        best = lowerer.intern(Elementwise(op=Op.WHERE, args=(take, item, best),
                                             in_dtypes=(np.dtype(bool), best.dtype, best.dtype), dtype=best.dtype,
                                             shape=(), weak=best.weak and item.weak))
    return EitherScalar(lowerer, best) if mixed else best

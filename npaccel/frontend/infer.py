"""Dtype and shape inference with NumPy 2's rules (NEP 50), for the frontend's lowering.

Dtypes are not re-derived by hand: NumPy's own type resolution is asked (``resolve_dtypes``
with Python types standing for weak scalars), and where a value matters (a Python int out of
range for uint8) NumPy is run on 0-d stand-ins so that the very same exception is raised.

Shapes are symbolic. Broadcasting is decided statically because signatures record which
dims are 1; dims that must agree at run time become ``DimsEqual`` checks.

>>> from npaccel.ir.dims import Sym
>>> checks = []
>>> broadcast_shapes([(Sym("a"), 3), (3,)], checks)
(a, 3)
>>> broadcast_shapes([(Sym("a"),), (Sym("b"),)], checks)
(a,)
>>> checks
[DimsEqual(a=a, b=b, shapes=((a,), (b,)))]
"""
from __future__ import annotations

import warnings

import numpy as np

from ..ir.checks import BroadcastDims, DimsEqual, FitsInto, StoreDimsEqual
from ..ir.dims import Sym, dim_bcast, may_be_one

_WEAK_TYPE = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def _shape_text(shape):
    return "(" + ",".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def broadcast_error(shapes):
    return ValueError("operands could not be broadcast together with shapes "
                      + " ".join(_shape_text(s) for s in shapes) + " ")


def broadcast_shapes(shapes, checks: list, into=False) -> tuple:
    """The broadcast of symbolic shapes; appends run-time checks to ``checks``. ``into``:
    a store into ``shapes[0]``, whose dims are kept (the others must fit them).

    Dims that may be 1 at run time (slice lengths known at run time) broadcast at run time:

    >>> from npaccel.ir.dims import SliceDim
    >>> i = SliceDim("len", Sym("sv1"), None, 1, Sym("n"))
    >>> checks = []
    >>> broadcast_shapes([(i,), (Sym("m"),)], checks), [type(c).__name__ for c in checks]
    ((m,), ['BroadcastDims'])
    """
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(ndim):
        dims = [s[len(s) - ndim + axis] for s in shapes if len(s) - ndim + axis >= 0]
        if any(may_be_one(d) for d in dims):
            out.append(_runtime_broadcast(dims, shapes, checks, into and len(shapes[0]) - ndim + axis >= 0))
            continue
        sized = [d for d in dims if d != 1]
        if not sized:
            out.append(1)
            continue
        first = sized[0]
        for d in sized[1:]:
            if d == first:
                continue
            if isinstance(d, int) and isinstance(first, int):
                raise broadcast_error(shapes)
            check = (StoreDimsEqual if into else DimsEqual)(first, d, tuple(tuple(s) for s in shapes))
            if check not in checks:
                checks.append(check)
        # prefer a known size when one is known
        known = [d for d in sized if isinstance(d, int)]
        out.append(known[0] if known else first)
    return tuple(out)


def _runtime_broadcast(dims, shapes, checks, into):
    """One axis of broadcast_shapes where a dim may be 1 at run time."""
    shapes = tuple(tuple(s) for s in shapes)
    if into:
        target = dims[0]
        for d in dims[1:]:
            if d != 1 and d != target:
                check = FitsInto(d, target, shapes)
                if check not in checks:
                    checks.append(check)
        return target
    sized = [d for d in dims if d != 1]
    if not sized:
        return 1
    first = sized[0]
    for d in sized[1:]:
        if d != first:
            check = BroadcastDims(first, d, shapes)
            if check not in checks:
                checks.append(check)
    # a dim never 1 at run time is the result (the others are it or 1); else each pair
    fixed = [d for d in sized if not may_be_one(d)]
    if fixed:
        return next((d for d in fixed if isinstance(d, int)), fixed[0])
    out = first
    for d in sized[1:]:
        out = dim_bcast(out, d)
    return out


def operand_type(node):
    """What NumPy's type resolution sees: a Python type for weak scalars, else the dtype."""
    # Python bools are not weak under NEP 50: they are NumPy bools.
    return _WEAK_TYPE[node.dtype.kind] if node.weak and node.dtype.kind != "b" else node.dtype


def typing_stand_in(node, value=None):
    """What NumPy's type resolution is shown of a 0-d operand: a Python scalar for a weak one
    (its ``value`` where known), else a 0-d array of its dtype (semantics.stand_in keeps dims)."""
    if node.weak:
        if value is not None:
            return value
        return _WEAK_TYPE[node.dtype.kind](1)
    return np.zeros((), node.dtype)


def elementwise_types(ufunc, args, const_values=()):
    """(in_dtypes, out_dtype) of ``ufunc`` applied to ``args``, raising what NumPy raises.

    ``const_values`` maps argument position to a known Python value (for value-based errors).
    """
    values = dict(const_values)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        # Run on stand-ins first: NumPy's own message and exception type for bad operands.
        ufunc(*[typing_stand_in(a, values.get(i)) for i, a in enumerate(args)])
    if all(a.weak for a in args):
        # Python scalars only (a loop counter and a literal): computed in their default
        # dtypes (int64, float64), where NumPy's own resolution would say "object"
        resolved = ufunc.resolve_dtypes(tuple(a.dtype for a in args) + (None,) * ufunc.nout)
    else:
        resolved = ufunc.resolve_dtypes(tuple(operand_type(a) for a in args) + (None,) * ufunc.nout)
    return resolved[:ufunc.nin], resolved[ufunc.nin]


def result_is_weak(args) -> bool:
    return all(a.weak for a in args)


def normalize_axes(axis, ndim):
    """NumPy's axis normalisation, with NumPy's AxisError and messages."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"'{type(a).__name__}' object cannot be interpreted as an integer")
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(int(a), ndim)
        a = int(a) % ndim if ndim else 0
        if a in out:
            raise ValueError("duplicate value in 'axis'")
        out.append(a)
    return tuple(sorted(out))


def reduce_dtype(func, arg, axis, keepdims, dtype=None):
    """Result dtype of np.<func>(arg, axis=..., keepdims=..., dtype=...) as NumPy gives it."""
    stand_in = np.ones((1,) * arg.ndim, arg.dtype)
    kwargs = {"axis": axis, "keepdims": keepdims}
    if dtype is not None:
        kwargs["dtype"] = dtype
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = func(stand_in, **kwargs)
    return np.asarray(result).dtype


def reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def array_dims(index, ones, last=0):
    """Symbolic shape of array argument ``index`` whose size-1 dims are ``ones`` and whose
    innermost size is ``last`` when that is not 0 (signature.small_last)."""
    dims = tuple(1 if one else Sym(f"a{index}_d{d}") for d, one in enumerate(ones))
    return dims[:-1] + (last,) if last else dims

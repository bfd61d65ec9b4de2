"""np.cov and np.corrcoef as NumPy's _function_base_impl defines them, built from existing
values: the variables as rows of a 2-d ``X`` (np.array(m, ndmin=2, dtype=...), transposed
for rowvar=False, y's rows appended), the row means subtracted, ``dot(X, X.T.conj())``
(a matrix product: BLAS where the planner picks it) times ``1 / (n - ddof)`` (inf when
that is <= 0, as NumPy's ``fact = 0.0``; NumPy's RuntimeWarning is not emitted), squeezed
to 0-d for one variable. corrcoef divides by the square roots of the diagonal and clips
the real (and imaginary) parts to [-1, 1].

What does not compile (runs in Python under fallback="warn"): fweights/aweights (NumPy
checks their values, which are known only at run time), and a single-variable ``m`` with
a ``y`` whose row count is known only at run time. Zero variables (an empty result of
shape (0, 0)) run the call in Python too (a guard on the row count).

>>> fact_factor(5, 1), fact_factor(1, 1)
(0.25, inf)
"""
from __future__ import annotations

import inspect

import numpy as np

from ..ir.dims import dim_sub
from ..ir.nodes import Gather, Node
from ..ir.ops import Op
from ..ir.checks import NonNegativeGuard
from .array_build import as_array, bind, cast, dim_node, ew, fail, iota, surely_differ
from .calls import register
from .calls_arrays import copy_of, probe
from .calls_complex import part
from .calls_joining import concatenate
from .calls_shapes import reshape_value

_REQ = inspect.Parameter.empty
_F64 = np.dtype(np.float64)
_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


def fact_factor(n, ddof):
    """NumPy's ``np.true_divide(1, fact)`` with ``fact = n - ddof`` (0.0 when <= 0)."""
    fact = n - ddof
    with np.errstate(divide="ignore"):
        return float(np.true_divide(1, fact if fact > 0 else 0.0))


def _guard_positive(lw, d):
    """Compiled code assumes ``d >= 1``; a call where it is 0 runs in Python (NumPy)."""
    if isinstance(d, int):
        return d >= 1
    guard = NonNegativeGuard(dim_sub(d, 1))
    if guard not in lw.state.checks:
        lw.state.checks.insert(0, guard)
    return True


def _rows(lw, v, dtype, transpose, node):
    """np.array(v, ndmin=2, dtype=dtype), transposed when ``transpose(it)``."""
    v = cast(lw, v, dtype)
    if v.ndim < 2:
        v = reshape_value(lw, v, (1,) * (2 - v.ndim) + tuple(v.shape))
    if transpose(v):
        v = lw.transpose(v, None, node)
    return v


def covariance(lw, m, y, rowvar, bias, ddof, dtype, node):
    """np.cov without weights: a (k, k) value, or 0-d for one variable."""
    for name, v in (("rowvar", rowvar), ("bias", bias), ("ddof", ddof), ("dtype", dtype)):
        if isinstance(v, Node):
            raise lw.unsupported(f"np.cov(..., {name}=...) known only at run time", node)
    if ddof is not None and ddof != int(ddof):
        fail(ValueError("ddof must be integer"))
    m = as_array(lw, m, node)
    if m.ndim > 2:
        fail(ValueError("m has more than 2 dimensions"))
    if y is not None:
        y = as_array(lw, y, node)
        if y.ndim > 2:
            fail(ValueError("y has more than 2 dimensions"))
    if dtype is None:
        dtype = probe(np.result_type, m.dtype, *((y.dtype,) if y is not None else ()), np.float64)
    dtype = probe(np.dtype, dtype)
    if dtype not in _DTYPES:
        stand_in = np.zeros((2, 2), m.dtype)
        probe(np.cov, stand_in, dtype=dtype)        # NumPy's error, if any
        raise lw.unsupported(f"np.cov(..., dtype={dtype})", node)
    X = _rows(lw, m, dtype, lambda v: not rowvar and m.ndim != 1, node)
    rx = X.shape[0]
    if X.shape[0] == 0:
        raise lw.unsupported("np.cov of zero variables", node)
    _guard_positive(lw, X.shape[0])
    if y is not None:
        Y = _rows(lw, y, dtype, lambda v: not rowvar and v.shape[0] != 1, node)
        if X.shape[0] == 1 and not isinstance(Y.shape[0], int):
            _guard_positive(lw, Y.shape[0])
        X = concatenate(lw, [X, Y], 0, None, "same_kind", node)
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    ddof = int(ddof)
    k, n = X.shape
    mean = lw.reduction("mean", X, (), {"axis": 1, "keepdims": True}, node)
    X = ew(lw, Op.SUBTRACT, (X, mean), dtype)
    XT = lw.transpose(X, None, node)
    if dtype.kind == "c":
        XT = lw.ufunc(np.conjugate, (XT,), node)
    c = lw.call(np.dot, [X, XT], {}, node)
    if isinstance(n, int):
        factor = fact_factor(n, ddof)
    else:
        fact = dim_node(lw, dim_sub(n, ddof))
        inverse = ew(lw, Op.TRUE_DIVIDE, (1.0, fact), _F64)
        factor = ew(lw, Op.WHERE, (ew(lw, Op.GREATER, (fact, 0), np.int64), inverse, np.inf), _F64)
    calc = np.result_type(dtype, np.float64)
    c = cast(lw, ew(lw, Op.MULTIPLY, (c, factor), calc), dtype)
    if k == 1:          # c.squeeze(): one variable gives a 0-d array
        return copy_of(lw, lw.basic_index(c, (0, 0), node))
    if not (isinstance(k, int) or surely_differ(rx, 1) or rx == 1 and y is not None):
        raise lw.unsupported("np.cov of a number of variables (1 or not) known only at run time", node)
    return c


_COV = [("m", _REQ), ("y", None), ("rowvar", True), ("bias", False), ("ddof", None), ("fweights", None),
        ("aweights", None)]


def _static_call(lw, func, args, kwargs):
    from .calls_math import run_numpy
    return run_numpy(func, *args, **kwargs)


@register(np.cov)
def _cov(lw, args, kwargs, node):
    if not any(isinstance(v, Node) for v in (*args, *kwargs.values())):
        return _static_call(lw, np.cov, args, kwargs)
    b = bind(lw, node, "cov", args, kwargs, _COV, [("dtype", None)])
    if b["fweights"] is not None or b["aweights"] is not None:
        raise lw.unsupported("np.cov(..., fweights=/aweights=) (NumPy checks their values)", node)
    return covariance(lw, b["m"], b["y"], b["rowvar"], b["bias"], b["ddof"], b["dtype"], node)


@register(np.corrcoef)
def _corrcoef(lw, args, kwargs, node):
    if not any(isinstance(v, Node) for v in (*args, *kwargs.values())):
        return _static_call(lw, np.corrcoef, args, kwargs)
    b = bind(lw, node, "corrcoef", args, kwargs, [("x", _REQ), ("y", None), ("rowvar", True)], [("dtype", None)])
    c = covariance(lw, b["x"], b["y"], b["rowvar"], False, None, b["dtype"], node)
    if c.ndim == 0:           # diag() of a 0-d value fails: NumPy returns c / c
        return lw.ufunc(np.true_divide, (c, c), node)
    k = c.shape[0]
    i = iota(lw, 0, (k,))
    d = lw.intern(Gather(arg=c, args=(i, i), axes=(0, 1), pos=0, dtype=c.dtype, shape=(k,)))
    if d.dtype.kind == "c":
        d = part(lw, d, Op.REAL)
    stddev = lw.ufunc(np.sqrt, (d,), node)
    c = lw.ufunc(np.true_divide, (c, reshape_value(lw, stddev, (k, 1))), node)
    c = lw.ufunc(np.true_divide, (c, reshape_value(lw, stddev, (1, k))), node)
    if c.dtype.kind != "c":
        return lw.call(np.clip, [c, -1, 1], {}, node)
    re, im = part(lw, c, Op.REAL), part(lw, c, Op.IMAG)
    clipped = [lw.call(np.clip, [p, -1, 1], {}, node) for p in (re, im)]
    outside = [lw.ufunc(np.greater, (lw.ufunc(np.absolute, (p,), node), 1), node) for p in (re, im)]
    fixed = lw.ufunc(np.add, (clipped[0], lw.ufunc(np.multiply, (1j, clipped[1]), node)), node)
    return lw.where(lw.ufunc(np.logical_or, tuple(outside), node), cast(lw, fixed, c.dtype), c, node)

"""np.cov and np.corrcoef as NumPy's _function_base_impl defines them, built from existing
values: the variables as rows of a 2-d ``X`` (np.array(m, ndmin=2, dtype=...), transposed
for rowvar=False, y's rows appended), the row means subtracted, ``dot(X, X.T.conj())``
(a matrix product: BLAS where the planner picks it) times ``1 / (n - ddof)``, squeezed to
0-d for one variable. corrcoef divides by the square roots of the diagonal and clips the
real (and imaginary) parts to [-1, 1].

Weights (fweights, aweights) are float64 vectors, as np.average takes them: the weighted
row means (computed in float64 or complex128), ``dot(X, (X * w).T.conj())`` (a float64
result for float32 data, as in NumPy) and NumPy's normalisation. NumPy checks their values
(whole numbers, not negative, a sum that is not zero) where they are computed: a call
failing one stops the program and reruns in Python, which raises NumPy's error.

Degrees of freedom <= 0: NumPy warns and divides by 0. Without weights that is a fact about
sizes, tested before the kernel (such a call runs in Python); with weights, one about
values, tested in the program (array_build.stop_if, rerun only: the call reruns in
Python; a function that writes an argument, which cannot rerun, is not compiled with it).

What does not compile (runs in Python under fallback="warn"): an array ``fweights`` together
with ``aweights`` (NumPy writes their product into fweights), and a single-variable ``m``
with a ``y`` whose row count is known only at run time. Zero variables (an empty result of
shape (0, 0)) run the call in Python too (a guard on the row count).

>>> fact_factor(5, 1), fact_factor(1, 1)
(0.25, inf)
"""
from __future__ import annotations

import inspect

import numpy as np

from ..ir.dims import dim_sub, loop_variant
from ..ir.nodes import Gather, Node
from ..ir.ops import Op
from ..ir.checks import DimCheck, NonNegativeGuard, ShapeGuard, RerunOnly
from .array_build import as_array, bind, cast, dim_node, ew, fail, iota, stop_if, surely_differ
from .calls import register
from .calls_arrays import copy_of, probe
from .calls_complex import part
from .calls_joining import concatenate
from .calls_shapes import reshape_value

_REQ = inspect.Parameter.empty
_F64 = np.dtype(np.float64)
_DOF = "np.cov's 'Degrees of freedom <= 0' warning"
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


def covariance(lw, m, y, rowvar, bias, ddof, dtype, node, fweights=None, aweights=None):
    """np.cov: a (k, k) value, or 0-d for one variable."""
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
    if fweights is None and aweights is None:
        mean = lw.reduction("mean", X, (), {"axis": 1, "keepdims": True}, node)
        X = ew(lw, Op.SUBTRACT, (X, mean), dtype)
        XT = lw.transpose(X, None, node)
        if isinstance(n, int):
            if n - ddof <= 0:       # NumPy warns: the call runs in Python
                raise lw.unsupported("np.cov with degrees of freedom <= 0 (NumPy warns)", node)
            factor = fact_factor(n, ddof)
        elif _in_loop(n):     # n - ddof <= 0: NumPy warns, the call reruns in Python
            lw.state.checks.append(RerunOnly(dim_sub(n, ddof), ">", 0, "RuntimeWarning",
                                                "Degrees of freedom <= 0 for slice"))
            lw.state.rerun_only = lw.state.rerun_only or _DOF
        else:       # the same, decided before the kernel
            lw.state.checks.append(NonNegativeGuard(dim_sub(n, ddof + 1)))
            factor = ew(lw, Op.TRUE_DIVIDE, (1.0, dim_node(lw, dim_sub(n, ddof))), _F64)
    else:
        X, XT, fact = _weighted(lw, X, fweights, aweights, ddof, node)
        stop_if(lw, ew(lw, Op.LESS_EQUAL, (fact, 0.0), _F64), "RuntimeWarning", "Degrees of freedom <= 0 for slice",
                _DOF)
        factor = ew(lw, Op.TRUE_DIVIDE, (1.0, fact), _F64)
    if dtype.kind == "c":
        XT = lw.ufunc(np.conjugate, (XT,), node)
    c = lw.call(np.dot, [X, XT], {}, node)
    calc = np.result_type(c.dtype, np.float64)
    c = cast(lw, ew(lw, Op.MULTIPLY, (c, factor), calc), c.dtype)
    if k == 1:          # c.squeeze(): one variable gives a 0-d array
        return copy_of(lw, lw.basic_index(c, (0, 0), node))
    if not (isinstance(k, int) or surely_differ(rx, 1) or rx == 1 and y is not None):
        raise lw.unsupported("np.cov of a number of variables (1 or not) known only at run time", node)
    return c


def _in_loop(*dims) -> bool:
    """Is one of ``dims`` known only inside the program (a loop counter's)?"""
    return any(not isinstance(d, int) and loop_variant(d) for d in dims)


def _weight(lw, v, name, n, node):
    """np.asarray(v, dtype=float), one weight per observation, checked as NumPy checks it:
    fweights whole numbers (on any shape), then its shape, then not negative."""
    v = cast(lw, as_array(lw, v, node), _F64)
    if name == "fweights":
        whole = ew(lw, Op.NOT_EQUAL, (v, lw.ufunc(np.rint, (v,), node)), _F64)
        stop_if(lw, _any(lw, whole, node), "TypeError", "fweights must be integer")
    if v.ndim == 0:
        fail(IndexError("tuple index out of range"))
    if v.ndim > 1:
        fail(RuntimeError(f"cannot handle multidimensional {name}"))
    m = v.shape[0]
    if isinstance(m, int) and isinstance(n, int):
        if m != n:
            fail(RuntimeError(f"incompatible numbers of samples and {name}"))
    elif m != n and _in_loop(m, n):      # tested in the program: the call reruns in Python
        lw.state.checks.append(DimCheck(m, "==", n, "RuntimeError", f"incompatible numbers of samples and {name}"))
    elif m != n:                         # before the kernel (NumPy's value checks come first: run in Python)
        lw.state.checks.append(ShapeGuard(m, n, ((m,), (n,))))
    stop_if(lw, _any(lw, ew(lw, Op.LESS, (v, 0.0), _F64), node), "ValueError", f"{name} cannot be negative")
    return v


def _any(lw, v, node):
    return lw.reduction("any", v, (), {}, node)


def _weighted(lw, X, fweights, aweights, ddof, node):
    """(X - avg, (X * w).T, fact) as np.cov computes them with weights, NumPy's checks of
    the weights' values made where they are computed, in NumPy's order."""
    n, w = X.shape[1], None
    if fweights is not None:
        if aweights is not None and isinstance(fweights, Node) and fweights.dtype == _F64:
            raise lw.unsupported("np.cov(..., fweights=<array>, aweights=...) (NumPy writes the product "
                                 "into fweights)", node)
        w = _weight(lw, fweights, "fweights", n, node)
    a = None
    if aweights is not None:
        a = _weight(lw, aweights, "aweights", n, node)
        w = a if w is None else ew(lw, Op.MULTIPLY, (w, a), _F64)
    calc = np.result_type(X.dtype, _F64)      # np.average's result type
    w_sum = lw.reduction("sum", w, (), {}, node)
    stop_if(lw, ew(lw, Op.EQUAL, (w_sum, 0.0), _F64), "ZeroDivisionError", "Weights sum to zero, can't be normalized")
    total = lw.reduction("sum", ew(lw, Op.MULTIPLY, (X, w), calc), (), {"axis": 1, "keepdims": True}, node)
    avg = ew(lw, Op.TRUE_DIVIDE, (total, w_sum), calc)
    X = ew(lw, Op.SUBTRACT, (X, avg), calc, X.dtype)
    XT = lw.transpose(lw.ufunc(np.multiply, (X, w), node), None, node)
    if ddof == 0:
        fact = w_sum
    elif a is None:
        fact = ew(lw, Op.SUBTRACT, (w_sum, float(ddof)), _F64)
    else:
        wa = lw.reduction("sum", ew(lw, Op.MULTIPLY, (w, a), _F64), (), {}, node)
        fact = ew(lw, Op.SUBTRACT, (w_sum, ew(lw, Op.TRUE_DIVIDE, (ew(lw, Op.MULTIPLY, (float(ddof), wa), _F64),
                                                                  w_sum), _F64)), _F64)
    return X, XT, fact


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
    return covariance(lw, b["m"], b["y"], b["rowvar"], b["bias"], b["ddof"], b["dtype"], node,
                      b["fweights"], b["aweights"])


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

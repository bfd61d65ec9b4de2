"""np.linalg through the singular value decomposition: svd, lstsq, pinv, matrix_power, and
np.linalg.norm's ord=2, -2, 'nuc' of matrices.

svd and lstsq become one ``Lapack`` node each (calls_lapack.packed: one routine call per
matrix, whichever results are used; codegen/c_lapack.py, runtime_c/npaccel_lapack_svd.h),
each result a view of it, calling the routines NumPy's ``_umath_linalg`` calls:
?gesdd with jobz 'N' (singular values only), 'S' (full_matrices=False) or 'A', and ?gelsd
with NumPy's default rcond (eps * max(m, n)) or the one given. As in NumPy, the work is
done in float64 / complex128 and cast to NumPy's result type. lstsq's residuals are empty
unless rank == N and M > N, which only the kernel knows: they are a boolean-mask selection
(frontend/masks.py) of the per-column sums of squares by that condition, so their length
is decided at run time, as np.unique's is.

pinv, matrix_power and the singular-value norms are written the way NumPy's linalg.py
writes them, with the ops the graph has (views, ufuncs, reductions, matmul) around the svd
and inv nodes, so their rounding is NumPy's own.

hermitian=True (svd and pinv) is NumPy's: eigh, magnitudes sorted (``hermitian_svd``).

Not compiled (left to Python, with the reason): lstsq with an rcond known
only at run time, matrix_power with an exponent known only at run time (the number of
products depends on it). pinv of an empty integer matrix keeps its dtype in NumPy: where
the size is known only at run time, such a call runs in Python (a guard).

>>> _pinv_layout(3)
[0, 2, 1]
"""
from __future__ import annotations

import numpy as np

from ..ir.dims import dim_add, dim_max, dim_min, dim_sub
from ..ir.nodes import Const, Elementwise, Node, Reduce
from ..ir.ops import Op
from . import masks
from ..ir.checks import NonNegativeGuard
from .calls import CALL_HANDLERS, register
from .calls_arrays import broadcast_into
from .calls_lapack import SQUARE, _inv, _options, _square, packed, piece
from .calls_linalg import keep_matrix_dims
from .products import arrange, cast_to, interned, matmul_node, same_size
from .array_build import stop_if
from .semantics import numpy_semantics, stand_in

_plain_norm = CALL_HANDLERS[np.linalg.norm]      # calls_linalg's: every ord but 2, -2, 'nuc'
F8 = np.dtype(np.float64)


def _pinv_layout(ndim):
    """The view that swaps the last two dims (NumPy's linalg ``transpose``)."""
    return list(range(ndim - 2)) + [ndim - 1, ndim - 2]


def _ready(lw, name, a, routine, node):
    """The work dtype for ``a``, after checking the library exports ?<routine>."""
    from ..build.blas import lapack_missing
    if a.weak:
        raise lw.unsupported(f"np.linalg.{name} of a Python scalar", node)
    complex_ = a.dtype.kind == "c"
    why = lapack_missing([("z" if complex_ else "d") + routine])
    if why:
        raise lw.unsupported(f"np.linalg.{name} (LAPACK unreachable: {why})", node)
    return np.dtype(np.complex128 if complex_ else np.float64)


def svd_nodes(lw, a, full, compute_uv, sample, node):
    """(u, s, vh) or s of a stack of matrices ``a``, cast to the dtypes of ``sample``."""
    work = _ready(lw, "svd", a, "gesdd", node)
    a = cast_to(lw, a, work)
    m, n = a.shape[-2], a.shape[-1]
    k = dim_min(m, n)
    if not compute_uv:
        return piece(lw, packed(lw, "svd_N", a, a, work, 1, k), "s", None, k, sample.dtype)
    if full:            # U (m x m), Vh (n x n), s
        usv = packed(lw, "svd_A", a, a, work, dim_add(dim_add(m, n), 1), dim_max(m, n))
        ucols, vrows = m, n
    else:               # U (m x k), Vh (k x n), s
        usv = packed(lw, "svd_S", a, a, work, dim_add(dim_add(m, k), 1), n)
        ucols, vrows = k, k
    return type(sample)(piece(lw, usv, "u", m, ucols, sample[0].dtype), piece(lw, usv, "s", None, k, sample[1].dtype),
                        piece(lw, usv, "vh", vrows, n, sample[2].dtype))


def hermitian_svd(lw, a, compute_uv, sample, node, ties_rerun=True):
    """np.linalg.svd(a, hermitian=True) as NumPy's linalg.py writes it: eigh (eigvalsh), the
    magnitudes sorted descending with argsort reversed, the signs moved into vh. Equal
    magnitudes take NumPy's unstable argsort order, which only NumPy gives: with
    ``ties_rerun`` the program stops there and the call reruns in Python (pinv, whose
    result does not depend on that order, passes False)."""
    def call(f, *args, **kwargs):
        return lw.call(f, list(args), kwargs, node)
    backwards = (Ellipsis, slice(None, None, -1))
    if not compute_uv:
        s = call(np.abs, call(np.linalg.eigvalsh, a))
        return lw.basic_index(call(np.sort, s), backwards, node)
    s, u = call(np.linalg.eigh, a)
    sgn = call(np.copysign, 1.0, s)
    s = call(np.abs, s)
    sidx = lw.basic_index(call(np.argsort, s), backwards, node)
    s = call(np.take_along_axis, s, sidx, axis=-1)
    if ties_rerun:
        ahead, behind = (lw.basic_index(s, (Ellipsis, slice(*b)), node) for b in ((1, None), (None, -1)))
        tied = call(np.any, call(np.equal, ahead, behind))
        stop_if(lw, tied, "ValueError", "npaccel: equal singular values", "the order NumPy's argsort gives equal "
                "singular values (np.linalg.svd(..., hermitian=True))")
    sgn = call(np.take_along_axis, sgn, sidx, axis=-1)
    u = call(np.take_along_axis, u, lw.basic_index(sidx, (Ellipsis, None, slice(None)), node), axis=-1)
    vt = call(np.conjugate, call(np.swapaxes, call(np.multiply, u, lw.basic_index(sgn, (Ellipsis, None, slice(None)),
                                                                                   node)), -1, -2))
    return type(sample)(u, s, vt)


def _static(lw, name, node, **values):
    for what, v in values.items():
        if isinstance(v, Node):
            raise lw.unsupported(f"np.linalg.{name} with a run-time {what}", node)


@register(np.linalg.svd)
def _svd(lw, args, kwargs, node):
    (a, full, uv, herm), _ = _options(lw, "svd", args, kwargs, ("a", "full_matrices", "compute_uv", "hermitian"),
                                      node)
    full, uv, herm = (True if full is None else full), (True if uv is None else uv), (herm or False)
    if not isinstance(a, Node):
        with numpy_semantics():
            return np.linalg.svd(a, full, uv, herm)
    _static(lw, "svd", node, full_matrices=full, compute_uv=uv, hermitian=herm)
    with numpy_semantics():
        sample = np.linalg.svd(stand_in(a, 1, python_scalars=False), full, uv, herm)     # NumPy's ndim and dtype errors
    if herm:
        return hermitian_svd(lw, a, bool(uv), sample, node)
    return svd_nodes(lw, a, bool(full), bool(uv), sample, node)


@register(np.linalg.lstsq)
def _lstsq(lw, args, kwargs, node):
    (a, b, rcond), _ = _options(lw, "lstsq", args, kwargs, ("a", "b", "rcond"), node)
    if not isinstance(a, Node) and not isinstance(b, Node):
        with numpy_semantics():
            return np.linalg.lstsq(a, b, rcond)
    if not isinstance(a, Node) or not isinstance(b, Node):
        raise lw.unsupported("np.linalg.lstsq with an operand that is not an array", node)
    _static(lw, "lstsq", node, rcond=rcond)
    with numpy_semantics():
        sample = np.linalg.lstsq(stand_in(a, 1, python_scalars=False), stand_in(b, 1, python_scalars=False), rcond)    # ndim, dtype and rcond errors
        text = "auto" if rcond is None else repr(float(rcond))
    if b.weak:
        raise lw.unsupported("np.linalg.lstsq of a Python scalar", node)
    complex_ = a.dtype.kind == "c" or b.dtype.kind == "c"
    work = _ready(lw, "lstsq", cast_to(lw, a, np.complex128) if complex_ else a, "gelsd", node)
    m, n = a.shape
    if isinstance(m, int) and isinstance(b.shape[0], int):
        if m != b.shape[0]:
            with numpy_semantics():
                raise np.linalg.LinAlgError("Incompatible dimensions")
    else:
        same_size(lw, m, b.shape[0], "Incompatible dimensions", (), error="LinAlgError")
    a, b = cast_to(lw, a, work), cast_to(lw, b, work)
    nrhs = b.shape[1] if b.ndim == 2 else 1
    k = dim_min(m, n)
    # x (n x nrhs) and beside it columns: the residual sums (nrhs), rank (a double), s (k)
    every = packed(lw, f"lstsq:{text}", a, b, work, dim_max(dim_max(n, nrhs), 1), dim_add(nrhs, 3))
    x = piece(lw, every, "x", n, b.shape[1] if b.ndim == 2 else None, sample[0].dtype)
    rank = piece(lw, every, "rank", None, None, sample[2].dtype)
    s = piece(lw, every, "s", k, None, sample[3].dtype)
    sums = piece(lw, every, "sums", nrhs, None, sample[1].dtype)
    # NumPy: residuals only where rank == N and M > N, else an empty array
    keep = lw.ufunc(np.equal, (rank, lw.dim_value(n)), node)
    if isinstance(m, int) and isinstance(n, int):
        keep = keep if m > n else lw.ufunc(np.logical_and, (keep, False), node)
    else:
        keep = lw.ufunc(np.logical_and, (keep, lw.ufunc(np.greater, (lw.dim_value(m), lw.dim_value(n)), node)),
                        node)
    keep = broadcast_into(lw, keep, (nrhs,), lambda v, s: "npaccel: lstsq residual mask")
    return x, masks.select(lw, sums, keep, node), rank, s


def _strong(lw, value):
    """``np.asarray(value)`` of a Python float or an array (pinv's rcond)."""
    if isinstance(value, Node):
        return cast_to(lw, value, F8) if value.weak else value
    arr = np.asarray(value)
    if arr.ndim:
        raise TypeError
    return interned(lw, Const(value=arr.item(), dtype=arr.dtype, weak=False))


@register(np.linalg.pinv)
def _pinv(lw, args, kwargs, node):
    names = ("a", "rcond", "hermitian", "rtol")
    options = dict(zip(names, args), **kwargs)
    if len(args) > 3 or set(options) - set(names):
        raise lw.unsupported("np.linalg.pinv with unknown arguments", node)
    a, herm = options.get("a"), options.get("hermitian", False)
    extra = {k: options[k] for k in ("rcond", "rtol") if k in options}
    if not isinstance(a, Node):
        with numpy_semantics():
            return np.linalg.pinv(a, hermitian=herm, **extra)
    _static(lw, "pinv", node, hermitian=herm)
    with numpy_semantics():
        probes = {k: (v.dtype.type(1).item() if v.weak else np.ones((1,) * v.ndim, v.dtype))
                  if isinstance(v, Node) else v for k, v in extra.items()}
        sample = np.linalg.pinv(stand_in(a, 1, python_scalars=False), hermitian=bool(herm), **probes)     # NumPy's checks
        np.linalg.svd(stand_in(a, 1, python_scalars=False), full_matrices=False, hermitian=bool(herm))
    m, n = a.shape[-2], a.shape[-1]
    if isinstance(m, int) and isinstance(n, int) and m * n == 0:
        return lw.call(np.zeros, [a.shape[:-2] + (n, m)], {"dtype": a.dtype}, node)
    if a.dtype.kind not in "fc":
        # an empty integer matrix keeps its dtype in NumPy's pinv: such a call runs in Python
        for d in (m, n):
            if not isinstance(d, int) and NonNegativeGuard(dim_sub(d, 1)) not in lw.state.checks:
                lw.state.checks.insert(0, NonNegativeGuard(dim_sub(d, 1)))
    rcond, rtol = options.get("rcond"), options.get("rtol", np._NoValue)
    if rcond is None:
        if rtol is np._NoValue:
            rcond = 1e-15
        elif rtol is None:
            with numpy_semantics():
                eps = np.finfo(a.dtype).eps
            top = lw.ufunc(np.maximum, (lw.dim_value(m), lw.dim_value(n)), node) \
                if not (isinstance(m, int) and isinstance(n, int)) else max(m, n)
            rcond = lw.ufunc(np.multiply, (top, eps), node) if isinstance(top, Node) else top * eps
        else:
            rcond = rtol
    try:
        rcond = _strong(lw, rcond)
    except TypeError:
        raise lw.unsupported("np.linalg.pinv with a list rcond", node) from None
    if a.dtype.kind == "c":
        a = lw.ufunc(np.conjugate, (a,), node)
    with numpy_semantics():
        parts = np.linalg.svd(stand_in(a, 1, python_scalars=False), full_matrices=False, hermitian=bool(herm))
    if herm:
        u, s, vt = hermitian_svd(lw, a, True, parts, node, ties_rerun=False)
    else:
        u, s, vt = svd_nodes(lw, a, False, True, parts, node)
    # cutoff = rcond[..., newaxis] * amax(s, axis=-1, keepdims=True)
    top = interned(lw, Reduce(op=Op.MAX, arg=s, axes=(s.ndim - 1,), keepdims=True, dtype=s.dtype,
                             shape=s.shape[:-1] + (1,)))
    cutoff = lw.ufunc(np.multiply, (arrange(lw, rcond, list(range(rcond.ndim)) + [None]), top), node)
    large = lw.ufunc(np.greater, (s, cutoff), node)
    inverse = lw.where(large, lw.ufunc(np.divide, (1, s), node), 0, node)
    scaled = lw.ufunc(np.multiply, (arrange(lw, inverse, list(range(s.ndim)) + [None]),
                                    arrange(lw, u, _pinv_layout(u.ndim))), node)
    result = matmul_node(lw, arrange(lw, vt, _pinv_layout(vt.ndim)), scaled, node)
    return cast_to(lw, result, sample.dtype)


@register(np.linalg.matrix_power)
def _matrix_power(lw, args, kwargs, node):
    (a, p), _ = _options(lw, "matrix_power", args, kwargs, ("a", "n"), node)
    if not isinstance(a, Node):
        with numpy_semantics():
            return np.linalg.matrix_power(a, p)
    if isinstance(p, Node) and p.dtype.kind not in "biu":
        with numpy_semantics():
            raise TypeError("exponent must be an integer")
    _static(lw, "matrix_power", node, exponent=p)
    with numpy_semantics():
        np.linalg.matrix_power(stand_in(a, 1, python_scalars=False), p)     # NumPy's ndim and exponent errors
    if a.weak or a.ndim < 2:
        raise lw.unsupported("np.linalg.matrix_power of a Python scalar", node)
    _square(lw, a)
    p = int(p)

    def mul(x, y):
        return matmul_node(lw, x, y, node)
    if p == 0:
        eye = lw.call(np.eye, [lw.dim_value(a.shape[-1])], {"dtype": a.dtype}, node)
        eye = broadcast_into(lw, eye, a.shape, lambda v, s: SQUARE)
        return interned(lw, Elementwise(op=Op.POSITIVE, args=(eye,), in_dtypes=(a.dtype,), dtype=a.dtype,
                                       shape=a.shape))      # a new array, as NumPy's empty_like
    if p < 0:
        a, p = _inv(lw, (a,), {}, node), -p
    if p <= 3:
        return a if p == 1 else mul(a, a) if p == 2 else mul(mul(a, a), a)
    z = result = None
    while p > 0:                    # NumPy's binary decomposition, product for product
        z = a if z is None else mul(z, z)
        p, bit = divmod(p, 2)
        if bit:
            result = z if result is None else mul(result, z)
    return result


@register(np.linalg.norm)
def _norm(lw, args, kwargs, node):
    """ord 2, -2, 'nuc' of matrices: max, min, sum of the singular values (NumPy's
    _multi_svd_norm); everything else: calls_linalg's norm."""
    names = ("x", "ord", "axis", "keepdims")
    options = dict(zip(names, args), **kwargs)
    x, ord_, axis, keepdims = (options.get(n) for n in names)
    svd_ord = isinstance(ord_, (int, float, str)) and not isinstance(ord_, bool) and ord_ in (2, -2, "nuc")
    if not isinstance(x, Node) or not svd_ord or set(options) - set(names) or len(args) > 4 or \
            isinstance(axis, Node) or (axis is None and x.ndim != 2) or \
            (axis is not None and (not isinstance(axis, tuple) or len(axis) != 2)):
        return _plain_norm(lw, args, kwargs, node)
    keepdims = bool(keepdims)
    with numpy_semantics():
        sample = np.linalg.norm(np.ones((2,) * x.ndim, x.dtype if x.dtype.kind in "fc" else float), ord_, axis,
                                keepdims)
        row, col = (0, 1) if axis is None else (int(axis[0]) % x.ndim, int(axis[1]) % x.ndim)
    if x.dtype.kind not in "fc":
        x = cast_to(lw, x, F8)
    y = arrange(lw, x, [d for d in range(x.ndim) if d not in (row, col)] + [row, col])
    with numpy_semantics():
        values = np.linalg.svd(stand_in(y, 1, python_scalars=False), compute_uv=False)
    s = svd_nodes(lw, y, False, False, values, node)
    last = s.ndim - 1
    if ord_ == 2:       # amax(..., initial=0): 0 for empty matrices
        top = interned(lw, Reduce(op=Op.MAX, arg=s, axes=(last,), keepdims=False, dtype=s.dtype, shape=s.shape[:-1]))
        result = lw.ufunc(np.maximum, (top, 0.0), node)
    elif ord_ == -2:
        result = lw.reduction("min", s, (), {"axis": -1}, node)
    else:
        result = lw.reduction("sum", s, (), {"axis": -1}, node)
    result = cast_to(lw, result, np.asarray(sample).dtype)
    return keep_matrix_dims(lw, result, x.ndim, row, col) if keepdims else result

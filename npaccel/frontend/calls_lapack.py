"""np.linalg's LAPACK routines: solve, inv, det, cholesky, eigh, eigvalsh, qr (svd, lstsq,
pinv, matrix_power: calls_svd.py).

Each becomes a ``Lapack`` node (codegen/c_lapack.py) that calls the LAPACK routine NumPy's
``_umath_linalg`` calls, found in the BLAS NumPy ships (build/blas.py):
?gesv (solve, inv), ?getrf (det, through NumPy's slogdet), ?potrf (cholesky, lower),
?syevd/?heevd (eigh, eigvalsh), ?geqrf + ?orgqr/?ungqr (qr: Q and R of mode 'reduced' and
'complete', R alone for 'r', the factored matrix and tau for 'raw'). As in NumPy
the work is done in float64 or complex128 and the result cast to NumPy's result type
(float32 in, float32 out; integers and bool in, float64 out); stacked matrices are a loop
over the leading dims. Types, static shape errors and the result types are NumPy's own,
found by calling the function on small stand-ins; sizes known only at run time are checked
before the kernel; singular or indefinite input raises NumPy's LinAlgError from the kernel.

A routine with several results (eigh, qr, svd, lstsq) runs once per matrix whichever of
its results the function uses: one ``Lapack`` node (``packed``) computes all of them as row
blocks of one matrix per batch element (Lapack.parts), and each result is a ``View`` of
a block (``piece``), cast to NumPy's result type. Why a packed value rather than a node with
several outputs: every pass plans one buffer per node and reads views of buffers where they
lie (a library call's operands, a copy into a returned array), so views of one buffer need
nothing new from the planner or the runtime; a multi-output node would change each of them.
The cost is one copy of each result out of the packed buffer, O(size) beside LAPACK's
O(n^3). A real result of a complex routine (s, w, lstsq's sums and rank) lies exactly in
the real parts of its block (a double converts to a complex exactly), read by a cast.
The Interner makes equal nodes one, so a second call on the same operand (``eigh(a)[0]``
and ``eigh(a)[1]`` in two statements) reuses the same factorisation.

Not compiled (left to Python, with the reason): cholesky(upper=True), and any call where the
library found at run time lacks the routines.
"""
from __future__ import annotations

import numpy as np

from ..ir.dims import dim_add, dim_min
from ..ir.nodes import Lapack, Node, View
from . import infer
from .calls import register
from .products import cast_to, interned, same_size
from .semantics import numpy_semantics, stand_in

_ROUTINES = {"solve": "gesv", "inv": "gesv", "det": "getrf", "cholesky": "potrf", "eigh": "syevd heevd",
             "eigvalsh": "syevd heevd", "qr": "geqrf orgqr ungqr"}
SQUARE = "Last 2 dimensions of the array must be square"
_SOLVE1 = ("solve1: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
           "(m,m),(m)->(m) (size {} is different from {})")
_SOLVE = ("solve: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
          "(m,m),(m,n)->(m,n) (size {} is different from {})")


def _options(lw, name, args, kwargs, names, node):
    options = dict(zip(names, args), **kwargs)
    if len(args) > len(names) or set(options) - set(names):
        raise lw.unsupported(f"np.linalg.{name} with unknown arguments", node)
    return [options.get(n) for n in names], options


def _prepare(lw, name, operands, node, call):
    """(compute dtype, result values of ``call`` on stand-ins) after NumPy's checks; raises
    Unsupported where LAPACK cannot be reached."""
    from ..build.blas import lapack_missing
    with numpy_semantics():
        sample = call(*[stand_in(x, 1, python_scalars=False) for x in operands])
    for x in operands:
        if isinstance(x, Node) and x.weak:
            raise lw.unsupported(f"np.linalg.{name} of a Python scalar", node)
    a = operands[0]
    if not isinstance(a, Node):
        raise lw.unsupported(f"np.linalg.{name} of a {type(a).__name__}", node)
    complex_ = any(np.dtype(getattr(x, "dtype", float)).kind == "c" for x in operands)
    work = np.dtype(np.complex128 if complex_ else np.float64)
    routines = [p + r for r in _ROUTINES[name].split() for p in "dz"
                if (p == "z") == complex_ and not (r == "heevd" and p == "d") and not (r == "syevd" and p == "z")
                and not (r == "orgqr" and p == "z") and not (r == "ungqr" and p == "d")]
    why = lapack_missing(routines)
    if why:
        raise lw.unsupported(f"np.linalg.{name} (LAPACK unreachable: {why})", node)
    _square(lw, a)
    return work, sample


def _square(lw, a):
    m, n = a.shape[-2], a.shape[-1]
    if isinstance(m, int) and isinstance(n, int):
        if m != n:
            with numpy_semantics():
                raise np.linalg.LinAlgError(SQUARE)
        return
    same_size(lw, m, n, SQUARE, (), error="LinAlgError")


def _node(lw, routine, a, b, dtype, shape, result_dtype, lower=True):
    value = interned(lw, Lapack(a=a, b=b, routine=routine, lower=lower, dtype=dtype, shape=tuple(shape)))
    return cast_to(lw, value, result_dtype)


def packed(lw, routine, a, b, work, rows, cols, lower=True):
    """The one Lapack node computing every result of ``routine`` on ``a`` (and ``b``): a
    (rows, cols) matrix per matrix of a's batch dims (lstsq: a is 2-d)."""
    shape = a.shape[:-2] + (rows, cols)
    return interned(lw, Lapack(a=a, b=b, routine=routine, lower=lower, dtype=work, shape=shape))


def piece(lw, node, name, rows, cols, dtype):
    """Result ``name`` of a ``packed`` node, cast to ``dtype``: the ``rows`` x ``cols`` block
    from where Lapack.parts says it starts; ``rows`` None: part of a row (a 1-d result),
    ``cols`` None: part of a column (1-d), both None: one element (0-d)."""
    nb = node.ndim - 2
    row, col = node.parts()[name]
    axes = tuple((d, 0, 1) for d in range(nb))
    fixed = ()
    for dim, start, size in ((nb, row, rows), (nb + 1, col, cols)):
        if size is None:
            fixed += ((dim, start),)
        else:
            axes += ((dim, start, 1),)
    shape = node.shape[:nb] + tuple(d for d in (rows, cols) if d is not None)
    view = interned(lw, View(arg=node, axes=axes, fixed=fixed, dtype=node.dtype, shape=shape))
    # a real result (s, w, sums, rank) of a complex block: a cast keeps the real parts (a
    # value of its own that the function may write, not a .real view of the block)
    return cast_to(lw, view, dtype)


@register(np.linalg.inv)
def _inv(lw, args, kwargs, node):
    (a,), _ = _options(lw, "inv", args, kwargs, ("a",), node)
    if not isinstance(a, Node):
        with numpy_semantics():
            return np.linalg.inv(a)
    work, sample = _prepare(lw, "inv", [a], node, np.linalg.inv)
    a = cast_to(lw, a, work)
    return _node(lw, "inv", a, a, work, a.shape, sample.dtype)


@register(np.linalg.det)
def _det(lw, args, kwargs, node):
    (a,), _ = _options(lw, "det", args, kwargs, ("a",), node)
    if not isinstance(a, Node):
        with numpy_semantics():
            return np.linalg.det(a)
    work, sample = _prepare(lw, "det", [a], node, np.linalg.det)
    a = cast_to(lw, a, work)
    dtype = np.asarray(sample).dtype
    return _node(lw, "det", a, a, work, a.shape[:-2], dtype)


@register(np.linalg.cholesky)
def _cholesky(lw, args, kwargs, node):
    (a, upper), _ = _options(lw, "cholesky", args, kwargs, ("a", "upper"), node)
    if not isinstance(a, Node):
        with numpy_semantics():
            return np.linalg.cholesky(a, upper=bool(upper))
    if upper:
        raise lw.unsupported("np.linalg.cholesky(..., upper=True)", node)
    work, sample = _prepare(lw, "cholesky", [a], node, np.linalg.cholesky)
    a = cast_to(lw, a, work)
    return _node(lw, "cholesky", a, a, work, a.shape, sample.dtype)


@register(np.linalg.solve)
def _solve(lw, args, kwargs, node):
    (a, b), _ = _options(lw, "solve", args, kwargs, ("a", "b"), node)
    if not isinstance(a, Node) and not isinstance(b, Node):
        with numpy_semantics():
            return np.linalg.solve(a, b)
    if not isinstance(b, Node):
        raise lw.unsupported(f"np.linalg.solve with a {type(b).__name__} right-hand side", node)
    work, sample = _prepare(lw, "solve", [a, b], node, np.linalg.solve)
    n = a.shape[-1]
    if b.ndim == 1:
        same_size(lw, b.shape[0], n, _SOLVE1)
        shape = a.shape[:-1]
    else:
        same_size(lw, b.shape[-2], n, _SOLVE)
        with numpy_semantics():
            batch = infer.broadcast_shapes([a.shape[:-2], b.shape[:-2]], lw.state.checks)
        shape = batch + (n, b.shape[-1])
    a, b = cast_to(lw, a, work), cast_to(lw, b, work)
    return _node(lw, "solve", a, b, work, shape, sample.dtype)


def _uplo(lw, name, uplo, node):
    if uplo not in ("L", "U"):
        if isinstance(uplo, Node):
            raise lw.unsupported(f"np.linalg.{name} with a run-time UPLO", node)
        with numpy_semantics():
            raise ValueError("UPLO argument must be 'L' or 'U'")
    return uplo == "L"


def _hermitian(lw, name, numpy_fn, args, kwargs, node):
    """(a cast to its LAPACK dtype, lower, work dtype, NumPy's result on a sample), or
    NumPy's own result for a static ``a``: eigh and eigvalsh take (a, UPLO)."""
    (a, uplo), _ = _options(lw, name, args, kwargs, ("a", "UPLO"), node)
    uplo = "L" if uplo is None else uplo
    if not isinstance(a, Node):
        with numpy_semantics():
            return numpy_fn(a, uplo)
    lower = _uplo(lw, name, uplo, node)
    work, sample = _prepare(lw, name, [a], node, numpy_fn)
    return cast_to(lw, a, work), lower, work, sample


@register(np.linalg.eigvalsh)
def _eigvalsh(lw, args, kwargs, node):
    prepared = _hermitian(lw, "eigvalsh", np.linalg.eigvalsh, args, kwargs, node)
    if type(prepared) is not tuple:       # NumPy's result for a static matrix
        return prepared
    a, lower, work, sample = prepared
    return _node(lw, "eigvalsh", a, a, np.dtype(np.float64), a.shape[:-1], sample.dtype, lower)


@register(np.linalg.eigh)
def _eigh(lw, args, kwargs, node):
    prepared = _hermitian(lw, "eigh", np.linalg.eigh, args, kwargs, node)
    if type(prepared) is not tuple:       # NumPy's EighResult of a static matrix
        return prepared
    a, lower, work, sample = prepared
    n = a.shape[-1]
    both = packed(lw, "eigh", a, a, work, dim_add(n, 1), n, lower)
    return type(sample)(piece(lw, both, "w", None, n, sample[0].dtype),
                        piece(lw, both, "v", n, n, sample[1].dtype))


@register(np.linalg.qr)
def _qr(lw, args, kwargs, node):
    (a, mode), _ = _options(lw, "qr", args, kwargs, ("a", "mode"), node)
    mode = "reduced" if mode is None else mode
    if not isinstance(a, Node):
        with numpy_semantics():
            return np.linalg.qr(a, mode)
    if isinstance(mode, Node) or mode not in ("reduced", "complete", "r", "raw"):
        with numpy_semantics():
            np.linalg.qr(np.ones((1, 1)), mode)      # NumPy's error for a bad mode
        raise lw.unsupported(f"np.linalg.qr(..., mode={mode!r})", node)
    with numpy_semantics():
        sample = np.linalg.qr(stand_in(a, 1, python_scalars=False), mode)
    from ..build.blas import lapack_missing
    complex_ = a.dtype.kind == "c"
    why = lapack_missing(["zgeqrf", "zungqr"] if complex_ else ["dgeqrf", "dorgqr"])
    if why:
        raise lw.unsupported(f"np.linalg.qr (LAPACK unreachable: {why})", node)
    work = np.dtype(np.complex128 if complex_ else np.float64)
    a = cast_to(lw, a, work)
    m, n = a.shape[-2], a.shape[-1]
    k = dim_min(m, n)
    batch = a.shape[:-2]
    if mode == "r":             # R alone: triu of the factored matrix's first min(m, n) rows
        return _node(lw, "qr_r", a, a, work, batch + (k, n), sample.dtype)
    if mode == "raw":           # (h, tau): geqrf's matrix transposed, its reflector scales
        both = packed(lw, "qr_raw", a, a, work, dim_add(n, 1), m)
        return piece(lw, both, "h", n, m, sample[0].dtype), piece(lw, both, "tau", None, k, sample[1].dtype)
    if mode == "complete":      # Q is m x m and R m x n whichever of m, n is larger
        both = packed(lw, "qr_complete", a, a, work, m, dim_add(m, n))
        return type(sample)(piece(lw, both, "q", m, m, sample[0].dtype), piece(lw, both, "r", m, n, sample[1].dtype))
    both = packed(lw, "qr", a, a, work, dim_add(m, k), n)
    return type(sample)(piece(lw, both, "q", m, k, sample[0].dtype), piece(lw, both, "r", k, n, sample[1].dtype))

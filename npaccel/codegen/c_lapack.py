"""C for np.linalg library kernels: a ``Lapack`` node becomes one call of
``npa_lapack_<routine>_<f64|c128>`` (runtime_c/npaccel_lapack.h) per matrix of its batch
dims, in order (LAPACK runs each call on the BLAS's threads), with pointers and element
strides read from the operands' buffers; the helper copies each matrix into a Fortran-order
workspace, as NumPy's umath_linalg does, so views and transposes need no copy here.

>>> import numpy as np
>>> from npaccel.ir.nodes import Graph, Lapack, Param
>>> from npaccel.passes.plan import Plan, run_pipeline
>>> from npaccel.codegen.c_source import CSourceGenerator
>>> f8 = np.dtype("float64")
>>> a = Param(index=0, name="a", dtype=f8, shape=(3, 3))
>>> node = Lapack(a=a, b=a, routine="inv", dtype=f8, shape=(3, 3))
>>> source, _ = CSourceGenerator(run_pipeline(Plan(graph=Graph(params=(a,), outputs=(node,))))).generate()
>>> print([line.strip() for line in source.splitlines() if "npa_lapack_" in line][0])
const int npa_rc = npa_lapack_solve_f64((3), (3), a0 + (0), (3), (1), NULL, 0, 0, o0 + (0), (3), (1));
"""
from __future__ import annotations

from ..ir.dims import render_c

# result dims per matrix (the rest are batch dims)
_CORE = {"solve": None, "inv": 2, "det": 0, "cholesky": 2, "eigvalsh": 1, "eigh_w": 1, "eigh_v": 2,
         "qr_q": 2, "qr_r": 2}


def _batch(strides, ndim, core, nb):
    """An operand's strides along the result's ``nb`` batch dims (aligned right; "0": broadcast)."""
    lead = ndim - core
    return [strides[j - (nb - lead)] if j - (nb - lead) >= 0 else "0" for j in range(nb)]


def lapack_lines(gen, node, dest, label):
    """C statements computing Lapack ``node`` into ``dest`` (a Buffer)."""
    from .c_library import strided
    sfx = {"float64": "f64", "complex128": "c128"}[node.a.dtype.name]
    a, b = node.a, node.b
    sa = strided(gen, a)
    sb = strided(gen, b) if b is not a else sa
    if sa is None or sb is None:
        raise NotImplementedError("a linalg operand without a buffer")
    (pa, st_a), (pb, st_b) = sa, sb
    out = ["0" if n == 1 else s for s, n in zip(dest.strides, node.shape)]
    routine = node.routine
    b_core = (1 if b.ndim == 1 else 2) if routine == "solve" else 2
    core = b_core if routine == "solve" else _CORE[routine]
    nb = node.ndim - core
    dim = lambda d: f"({render_c(d)})"      # noqa: E731
    m, n = dim(a.shape[-2]), dim(a.shape[-1])
    bdims = [dim(node.shape[j]) for j in range(nb)]
    offsets = []
    for strides, ndim, c in ((st_a, a.ndim, 2), (st_b, b.ndim, b_core), (out, node.ndim, core)):
        per = _batch(strides, ndim, c, nb)
        offsets.append(" + ".join(f"npa_j{j} * {per[j]}" for j in range(nb) if per[j] != "0") or "0")
    A = f"{pa} + ({offsets[0]}), {st_a[-2]}, {st_a[-1]}"
    O = f"{dest.name} + ({offsets[2]})"
    if routine == "solve":
        k = dim(b.shape[-1]) if b_core == 2 else "1"
        sb0, sb1 = (st_b[-2], st_b[-1]) if b_core == 2 else (st_b[-1], "0")
        so0, so1 = (out[-2], out[-1]) if b_core == 2 else (out[-1], "0")
        call = f"npa_lapack_solve_{sfx}({m}, {k}, {A}, {pb} + ({offsets[1]}), {sb0}, {sb1}, {O}, {so0}, {so1})"
    elif routine == "inv":
        call = f"npa_lapack_solve_{sfx}({m}, {m}, {A}, NULL, 0, 0, {O}, {out[-2]}, {out[-1]})"
    elif routine == "det":
        call = f"npa_lapack_det_{sfx}({m}, {A}, {O})"
    elif routine == "cholesky":
        call = f"npa_lapack_cholesky_{sfx}({m}, {A}, {O}, {out[-2]}, {out[-1]})"
    elif routine in ("eigvalsh", "eigh_w", "eigh_v"):
        vectors = int(routine != "eigvalsh")
        w, v = (f"{O}, {out[-1]}", "NULL, 0, 0") if routine != "eigh_v" else \
            ("NULL, 0", f"{O}, {out[-2]}, {out[-1]}")
        call = f"npa_lapack_eigh_{sfx}({vectors}, {int(node.lower)}, {m}, {A}, {w}, {v})"
    else:   # qr_q, qr_r
        call = f"npa_lapack_qr_{sfx}({int(routine == 'qr_r')}, {m}, {n}, {A}, {O}, {out[-2]}, {out[-1]})"
    lines = [f"/* {label}: linalg.{routine} {node.dtype}{list(node.shape)} (LAPACK, npaccel_lapack.h) */", "{"]
    for j in range(nb):
        lines.append("    " * (j + 1) + f"for (int64_t npa_j{j} = 0; npa_j{j} < {bdims[j]}; npa_j{j}++) {{")
    ind = "    " * (nb + 1)
    lines += [f"{ind}const int npa_rc = {call};", f"{ind}if (npa_rc && !npa_err) npa_err = npa_rc;"]
    for j in reversed(range(nb)):
        lines.append("    " * (j + 1) + "}")
    return lines + ["}"]

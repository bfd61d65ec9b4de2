"""C for np.linalg library kernels: a ``Lapack`` node becomes one call of
``npa_lapack_<routine>_<f64|c128>`` (runtime_c/npaccel_lapack.h) per matrix of its batch
dims, in order (LAPACK runs each call on the BLAS's threads), with pointers and element
strides read from the operands' buffers; the helper copies each matrix into a Fortran-order
workspace, as NumPy's umath_linalg does, so views and transposes need no copy here. A
routine with several results (eigh, qr, svd, lstsq: ``PACKED``) is one call that writes
each result into its block of the node's matrix (Lapack.parts), given a pointer to the
block's first element and the matrix's strides (a vector: the stride along it).

>>> import numpy as np
>>> from npaccel.ir.nodes import Graph, Lapack, Param
>>> from npaccel.passes.records import Plan
>>> from npaccel.passes.pipeline import run_pipeline
>>> from npaccel.codegen.c_source import CSourceGenerator
>>> f8 = np.dtype("float64")
>>> a = Param(index=0, name="a", dtype=f8, shape=(3, 3))
>>> node = Lapack(a=a, b=a, routine="inv", dtype=f8, shape=(3, 3))
>>> source, _ = CSourceGenerator(run_pipeline(Plan(graph=Graph(params=(a,), outputs=(node,))))).generate()
>>> print([line.strip() for line in source.splitlines() if "npa_lapack_" in line][0])
const int npa_rc = npa_lapack_solve_f64((3), (3), a0 + (0), (3), (1), NULL, 0, 0, o0 + (0), (3), (1));
"""
from __future__ import annotations

import math

from ..ir.dims import render_c
from .c_kernel import strided

# result dims per matrix (the rest are batch dims); None: solve's, b's
_CORE = {"solve": None, "inv": 2, "det": 0, "cholesky": 2, "eigvalsh": 1, "qr_r": 2}
# routines computing every result at once, into blocks of one matrix (Lapack.parts)
PACKED = ("eigh", "qr", "qr_complete", "qr_raw", "svd_N", "svd_S", "svd_A", "lstsq")


def _batch(strides, ndim, core, nb):
    """An operand's strides along the result's ``nb`` batch dims (aligned right; "0": broadcast)."""
    lead = ndim - core
    return [strides[j - (nb - lead)] if j - (nb - lead) >= 0 else "0" for j in range(nb)]


def lapack_lines(gen, node, dest, label):
    """C statements computing Lapack ``node`` into ``dest`` (a Buffer)."""
    sfx = {"float64": "f64", "complex128": "c128"}[node.a.dtype.name]
    a, b = node.a, node.b
    sa = strided(gen, a)
    sb = strided(gen, b) if b is not a else sa
    if sa is None or sb is None:
        raise NotImplementedError("a linalg operand without a buffer")
    (pa, st_a), (pb, st_b) = sa, sb
    out = ["0" if n == 1 else s for s, n in zip(dest.strides, node.shape)]
    routine, _, rcond = node.routine.partition(":")     # lstsq: "lstsq:<rcond or auto>"
    b_core = (1 if b.ndim == 1 else 2) if routine in ("solve", "lstsq") else 2
    core = 2 if routine in PACKED else b_core if _CORE[routine] is None else _CORE[routine]
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
    if routine in PACKED:       # each result: a pointer to its first element, the strides
        starts = node.parts()
        rs, cs = out[-2], out[-1]

        def first(part):
            offset = [f"{dim(i)} * {st}" for i, st in zip(starts[part], (rs, cs)) if i != 0 and st != "0"]
            return " + ".join([O] + offset)

        def at(part, along=None):       # a matrix's pointer and strides; a vector's ("row", "col")
            return f"{first(part)}, {rs}, {cs}" if along is None else f"{first(part)}, {cs if along == 'row' else rs}"
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
    elif routine == "eigvalsh":
        call = f"npa_lapack_eigh_{sfx}(0, {int(node.lower)}, {m}, {A}, {O}, {out[-1]}, 0, NULL, 0, 0)"
    elif routine == "eigh":     # w in the block's type (its real parts, for complex)
        call = f"npa_lapack_eigh_{sfx}(1, {int(node.lower)}, {m}, {A}, {at('w', 'row')}, 1, {at('v')})"
    elif routine == "qr_r":
        call = f"npa_lapack_qr_{sfx}({m}, {n}, {A}, NULL, 0, 0, {O}, {out[-2]}, {out[-1]})"
    elif routine == "qr":
        call = f"npa_lapack_qr_{sfx}({m}, {n}, {A}, {at('q')}, {at('r')})"
    elif routine == "qr_complete":
        call = f"npa_lapack_qrx_{sfx}({m}, {n}, {A}, {at('q')}, {at('r')}, NULL, 0, 0, NULL, 0)"
    elif routine == "qr_raw":
        call = f"npa_lapack_qrx_{sfx}({m}, {n}, {A}, NULL, 0, 0, NULL, 0, 0, {at('h')}, {at('tau', 'row')})"
    elif routine.startswith("svd_"):
        u, v = (at("u"), at("vh")) if routine != "svd_N" else ("NULL, 0, 0", "NULL, 0, 0")
        call = f"npa_lapack_svd_{sfx}('{routine[4]}', {m}, {n}, {A}, {u}, {at('s', 'row')}, {v})"
    else:   # lstsq: a 2-d a, b 2-d (m x k) or 1-d (m)
        k = dim(b.shape[-1]) if b.ndim == 2 else "1"
        sb0, sb1 = (st_b[-2], st_b[-1]) if b.ndim == 2 else (st_b[-1], "0")
        if rcond == "auto":     # NumPy: finfo(float64).eps * max(n, m)
            rcond = f"2.220446049250313e-16 * (double)({m} > {n} ? {m} : {n})"
        else:                   # a float known when compiling, written exactly
            v = float(rcond)
            rcond = float.hex(v) if math.isfinite(v) else "NAN" if v != v else "INFINITY" if v > 0 else "-INFINITY"
        call = (f"npa_lapack_lstsq_{sfx}({m}, {n}, {k}, {A}, {pb} + ({offsets[1]}), {sb0}, {sb1}, {rcond}, "
                f"{at('x')}, {at('sums', 'col')}, {first('rank')}, {at('s', 'col')})")
    lines = [f"/* {label}: linalg.{routine} {node.dtype}{list(node.shape)} (LAPACK, npaccel_lapack.h) */", "{"]
    for j in range(nb):
        lines.append("    " * (j + 1) + f"for (int64_t npa_j{j} = 0; npa_j{j} < {bdims[j]}; npa_j{j}++) {{")
    ind = "    " * (nb + 1)
    lines += [f"{ind}const int npa_rc = {call};", f"{ind}if (npa_rc && !npa_err) npa_err = npa_rc;"]
    for j in reversed(range(nb)):
        lines.append("    " * (j + 1) + "}")
    return lines + ["}"]

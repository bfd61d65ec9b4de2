"""CUDA host code for library kernels: a MatMul becomes calls of ``npa_cuda_matmul``
(runtime_c/npaccel_cuda_blas.h), one per product of the outer batch dims, the innermost
batch dim going to cuBLAS's strided-batched gemm in one call (attention's heads: one call).
Pointers and strides come from the operands' buffers as in the C backend (c_library.py's
ProductLayout): transposes are cuBLAS trans flags, nothing is copied here.

float32/float64 use cuBLAS when the runtime registered it; other dtypes (and operands
cuBLAS cannot address: negative or zero strides) run npaccel's product kernel with NumPy's
non-BLAS semantics.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param, MatMul, Graph
>>> from npaccel.passes.records import Plan
>>> from npaccel.passes.pipeline import run_pipeline
>>> from npaccel.codegen.cuda_source import generate_cuda
>>> f4 = np.dtype("float32")
>>> a = Param(index=0, name="a", dtype=f4, shape=(5, 2, 3))
>>> b = Param(index=1, name="b", dtype=f4, shape=(3, 4))
>>> source, _ = generate_cuda(run_pipeline(Plan(graph=Graph(params=(a, b), outputs=(MatMul(a=a, b=b, dtype=f4, shape=(5, 2, 4)),)))))
>>> print([line.strip() for line in source.splitlines() if "npa_cuda_matmul<" in line][0])
const int npa_rc = npa_cuda_matmul<npa_mm_float<float, float>>((5), (2), (4), (3), a0 + (0), (6), (3), (1), a1 + (0), 0, (4), (1), o0 + (0), (8), (4), (1));
"""
from __future__ import annotations

from .c_library import ProductLayout
from ..ir.nodes import MatMul

# the multiply-add of npa_matmul_kernel per result dtype (npaccel_cuda_blas.h)
_OPS = {"float64": "npa_mm_float<double, double>", "float32": "npa_mm_float<float, float>",
        "float16": "npa_mm_float<npa_half, float>", "bool": "npa_mm_bool"}
_OPS.update({t: f"npa_mm_int<{t}_t>" for t in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")})


def cuda_matmul_lines(gen, node, dest, label):
    """Host lines computing MatMul ``node`` into ``dest`` (a C-contiguous device Buffer)."""
    op = _OPS.get(node.dtype.name) if type(node) is MatMul else None
    if op is None:       # (np.linalg's Lapack nodes: the CPU only)
        raise NotImplementedError(f"matrix product of {node.dtype}")
    gen.uses_products = True
    p = ProductLayout(gen, node, dest)
    nb = p.nb
    outer = range(nb - 1)                 # host loops; the innermost batch dim is cuBLAS's batch
    count, sab, sbb, scb = (p.bdims[-1], p.batch_a[-1], p.batch_b[-1], p.batch_c[-1]) if nb else ("1", "0", "0", "0")
    off_a, off_b, off_c = (ProductLayout.offset(st, outer) for st in (p.batch_a, p.batch_b, p.batch_c))
    what = "cuBLAS or npaccel's kernel" if node.dtype.name in ("float32", "float64") else "npaccel's kernel"
    lines = [f"/* {label}: matrix product {node.dtype}{list(node.shape)} ({what}, npaccel_cuda_blas.h) */", "{"]
    for j in outer:
        lines.append("    " * (j + 1) + f"for (int64_t npa_j{j} = 0; npa_j{j} < {p.bdims[j]}; npa_j{j}++) {{")
    ind = "    " * (len(outer) + 1)
    args = (f"{count}, {p.mnk}, {p.pa} + ({off_a}), {sab}, {p.sam}, {p.sak}, {p.pb} + ({off_b}), {sbb}, {p.sbk}, "
            f"{p.sbn}, {dest.name} + ({off_c}), {scb}, {p.scm}, {p.scn}")
    lines += [f"{ind}if (npa_ce == cudaSuccess && !npa_err) {{",
              f"{ind}    const int npa_rc = npa_cuda_matmul<{op}>({args});",
              f"{ind}    if (npa_rc) npa_err = npa_rc;",
              f"{ind}}}"]
    lines += ["    " * (j + 1) + "}" for j in reversed(outer)]
    return lines + ["}"] + gen.after_host_error()

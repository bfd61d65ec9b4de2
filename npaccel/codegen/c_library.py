"""C for library kernels: a MatMul becomes calls of ``npa_matmul_<type>`` (npaccel_blas.h),
one per product of the broadcast batch, with pointers and element strides read straight
from the operands' buffers (views, transposes included: no copy is made here; the helper
packs what a BLAS cannot address and maps transposes to its trans flags).

A batch of small products runs its products in parallel, each on one thread (the BLAS
set to one thread around the batch: it would run a product this small on one thread
anyway); large products run one after another, each on all threads of the BLAS.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param, MatMul
>>> from npaccel.passes.records import Plan
>>> from npaccel.passes.pipeline import run_pipeline
>>> from npaccel.ir.nodes import Graph
>>> from npaccel.codegen.c_source import CSourceGenerator
>>> f8 = np.dtype("float64")
>>> a = Param(index=0, name="a", dtype=f8, shape=(2, 3))
>>> b = Param(index=1, name="b", dtype=f8, shape=(3,))
>>> m = MatMul(a=a, b=b, dtype=f8, shape=(2,))
>>> source, _ = CSourceGenerator(run_pipeline(Plan(graph=Graph(params=(a, b), outputs=(m,))))).generate()
>>> print([line.strip() for line in source.splitlines() if "npa_matmul_" in line][0])
const int npa_rc = npa_matmul_f64(npa_nt, (2), (1), (3), a0, (3), (1), a1, (1), 0, o0, (1), 0);
"""
from __future__ import annotations

from ..ir.dims import render_c
from ..ir.nodes import Lapack, MatMul, Reduce, View, topo_order
from ..ir.checks import dim_canonicaliser
from ..passes.plan import kernel_reads
from ..passes.records import Kernel, KernelKind
from .c_parallel import omp, serial_or_parallel
from .c_kernel import Buffer, strided
from .c_lapack import lapack_lines

SUFFIX = {"float64": "f64", "float32": "f32", "float16": "f16", "bool": "b", "int8": "i8", "int16": "i16",
          "int32": "i32", "int64": "i64", "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
          "complex64": "c64", "complex128": "c128"}
_BLAS = ("f32", "f64", "c64", "c128")      # helpers that call the BLAS (cgemm/zgemm for complex)
# per-product multiply-adds below which a batch runs its products in parallel, each serial
# (OpenBLAS itself uses one thread for a gemm below 65536 * GEMM_MULTITHREAD_THRESHOLD (4))
BATCH_PARALLEL_MAX = 262144


def library_kernel(gen, k, number, product_lines=None):
    """A MatMul into its buffer; or (stores: product, value) an elementwise value over a
    product (plan.py, epilogues_in_place): the product into the value's buffer, then the
    value's loop there. ``product_lines``: the target's matmul_lines (the CUDA backend's
    calls cuBLAS)."""
    product_lines = product_lines or matmul_lines
    node = k.stores[-1]
    dest = gen.out_buffers.get(node) if hasattr(gen, "out_buffers") else None
    dest = dest or gen.buffers[node]
    if len(k.stores) == 1:
        return product_lines(gen, node, dest, f"kernel {number}")
    product = k.stores[0]
    lines = product_lines(gen, product, dest, f"kernel {number}")
    gen.buffers[product] = Buffer(dest.name, product, dest.strides)
    return lines + gen.elementwise_loop(node.shape, [(node, dest)], _flat(gen, node, product),
                                        f"kernel {number}, in place over the product")


def _flat(gen, node, product):
    """schedule_loops' rule, with the product read where the value is written."""
    find = dim_canonicaliser(gen.plan.equal_dims)
    shape = tuple(find(d) for d in node.shape)
    # (what the value's expression reads from memory is materialised: any plan's nodes
    # will do, the product's buffer is read at the loop index)
    materialised = {n for n in topo_order([node]) if isinstance(n, (Reduce, MatMul))}
    leaves = kernel_reads(Kernel(KernelKind.ELEMENTWISE, node.shape, (node,)), materialised | {product})
    return len(shape) >= 1 and all(
        leaf.ndim == 0 or (tuple(find(d) for d in leaf.shape) == shape and not isinstance(leaf, View)
                           and getattr(leaf, "contiguous", True)) for leaf in leaves)


class ProductLayout:
    """How a MatMul's operands and result lie in memory: C text for the pointers, the sizes
    M, N, K, the matrix strides, and per batch dim of the result (``nb`` of them, sizes
    ``bdims``) each operand's batch stride ("0": broadcast)."""

    def __init__(self, gen, node, dest):
        a, b = node.a, node.b
        sa, sb = strided(gen, a), strided(gen, b)
        if sa is None or sb is None:
            raise NotImplementedError("a matrix product operand without a buffer")
        (self.pa, st_a), (self.pb, st_b) = sa, sb
        a2, b2 = a.ndim >= 2, b.ndim >= 2
        self.dims = {"M": a.shape[-2] if a2 else 1, "N": b.shape[-1] if b2 else 1, "K": a.shape[-1]}
        self.mnk = ", ".join(f"({render_c(self.dims[x])})" for x in "MNK")
        self.sam, self.sak = (st_a[-2] if a2 else "0"), st_a[-1]
        self.sbk, self.sbn = (st_b[-2], st_b[-1]) if b2 else (st_b[0], "0")
        self.nb = nb = node.ndim - int(a2) - int(b2)
        out_strides = ["0" if n == 1 else s for s, n in zip(dest.strides, node.shape)]
        self.scm = out_strides[nb] if a2 else "0"
        self.scn = out_strides[-1] if b2 else "0"
        self.bdims = [f"({render_c(node.shape[j])})" for j in range(nb)]

        def batch_strides(strides, ndim, core):
            lead = ndim - core                # its batch dims, aligned right with the result's
            return [strides[j - (nb - lead)] if j - (nb - lead) >= 0 else "0" for j in range(nb)]
        self.batch_a = batch_strides(st_a, a.ndim, 2 if a2 else 1)
        self.batch_b = batch_strides(st_b, b.ndim, 2 if b2 else 1)
        self.batch_c = out_strides[:nb]

    @staticmethod
    def offset(strides, dims):
        """Offset of batch element (npa_j<d> for d in dims) along batch ``strides``."""
        return " + ".join(f"npa_j{j} * {strides[j]}" for j in dims if strides[j] != "0") or "0"


def matmul_lines(gen, node, dest, label):
    """C statements computing MatMul ``node`` into ``dest`` (a Buffer, C-contiguous); an
    np.linalg routine (a Lapack node) through c_lapack.py."""
    if isinstance(node, Lapack):
        return lapack_lines(gen, node, dest, label)
    sfx = SUFFIX.get(node.dtype.name)
    if sfx is None:
        raise NotImplementedError(f"matrix product of {node.dtype}")
    p = ProductLayout(gen, node, dest)
    pa, pb, mnk, dims, nb = p.pa, p.pb, p.mnk, p.dims, p.nb
    sam, sak, sbk, sbn, scm, scn = p.sam, p.sak, p.sbk, p.sbn, p.scm, p.scn
    what = "BLAS gemm/gemv/dot" if sfx in _BLAS else "npaccel loop"
    lines = [f"/* {label}: matrix product {node.dtype}{list(node.shape)} ({what}, npaccel_blas.h) */", "{"]
    if nb == 0:
        call = f"npa_matmul_{sfx}(npa_nt, {mnk}, {pa}, {sam}, {sak}, {pb}, {sbk}, {sbn}, {dest.name}, {scm}, {scn})"
        lines += [f"    const int npa_rc = {call};", "    if (npa_rc) npa_err = npa_rc;", "}"]
        return lines
    every = range(nb)
    off_a, off_b, off_c = (p.offset(st, every) for st in (p.batch_a, p.batch_b, p.batch_c))
    bdims = p.bdims
    per = f"(double)({render_c(dims['M'])}) * ({render_c(dims['N'])}) * ({render_c(dims['K'])})"
    lines.append(f"    const double npa_per = {per};")
    lines.append(f"    const int64_t npa_nb = {' * '.join(bdims)};")
    lines.append(f"    const int npa_par = npa_nt > 1 && npa_nb > 1 && npa_per < {BATCH_PARALLEL_MAX} "
                 f"&& npa_per * npa_nb > NPA_MATMUL_PARALLEL_MIN;")
    blas = sfx in _BLAS
    if blas:
        lines.append("    const int npa_before = npa_par ? npa_blas_threads_begin(1) : 0;")
    collapse = f" collapse({nb})" if nb > 1 else ""
    args = (f"{mnk}, {pa} + ({off_a}), {sam}, {sak}, {pb} + ({off_b}), {sbk}, {sbn}, "
            f"{dest.name} + ({off_c}), {scm}, {scn}")

    def batch(parallel):    # the products in parallel, each on one thread; or one after another
        out = omp(parallel, f"#pragma omp parallel for{collapse} num_threads(npa_nt) schedule(static)")
        out += ["    " * j + f"for (int64_t npa_j{j} = 0; npa_j{j} < {bdims[j]}; npa_j{j}++) {{" for j in range(nb)]
        ind = "    " * nb
        out += [f"{ind}const int npa_rc = npa_matmul_{sfx}({'1' if parallel else 'npa_nt'}, {args});",
                f"{ind}if (npa_rc) {{"] + omp(parallel, f"{ind}    #pragma omp atomic write") + \
               [f"{ind}    npa_err = npa_rc;", f"{ind}}}"]
        return out + ["    " * j + "}" for j in reversed(range(nb))]

    lines += ["    " + x for x in serial_or_parallel("npa_par", batch)]
    if blas:
        lines.append("    if (npa_par) npa_blas_threads_end(1, npa_before);")
    lines.append("}")
    return lines

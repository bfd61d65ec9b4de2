"""Two matrix-vector products over one matrix, fused into one sweep of its rows.

Gradient steps of linear models do ``z = X @ w`` and then ``g = X.T @ f(z)`` with ``f``
elementwise (logistic regression: ``X.T @ (sigmoid(X @ w) - y)``). As two BLAS calls they
read X twice; both are memory-bound matrix-vector products, so that is twice the time.
Row i of the second product only needs z[i], which the first computes from row i: one
sweep can do both while row i is in cache (z[i] = X[i] . w; e = f(z)[i]; g += e * X[i],
into a private row of partial sums per thread, combined in thread order).

The statement writer (c_statements.py) looks for the pattern in a block of statements:
``store P <- X @ w``, optional slot picks, ``store Q <- X.T @ e`` where e is elementwise
over the rows and reads P only at its own row. Sums run in the products' dtype, as BLAS's
do, in another order (within the reduction tolerance the tests document).
"""
from __future__ import annotations

from ..ir import program as P
from ..ir.dims import render_c
from ..ir.nodes import ArrayVar, Const, DimValue, Elementwise, MatMul, Param, ScalarParam, ScalarVar, Storage, View
from .c_renderer import C
from .c_parallel import by_size, omp
from .c_kernel import FLAT, PARALLEL_MIN_ELEMENTS

_BUFFERS = (ArrayVar, Storage)


def _whole_buffer(node) -> bool:
    return isinstance(node, _BUFFERS) or (isinstance(node, Param) and node.contiguous)


def _row_local(e, p, rows, find) -> bool:
    """Is ``e`` elementwise over ``rows``, reading arrays (``p`` among them) at its own index?"""
    stack, seen = [e], set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if x.ndim == 0 and isinstance(x, (Const, ScalarParam, ScalarVar, DimValue)):
            continue
        if x.ndim != 1 or find(x.shape[0]) != find(rows):
            return False
        if x is p or _whole_buffer(x):
            continue
        if not isinstance(x, Elementwise):
            return False
        stack.extend(x.args)
    return True


def find_pair(stmts, i, find):
    """(first store, slot picks, second store, index after them) starting at ``i``, or None."""
    s1 = stmts[i]
    if not (isinstance(s1, P.Store) and type(s1.value) is MatMul and isinstance(s1.target, _BUFFERS)):
        return None
    m1 = s1.value
    x, w = m1.a, m1.b
    if not (x.ndim == 2 and w.ndim == 1 and m1.dtype.kind == "f" and m1.dtype.itemsize >= 4 and
            x.dtype == w.dtype == m1.dtype and _whole_buffer(x) and _whole_buffer(w)):
        return None
    j, picks = i + 1, []
    while j < len(stmts) and isinstance(stmts[j], P.PickSlot):
        picks.append(stmts[j])
        j += 1
    if j == len(stmts):
        return None
    s2 = stmts[j]
    if not (isinstance(s2, P.Store) and type(s2.value) is MatMul and isinstance(s2.target, _BUFFERS)):
        return None
    t, e = s2.value.a, s2.value.b
    transposed = isinstance(t, View) and t.arg is x and t.fixed == () and t.axes == ((1, 0, 1), (0, 0, 1))
    q = s2.target
    if not (transposed and e.ndim == 1 and e.dtype == m1.dtype == s2.value.dtype and
            _row_local(e, s1.target, x.shape[0], find)):
        return None
    if q is s1.target or q is w or q is x or s1.target is w or s1.target is x or \
            any(n is q for n in _leaves(e)):
        return None
    return s1, picks, s2, j + 1


def _leaves(e):
    stack, out = [e], []
    while stack:
        x = stack.pop()
        if isinstance(x, Elementwise):
            stack.extend(x.args)
        else:
            out.append(x)
    return out


def pair_lines(writer, s1, s2, label):
    """C for both stores (see the module docstring); ``writer`` is the StatementWriter."""
    gen = writer.gen
    m1, m2 = s1.value, s2.value
    x, w = m1.a, m1.b
    ct = C.ctype(m1.dtype)
    buf = writer.pointer
    kw = writer.writer_cls(gen, True)            # e at the flat row index i
    e = C.cast(kw.value(m2.b, FLAT), m2.b.dtype, m1.dtype)
    rows, cols = render_c(x.shape[0]), render_c(x.shape[1])
    body = [f"/* {label}: z = X @ w and X.T @ e(z) in one sweep over the rows of X (c_matvec.py) */", "{",
            "#define NPA_MATVEC_BLOCK 16",
            f"const int64_t npa_m = {rows}, npa_k = {cols}, npa_ld = (npa_k + 15) & ~(int64_t)15;",
            f"{ct} *npa_part = ({ct} *)npa_malloc(sizeof({ct}) * (size_t)(npa_ld > 0 ? npa_ld : 1) * (size_t)npa_nt);",
            "if (!npa_part) { npa_err = NPA_ERR_NOMEM; goto npa_done; }",
            "int npa_used = 1;"]
    # rows in blocks: the dots of a block, then e of the block as one vector loop (exp and
    # the like vectorise across rows), then the block's updates into this thread's row
    rows_loop = ["for (int64_t npa_b = 0; npa_b < npa_m; npa_b += NPA_MATVEC_BLOCK) {",
                 "    const int64_t npa_end = npa_b + NPA_MATVEC_BLOCK < npa_m ? npa_b + NPA_MATVEC_BLOCK : npa_m;",
                 f"    {ct} npa_e[NPA_MATVEC_BLOCK];",
                 "    for (int64_t i = npa_b; i < npa_end; i++) {",
                 f"        const {ct} *npa_x = {buf(x)} + i * npa_k;",
                 f"        {ct} npa_z = 0;",
                 "        #pragma omp simd reduction(+:npa_z)",
                 f"        for (int64_t j = 0; j < npa_k; j++) npa_z += npa_x[j] * {buf(w)}[j];",
                 f"        {writer.pointer(s1.target)}[i] = npa_z;",
                 "    }",
                 "    #pragma omp simd",
                 "    for (int64_t i = npa_b; i < npa_end; i++) {"]
    rows_loop += ["        " + line for line in kw.lines]
    rows_loop += [f"        npa_e[i - npa_b] = {e};",
                  "    }",
                  "    for (int64_t i = npa_b; i < npa_end; i++) {",
                  f"        const {ct} *npa_x = {buf(x)} + i * npa_k;",
                  f"        const {ct} npa_ei = npa_e[i - npa_b];",
                  "        #pragma omp simd",
                  "        for (int64_t j = 0; j < npa_k; j++) npa_row[j] += npa_x[j] * npa_ei;",
                  "    }",
                  "}"]

    def sweep(parallel):    # each thread's share of the rows (serial: all of them, as thread 0)
        return omp(parallel, "#pragma omp parallel num_threads(npa_nt)") + [
            "{",
            f"    {ct} *npa_row = npa_part{' + (int64_t)NPA_THREAD_NUM() * npa_ld' if parallel else ''};",
            "    for (int64_t j = 0; j < npa_k; j++) npa_row[j] = 0;"] + \
            omp(parallel, "    #pragma omp for schedule(static)") + ["    " + x for x in rows_loop] + \
            omp(parallel, "    if (NPA_THREAD_NUM() == 0) npa_used = NPA_NUM_THREADS();") + ["}"]

    body += by_size("npa_m * npa_k", PARALLEL_MIN_ELEMENTS, sweep)
    body += ["for (int64_t j = 0; j < npa_k; j++) {",
             f"    {ct} npa_s = 0;",
             "    for (int t = 0; t < npa_used; t++) npa_s += npa_part[(int64_t)t * npa_ld + j];",
             f"    {writer.pointer(s2.target)}[j] = npa_s;",
             "}",
             "free(npa_part);",
             "#undef NPA_MATVEC_BLOCK",
             "}"]
    return body

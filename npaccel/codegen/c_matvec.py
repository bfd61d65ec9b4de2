"""Two matrix-vector products over one matrix, fused into one sweep of its rows.

Gradient steps of linear models do ``z = X @ w`` and then ``g = X.T @ f(z)`` with ``f``
elementwise (logistic regression: ``X.T @ (sigmoid(X @ w) - y)``). As two BLAS calls they
read X twice; both are memory-bound matrix-vector products, so that is twice the time.
Row i of the second product only needs z[i], which the first computes from row i: one
sweep can do both while row i is in cache (z[i] = X[i] . w; e = f(z)[i]; g += e * X[i],
into a private row of partial sums per thread, combined in thread order).

The pass passes/program_plan.py finds the pattern (``store P <- X @ w``, ``store Q <- X.T @ e``
with e elementwise over the rows reading P only at its own row) and makes it a MatVecPair
statement, which this renders. Sums run in the products' dtype, as BLAS's do, in another
order (within the reduction tolerance the tests document).
"""
from __future__ import annotations

from ..ir.dims import render_c
from .c_renderer import C
from .c_parallel import by_size, omp
from .c_kernel import FLAT, PARALLEL_MIN_ELEMENTS


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

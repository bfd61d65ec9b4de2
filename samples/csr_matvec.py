"""Sparse matrix-vector product y = A @ x with A in CSR form (indptr, indices, data):
a loop over rows, each summing its stored entries (scientific computing, graph analytics)."""
import numpy as np

DOMAIN = "sparse linear algebra"
LIMIT = "memory: one pass over the stored entries, with gathers of x"


def csr_matvec(indptr, indices, data, x):
    n = indptr.shape[0] - 1
    y = np.zeros(n)
    for i in range(n):
        s = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        y[i] = s
    return y


def inputs(scale=1.0):
    n = max(8, int(40_000 * scale))
    per_row = 16
    rng = np.random.default_rng(47)
    counts = rng.integers(0, 2 * per_row, n)
    indptr = np.concatenate(([0], np.cumsum(counts)))
    indices = rng.integers(0, n, indptr[-1])
    data = rng.standard_normal(indptr[-1])
    x = rng.standard_normal(n)
    return indptr, indices, data, x

"""LU decomposition without pivoting (Doolittle, in place, L unit lower): scalar inner
products over triangular bounds (linear algebra; the Polybench/npbench 'lu' kernel)."""
import numpy as np

DOMAIN = "dense linear algebra"
LIMIT = "compute: n^3/3 dependent multiply-adds, columns read with a stride"


def lu(A):
    A = A.copy()
    n = A.shape[0]
    for i in range(n):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[k, j]
            A[i, j] /= A[j, j]
        for j in range(i, n):
            for k in range(i):
                A[i, j] -= A[i, k] * A[k, j]
    return A


def inputs(scale=1.0):
    n = max(4, int(120 * scale ** (1 / 3)))
    rng = np.random.default_rng(53)
    A = rng.uniform(0.0, 1.0, (n, n)) + n * np.eye(n)     # diagonally dominant: stable
    return (A,)

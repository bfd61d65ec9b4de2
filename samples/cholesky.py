"""Cholesky factorisation (column by column, dot products over the rows computed so far):
slices whose length grows with the loop counters, ``L[i, :j]`` (dense linear algebra; the
textbook/npbench 'cholesky' kernel)."""
import numpy as np

DOMAIN = "dense linear algebra"
LIMIT = "latency: n^2/2 dependent dot products of growing length (n^3/6 multiply-adds)"


def cholesky(A):
    n = A.shape[0]
    L = np.zeros_like(A)
    for j in range(n):
        L[j, j] = np.sqrt(A[j, j] - np.dot(L[j, :j], L[j, :j]))
        for i in range(j + 1, n):
            L[i, j] = (A[i, j] - np.dot(L[i, :j], L[j, :j])) / L[j, j]
    return L


def inputs(scale=1.0):
    n = max(4, int(300 * scale ** 0.5))
    rng = np.random.default_rng(61)
    M = rng.uniform(-1.0, 1.0, (n, n))
    A = M @ M.T + n * np.eye(n)          # symmetric positive definite
    return (A,)

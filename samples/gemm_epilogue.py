"""A dense layer in BLAS's own terms: alpha * A @ B + beta * C (GEMM with an epilogue).

NumPy computes the product into a temporary, then scales and adds in two more passes over
n x n arrays; a library call can take the scaling and the addition along in one pass over
its result (dense linear algebra / the layer of a neural network).
"""
import numpy as np

DOMAIN = "dense linear algebra (GEMM)"
LIMIT = "BLAS: the same OpenBLAS dgemm as NumPy's @; the epilogue runs in the product's buffer"


def gemm_epilogue(A, B, C, alpha, beta):
    return alpha * A @ B + beta * C


def inputs(scale=1.0):
    n = max(8, int(round(1024 * scale ** (1 / 3))))
    rng = np.random.default_rng(17)
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, n))
    C = rng.standard_normal((n, n))
    return A, B, C, 1.5, -0.5

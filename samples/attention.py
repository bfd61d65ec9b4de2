"""Scaled dot-product attention over a batch of heads: two batched matrix products around
a row softmax (transformer inference).

Q @ K^T reads K transposed where it lies (a BLAS trans flag, no copy); the softmax reads
the scores' buffer in three fused loops; the weights feed the second batched product.
"""
import numpy as np

DOMAIN = "deep learning inference (attention)"
LIMIT = "BLAS: two batched sgemm calls per head (the same OpenBLAS as NumPy); the softmax is fused between them"


def attention(Q, K, V):
    scores = Q @ K.transpose(0, 2, 1) * Q.shape[-1] ** -0.5
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ V


def inputs(scale=1.0):
    heads, d = 8, 64
    n = max(4, int(round(1024 * scale ** 0.5)))
    rng = np.random.default_rng(23)
    return tuple(rng.standard_normal((heads, n, d), dtype=np.float32) for _ in range(3))

"""Forward pass of a 3-layer perceptron in float32: matmuls, bias, ReLU, softmax
(deep-learning inference)."""
import numpy as np

DOMAIN = "deep learning inference"
LIMIT = "BLAS: the same OpenBLAS sgemm NumPy calls does nearly all the work; npaccel only fuses the bias and activation into the product's buffer"


def mlp(x, W1, b1, W2, b2, W3, b3):
    h1 = np.maximum(x @ W1 + b1, 0)
    h2 = np.maximum(h1 @ W2 + b2, 0)
    logits = h2 @ W3 + b3
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def inputs(scale=1.0):
    batch = max(4, int(16384 * scale))
    sizes = (784, 512, 256, 10)
    rng = np.random.default_rng(11)
    x = rng.random((batch, sizes[0]), dtype=np.float32)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = (rng.standard_normal((fan_in, fan_out), dtype=np.float32)
             * np.float32(np.sqrt(2.0 / fan_in)))
        b = rng.standard_normal(fan_out, dtype=np.float32) * np.float32(0.01)
        params += [W, b]
    return (x, *params)

"""Logistic regression trained by full-batch gradient descent (statistics / ML)."""
import numpy as np

DOMAIN = "machine learning (training)"
LIMIT = "memory: one read of X per step (X @ w and X.T @ f(z) fused into one sweep)"


def logistic_regression(X, y, lr, n_iter):
    w = np.zeros(X.shape[1])
    for _ in range(n_iter):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        grad = X.T @ (p - y) / X.shape[0]
        w = w - lr * grad
    return w


def inputs(scale=1.0):
    n = max(32, int(200_000 * scale))
    d = 64
    rng = np.random.default_rng(13)
    X = rng.normal(0.0, 1.0, (n, d))
    true_w = rng.normal(0.0, 1.0, d)
    y = (X @ true_w + rng.normal(0.0, 1.0, n) > 0).astype(np.float64)
    n_iter = max(2, int(30 * min(1.0, scale) ** 0.25))
    return X, y, 0.5, n_iter

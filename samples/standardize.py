"""Standardise every column of a data matrix to zero mean and unit variance (statistics /
feature scaling)."""
import numpy as np

DOMAIN = "statistics / feature scaling"
LIMIT = "memory: three passes (column means, then variances around them, then the result); the second needs the first"
SINGLE_PASS = True


def standardize(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def inputs(scale=1.0):
    rows = max(4, int(1_000_000 * scale))
    rng = np.random.default_rng(17)
    x = rng.normal(3.0, 2.0, (rows, 8)) * rng.uniform(0.5, 5.0, 8)
    return (x,)

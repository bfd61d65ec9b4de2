"""Gravitational accelerations of N bodies from all pairs (astrophysics / molecular dynamics).

Pairwise separations by broadcasting (x[None, :] - x[:, None]), softened inverse cube
distance, then a matrix-vector product with the masses.
"""
import numpy as np

DOMAIN = "astrophysics / molecular dynamics"
LIMIT = "compute: one pow(r2, -1.5) per pair (n^2 pairs) in one fused row loop; no n x n matrix is stored"


def nbody(pos, mass, G=1.0, softening=0.1):
    x = pos[:, 0]
    y = pos[:, 1]
    z = pos[:, 2]
    dx = x[None, :] - x[:, None]
    dy = y[None, :] - y[:, None]
    dz = z[None, :] - z[:, None]
    inv_r3 = (dx ** 2 + dy ** 2 + dz ** 2 + softening ** 2) ** -1.5
    ax = G * (dx * inv_r3) @ mass
    ay = G * (dy * inv_r3) @ mass
    az = G * (dz * inv_r3) @ mass
    return ax, ay, az


def inputs(scale=1.0):
    n = max(4, int(2500 * scale ** 0.5))
    rng = np.random.default_rng(3)
    pos = rng.normal(0.0, 1.0, (n, 3))
    mass = rng.uniform(0.5, 1.5, n) / n
    return pos, mass

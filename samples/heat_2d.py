"""Explicit 2-D heat equation (Jacobi-style update) in a time loop (PDE solvers).

The classic teaching-code form: copy the initial grid, update the interior in place from
four shifted slices each step, keep the boundary fixed (Dirichlet).
"""
import numpy as np

DOMAIN = "PDE / heat transfer"
LIMIT = "memory: each step is two passes (the update reads the neighbours it overwrites, so the right side goes to a temporary first, as NumPy's semantics require)"


def heat_2d(u0, alpha, steps):
    u = u0.copy()
    for _ in range(steps):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + alpha * (
            u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1]
        )
    return u


def inputs(scale=1.0):
    n = max(8, int(2000 * scale ** 0.5))
    rng = np.random.default_rng(1)
    u0 = rng.uniform(0.0, 1.0, (n, n))
    u0[0, :] = 1.0                     # hot top edge
    u0[-1, :] = 0.0
    steps = max(2, int(10 * min(1.0, scale) ** 0.25))
    return u0, 0.2, steps              # alpha = D*dt/dx^2 <= 0.25 for stability

"""2-D scalar wave equation, second-order leapfrog finite differences in a time loop
(acoustics / seismic modelling). Boundaries held at zero; the three time levels rotate."""
import numpy as np

DOMAIN = "acoustics / seismic modelling"
LIMIT = "memory: each step is a pass computing the new field and a pointer swap; 2-core bandwidth"


def wave_2d(u_prev, u, c2, steps):
    for _ in range(steps):
        u_next = np.zeros_like(u)
        u_next[1:-1, 1:-1] = (
            2.0 * u[1:-1, 1:-1] - u_prev[1:-1, 1:-1]
            + c2 * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1])
        )
        u_prev, u = u, u_next
    return u


def inputs(scale=1.0):
    n = max(8, int(2000 * scale ** 0.5))
    x = np.linspace(-1.0, 1.0, n)
    r2 = x[:, None] ** 2 + x[None, :] ** 2
    u = np.exp(-200.0 * r2)                         # a Gaussian pulse at rest
    u_prev = u.copy()
    steps = max(2, int(10 * min(1.0, scale) ** 0.25))
    return u_prev, u, 0.25, steps                   # c2 = (c*dt/dx)^2 <= 0.5

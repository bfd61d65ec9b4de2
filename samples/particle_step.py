"""One explicit time step of many independent particles under gravity and linear drag
(particle / projectile simulation): cheap arithmetic, several outputs, memory-bound."""
import numpy as np

DOMAIN = "particle simulation"
LIMIT = "memory: one pass per pair of outputs that share inputs (two passes, 4 arrays in, 4 out); fresh outputs are recycled blocks"
NUMEXPR = [
    ("vx_new", "vx + (-drag * vx) * dt"),
    ("vy_new", "vy + (-g - drag * vy) * dt"),
    ("x_new", "x + vx_new * dt"),
    ("y_new", "y + vy_new * dt"),
]
NUMEXPR_OUTPUTS = ("x_new", "y_new", "vx_new", "vy_new")
SINGLE_PASS = True
MEMORY_BOUND = True


def particle_step(x, y, vx, vy, dt, g, drag):
    ax = -drag * vx
    ay = -g - drag * vy
    vx_new = vx + ax * dt
    vy_new = vy + ay * dt
    x_new = x + vx_new * dt
    y_new = y + vy_new * dt
    return x_new, y_new, vx_new, vy_new


def inputs(scale=1.0):
    n = max(16, int(8_000_000 * scale))
    rng = np.random.default_rng(37)
    x = rng.uniform(0.0, 100.0, n)
    y = rng.uniform(0.0, 100.0, n)
    vx = rng.normal(0.0, 5.0, n)
    vy = rng.normal(10.0, 5.0, n)
    return x, y, vx, vy, 0.01, 9.81, 0.1

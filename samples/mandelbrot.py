"""Mandelbrot escape counts (fractals): iterate z = z^2 + c on a grid, count the iterations
each point stays bounded; points that escaped are frozen with np.where."""
import numpy as np

DOMAIN = "fractals / iterated maps"
LIMIT = "memory and control: every iteration is one sweep over the grid (the escape mask keeps each iteration's reads and writes), 40 sweeps"


def mandelbrot(cr, ci, max_iter):
    zr = np.zeros_like(cr)
    zi = np.zeros_like(ci)
    counts = np.zeros(cr.shape, dtype=np.int64)
    for _ in range(max_iter):
        zr2 = zr * zr
        zi2 = zi * zi
        inside = zr2 + zi2 <= 4.0
        counts += inside
        zi = np.where(inside, 2.0 * zr * zi + ci, zi)
        zr = np.where(inside, zr2 - zi2 + cr, zr)
    return counts


def inputs(scale=1.0):
    h = max(8, int(600 * scale ** 0.5))
    w = max(8, int(900 * scale ** 0.5))
    cr, ci = np.meshgrid(np.linspace(-2.2, 0.8, w), np.linspace(-1.2, 1.2, h))
    max_iter = max(4, int(40 * min(1.0, scale) ** 0.25))
    return cr, ci, max_iter

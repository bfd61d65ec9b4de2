"""Alpha compositing of a float32 RGB foreground over a background with a per-pixel alpha
matte (image processing / graphics): broadcasting the matte over the colour channels."""
import numpy as np

DOMAIN = "image compositing"
LIMIT = "memory: one pass reading two images and the matte and writing the result (the channel axis of 3 is a compile-time constant)"
SINGLE_PASS = True
MEMORY_BOUND = True


def alpha_blend(fg, bg, alpha):
    a = alpha[..., None]
    return a * fg + (1.0 - a) * bg


def inputs(scale=1.0):
    h = max(4, int(2160 * scale ** 0.5))
    w = max(4, int(3840 * scale ** 0.5))
    rng = np.random.default_rng(41)
    fg = rng.random((h, w, 3), dtype=np.float32)
    bg = rng.random((h, w, 3), dtype=np.float32)
    alpha = rng.random((h, w), dtype=np.float32)
    return fg, bg, alpha

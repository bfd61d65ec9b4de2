"""Sobel edge magnitude of a float32 grey image (image processing).

3x3 filters written with shifted slices, as in scikit-image style NumPy code; the result
covers the valid interior (H-2, W-2).
"""
import numpy as np

DOMAIN = "image processing"
LIMIT = "memory: one pass reading the image and writing the result"
SINGLE_PASS = True
MEMORY_BOUND = True


def sobel(img):
    gx = (img[:-2, 2:] + 2 * img[1:-1, 2:] + img[2:, 2:]) - (
        img[:-2, :-2] + 2 * img[1:-1, :-2] + img[2:, :-2]
    )
    gy = (img[2:, :-2] + 2 * img[2:, 1:-1] + img[2:, 2:]) - (
        img[:-2, :-2] + 2 * img[:-2, 1:-1] + img[:-2, 2:]
    )
    return np.sqrt(gx * gx + gy * gy)


def inputs(scale=1.0):
    h = max(8, int(4096 * scale ** 0.5))
    w = max(8, int(4096 * scale ** 0.5))
    rng = np.random.default_rng(7)
    img = rng.random((h, w), dtype=np.float32)
    return (img,)

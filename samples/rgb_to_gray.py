"""sRGB colour image to grey (image processing, float32): decode the sRGB gamma, take the
Rec. 709 luminance, encode the gamma again."""
import numpy as np

DOMAIN = "image processing (colour)"
LIMIT = "compute: four powf per pixel (sRGB gamma), vectorised through libmvec"
SINGLE_PASS = True


def rgb_to_gray(img):
    lin = np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4)
    y = 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]
    return np.where(y <= 0.0031308, 12.92 * y, 1.055 * y ** (1 / 2.4) - 0.055)


def inputs(scale=1.0):
    h = max(4, int(2160 * scale ** 0.5))
    w = max(4, int(3840 * scale ** 0.5))
    rng = np.random.default_rng(31)
    img = rng.random((h, w, 3), dtype=np.float32)
    return (img,)

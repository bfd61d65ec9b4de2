"""Direct-form FIR filter of a long signal: a loop over the taps adding shifted, scaled
slices (signal processing). Equivalent to np.convolve(x, taps[::-1], mode="valid")."""
import numpy as np

DOMAIN = "signal processing"
LIMIT = "memory: the loop over 16 taps sweeps the output 16 times (no blocking across the loop's iterations)"
SINGLE_PASS = True


def fir_filter(x, taps):
    n = x.shape[0] - taps.shape[0] + 1
    y = np.zeros(n)
    for k in range(taps.shape[0]):
        y += taps[k] * x[k:k + n]
    return y


def inputs(scale=1.0):
    n = max(64, int(6_000_000 * scale))
    rng = np.random.default_rng(29)
    x = rng.normal(0.0, 1.0, n)
    t = np.arange(16) - 7.5
    taps = np.sinc(t / 4.0) * np.hamming(16) / 4.0    # a low-pass filter
    return x, taps

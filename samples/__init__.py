"""Applications from different domains, each a plain NumPy function.

Every module ``samples/<name>.py`` defines:

- ``<name>(...)``: the application, plain NumPy, no npaccel import;
- ``inputs(scale=1.0)``: its arguments, from a fixed-seed ``np.random.default_rng``;
  ``scale=1.0`` is the benchmark size (NumPy takes at least ~50 ms on the 2-core
  development machine), smaller scales shrink the problem down to a small valid one;
- optionally ``NUMEXPR``: the same computation for numexpr, either one expression string
  over the function's parameter names, or a list of ``(name, expression)`` steps evaluated
  in order with ``NUMEXPR_OUTPUTS`` naming the results;
- optionally ``MEMORY_BOUND = True``: a single elementwise pass, so that the bytes of the
  inputs read plus the outputs written divided by the time is a meaningful bandwidth.
"""
import importlib

SAMPLES = [
    "black_scholes",
    "heat_2d",
    "sobel",
    "nbody",
    "kmeans",
    "mlp",
    "logistic_regression",
    "mandelbrot",
    "standardize",
    "wave_2d",
    "logsumexp",
    "haversine",
    "fir_filter",
    "rgb_to_gray",
]


def load(name):
    """The module of sample ``name``; its function is ``getattr(module, name)``."""
    if name not in SAMPLES:
        raise KeyError(f"unknown sample {name!r}; known: {', '.join(SAMPLES)}")
    return importlib.import_module(f"{__name__}.{name}")


def function(name):
    """The plain NumPy function of sample ``name``."""
    return getattr(load(name), name)

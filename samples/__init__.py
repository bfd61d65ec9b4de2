"""Applications from different domains, each a plain NumPy function.

Every module ``samples/<name>.py`` defines:

- ``<name>(...)``: the application, plain NumPy, no npaccel import;
- ``inputs(scale=1.0)``: its arguments, from a fixed-seed ``np.random.default_rng``;
  ``scale=1.0`` is the benchmark size (NumPy takes at least ~50 ms on the 2-core
  development machine), smaller scales shrink the problem down to a small valid one;
- optionally ``NUMEXPR``: the same computation for numexpr, either one expression string
  over the function's parameter names, or a list of ``(name, expression)`` steps evaluated
  in order with ``NUMEXPR_OUTPUTS`` naming the results;
- optionally ``SINGLE_PASS = True``: a fused version needs no intermediate arrays, only
  its outputs, and moves each input and output about once: the benchmark shows its
  effective bandwidth (bytes of the input arrays plus the outputs, over the time) and
  holds its peak memory against its output size;
- ``LIMIT``: what bounds npaccel's time on it (memory passes, compute, the BLAS), shown
  beside the measured speedup and bandwidth in the benchmark report;
- optionally ``MEMORY_BOUND = True`` (implies SINGLE_PASS): moreover its arithmetic is
  cheap enough that on the 2-core development machine the memory bandwidth (the STREAM
  triad) is its ceiling. Transcendental-heavy samples (black_scholes, haversine,
  rgb_to_gray) are single-pass but compute-bound there; standardize must read its input
  twice (statistics, then the scaling) so its counted bandwidth tops out near 2/3.
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
    "particle_step",
    "alpha_blend",
    "gemm_epilogue",
    "attention",
    "crc16",
    "nussinov",
    "csr_matvec",
    "lu",
    "cholesky",
]


def load(name):
    """The module of sample ``name``; its function is ``getattr(module, name)``."""
    if name not in SAMPLES:
        raise KeyError(f"unknown sample {name!r}; known: {', '.join(SAMPLES)}")
    return importlib.import_module(f"{__name__}.{name}")


def function(name):
    """The plain NumPy function of sample ``name``."""
    return getattr(load(name), name)

"""npaccel: make ordinary NumPy code fast with one decorator.

    from npaccel import accelerate

    @accelerate
    def f(x, y):
        return np.sqrt(x * x + y * y)
"""
__version__ = "0.1.0"

from .api.accelerate import accelerate  # noqa: E402
from .errors import (CacheWarning, CompileError, FallbackWarning, NpaccelError,  # noqa: E402
                     TargetUnavailable, UnsupportedError)

__all__ = ["accelerate", "CompileError", "TargetUnavailable", "UnsupportedError",
           "FallbackWarning", "CacheWarning", "NpaccelError", "__version__"]

"""npaccel: make ordinary NumPy code fast with one decorator.

    from npaccel import accelerate

    @accelerate
    def f(x, y):
        return np.sqrt(x * x + y * y)
"""
from .api.accelerate import accelerate
from .errors import (CacheWarning, CompileError, FallbackWarning, NpaccelError, TargetUnavailable,
                     UnsupportedError)
from .version import __version__

__all__ = ["accelerate", "CompileError", "TargetUnavailable", "UnsupportedError",
           "FallbackWarning", "CacheWarning", "NpaccelError", "__version__"]

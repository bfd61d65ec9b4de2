"""Registry of NumPy functions and array methods the frontend lowers through a handler.

A handler is ``handler(lowerer, args, kwargs, node) -> value`` (for a method, ``args[0]``
is the array). Modules that add handlers register them here; ``lower.py`` consults the
registry before its built-in dispatch, so new NumPy API lands in its own module.

>>> @register(np.fix)
... def _fix(lw, args, kwargs, node):
...     return "fix"
>>> CALL_HANDLERS[np.fix] is _fix
True
>>> del CALL_HANDLERS[np.fix]
"""
from __future__ import annotations

import numpy as np  # noqa: F401  (doctest)

CALL_HANDLERS: dict = {}      # function object -> handler
METHOD_HANDLERS: dict = {}    # array method name -> handler (args[0] is the array)


def register(*funcs):
    def deco(handler):
        for f in funcs:
            CALL_HANDLERS[f] = handler
        return handler
    return deco


def register_method(*names):
    def deco(handler):
        for n in names:
            METHOD_HANDLERS[n] = handler
        return handler
    return deco


def load_handlers():
    """Import the modules that register handlers (once; import is idempotent)."""
    import importlib
    for name in _HANDLER_MODULES:
        importlib.import_module(name, __package__)


_HANDLER_MODULES = (".calls_math", ".calls_differences", ".calls_filters", ".calls_casts", ".calls_reductions", ".calls_arrays", ".calls_grids", ".calls_shapes", ".calls_indexing", ".calls_joining", ".calls_linalg", ".calls_einsum", ".calls_complex",
                    ".calls_ufunc_methods", ".calls_tiling", ".calls_histograms", ".calls_sorting", ".calls_counting",
                    ".calls_lapack", ".calls_statistics", ".calls_svd", ".calls_recipes", ".calls_interpolation",
                    ".calls_nan_functions", ".calls_lookup")

"""Accelerated functions on Dask arrays (extra ``npaccel[dask]``): a call with
``dask.array.Array`` arguments returns lazy Dask arrays, planned from the function's op graph
(plan.py): elementwise -> blockwise, stencils -> overlap, reductions -> dask.array.reduction
with compiled parts (reductions.py). Nothing is computed at call time. docs/dask.md.
"""
from __future__ import annotations

from .call import call_on_dask, explain_dask

__all__ = ["call_on_dask", "explain_dask"]

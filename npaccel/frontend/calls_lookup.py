"""Membership and binning by binary search: ``np.isin``, ``np.digitize``, as recipes lowered
like user code (NumPy 2's results; its algorithms differ only in speed):

- ``isin(element, test_elements, assume_unique, invert, kind=None|'sort')``: the test
  elements sorted (in the common dtype of both), and an element is in them when its
  right and left insertion points differ; NaN is in nothing (NumPy compares with ``==``).
  Bool, integer and float dtypes; complex and ``kind='table'`` run in Python.
- ``digitize(x, bins, right)``: ``searchsorted(bins, x, side)`` with NumPy's side; bins must
  be 1-d. Bins that are not increasing (decreasing ones, unordered ones, NaN) are found when
  the program runs and the call reruns in Python, which gives NumPy's answer or error.
  Complex ``x`` is NumPy's TypeError.
"""
from __future__ import annotations

import numpy as np

from ..ir.ops import Op
from .array_build import as_array, ew, fail, stop_if
from .calls import register
from .calls_arrays import copy_of
from .calls_recipes import bound_arguments, inlined

_UNORDERED = "np.digitize of bins that are not increasing"


# ---- the recipes (plain Python, lowered like user code) --------------------------------------------

def _isin(element, test_elements, common, invert):
    t = np.sort(test_elements.astype(common).ravel())
    e = element.astype(common)
    found = np.searchsorted(t, e, side="right") > np.searchsorted(t, e, side="left")
    if common.kind == "f":
        found = found & ~np.isnan(e)
    return ~found if invert else found


def _digitize(x, bins, side):
    increasing = np.all(bins[1:] >= bins[:-1])
    return np.searchsorted(bins, x, side=side), increasing


# ---- the handlers --------------------------------------------------------------------------------

@register(np.isin)
def _np_isin(lw, args, kwargs, node):
    o = bound_arguments(lw, np.isin, args, kwargs, node)
    if o["kind"] not in (None, "sort") or not all(isinstance(o[k], bool) for k in ("assume_unique", "invert")):
        raise lw.unsupported("np.isin() with kind='table' or a run-time assume_unique/invert", node)
    element, test = as_array(lw, o["element"], node), as_array(lw, o["test_elements"], node)
    common = np.result_type(element.dtype, test.dtype)
    if common.kind not in "biuf":
        raise lw.unsupported(f"np.isin() of {common} values", node)
    found = inlined(lw, _isin, "np.isin", (element, test, common, o["invert"]), node)
    return copy_of(lw, found) if found.ndim == 0 else found       # NumPy's is a 0-d array


@register(np.digitize)
def _np_digitize(lw, args, kwargs, node):
    o = bound_arguments(lw, np.digitize, args, kwargs, node)
    if not isinstance(o["right"], bool):
        raise lw.unsupported("np.digitize() with a run-time right=", node)
    x, bins = as_array(lw, o["x"], node), as_array(lw, o["bins"], node)
    if x.dtype.kind == "c":
        fail(TypeError("x may not be complex"))
    if bins.ndim != 1 or bins.dtype.kind not in "biuf" or x.dtype.kind not in "biuf":
        raise lw.unsupported("np.digitize() of other than 1-d real bins and real x", node)
    found, increasing = inlined(lw, _digitize, "np.digitize", (x, bins, "left" if o["right"] else "right"), node)
    stop_if(lw, ew(lw, Op.LOGICAL_NOT, (increasing,), np.bool_), "ValueError",
            "bins must be monotonically increasing or decreasing", _UNORDERED)
    return found

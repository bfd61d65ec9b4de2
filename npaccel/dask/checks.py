"""NumPy's errors for a Dask call, raised at call time: the run-time checks the frontend
recorded for the chunk signature (ir/checks.py: a reduction without identity of an empty
array, shapes that do not broadcast, an index out of range, ...) evaluated with the whole
arrays' sizes, which Dask knows when the chunks are known. NumPy raises them when called; so
does this, before any Dask graph exists. The guards that only choose a path (``ShapeGuard``,
``NonNegativeGuard``) concern one block and are checked where the block runs.

>>> from npaccel.ir.dims import Sym
>>> from npaccel.ir.checks import NonEmpty
>>> raise_numpy_errors([NonEmpty((Sym("a0_d0"),), "maximum")], {"a0_d0": 3}, ())
>>> raise_numpy_errors([NonEmpty((Sym("a0_d0"),), "maximum")], {"a0_d0": 0}, ())
Traceback (most recent call last):
ValueError: zero-size array to reduction operation maximum which has no identity
"""
from __future__ import annotations

import builtins
import operator
import warnings

import numpy as np

from ..ir.dims import evaluate
from ..ir.nodes import Param, ScalarParam
from ..ir.checks import (ComplexCastWarning, DimCheck, DimsEqual, IndexInRange,
                         MaskMatches, NonEmpty, NonNegativeGuard, ScalarFits, ShapeGuard, StoreDimsEqual)

_CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}


def size_env(graph, values) -> dict:
    """Dim symbols of ``graph`` for the call's whole arrays (``a<i>_d<d>``) and int arguments
    used as sizes (``s<i>``)."""
    env = {}
    for p in graph.params:
        if isinstance(p, Param):
            env.update({f"a{p.index}_d{d}": int(n) for d, n in enumerate(values[p.index].shape)})
        elif isinstance(p, ScalarParam) and isinstance(values[p.index], (int, np.integer)):
            env[f"s{p.index}"] = int(values[p.index])
    return env


def _shape_text(shape):
    return "(" + ",".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def raise_numpy_errors(checks, env, values) -> None:
    """Raise what NumPy raises for these sizes (the first failing check), warn what it warns."""
    for c in checks:
        if isinstance(c, ShapeGuard) or isinstance(c, NonNegativeGuard):
            continue
        if isinstance(c, StoreDimsEqual):
            if evaluate(c.a, env) != evaluate(c.b, env):
                target, value = (_shape_text(tuple(evaluate(d, env) for d in s)) for s in c.shapes[:2])
                raise ValueError(f"could not broadcast input array from shape {value} into shape {target}")
        elif isinstance(c, DimsEqual):
            if evaluate(c.a, env) != evaluate(c.b, env):
                shapes = " ".join(_shape_text(tuple(evaluate(d, env) for d in s)) for s in c.shapes)
                raise ValueError(f"operands could not be broadcast together with shapes {shapes} ")
        elif isinstance(c, NonEmpty):
            if any(evaluate(d, env) == 0 for d in c.dims):
                if c.ufunc_name in ("argmax", "argmin"):
                    raise ValueError(f"attempt to get {c.ufunc_name} of an empty sequence")
                raise ValueError(f"zero-size array to reduction operation {c.ufunc_name} which has no identity")
        elif isinstance(c, ScalarFits):
            info, v = np.iinfo(c.dtype), values[c.index]
            if not info.min <= v <= info.max:
                raise OverflowError(f"Python integer {v} out of bounds for {c.dtype}")
        elif isinstance(c, IndexInRange):
            n = evaluate(c.dim, env)
            if not -n <= c.index < n:
                raise IndexError(f"index {c.index} is out of bounds for axis {c.axis} with size {n}")
        elif isinstance(c, MaskMatches):
            a, m = evaluate(c.dim, env), evaluate(c.mask_dim, env)
            if a != m:
                raise IndexError(f"boolean index did not match indexed array along axis {c.axis}; size of axis "
                                 f"is {a} but size of corresponding boolean axis is {m}")
        elif isinstance(c, DimCheck):
            if not _CMP[c.cmp](evaluate(c.left, env), evaluate(c.right, env)):
                error = getattr(builtins, c.error, None) or getattr(np.exceptions, c.error)
                raise error(c.message.format(*(evaluate(v, env) for v in c.values)))
        elif isinstance(c, ComplexCastWarning):
            warnings.warn(np.exceptions.ComplexWarning(c.message), stacklevel=4)

"""The run-time checks a program carries: facts about sizes and values that the frontend
could not decide when it compiled (two dims equal, an index in range, a mask of the right
shape, ...). The caller (runtime/marshal.py) tests them before the kernel runs, or the
kernel itself inside a loop (ir/program.py Check), and raises NumPy's own error; codegen
uses the equalities they prove (``dim_canonicaliser``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DimsEqual:
    """A run-time check: two broadcast dims must be equal (else NumPy's ValueError)."""
    a: object
    b: object
    shapes: tuple


@dataclass(frozen=True)
class StoreDimsEqual(DimsEqual):
    """A DimsEqual of a store ``target[...] = value`` (``shapes``: the target's, then the
    value's): NumPy's setitem ValueError, "could not broadcast input array from shape ...
    into shape ..."."""


@dataclass(frozen=True)
class BroadcastDims:
    """A run-time check on dims that may be 1 at run time (slice lengths known at run time):
    equal, or one of them 1 (NumPy broadcasts it), else NumPy's ValueError. Not a
    DimsEqual: the dims are not proven equal by it."""
    a: object
    b: object
    shapes: tuple


@dataclass(frozen=True)
class FitsInto:
    """A run-time check of a store ``target[...] = value``: the value's dim ``a`` equals the
    target's ``b`` or is 1, else NumPy's ValueError."""
    a: object
    b: object
    shapes: tuple


@dataclass(frozen=True)
class MaskMatches:
    """A run-time check: a boolean index must match the dim it indexes (else IndexError)."""
    dim: object
    mask_dim: object
    axis: int


@dataclass(frozen=True)
class NonNegativeGuard:
    """A slice bound taken from an int argument is compiled as a size (>= 0); a negative
    one runs the call as plain Python instead."""
    dim: object


@dataclass(frozen=True)
class ShapeGuard(DimsEqual):
    """Dims a compiled loop needs equal (one array variable holds both values); if they are
    not, the call runs as plain Python instead, which is NumPy by definition."""


@dataclass(frozen=True)
class ScalarFits:
    """A run-time check: a Python int argument must fit ``dtype`` (else OverflowError)."""
    index: int
    name: str
    dtype: np.dtype


@dataclass(frozen=True)
class NonEmpty:
    """A run-time check: a reduction without identity needs a non-empty input."""
    dims: tuple
    ufunc_name: str


@dataclass(frozen=True)
class IndexInRange:
    """A run-time check: a constant index must be inside a run-time sized dim (IndexError)."""
    index: int
    dim: object
    axis: int


@dataclass(frozen=True)
class DimCheck:
    """A run-time check on sizes: ``left cmp right`` must hold, else the builtin exception
    named ``error`` with ``message.format(*values)`` (values are dims, evaluated then).
    np.reshape, np.concatenate, np.zeros(n - 2), ... raise NumPy's errors through it."""
    left: object
    cmp: str             # == != < <= > >=
    right: object
    error: str           # "ValueError", "IndexError", ...
    message: str
    values: tuple = ()


@dataclass(frozen=True)
class RerunOnly(DimCheck):
    """A DimCheck whose answer only a rerun in Python gives: NumPy warns there instead of
    raising (np.cov's "Degrees of freedom <= 0 for slice"), or orders ties its own way
    (np.linalg.svd(hermitian=True) sorts with NumPy's unstable argsort). Where it fails,
    the program stops and the call reruns in Python. A program that writes an argument
    cannot rerun, so the frontend does not compile one with this check (function_graph.py)."""


@dataclass(frozen=True)
class ComplexCastWarning:
    """At run time, before the kernel: NumPy's ComplexWarning for a complex -> real cast
    (astype, a store into a real array): the imaginary part is dropped."""
    message: str = "Casting complex values to real discards the imaginary part"


def dim_canonicaliser(checks):
    """A function mapping each dim to one representative of the dims the checks prove equal.

    >>> from npaccel.ir.dims import Sym
    >>> canon = dim_canonicaliser([DimsEqual(Sym("a"), Sym("b"), ())])
    >>> canon(Sym("b")), canon(Sym("c"))
    (a, c)
    """
    parent = {}

    def find(d):
        while parent.get(d, d) != d:
            d = parent[d]
        return d
    for c in checks:
        if isinstance(c, DimsEqual):
            ra, rb = find(c.a), find(c.b)
            if ra != rb:
                parent[rb] = ra
    return find

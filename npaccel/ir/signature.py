"""Argument signatures: what a compiled specialisation depends on.

Arrays: dtype, ndim, which dims are 1 (so broadcasting is decided at compile time) and
whether the array is C-contiguous (contiguous kernels index flat). Python scalars by type
(weak, NEP 50); NumPy scalars by dtype (strong); None, short strings, small tuples of ints
(a mask, a shape, axes) and functions by value.

>>> import numpy as np
>>> signature_of((np.ones((3, 1)), 2.0))
(ArraySpec(dtype=dtype('float64'), ones=(False, True), contiguous=True, last=0), ScalarSpec(dtype=dtype('float64'), weak=True))
>>> describe(signature_of((np.ones((3, 1)), 2.0)))
'float64[n,1] C, float'
"""
from __future__ import annotations

import types
from dataclasses import dataclass

import numpy as np

_WEAK = {bool: np.dtype(bool), int: np.dtype(np.int64), float: np.dtype(np.float64),
         complex: np.dtype(np.complex128)}
SUPPORTED_KINDS = "biufc"


@dataclass(frozen=True)
class ArraySpec:
    dtype: np.dtype
    ones: tuple          # per dim: True where the size is 1
    contiguous: bool     # C-contiguous
    last: int = 0        # the innermost size when it is a small channel axis (2..4), else 0


def small_last(shape) -> int:
    """The innermost size of an array of 2 or more dims when it is 2, 3 or 4 (RGB(A) pixels,
    xyz coordinates): compiled as a constant, so the loop over it unrolls and the rows
    vectorise (alpha_blend: 12.1 -> 8.9 ms); one compile per such size. Else 0."""
    return shape[-1] if len(shape) >= 2 and 2 <= shape[-1] <= 4 else 0


@dataclass(frozen=True)
class DeviceArraySpec(ArraySpec):
    """An array in GPU memory (``__cuda_array_interface__``: CuPy, PyTorch, PyCUDA, ...);
    compiled like an ndarray, but only the CUDA target can take it."""


@dataclass(frozen=True)
class ScalarSpec:
    dtype: np.dtype
    weak: bool


@dataclass(frozen=True)
class StaticSpec:
    """None, a short string (an option), a small tuple of ints, bools, None, strings and such
    tuples (a mask, a shape, axes), or a function (a callback, inlined where it is called) or ufunc: compiled as the constant it
    is, one specialisation per value (``text`` keeps ``1`` and ``True`` apart, which
    compare equal; functions compare by identity)."""
    value: tuple
    text: str


MAX_STATIC_ITEMS = 16        # atoms of a tuple argument compiled as a constant, at most
MAX_STATIC_TEXT = 64         # characters of a string argument compiled as a constant, at most


def _static_atoms(value):
    """The number of atoms of a tuple compiled as a constant, or None where it is not one."""
    if isinstance(value, tuple):
        counts = [_static_atoms(v) for v in value]
        return None if None in counts else sum(counts)
    if value is None or type(value) is bool or (type(value) is int and -2 ** 63 <= value < 2 ** 63) or \
            (type(value) is str and len(value) <= MAX_STATIC_TEXT):
        return 1
    return None


@dataclass(frozen=True)
class OtherSpec:
    """An argument compiled code cannot take (string, list, object array, ...)."""
    type_name: str


def spec_of(value):
    t = type(value)
    if t is np.ndarray:
        if value.dtype.kind not in SUPPORTED_KINDS or not value.dtype.isnative:
            return OtherSpec(f"ndarray of {value.dtype}")
        contiguous = value.flags.c_contiguous
        if not value.flags.aligned or (not contiguous and any(s % value.itemsize for s in value.strides)):
            # a field of a packed record array: kernels index in whole elements
            return OtherSpec(f"view of {value.dtype} whose strides {value.strides} are not whole elements")
        shape = value.shape
        return ArraySpec(value.dtype, tuple(s == 1 for s in shape), contiguous, small_last(shape))
    if t in _WEAK:
        if t is int and not -2 ** 63 <= value < 2 ** 63:
            return OtherSpec("int beyond 64 bits")     # Python's exact int: the code runs in Python
        return ScalarSpec(_WEAK[t], True)
    if isinstance(value, np.generic) and value.dtype.kind in SUPPORTED_KINDS:
        return ScalarSpec(value.dtype, False)
    if value is None:                                     # an optional argument left out
        return StaticSpec(None, "None")
    if t is str and len(value) <= MAX_STATIC_TEXT:        # an option: mode="same", order="F"
        return StaticSpec(value, repr(value))
    if t is tuple and (_static_atoms(value) or 0) <= MAX_STATIC_ITEMS and _static_atoms(value) is not None:
        return StaticSpec(value, repr(value))
    if (t is types.FunctionType and value.__closure__ is None) or t in (types.BuiltinFunctionType, np.ufunc) or \
            t.__name__ == "_ArrayFunctionDispatcher":
        # a callback (inlined), a NumPy or math function: compared by identity (a closure, made
        # anew at each call with other captured values, is not: it runs in Python)
        return StaticSpec(value, f"{getattr(value, '__module__', None) or '?'}.{getattr(value, '__qualname__', value.__name__)}")
    device = _device_spec(value)
    return device if device is not None else OtherSpec(t.__name__)


def _device_spec(value):
    """DeviceArraySpec of an object exposing ``__cuda_array_interface__``, else None."""
    try:
        cai = value.__cuda_array_interface__
    except Exception:      # noqa: BLE001 - any failure of a foreign property: not a device array
        return None
    try:
        dtype = np.dtype(cai["typestr"])
        shape, strides = tuple(cai["shape"]), cai.get("strides")
    except (KeyError, TypeError, ValueError):
        return None
    if dtype.kind not in SUPPORTED_KINDS or not dtype.isnative or cai.get("mask") is not None:
        return None
    contiguous = strides is None or tuple(strides) == tuple(
        int(np.prod(shape[d + 1:], dtype=np.int64)) * dtype.itemsize for d in range(len(shape)))
    return DeviceArraySpec(dtype, tuple(s == 1 for s in shape), contiguous, small_last(shape))


def signature_of(args) -> tuple:
    return tuple(spec_of(a) for a in args)


def describe_spec(spec) -> str:
    if isinstance(spec, ArraySpec):
        dims = ["1" if one else "n" for one in spec.ones]
        if spec.last:
            dims[-1] = str(spec.last)
        dims = ",".join(dims)
        where = " device" if isinstance(spec, DeviceArraySpec) else ""
        return f"{spec.dtype}[{dims}] {'C' if spec.contiguous else 'strided'}{where}"
    if isinstance(spec, ScalarSpec):
        if spec.weak:
            return {"b": "bool", "i": "int", "f": "float", "c": "complex"}[spec.dtype.kind]
        return f"np.{spec.dtype}"
    if isinstance(spec, StaticSpec):
        return f"tuple {spec.text}" if isinstance(spec.value, tuple) else f"str {spec.text}" \
            if isinstance(spec.value, str) else "None" if spec.value is None else f"function {spec.text}"
    return spec.type_name


def describe(signature) -> str:
    return ", ".join(describe_spec(s) for s in signature)

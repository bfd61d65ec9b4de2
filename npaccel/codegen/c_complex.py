"""C99 text for ops on complex64/complex128 (``double _Complex``, ``float _Complex``): the
helpers of runtime_c/npaccel_complex.h, which follow NumPy's complex loops rather than C's
Annex G arithmetic (gcc's ``*`` and ``/`` on complex values recover infinities NumPy does not).

NumPy computes ``*`` and ``abs`` differently for NumPy scalars (its scalar math: every
product rounded, ``hypot``) than in its array loops (fused multiply-adds where the CPU has
them): ``scalar_math`` says which one a node follows.

>>> import numpy as np
>>> from .c_renderer import C
>>> c16, f8 = np.dtype("complex128"), np.dtype("float64")
>>> complex_op(C, Op.MULTIPLY, (c16, c16), c16, ["a", "b"])
'npa_cmul_d(a, b)'
>>> complex_op(C, Op.ABSOLUTE, (np.dtype("complex64"),), np.dtype("float32"), ["z"], scalar=True)
'npa_cabs_scalar_f(z)'
>>> complex_op(C, Op.LESS, (c16, c16), np.dtype(bool), ["a", "b"])
'npa_ccompare(a, b, 0)'
"""
from __future__ import annotations

import numpy as np

from ..ir.nodes import Elementwise, is_ndarray
from ..ir.ops import Op

_HELPERS = {Op.MULTIPLY: "npa_cmul", Op.TRUE_DIVIDE: "npa_cdiv", Op.POWER: "npa_cpow",
            Op.RECIPROCAL: "npa_creciprocal", Op.ABSOLUTE: "npa_cabs", Op.SIGN: "npa_csign",
            Op.MAXIMUM: "npa_cmaximum", Op.MINIMUM: "npa_cminimum", Op.FMAX: "npa_cfmax", Op.FMIN: "npa_cfmin"}
_LIBC = {Op.EXP: "cexp", Op.LOG: "clog", Op.SQRT: "csqrt", Op.CONJUGATE: "conj"}
_ORDER = {Op.LESS: 0, Op.LESS_EQUAL: 1, Op.GREATER: 2, Op.GREATER_EQUAL: 3}
_TEMPLATES = {
    Op.ADD: "({0} + {1})", Op.SUBTRACT: "({0} - {1})", Op.NEGATIVE: "(-{0})", Op.POSITIVE: "({0})",
    Op.EQUAL: "({0} == {1})", Op.NOT_EQUAL: "({0} != {1})",
    Op.REAL: "creal{m}({0})", Op.IMAG: "cimag{m}({0})",
    Op.ISNAN: "(isnan(creal{m}({0})) || isnan(cimag{m}({0})))",
    Op.ISINF: "(isinf(creal{m}({0})) || isinf(cimag{m}({0})))",
    Op.ISFINITE: "(isfinite(creal{m}({0})) && isfinite(cimag{m}({0})))",
    Op.LOGICAL_AND: "(({0} != 0) && ({1} != 0))", Op.LOGICAL_OR: "(({0} != 0) || ({1} != 0))",
    Op.LOGICAL_XOR: "(({0} != 0) != ({1} != 0))", Op.LOGICAL_NOT: "({0} == 0)",
}
# ops NumPy's scalar math computes differently from its array loops
_SCALAR_MATH = {Op.MULTIPLY: "npa_cmul_naive", Op.ABSOLUTE: "npa_cabs_scalar"}


def complex_op(r, op, in_dtypes, out_dtype, args, scalar=False) -> str:
    """C text of ``op`` whose operands are complex (``r``: the renderer; a target without
    complex types fails here, in its ``ctype``)."""
    in0 = np.dtype(in_dtypes[0])
    for d in (*in_dtypes, out_dtype):
        if np.dtype(d).kind == "c":
            r.ctype(d)
    sfx, m = ("f", "f") if in0 == np.complex64 else ("d", "")
    if op is Op.SQUARE:
        args = [args[0], args[0]]
        op = Op.MULTIPLY
    if scalar and op in _SCALAR_MATH:
        return f"{_SCALAR_MATH[op]}_{sfx}({', '.join(args)})"
    if op in _HELPERS:
        return f"{_HELPERS[op]}_{sfx}({', '.join(args)})"
    if op in _LIBC:
        return f"{_LIBC[op]}{m}({args[0]})"
    if op in _ORDER:
        return f"npa_ccompare({args[0]}, {args[1]}, {_ORDER[op]})"
    if op in _TEMPLATES:
        return _TEMPLATES[op].format(*args, m=m)
    raise NotImplementedError(f"no C rendering of {op.value} for {in0}")


def divides_by_real(node) -> bool:
    """A complex array divided by a real value (NumPy casts it to complex, imaginary +0):
    ``npa_cdiv_real``, Smith's algorithm with that zero folded in, which vectorises."""
    return isinstance(node, Elementwise) and node.op is Op.TRUE_DIVIDE and \
        np.dtype(node.in_dtypes[1]).kind == "c" and node.args[1].dtype.kind in "biuf" and \
        not scalar_math(node) and node.ndim > 0


def real_division(node, raw) -> str:
    """C text of ``divides_by_real(node)`` from its operands' uncast text.

    >>> from npaccel.ir.nodes import Param
    >>> c8, f4 = np.dtype("complex64"), np.dtype("float32")
    >>> a, b = Param(index=0, name="a", dtype=c8, shape=(3,)), Param(index=1, name="b", dtype=f4, shape=(3,))
    >>> real_division(Elementwise(op=Op.TRUE_DIVIDE, args=(a, b), in_dtypes=(c8, c8), dtype=c8, shape=(3,)), ["x", "y"])
    'npa_cdiv_real_f((float _Complex)(x), (float)(y))'
    """
    c = np.dtype(node.in_dtypes[0])
    sfx, t = ("f", "float") if c == np.complex64 else ("d", "double")
    return f"npa_cdiv_real_{sfx}(({t} _Complex)({raw[0]}), ({t})({raw[1]}))"


def scalar_math(node) -> bool:
    """Whether NumPy computes ``node`` with its scalar math: a complex product or absolute
    value of NumPy scalars (0-d values that are not arrays), as ``x.sum() * y[0]`` is."""
    return isinstance(node, Elementwise) and node.op in _SCALAR_MATH and node.ndim == 0 and \
        np.dtype(node.in_dtypes[0]).kind == "c" and not any(is_ndarray(a) for a in node.args)

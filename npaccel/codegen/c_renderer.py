"""C99 text for types, literals and ops: mostly data.

A renderer maps (op, operand dtypes) to a C expression over already-rendered operands.
Every op result is cast to its NumPy result type, so narrow integers wrap after each op as
NumPy's do (C would otherwise compute in int).

>>> import numpy as np
>>> f4, i1 = np.dtype("float32"), np.dtype("int8")
>>> C.op(Op.EXP, (f4,), f4, ["x"])
'expf(x)'
>>> C.op(Op.ADD, (i1, i1), i1, ["a", "b"])
'((int8_t)(a + b))'
>>> C.literal(0.1, np.dtype("float64"))
'0x1.999999999999ap-4'
"""
from __future__ import annotations

import math

import numpy as np

from ..ir.ops import Op
from .c_complex import complex_op

CTYPES = {"bool": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t",
          "int64": "int64_t", "uint8": "uint8_t", "uint16": "uint16_t", "uint32": "uint32_t",
          "uint64": "uint64_t", "float16": "_Float16", "float32": "float", "float64": "double"}
_SUFFIX = {"int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "u8",
           "uint16": "u16", "uint32": "u32", "uint64": "u64", "float16": "f", "float32": "f", "float64": "d"}
# C99 complex types: the C target only (a renderer built from CTYPES, CUDA's, has none)
COMPLEX_CTYPES = {"complex64": "float _Complex", "complex128": "double _Complex"}
# float16 is stored as _Float16 and computed in float, as NumPy's half loops do
_SINGLE = (np.dtype(np.float16), np.dtype(np.float32))

# ops that are one libm call on floats: name of the double version
_FLOAT_CALLS = {
    Op.SQRT: "sqrt", Op.CBRT: "cbrt", Op.EXP: "exp", Op.EXP2: "exp2", Op.EXPM1: "expm1",
    Op.LOG: "log", Op.LOG2: "log2", Op.LOG10: "log10", Op.LOG1P: "log1p", Op.SIN: "sin",
    Op.COS: "cos", Op.TAN: "tan", Op.ARCSIN: "asin", Op.ARCCOS: "acos", Op.ARCTAN: "atan",
    Op.SINH: "sinh", Op.COSH: "cosh", Op.TANH: "tanh", Op.ARCSINH: "asinh",
    Op.ARCCOSH: "acosh", Op.ARCTANH: "atanh", Op.FLOOR: "floor", Op.CEIL: "ceil",
    Op.TRUNC: "trunc", Op.RINT: "rint", Op.ABSOLUTE: "fabs", Op.ARCTAN2: "atan2",
    Op.HYPOT: "hypot", Op.COPYSIGN: "copysign", Op.FMAX: "npa_fmax", Op.FMIN: "npa_fmin",
    Op.POWER: "pow", Op.FMOD: "fmod",
    Op.FABS: "fabs", Op.FLOAT_POWER: "pow", Op.HEAVISIDE: "npa_heaviside",
    Op.LOGADDEXP: "npa_logaddexp", Op.LOGADDEXP2: "npa_logaddexp2",
}
# NumPy's npy_radians/npy_degrees: one multiplication by a constant of the loop's type
_ANGLE = {Op.RADIANS: "((double)M_PI / 180.0)", Op.DEG2RAD: "((double)M_PI / 180.0)",
          Op.DEGREES: "(180.0 / (double)M_PI)", Op.RAD2DEG: "(180.0 / (double)M_PI)"}
_INFIX = {Op.ADD: "+", Op.SUBTRACT: "-", Op.MULTIPLY: "*", Op.TRUE_DIVIDE: "/",
          Op.BITWISE_AND: "&", Op.BITWISE_OR: "|", Op.BITWISE_XOR: "^",
          Op.EQUAL: "==", Op.NOT_EQUAL: "!=", Op.LESS: "<", Op.LESS_EQUAL: "<=",
          Op.GREATER: ">", Op.GREATER_EQUAL: ">="}
_BOOL_INFIX = {Op.ADD: "||", Op.MULTIPLY: "&&"}
# comparison -> (result when the first operand is the negative signed one, result when the
# second is), for NumPy's mixed int64/uint64 loops
_MIXED_SIGN_ORDER = {Op.EQUAL: (False, False), Op.NOT_EQUAL: (True, True), Op.LESS: (True, False),
                     Op.LESS_EQUAL: (True, False), Op.GREATER: (False, True), Op.GREATER_EQUAL: (False, True)}
_HELPERS = {Op.FLOOR_DIVIDE: "npa_floordiv", Op.REMAINDER: "npa_remainder",
            Op.LEFT_SHIFT: "npa_lshift", Op.RIGHT_SHIFT: "npa_rshift"}
_TEMPLATES = {
    Op.NEGATIVE: "(-{0})", Op.POSITIVE: "({0})", Op.SQUARE: "({0} * {0})",
    Op.MAXIMUM: "npa_maximum({0}, {1})", Op.MINIMUM: "npa_minimum({0}, {1})",
    Op.SIGN: "npa_sign({0})", Op.WHERE: "({0} ? {1} : {2})",
    Op.CHECK_INDEX: "npa_check_index({0}, {1}, &npa_err)",
    Op.LOGICAL_AND: "(({0} != 0) && ({1} != 0))", Op.LOGICAL_OR: "(({0} != 0) || ({1} != 0))",
    Op.LOGICAL_XOR: "(({0} != 0) != ({1} != 0))", Op.LOGICAL_NOT: "(!{0})",
    Op.CLIP: "npa_clip({0}, {1}, {2})",   # NumPy's clip loop (npaccel_math.h)
}


class CRenderer:
    """Types, literals and op expressions for C99 (shared by the CUDA renderer)."""

    ctypes = {**CTYPES, **COMPLEX_CTYPES}   # dtype name -> C type; another target may override it

    def ctype(self, dtype) -> str:
        try:
            return self.ctypes[np.dtype(dtype).name]
        except KeyError:
            raise NotImplementedError(f"no C type for {np.dtype(dtype)}") from None

    def literal(self, value, dtype) -> str:
        dtype = np.dtype(dtype)
        if dtype.kind == "b":
            return "1" if value else "0"
        if dtype.kind in "iu":
            v = int(value)
            if dtype.kind == "u":
                return f"UINT64_C({v})"
            if v == -2**63:
                return "(-INT64_C(9223372036854775807) - 1)"
            return f"INT64_C({v})"
        if dtype.kind == "c":
            part = np.dtype(f"float{dtype.itemsize * 4}")
            make = "CMPLXF" if dtype == np.complex64 else "CMPLX"
            v = complex(value)
            return f"{make}({self.literal(v.real, part)}, {self.literal(v.imag, part)})"
        v = float(value)
        f = "f" if dtype in _SINGLE else ""
        if math.isnan(v):
            return f"(({self.ctype(dtype)})NAN)"
        if math.isinf(v):
            return f"(({self.ctype(dtype)}){'-' if v < 0 else ''}INFINITY)"
        if dtype == np.float16:
            return f"(({self.ctype(dtype)}){float(np.float16(v)).hex()}f)"
        if dtype == np.float32:
            v = float(np.float32(v))
        if math.copysign(1.0, v) < 0:        # (-x) of it must not read as --x
            return f"({v.hex()}{f})"
        return v.hex() + f

    def cast(self, expr, src, dst) -> str:
        src, dst = np.dtype(src), np.dtype(dst)
        if src == dst:
            return expr
        if dst.kind == "b":
            return f"(({expr}) != 0)"
        if src.kind == "c" and dst.kind != "c":    # NumPy keeps the real part (ComplexWarning)
            self.ctype(src)
            part = np.dtype(f"float{src.itemsize * 4}")
            return self.cast(f"creal{'f' if src == np.complex64 else ''}({expr})", part, dst)
        if src.kind == "f" and dst.kind in "iu":
            # out of range is undefined in C: NumPy's x86-64 results (npaccel_math.h)
            name = "u32_h" if src == np.float16 and dst == np.uint32 else _SUFFIX[dst.name]
            return f"npa_cast_{name}((double)({expr}))"
        return f"(({self.ctype(dst)})({expr}))"

    def op(self, op: Op, in_dtypes, out_dtype, args, err="&npa_err") -> str:
        in0 = np.dtype(in_dtypes[0])
        out = np.dtype(out_dtype)
        kind = in0.kind
        ctype = self.ctype(out)
        if op is Op.CAST:
            return self.cast(args[0], in0, out)
        if op is Op.CHECK_NONZERO:
            return f"npa_nonzero_{'f' if kind == 'f' else 'i'}({args[0]}, {args[1]}, {err})"
        if op in (Op.PY_ADD, Op.PY_SUB, Op.PY_MUL, Op.PY_LSHIFT, Op.PY_POW, Op.PY_MATH, Op.PY_INT):
            return f"npa_{op.value}({', '.join(args)}, {err})"
        if op is Op.MAKE_COMPLEX:
            return f"{'CMPLXF' if out == np.complex64 else 'CMPLX'}({args[0]}, {args[1]})"
        if op is not Op.WHERE and any(np.dtype(d).kind == "c" for d in in_dtypes):
            return complex_op(self, op, in_dtypes, out, args)
        if op in (Op.CONJUGATE, Op.REAL):      # of a real number: itself
            return args[0]
        if op is Op.IMAG:
            return self.literal(0, out)
        if kind in "biu" and op in (Op.FLOOR, Op.CEIL, Op.TRUNC):      # NumPy 2: integers unchanged
            return args[0]
        if in0 == np.float16 and op in (Op.MAXIMUM, Op.MINIMUM):   # NumPy's half loop: ties keep the first
            return f"(({ctype})npa_{op.value}_h({args[0]}, {args[1]}))"
        if kind == "f" and op in _FLOAT_CALLS:
            name = _FLOAT_CALLS[op] + ("f" if in0 in _SINGLE else "")
            return f"{name}({', '.join(args)})"
        if kind == "f" and op in _ANGLE:
            single = in0 in _SINGLE
            factor = _ANGLE[op].replace("(double)M_PI", "(float)M_PI").replace(".0)", ".0f)") if single else _ANGLE[op]
            return f"({args[0]} * {factor})"
        if kind == "f" and op in (Op.FLOOR_DIVIDE, Op.REMAINDER):
            return f"{_HELPERS[op]}_{_SUFFIX[in0.name]}({args[0]}, {args[1]})"
        if op is Op.RECIPROCAL:
            one = self.literal(1, in0)
            if kind == "f":
                return f"({one} / {args[0]})"
            # NumPy's integer loop: (T)(1.0 / x), so 1/0 is inf cast to T (npaccel_math.h)
            return self.cast(f"(1.0 / (double)({args[0]}))", np.dtype(np.float64), out)
        if kind in "iu":
            if op in _HELPERS or op is Op.FMOD:
                name = "npa_fmod" if op is Op.FMOD else _HELPERS[op]
                return f"{name}_{_SUFFIX[in0.name]}({args[0]}, {args[1]})"
            if op is Op.POWER:
                return f"npa_power_{_SUFFIX[in0.name]}({args[0]}, {args[1]}, {err})"
            if op is Op.ABSOLUTE:
                return args[0] if kind == "u" else f"(({ctype})({args[0]} < 0 ? -{args[0]} : {args[0]}))"
            if op is Op.INVERT:
                return f"(({ctype})(~{args[0]}))"
            if op in (Op.ISNAN, Op.ISINF, Op.SIGNBIT):
                return "0" if op is not Op.SIGNBIT or kind == "u" else f"({args[0]} < 0)"
            if op is Op.ISFINITE:
                return "1"
        if kind == "b":
            if op in _BOOL_INFIX:
                return f"({args[0]} {_BOOL_INFIX[op]} {args[1]})"
            if op is Op.INVERT:
                return f"(!{args[0]})"
            if op in (Op.ABSOLUTE, Op.POSITIVE):
                return args[0]
            if op in (Op.ISNAN, Op.ISINF, Op.SIGNBIT):
                return "0"
            if op is Op.ISFINITE:
                return "1"
            if op in (Op.MAXIMUM, Op.FMAX):
                return f"({args[0]} || {args[1]})"
            if op in (Op.MINIMUM, Op.FMIN):
                return f"({args[0]} && {args[1]})"
        if kind == "f" and op in (Op.ISNAN, Op.ISINF, Op.ISFINITE, Op.SIGNBIT):
            fn = {Op.ISNAN: "isnan", Op.ISINF: "isinf", Op.ISFINITE: "isfinite", Op.SIGNBIT: "signbit"}[op]
            return f"({fn}({args[0]}) != 0)"
        if op in _MIXED_SIGN_ORDER and {np.dtype(d).kind for d in in_dtypes} == {"i", "u"}:
            # NumPy 2's int64/uint64 comparison loops compare the mathematical values: a
            # negative signed operand is below every unsigned one (C would convert it)
            negative_first = np.dtype(in_dtypes[0]).kind == "i"
            signed = args[0] if negative_first else args[1]
            when_negative = "1" if _MIXED_SIGN_ORDER[op][0 if negative_first else 1] else "0"
            return (f"(({signed}) < 0 ? {when_negative} : "
                    f"((uint64_t)({args[0]}) {_INFIX[op]} (uint64_t)({args[1]})))")
        if op in _INFIX:
            expr = f"{args[0]} {_INFIX[op]} {args[1]}"
            return f"({expr})" if out.kind == "b" else f"(({ctype})({expr}))"
        if op in _TEMPLATES:
            expr = _TEMPLATES[op].format(*args)
            return expr if out.kind == "b" or op is Op.WHERE else f"(({ctype}){expr})"
        if kind in "iu" and op in (Op.MAXIMUM, Op.FMAX):
            return f"({args[0]} > {args[1]} ? {args[0]} : {args[1]})"
        if kind in "iu" and op in (Op.MINIMUM, Op.FMIN):
            return f"({args[0]} < {args[1]} ? {args[0]} : {args[1]})"
        raise NotImplementedError(f"no C rendering of {op.value} for {in0}")

    def scalar_op(self, op: Op, in_dtypes, out_dtype, args) -> str:
        """``op`` as NumPy's scalar math computes it (c_complex.scalar_math says when)."""
        return complex_op(self, op, in_dtypes, out_dtype, args, scalar=True)


C = CRenderer()

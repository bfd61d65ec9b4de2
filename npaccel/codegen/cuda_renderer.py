"""CUDA C text for types, literals and ops: the C renderer with two differences.

- float16 is ``npa_half`` (runtime_c/npaccel_cuda.h: a ``__half`` in memory that converts
  to and from float, with no arithmetic of its own), and every op on float16 operands is
  computed in float and rounded once to half, as NumPy's half loops do.
- Integer add, subtract, multiply, negative, square and absolute are computed in an
  unsigned type and converted back: the C backend relies on ``-fwrapv`` for wrapping
  overflow, which nvcc has no equivalent of (signed overflow is undefined in CUDA C++).

Everything else (the op table, NaN rules, division by zero helpers) is the C renderer's.

>>> import numpy as np
>>> i8, f2 = np.dtype("int64"), np.dtype("float16")
>>> CUDA.op(Op.ADD, (i8, i8), i8, ["a", "b"])
'((int64_t)((uint64_t)(a) + (uint64_t)(b)))'
>>> CUDA.op(Op.EXP, (f2,), f2, ["h"])
'expf(((float)(h)))'
>>> CUDA.literal(1.5, f2)
'((npa_half)0x1.8000000000000p+0f)'
"""
from __future__ import annotations

import numpy as np

from ..ir.ops import Op
from .c_renderer import CTYPES, CRenderer

CUDA_CTYPES = {**CTYPES, "float16": "npa_half"}

_WRAPPED_INFIX = {Op.ADD: "+", Op.SUBTRACT: "-", Op.MULTIPLY: "*"}


class CudaRenderer(CRenderer):
    ctypes = CUDA_CTYPES

    def op(self, op: Op, in_dtypes, out_dtype, args, err="&npa_err") -> str:
        in0, out = np.dtype(in_dtypes[0]), np.dtype(out_dtype)
        if in0 == np.float16:
            args = [f"((float)({a}))" for a in args]
        elif in0.kind in "iu" and out == in0:
            wrapped = self._wrapping(op, in0, args)
            if wrapped is not None:
                return wrapped
        return super().op(op, in_dtypes, out_dtype, args, err)

    def _wrapping(self, op, dt, args):
        t = self.ctype(dt)
        u = "uint64_t" if dt.itemsize == 8 else "uint32_t"
        if op in _WRAPPED_INFIX:
            return f"(({t})(({u})({args[0]}) {_WRAPPED_INFIX[op]} ({u})({args[1]})))"
        if op is Op.SQUARE:
            return f"(({t})(({u})({args[0]}) * ({u})({args[0]})))"
        if op is Op.NEGATIVE:
            return f"(({t})(({u})0 - ({u})({args[0]})))"
        if op is Op.ABSOLUTE and dt.kind == "i":
            return f"(({t})({args[0]} < 0 ? ({u})0 - ({u})({args[0]}) : ({u})({args[0]})))"
        return None


CUDA = CudaRenderer()

"""If-conversion: a branch on data that only picks a value becomes a select (CPU).

``if c: x = a`` / ``else: x = b`` where both arms set the same scalar locals, and every value
(and ``c``) is safe to compute whatever ``c`` says, becomes ``x = c ? a : b``: no branch for
the predictor to miss (a CRC's low-bit test flips at random). Safe means: built from scalar
locals, arguments, sizes and constants by operations that cannot read memory, trap or set an
error: no array element read, no reduction, no integer division, remainder or power, no index or
overflow check, no Python-int or ``math`` call that raises, no float to int conversion
(float division, remainder and powers give inf or NaN: they are safe).
A pure pass over the program's statements; the C statement writer renders ``If.select``.

>>> import numpy as np
>>> from npaccel.ir import program as P
>>> from npaccel.ir.nodes import Const, Elementwise, ScalarVar
>>> from npaccel.ir.ops import Op
>>> u2 = np.dtype(np.uint16)
>>> crc = ScalarVar(vid=1, name="crc", dtype=u2)
>>> ew = lambda op, *args: Elementwise(op=op, args=args, in_dtypes=tuple(a.dtype for a in args), dtype=u2)
>>> one, poly = Const(value=1, dtype=u2), Const(value=0xA001, dtype=u2)
>>> branch = P.If(cond=ew(Op.BITWISE_AND, crc, one),
...               then=(P.SetScalars(((crc, ew(Op.BITWISE_XOR, ew(Op.RIGHT_SHIFT, crc, one), poly)),)),),
...               orelse=(P.SetScalars(((crc, ew(Op.RIGHT_SHIFT, crc, one)),)),))
>>> if_convert((branch,))[0].select
True
>>> divided = P.If(cond=branch.cond, then=(P.SetScalars(((crc, ew(Op.FLOOR_DIVIDE, poly, crc)),)),),
...                orelse=branch.orelse)
>>> if_convert((divided,))[0].select       # crc may be 0 where the branch is not taken
False
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import program as P
from ..ir.nodes import Const, DimValue, Elementwise, ScalarParam, ScalarVar, topo_order
from ..ir.ops import Op

# operations that can raise or read memory (a checked index, a helper that sets the error)
_UNSAFE_OPS = frozenset({Op.CHECK_INDEX, Op.CHECK_NONZERO, Op.PY_ADD, Op.PY_SUB, Op.PY_MUL, Op.PY_LSHIFT, Op.PY_POW, Op.PY_MATH,
                         Op.PY_INT})
# ... and those that trap or raise on integers only (division by zero, a negative power);
# on floats they give inf or NaN
_INTEGER_TRAPS = frozenset({Op.FLOOR_DIVIDE, Op.REMAINDER, Op.FMOD, Op.POWER, Op.RECIPROCAL})
_LEAVES = (Const, ScalarVar, ScalarParam, DimValue)


def if_convert(block) -> tuple:
    """``block`` (and the blocks in it) with ``select`` set on each branch that qualifies."""
    out = []
    for s in block:
        s = P.with_blocks(s, if_convert)
        if isinstance(s, P.If) and _picks_a_value(s):
            s = replace(s, select=True)
        out.append(s)
    return tuple(out)


def _picks_a_value(s) -> bool:
    arms = (s.then, s.orelse)
    if not all(len(a) == 1 and isinstance(a[0], P.SetScalars) for a in arms):
        return False
    targets = [v for v, _ in s.then[0].pairs]
    if len(set(targets)) != len(targets) or {v for v, _ in s.orelse[0].pairs} != set(targets):
        return False
    return all(safe_anywhere(x) for x in [s.cond] + [x for a in arms for _, x in a[0].pairs])


def safe_anywhere(node) -> bool:
    """Can ``node`` be computed whatever a branch around it says (see the module docstring)?"""
    return all(_safe(x) for x in topo_order([node]))


def _safe(x) -> bool:
    """Is ``x`` itself (its operands aside) safe to compute anywhere?"""
    if isinstance(x, _LEAVES):
        return x.ndim == 0
    if not isinstance(x, Elementwise) or x.ndim or x.op in _UNSAFE_OPS:
        return False
    if x.op in _INTEGER_TRAPS and any(t.kind in "iub" for t in x.in_dtypes):
        return False
    # float -> int of a NaN or an out-of-range value: undefined in C
    return not (x.op is Op.CAST and x.args[0].dtype.kind in "fc" and x.dtype.kind in "iu")

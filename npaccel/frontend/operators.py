"""The Python operators of the source (gast node types) and the functions that implement
them: NumPy's ufuncs for array values, Python's ``operator`` for values known now, the size
arithmetic for dims, and the names of reductions and builtins the frontend lowers."""
import operator

import gast
import numpy as np

from ..ir.dims import dim_add, dim_mul, dim_sub
from ..ir.ops import Op

BINOPS = {gast.Add: np.add, gast.Sub: np.subtract, gast.Mult: np.multiply,
           gast.Div: np.true_divide, gast.FloorDiv: np.floor_divide, gast.Mod: np.remainder,
           gast.Pow: np.power, gast.BitAnd: np.bitwise_and, gast.BitOr: np.bitwise_or,
           gast.BitXor: np.bitwise_xor, gast.LShift: np.left_shift, gast.RShift: np.right_shift}
PYOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.BitAnd: operator.and_, gast.BitOr: operator.or_,
          gast.BitXor: operator.xor, gast.LShift: operator.lshift, gast.RShift: operator.rshift,
          gast.MatMult: operator.matmul}
CMPOPS = {gast.Eq: np.equal, gast.NotEq: np.not_equal, gast.Lt: np.less, gast.LtE: np.less_equal,
           gast.Gt: np.greater, gast.GtE: np.greater_equal}
PYCMP = {gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Lt: operator.lt, gast.LtE: operator.le,
          gast.Gt: operator.gt, gast.GtE: operator.ge, gast.Is: operator.is_,
          gast.IsNot: operator.is_not, gast.In: lambda a, b: a in b,
          gast.NotIn: lambda a, b: a not in b}
UNARY = {gast.USub: np.negative, gast.UAdd: np.positive, gast.Invert: np.invert}
PYUNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Invert: operator.invert,
            gast.Not: operator.not_}
DIM_OPS = {gast.Add: dim_add, gast.Sub: dim_sub, gast.Mult: dim_mul}
ZERO_DIVISION = (gast.Div, gast.FloorDiv, gast.Mod)
PY_INT_OPS = {gast.Add: Op.PY_ADD, gast.Sub: Op.PY_SUB, gast.Mult: Op.PY_MUL, gast.LShift: Op.PY_LSHIFT}
MATH_OVERFLOWS = {"exp", "expm1", "exp2", "cosh", "sinh", "pow", "hypot", "ldexp"}   # CPython's can_overflow
# np.<name> and array methods that are reductions: (op, NumPy function for typing)
REDUCTIONS = {"sum": Op.SUM, "prod": Op.PROD, "max": Op.MAX, "amax": Op.MAX, "min": Op.MIN,
               "amin": Op.MIN, "any": Op.ANY, "all": Op.ALL}
BUILTIN_UFUNCS = {abs: np.absolute}

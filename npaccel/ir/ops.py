"""The op enum and its metadata table.

Elementwise ops name the NumPy ufunc whose type resolution and errors they follow exactly;
the C text for each op lives in the renderers (codegen), not here.

>>> OPS[Op.ADD].ufunc is np.add, OPS[Op.ADD].arity
(True, 2)
>>> UFUNC_OPS[np.sqrt]
<Op.SQRT: 'sqrt'>

Reductions carry one record each (``REDUCTIONS``): what the frontend, the planner, the
generators and the Dask planner need to know about them, beside their C text
(codegen/c_reductions.py).

>>> REDUCTIONS[Op.SUM].ufunc is np.add, REDUCTIONS[Op.MAX].identity, REDUCTIONS[Op.SUM].dask
(True, False, 'sum')
>>> sorted(op.value for op, r in REDUCTIONS.items() if r.folds)
['all', 'any', 'max', 'min', 'nanmax', 'nanmin', 'prod', 'sum']
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np


class Op(enum.Enum):
    # arithmetic
    ADD = "add"
    SUBTRACT = "subtract"
    MULTIPLY = "multiply"
    TRUE_DIVIDE = "true_divide"
    FLOOR_DIVIDE = "floor_divide"
    REMAINDER = "remainder"
    FMOD = "fmod"
    POWER = "power"
    NEGATIVE = "negative"
    POSITIVE = "positive"
    ABSOLUTE = "absolute"
    SIGN = "sign"
    SQUARE = "square"
    RECIPROCAL = "reciprocal"
    # float math
    SQRT = "sqrt"
    CBRT = "cbrt"
    EXP = "exp"
    EXP2 = "exp2"
    EXPM1 = "expm1"
    LOG = "log"
    LOG2 = "log2"
    LOG10 = "log10"
    LOG1P = "log1p"
    SIN = "sin"
    COS = "cos"
    TAN = "tan"
    ARCSIN = "arcsin"
    ARCCOS = "arccos"
    ARCTAN = "arctan"
    ARCTAN2 = "arctan2"
    HYPOT = "hypot"
    SINH = "sinh"
    COSH = "cosh"
    TANH = "tanh"
    ARCSINH = "arcsinh"
    ARCCOSH = "arccosh"
    ARCTANH = "arctanh"
    FLOOR = "floor"
    CEIL = "ceil"
    TRUNC = "trunc"
    RINT = "rint"
    COPYSIGN = "copysign"
    RADIANS = "radians"
    DEGREES = "degrees"
    DEG2RAD = "deg2rad"
    RAD2DEG = "rad2deg"
    # min/max
    MAXIMUM = "maximum"
    MINIMUM = "minimum"
    FMAX = "fmax"
    FMIN = "fmin"
    # predicates
    ISNAN = "isnan"
    ISINF = "isinf"
    ISFINITE = "isfinite"
    SIGNBIT = "signbit"
    # comparisons
    EQUAL = "equal"
    NOT_EQUAL = "not_equal"
    LESS = "less"
    LESS_EQUAL = "less_equal"
    GREATER = "greater"
    GREATER_EQUAL = "greater_equal"
    # logic and bits
    LOGICAL_AND = "logical_and"
    LOGICAL_OR = "logical_or"
    LOGICAL_XOR = "logical_xor"
    LOGICAL_NOT = "logical_not"
    BITWISE_AND = "bitwise_and"
    BITWISE_OR = "bitwise_or"
    BITWISE_XOR = "bitwise_xor"
    INVERT = "invert"
    LEFT_SHIFT = "left_shift"
    RIGHT_SHIFT = "right_shift"
    # not ufuncs
    WHERE = "where"
    CHECK_INDEX = "check_index"   # (i, n): i wrapped like a Python index, else IndexError at run time
    CHECK_NONZERO = "check_nonzero"   # (v, code): v, else Python's ZeroDivisionError (code 6-10)
    PY_ADD = "py_add"             # + - * of Python ints known at run time: an error past 64 bits
    PY_SUB = "py_sub"
    PY_MUL = "py_mul"
    PY_LSHIFT = "py_lshift"       # << of Python ints: a negative count is ValueError, past 64 bits Python runs
    PY_POW = "py_pow"             # ** of Python ints: a negative exponent (a float) or past 64 bits, Python runs
    PY_MATH = "py_math"           # (result, input, can_overflow): Python's math errors at run time
    PY_INT = "py_int"             # int() of a Python float: NaN/inf raise, past 64 bits Python runs
    MAKE_COMPLEX = "make_complex"  # complex(x, y) of two floats: exactly x + yj (C's CMPLX)
    CAST = "cast"
    # reductions
    SUM = "sum"
    PROD = "prod"
    MAX = "max"
    MIN = "min"
    ANY = "any"
    ALL = "all"
    # NumPy fidelity (calls_math.py): more ufuncs, clip, nan-reductions, index reductions, scans
    HEAVISIDE = "heaviside"
    LOGADDEXP = "logaddexp"
    LOGADDEXP2 = "logaddexp2"
    FABS = "fabs"
    FLOAT_POWER = "float_power"
    CLIP = "clip"                 # NumPy 2's clip ufunc (np._core.umath.clip)
    NANMAX = "nanmax"             # fmax.reduce: NaN only where every element is NaN
    NANMIN = "nanmin"
    ARGMAX = "argmax"             # index of the first maximum (first NaN wins), int64
    ARGMIN = "argmin"
    CUMSUM = "cumsum"             # scans (nodes.Scan): add.accumulate / multiply.accumulate
    CUMPROD = "cumprod"
    SORT = "sort"                 # nodes.Sort: np.sort (values) / np.argsort (int64 positions)
    ARGSORT = "argsort"
    SEARCHSORTED = "searchsorted"   # nodes.SearchSorted
    COMPACT = "compact"           # nodes.Compact: x[mask] as a value (data-dependent length)
    BINCOUNT = "bincount"         # nodes.BinCount
    UNIQUE = "unique"             # nodes.Unique: the sorted distinct values
    UNIQUE_COUNTS = "unique_counts"   # nodes.Unique: how often each occurs
    # complex numbers
    CONJUGATE = "conjugate"
    REAL = "real"                 # np.real / x.real as a value (a float of the complex's precision)
    IMAG = "imag"


@dataclass(frozen=True)
class OpInfo:
    arity: int
    kind: str                 # "elementwise" | "reduce"
    ufunc: object = None      # the NumPy ufunc whose typing rules apply


@dataclass(frozen=True)
class Reduction:
    """One reduction op, as every stage sees it."""
    ufunc: object             # NumPy's ufunc whose .reduce this is (None: argmax/argmin)
    folds: bool               # one accumulator folded element by element: sibling reductions
                              # share a loop, Dask combines partial results with ``ufunc``
    identity: bool            # a result for empty input (max/min and argmax/argmin raise)
    dask: str                 # the dask.array function of the same name
    simd: str = ""            # OpenMP reduction operator where lanes give NumPy's result
    simd_kinds: str = ""      # the accumulator kinds that may use it
    widens: bool = False      # float16/float32 accumulate in double (sums and products)


REDUCTIONS = {
    Op.SUM: Reduction(np.add, True, True, "sum", "+", "iufc", True),
    Op.PROD: Reduction(np.multiply, True, True, "prod", "*", "iu", True),
    Op.MAX: Reduction(np.maximum, True, False, "max", "max", "iuf"),
    Op.MIN: Reduction(np.minimum, True, False, "min", "min", "iuf"),
    Op.ANY: Reduction(np.logical_or, True, True, "any"),
    Op.ALL: Reduction(np.logical_and, True, True, "all"),
    Op.NANMAX: Reduction(np.fmax, True, False, "nanmax"),
    Op.NANMIN: Reduction(np.fmin, True, False, "nanmin"),
    Op.ARGMAX: Reduction(None, False, False, "argmax"),
    Op.ARGMIN: Reduction(None, False, False, "argmin"),
}
FOLDING_REDUCTIONS = {r.ufunc: op for op, r in REDUCTIONS.items() if r.folds}   # ufunc -> its reduce op


def folds_in_lanes(op, dtype) -> bool:
    """Does a whole-array ``op`` reduction to ``dtype`` fold in OpenMP SIMD lanes (sums and
    products of real values, integer min/max), so that it can share a pass with others
    (passes/plan.py, codegen/c_full_reductions.py)? Float min/max keep NaN's rules in lanes
    of their own, complex folds do not run in lanes.

    >>> folds_in_lanes(Op.SUM, np.dtype("float32")), folds_in_lanes(Op.MAX, np.dtype("float64"))
    (True, False)
    """
    r = REDUCTIONS.get(op)
    dtype = np.dtype(dtype)
    if r is None or not r.folds or not r.simd or dtype.kind == "c":
        return False
    if op in (Op.MAX, Op.MIN) and dtype.kind == "f":
        return False
    return dtype.kind in r.simd_kinds and (dtype != np.float16 or r.widens)


def _table():
    table = {}
    for op in Op:
        uf = getattr(np, op.value, None)
        if isinstance(uf, np.ufunc):
            table[op] = OpInfo(uf.nin, "elementwise", uf)
    table[Op.WHERE] = OpInfo(3, "elementwise")
    table[Op.CHECK_INDEX] = OpInfo(2, "elementwise")
    table[Op.CHECK_NONZERO] = OpInfo(2, "elementwise")
    for op in (Op.PY_ADD, Op.PY_SUB, Op.PY_MUL, Op.PY_LSHIFT, Op.PY_POW):
        table[op] = OpInfo(2, "elementwise")
    table[Op.PY_MATH] = OpInfo(3, "elementwise")
    table[Op.PY_INT] = OpInfo(1, "elementwise")
    table[Op.MAKE_COMPLEX] = OpInfo(2, "elementwise")
    table[Op.CAST] = OpInfo(1, "elementwise")
    table[Op.REAL] = OpInfo(1, "elementwise")
    table[Op.IMAG] = OpInfo(1, "elementwise")
    for op, r in REDUCTIONS.items():
        table[op] = OpInfo(1, "reduce", r.ufunc)
    table[Op.CLIP] = OpInfo(3, "elementwise", np._core.umath.clip)
    table[Op.CUMSUM] = OpInfo(1, "scan", np.add)
    table[Op.CUMPROD] = OpInfo(1, "scan", np.multiply)
    return table


OPS: dict = _table()
UFUNC_OPS: dict = {info.ufunc: op for op, info in OPS.items() if info.kind == "elementwise" and info.ufunc}
REDUCE_OPS = frozenset(op for op, info in OPS.items() if info.kind == "reduce")
# elementwise ops compiled with complex operands (codegen/c_complex.py renders each); the
# other ufuncs that NumPy defines for complex (sin, log10, ...) are not compiled for them
COMPLEX_OPS = frozenset({
    Op.ADD, Op.SUBTRACT, Op.MULTIPLY, Op.TRUE_DIVIDE, Op.POWER, Op.NEGATIVE, Op.POSITIVE,
    Op.ABSOLUTE, Op.SIGN, Op.SQUARE, Op.RECIPROCAL, Op.SQRT, Op.EXP, Op.LOG, Op.CONJUGATE,
    Op.REAL, Op.IMAG, Op.MAXIMUM, Op.MINIMUM, Op.FMAX, Op.FMIN, Op.ISNAN, Op.ISINF, Op.ISFINITE,
    Op.EQUAL, Op.NOT_EQUAL, Op.LESS, Op.LESS_EQUAL, Op.GREATER, Op.GREATER_EQUAL,
    Op.LOGICAL_AND, Op.LOGICAL_OR, Op.LOGICAL_XOR, Op.LOGICAL_NOT, Op.WHERE, Op.CAST})

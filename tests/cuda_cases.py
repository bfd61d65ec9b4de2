"""Fidelity cases for the CUDA backend, shared by the nvcc compile tests, the emulated runs
and the gpu tests: every dtype, integer division by zero, wrapping overflow, NaN through
maximum/minimum/max/min, float16, reductions over each axis and with keepdims, views with
negative steps, non-contiguous inputs, broadcasting, 0-d and empty arrays, Python scalars.

``CASES`` maps a name to (function, make_args, rtol); make_args returns fresh inputs.
"""
from __future__ import annotations

import numpy as np

INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
FLOAT_DTYPES = ("float16", "float32", "float64")


def _rng(seed):
    return np.random.default_rng(seed)


def _values(dtype, shape, seed=0):
    dtype = np.dtype(dtype)
    rng = _rng(seed)
    if dtype.kind == "b":
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -100), min(info.max, 100)
        out = rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)
        flat = out.reshape(-1)
        if flat.size >= 4:   # the extremes, so that overflow wraps
            flat[0], flat[1], flat[2] = info.max, info.min, 0
        return out
    return (rng.standard_normal(shape) * 3).astype(dtype)


# ---- functions (module level: the frontend reads their source) -------------------------

def arith(x, y):
    return x + y, x - y, x * y, x // y, x % y, np.maximum(x, y), np.minimum(x, y), x < y, x == y


def unary_int(x):
    return -x, abs(x), x * x, ~x, x >> 1, x << 2, x & 5, x | 9, x ^ 3


def float_math(x):
    return (np.sqrt(np.abs(x)), np.exp(x / 4), np.log(np.abs(x) + 1), np.sin(x), np.cos(x), np.tanh(x),
            np.floor(x), np.rint(x), x ** 3, np.abs(x) ** 0.5, 1.0 / x, np.arctan2(x, 2.0))


def division_by_zero(a, b):
    return a // b, a % b, np.fmod(a, b)


def nan_minmax(x, y):
    # (no fmax of -0.0 and 0.0: NumPy's own result depends on the array length there)
    return np.maximum(x, y), np.minimum(x, y), np.fmax(x, y + 1.0), x.max(), y.min(axis=0)


def wrapping(a):
    return a + a, a * 3, -a, abs(a), a - 1


def power(a, p):
    return a ** p


def reduce_axes(x):
    return (x.sum(axis=0), x.sum(axis=1), x.max(axis=2), x.min(axis=(0, 2), keepdims=True),
            x.prod(axis=1, keepdims=True), x.sum(), np.mean(x, axis=-1))


def reduce_long_rows(x):
    # few outputs, long rows: one block per output; many outputs: one thread per output
    return x.sum(axis=1), x.max(axis=1), x.sum(axis=0), x.min(axis=0), x.sum()


def bool_reduce(b):
    return b.any(axis=0), b.all(axis=1), b.any(), b.all(), b.sum(axis=0), b.sum()


def views(x):
    return x[::-1, ::2] * 2.0 + x[::-1, 1::2], x[1:-1, ::-3].sum(axis=0), x.T[::-2] - 1.0


def broadcast(x, y):
    return x * y + 1.0, x - y, (x + y).sum(axis=0)


def float16_ops(h, g):
    return h * g + h, np.sqrt(np.abs(h)), h / g, np.maximum(h, g), h.max(axis=0), h.sum(), h.astype(np.float32)


def where_and_scalars(c, x, s):
    return np.where(c, x, -x) * s + s, np.where(x > s, x, s)


def standardize_like(x):
    return (x - x.mean(axis=0)) / x.std(axis=0), np.exp(x - x.max(axis=1, keepdims=True)).sum(axis=1)


def zero_d(x, y):
    return x * y + 1.0, (x + y).sum()


def mixed_dtypes(a, b):
    return a + b, a * 1.5, (a > 0) & (b < 0), a.astype(np.float64) / b


# ---- cases -------------------------------------------------------------------------------

def _arith_args(dtype):
    def make():
        return _values(dtype, (37,), 1), _values(dtype, (37,), 2)
    return make


CASES = {}
for _dt in INT_DTYPES + FLOAT_DTYPES:
    CASES[f"arith_{_dt}"] = (arith, _arith_args(_dt), None)
for _dt in INT_DTYPES:
    CASES[f"unary_{_dt}"] = (unary_int, lambda _dt=_dt: (_values(_dt, (33,), 3),), None)
    CASES[f"wrapping_{_dt}"] = (wrapping, lambda _dt=_dt: (_values(_dt, (9,), 4),), None)
for _dt in FLOAT_DTYPES:
    CASES[f"float_math_{_dt}"] = (float_math, lambda _dt=_dt: (_values(_dt, (41,), 5),),
                                  {np.dtype(np.float16): 2e-3, np.dtype(np.float32): 4e-6,
                                   np.dtype(np.float64): 1e-13})
CASES.update({
    "arith_bool": (lambda x, y: (x + y, x * y, x < y, x == y, np.maximum(x, y)), _arith_args("bool"), None),
    "division_by_zero_int64": (division_by_zero, lambda: (
        np.array([7, -7, 0, np.iinfo(np.int64).min, 5, -9], np.int64),
        np.array([0, 2, 0, -1, -3, 0], np.int64)), None),
    "division_by_zero_uint8": (division_by_zero, lambda: (
        np.array([7, 255, 0, 3], np.uint8), np.array([0, 2, 0, 0], np.uint8)), None),
    "division_by_zero_float64": (division_by_zero, lambda: (
        np.array([7.5, -7.5, 0.0, -0.0, np.inf, 1.0, np.nan, 3.0]),
        np.array([2.0, 2.0, -1.0, 3.0, 2.0, 0.0, 1.0, -np.inf])), None),
    "nan_minmax": (nan_minmax, lambda: (
        np.array([[np.nan, 1.0, -0.0], [0.0, np.nan, 2.0], [1.0, 2.0, 3.0]]),
        np.array([[1.0, np.nan, 0.0], [-0.0, np.nan, np.nan], [5.0, -1.0, 0.5]])), None),
    "power_int": (power, lambda: (_values("int64", (20,), 6), 3), None),
    "power_negative_exponent": (power, lambda: (_values("int64", (20,), 6), -1), None),   # ValueError
    "reduce_axes_float64": (reduce_axes, lambda: (_values("float64", (5, 70, 3), 7),), 1e-12),
    "reduce_axes_int32": (reduce_axes, lambda: (_values("int32", (4, 6, 50), 8),), None),
    "reduce_axes_float32": (reduce_axes, lambda: (_values("float32", (3, 40, 7), 9),), 1e-5),
    "reduce_long_rows": (reduce_long_rows, lambda: (_values("float64", (3, 500), 10),), 1e-12),
    "reduce_many_rows": (reduce_long_rows, lambda: (_values("float64", (300, 40), 11),), 1e-12),
    "reduce_empty": (lambda x: (x.sum(axis=0), x.sum(), x.prod(axis=1)), lambda: (np.ones((0, 4)),), None),
    "reduce_of_empty_max_raises": (lambda x: x.max(), lambda: (np.ones((0,)),), None),  # ValueError
    "bool_reduce": (bool_reduce, lambda: (_values("bool", (6, 45), 12),), None),
    "views_negative_steps": (views, lambda: (_values("float64", (12, 10), 13),), 1e-12),
    "strided_reversed_input": (views, lambda: (_values("float64", (30, 24), 14)[::-2, 1::2],), 1e-12),
    "broadcast_rows_cols": (broadcast, lambda: (_values("float64", (7, 1), 15), _values("float64", (1, 9), 16)), 1e-12),
    "broadcast_3d": (broadcast, lambda: (_values("float32", (3, 1, 5), 17), _values("float32", (4, 1), 18)), 1e-5),
    "broadcast_mismatch_raises": (broadcast, lambda: (np.ones(3), np.ones(4)), None),       # ValueError
    "float16": (float16_ops, lambda: (_values("float16", (6, 11), 19), _values("float16", (6, 11), 20) + 0.5),
                {np.dtype(np.float16): 2e-3, np.dtype(np.float32): 1e-6}),
    "where_python_scalar": (where_and_scalars, lambda: (_values("bool", (25,), 21), _values("float32", (25,), 22), 2.5),
                            None),
    "standardize_like": (standardize_like, lambda: (_values("float64", (40, 6), 23),), 1e-12),
    "zero_d": (zero_d, lambda: (np.array(1.5), np.array(-2.0)), None),
    "empty": (zero_d, lambda: (np.ones((0, 3)), np.ones((0, 3))), None),
    "mixed_dtypes": (mixed_dtypes, lambda: (_values("int16", (19,), 24), _values("float32", (19,), 25)), 1e-6),
})


# ---- index reductions, scans, matrix products, whole programs -----------------------------

def index_reduce(x):
    return (np.argmax(x), np.argmin(x), x.argmax(axis=0), x.argmin(axis=1), np.argmax(x, axis=1, keepdims=True),
            np.argmin(x[::-1], axis=0))


def scans(x):
    return np.cumsum(x), np.cumprod(x, axis=0), np.cumsum(x, axis=1), np.cumsum(x[:, ::-2], axis=0), \
        np.cumsum(x[::-1], axis=0)[::-1]        # (a backward scan)


def products(a, b):
    return a @ b, a.T @ a, np.dot(a[0], b), a @ b[:, 0], a[0] @ a[1], a[::-1] @ b[:, ::-2], 2.0 * a @ b + 1.0


def batched(q, k):
    return q @ k.transpose(0, 2, 1), q @ k[0].T, np.matmul(q[:, 0], k[0, :2].T)


def _ties_and_nans():
    x = _values("float64", (9, 40), 26)
    x[2, 5] = x[2, 30] = 100.0          # equal maxima: the first wins
    x[4, 7] = x[4, 3] = np.nan           # NaNs: the first wins, for argmin too
    x[:, 11] = -100.0
    return (x,)


def _product_args(dtype, m=7, k=33, n=5):
    def make():
        return _values(dtype, (m, k), 27) % 5 if dtype != "bool" else _values(dtype, (m, k), 27), \
            _values(dtype, (k, n), 28)
    return make


def _programs():
    # whole programs from test_control.py (loops, in-place updates, branches, masks,
    # scatters); the functions are shared, so the GPU runs exactly what the CPU tests run
    import test_control as tc
    rng = np.random.default_rng(31)
    f = rng.standard_normal
    return {
        "program_jacobi_swap": (tc._jacobi, lambda: (f((20, 30)), 7)),
        "program_heat_in_place": (tc._heat_in_place, lambda: (f((25, 17)), 0.2, 5)),
        "program_inplace_param": (tc._inplace_param, lambda: (f(10), f(10))),
        "program_overlap_shift": (tc._overlap_shift_right, lambda: (np.arange(10.0),)),
        "program_written_view": (tc._return_written_param, lambda: (f(8)[::-1],)),
        "program_augassign_int": (tc._augassign_int_cast, lambda: (np.arange(12, dtype=np.uint8).reshape(3, 4)[:, ::-1],)),
        "program_scalar_accumulator": (tc._scalar_accumulator, lambda: (f(10), 9)),
        "program_nested_int8": (tc._nested_loops, lambda: (np.arange(6, dtype=np.int8), 3, 4)),
        "program_fir_slices": (tc._fir, lambda: (f(200), f(9))),
        "program_index_loop": (tc._index_loop, lambda: (f(6), 6)),
        "program_index_error": (tc._index_loop, lambda: (f(6), 8)),                          # IndexError
        "program_row_updates": (tc._row_updates, lambda: (f((5, 3)), f((5, 3)))),
        "program_converge": (tc._converge, lambda: (rng.random(100), 1e-6)),
        "program_while_residual": (tc._converge_reduced_condition, lambda: (rng.random(50), 1e-8)),
        "program_break": (tc._break_on_value, lambda: (rng.random(10), 50)),
        "program_continue": (tc._continue_odd, lambda: (f(5), 7)),
        "program_if_branches": (tc._runtime_if, lambda: (-np.ones(4), 1.0)),
        "program_if_in_loop": (tc._if_array_in_loop, lambda: (rng.random(6) * 12, 9)),
        "program_while_true": (tc._while_true_break, lambda: (rng.random(3) + 1,)),
        "program_mask_writes": (tc._mask_writes, lambda: (f((4, 5)), 0.5)),
        "program_mask_rows_mean": (tc._mask_rows_mean, lambda: (rng.random((50, 3)), rng.integers(0, 4, 50), 4)),
        "program_scatter_last_wins": (tc._scatter, lambda: (f(8), np.array([1, 1, 1]), np.array([1.0, 2.0, 3.0]))),
        "program_scatter_index_error": (tc._scatter, lambda: (f(8), np.array([1, 9]), f(2))),    # IndexError
        "program_scalar_builtins": (tc._scalar_builtins, lambda: (np.array([0.5, np.nan, 2.0]), 3)),
        "program_logistic_loop": (tc._logistic_regression_10_steps,
                                  lambda: (f((300, 8)), (rng.random(300) > 0.5).astype(np.float64), 0.5)),
    }


CASES.update({
    "index_float64": (index_reduce, lambda: (_values("float64", (9, 40), 26),), None),
    "index_ties_nans": (index_reduce, _ties_and_nans, None),
    "index_int16": (index_reduce, lambda: (_values("int16", (30, 7), 29),), None),
    "index_float16": (index_reduce, lambda: (_values("float16", (5, 300), 30),), None),
    "index_bool": (index_reduce, lambda: (_values("bool", (6, 50), 31),), None),
    "scan_float64": (scans, lambda: (_values("float64", (6, 9), 32),), None),
    "scan_float32": (scans, lambda: (_values("float32", (40, 3), 33),), None),
    "scan_int8_wraps": (scans, lambda: (_values("int8", (5, 7), 34),), None),
    "scan_uint64": (scans, lambda: (_values("uint64", (4, 6), 35),), None),
    "scan_bool": (scans, lambda: (_values("bool", (5, 8), 36),), None),
    "matmul_float64": (products, _product_args("float64"), 1e-12),
    "matmul_float32": (products, _product_args("float32"), 1e-5),
    "matmul_float16": (products, _product_args("float16"), {np.dtype(np.float16): 2e-3}),
    "matmul_int32": (products, _product_args("int32"), None),
    "matmul_int8_wraps": (products, lambda: (_values("int8", (7, 33), 27), _values("int8", (33, 5), 28)), None),
    "matmul_uint16": (products, lambda: (_values("uint16", (7, 33), 27), _values("uint16", (33, 5), 28)), None),
    "matmul_bool": (products, _product_args("bool"), None),
    "matmul_batched_float32": (batched, lambda: (_values("float32", (4, 6, 8), 37), _values("float32", (4, 5, 8), 38)),
                               1e-5),
    "matmul_batched_float64": (batched, lambda: (_values("float64", (3, 2, 9), 39), _values("float64", (3, 4, 9), 40)),
                               1e-12),
    "matmul_empty_k": (lambda a, b: a @ b, lambda: (np.ones((3, 0)), np.ones((0, 4))), None),
    "matmul_shape_mismatch": (lambda a, b: a @ b, lambda: (np.ones((3, 4)), np.ones((5, 2))), None),   # ValueError
})
CASES.update({name: (fn, make, 1e-10) for name, (fn, make) in _programs().items()})

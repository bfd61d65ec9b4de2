"""Whole programs: in-place updates, run-time loops and branches, compiled with fallback
raising and compared with NumPy through the harness (results and written arguments)."""
import math

import numpy as np
import pytest

import samples

from harness import check_same
from npaccel import accelerate

rng = np.random.default_rng(7)


def floats(*shape):
    return rng.standard_normal(shape)


# ---- in-place updates and aliasing ------------------------------------------------------

def _inplace_param(x, y):
    x[1:] += y[:-1]
    x[0] = -1
    return x.sum()


def _overlap_shift_right(x):
    x[1:] = x[:-1]
    return x


def _overlap_shift_left(x):
    x[:-1] = x[1:]
    return x


def _reverse_in_place(x):
    x[:] = x[::-1]
    return x


def _snapshot_before_write(x):
    y = x * 2
    x[0] = 100.0
    return y, x


def _view_sees_write(x):
    u = x.copy()
    v = u[2:]
    u[3] = 5.0
    w = u
    w += 1
    return v, u


def _augassign_int_cast(x):
    x += 3
    x *= 2
    return x


def _scalar_fill(x):
    y = x.copy()
    y[...] = 7
    y[1, :] = 2.5
    return y


def _broadcast_row_into_rows(x, r):
    y = x.copy()
    y[1:] = r
    return y


def _return_written_param(x):
    x[::2] = 0
    return x


def _copy_not_alias(x):
    y = x.copy()
    y[0] = 42.0
    return x, y


@pytest.mark.parametrize("fn, make", [
    (_inplace_param, lambda: (floats(10), floats(10))),
    (_overlap_shift_right, lambda: (np.arange(10.0),)),
    (_overlap_shift_left, lambda: (np.arange(10.0),)),
    (_reverse_in_place, lambda: (np.arange(9.0),)),
    (_snapshot_before_write, lambda: (np.arange(6.0),)),
    (_view_sees_write, lambda: (np.arange(10.0),)),
    (_augassign_int_cast, lambda: (np.arange(12, dtype=np.int32),)),
    (_augassign_int_cast, lambda: (np.arange(12, dtype=np.uint8).reshape(3, 4)[:, ::-1],)),
    (_scalar_fill, lambda: (floats(3, 4),)),
    (_scalar_fill, lambda: (np.arange(12, dtype=np.int16).reshape(3, 4),)),
    (_broadcast_row_into_rows, lambda: (floats(4, 3), floats(3))),
    (_return_written_param, lambda: (floats(7),)),
    (_return_written_param, lambda: (floats(8)[::-1],)),
    (_copy_not_alias, lambda: (floats(5),)),
])
def test_in_place(fn, make):
    check_same(fn, make)


def test_returned_written_param_is_the_same_object():
    f = accelerate(_return_written_param, fallback="raise")
    x = floats(6)
    assert f(x) is x


def _bad_inplace_cast(x):
    x += 1.5
    return x


def _bad_broadcast_store(x, y):
    x[:2] = y
    return x


@pytest.mark.parametrize("fn, make", [
    (_bad_inplace_cast, lambda: (np.arange(4),)),
    (_bad_broadcast_store, lambda: (floats(5), floats(3))),
])
def test_in_place_errors_like_numpy(fn, make):
    check_same(fn, make)


# ---- loops ------------------------------------------------------------------------------

def _jacobi(u0, sweeps):
    u = u0.copy()
    v = u0.copy()
    for _ in range(sweeps):
        v[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
        u, v = v, u
    return u


def _heat_in_place(u0, alpha, steps):
    u = u0.copy()
    for _ in range(steps):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + alpha * (
            u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1])
    return u


def _rebind_each_step(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) + i
    return y


def _scalar_accumulator(x, n):
    total = 0.0
    count = 0
    for i in range(1, n, 2):
        total = total + x.sum() * i
        count += 1
    return total, count


def _nested_loops(x, n, m):
    acc = x * 0
    for i in range(n):
        for j in range(m):
            acc = acc + x * (i - j)
    return acc


def _negative_step(x, n):
    s = 0
    for i in range(n, 0, -3):
        s = s + i
    return x * s


def _fir(x, taps):
    n = x.shape[0] - taps.shape[0] + 1
    y = x[:n] * 0.0
    for k in range(taps.shape[0]):
        y += taps[k] * x[k:k + n]
    return y


def _row_updates(c, p):
    out = c.copy()
    for j in range(c.shape[0]):
        out[j] = p[j] * 2 + j
    return out


def _index_loop(x, n):
    s = 0.0
    for i in range(n):
        s += x[i]
    return s


def _static_unrolled(x):
    out = x * 0
    for k in range(3):
        out = out + x[k]
    for a, w in ((x, 1.0), (x * 2, 0.5)):
        out = out + a * w
    return out


def _zero_trip(x, n):
    y = x
    for _ in range(n):
        y = y * 2
    return y


@pytest.mark.parametrize("fn, make", [
    (_jacobi, lambda: (floats(20, 30), 50)),
    (_jacobi, lambda: (floats(20, 30), 0)),
    (_jacobi, lambda: (floats(2, 2), 3)),
    (_heat_in_place, lambda: (floats(25, 17), 0.2, 12)),
    (_rebind_each_step, lambda: (floats(100), 5)),
    (_scalar_accumulator, lambda: (floats(10), 9)),
    (_nested_loops, lambda: (floats(6), 3, 4)),
    (_nested_loops, lambda: (np.arange(6, dtype=np.int8), 3, 4)),
    (_negative_step, lambda: (floats(4), 10)),
    (_fir, lambda: (floats(200), floats(9))),
    (_row_updates, lambda: (floats(5, 3), floats(5, 3))),
    (_index_loop, lambda: (floats(6), 6)),
    (_index_loop, lambda: (floats(6), 8)),        # IndexError at run time, like NumPy
    (_static_unrolled, lambda: (floats(5),)),
    (_zero_trip, lambda: (floats(5), 0)),
    (_zero_trip, lambda: (floats(5), 4)),
])
def test_loops(fn, make):
    check_same(fn, make)


def _fir_runs_past(x, n):
    y = x[:3] * 0
    for k in range(n):
        y += x[k:k + 3]
    return y


@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_runtime_slice_past_the_end_is_clipped_like_numpy(n):
    # x[k:k + 3] is shortened at the end (a length 1 then broadcasts, 0 raises ValueError)
    check_same(_fir_runs_past, lambda: (np.arange(6.0), n))


# ---- while, branches, break, continue ----------------------------------------------------

def _converge(u, tol):
    err = 1.0
    it = 0
    while err > tol:
        new = 0.5 * u + 0.25
        err = np.max(np.abs(new - u))
        u = new
        it += 1
    return u, it


def _converge_reduced_condition(u, tol):
    it = 0
    while np.max(np.abs(u - 0.5)) > tol:
        u = 0.5 * u + 0.25
        it = it + 1
    return u, it


def _break_on_value(x, n):
    s = 0.0
    for i in range(n):
        s = s + x.sum() * i
        if s > 100:
            break
    return s


def _continue_odd(x, n):
    acc = x * 0
    for i in range(n):
        if i % 2 == 1:
            continue
        acc = acc + x * i
    return acc


def _runtime_if(x, t):
    s = x.sum()
    if s > t:
        y = x * 2
        k = 1
    elif s < -t:
        y = x - 1
        k = 2
    else:
        y = -x
        k = 3
    return y, k


def _if_array_in_loop(x, n):
    y = x.copy()
    for i in range(n):
        if y.max() > 10:
            y = y * 0.5
        else:
            y = y + 3
    return y


def _while_true_break(x):
    k = 0
    while True:
        k += 1
        if k * x.max() > 50:
            break
    return k


def _static_condition_in_loop(x, n):
    y = x
    for _ in range(n):
        if x.ndim == 1:
            y = y + 1
    return y


def _conditional_expression(x):
    s = x.sum()
    return s if s > 0 else -s


@pytest.mark.parametrize("fn, make", [
    (_converge, lambda: (rng.random(100), 1e-6)),
    (_converge_reduced_condition, lambda: (rng.random(50), 1e-8)),
    (_break_on_value, lambda: (rng.random(10), 50)),
    (_break_on_value, lambda: (rng.random(10) * 0, 50)),
    (_continue_odd, lambda: (floats(5), 7)),
    (_runtime_if, lambda: (np.ones(4), 1.0)),
    (_runtime_if, lambda: (-np.ones(4), 1.0)),
    (_runtime_if, lambda: (np.zeros(4), 1.0)),
    (_if_array_in_loop, lambda: (rng.random(6) * 12, 9)),
    (_while_true_break, lambda: (rng.random(3) + 1,)),
    (_static_condition_in_loop, lambda: (floats(3), 4)),
    (_conditional_expression, lambda: (floats(5),)),
])
def test_control_flow(fn, make):
    check_same(fn, make)


# ---- what stays unsupported is named ------------------------------------------------------

def _type_change(x, n):
    y = x
    for _ in range(n):
        y = y.sum()
    return y


def _for_else(x, n):
    for i in range(n):
        if x[i] > 0:
            break
    else:
        return -1
    return i


@pytest.mark.parametrize("fn, what", [
    (_type_change, "changes"),
    (_for_else, "'for ... else'"),
])
def test_unsupported_loops_name_the_construct(fn, what):
    from npaccel import UnsupportedError
    f = accelerate(fn, fallback="raise")
    with pytest.raises(UnsupportedError, match=what):
        f(floats(4), 3)


def test_explain_shows_the_loop_and_no_copy_for_a_swap():
    f = accelerate(_jacobi, fallback="raise")
    text = f.explain(floats(8, 8), 5)
    assert "program:" in text and "    for %" in text
    body = text.split("== generated C")[1]
    # the swap moves pointers (no copy kernel); u and v are told apart at run time, so a
    # sweep is one store, with a temporary only on the path where they are the same buffer
    loop = body[body.index("for (sv"):]
    assert loop.count("/* store") == 3 and "== (const void *)av" in loop


def _add_into(x, y):
    x[1:] += y[:-1]
    return x


def test_written_argument_overlapping_another_runs_as_numpy():
    f = accelerate(_add_into, fallback="raise")
    base = np.arange(10.0)
    expected_base = base.copy()
    _add_into(expected_base[2:], expected_base[:8])
    got = f(base[2:], base[:8])          # the two arguments share memory
    np.testing.assert_array_equal(base, expected_base)
    assert got.base is base
    a, b = np.arange(5.0), np.ones(5)
    check_same(_add_into, lambda: (a.copy(), b.copy()))


# ---- boolean masks --------------------------------------------------------------------

def _mask_reductions(x, m):
    return x[m].sum(), x[m].mean(), np.sum(x[m]), np.mean(x[m], axis=0)


def _mask_rows_mean(p, labels, k):
    out = p[:k] * 0
    for j in range(k):
        out[j] = p[labels == j].mean(axis=0)
    return out


def _mask_writes(x, t):
    y = x.copy()
    y[y > t] = t
    y[y < -t] += 1
    return y


def _mask_writes_int(x):
    y = x.copy()
    y[x % 3 == 0] = 1000 if x.dtype.itemsize > 1 else 7
    return y


@pytest.mark.parametrize("fn, make", [
    (_mask_reductions, lambda: (rng.random(10), rng.random(10) > 0.5)),
    (_mask_reductions, lambda: (rng.random(10), np.zeros(10, bool))),             # empty: nan mean
    (_mask_reductions, lambda: (rng.random(10), np.zeros(9, bool))),              # IndexError
    (_mask_reductions, lambda: (rng.random((6, 3)), rng.random(6) > 0.3)),
    (_mask_reductions, lambda: (np.arange(12, dtype=np.int16).reshape(4, 3), np.array([1, 0, 1, 1], bool))),
    (_mask_reductions, lambda: (rng.random((6, 3)).astype(np.float32), rng.random((6, 3)) > 0.3)),
    (_mask_rows_mean, lambda: (rng.random((50, 3)), rng.integers(0, 4, 50), 4)),
    (_mask_writes, lambda: (floats(4, 5), 0.5)),
    (_mask_writes_int, lambda: (np.arange(10, dtype=np.int32),)),
    (_mask_writes_int, lambda: (np.arange(10, dtype=np.uint8),)),
])
def test_boolean_masks(fn, make):
    check_same(fn, make, rtol={np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5})


# ---- the acceptance programs (whole, fallback raising) -----------------------------

def _softmax_rows(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _scale(v, s):
    return v * s


def _shift(v):
    return _scale(v, 2.0) - 1.0


def _calls_two_helpers(x):
    return _shift(x) + _scale(x, 0.5)


def _kmeans_assign(points, centroids):
    d = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d, axis=1)


def _grid(h, w):
    cr, ci = np.meshgrid(np.linspace(-2.2, 0.8, w), np.linspace(-1.2, 1.2, h))
    return cr, ci


@pytest.mark.parametrize("fn, make", [
    (_jacobi, lambda: (floats(64, 48), 50)),
    (_softmax_rows, lambda: (floats(7, 5),)),
    (_calls_two_helpers, lambda: (floats(9),)),
    (samples.load("mandelbrot").mandelbrot, lambda: (*_grid(30, 40), 30)),
    (_kmeans_assign, lambda: (rng.random((40, 3)), rng.random((5, 3)))),
    (_converge_reduced_condition, lambda: (rng.random(64), 1e-10)),
])
def test_acceptance_programs(fn, make):
    f = check_same(fn, make, rtol={np.dtype(np.float64): 1e-12})
    assert f.stats()["fallbacks"] == 0


def _scalar_builtins(x, n):
    best = 0.0
    worst = 1e9
    for i in range(n):
        v = float(x[i])
        best = max(best, math.exp(v) - 1.0)
        worst = min(worst, math.sqrt(abs(v)))
    return best, worst, len(x), x.ndim, x.size, x.shape[0]


def test_scalar_builtins_and_math_in_loops():
    check_same(_scalar_builtins, lambda: (floats(9), 9))
    check_same(_scalar_builtins, lambda: (np.array([0.5, np.nan, 2.0]), 3))


def _runtime_bounds(x, a, b):
    s = x * 0
    for i in range(a * 2, b + a):
        s = s + i
    return s


def test_loop_bounds_from_arguments():
    check_same(_runtime_bounds, lambda: (floats(3), 2, 9))
    check_same(_runtime_bounds, lambda: (floats(3), 5, 1))


def _scatter(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


def _scatter_rows(x, idx):
    y = x.copy()
    y[idx] = 0.5
    y[:, idx[:2]] = -1.0 if False else y[:, idx[:2]] * 0 - 1.0
    return y


@pytest.mark.parametrize("fn, make", [
    (_scatter, lambda: (floats(8), np.array([1, 3, -1]), floats(3))),
    (_scatter, lambda: (floats(8), np.array([1, 1, 1]), np.array([1.0, 2.0, 3.0]))),   # last wins
    (_scatter, lambda: (floats(8), np.array([1, 9]), floats(2))),                      # IndexError, no write
    (_scatter, lambda: (np.arange(8), np.array([[0, 2], [4, 6]]), 7)),
    (_scatter, lambda: (floats(8), np.array([0, 2]), floats(3))),                      # shape mismatch
])
def test_integer_array_writes(fn, make):
    check_same(fn, make)


def _logistic_regression_10_steps(X, y, lr):
    w = np.zeros(X.shape[1])
    for _ in range(10):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        grad = X.T @ (p - y) / X.shape[0]
        w = w - lr * grad
    return w


def test_logistic_regression_trained_in_a_compiled_loop():
    make = lambda: (rng.standard_normal((300, 8)), (rng.random(300) > 0.5).astype(np.float64), 0.5)  # noqa: E731
    f = check_same(_logistic_regression_10_steps, make, rtol={np.dtype(np.float64): 1e-10})
    assert "for %" in f.explain(*make()) and f.stats()["fallbacks"] == 0


def _write_through_reshape(x):
    y = x.reshape(2, 3)
    y[0] = 1.0
    return x


def test_writing_into_a_reshape_is_not_silently_a_copy():
    from npaccel import UnsupportedError
    with pytest.raises(UnsupportedError, match="reshape"):
        accelerate(_write_through_reshape, fallback="raise")(np.arange(6.0))
    f = accelerate(_write_through_reshape, fallback="silent")
    x = np.arange(6.0)
    assert f(x) is x and x[:3].tolist() == [1.0, 1.0, 1.0]


def _iteration_locals(x, n):
    acc = x * 0
    for i in range(n):
        t = x * i          # set before it is read, and never read after the loop
        s = t + 1
        acc = acc + s
    return acc


def _augassign_carried_inside(x, n):
    c = 0
    out = x * 0
    for i in range(n):
        c += 1
        out = out + c
    return out


def test_iteration_locals_are_not_carried():
    check_same(_iteration_locals, lambda: (floats(5), 4))
    check_same(_augassign_carried_inside, lambda: (floats(5), 4))
    text = accelerate(_iteration_locals, fallback="raise").explain(floats(5), 4)
    body = text.split("== generated C")[1]
    loop = body[body.index("for (sv"):]
    assert loop.count("/* store") == 1        # only acc is written per iteration


# ---- arrays only updated in place keep their one buffer (no pointer, no copy) ----------

def _accumulate_alias(x, m):
    y = x * 2.0                   # deferred until the loop writes it
    z = y                         # the same object: sees every update
    for k in range(m):
        y += x[k % x.shape[0]]
        y *= 0.5
    return z


def _accumulate_argument(y, x, m):
    for _ in range(m):
        y += x
    return y.sum()


def _accumulate_nested(x, m):
    acc = np.zeros_like(x)
    for i in range(m):
        for j in range(i):
            acc += x * j
        acc -= 1.0
    return acc


def _accumulate_then_rebind(x, m):
    y = np.zeros(x.shape[0])
    for k in range(m):
        y += x
        if k == 2:
            y = y * 3.0           # rebound too: a loop variable after all
    return y


def _accumulate_bad_cast(x, m):
    y = np.zeros(x.shape[0], dtype=np.int64)
    for _ in range(m):
        y += x                    # float into int: NumPy's UFuncTypeError
    return y


@pytest.mark.parametrize("fn, make", [
    (_accumulate_alias, lambda: (floats(7), 5)),
    (_accumulate_alias, lambda: (floats(7), 0)),
    (_accumulate_argument, lambda: (floats(4, 3), floats(3), 4)),
    (_accumulate_nested, lambda: (floats(3, 4), 4)),
    (_accumulate_then_rebind, lambda: (floats(6), 5)),
    (_accumulate_bad_cast, lambda: (floats(6), 2)),
])
def test_arrays_updated_in_place_in_loops(fn, make):
    check_same(fn, make)


def test_in_place_accumulator_is_the_output_buffer():
    text = accelerate(samples.function("fir_filter"), fallback="raise").explain(floats(300), floats(16))
    assert "pointer y" not in text and "right side of an overlapping write" not in text
    c = text.split("== generated C")[1]
    assert "npa_malloc" not in c             # y lives in the returned array itself


# ---- X @ w then X.T @ f(z): one sweep over the rows of X (codegen/c_matvec.py) ---------

def _glm_steps(X, y, lr, n):
    w = np.zeros(X.shape[1], dtype=X.dtype)
    z = X @ w
    for _ in range(n):
        z = X @ w
        r = np.tanh(z) - y
        w = w - lr * (X.T @ r)
    return w, z                  # z read after the loop: the fused sweep stores it too


def _power_iteration(A, v, n):
    for _ in range(n):
        u = A @ v
        v = A.T @ (u * 0.5)
        v = v / np.sqrt(np.sum(v * v))
    return v


@pytest.mark.parametrize("fn, make", [
    (_glm_steps, lambda: (floats(300, 7), floats(300), 0.01, 4)),
    (_glm_steps, lambda: (floats(300, 7).astype(np.float32), floats(300).astype(np.float32), 0.01, 4)),
    (_glm_steps, lambda: (np.asfortranarray(floats(300, 7)), floats(300), 0.01, 3)),   # not fused: strided rows
    (_glm_steps, lambda: (floats(300, 7), floats(600)[::2], 0.01, 3)),                 # y strided: not fused
    (_glm_steps, lambda: (floats(0, 7), floats(0), 0.01, 3)),
    (_glm_steps, lambda: (floats(40, 0), floats(40), 0.01, 2)),
    (_power_iteration, lambda: (floats(50, 30), floats(30), 5)),
])
def test_matrix_vector_pairs(fn, make):
    # sums in another order than BLAS's, carried through a few iterations
    check_same(fn, make, rtol={np.dtype(np.float64): 1e-11, np.dtype(np.float32): 1e-4})


def test_logistic_regression_reads_x_once_per_step():
    args = samples.load("logistic_regression").inputs(0.01)
    text = accelerate(samples.function("logistic_regression"), fallback="raise").explain(*args)
    assert "in one sweep over the rows of X" in text
    plan = text.split("== program plan (as the C runs it) ==")[1].split("== run-time")[0]
    assert "one sweep over the rows of X:" in plan          # the pass decided it, explain() shows it
    fortran = (np.asfortranarray(args[0]),) + args[1:]
    text = accelerate(samples.function("logistic_regression"), fallback="raise").explain(*fortran)
    assert "in one sweep over the rows of X" not in text and "one sweep over the rows" not in text


def test_pair_is_planned_for_the_cpu_only():
    from npaccel.api.specialise import translate
    from npaccel.ir import program as P
    from npaccel.ir.signature import signature_of
    args = samples.load("logistic_regression").inputs(0.01)
    from npaccel.passes.program_plan import for_target
    plan = for_target(translate(samples.function("logistic_regression"), signature_of(args)).plan, "cuda")
    pairs = {t: sum(isinstance(s, P.MatVecPair) for s in P.walk(plan.program(t))) for t in ("cpu", "cuda")}
    assert pairs == {"cpu": 1, "cuda": 0}       # on the GPU both products are cuBLAS calls


def _above_mean(x):
    count = 0
    for i in range(x.shape[0]):
        if x[i] > x.sum() / x.shape[0]:
            count += 1
    return count


def test_program_plan_shows_what_is_computed_first():
    x = floats(40)
    text = accelerate(_above_mean, fallback="raise").explain(x)
    plan = text.split("== program plan (as the C runs it) ==")[1].split("== run-time")[0]
    lines = plan.strip().splitlines()
    first = next(k for k, line in enumerate(lines) if "compute first: reduce -> sum(x)" in line)
    assert lines[first + 1].strip().startswith("cond = greater(")     # just before the branch reads it
    check_same(_above_mean, lambda: (floats(40),))
    check_same(_above_mean, lambda: (floats(0),))


# ---- a name's Python type after branches and loops that may not assign it -----------------

def _best_of(x):
    best = 0
    for i in range(x.shape[0]):
        h = x[i]
        if h > best:
            best = h
    return best


def _nested_sum(x, n, m):
    s = 0.0
    for j in range(m):
        for i in range(n):
            s += x[i]
    return s


def _branch_changes_kind(x):
    s = 0
    if x[0] > 0:
        s = 0.5
    return s


def _branch_keeps_value(x, k):
    t = 1.0
    if x[k] > 0:
        t = x[k]
    return x * t


@pytest.mark.parametrize("values", [[-1, -2, -3], [1, 5, 2], []], ids=["never", "sometimes", "empty"])
@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_branch_that_may_not_assign_keeps_pythons_type(values, dtype):
    """best is the Python int 0 unless a branch assigned an element (np.int64/np.float64):
    the type is Python's whichever path ran (the loop runs in Python when it escapes)."""
    from harness import check_same_default
    g, _ = check_same_default(_best_of, lambda: (np.array(values, dtype),))
    result, expected = g(np.array(values, dtype)), _best_of(np.array(values, dtype))
    assert type(result) is type(expected)


@pytest.mark.parametrize("n, m", [(0, 2), (3, 2), (3, 0), (0, 0), (1, 1)])
def test_inner_loop_that_may_not_run_keeps_pythons_type(n, m):
    from harness import check_same_default
    x = np.arange(4.0)
    g, _ = check_same_default(_nested_sum, lambda: (x, n, m))
    assert type(g(x, n, m)) is type(_nested_sum(x, n, m))


def test_inner_loop_with_call_time_bounds_compiles_with_a_trip_guard():
    """range(n) inside another loop: n is known at the call, so the call is checked (n >= 1)
    and runs in Python otherwise, instead of giving up the whole loop."""
    x = np.arange(4.0)
    g = check_same(_nested_sum, lambda: (x, 3, 2))
    assert g.stats()["fallbacks"] == 0 and "compiled whole" in g.explain(x, 3, 2)
    assert type(g(x, 0, 2)) is float and g(x, 0, 2) == 0.0


@pytest.mark.parametrize("first", [1.0, -1.0])
def test_branch_that_changes_kind_runs_in_python(first):
    """int 0 or float 0.5: which Python type depends on the branch, so the branch runs in
    Python (a compiled float would turn the int into 0.0)."""
    from harness import check_same_default
    x = np.array([first, 2.0])
    g, texts = check_same_default(_branch_changes_kind, lambda: (x,))
    assert type(g(x)) is type(_branch_changes_kind(x))
    assert texts and "depends on the branch taken" in texts[0]


@pytest.mark.parametrize("k", [0, 1])
def test_value_of_either_type_compiles_where_only_its_value_matters(k):
    """t is 1.0 or an np.float64: x * t is the same array either way, so it compiles."""
    x = np.array([-2.0, 3.0])
    g = check_same(_branch_keeps_value, lambda: (x, k))
    assert g.stats()["fallbacks"] == 0


# ---- break and return inside loops --------------------------------------------------------

def _has_big(x, t):
    found = False
    idx = -1
    for i in range(x.shape[0]):
        if x[i] > t:
            found = True
            idx = i
            break
    return found, idx


def _find_first(x, t):
    for i in range(x.shape[0]):
        if x[i] > t:
            return i
    return -1


def _find_pair(a, s):
    n = a.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            if a[i] + a[j] == s:
                return i * n + j
    return -1


def _first_negative(x):
    k = 0
    while k < x.shape[0]:
        if x[k] < 0:
            return x[k] * 2.0
        k += 1
    return np.float64(0.0)


def _scale_from_first(x, t):
    for i in range(x.shape[0]):
        if x[i] > t:
            return x * i
    y = x * 2.0
    return y


def _maybe_bound(x, t):
    for i in range(x.shape[0]):
        if x[i] > t:
            y = x * i
    return y


_SEARCHES = [np.array([1.0, 5.0, 2.0]), np.array([1.0, 2.0]), np.zeros(0), np.array([7.0])]


@pytest.mark.parametrize("x", _SEARCHES, ids=["hit", "miss", "empty", "one"])
def test_values_assigned_before_a_break_reach_the_loop_exit(x):
    g = check_same(_has_big, lambda: (x, 3.0))
    assert g.stats()["fallbacks"] == 0


@pytest.mark.parametrize("x", _SEARCHES, ids=["hit", "miss", "empty", "one"])
def test_return_inside_a_loop_compiles(x):
    g = check_same(_find_first, lambda: (x, 3.0))
    assert g.stats()["fallbacks"] == 0


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float64])
@pytest.mark.parametrize("values, s", [([1, 2, 3, 4], 7), ([1, 2], 9), ([], 1), ([5], 10), ([2, 2], 4)])
def test_return_from_a_nested_loop_compiles(dtype, values, s):
    g = check_same(_find_pair, lambda: (np.array(values, dtype), s))
    assert g.stats()["fallbacks"] == 0


@pytest.mark.parametrize("x", [np.array([1.0, -2.0]), np.array([1.0, 2.0]), np.zeros(0)], ids=["hit", "miss", "empty"])
def test_return_inside_a_while_loop_compiles(x):
    g = check_same(_first_negative, lambda: (x,))
    assert g.stats()["fallbacks"] == 0


@pytest.mark.parametrize("t", [3.0, 0.5, 10.0])
def test_array_returned_from_inside_a_loop_equals_python(t):
    """an array result set inside the loop: the loop runs in Python (default mode), with
    a message that names no internal variable."""
    from harness import check_same_default
    _, texts = check_same_default(_scale_from_first, lambda: (np.array([1.0, 5.0, 2.0]), t))
    assert all("__npa" not in text for text in texts)


@pytest.mark.parametrize("t", [0.5, 3.0])
def test_name_bound_on_some_paths_only_is_pythons_unbound_local(t):
    """y is bound only if some element passes: Python's UnboundLocalError otherwise, never
    a value read from an uninitialised C variable."""
    from harness import check_same_default
    check_same_default(_maybe_bound, lambda: (np.array([1.0, 2.0]), t))


def test_not_of_a_value_known_at_run_time_is_a_python_bool():
    def negate(x):
        flag = not x[0] > 1.0
        return flag, not x.sum()
    for x in (np.array([2.0, -2.0]), np.array([0.5, 1.0])):
        g = check_same(negate, lambda: (x,))
        assert [type(v) for v in g(x)] == [bool, bool]


# ---- values computed before a loop or branch that writes what they read --------------------

def _reduction_then_element_loop(a, k):
    s = a.sum() if k > 1 else a.mean()
    for i in range(1, len(a)):
        a[i] = max(a[i], a[i - 1] * 0.5)
    return s


def _mean_then_branch_write(a, c):
    t = a.mean() * 2.0 if c > 1 else a.sum()
    if c > 0:
        a[0] = 100.0
    return t


@pytest.mark.parametrize("k", [0, 3])
def test_value_read_before_an_element_loop_sees_the_array_before_it(k):
    """s is computed from a before the loop writes a (NumPy evaluates it there), not on some
    trip of the loop (found by the program generator)."""
    g = check_same(_reduction_then_element_loop, lambda: (np.array([1.0, -3.0, 2.0, -5.0]), k))
    assert g.stats()["fallbacks"] == 0


@pytest.mark.parametrize("c", [-1, 1, 2])
def test_value_read_before_a_branch_that_writes_sees_the_array_before_it(c):
    check_same(_mean_then_branch_write, lambda: (np.array([1.0, -3.0, 7.0]), c))


def _sum_stored_into_its_array(x, k):
    a = x.copy()
    j = 0
    while j < k:
        a = a * 0.5 + 1.0
        j += 1
    s = a.sum()
    a[0] = s
    return s, a


@pytest.mark.parametrize("k", [0, 2])
def test_value_stored_into_the_array_it_reads_keeps_its_value(k):
    """s = a.sum(); a[0] = s: the name s keeps the sum from before the write (the store
    used to compute it, and the return read a again; found by the program generator)."""
    g = check_same(_sum_stored_into_its_array, lambda: (np.arange(5.0), k))
    assert g.stats()["fallbacks"] == 0

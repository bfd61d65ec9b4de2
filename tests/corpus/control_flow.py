"""Control flow: branches on values, loops with early return, while, try/except, with,
recursion, helpers at module level, conditional expressions, del, raise, assert."""
import contextlib

import numpy as np

from . import case


def arr():
    return (np.arange(-2.0, 3.0),)


def helper_scale(v, k):
    return v * k + 1


def helper_norm(v):
    return v / np.sqrt((v * v).sum())


@case(arr, lambda: (np.zeros(0),))
def branch_on_sum(x):
    if x.sum() > 0:
        return x * 2
    return x - 1


@case(lambda: (np.arange(5.0), 3), lambda: (np.arange(5.0), 0))
def loop_accumulate(x, n):
    acc = np.zeros_like(x)
    for i in range(n):
        acc = acc + x * i
    return acc


@case(lambda: (np.array([1.0, 3.0, -2.0, 4.0]),), lambda: (np.array([1.0, 2.0]),))
def early_return(x):
    for i in range(len(x)):
        if x[i] < 0:
            return i
    return -1


@case(lambda: (np.array([5.0]),), lambda: (np.array([0.5]),))
def while_halving(x):
    steps = 0
    while x[0] > 1.0:
        x = x / 2
        steps += 1
    return x, steps


@case(lambda: (np.arange(6.0),))
def break_continue(x):
    total = 0.0
    for v in x:
        if v == 1:
            continue
        if v > 3:
            break
        total += v
    return total


@case(lambda: (np.arange(5.0), 2), lambda: (np.arange(5.0), 10))
def try_index(x, i):
    try:
        return x[i]
    except IndexError:
        return -1.0


@case(lambda: (np.arange(5.0), 10))
def try_finally(x, i):
    log = []
    try:
        log.append("start")
        y = x[i]
    except IndexError as exc:
        log.append(type(exc).__name__)
        y = x.sum()
    finally:
        log.append("done")
    return y, log


@case(lambda: (np.arange(3.0),))
def try_else(x):
    try:
        y = x * 2
    except ValueError:
        y = None
    else:
        y = y + 1
    return y


@case(lambda: (np.arange(3.0), np.arange(4.0)))
def try_broadcast_error(x, y):
    try:
        return x + y
    except ValueError:
        return np.concatenate([x, y])


@case(arr)
def with_suppress(x):
    out = x.copy()
    with contextlib.suppress(IndexError):
        out[100] = 1.0
    return out * 2


@case(lambda: (5,), lambda: (0,))
def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


@case(lambda: (np.arange(8.0),), lambda: (np.arange(1.0),))
def recursive_sum(x):
    if x.size <= 2:
        return x.sum()
    mid = x.size // 2
    return recursive_sum(x[:mid]) + recursive_sum(x[mid:])


@case(lambda: (np.arange(4.0), 2.0))
def module_helpers(x, k):
    return helper_norm(helper_scale(x, k))


@case(lambda: (np.arange(4.0), 1), lambda: (np.arange(4.0), 0))
def untaken_branch_raises(x, k):
    return x.sum() if k else x[10]


@case(lambda: (np.arange(4.0), True), lambda: (np.arange(4.0), False))
def untaken_if_raises(x, ok):
    if ok:
        y = x * 2
    else:
        y = x[[10]]
    return y


@case(arr)
def delete_name(x):
    tmp = x * 2
    y = tmp + 1
    del tmp
    return y


@case(arr)
def delete_then_use(x):
    tmp = x * 2
    del tmp
    return tmp  # noqa: F821 - UnboundLocalError, as Python


@case(lambda: (np.arange(3.0),), lambda: (-np.arange(1.0, 3.0),))
def raise_value_error(x):
    if (x < 0).any():
        raise ValueError("negative input")
    return np.sqrt(x)


@case(lambda: (np.arange(3.0),), lambda: (np.zeros(0),))
def assert_nonempty(x):
    assert x.size > 0, "empty"
    return x.mean()


@case(lambda: (np.arange(6.0).reshape(2, 3),))
def loop_over_rows(a):
    out = []
    for row in a:
        out.append(row.max() - row.min())
    return out


@case(lambda: (np.arange(3.0), np.arange(3.0) * 2))
def loop_zip(x, y):
    total = 0.0
    for a, b in zip(x, y):
        total += a * b
    return total


@case(lambda: (np.zeros((3, 3)),))
def nested_loops_store(a):
    out = a.copy()
    for i in range(3):
        for j in range(3):
            out[i, j] = i * 3 + j
    return out


@case(lambda: (np.arange(5.0), 3.0))
def while_break(x, limit):
    i = 0
    total = 0.0
    while True:
        if i >= len(x) or total > limit:
            break
        total += x[i]
        i += 1
    return total, i


@case(lambda: (np.arange(4.0), 3))
def loop_rebinding_type(x, n):
    y = 0
    for i in range(n):
        y = y + x * i
    return y


@case(lambda: (np.arange(4.0), 0), lambda: (np.arange(4.0), 3))
def loop_var_after_loop(x, n):
    i = -1
    for i in range(n):
        x = x + 1
    return x, i


@case(lambda: (np.arange(6.0),))
def enumerate_loop(x):
    best, where = -np.inf, -1
    for i, v in enumerate(x * (-1) ** np.arange(6)):
        if v > best:
            best, where = v, i
    return best, where


@case(lambda: (np.arange(4.0), "up"), lambda: (np.arange(4.0), "down"), lambda: (np.arange(4.0), "sideways"))
def string_chain(x, direction):
    if direction == "up":
        return x + 1
    elif direction == "down":
        return x - 1
    raise KeyError(direction)


@case(lambda: (np.arange(4.0),))
def multiple_returns_tuple(x):
    lo, hi = x.min(), x.max()
    return (lo, hi) if lo < hi else (hi, lo)


@case(lambda: (np.arange(10.0),))
def newton_sqrt(x):
    g = x / 2 + 1
    for _ in range(20):
        g = 0.5 * (g + x / g)
    return g


@case(lambda: (np.array([1.0, 2.0, 4.0]),))
def walrus(x):
    if (n := len(x)) > 2:
        return x.sum() / n
    return 0.0


@case(lambda: (np.arange(4.0), 0), lambda: (np.arange(4.0), 2))
def zero_trip_scalar_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x.sum() * i
    return s


@case(lambda: (np.arange(4.0), 0), lambda: (np.arange(4.0), 3))
def int_becomes_float_in_loop(x, n):
    v = 1
    for _ in range(n):
        v = v * 0.5
    return v, x * v


@case(lambda: (np.arange(5.0), 0), lambda: (np.arange(5.0), 2))
def dead_inplace_after_while(x, k):
    a = x.copy()
    j = 0
    while j < k:
        a = a * 0.5 + 1.0
        j += 1
    s = x.sum()
    a += s
    return x, s


@case(lambda: (np.arange(3.0), 4))
def python_int_accumulates(x, n):
    total = 0
    for _ in range(n):
        total += 10 ** 18
    return total, x * 0 + total % 7


@case(lambda: (np.arange(3.0), 0), lambda: (np.arange(3.0), 5))
def big_power_of_argument(x, k):
    big = (k + 3) ** 25
    return x + big % 97


@case(lambda: (np.arange(5.0), 0), lambda: (np.arange(5.0), 2))
def dead_inplace_of_slice_copy(x, k):
    a1 = 0.5 * (x[:-1] + x[1:])
    a2 = a1.copy()
    j = 0
    while j < k:
        a2 = a2 * 0.5 + 1.0
        j += 1
    s = sum([float(v) for v in a1[:3]])
    a2 += s
    return x, s


@case(lambda: (np.arange(3.0), 0), lambda: (np.arange(3.0), 3))
def big_power_into_float(x, k):
    m = x.mean()
    big = (k + 3) ** 25
    s = m + big % 97
    return x, s


@case(lambda: (np.arange(4.0), "a", 0), lambda: (np.arange(4.0), "b", 5))
def big_power_after_string_branch(x, mode, k):
    a1 = x.copy()
    if mode == "a":
        a1 = a1 + -1.25
    else:
        a1 = a1 - -1.25
    big = (k + 3) ** 25
    s2 = 0.0 + big % 97
    return a1, s2

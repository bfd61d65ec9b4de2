"""Python scalar semantics: ints never wrap, division by zero raises, floats stay floats."""
import math

import numpy as np

from . import case


@case(lambda: (100,), lambda: (3,))
def big_power(n):
    return n ** 10


@case(lambda: (np.arange(3.0),))
def three_pow_40(x):
    return x + 3 ** 40 - 3 ** 40, 3 ** 40


@case(lambda: (np.arange(3),), lambda: (np.arange(3.0),), lambda: (np.arange(3, dtype=np.uint64),))
def plus_2_pow_63(x):
    return x + 2 ** 63


@case(lambda: (2 ** 40,), lambda: (-(2 ** 62),))
def int_square(n):
    return n * n


@case(lambda: (np.arange(3.0), 2 ** 62))
def int_overflow_in_loop(x, n):
    k = n
    for _ in range(3):
        k = k * 4
    return x * 0 + (k % 7), k


@case(lambda: (7, 0), lambda: (7, 2), lambda: (-7, 2))
def floordiv(n, d):
    return n // d, n % d


@case(lambda: (np.arange(3.0), 7, 0))
def floordiv_with_array(x, n, d):
    return x + n // d


@case(lambda: (1.0,), lambda: (0.0,))
def one_over_zero(d):
    return 1.0 / 0 + d


@case(lambda: (np.arange(3.0), 0.0), lambda: (np.arange(3.0), 2.0))
def float_div_arg(x, d):
    return x * (1.0 / d)


@case(lambda: (np.arange(3.0), 0), lambda: (np.arange(3.0), 3))
def mod_zero(x, d):
    return x * (5 % d)


@case(lambda: (np.arange(3.0), 4, 3))
def divmod_builtin(x, a, b):
    q, r = divmod(a, b)
    return x * q + r


@case(lambda: (2.5,), lambda: (3.5,), lambda: (-0.5,))
def round_half_even(v):
    return round(v), round(v, 1)


@case(lambda: (np.arange(3.0), 70))
def shift_left(x, k):
    return x.sum() + (1 << k) % 1000, 1 << k


@case(lambda: (-8,), lambda: (8,))
def negative_fractional_power(n):
    return n ** (1 / 3)


@case(lambda: (-1.0,), lambda: (4.0,))
def math_sqrt_domain(v):
    return math.sqrt(v)


@case(lambda: (np.arange(3), 2), lambda: (np.arange(3), -1))
def int_array_pow_int(x, p):
    return x ** p


@case(lambda: (np.arange(3), 0))
def int_array_floordiv_zero(x, d):
    return x // d, x % d


@case(lambda: (np.array([-2 ** 63, 5], dtype=np.int64), -1))
def int_min_floordiv(x, d):
    return x // d


@case(lambda: (True, 2), lambda: (False, 3))
def bool_arithmetic(b, n):
    return b + n, b * 1.5, -b, ~b if isinstance(b, int) and not isinstance(b, bool) else not b


@case(lambda: (np.arange(4.0), 10 ** 30))
def huge_int_with_float_array(x, n):
    return x * n


@case(lambda: (np.arange(4), 10 ** 30))
def huge_int_with_int_array(x, n):
    return x * n


@case(lambda: (5, 2), lambda: (-5, 2))
def int_true_div(a, b):
    return a / b, type(a / b).__name__


@case(lambda: (np.arange(3.0), float("inf")), lambda: (np.arange(3.0), float("nan")))
def special_floats(x, v):
    return x * v, v == v, math.isinf(v)


@case(lambda: (np.int64(2) ** 62,))
def numpy_int_overflow(n):
    return n * np.int64(4)

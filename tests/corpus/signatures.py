"""Every signature form: defaults, keyword-only, *args, **kwargs, positional-only, methods,
functools.partial, every Python scalar type and None as arguments."""
import functools
from fractions import Fraction

import numpy as np

from harness import Kwargs

from . import case, register


def arr():
    return np.arange(4.0)


@case(lambda: (arr(),), lambda: (arr(), Kwargs(scale=3.0)), lambda: (arr(), Kwargs(shift=1.0, scale=0.5)))
def kw_only(x, *, scale=2.0, shift=0.0):
    return x * scale + shift


@case(lambda: (arr(),), lambda: (arr(), arr(), 3), lambda: (arr(), Kwargs(power=1)))
def with_defaults(x, y=None, power=2):
    if y is None:
        return x ** power
    return x ** power + y


@case(lambda: (arr(),), lambda: (arr(), np.ones(4)), lambda: (arr(), np.ones(4), 2.0))
def star_args(x, *rest):
    total = x.copy()
    for r in rest:
        total = total + r
    return total


@case(lambda: (arr(), Kwargs(scale=4.0)), lambda: (arr(),))
def star_kwargs(x, **options):
    return x * options.get("scale", 1.0)


@case(lambda: (arr(), Kwargs(c=2.0)), lambda: (arr(), 2.0, 7, 8, Kwargs(c=arr(), e=1)),
      lambda: (arr(),), lambda: (Kwargs(a=arr(), c=1.0),))
def everything(a, b=1.0, /, *args, c, d=3.0, **kw):
    return a * b + c * d + len(args) + len(kw)


@case(lambda: (arr(), (1, 2)), lambda: (arr(), [3.0]))
def sequence_argument(x, seq):
    return x[: len(seq)] * seq[0]


class Scaler:
    def __init__(self, k):
        self.k = k

    def plain(self, x):
        return x * 2.0 + 1.0

    def uses_self(self, x):
        return x * self.k

    def mutates_self(self, x):
        self.k = self.k + 1
        return x * self.k

    @staticmethod
    def static(x):
        return x - 1

    @classmethod
    def cls(cls, x):
        return x * len(cls.__name__)


register(Scaler(3.0).plain, lambda: (arr(),), name="Scaler.plain")
register(Scaler(3.0).uses_self, lambda: (arr(),), name="Scaler.uses_self")
register(Scaler.static, lambda: (arr(),), name="Scaler.static")
register(Scaler.cls, lambda: (arr(),), name="Scaler.cls")
register(Scaler.mutates_self, lambda: (Scaler(1.0), arr()), name="Scaler.mutates_self")
register(functools.partial(kw_only, scale=5.0), lambda: (arr(),), lambda: (arr(), Kwargs(shift=1.0)),
         name="partial_kw_only")
register(functools.partial(with_defaults, np.arange(3.0)), lambda: (), lambda: (Kwargs(power=3),),
         name="partial_positional")


@case(lambda: (arr(), 2), lambda: (arr(), 2.5), lambda: (arr(), True), lambda: (arr(), 1 + 2j),
      lambda: (arr(), np.float32(2)), lambda: (arr(), np.int64(3)), lambda: (arr(), np.bool_(False)),
      lambda: (arr(), np.uint8(200)), lambda: (arr(), Fraction(1, 2)), lambda: (arr(), None),
      lambda: (arr(), "2"), lambda: (np.arange(4, dtype=np.float32), 2.5),
      lambda: (np.arange(4, dtype=np.uint8), 1000), lambda: (np.arange(4, dtype=np.int8), -1))
def scalar_kinds(x, s):
    return x * s


@case(lambda: (2, 3.0), lambda: (True, 1), lambda: (np.int32(7), 2), lambda: (1 + 1j, 2.0))
def scalars_only(a, b):
    return a * b + a / b


@case(lambda: (arr(), 0.5), lambda: (arr(), -0.0))
def float_arg_mul(x, f):
    return np.copysign(x * f, f)


@case(lambda: (np.arange(3.0), np.arange(3.0)))
def same_array_twice_ok(x, y):
    return x * y


@case(lambda: (lambda v: v * 2, arr()))
def callable_argument(fn, x):
    return fn(x) + 1


@case(lambda: (np.sin, arr()), lambda: (np.cos, arr()))
def ufunc_argument(op, x):
    return op(x * 2)

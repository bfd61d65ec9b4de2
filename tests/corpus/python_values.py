"""Python values around array code: comprehensions, dicts, strings, generators, closures,
lambdas, print, builtins on arrays, objects and None arguments."""
import io
import math
from types import SimpleNamespace

import numpy as np

from . import case


def arr():
    return (np.arange(-2.0, 3.0),)


@case(lambda: (np.arange(-2.0, 3.0), "sum"), lambda: (np.arange(-2.0, 3.0), "max"))
def agg(x, mode):
    y = np.abs(x)
    if mode == "sum":
        return y.sum()
    return y.max()


@case(lambda: (np.arange(10.0),), lambda: (np.arange(1.0),))
def collect(x):
    outs = []
    for s in (1, 2, 4):
        outs.append(x[::s].mean())
    return np.array(outs)


@case(lambda: (np.arange(3.0), [1, 2, 3]), lambda: (np.arange(3.0)[::-1], (0.5,)))
def poly(x, coeffs):
    """Evaluate a polynomial with a generator expression."""
    y = x * 1.0
    return sum(c * y ** i for i, c in enumerate(coeffs))


@case(arr)
def list_comp(x):
    return [float(v) * 2 for v in x if v != 0]


@case(arr)
def squares_dict(x):
    return {i: x[i] ** 2 for i in range(len(x))}


@case(lambda: (np.arange(4.0), {"scale": 2.0}), lambda: (np.arange(4.0), {"scale": 2.0, "shift": 1.0}))
def dict_lookup(x, table):
    s = x.sum()
    return s * table["scale"] + table.get("shift", 0.0)


@case(lambda: (np.arange(4.0), {"a": 1.0}, "b"))
def dict_missing_key(x, table, key):
    return x * table[key]


@case(arr)
def fstring_report(x):
    return f"mean={x.mean():.3f} n={len(x)}"


@case(arr)
def print_to_buffer(x):
    buf = io.StringIO()
    y = x * 2
    print("total", y.sum(), file=buf)
    print(y.shape, file=buf)
    return buf.getvalue(), y


@case(lambda: (np.arange(3.0), io.StringIO()))
def print_to_argument(x, out):
    out.write("start\n")
    z = x + 1
    print(z.max(), file=out)
    return z


@case(arr)
def builtin_sum_max(x):
    return sum(x), max(x), min(x), sorted(x)


@case(arr)
def tolist_roundtrip(x):
    values = (x * 2).tolist()
    values.append(100.0)
    return np.array(values) + 1


@case(arr)
def item_and_casts(x):
    s = x.sum()
    return float(s), int(s), bool(s), x[1].item(), str(x.max())


@case(lambda: (np.ones((2, 3)),))
def shape_to_python(x):
    n, m = x.shape
    labels = {n: "rows", m: "cols"}
    return labels, x.sum(axis=0)


@case(arr)
def tuple_then_python(x):
    pair = (x + 1, x * 2)
    totals = [p.sum() for p in pair]
    return pair, totals


@case(lambda: (np.arange(4.0), 3))
def list_in_between(x, k):
    w = [1.0, 2.0]
    w.append(float(k))
    y = x * w[-1]
    return y, w


@case(lambda: (np.arange(4.0), "abc"), lambda: (np.arange(4.0), "xyz"))
def string_method_branch(x, kind):
    y = x * 3
    z = y - 1
    if kind.startswith("a"):
        z = z + 1
    return z


@case(lambda: (np.arange(4.0), "Mean"), lambda: (np.arange(4.0), "median"))
def string_dispatch_lower(x, how):
    how = how.lower()
    ops = {"mean": np.mean, "median": np.median}
    return ops[how](x * 2)


@case(lambda: (np.arange(5.0), ["a", "b", "c"]))
def zip_labels(x, names):
    return {name: float(v) for name, v in zip(names, x * 10)}


@case(arr)
def closure_scale(x):
    factor = 3.0

    def scale(v):
        return v * factor
    return scale(x) + 1


@case(arr)
def lambda_map(x):
    sq = lambda v: v * v  # noqa: E731
    return list(map(sq, [x, x + 1]))


@case(lambda: (np.array([3.0, -1.0, 2.0]),))
def sorted_key_lambda(x):
    pairs = sorted(enumerate(x), key=lambda p: p[1])
    return [i for i, _ in pairs]


@case(arr)
def generator_function(x):
    def halves(v):
        while v.size > 1:
            yield v.sum()
            v = v[: v.size // 2]
    return list(halves(x))


@case(arr)
def set_of_signs(x):
    return sorted({int(np.sign(v)) for v in x})


@case(arr, lambda: (np.zeros(0),))
def any_all_builtins(x):
    return any(x > 1), all(x > -5)


@case(lambda: (np.arange(4.0), SimpleNamespace(scale=2.0, offset=1.0)))
def object_attributes(x, cfg):
    return x * cfg.scale + cfg.offset


@case(lambda: (np.arange(4.0), None), lambda: (np.arange(4.0), np.full(4, 2.0)))
def none_argument(x, w):
    if w is None:
        w = np.ones_like(x)
    return (x * w).sum()


@case(lambda: (np.arange(4.0), [np.ones(4), np.arange(4.0)]))
def list_of_arrays(x, arrays):
    total = x.copy()
    for a in arrays:
        total += a
    return total, len(arrays)


@case(arr)
def math_module(x):
    s = float(np.abs(x).sum())
    return math.sqrt(s) + math.floor(s / 3), math.isfinite(s)


@case(arr)
def with_errstate(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1.0 / x
    return np.where(np.isfinite(r), r, 0.0)


@case(arr)
def isinstance_check(x):
    s = x.sum()
    if isinstance(s, float):
        return "float", s
    return "other", s


@case(lambda: (np.arange(6.0), slice(1, 4)))
def slice_argument(x, sl):
    return x[sl] * 2


@case(arr)
def nested_lists(x):
    rows = [[float(v), float(v) ** 2] for v in x]
    return np.array(rows).T


@case(lambda: (np.arange(4.0), b"ab"))
def bytes_argument(x, tag):
    return x * len(tag), tag + b"!"

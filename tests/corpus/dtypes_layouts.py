"""Dtypes (structured, object, small ints, float32, complex, bool) and layouts (views,
negative strides, empty, one element, 0-d, Fortran order)."""
import numpy as np

from . import case

POINT = np.dtype([("x", "f8"), ("y", "i4")])


def points():
    return (np.array([(1.0, 2), (3.0, 4), (-1.0, 7)], dtype=POINT),)


@case(points)
def struct_field(a):
    return a["x"] * 2 + a["y"]


@case(points)
def struct_sort(a):
    return np.sort(a, order="y")["x"]


@case(points)
def struct_write(a):
    a["x"] += 1
    return a


@case(points)
def struct_record(a):
    r = a[1]
    return r["x"] + r["y"], a.dtype.names


@case(lambda: (np.array([1, 2.5, 3], dtype=object),))
def object_sum(a):
    return a.sum(), a * 2


@case(lambda: (np.array(["a", "b"], dtype=object),))
def object_strings(a):
    return a + a


@case(lambda: (np.array(["x", "yy", "zzz"]),))
def unicode_array(a):
    return np.char.upper(a), a == "yy"


@case(lambda: (np.arange(4, dtype=np.uint8),))
def uint8_plus_1000(x):
    return x + 1000


@case(lambda: (np.array([250, 5], dtype=np.uint8),))
def uint8_wraps(x):
    return x + np.uint8(10), x - 6


@case(lambda: (np.arange(4, dtype=np.float32),))
def float32_stays(x):
    return x * 2.5 + 1, (x * 2.5).dtype


@case(lambda: (np.arange(4, dtype=np.int16), np.arange(4, dtype=np.float32)))
def mixed_promotion(a, b):
    return a + b, a * 2, a / 2


@case(lambda: (np.array([True, False, True]),))
def bool_math(m):
    return m.sum(), m + m, m * 2.0, ~m


@case(lambda: (np.arange(4.0) + 1j,))
def complex_ops(z):
    return np.abs(z), z.conj() * z, z.real.sum()


@case(lambda: (np.arange(5),))
def astype_chain(x):
    return (x.astype(np.float32) / 3).astype(np.int16)


@case(lambda: (np.arange(6), 0))
def int_array_div_zero(x, d):
    return x // d, x / d


@case(lambda: (np.arange(10.0)[::3],), lambda: (np.arange(10.0)[::-2],), lambda: (np.arange(12.0).reshape(3, 4).T,))
def view_inputs(x):
    return x * 2 + x.sum()


@case(lambda: (np.zeros((0, 3)),), lambda: (np.ones((1, 1)),), lambda: (np.zeros(0),))
def empty_and_one(a):
    return a.sum(axis=0), a.max(initial=-1.0), a * 2


@case(lambda: (np.zeros(0),))
def empty_max(a):
    return a.max()


@case(lambda: (np.array(3.0),), lambda: (np.array(2, dtype=np.int8),))
def zero_d_ops(a):
    return a * 2, a + 1.5, (a * 2).shape, float(a)


@case(lambda: (np.array(3.0),))
def zero_d_index(a):
    return a[()], a[...], a.reshape(1)


@case(lambda: (np.asfortranarray(np.arange(6.0).reshape(2, 3)),))
def fortran_input(a):
    return a.sum(axis=1), a.ravel(), a.flags.f_contiguous


@case(lambda: (np.arange(6.0),))
def returns_view(x):
    return x[1:4], x[::-1]


@case(lambda: (np.arange(6.0),))
def returned_view_shares(x):
    v = x[2:]
    v[0] = -1
    return np.shares_memory(v, x), x


@case(lambda: (np.array([1.0, np.nan, 3.0]),))
def nan_propagation(x):
    return x.max(), np.nanmax(x), np.maximum(x, 2.0), np.isnan(x).sum()


@case(lambda: (np.array([0.0, -0.0, 1.0]),))
def signed_zero(x):
    return -x, x * -1.0, np.minimum(x, -0.0)


@case(lambda: (np.arange(3.0),))
def dtype_and_shape_values(x):
    return x.dtype, x.shape, x.ndim, x.size, x.dtype == np.float64

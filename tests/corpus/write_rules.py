"""NumPy's write rules: in-place writes to arguments, read-only arrays, repeated indices,
views, overlapping copies, masked and fancy stores, out= arguments."""
import numpy as np

from . import case


def readonly(a):
    a.flags.writeable = False
    return a


def arr():
    return np.arange(5.0)


@case(lambda: (arr(),), lambda: (np.arange(5),))
def iadd_argument(x):
    x += 1
    return x


@case(lambda: (np.arange(5),))
def iadd_float_into_int(x):
    x += 1.5
    return x


@case(lambda: (arr(),))
def item_store(x):
    x[0] = 5
    x[-1] = x[1] * 2
    return x.sum()


@case(lambda: (arr(),))
def slice_fill(x):
    x[:] = 0
    return None


@case(lambda: (readonly(arr()),))
def write_readonly(x):
    x[0] = 1.0
    return x


@case(lambda: (readonly(arr()),))
def iadd_readonly(x):
    y = x * 2
    x += y
    return y


@case(lambda: (readonly(arr()),))
def read_readonly(x):
    return x * 2 + x.sum()


@case(lambda: (arr(),))
def write_broadcast_view(x):
    b = np.broadcast_to(x, (2, 5))
    b[0, 0] = 1.0
    return b


@case(lambda: (np.zeros(4),))
def repeated_index_store(x):
    x[[0, 0, 1]] = [1.0, 2.0, 3.0]
    return x


@case(lambda: (np.zeros(4),))
def repeated_index_iadd(x):
    x[[0, 0, 1, 0]] += 1
    return x


@case(lambda: (np.zeros(4), np.array([3, 3, 3])))
def repeated_index_argument(x, idx):
    x[idx] = x[idx] + 2
    return x


@case(lambda: (arr(),))
def view_write(x):
    v = x[1:]
    v *= 2
    return x


@case(lambda: (arr(),))
def negative_stride_write(x):
    r = x[::-1]
    r += np.arange(5.0)
    return x, r


@case(lambda: (arr(),))
def overlap_shift_copy(x):
    x[1:] = x[:-1]
    return x


@case(lambda: (arr(),))
def overlap_iadd(x):
    x[1:] += x[:-1]
    return x


@case(lambda: (np.arange(-2.0, 3.0),))
def mask_store(x):
    x[x < 0] = 0
    return x.sum()


@case(lambda: (np.arange(-2.0, 3.0),))
def mask_store_array(x):
    m = x > 0
    x[m] = x[m] * 10
    return x


@case(lambda: (arr(),))
def out_argument(x):
    np.add(x, 1, out=x)
    np.multiply(x, x, out=x)
    return x


@case(lambda: (np.array([3.0, 1.0, 2.0]),))
def sort_in_place(x):
    x.sort()
    return x[0]


@case(lambda: (arr(),))
def fill_method(x):
    x.fill(3)
    return x


@case(lambda: (np.zeros((3, 3)),))
def fill_diag(a):
    np.fill_diagonal(a, 1.0)
    return a.sum()


@case(lambda: (np.array(2.0),))
def zero_d_store(a):
    a[()] = 5
    a[...] += 1
    return a


@case(lambda: (np.arange(6.0),))
def reshape_view_write(x):
    m = x.reshape(2, 3)
    m[1] = -1
    return x


@case(lambda: (np.arange(6.0),))
def copy_then_write(x):
    y = x.copy()
    y[0] = 100
    return y, x


@case(lambda: (np.arange(12.0).reshape(3, 4)[:, ::2],))
def strided_argument_write(a):
    a *= -1
    return a


@case(lambda: (np.zeros(3), np.arange(3.0)))
def copyto(dst, src):
    np.copyto(dst, src * 2)
    return dst


@case(lambda: (arr(), [1, 3]))
def fancy_list_store(x, idx):
    x[idx] = -x[idx]
    return x


@case(lambda: (arr(),))
def write_then_raise(x):
    x[0] = 7
    return x[10]


@case(lambda: (arr(), [0.0]))
def list_argument_append(x, log):
    log.append(float(x.sum()))
    x *= 2
    return len(log)


@case(lambda: (arr(), {"n": 0}))
def dict_argument_update(x, state):
    state["n"] += 1
    state["total"] = x.sum()
    return x * state["n"]


@case(lambda: (np.arange(4.0),))
def setitem_wrong_shape(x):
    x[:2] = [1.0, 2.0, 3.0]
    return x

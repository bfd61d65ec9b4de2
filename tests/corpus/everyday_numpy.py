"""Everyday NumPy: elementwise math, reductions, sorting, histograms, FFT, random numbers,
ufunc methods, boolean-mask selections, shapes."""
import numpy as np

from . import case


def f64(*shape, lo=-3.0, hi=3.0, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def vec():
    return (np.arange(-2.0, 3.0),)


def vec10():
    return (f64(10),)


# ---- elementwise ---------------------------------------------------------------------------
@case(lambda: (2.0, f64(7), f64(7, seed=1)), lambda: (3, np.arange(4), np.ones(4, np.int32)))
def saxpy(a, x, y):
    return a * x + y


@case(vec10, lambda: (np.ones(3),), lambda: (np.zeros(0),))
def standardize(x):
    return (x - x.mean()) / x.std()


@case(vec10, lambda: (f64(3, 4),))
def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


@case(vec10)
def clip_scale(x):
    return np.clip(x, -1, 1) * 2


@case(vec10, lambda: (np.arange(-3, 4),))
def where_abs(x):
    return np.where(x > 0, x, -x)


@case(lambda: (f64(6, lo=0.1),))
def log_sum_exp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


@case(lambda: (f64(5), f64(5, seed=2)))
def hypot_angle(x, y):
    return np.hypot(x, y), np.arctan2(y, x)


# ---- masks ---------------------------------------------------------------------------------
@case(vec, lambda: (np.zeros(0),), lambda: (np.arange(-3, 4),))
def pos_sq(x):
    return x[x > 0] ** 2


@case(vec, lambda: (np.arange(-3, 4),))
def pos_twice(x):
    return x[x > 0] * 2


@case(lambda: (np.arange(-2.0, 3.0).astype(np.float32),), vec)
def neg_part(y):
    return -y[y < 0]


@case(vec, lambda: (np.zeros(0),))
def count_pos(y):
    return len(y[y > 0])


@case(vec, lambda: (np.arange(6).reshape(2, 3),))
def count_big(y):
    return (y > 1).sum()


@case(lambda: (np.arange(-2.0, 3.0) / 3,), lambda: (np.arange(-2.0, 3.0).astype(np.float32) / 7,))
def rounded(y):
    return y.round(2)


@case(vec10)
def band_mean(x):
    return x[(x > -1) & (x < 2)].mean()


@case(lambda: (f64(6), np.array([True, False, True, True, False, False])))
def given_mask(x, m):
    return x[m].sum(), x[~m] * 3


@case(vec10)
def mask_count_nonzero(x):
    return np.count_nonzero(x > 0), np.flatnonzero(x < 0)


@case(lambda: (f64(4, 3),))
def mask_rows(a):
    return a[a[:, 0] > 0].sum(axis=0)


# ---- reductions ----------------------------------------------------------------------------
@case(lambda: (f64(4, 3),), lambda: (np.arange(12).reshape(3, 4),))
def axis_sums(a):
    return a.sum(axis=0), a.sum(axis=1), a.sum()


@case(lambda: (f64(4, 3),))
def keepdims_mean(a):
    return a - a.mean(axis=1, keepdims=True)


@case(vec10, lambda: (np.array([3, 1, 3, 2]),))
def arg_extremes(x):
    return np.argmax(x), np.argmin(x), x.max(), x.min()


@case(vec10)
def ddof_std(x):
    return x.std(ddof=1), x.var()


@case(vec10, lambda: (np.arange(5.0),))
def median_pct(x):
    return np.median(x), np.percentile(x, 90)


@case(vec10, lambda: (np.zeros(0),))
def any_all(x):
    return (x > 0).any(), (x > -10).all(), np.any(x > 100)


@case(lambda: (np.arange(1, 6),), lambda: (np.arange(1.0, 6.0),))
def products(x):
    return np.prod(x), np.cumprod(x), np.cumsum(x)


@case(lambda: (np.array(5.0),), lambda: (np.array(3),))
def zero_d_axis0(a):
    return np.sum(a, axis=0)


@case(lambda: (np.array(5.0),))
def zero_d_axis_minus1(a):
    return a.max(axis=-1)


@case(lambda: (np.array(5.0),), lambda: (np.array(2.5),))
def zero_d_plain_reductions(a):
    return a.sum(), a.mean(), np.max(a), a.argmax()


@case(lambda: (np.array(4.0),))
def zero_d_add_reduce_axis0(a):
    return np.add.reduce(a, axis=0)


# ---- sorting, unique, histogram ------------------------------------------------------------
@case(lambda: (np.array([3, 1, 2, 3, 1, 1]),), lambda: (np.array([2.5, -1.0, 2.5]),))
def unique_counts(x):
    return np.unique(x, return_counts=True)


@case(lambda: (np.array([3, 1, 2, 3]),))
def unique_inverse(x):
    values, inverse = np.unique(x, return_inverse=True)
    return values[inverse] * 2


@case(vec10)
def sorted_desc(x):
    return np.sort(x)[::-1]


@case(vec10)
def argsort_take(x):
    order = np.argsort(x)
    return x[order], order


@case(lambda: (f64(20, lo=0, hi=9),))
def hist(x):
    return np.histogram(x, bins=4)


@case(lambda: (f64(20, lo=0, hi=9),))
def hist_range(x):
    counts, edges = np.histogram(x, bins=3, range=(0, 9))
    return counts.sum(), edges


@case(lambda: (np.array([0, 1, 1, 3, 3, 3]),))
def bincount_weights(x):
    return np.bincount(x), np.bincount(x, weights=x * 0.5)


@case(lambda: (np.array([1.0, 2.0, 5.0]), np.array([0.5, 2.0, 9.0])))
def search(edges, v):
    return np.searchsorted(edges, v)


# ---- FFT and random ------------------------------------------------------------------------
@case(lambda: (f64(8),))
def fft_mag(x):
    return np.abs(np.fft.fft(x))


@case(lambda: (f64(8),))
def rfft_round_trip(x):
    return np.fft.irfft(np.fft.rfft(x), n=len(x))


@case(lambda: (f64(5), np.random.default_rng(0)))
def random_noise(x, rng):
    return x + rng.normal(size=x.shape)


@case(lambda: (np.random.default_rng(0), 6))
def random_integers(rng, n):
    return rng.integers(0, 10, size=n).sum()


@case(lambda: (np.arange(6.0), np.random.default_rng(0)))
def permute(x, rng):
    return x[rng.permutation(len(x))]


@case(lambda: (np.random.default_rng(0),))
def random_walk(rng):
    steps = rng.choice([-1, 1], size=10)
    return np.cumsum(steps), steps.sum()


# ---- ufunc methods -------------------------------------------------------------------------
@case(lambda: (f64(4, 3),), lambda: (np.arange(5),))
def add_reduce(a):
    return np.add.reduce(a), np.add.reduce(a, axis=-1)


@case(lambda: (np.arange(3.0), np.arange(4)))
def mul_outer(x, y):
    return np.multiply.outer(x, y)


@case(lambda: (np.zeros(4), np.array([0, 1, 1, 3])))
def add_at(x, idx):
    np.add.at(x, idx, 1)
    return x


@case(vec10)
def max_accumulate(x):
    return np.maximum.accumulate(x)


@case(lambda: (np.arange(8.0), np.array([0, 3, 5])))
def add_reduceat(x, idx):
    return np.add.reduceat(x, idx)


# ---- shapes --------------------------------------------------------------------------------
@case(lambda: (np.arange(12.0),))
def reshape_t(x):
    return x.reshape(3, -1).T * 2


@case(lambda: (np.arange(3.0), np.arange(4.0)))
def concat_stack(x, y):
    return np.concatenate([x, y]), np.stack([x, x + 1])


@case(lambda: (np.arange(3.0), np.arange(4.0)))
def broadcast_outer(x, y):
    return x[:, None] * y[None, :]


@case(vec10, lambda: (np.arange(1.0),))
def diffs(x):
    return np.diff(x), np.diff(x, n=2)


@case(lambda: (5,), lambda: (0,))
def grid(n):
    t = np.linspace(0, 1, n)
    return np.sin(2 * np.pi * t)


@case(lambda: (np.arange(3.0), np.arange(2.0)))
def mesh(x, y):
    X, Y = np.meshgrid(x, y)
    return X + 10 * Y


@case(lambda: (f64(3, 4), f64(4, 2)), lambda: (f64(3), f64(3, seed=3)))
def matmul(a, b):
    return a @ b


@case(lambda: (f64(4, 4),))
def trace_norm(a):
    return np.trace(a), np.linalg.norm(a), a.diagonal() * 2

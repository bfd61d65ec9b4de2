"""Array creation, joining, shape views and integer-array indexing, compared with NumPy
(fallback raising: every case compiles)."""
import numpy as np
import pytest

from npaccel import UnsupportedError, accelerate
from harness import check_same

RNG = np.random.default_rng(11)
X = RNG.standard_normal((5, 7))
V = RNG.standard_normal(9)
EXACT = {np.dtype(np.float64): 0.0}          # rtol 0 for every float dtype: bit-for-bit
STRIDED = [lambda: (X,), lambda: (X[::-1, ::2],), lambda: (np.asfortranarray(X),)]


def same(fn, *args, **kw):
    return check_same(fn, lambda: args, **kw)


# ---- zeros, ones, empty, full and their _like forms ----------------------------------------
@pytest.mark.parametrize("dtype", [None, np.float32, np.int8, np.uint16, bool, np.int64])
def test_filled_static_and_symbolic_shapes(dtype):
    def f(x):
        n, m = x.shape
        return (np.zeros((n, m), dtype=dtype), np.ones(len(x), dtype), np.empty((2, m), dtype=dtype)[:, :0],
                np.zeros((), dtype) + 1, np.ones((0, m), dtype=dtype), np.full((m, 3), 7, dtype=dtype))
    same(f, X)
    same(f, np.ones((0, 3)))


def test_sizes_from_int_arguments_and_arithmetic():
    def f(n, x):
        return np.zeros(n) + 1, np.ones((n - 2, x.shape[1] * 2), np.int32), np.arange(n) * 2
    for n in (5, 2, 0):
        same(f, n, X)
    same(f, -1, X)                                   # negative dimensions: ValueError at call time
    same(lambda n: np.zeros(n // 2 + 1), 7)


@pytest.mark.parametrize("bad", [
    lambda x: np.zeros(-1),
    lambda x: np.zeros((2, 3.0)),
    lambda x: np.ones(3, order="X"),
    lambda x: np.zeros(3, dtype="not a dtype"),
    lambda x: np.full(3, -1, dtype=np.uint8),
    lambda x: np.full(3, 300, np.uint8),
    lambda x: np.full((2, 3), x[:, 0]),
    lambda x: np.zeros_like(x, shape=(-2,)),
])
def test_creation_errors_are_numpys(bad):
    same(bad, X)


def test_full_values_casts_and_broadcasts():
    def f(x, s):
        return (np.full((2, 3), 2.7, dtype=np.int8), np.full(4, s), np.full((3, 7), x[0]),
                np.full(x.shape, s, dtype=np.float32), np.full((2, 5), True), np.full((2,), np.float32(1.5)))
    same(f, X, 1.25)
    same(lambda x, s: np.full(3, s, dtype=np.int16), X, 3)


@pytest.mark.parametrize("make", STRIDED)
def test_like_forms(make):
    def f(x):
        return (np.zeros_like(x), np.ones_like(x, dtype=np.int32), np.empty_like(x)[:0], np.full_like(x, 2.5),
                np.full_like(x, 7, dtype=np.uint8), np.zeros_like(x, shape=(2, 3)),
                np.full_like(x, x[0, 0]), np.ones_like(x[0], shape=x.shape[1]))
    check_same(f, make)


def test_full_like_of_ints_casts_unsafely_and_checks_python_ints():
    a = np.arange(6, dtype=np.uint8)
    same(lambda a: np.full_like(a, 2.7), a)
    same(lambda a: np.full_like(a, 300), a)          # OverflowError as in NumPy


def test_copy_is_a_new_array():
    f = accelerate(lambda x: np.copy(x), fallback="raise")
    out = f(X)
    assert out is not X and np.array_equal(out, X)
    same(lambda x: np.copy(x[::-2]), X)


# ---- arange ---------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    (10,), (3, 11), (3, 11, 3), (11, 3, -2), (5, 5), (7, 2), (-3,), (0.5, 5.2, 0.3), (1.0, -2.0, -0.7),
    (0.1, 1.0, 0.1), (0, 1, 1e-2), (np.float32(0.5), 3), (np.int8(3), 20, 4), (True, 4),
    (2.5,), (0, 10, 2.5), (1e-300, 1.0, 0.5), (-0.0, 3.0),
    (-2.8771034857165407, 5.0, 2.995615892203909),     # float32: b0 + (b1 - b0) != b1, NumPy stores b1
])
@pytest.mark.parametrize("dtype", [None, np.float32, np.float16, np.int16, np.uint8, np.int64, np.float64])
def test_arange_matches_numpy_bit_for_bit(args, dtype):
    def f(x):
        return np.arange(*args, dtype=dtype)
    same(f, V, rtol=EXACT)


def test_arange_keywords_bools_and_errors():
    same(lambda x: (np.arange(stop=4), np.arange(2, stop=9, step=2), np.arange(0, 2, dtype=bool)), V)
    for bad in (lambda x: np.arange(0, 3, dtype=bool), lambda x: np.arange(0, 5, 0), lambda x: np.arange(0.0, 1.0, 0.0),
                lambda x: np.arange(start=4), lambda x: np.arange(0, np.inf), lambda x: np.arange(np.nan),
                lambda x: np.arange(127, 130, dtype=np.int8), lambda x: np.arange(1, 2, 3, np.int8, 5)):
        same(bad, V)
    same(lambda x: np.arange(127, 128, dtype=np.int8), V)     # one element: the next is never stored
    same(lambda x: np.arange(250, 262, dtype=np.uint8), V)    # NumPy's fill wraps


def test_arange_with_run_time_bounds():
    def f(x, k):
        n = len(x)
        return (np.arange(n) * x, np.arange(n, 2 * n + 3, 2), np.arange(k, n, -1), np.arange(n - 1, -1, -1),
                np.arange(n, dtype=np.float32) * 0.25, np.arange(1, n + 1, dtype=np.uint8), np.arange(k) + 0.5)
    for k in (3, 0, -4, 20):
        same(f, V, k, rtol=EXACT)
    same(f, np.ones(0), 2)
    same(lambda x: np.arange(len(x), dtype=bool), np.ones(5))   # more than 2 bools: TypeError at call time
    same(lambda x: np.arange(len(x), dtype=bool), np.ones(2))


# ---- linspace -------------------------------------------------------------------------------
@pytest.mark.parametrize("start,stop", [(0, 1), (-2.5, 7.25), (3, -1), (np.float32(0.1), 2.0),
                                        (np.float32(1), np.float32(-3)), (1e-310, 2e-310), (5, 5)])
@pytest.mark.parametrize("num,endpoint", [(50, True), (7, False), (1, True), (1, False), (0, True), (2, True)])
def test_linspace_matches_numpy_bit_for_bit(start, stop, num, endpoint):
    def f(x):
        y, step = np.linspace(start, stop, num, endpoint, True)
        return np.linspace(start, stop, num, endpoint=endpoint), y, step
    same(f, V, rtol=EXACT)


def test_linspace_dtypes_axes_arrays_and_run_time_num():
    def f(x, a, b):
        n = len(x)
        y, step = np.linspace(-1, 1, n, retstep=True)
        return (np.linspace(a, b, n), np.linspace(0, 10, n, endpoint=False, dtype=np.int32),
                np.linspace(a, b, 5, dtype=np.float32), np.linspace(x[:3], 2.0, 4), np.linspace(0.0, x[:2], 3, axis=1),
                y, step, np.linspace(x[0], x[1], 6, axis=-1))
    for x in (V, V[:1], V[:0]):
        same(f, x, -1.5, 2.0, rtol=EXACT)
    for bad in (lambda x: np.linspace(0, 1, -1), lambda x: np.linspace(0, 1, 2.5),
                lambda x: np.linspace(0, 1, 5, axis=1)):
        same(bad, V)
    same(lambda x, n: np.linspace(0, 1, n), V, -2)


# ---- eye, identity, indices, meshgrid -------------------------------------------------------
@pytest.mark.parametrize("k", [0, 1, -2, 9, -9])
def test_eye_and_identity(k):
    def f(x):
        n, m = x.shape
        return (np.eye(n, m, k=k), np.eye(4, k=k, dtype=np.int8), np.eye(m, 3, k, bool), np.identity(n),
                np.identity(3, dtype=np.float32) * x[:3, :3].astype(np.float32))
    same(f, X)
    same(lambda x: np.eye(-1), X)
    same(lambda x: np.eye(3, k=1.5), X)
    for n, k in ((4, 1), (3, -5), (0, 0)):
        same(lambda n, k: (np.eye(n, 5, k), np.identity(n, dtype=np.uint8)), n, k)


def test_zero_dimensional_inputs():
    def f(s, x):
        return (np.full((2, 2), s) + x[0, 0], np.broadcast_to(s, (3,)) * 1, np.stack([s, s]), np.hstack([s, x[0]]),
                np.atleast_1d(s), np.roll(x[0, 0] + 0.5, 1) + 0, np.reshape(x[0, 0], (1, 1)), np.expand_dims(s, 0))
    same(f, np.float32(2.5), X)
    same(f, 3, X)


def test_indices_and_meshgrid():
    def f(x, y):
        sparse = np.indices((3, len(y)), sparse=True)
        xy, ij, three = np.meshgrid(x, y), np.meshgrid(x, y, indexing="ij"), np.meshgrid(x, y, x[:2])
        sp, nd, one = np.meshgrid(x, y, sparse=True), np.meshgrid(x[None, :2], y), np.meshgrid(x)
        return (np.indices((2, 3)), np.indices((len(x), 2), dtype=np.int8), sparse[0], sparse[1], np.indices(()),
                xy[0], xy[1], ij[0], ij[1], three[0], three[1], three[2], sp[0], sp[1], nd[0], nd[1], one[0], len(one))
    same(f, V, X[0])
    same(lambda x, y: np.meshgrid(x, y, indexing="yx"), V, V)


# ---- concatenate and the stacks -------------------------------------------------------------
@pytest.mark.parametrize("make", STRIDED)
def test_concatenate_axes(make):
    def f(x):
        return (np.concatenate([x, x * 2]), np.concatenate((x[:, :2], x, x[:, :0]), axis=1),
                np.concatenate([x, x[::-1]], axis=-1), np.concatenate([x, x[1]], axis=None),
                np.concatenate([x]), np.concatenate(x), np.concatenate(x[:2, None], axis=1))
    check_same(f, make)


def test_concatenate_dtypes_and_casting():
    a, b = np.arange(6, dtype=np.int32).reshape(2, 3), np.linspace(0, 1, 3, dtype=np.float32)[None]
    same(lambda a, b: (np.concatenate([a, b]), np.concatenate([a, a.astype(np.uint8)]),
                       np.concatenate([a, b], dtype=np.float64),
                       np.concatenate([b, a], dtype=np.int64, casting="unsafe"),
                       np.concatenate([a > 2, a]), np.concatenate([a[0], a[1]])), a, b)
    same(lambda a, b: np.concatenate([a, b], dtype=np.int32), a, b)        # same_kind: TypeError
    same(lambda a, b: np.concatenate([a, b], casting="nope"), a, b)


@pytest.mark.parametrize("bad", [
    lambda x, y: np.concatenate([x, y]),              # run-time size mismatch off the axis
    lambda x, y: np.concatenate([x, x[0]]),
    lambda x, y: np.concatenate([x[0, 0], x[0, 0]]),
    lambda x, y: np.concatenate([]),
    lambda x, y: np.concatenate([x, x], axis=2),
    lambda x, y: np.concatenate([x[:, :3], x[:2, :4]]),
    lambda x, y: np.stack([x, y]),
    lambda x, y: np.stack([]),
    lambda x, y: np.stack([x, x], axis=3),
    lambda x, y: np.hstack([x, y.T]),
    lambda x, y: np.vstack([x[0], y[0]]),
])
def test_joining_errors_are_numpys(bad):
    same(bad, X, RNG.standard_normal((5, 6)))


def test_concatenate_sizes_known_at_run_time_pass_when_equal():
    same(lambda x, y: np.concatenate([x, y], axis=1) * 2, X, RNG.standard_normal((5, 3)))
    same(lambda x, y: np.concatenate([x, y]), X, RNG.standard_normal((0, 7)))


@pytest.mark.parametrize("make", STRIDED)
def test_stacks(make):
    def f(x):
        return (np.stack([x, x + 1]), np.stack([x, x], axis=-1), np.stack((x[0], x[1], x[2]), axis=1),
                np.stack([x[0, 0], x[1, 1]]), np.hstack([x, x[:, :1]]), np.hstack([x[0], x[1], x[2, 0]]),
                np.vstack([x, x[0]]), np.vstack([x[0], x[1]]), np.dstack([x, x]), np.column_stack([x[0], x[1]]),
                np.column_stack([x, x[:, 0]]), np.stack([x, x], dtype=np.float32), np.atleast_1d(x[0, 0]),
                np.atleast_2d(x[0]), np.atleast_3d(x), np.atleast_3d(x[0]), np.atleast_2d(x[0, 0], x)[0])
    check_same(f, make)


@pytest.mark.parametrize("shift", [0, 1, -1, 3, 8, -15, 36])
def test_roll(shift):
    def f(x):
        return (np.roll(x, shift), np.roll(x, shift, axis=1), np.roll(x, shift, axis=0) * 2,
                np.roll(x, (shift, 2), axis=(1, 0)), np.roll(x, (1, shift), axis=(1, 1)), np.roll(x[0], shift))
    for make in STRIDED:
        check_same(f, make)
    same(f, np.ones((0, 4)))
    same(lambda x: np.roll(x, ((1, 2),), axis=0), X)
    same(lambda x: np.roll(x, 1, axis=2), X)


def test_pad_constant():
    def f(x):
        return (np.pad(x, 1), np.pad(x, ((1, 2), (0, 3)), constant_values=9),
                np.pad(x, (2, 1), constant_values=(-1, 5)),
                np.pad(x[0], 3, constant_values=2.5), np.pad(x, ((0, 0), (1, 1)), "constant"), np.pad(x, 0))
    check_same(f, lambda: (X,))
    check_same(f, lambda: (X[::-1, ::3],))
    same(lambda a: np.pad(a, 2, constant_values=7.9), np.arange(6, dtype=np.int16).reshape(2, 3))
    for bad in (lambda x: np.pad(x, -1), lambda x: np.pad(x, 1.5), lambda x: np.pad(x, ((1, 2, 3),))):
        same(bad, X)


# ---- reshape, ravel, views --------------------------------------------------------------------
@pytest.mark.parametrize("make", STRIDED)
def test_reshape_and_ravel(make):
    def f(x):
        n, m = x.shape
        return (x.reshape(m, n) + 1, x.reshape(-1), np.reshape(x, (n * m,)), x.reshape(n, m, 1), x.reshape((1, n, m)),
                x.T.reshape(-1, n), x.reshape(-1, 1, order="F"), np.reshape(x, (m, -1), order="F"), x.ravel(),
                np.ravel(x, order="F"), x.flatten(), x.T.flatten("F"), x[::2].reshape(-1),
                x.reshape(m, n).reshape(n, m),
                x.reshape(n, m), x[0].reshape(1, -1), np.reshape(x, shape=(m, n)), x[1:3, 1:2].reshape(-1))
    check_same(f, make)


def test_reshape_static_sizes_and_errors():
    a = np.arange(24.0).reshape(2, 3, 4)
    same(lambda a: (a.reshape(4, 6), a.reshape(6, -1), a.reshape(2, 12).T, a.reshape(24)[::5],
                    a.reshape(3, 2, 4)[1]), a)
    for bad in (lambda a: a.reshape(5, -1), lambda a: a.reshape(5, 5), lambda a: a.reshape(-1, -1),
                lambda a: a.reshape(-1, 0), lambda a: a.reshape(2.0, 12), lambda a: a.reshape(4, 6, order="K"),
                lambda a: a.reshape(4, 6, order="Q"), lambda a: np.reshape(a)):
        same(bad, a)


def test_reshape_sizes_known_at_run_time_are_checked():
    f = lambda x: x.reshape(-1, 2)        # noqa: E731
    same(f, np.arange(12.0).reshape(3, 4))
    same(f, np.arange(15.0).reshape(3, 5))            # ValueError at call time
    g = lambda x, y: x.reshape(y.shape)   # noqa: E731
    same(g, np.arange(12.0).reshape(3, 4), np.ones((2, 6)))
    same(g, np.arange(12.0).reshape(3, 4), np.ones((2, 5)))
    same(lambda x: x.reshape(len(x) // 2, 2), np.ones(6))
    same(lambda x: x.reshape(len(x) // 2, 2), np.ones(7))   # ValueError at call time
    same(lambda x: x.reshape(len(x) - 4), np.ones(3))       # -1 at run time: NumPy's unknown dimension
    same(lambda x: x.reshape(len(x) - 4), np.ones(5))       # 1: ValueError at call time
    with pytest.raises(UnsupportedError, match="squeeze"):           # 1 or 0 at run time: shape unknown
        accelerate(lambda x: np.squeeze(x[:1]), fallback="raise")(X)


@pytest.mark.parametrize("p, q", [(3, 4), (-1, 4), (3, -1), (-1, -1), (5, 4), (0, 4), (2, 6), (-2, 6)])
def test_reshape_with_several_int_arguments(p, q):
    """npbench's doitgen: ``np.reshape(A[r], (NQ, 1, NP))``. Non-negative sizes compile; a
    negative one (NumPy's -1, or its error) runs the call in Python."""
    from harness import check_same, check_same_default

    def f(a, p, q):
        return np.reshape(a, (p, 1, q)) * 2
    check_same(f, lambda: (np.arange(12.0), p, q))
    check_same_default(f, lambda: (np.arange(12.0), p, q))


def test_flatten_and_ravel_of_1d_do_not_alias_wrongly():
    flat = accelerate(lambda x: x.flatten(), fallback="raise")(V)
    assert flat is not V and np.array_equal(flat, V)
    same(lambda x: x.ravel() * 2, V[::-2])
    same(lambda x: np.ravel(x[2]), X)


@pytest.mark.parametrize("make", STRIDED)
def test_view_functions(make):
    def f(x):
        n, m = x.shape
        return (np.broadcast_to(x[0], (3, m)) * 1, np.broadcast_to(x, (2, n, m)), np.broadcast_to(2.5, (2, 3)),
                np.broadcast_to(x[:, 0, None], x.shape) + x, np.expand_dims(x, 0), np.expand_dims(x, (0, 3)),
                np.expand_dims(x, -1) - x[..., None], np.squeeze(x[:1], 0), x[:, 1:2].squeeze(1),
                np.squeeze(x[None], 0),
                np.squeeze(x[None, :, None]), x[None, 2, :, None].squeeze(),
                np.swapaxes(x, 0, 1), x.swapaxes(-1, 0) * 2, np.moveaxis(x[None], 0, -1),
                np.moveaxis(x, (0, 1), (1, 0)),
                np.flip(x), np.flip(x, 1), np.fliplr(x), np.flipud(x), np.flip(x, (0, 1)) * 2)
    check_same(f, make)


@pytest.mark.parametrize("bad", [
    lambda x: np.broadcast_to(x, (3, 7)),
    lambda x: np.broadcast_to(x, (7,)),
    lambda x: np.broadcast_to(x, ()),
    lambda x: np.broadcast_to(x[0], (-1, 7)),
    lambda x: np.broadcast_to(x[0], (3, len(x))),     # run-time mismatch (5 != 7)
    lambda x: np.expand_dims(x, 3),
    lambda x: np.expand_dims(x, (0, 0)),
    lambda x: np.squeeze(x, 0),
    lambda x: np.squeeze(x[:, :1], 0),
    lambda x: np.swapaxes(x, 0, 2),
    lambda x: np.moveaxis(x, 0, (0, 1)),
    lambda x: np.fliplr(x[0]),
    lambda x: np.flip(x, 2),
])
def test_view_errors_are_numpys(bad):
    same(bad, X)


# ---- integer-array indexing -------------------------------------------------------------------
IDX = np.array([3, -1, 0, 4, -5, 2])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8, np.uint64])
@pytest.mark.parametrize("make", STRIDED)
def test_integer_array_reads(dtype, make):
    idx = np.abs(IDX).astype(dtype) if np.dtype(dtype).kind == "u" else IDX.astype(dtype)
    i2 = (idx[:4] % 5).reshape(2, 2)

    def f(x, i, j):
        return (x[i] * 2, x[i, :], x[:, i] + 1, x[j], x[j, 1], x[1:4, i[:2]], x[::-1][i], x[..., i], x[i, i],
                x[j, j[0]], x[i, None], x[None, :, i], np.take(x, i), np.take(x, i, axis=1), x[0][i], x.take(j, 0))
    args = make()
    same(f, args[0], idx, i2)


def test_integer_array_index_positions_and_broadcasting():
    a = RNG.standard_normal((4, 5, 6))
    i, j = np.array([[0], [3]]), np.array([1, 2, -1])

    def f(a, i, j):
        return a[i, :, j], a[:, i, j], a[i, j], a[1, :, j], a[:, 2, j], a[i, 1:3, j % 4] * 2, a[j, 0], a[i, ..., 0]
    same(f, a, i, j)
    same(lambda a, i: a[i, i[:2]], a, j)                         # IndexError: shapes cannot broadcast
    same(lambda a, i, j: a[i, j], a, np.arange(3), np.arange(4))  # run-time broadcast mismatch


@pytest.mark.parametrize("idx", [np.array([0, 5]), np.array([-6]), np.array([2 ** 40]), np.array([7], np.uint64),
                                 np.array([], dtype=np.int64)])
def test_integer_array_bounds_are_index_errors(idx):
    same(lambda x, i: x[i], V[:5], idx)
    same(lambda x, i: x[:, i] + 1, X[:, :5], idx)
    same(lambda x, i: x[i], np.ones(0), idx)                     # any index into an empty axis


def test_literal_index_lists():
    def f(x):
        return (x[[0, 2, -1]] * 2, x[:, [3, 0]], x[[[0, 1], [2, 3]]], x[[1, 2], [0, 1]], x[[]], x[[4], 1:],
                x[np.array([4, 0])])
    for make in STRIDED:
        check_same(f, make)
    for bad in (lambda x: x[[1.0]], lambda x: x[[0, 9]], lambda x: x[[0, 1], [1, 2, 3]]):
        same(bad, X)


def test_index_array_errors_and_limits():
    same(lambda x, i: x[i], V, np.array([1.0]))                  # float indices: IndexError
    same(lambda x, i: x[i, 9], X, np.array([1]))                  # static index out of bounds
    same(lambda x, i: x[i, 1.5], X, np.array([1]))


# ---- fusion: one loop, nothing materialised but the result -----------------------------------
def test_joined_and_index_values_fuse_into_the_consuming_loop():
    def cat(a, b):
        return np.concatenate([a, b]) * 2

    def ramp(x):
        return np.arange(len(x)) * x

    def mix(x, i):
        return np.roll(x, 2, axis=1)[i] + np.eye(x.shape[1])[0] + np.linspace(0, 1, x.shape[1])
    for fn, args in ((cat, (X, X[:2])), (ramp, (V,)), (mix, (X, np.array([0, 2]))), (ramp, (V[::-3],))):
        check_same(fn, lambda: args)
        text = accelerate(fn).explain(*args)
        plan = text[text.index("== memory plan =="):text.index("== fused kernels ==")]
        kernels = text[text.index("== fused kernels =="):text.index("== generated C")]
        assert plan.count("materialised") == 1 and "(returned)" in plan, plan
        assert "kernel 0: elementwise" in kernels and "kernel 1" not in kernels, kernels
        assert "malloc" not in text


def test_fills_run_as_flat_loops_and_strided_1d_inputs_do_not():
    text = accelerate(lambda x: np.zeros(x.shape) + x * 2).explain(X)
    assert "(flat loop)" in text
    for args in ((V[::-2],), (V[:1],)):
        same(lambda x: x * 2, *args)
    same(lambda x, y: x + y, np.ones(1), V)                      # a (1,) input broadcast in a 1-d loop
    assert "(flat loop)" not in accelerate(lambda x: x * 2).explain(V[::-2])


# ---- the values as buffers the program writes and loops over ---------------------------------
def test_created_and_joined_values_can_be_written_and_looped():
    def fill_then_write(x):
        y = np.zeros(x.shape)
        y[1:3] = 5.0
        return y + x

    def joined_then_updated(x):
        y = np.concatenate([x, x])
        y[0] = -1.0
        y += np.arange(len(y))[:, None]
        return y

    def padded_jacobi(x, steps):
        u = np.pad(x, 1)
        for _ in range(steps):
            u[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
        return u

    def gathered_rows(x, idx):
        acc = np.zeros(x.shape[1])
        for k in range(3):
            acc = acc + x[idx][k]
        return acc

    def written_through(x):
        t = np.linspace(0, 1, x.shape[0])
        out = np.empty_like(x)
        out[...] = x * t[:, None]
        return out
    same(fill_then_write, X)
    same(joined_then_updated, X)
    same(padded_jacobi, X, 5)
    same(gathered_rows, X, np.array([1, 3, -1]))
    same(written_through, X)


def _copies_of_0d(x):
    return np.copy(x), np.zeros(()), np.full((), 2, dtype=np.int8), np.copy(x.sum())


def test_0d_copies_and_fills_are_arrays():
    check_same(_copies_of_0d, lambda: (np.array(3.0),))
    check_same(_copies_of_0d, lambda: (np.arange(3.0),))


def unpacked(pos, R):
    i, j = np.mgrid[0:R, 0:R]
    x, y, z = pos.T
    a, b = pos[:, :2].T
    (u, v), w = pos[:, 1:].T, 3
    return i * 2 + j, x + y * z, a - b, u * v + w


def test_unpacking_an_array_whose_first_dim_is_known():
    """Rows of an array, as NumPy's iteration gives them (views): npbench's stockham_fft
    (``i_coord, j_coord = np.mgrid[0:R, 0:R]``), ``x, y, z = pos.T``; a wrong count is
    Python's ValueError, a 0-d array NumPy's TypeError."""
    from harness import check_same, check_same_default
    check_same(unpacked, lambda: (np.arange(12.0).reshape(4, 3), 3))
    check_same(unpacked, lambda: (np.arange(12.0).reshape(4, 3)[::-1], 1))

    def too_many(p):
        x, y = p.T
        return x

    def too_few(t):
        a, b, c = (t, t)
        return a

    def zero_d(p):
        a, b = p.sum()
        return a
    check_same(too_many, lambda: (np.ones((4, 3)),))
    check_same(too_few, lambda: (1.0,))
    check_same(zero_d, lambda: (np.ones(3),))
    check_same_default(lambda p: p[:, 0], lambda: (np.ones((4, 3)),))

    def run_time_length(p):     # the first dim known only at run time: runs in Python
        a, b = p
        return a + b
    check_same_default(run_time_length, lambda: (np.ones((2, 3)),))
    check_same_default(run_time_length, lambda: (np.ones((5, 3)),))

"""complex64/complex128 (issue 3): NEP 50 promotion, arithmetic, the complex ufuncs, parts,
reductions, casts and marshalling, each compared with NumPy through ``check_same`` (fallback
raising) over 0-d, empty, non-contiguous, negative-stride and broadcast inputs.

Complex results are compared exactly (part by part, signed zeros and NaN positions
included) unless a tolerance is named: npaccel computes NumPy's own formulas (fused
multiply-adds where NumPy's SIMD loops fuse, Smith's division, glibc's cexp/clog/csqrt).
"""
import itertools
import linecache
import warnings

import numpy as np
import pytest

from npaccel import accelerate
from npaccel.errors import UnsupportedError
from harness import check_same, check_same_default, layouts as harness_layouts, quiet_fixture

RNG = np.random.default_rng(11)
COMPLEX = ["complex64", "complex128"]
C8, C16, F4, F8 = (np.dtype(t) for t in ("complex64", "complex128", "float32", "float64"))
EXACT = {C16: 0.0}        # every float and complex result bit for bit
RED = {C16: 1e-12, C8: 1e-5, F8: 1e-12, F4: 1e-5}
PARTS = [0.0, -0.0, 1.0, -2.5, 1e-310, 1e300, np.inf, -np.inf, np.nan]
SPECIAL = np.array([complex(a, b) for a, b in itertools.product(PARTS, PARTS)])


_quiet = quiet_fixture()


def sample(dtype, *shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (RNG.standard_normal(shape) * 3 + 1j * RNG.standard_normal(shape) * 3).astype(dtype)
    if dtype.kind == "b":
        return RNG.random(shape) > 0.5
    if dtype.kind in "iu":
        return RNG.integers(0 if dtype.kind == "u" else -50, 50, size=shape).astype(dtype)
    return (RNG.standard_normal(shape) * 3).astype(dtype)



def layouts(dtype):
    return harness_layouts(sample, dtype)


def elementwise(z):
    return (z + z[..., ::-1], z - 1j, z * z[..., ::-1], z / (z[..., ::-1] + 1), -z, +z, z ** 2, z ** 3, z ** -1,
            z ** 0.5, z ** 1.5j, abs(z), np.absolute(z), np.exp(z), np.log(z), np.sqrt(z), np.real(z), np.imag(z),
            z.real, z.imag, np.conj(z), np.conjugate(z), z.conj(), z.conjugate(), np.square(z), np.reciprocal(z),
            np.sign(z), z == z[..., ::-1], z != 1j, np.isnan(z), np.isinf(z), np.isfinite(z), np.where(z.real > 0, z, 0))


# ---- promotion (NEP 50) ----------------------------------------------------------------------

OTHERS = {
    "1j": lambda: 1j, "2.5": lambda: 2.5, "3": lambda: 3, "True": lambda: True,
    "np.complex64": lambda: np.complex64(2 - 1j), "np.complex128": lambda: np.complex128(0.5j),
    "np.float32": lambda: np.float32(1.5), "np.float64": lambda: np.float64(-2.0), "np.int8": lambda: np.int8(3),
    "complex64[]": lambda: sample("complex64", 5), "complex128[]": lambda: sample("complex128", 5),
    "float16[]": lambda: sample("float16", 5), "float32[]": lambda: sample("float32", 5),
    "float64[]": lambda: sample("float64", 5), "int8[]": lambda: sample("int8", 5),
    "int64[]": lambda: sample("int64", 5), "uint64[]": lambda: sample("uint64", 5), "bool[]": lambda: sample("bool", 5),
}


@pytest.mark.parametrize("dtype", ["complex64", "complex128", "float16", "float32", "float64", "int8", "int64", "bool"])
@pytest.mark.parametrize("other", sorted(OTHERS))
def test_promotion_against_numpy(dtype, other):
    """x op y in both orders: the dtype is np.result_type's (checked against NumPy itself)."""
    x, y = sample(dtype, 4, 5), OTHERS[other]()
    if np.dtype(dtype).kind != "c" and not isinstance(y, (complex, np.complexfloating)) and \
            not (isinstance(y, np.ndarray) and y.dtype.kind == "c"):
        x = x * 1j if np.dtype(dtype).kind == "f" else x     # keep a complex operand in every case
        if np.asarray(x).dtype.kind != "c":
            return
    assert (x * y).dtype == np.result_type(x, y)
    check_same(lambda a, b: (a + b, b - a, a * b, b * a, a / b, b / a), lambda: (x, y))


def test_promotion_examples_from_the_issue():
    check_same(lambda a: a * 1j, lambda: (sample("float32", 7),))                       # complex64
    check_same(lambda a, z: a + z, lambda: (np.float64(2.5), sample("complex64", 3)))      # complex128
    check_same(lambda a: a + 1j, lambda: (sample("int64", 4),))                           # complex128
    check_same(lambda a, s: a * s, lambda: (sample("float16", 4), np.complex64(1 + 1j)))   # complex64


# ---- arithmetic and ufuncs over layouts -------------------------------------------------------

@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("layout", sorted(layouts("complex64")))
def test_elementwise_layouts(dtype, layout):
    check_same(elementwise, lambda: (layouts(dtype)[layout](),), rtol=EXACT)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_special_values_bit_for_bit(dtype):
    """inf/nan parts and signed zeros: NumPy's naive-formula products (no Annex G recovery),
    Smith's division, npy_cpow, glibc's cexp/clog/csqrt, the lexicographic order."""
    z = SPECIAL.astype(dtype)
    w = np.roll(SPECIAL, 7).astype(dtype)
    check_same(lambda a, b: (a * b, a / b, a ** b, a + b, a - b, np.maximum(a, b), np.minimum(a, b), np.fmax(a, b),
                             np.fmin(a, b), a < b, a <= b, a > b, a >= b, a == b, a != b), lambda: (z, w), rtol=EXACT)
    check_same(elementwise, lambda: (z,), rtol=EXACT)
    check_same(lambda a: (a ** 2, a ** -2, a ** 7, a ** -3, a ** 0, a ** 1, np.power(a, 100)), lambda: (z,), rtol=EXACT)


def test_compiler_rewrites_keep_numpys_bits():
    """gcc 12 fuses a*b + c*d pairs into fmaddsub despite -ffp-contract=off (wrong last bits in
    Smith's division inside a wide kernel) and turns -fma(a, b, c) into fnmsub (+0.0 for
    NumPy's -0.0 under conj/negative): the helpers hide those products from it."""
    z = sample("complex64", 4, 5)
    z[0, :3] = [complex(-0.0, 0.0), complex(0.0, -0.0), 0j]
    w = sample("complex128", 5)
    n = np.array([0.0, 5.0])
    check_same(lambda a, b, m: ((m.argmax(keepdims=True) * a).conj(), -(a * b), -(a * b).imag, (a * b).imag * -1,
                                np.conj(a * 1j), a + b, b - a, a * b, b * a, a / b, b / a),
               lambda: (z, w, n), rtol=EXACT)


def both(fn, make, rtol=None):
    """Compiled (fallback raising) and in the default mode: NumPy's result either way."""
    check_same(fn, make, rtol=rtol)
    check_same_default(fn, make, rtol=rtol)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_division_by_real_values_bit_for_bit(dtype):
    """A complex array divided by real values (an array, a 0-d result, a Python or NumPy
    scalar, integers): the branch-free Smith's division with the imaginary +0 folded in
    (npa_cdiv_real) gives NumPy's bits, zeros, infinities and NaN of either sign included."""
    z = SPECIAL.astype(dtype)
    real = np.array(PARTS * 9)[:len(SPECIAL)]
    rdt = np.float32 if dtype == "complex64" else np.float64
    both(lambda a, b, n: (a / b, a / b[::-1], a / b.astype(np.float64), a / n, a / 2.5, a / -0.0,
                                a / b[3], a / np.float32(3.0), a / b.max(), a[::-2] / b[1::2], np.true_divide(a, b)),
               lambda: (z, real.astype(rdt), np.arange(-40, 41)), rtol=EXACT)
    big = sample(dtype, 3000)
    both(lambda a, b: (a / b, a / b.min(), (a - a.real.min() - 1j * a.imag.min()) / np.abs(a).max()),
               lambda: (big, sample("float64", 3000)), rtol=EXACT)
    both(lambda a, b: a / b, lambda: (sample(dtype, 0), sample("float32", 0)), rtol=EXACT)


def test_costly_elements_of_a_scalar_fold_are_numpys():
    """max/min of a costly element (complex abs, a complex offset by run-time scalars): the
    elements are computed in SIMD blocks and folded in order (the NaN and the tie rules
    of the scalar loop); a 0-d complex product is computed once, before the loop."""
    z = sample("complex128", 1000)
    z[[3, 700]] = [complex(np.nan, 1), complex(2, -np.inf)]
    w = sample("complex128", 257)
    both(lambda a: (np.abs(a).max(), np.abs(a[1:]).min(), np.abs(a - 1j * a.real.min()).max(),
                          np.sqrt(np.abs(a[::3])).max(), np.abs(a.reshape(10, 100)).max()),
               lambda: (z,), rtol=EXACT)
    both(lambda a: (np.abs(a).max(), np.abs(a[:1]).max(), np.abs(a[:0]).max(initial=0.0),
                          np.abs(a * (1j * a.imag.max())).min()), lambda: (w,), rtol=EXACT)
    zeros = np.zeros(600, complex)
    zeros[::7] = complex(-0.0, 0.0)
    both(lambda a: (np.abs(a).max(), np.sqrt(a.real).min(), np.abs(a[::-1]).min()), lambda: (zeros,), rtol=EXACT)


def test_broadcasting_and_mixed_operands():
    check_same(lambda z, x, s: (z * x, x / z, z + s, s * x, np.where(x > 0, z, s), z[:, None] * x[None, :4]),
               lambda: (sample("complex128", 4, 5), sample("float32", 5), 2 - 3j))
    check_same(lambda z, x: z * x, lambda: (sample("complex64", 3, 1), sample("int16", 1, 4)))
    check_same(lambda z, x: z + x, lambda: (sample("complex64", 3), sample("complex64", 4)))     # ValueError


def test_power_exponents_as_numpy():
    z = sample("complex128", 12)
    check_same(lambda a, n, e: (a ** n, a ** e, np.power(a, 2.0), a ** -1, a ** 0.5, a ** 2, n ** a, 2 ** a, a ** a),
               lambda: (z, RNG.integers(-5, 6, 12), sample("complex128", 12)), rtol=EXACT)


def test_numpy_scalar_math_differs_from_array_loops():
    """NumPy rounds every product of NumPy scalars (scalar math) and uses hypot for their
    abs; its array loops fuse the products and scale the abs: npaccel follows each."""
    z = sample("complex128", 64)
    check_same(lambda a: ((a[0] + a[9]) * a[3], a[1] * a[2], abs(a[5]), a[7] ** 2, np.abs(a), a * a[::-1]),
               lambda: (z,), rtol=EXACT)


def test_scalar_arguments_and_results():
    check_same(lambda a, s, t: (a * s + t, s * t, s, t + 1), lambda: (sample("float64", 3), 1.5 - 2j, np.complex64(3j)))
    check_same(lambda s: s * 2, lambda: (np.complex128(1 + 1j),))
    check_same(lambda s, a: (s * a).sum(), lambda: (1j, sample("int32", 6)), rtol=RED)
    f = accelerate(lambda s, a: s + a.sum(), fallback="raise")
    assert type(f(2j, np.ones(3))) is np.complex128


# ---- parts ------------------------------------------------------------------------------------

def test_parts_of_real_values_are_numpys():
    check_same(lambda x, i: (np.real(x), np.imag(x), x.imag, x.conj() + 1, np.conj(i), np.imag(i), i.real, np.real(2.5),
                             np.imag(np.float32(2))), lambda: (sample("float32", 4), sample("int8", 3)))
    x = sample("float64", 5)
    assert accelerate(lambda a: a.real, fallback="raise")(x) is x
    assert accelerate(lambda a: a.conj(), fallback="raise")(x) is x
    check_same(lambda z: (z.real, z.imag, np.real(z)), lambda: (np.array(1 - 2j),))      # 0-d arrays stay arrays


def test_writing_through_real_or_imag_falls_back():
    """NumPy's .real/.imag are views: a write reaches the complex array, so it is not compiled."""
    def f(z):
        r = z.real
        r[0] = 5.0
        return z
    with pytest.raises(UnsupportedError, match="real"):
        accelerate(f, fallback="raise")(sample("complex128", 3))
    z = sample("complex128", 3)
    got = accelerate(f, fallback="silent")(z.copy())
    np.testing.assert_array_equal(got, f(z.copy()))


# ---- reductions, scans, index reductions --------------------------------------------------------

@pytest.mark.parametrize("dtype", COMPLEX)
def test_reductions(dtype):
    z = sample(dtype, 7, 6)
    check_same(lambda a: (a.sum(), a.sum(axis=0), np.sum(a, axis=1, keepdims=True), a.prod(axis=1), np.prod(a[:3]),
                          a.mean(), np.mean(a, axis=0), a.var(), np.std(a, axis=1, ddof=1), np.nansum(a), np.nanmean(a, axis=0),
                          a.sum(dtype=np.complex128), np.cumsum(a, axis=0), np.cumprod(a[:2], axis=1), np.cumsum(a)),
               lambda: (z,), rtol=RED)
    check_same(lambda a: (a.max(), a.min(axis=0), np.max(a, axis=1, keepdims=True), np.argmax(a), a.argmin(axis=0),
                          np.ptp(a, axis=1), a.any(), a.all(axis=0), np.count_nonzero(a)), lambda: (z,), rtol=EXACT)


def test_reductions_special_values_and_ties():
    """max/min/argmax of complex: lexicographic, the first NaN (in either part) wins, ties keep the first."""
    z = np.array([1 + 2j, 1 + 3j, 1 + 3j, complex(1, -0.0), complex(np.nan, 0), 2 - 1j, complex(0, np.nan)])
    check_same(lambda a: (a.max(), a.min(), np.argmax(a), np.argmin(a), a[:4].max(), np.argmax(a[:4]), a[:4].argmin(),
                          a[::-1].max(), a.sum(), a.prod()), lambda: (z,), rtol=EXACT)
    big = np.full(100000, 1 + 1j)
    big[[777, 50000, 99999]] = [complex(1, np.nan), 5j, complex(np.nan, 1)]
    check_same(lambda a: (a.max(), a.argmax(), a.argmin(), a.sum()), lambda: (big,), rtol=RED)


def test_reductions_empty_and_zero_d():
    check_same(lambda a: (a.sum(), a.prod(axis=0), a.mean(axis=1), np.cumsum(a, axis=0)), lambda: (sample("complex64", 0, 3),), rtol=RED)
    check_same(lambda a: a.max(), lambda: (sample("complex128", 0),))              # ValueError
    check_same(lambda a: np.argmax(a), lambda: (sample("complex128", 0),))         # ValueError
    check_same(lambda a: (a.sum(), a.max(), np.argmax(a), a.mean(), np.cumprod(a)), lambda: (np.array(2 - 1j),), rtol=RED)


# ---- casts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", COMPLEX)
def test_astype_from_complex(dtype):
    z = np.concatenate([SPECIAL, [3.7 - 1j, -200.5 + 0.5j, 70000.9 + 1j]]).astype(dtype)
    check_same(lambda a: (a.astype(bool), a.astype(np.int8), a.astype(np.uint8), a.astype(np.int32), a.astype(np.int64),
                          a.astype(np.uint64), a.astype(np.float16), a.astype(np.float32), a.astype(np.float64),
                          a.astype(np.complex64), a.astype(np.complex128)), lambda: (z,))
    check_same(lambda a: (np.asarray(a, dtype=np.float32), np.array(a[0], dtype=np.complex128), a.copy()), lambda: (z,))


@pytest.mark.parametrize("src", ["bool", "int8", "uint64", "int64", "float16", "float32", "float64"])
def test_astype_to_complex(src):
    x = sample(src, 9)
    if np.dtype(src).kind == "f":
        x[:4] = [np.nan, -np.inf, -0.0, 0.0]
    check_same(lambda a: (a.astype(np.complex64), a.astype(np.complex128), np.asarray(a, dtype=complex)), lambda: (x,))


def test_complex_to_real_casts_warn_like_numpy():
    z = sample("complex128", 4)
    f = accelerate(lambda a: a.astype(np.float64), fallback="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        with pytest.raises(np.exceptions.ComplexWarning):
            f(z)
        accelerate(lambda a: a.astype(bool), fallback="raise")(z)       # no warning, as NumPy

    def store(x, a):
        x[1:] = a
        return x
    g = accelerate(store, fallback="raise")
    with pytest.warns(np.exceptions.ComplexWarning):
        out = g(np.zeros(5), z)
    np.testing.assert_array_equal(out, np.concatenate([[0], z.real]))


def test_builders_with_complex_dtype_and_fill():
    check_same(lambda a: (np.zeros(a.shape, complex), np.ones(3, np.complex64) * a[0], np.full(a.shape, 1 - 2j),
                          np.full_like(a, 2j, dtype=complex), np.zeros_like(a, dtype=np.complex64), np.eye(2, dtype=complex),
                          np.concatenate([a, a * 1j]), np.stack([a + 0j, a])), lambda: (sample("float64", 2, 3),))


def test_inputs_are_not_modified_and_outputs_are_fresh():
    z = sample("complex128", 5, 4)[::-1, ::2]
    before = z.copy()
    out = accelerate(lambda a: a * 2j + a.conj(), fallback="raise")(z)
    np.testing.assert_array_equal(z, before)
    assert not np.shares_memory(out, z)


# ---- what stays unsupported, and the GPU ---------------------------------------------------------

@pytest.mark.parametrize("text", ["np.sin(z)", "np.log10(z)", "np.round(z)", "np.clip(z, 0, 1)", "np.nanmax(z)",
                                  "float(z[0])", "z.var(dtype=np.complex128)", "np.floor_divide(z, 2)"])
def test_unsupported_constructs_say_what(text):
    """Each raises UnsupportedError naming the construct (or NumPy's own TypeError)."""
    ns = {"np": np}
    name = f"<complex-unsupported {text}>"
    source = f"def fn(z):\n    return {text}\n"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), ns)
    z = sample("complex128", 3)
    try:
        ns["fn"](z)
    except TypeError:           # NumPy has no loop: the same TypeError, no compile needed
        check_same(ns["fn"], lambda: (z,))
        return
    with pytest.raises(UnsupportedError) as err:
        accelerate(ns["fn"], fallback="raise")(z)
    assert "complex" in str(err.value) or "matrix product" in str(err.value) or "call to float" in str(err.value)


def test_every_complex_op_has_c_for_both_precisions():
    from npaccel.codegen.c_renderer import C
    from npaccel.ir.ops import COMPLEX_OPS, OPS, Op
    for dt in (C8, C16):
        for op in COMPLEX_OPS - {Op.WHERE, Op.CAST}:
            uf = OPS[op].ufunc
            ins = (dt,) * OPS[op].arity
            out = uf.resolve_dtypes(ins + (None,))[-1] if uf is not None else np.dtype(f"float{dt.itemsize * 4}")
            assert C.op(op, ins, out, ["a", "b"][:len(ins)])


def test_cuda_generation_refuses_complex_cleanly():
    """The CUDA backend has no complex types: UnsupportedError, so the CPU build runs."""
    from npaccel.api.specialise import translate
    from npaccel.codegen.cuda_source import generate_cuda
    from npaccel.ir.signature import signature_of

    def fn(z, x):
        return np.abs(z * 2) + x
    compiled = translate(fn, signature_of((sample("complex64", 4), sample("float32", 4))))
    with pytest.raises(UnsupportedError, match="CUDA backend"):
        generate_cuda(compiled.plan)

"""Vector math (issue 9): loops that call exp, sin, arcsin, ... run glibc's libmvec SIMD
versions (declared in runtime_c/npaccel.h). Their results must equal NumPy's within the
harness tolerance, with NumPy's NaNs, infinities and signed zeros, on arrays large enough
for every code path of a loop (AVX-512 main loop, AVX2 epilogue, scalar remainder, two
threads), with special values mixed in; and within a few ulp of NumPy's element by element
(docs/architecture.md, "Vector math", has the measured table)."""
import platform
import re
from ctypes.util import find_library

import numpy as np
import pytest

from harness import check_same, quiet_fixture
from npaccel.api import specialise
from npaccel.build import cc, toolchain
from npaccel.ir.signature import signature_of

N = 3 * 32768 + 45      # above the parallel threshold; not a multiple of any vector width
# the harness's relative tolerance is loose for values far below an output's largest one,
# so each element is also held to an ulp bound (measured: 4 ulp float64, 6 ulp float32)
MAX_ULP = 8
HALF = {np.dtype(np.float16): 1e-3}    # float16 math is float32 math rounded, as in test_fidelity


_quiet = quiet_fixture()


def specials(dtype):
    """NaN, infinities, signed zeros, subnormals, domain edges (log, arcsin, arccosh, ...),
    overflow edges of exp/sinh, huge arguments for sin/cos/tan, and their neighbours."""
    fi = np.finfo(dtype)
    tiny, sub = float(fi.smallest_normal), float(fi.smallest_subnormal)
    v = [np.nan, np.inf, -np.inf, 0.0, -0.0, sub, -sub, tiny, -tiny, tiny / 3, -tiny / 7,
         1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-20, -1e-20, float(fi.max), -float(fi.max),
         709.78, 710.0, -708.4, -745.13, -746.0, 88.72, 89.0, -87.3, -103.9, -104.0, 1024.0, -1075.0,
         128.0, -150.0, 38.5, 308.3, -323.5, 1e22, 1e30, 1e300, -1e300, 2.0 ** 63, 2.0 ** 1023,
         np.pi, -np.pi, np.pi / 2, -np.pi / 2, 1e6 * np.pi, 3.0e9 * np.pi]
    a = np.array(v).astype(dtype)
    finite = a[np.isfinite(a)]
    return np.concatenate([a, np.nextafter(finite, np.inf), np.nextafter(finite, -np.inf)]).astype(dtype)


def values(dtype, family, n=N, seed=0):
    """n values of one family, specials put at random places (so they land in vector lanes)."""
    rng = np.random.default_rng(seed)
    fi = np.finfo(dtype)
    lo, hi = np.log10(float(fi.smallest_subnormal)), np.log10(float(fi.max))
    x = {"unit": lambda: rng.uniform(-1.0, 1.0, n),
         "moderate": lambda: rng.uniform(-30.0, 30.0, n),
         "near_one": lambda: 1.0 + rng.uniform(-1e-3, 1e-3, n),
         "wide": lambda: rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(lo, hi, n)}[family]().astype(dtype)
    s = specials(dtype)
    where = rng.choice(n, size=3 * len(s), replace=False)
    x[where] = np.resize(s, len(where))
    return x


def assert_ulp(actual, expected, bound=MAX_ULP):
    """Where both are finite, |actual - expected| <= bound ulp of expected, output by output."""
    for k, (a, e) in enumerate(zip(actual, expected)):
        both = np.isfinite(a) & np.isfinite(e)
        diff = np.abs(a[both].astype(np.float64) - e[both].astype(np.float64))
        ulp = diff / np.spacing(np.abs(e[both])).astype(np.float64)
        if ulp.size and ulp.max() > bound:
            i = int(np.argmax(ulp))
            raise AssertionError(f"output {k}: {ulp[i]:.1f} ulp from NumPy (npaccel {a[both][i]!r}, "
                                 f"NumPy {e[both][i]!r})")


def unary_math(x):
    return (np.sin(x), np.cos(x), np.tan(x), np.arcsin(x), np.arccos(x), np.arctan(x),
            np.sinh(x), np.cosh(x), np.tanh(x), np.arcsinh(x), np.arccosh(x), np.arctanh(x),
            np.exp(x), np.exp2(x), np.expm1(x), np.log(x), np.log2(x), np.log10(x), np.log1p(x),
            np.cbrt(x))


def binary_math(x, y):
    return np.arctan2(x, y), np.hypot(x, y), np.power(x, y), x ** 2.5


@pytest.mark.parametrize("family", ["unit", "moderate", "near_one", "wide"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unary_vector_math_matches_numpy(dtype, family):
    x = values(np.dtype(dtype), family)
    acc = check_same(unary_math, lambda: (x,))
    assert_ulp(acc(x), unary_math(x))


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_unary_vector_math_strided_2d(dtype):
    """A nested loop (inner `omp simd`) over a non-contiguous view, negative strides too."""
    dt = np.dtype(dtype)
    base = values(dt if dt != np.float16 else np.dtype(np.float32), "moderate", n=401 * 662, seed=1)
    x = base.astype(dt).reshape(401, 662)[::-1, ::2]
    acc = check_same(unary_math, lambda: (x,), rtol=HALF if dt == np.float16 else None)
    if dt != np.float16:
        assert_ulp(acc(x), unary_math(x))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binary_vector_math_matches_numpy(dtype):
    dt = np.dtype(dtype)
    rng = np.random.default_rng(2)
    s = specials(dt)
    sx, sy = (a.ravel() for a in np.meshgrid(s, s))      # every pair of special values
    parts = [(sx, sy),
             (values(dt, "wide", seed=3), values(dt, "wide", seed=4)),
             (values(dt, "moderate", seed=5), values(dt, "moderate", seed=6)),
             (rng.uniform(0.0, 3.0, N).astype(dt), rng.uniform(-300.0, 300.0, N).astype(dt)),
             (rng.uniform(-10.0, 10.0, N).astype(dt), rng.integers(-30, 30, N).astype(dt))]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    acc = check_same(binary_math, lambda: (x, y))
    assert_ulp(acc(x, y), binary_math(x, y))


def log_add_exp(x, y):
    return np.logaddexp(x, y), np.logaddexp2(x, y)


@pytest.mark.parametrize("family", ["unit", "moderate", "wide"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_logaddexp_vectorised_matches_numpy(dtype, family):
    """npaccel_math.h's helpers call the vector exp/exp2 and log1p on every lane. Near a zero
    result their formula cancels, so only the harness's tolerance (a fraction of the largest
    magnitude) applies there, not an ulp bound (docs/architecture.md)."""
    dt = np.dtype(dtype)
    x, y = values(dt, family, seed=7), values(dt, family, seed=8)
    check_same(log_add_exp, lambda: (x, y))


def haversine_like(x, y, t):
    # sin and cos of one value (gcc would fuse them into sincos, which has no vector version),
    # cos of a loop-invariant scalar, arcsin and a two-argument function
    return np.arcsin(np.sin(x) * np.cos(x)) + np.cos(t) * np.arctan2(x, y) + np.exp(y)


def _imported_vector_variants(so_path):
    """Names of libmvec vector functions the shared object imports (_ZGV<isa>N<lanes>v_<fn>)."""
    data = so_path.read_bytes()
    return {m.group(1).decode() for m in re.finditer(rb"_ZGV[bcde]N\d+v+_(\w+?)\x00", data)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_transcendental_loop_calls_libmvec(tmp_path, dtype):
    """The compiled kernel calls libmvec's vector sin, cos, asin, atan2 and exp (read from
    the shared object's dynamic symbols), not only the scalar functions, and no sincos."""
    compiler = toolchain.find_c_compiler()
    libc, version = platform.libc_ver()
    if platform.machine() != "x86_64" or libc != "glibc" or not find_library("mvec"):
        pytest.skip("libmvec is glibc's, on x86-64")
    if tuple(int(p) for p in version.split(".")[:2]) < (2, 35):
        pytest.skip(f"glibc {version} has no vector asin/atan2 (added in 2.35)")
    if not compiler.openmp or "clang" in compiler.version.lower():
        pytest.skip("vector math needs gcc with OpenMP (`omp declare simd`)")
    x = np.linspace(-1.0, 1.0, 1000).astype(dtype)
    compiled = specialise.translate(haversine_like, signature_of((x, x[::-1].copy(), 0.5)))
    so = cc.compile_c_shared(compiled.source, tmp_path / "work", compiler)
    f = "f" if dtype == "float32" else ""
    called = _imported_vector_variants(so)
    assert {n + f for n in ("sin", "cos", "asin", "atan2", "exp")} <= called, called
    assert b"sincos" not in so.read_bytes()

"""The core compiler (issue: @accelerate from Python source to fused C+OpenMP, CPU)."""
import inspect
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import npaccel
from npaccel import accelerate
from harness import check_same

RNG = np.random.default_rng(7)


def floats(*shape, dtype=np.float64):
    return (RNG.standard_normal(shape) * 3).astype(dtype)


def ints(*shape, dtype=np.int64):
    return RNG.integers(-50, 50, size=shape).astype(dtype)


def bools(*shape):
    return RNG.random(shape) > 0.5


# ---- the acceptance scenario --------------------------------------------------------------

def chain(x, y, a):
    t = x * a + y
    u = np.sqrt(np.abs(t)) - np.exp(-np.abs(y))
    return np.where(t > 0, u, -u) / (1.0 + a)


def test_chain_equals_numpy_compiles_once_then_memory_hit():
    x, y = floats(300, 40), floats(300, 40)
    f = check_same(chain, lambda: (x, y, 2.5))
    s = f.stats()
    assert (s["calls"], s["compiles"] + s["disk_hits"], s["memory_hits"], s["fallbacks"]) == (1, 1, 0, 0)
    check_same(chain, lambda: (x, y, 2.5), accelerated=f)
    s = f.stats()
    assert (s["calls"], s["compiles"] + s["disk_hits"], s["memory_hits"]) == (2, 1, 1)


def test_explain_shows_graph_kernels_and_openmp_source():
    text = accelerate(chain).explain(floats(10, 3), floats(10, 3), 2.0)
    assert "== op graph ==" in text and "sqrt" in text
    assert "kernel 0: elementwise" in text
    assert "#pragma omp parallel for" in text and "int npaccel_entry(" in text


_CHILD = """
import sys, json
sys.path.insert(0, {tests!r})
import numpy as np
from npaccel import accelerate
from test_core import chain
f = accelerate(chain, fallback="raise")
x = np.arange(12.0).reshape(3, 4); y = np.ones((3, 4))
r = f(x, y, 2.5)
assert np.allclose(r, chain(x, y, 2.5))
print(json.dumps(f.stats()))
"""


def test_new_process_hits_disk_cache(tmp_path):
    env = dict(os.environ, NPACCEL_CACHE_DIR=str(tmp_path / "cache"))
    code = _CHILD.format(tests=os.path.dirname(__file__))
    import json
    first = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    second = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                       capture_output=True, text=True).stdout)
    assert (first["compiles"], first["disk_hits"]) == (1, 0)
    assert (second["compiles"], second["disk_hits"]) == (0, 1)


# ---- ops x dtypes ---------------------------------------------------------------------------

BINARY = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "max": lambda x, y: np.maximum(x, y),
    "min": lambda x, y: np.minimum(x, y), "lt": lambda x, y: x < y, "le": lambda x, y: x <= y,
    "gt": lambda x, y: x > y, "ge": lambda x, y: x >= y, "eq": lambda x, y: x == y,
    "ne": lambda x, y: x != y, "floordiv": lambda x, y: x // y, "mod": lambda x, y: x % y,
}
UNARY = {
    "neg": lambda x: -x, "abs": lambda x: abs(x), "npabs": lambda x: np.abs(x),
    "sqrt": lambda x: np.sqrt(np.abs(x)), "exp": lambda x: np.exp(x / 4), "log": lambda x: np.log(np.abs(x) + 1),
    "sin": lambda x: np.sin(x), "cos": lambda x: np.cos(x), "tanh": lambda x: np.tanh(x),
    "square": lambda x: x ** 2, "cube": lambda x: x ** 3, "half": lambda x: np.abs(x) ** 0.5,
}
MAKERS = {"float64": floats, "float32": lambda *s: floats(*s, dtype=np.float32), "int64": ints,
          "bool": bools, "int32": lambda *s: ints(*s, dtype=np.int32),
          "uint8": lambda *s: RNG.integers(0, 255, size=s).astype(np.uint8)}


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops(name, dtype):
    make = MAKERS[dtype]
    check_same(BINARY[name], lambda: (make(64), make(64)))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops(name, dtype):
    make = MAKERS[dtype]
    check_same(UNARY[name], lambda: (make(64),))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool", "int32", "uint8"])
@pytest.mark.parametrize("scalar", [2, 2.5, True, -3])
def test_python_scalars_follow_nep50(dtype, scalar):
    make = MAKERS[dtype]
    check_same(lambda x, s: x * s + s, lambda: (make(33), scalar))
    check_same(lambda x: x * 3 - 1.5, lambda: (make(33),))


def test_numpy_scalars_are_strong():
    check_same(lambda x, s: x + s, lambda: (floats(10, dtype=np.float32), np.float64(1.5)))
    check_same(lambda x, s: x * s, lambda: (ints(10, dtype=np.int32), np.int64(3)))


def test_integer_division_and_modulo_by_zero_give_numpy_values():
    x = np.array([7, -7, 0, np.iinfo(np.int64).min, 5], dtype=np.int64)
    y = np.array([0, 2, 0, -1, -3], dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(lambda a, b: (a // b, a % b), lambda: (x, y))


def test_float_floor_division_and_remainder_match_numpy():
    x = np.array([7.5, -7.5, 0.0, -0.0, np.inf, 1.0, np.nan, 3.0])
    y = np.array([2.0, 2.0, -1.0, 3.0, 2.0, 0.0, 1.0, -np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(lambda a, b: (a // b, a % b), lambda: (x, y))


def test_nan_propagates_through_maximum_and_signed_zeros():
    x = np.array([np.nan, 1.0, -0.0, 0.0, np.nan])
    y = np.array([1.0, np.nan, 0.0, -0.0, np.nan])
    check_same(lambda a, b: (np.maximum(a, b), np.minimum(a, b), -a * 0.0), lambda: (x, y))


def test_integer_overflow_wraps():
    x = np.array([127, -128, 100], dtype=np.int8)
    check_same(lambda a: (a + a, a * 3, -a, abs(a)), lambda: (x,))
    big = np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min])
    check_same(lambda a: (a + 1, a * 2, -a), lambda: (big,))


def test_integer_power_and_negative_exponent_error():
    check_same(lambda a, p: a ** p, lambda: (ints(20), 3))
    check_same(lambda a, p: a ** p, lambda: (ints(20), -1))


# ---- layouts ----------------------------------------------------------------------------------

LAYOUTS = {
    "contiguous": lambda: floats(20, 30),
    "fortran": lambda: np.asfortranarray(floats(20, 30)),
    "strided": lambda: floats(40, 60)[::2, 1::2],
    "negative": lambda: floats(20, 30)[::-1, ::-1],
    "transposed": lambda: floats(30, 20).T,
    "readonly": lambda: _readonly(floats(20, 30)),
}


def _readonly(a):
    a.setflags(write=False)
    return a


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts(layout):
    make = LAYOUTS[layout]
    check_same(chain, lambda: (make(), make(), 0.5))
    check_same(lambda x: x.sum(axis=1), lambda: (make(),), rtol=1e-12)


@pytest.mark.parametrize("shapes", [((5, 1), (4,)), ((1, 4), (5, 1)), ((3, 1, 2), (4, 1)),
                                    ((), (6,)), ((6,), ()), ((1,), (7, 1)), ((2, 3), (1, 1))])
def test_broadcasting(shapes):
    a, b = shapes
    check_same(lambda x, y: (x * y + 1.0, x - y), lambda: (floats(*a), floats(*b)))


def test_zero_d_and_empty():
    check_same(chain, lambda: (np.array(1.5), np.array(-2.0), 3.0))
    check_same(chain, lambda: (floats(0, 3), floats(0, 3), 3.0))
    check_same(lambda x: (x.sum(), x * 2.0), lambda: (floats(0),))
    check_same(lambda x: x.max(), lambda: (floats(0),))    # ValueError: no identity


def test_broadcast_mismatch_raises_numpy_valueerror():
    check_same(lambda x, y: x + y, lambda: (floats(3), floats(4)))
    check_same(lambda x, y: x * 2 + y, lambda: (floats(3, 2), floats(3, 3)))


def test_numpy_errors_are_raised_with_the_same_type():
    check_same(lambda x: -x, lambda: (bools(5),))                       # TypeError
    check_same(lambda x: x + 1000, lambda: (MAKERS["uint8"](5),))       # OverflowError
    check_same(lambda x, s: x + s, lambda: (MAKERS["uint8"](5), 1000))  # OverflowError at run time
    check_same(lambda x: x.sum(axis=2), lambda: (floats(3, 3),))        # AxisError


# ---- values and returns -------------------------------------------------------------------

def test_tuple_returns_input_return_and_scalars():
    def f(x, y):
        z = x + y
        return z, x, z * 2, 3.5, y
    check_same(f, lambda: (floats(5), floats(5)))
    x = floats(4)
    assert accelerate(lambda a: a)(x) is x


def test_reductions_fuse_with_their_producer():
    def f(x, y):
        return (x * y).sum(axis=1), np.max(x - y, axis=0, keepdims=True), np.mean(x * x), (x > 0).any()
    check_same(f, lambda: (floats(50, 40), floats(50, 40)), rtol=1e-12)
    text = accelerate(f).explain(floats(5, 4), floats(5, 4))
    assert text.count("reduce over") == 4


def test_dead_values_are_never_computed():
    def f(x):
        unused = np.exp(x) * 100
        return x + 1
    text = accelerate(f).explain(floats(8))
    assert "never computed unused" in text and "exp" not in text.split("== generated C")[1]


def test_globals_aliases_and_helpers():
    check_same(_uses_alias, lambda: (floats(10),))


import numpy as xp  # noqa: E402  (numpy under another alias)
from numpy import exp as npexp  # noqa: E402
SCALE = 0.25


def _helper_inner(v):
    return v * SCALE


def _helper_outer(v):
    return npexp(_helper_inner(v)) + 1


def _uses_alias(x):
    return xp.sqrt(xp.abs(_helper_outer(x))) * xp.pi


# ---- decorator, policies, errors --------------------------------------------------------------

def test_decorator_forms_keep_name_doc_and_signature():
    @accelerate
    def f(x, scale=2.0):
        """Doc."""
        return x * scale

    @accelerate(target="cpu", fallback="raise")
    def g(x):
        return x + 1

    assert f.__name__ == "f" and f.__doc__ == "Doc."
    assert str(inspect.signature(f)) == "(x, scale=2.0)"
    x = floats(5)
    np.testing.assert_array_equal(f(x), x * 2.0)
    np.testing.assert_array_equal(f(x, scale=3.0), x * 3.0)
    np.testing.assert_array_equal(g(x), x + 1)
    with pytest.raises(ValueError, match="target"):
        accelerate(lambda x: x, target="tpu")


def _unsupported(x):
    s = 0.0
    try:
        s = s + 3.0
    finally:
        pass
    return x * s


def test_fallback_warns_once_with_file_and_line():
    f = accelerate(_unsupported, fallback="warn")
    with pytest.warns(npaccel.FallbackWarning) as record:
        r1 = f(floats(4))
        f(floats(4))
    assert len(record) == 1
    line = inspect.getsourcelines(_unsupported)[1] + 2
    assert f"test_core.py:{line}" in str(record[0].message) and "try" in str(record[0].message)
    assert r1.shape == (4,)
    s = f.stats()
    assert s["fallbacks"] == 2 and s["fallback_reasons"][0].startswith(__file__)


def test_fallback_raise_and_silent(fresh_config):
    with pytest.raises(npaccel.UnsupportedError, match="test_core.py"):
        accelerate(_unsupported, fallback="raise")(floats(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        accelerate(_unsupported, fallback="silent")(floats(3))
    fresh_config(NPACCEL_FALLBACK="raise")
    with pytest.raises(npaccel.UnsupportedError):
        accelerate(_unsupported)(floats(3))


def test_missing_compiler_raises_compile_error(fresh_config, tmp_path):
    from npaccel.build.toolchain import reset_toolchain_cache
    fresh_config(NPACCEL_CC=str(tmp_path / "no-such-cc"), NPACCEL_CACHE_DIR=str(tmp_path / "c"))
    reset_toolchain_cache()
    try:
        with pytest.raises(npaccel.CompileError, match="no-such-cc"):
            accelerate(lambda x: x * 7.0 + 1.0, fallback="raise")(floats(3))
        with pytest.warns(npaccel.FallbackWarning, match="compil"):
            r = accelerate(lambda x: x * 7.0 + 2.0, fallback="warn")(np.ones(3))
        np.testing.assert_array_equal(r, np.full(3, 9.0))
    finally:
        reset_toolchain_cache()


def test_disable_runs_plain_python(fresh_config):
    fresh_config(NPACCEL_DISABLE="1")
    f = accelerate(_unsupported)
    f(floats(3))
    assert f.stats()["compiles"] == 0 and f.stats()["fallbacks"] == 0


def test_cuda_target_unavailable_is_clear(monkeypatch):
    from npaccel.build import devices   # no GPU, whatever this machine has (test_cuda_runtime.py)
    monkeypatch.setattr(devices, "gpu_status", lambda: devices.GpuStatus(False, (), "none here"))
    with pytest.raises(npaccel.TargetUnavailable, match="cuda"):
        accelerate(lambda x: x + 1, target="cuda")(floats(3))


def test_threads_setting_respected(tmp_path):
    script = tmp_path / "threads.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from npaccel import accelerate
        f = accelerate(lambda x: np.sin(x) * 2.0, fallback="raise")
        x = np.linspace(0, 1, 200000)
        assert np.allclose(f(x), np.sin(x) * 2.0)
        print("ok")
    """))
    env = dict(os.environ, NPACCEL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr

"""Differential testing against NumPy: random programs, compiled with fallback raising.

Hypothesis draws groups of expressions (ufuncs, operators, where, clip, astype, round,
reductions with axis/keepdims, scans, Python and NumPy scalars) over one to three array
inputs of random dtypes (bool, int8..uint64, float16/32/64), shapes (0-d, empty, size 1,
broadcasting) and layouts (C, Fortran, strided, negative strides); a quarter as many groups
again with complex operands (``COMPLEX``: complex64/128 inputs mixed with real ones, complex
scalars, the ops npaccel compiles for complex values). Each group is one Python function
written as source text; NumPy runs every expression alone first:

- the expressions NumPy evaluates are returned together as one tuple (one compile covers
  them all) and compared through ``harness.check_same``;
- each expression NumPy raises for is compiled alone and must raise the same type.

A failure reports the program's source text. Generation is derandomized (a fixed seed), so
every run checks the same programs; ``NPACCEL_DIFF_GROUPS`` sets how many groups (default
100, eight expressions each: 800 programs). Float results use the harness's
relative tolerance widened for values that went through a reordered reduction (see RTOL);
integers and bools are exact.
"""
import itertools
import linecache
import os
import random
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from npaccel import accelerate
from harness import check_same

GROUPS = int(os.environ.get("NPACCEL_DIFF_GROUPS", "100"))
PER_GROUP = 8
MIN_PROGRAMS = 300 if GROUPS >= 40 else GROUPS * PER_GROUP // 2
# a float16 result is exact to a few half ulps (NumPy rounds float16 math through float32
# libm, npaccel through libmvec); reductions are reordered and accumulate in double
RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4, np.dtype(np.float16): 4e-3,
        np.dtype(np.complex128): 1e-9, np.dtype(np.complex64): 1e-4}

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"]
LAYOUTS = ["C", "C", "F", "strided", "negative"]

# (template, discontinuous): discontinuous ops are not applied to values that went through a
# reordered float reduction, whose last bits legitimately differ from NumPy's
UNARY = [("np.negative({})", False), ("np.absolute({})", False), ("abs({})", False), ("np.square({})", False),
         ("np.sqrt({})", True), ("np.exp({})", False), ("np.log1p({})", True), ("np.sin({})", True),
         ("np.tanh({})", False), ("np.floor({})", True), ("np.rint({})", True), ("np.trunc({})", True),
         ("np.sign({})", True), ("np.isnan({})", True), ("np.isfinite({})", True), ("np.signbit({})", True),
         ("np.logical_not({})", True), ("np.invert({})", True), ("np.reciprocal({})", True),
         ("np.cbrt({})", False), ("np.fabs({})", False), ("np.positive({})", False), ("-{}", False),
         ("np.nan_to_num({})", True), ("np.heaviside({}, 0.5)", True)]
BINARY = [("({} + {})", False), ("({} - {})", False), ("({} * {})", False), ("({} / {})", True),
          ("({} // {})", True), ("({} % {})", True), ("({} ** {})", True), ("np.maximum({}, {})", False),
          ("np.minimum({}, {})", False), ("np.fmax({}, {})", True), ("np.arctan2({}, {})", True),
          ("np.hypot({}, {})", False), ("np.copysign({}, {})", True), ("({} < {})", True), ("({} >= {})", True),
          ("({} == {})", True), ("({} != {})", True), ("({} & {})", True), ("({} | {})", True),
          ("({} ^ {})", True), ("({} << {})", True), ("({} >> {})", True), ("np.logical_and({}, {})", True),
          ("np.logical_xor({}, {})", True), ("np.logaddexp({}, {})", False), ("np.fmod({}, {})", True),
          ("np.float_power({}, {})", True)]
# results of libm functions, which are within a few ulp of NumPy's (its SIMD versions) but not
# always equal to them: treated like reduction results
LIBM = {"np.exp({})", "np.log1p({})", "np.sin({})", "np.tanh({})", "np.cbrt({})", "({} ** {})",
        "np.arctan2({}, {})", "np.hypot({}, {})", "np.logaddexp({}, {})", "np.float_power({}, {})"}
SCALARS = ["2", "3", "0", "1", "-1", "7", "0.5", "2.5", "-1.5", "1e3", "True", "False",
           "np.float32(1.5)", "np.int8(3)", "np.uint8(200)", "np.float16(0.25)", "np.int64(-4)", "np.float64(2.0)"]
CASTS = ["bool", "np.int8", "np.uint8", "np.int16", "np.int32", "np.int64", "np.uint64", "np.float16",
         "np.float32", "np.float64"]


@dataclass(frozen=True)
class Menu:
    """What a program may use; ``REAL`` is the menu every group above draws from."""
    dtypes: list
    unary: list
    binary: list
    scalars: list
    casts: list
    kinds: list
    reductions: list
    nan_reductions: list


REAL = Menu(DTYPES, UNARY, BINARY, SCALARS, CASTS,
            ["unary", "unary", "binary", "binary", "binary", "where", "clip", "astype", "round",
             "reduce", "reduce", "scan", "arg", "nan"],
            ["sum", "prod", "max", "min", "mean", "any", "all"], ["nansum", "nanmax", "nanmin", "nanmean"])
# complex programs: the first input complex, only what npaccel compiles for complex values
# (ordering is lexicographic, so it jumps where real parts tie: discontinuous)
COMPLEX = Menu(
    ["complex64", "complex128", "complex128", "float32", "float64", "int16", "bool"],
    [("np.negative({})", False), ("np.absolute({})", False), ("abs({})", False), ("np.square({})", False),
     ("np.sqrt({})", True), ("np.exp({})", False), ("np.log({})", True), ("np.sign({})", True),
     ("np.isnan({})", True), ("np.isinf({})", True), ("np.isfinite({})", True), ("np.logical_not({})", True),
     ("np.reciprocal({})", True), ("np.positive({})", False), ("-{}", False), ("np.conj({})", False),
     ("np.real({})", False), ("({}).imag", False), ("({}).conj()", False)],
    [("({} + {})", False), ("({} - {})", False), ("({} * {})", False), ("({} / {})", True), ("({} ** {})", True),
     ("np.maximum({}, {})", True), ("np.minimum({}, {})", True), ("({} < {})", True), ("({} >= {})", True),
     ("({} == {})", True), ("({} != {})", True), ("np.logical_and({}, {})", True)],
    ["1j", "2 - 0.5j", "np.complex64(1 + 2j)", "np.complex128(-0.5j)", "2", "0.5", "np.float32(1.5)", "True"],
    ["bool", "np.int16", "np.float32", "np.float64", "np.complex64", "np.complex128"],
    ["unary", "unary", "binary", "binary", "binary", "where", "astype", "reduce", "reduce", "scan", "arg", "nan"],
    ["sum", "prod", "max", "min", "mean", "any", "all"], ["nansum", "nanmean"])


class Expr:
    def __init__(self, text, ndim, approx=False, scalar=False):
        self.text, self.ndim, self.approx, self.scalar = text, ndim, approx, scalar


class Draw:
    """Choices for one program from ``random.Random(seed)``: hypothesis picks the seeds
    (derandomized), the choices are uniform (no bias towards the simplest program)."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def __call__(self, options):
        return self.r.choice(options)

    def chance(self, p):
        return self.r.random() < p


def expression(d, inputs, depth, menu=REAL):
    """An Expr over the named inputs [(name, ndim)]: its source text and what it computes."""
    if depth == 0 or d.chance(0.15):
        if d.chance(0.15):
            return Expr(d(menu.scalars), 0, scalar=True)
        name, ndim = d(inputs)
        if ndim and d.chance(0.15):
            return Expr(f"{name}[::-1]", ndim)
        if ndim == 2 and d.chance(0.15):
            return Expr(f"{name}.T", ndim)
        return Expr(name, ndim)
    kind = d(menu.kinds)
    a = expression(d, inputs, depth - 1, menu)
    if kind == "unary":
        template, jump = d([u for u in menu.unary if not (a.approx and u[1])])
        return Expr(template.format(a.text), a.ndim, a.approx or template in LIBM, a.scalar)
    if kind == "binary":
        b = expression(d, inputs, depth - 1, menu)
        approx = a.approx or b.approx
        template, jump = d([o for o in menu.binary if not (approx and o[1])])
        return Expr(template.format(a.text, b.text), max(a.ndim, b.ndim), approx or template in LIBM,
                    a.scalar and b.scalar)
    if kind == "where":
        c, b = expression(d, inputs, depth - 1, menu), expression(d, inputs, depth - 1, menu)
        if c.approx:
            c = Expr(d(inputs)[0], d(inputs)[1])
        ndim = max(a.ndim, b.ndim, c.ndim)
        cond = f"({c.text}).real" if menu is COMPLEX else c.text      # (complex order jumps)
        return Expr(f"np.where(({cond} > {d(['0', '1', '0.5'])}), {a.text}, {b.text})", ndim, a.approx or b.approx)
    if kind == "clip":
        lo, hi = d([("0", "5"), ("-1.5", "2.5"), ("3", "1"), ("None", "4"), ("-2", "None"),
                    ("np.float32(-1)", "np.float32(1)"), ("0.0", "np.nan"), ("-300", "300")])
        text = f"np.clip({a.text}, {lo}, {hi})" if d.chance(0.5) else f"({a.text}).clip({lo}, {hi})"
        return Expr(text, a.ndim, a.approx, a.scalar)
    if kind == "astype":
        if a.scalar:
            return Expr(f"np.asarray({a.text}, dtype={d(menu.casts)})", 0)
        return Expr(f"({a.text}).astype({d(menu.casts if not a.approx else menu.casts[-3:])})", a.ndim, a.approx)
    if kind == "round":
        if a.approx:
            return a
        n = d([0, 1, 2, -1])
        text = f"np.round({a.text}, {n})" if d.chance(0.5) else f"({a.text}).round({n})"
        return Expr(text, a.ndim, scalar=a.scalar)
    if a.scalar:
        return a
    axis = "None" if a.ndim == 0 else d(["None", "0", "-1"] + (["(0, 1)"] if a.ndim > 1 else []))
    keepdims = d([False, True])
    if axis == "None":
        out_ndim = a.ndim if keepdims else 0
    elif axis == "(0, 1)":
        out_ndim = a.ndim if keepdims else a.ndim - 2
    else:
        out_ndim = a.ndim if keepdims else a.ndim - 1
    if kind == "reduce":
        name = d(menu.reductions)
        exact = name in ("max", "min", "any", "all")
        text = f"np.{name}({a.text}, axis={axis}, keepdims={keepdims})" if d.chance(0.5) else \
            f"({a.text}).{name}(axis={axis}, keepdims={keepdims})"
        return Expr(text, out_ndim, a.approx or not exact)
    if kind == "nan":
        name = d(menu.nan_reductions)
        exact = name in ("nanmax", "nanmin")
        return Expr(f"np.{name}({a.text}, axis={axis}, keepdims={keepdims})", out_ndim, a.approx or not exact)
    if kind == "scan":
        name = d(["cumsum", "cumprod"])
        if axis in ("None", "(0, 1)"):
            return Expr(f"np.{name}({a.text})", 1, True)
        return Expr(f"np.{name}({a.text}, axis={axis})", a.ndim, True)
    if a.approx or axis == "(0, 1)":
        return Expr(f"np.sum({a.text}, axis={axis}, keepdims={keepdims})", out_ndim, True)
    name = d(["argmax", "argmin"])
    if axis == "None" and not keepdims:
        return Expr(f"np.{name}({a.text})", 0)
    return Expr(f"({a.text}).{name}(axis={axis}, keepdims={keepdims})", out_ndim)


def program(seed, menu=REAL):
    """(input specs, expressions, special values?) for one group."""
    d = Draw(seed)
    n_inputs = d([1, 2, 2, 3])
    rank = d([0, 1, 1, 2, 2, 2, 3])
    base = [d([1, 2, 3, 4, 5, 6]) for _ in range(rank)]
    if rank and d.chance(0.12):
        base[d(range(rank))] = 0           # empty
    specs = []
    for i in range(n_inputs):
        ndim = d(range(rank + 1)) if i else rank
        shape = tuple(1 if d.chance(0.2) else n for n in base[rank - ndim:])
        dtype = d(menu.dtypes[:2] if i == 0 and menu is COMPLEX else menu.dtypes)
        specs.append((f"x{i}", dtype, shape, d(LAYOUTS)))
    inputs = [(name, len(shape)) for name, _, shape, _ in specs]
    exprs = []
    for _ in range(PER_GROUP):
        e = expression(d, inputs, d([1, 2, 2, 3, 3]), menu)
        if e.scalar or not any(name in e.text for name, _ in inputs):
            e = Expr(f"({e.text} + {inputs[0][0]})", inputs[0][1], e.approx)
        exprs.append(e.text)
    return specs, exprs, d.chance(0.5)


def make_array(rng, dtype, shape, layout, special):
    dtype = np.dtype(dtype)
    big = tuple(2 * d + 1 for d in shape) if layout == "strided" else shape
    if dtype.kind == "b":
        a = rng.random(big) > 0.5
    elif dtype.kind == "u":
        a = rng.integers(0, 40, size=big).astype(dtype)
    elif dtype.kind == "i":
        a = rng.integers(-20, 21, size=big).astype(dtype)
    else:
        a = (rng.standard_normal(big) * 3).astype(dtype)
        if dtype.kind == "c":
            a = a + 1j * (rng.standard_normal(big) * 3).astype(dtype)
        if special and a.size:
            flat = a.reshape(-1)
            for v in (np.nan, np.inf, -np.inf, -0.0, 0.0)[: max(1, flat.size // 3)]:
                k = rng.integers(0, flat.size)
                if dtype.kind == "c" and rng.random() < 0.5:
                    flat[k] = complex(flat[k].real, v)      # a special imaginary part
                else:
                    flat[k] = v
    if layout == "strided" and shape:
        return a[tuple(slice(1, None, 2) for _ in shape)]
    if layout == "negative" and shape:
        return a[tuple(slice(None, None, -1) for _ in shape)]
    if layout == "F" and len(shape) > 1:
        return np.asfortranarray(a)
    if not shape:
        return np.asarray(a)
    return a


_counter = itertools.count()


def compile_source(params, body_exprs):
    """A real function (with source, as npaccel needs) returning the expressions."""
    name = f"differential_{next(_counter)}"
    ret = ", ".join(body_exprs) + ("," if len(body_exprs) == 1 else "")
    text = f"def {name}({', '.join(params)}):\n    return ({ret})\n"
    filename = f"<{name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name], text


def numpy_outcome(fn, args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
            return None
        except Exception as exc:
            return type(exc)


def tolerance(specs, text):
    """RTOL, widened to the least precise float the program computes in: a float32 libm
    result that differs from NumPy's in its last bit keeps that difference when it is
    promoted to float64."""
    worst = 0.0
    # math on bool/8-bit integers computes in float16, on 16-bit integers in float32
    for dt, sources in (("float16", ("float16", "bool", "int8", "uint8")),
                        ("float32", ("float32", "int16", "uint16", "complex64"))):
        if any(spec[1] in sources for spec in specs) or any(f"np.{src}" in text for src in sources):
            worst = max(worst, RTOL[np.dtype(dt)])
    return {dt: max(tol, worst) for dt, tol in RTOL.items()}


def run_group(seed, stats, menu=REAL):
    specs, exprs, special = program(seed, menu)
    rng = np.random.default_rng(seed)
    arrays = [make_array(rng, dtype, shape, layout, special) for _, dtype, shape, layout in specs]
    params = [name for name, *_ in specs]
    ok, raising = [], []
    for e in exprs:
        single, _ = compile_source(params, [e])
        (raising if numpy_outcome(single, arrays) else ok).append(e)
    described = ", ".join(f"{n}: {np.dtype(d).name}{list(s)} {lay}" for n, d, s, lay in specs)
    jobs = ([ok] if ok else []) + [[e] for e in raising]
    for body in jobs:
        fn, text = compile_source(params, body)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                check_same(fn, lambda: tuple(arrays), rtol=tolerance(specs, text),
                           accelerated=accelerate(fn, fallback="raise"))
        except Exception as exc:      # recorded with the program; the run goes on
            stats["failures"].append(f"seed {seed}: inputs {described}\n{text}{type(exc).__name__}: {exc}")
    stats["programs"] += len(exprs)
    stats["raising"] += len(raising)
    stats["groups"] += 1


@pytest.mark.parametrize("menu", ["real", "complex"])
def test_random_programs_match_numpy(menu):
    """``GROUPS`` groups of real programs; a quarter as many with complex operands."""
    stats = {"programs": 0, "raising": 0, "groups": 0, "failures": []}
    menu, groups = (REAL, GROUPS) if menu == "real" else (COMPLEX, max(4, GROUPS // 4))

    @settings(max_examples=groups, derandomize=True, deadline=None, database=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.integers(0, 2 ** 32 - 1))
    def run(seed):
        run_group(seed, stats, menu)

    try:
        run()
    finally:
        print(f"\ndifferential: {stats['programs']} programs in {stats['groups']} groups "
              f"({stats['raising']} raising in NumPy), {len(stats['failures'])} failing")
        for f in stats["failures"]:
            print("FAILED PROGRAM\n" + f)
    assert not stats["failures"], f"{len(stats['failures'])} programs differ from NumPy:\n\n" + \
        "\n\n".join(stats["failures"])
    assert stats["programs"] >= (MIN_PROGRAMS if menu is REAL else groups * PER_GROUP // 2)


@pytest.mark.parametrize("text", ["x0 + 1", "np.clip(x0, 0, 5)", "np.argmax(x0)"])
def test_generated_sources_are_compiled_not_run_in_python(text):
    """The harness's own guarantee: a generated function is really compiled."""
    fn, _ = compile_source(["x0"], [text])
    f = accelerate(fn, fallback="raise")
    f(np.arange(6.0))
    assert f.stats()["compiles"] + f.stats()["disk_hits"] == 1 and f.stats()["fallbacks"] == 0

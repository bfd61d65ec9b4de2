"""The package's import structure: data flows one way through the stages, with no cycles.

Every import in npaccel/ is parsed, at module level and inside functions alike (an import
moved into a function to dodge a cycle is still a cycle), and checked against the stage
order of docs/architecture.md:

    base (version, errors, config) <- ir <- frontend, passes <- codegen <- build <- cache
    <- runtime <- dask, api

A stage may import only the stages it is allowed below; inside a stage, modules form no
cycle. A failure names the import (file:line) that breaks the rule.
"""
from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1] / "npaccel"

# stage -> the stages (or single modules) it may import, besides itself
BASE = {"version", "errors", "config"}
ALLOWED = {
    "version": set(),
    "errors": set(),
    "config": {"errors"},
    "ir": BASE,
    "frontend": BASE | {"ir", "build"},        # build: which library routines (LAPACK) exist
    "passes": BASE | {"ir"},
    "codegen": BASE | {"ir", "passes"},
    "build": BASE,
    "cache": BASE | {"build"},
    "runtime": BASE | {"ir", "build", "cache"},
    "dask": BASE | {"ir", "frontend", "passes", "codegen", "build", "cache", "runtime",
             "npaccel.api.specialise", "npaccel.api.targets", "npaccel.api.explain"},   # chunk kernels
    "api": BASE | {"ir", "frontend", "passes", "codegen", "build", "cache", "runtime", "dask"},
    "package": {"api", "errors", "version"},
}


def module_names() -> dict:
    """npaccel module name -> path."""
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ("npaccel",) + path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: dict) -> list:
    """(imported npaccel module, line) for every import in the file, at any depth.
    ``from pkg import name`` counts as importing ``pkg.name`` when that is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        found += [(t, node.lineno) for t in dict.fromkeys(targets) if t in modules and t != name]
    return found


def stage_of(module: str) -> str:
    """The package directly under npaccel (or the module there, or "package").

    >>> stage_of("npaccel.codegen.c_source"), stage_of("npaccel.errors"), stage_of("npaccel")
    ('codegen', 'errors', 'package')
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "package"


def allowed(src: str, dst: str) -> bool:
    """Same stage, an allowed stage, or a module the rules name one by one."""
    a, b = stage_of(src), stage_of(dst)
    return a == b or b in ALLOWED[a] or dst in ALLOWED[a]


def graph():
    modules = module_names()
    return modules, {m: imports_of(m, p, modules) for m, p in modules.items()}


def cycles(edges: dict) -> list:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w, _ in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_every_stage_is_known():
    modules, _ = graph()
    unknown = sorted({stage_of(m) for m in modules} - set(ALLOWED))
    assert not unknown, f"add these packages to the stage order in tests/test_layers.py: {unknown}"


def test_no_upward_import_between_stages():
    modules, edges = graph()
    bad = [f"{modules[src].relative_to(ROOT.parent)}:{line}: {stage_of(src)} imports {dst}"
           for src, targets in sorted(edges.items()) for dst, line in targets if not allowed(src, dst)]
    assert not bad, "imports against the stage order:\n" + "\n".join(bad)


def test_no_import_cycle():
    modules, edges = graph()
    found = cycles(edges)
    detail = []
    for comp in found:
        members = set(comp)
        detail += [f"{modules[m].relative_to(ROOT.parent)}:{line}: imports {w}"
                   for m in comp for w, line in edges[m] if w in members]
    assert not found, f"{len(found)} import cycle(s): {found}\n" + "\n".join(detail)


@pytest.mark.parametrize("src, dst, ok", [
    ("npaccel.codegen.c_source", "npaccel.ir.nodes", True),
    ("npaccel.ir.nodes", "npaccel.codegen.c_source", False),
    ("npaccel.dask.kernels", "npaccel.api.specialise", True),
    ("npaccel.dask.kernels", "npaccel.api.accelerate", False),
    ("npaccel.frontend.lower", "npaccel.passes.plan", False),
])
def test_the_rule_itself(src, dst, ok):
    """The checker can fail: a downward import passes, an upward one does not."""
    assert allowed(src, dst) is ok


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": [("b", 1)], "b": [("c", 2)], "c": [("a", 3)], "d": [("a", 4)]}
    assert cycles(edges) == [["a", "b", "c"]]


# ---- the checklists of docs/architecture.md, each proven by adding a toy one -----------------

def _fix(x):
    return np.fix(x) * 2.0


def test_a_toy_numpy_call_needs_only_a_handler(monkeypatch):
    """"A NumPy call": one registered handler built with array_build's kit, nothing else."""
    from harness import check_same
    from npaccel import UnsupportedError, accelerate
    from npaccel.frontend.array_build import as_array, ew
    from npaccel.frontend.calls import CALL_HANDLERS, load_handlers
    from npaccel.ir.ops import Op
    load_handlers()
    assert np.fix not in CALL_HANDLERS
    make = lambda: (np.array([1.5, -1.5, 2.0, -0.25]),)
    with pytest.raises(UnsupportedError, match="np.fix"):
        accelerate(_fix, fallback="raise")(*make())

    def toy_fix(lw, args, kwargs, node):          # np.fix(x) is trunc(x) for floats
        return ew(lw, Op.TRUNC, (as_array(lw, args[0], node),), np.float64)
    monkeypatch.setitem(CALL_HANDLERS, np.fix, toy_fix)
    check_same(_fix, make)


def _affine(x):
    return 3.0 * x + 1.0


def test_a_toy_target_builds_through_the_same_steps(monkeypatch):
    """"A backend": a Target subclass in TARGETS; build() runs its steps in order and
    accelerate(target=<its name>) uses it. The toy one is the CPU target under another
    name, with a cache key of its own."""
    from harness import check_same
    from npaccel import accelerate
    from npaccel.api.specialise import cache_key
    from npaccel.api.targets import TARGETS, CpuTarget
    steps = []

    class Toy(CpuTarget):
        name = "toy"

        def __getattribute__(self, attr):
            if attr in ("tools", "source", "cache_key", "compile", "load", "caller"):
                steps.append(attr)
            return super().__getattribute__(attr)

        def source(self, compiled):
            text, layout = super().source(compiled)
            return f"{text}\n/* toy target {os.getpid()} {time.time()} */\n", layout    # never cached

        def cache_key(self, source, tools):
            return cache_key(source, tools, target="toy")

    with pytest.raises(ValueError, match="target='toy'"):
        accelerate(_affine, target="toy")
    monkeypatch.setitem(TARGETS, "toy", Toy())
    f = accelerate(_affine, target="toy", fallback="raise")
    x = np.arange(5.0)
    np.testing.assert_array_equal(f(x), _affine(x))
    assert steps[:3] == ["source", "tools", "cache_key"] and \
        steps.index("compile") < steps.index("load") < steps.index("caller"), steps
    check_same(_affine, lambda: (np.arange(7.0)[::-2],), accelerated=accelerate(_affine, target="toy"))


TOY_USER = '''
import numpy as np
import npaccel

def step(x, y):
    return np.nextafter(x, y) - x


def folded(x):
    return np.bitwise_xor.reduce(x), np.bitwise_xor.reduce(x, axis=-1)


def check(fn, *args):
    got, want = npaccel.accelerate(fn, fallback="raise")(*args), fn(*args)
    for g, w in zip(got, want) if isinstance(want, tuple) else [(got, want)]:
        assert type(g) is type(w) and g.dtype == w.dtype, (g, w)
        np.testing.assert_array_equal(g, w)

x = np.linspace(-3.0, 3.0, 11)
check(step, x, np.inf)                                         # one ulp up, float64
check(step, x.astype(np.float32), np.float32(-np.inf))         # float32: nextafterf
check(step, np.arange(6), np.arange(6)[::-1].copy())           # int64 -> the float64 loop
check(step, np.array([0.0, -0.0, np.nan, np.inf]), np.array([1.0, -1.0, 0.0, 0.0]))
rng = np.random.default_rng(0)
check(folded, rng.integers(0, 1 << 30, (5, 7)).astype(np.int32))
check(folded, rng.integers(0, 255, (4, 300)).astype(np.uint8))
check(folded, rng.integers(-2**62, 2**62, (3, 40000)))          # long rows: SIMD lanes, threads
check(folded, np.zeros((0, 3), np.int16))                       # empty: the identity 0
check(folded, rng.integers(0, 2, (6, 5)).astype(bool))
print("toys ok", npaccel.__file__)
'''

# the checklists' edits of docs/architecture.md, as (file, text, text after the edit)
TOY_EDITS = [
    # a ufunc: an Op member named as NumPy's ufunc, its C text
    ("ir/ops.py", '    COPYSIGN = "copysign"\n', '    COPYSIGN = "copysign"\n    NEXTAFTER = "nextafter"\n'),
    ("codegen/c_renderer.py", 'Op.COPYSIGN: "copysign",', 'Op.COPYSIGN: "copysign", Op.NEXTAFTER: "nextafter",'),
    # a reduction: an Op member, its Reduction record, its accumulator text
    ("ir/ops.py", '    IMAG = "imag"\n', '    IMAG = "imag"\n    XOR_REDUCE = "xor_reduce"\n'),
    ("ir/ops.py", '    Op.ARGMIN: Reduction(None, False, False, "argmin"),\n',
     '    Op.ARGMIN: Reduction(None, False, False, "argmin"),\n'
     '    Op.XOR_REDUCE: Reduction(np.bitwise_xor, True, True, "", "^", "iu"),\n'),
    ("codegen/c_reductions.py", "    Op.NANMAX: _nanmax, Op.NANMIN: _nanmin,\n",
     '    Op.NANMAX: _nanmax, Op.NANMIN: _nanmin,\n    Op.XOR_REDUCE: lambda dt: ("0", lambda a, b: f"({a} ^ {b})"),\n'),
]


def _nextafter_step(x, y):
    return np.nextafter(x, y) - x


def _xor_folded(x):
    return np.bitwise_xor.reduce(x)


def test_a_toy_ufunc_and_reduction_need_only_the_checklists_edits(tmp_path):
    """"A ufunc" and "a reduction": the checklists' edits and nothing else, made to a copy
    of the package, compile np.nextafter and np.bitwise_xor.reduce with NumPy's results,
    dtypes and loops (float32, int to float64, NaN, empty, bool, long rows run in SIMD
    lanes and threads). The copy runs in a process of its own."""
    import shutil
    import subprocess
    import sys
    from npaccel import UnsupportedError, accelerate
    for fn, args in ((_nextafter_step, (np.ones(3), 2.0)), (_xor_folded, (np.ones(3, np.int32),))):
        with pytest.raises(UnsupportedError):                    # neither is in npaccel today
            accelerate(fn, fallback="raise")(*args)
    shutil.copytree(ROOT, tmp_path / "npaccel", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT.parent / "runtime_c", tmp_path / "runtime_c")
    for name, before, after in TOY_EDITS:
        path = tmp_path / "npaccel" / name
        text = path.read_text()
        assert text.count(before) == 1, (name, before)
        path.write_text(text.replace(before, after))
    (tmp_path / "toy_user.py").write_text(TOY_USER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPACCEL")}
    env.update(PYTHONPATH=str(tmp_path), NPACCEL_CACHE_DIR=str(tmp_path / "cache"), NPACCEL_TARGET="cpu")
    proc = subprocess.run([sys.executable, "-c", "import toy_user"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"toys ok {tmp_path / 'npaccel'}" in proc.stdout

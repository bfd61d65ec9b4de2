"""Cache key and invalidation matrix, through the real pipeline and a real on-disk cache.

Each change that alters the built code (function body, an inlined helper's body in another
module, a captured global constant, the compiler or its version, flags, npaccel's or
NumPy's version, target, CPU) must miss; touching a file without changing it must hit.
"""
import importlib
import os
import stat
import sys
import textwrap
import time

import numpy as np
import pytest

import npaccel.api.specialise as specialise
from npaccel import accelerate
from npaccel.build.toolchain import CCompiler, find_c_compiler
from npaccel.ir.signature import signature_of

X = np.linspace(-1, 1, 16)


def key_of(fn, compiler=None, target="cpu"):
    compiled = specialise.translate(fn, signature_of((X,)))
    return specialise.cache_key(compiled.source, compiler or find_c_compiler(), target)


def load_module(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop(name, None)
        importlib.invalidate_caches()
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


def test_function_body_change_misses(tmp_path):
    a = load_module(tmp_path, "kmod_a", "import numpy as np\ndef f(x):\n    return np.exp(x) + 1.0\n")
    b = load_module(tmp_path, "kmod_b", "import numpy as np\ndef f(x):\n    return np.exp(x) + 2.0\n")
    assert key_of(a.f) != key_of(b.f)


def test_helper_body_in_another_module_misses(tmp_path):
    load_module(tmp_path, "khelp", "def g(v):\n    return v * 2.0\n")
    user = load_module(tmp_path, "kuser", "from khelp import g\ndef f(x):\n    return g(x) + 1.0\n")
    before = key_of(user.f)
    load_module(tmp_path, "khelp", "def g(v):\n    return v * 3.0\n")
    user = load_module(tmp_path, "kuser", "from khelp import g\ndef f(x):\n    return g(x) + 1.0\n")
    assert key_of(user.f) != before


def test_captured_global_constant_misses(tmp_path):
    m1 = load_module(tmp_path, "kconst", "SCALE = 2.0\ndef f(x):\n    return x * SCALE\n")
    k1 = key_of(m1.f)
    m1.SCALE = 3.0
    assert key_of(m1.f) != k1


def test_touching_a_file_without_changing_it_hits(tmp_path, fresh_config):
    fresh_config(NPACCEL_CACHE_DIR=str(tmp_path / "cache"))
    from npaccel.cache.store import reset_default_store
    reset_default_store()
    try:
        text = "import numpy as np\ndef f(x):\n    return np.sqrt(np.abs(x)) * 5.0\n"
        m = load_module(tmp_path, "ktouch", text)
        first = accelerate(m.f, fallback="raise")
        first(X)
        path = tmp_path / "ktouch.py"
        later = time.time() + 5
        os.utime(path, (later, later))
        m = load_module(tmp_path, "ktouch", text)
        second = accelerate(m.f, fallback="raise")
        np.testing.assert_array_equal(second(X), np.sqrt(np.abs(X)) * 5.0)
        assert (first.stats()["compiles"], second.stats()["compiles"], second.stats()["disk_hits"]) == (1, 0, 1)
    finally:
        reset_default_store()


def test_compiler_flags_versions_target_and_cpu_each_change_the_key(monkeypatch, tmp_path):
    def f(x):
        return x * 4.0 - 1.0
    cc = find_c_compiler()
    base = key_of(f, cc)
    # another compiler path (a real wrapper around the same compiler)
    wrapper = tmp_path / "cc-wrapper"
    wrapper.write_text(f"#!/bin/sh\nexec {cc.path} \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    assert key_of(f, CCompiler(str(wrapper), cc.version, cc.openmp)) != base
    assert key_of(f, CCompiler(cc.path, cc.version + " (patched)", cc.openmp)) != base
    assert key_of(f, CCompiler(cc.path, cc.version, not cc.openmp)) != base      # flags: -fopenmp
    assert key_of(f, cc, target="cuda") != base
    monkeypatch.setattr(specialise, "__version__", "999.0")
    assert key_of(f, cc) != base
    monkeypatch.undo()
    monkeypatch.setattr(np, "__version__", "0.0.1")
    assert key_of(f, cc) != base
    monkeypatch.undo()
    import npaccel.build.toolchain as toolchain
    monkeypatch.setattr(toolchain, "cpu_signature", lambda: "other-cpu")
    assert key_of(f, cc) != base
    monkeypatch.undo()
    assert key_of(f, cc) == base


def test_npaccel_cc_change_misses_end_to_end(tmp_path, fresh_config):
    """NPACCEL_CC pointing at another driver is a miss: a build, not a foreign hit."""
    from npaccel.build.toolchain import reset_toolchain_cache
    from npaccel.cache.store import reset_default_store
    cc = find_c_compiler()
    wrapper = tmp_path / "mycc"
    wrapper.write_text(f"#!/bin/sh\nexec {cc.path} \"$@\"\n")
    wrapper.chmod(0o755)

    def f(x):
        return np.cos(x) * 3.0
    try:
        fresh_config(NPACCEL_CACHE_DIR=str(tmp_path / "cache"))
        reset_default_store()
        a = accelerate(f, fallback="raise")
        a(X)
        fresh_config(NPACCEL_CACHE_DIR=str(tmp_path / "cache"), NPACCEL_CC=str(wrapper))
        reset_toolchain_cache()
        reset_default_store()
        b = accelerate(f, fallback="raise")
        np.testing.assert_allclose(b(X), np.cos(X) * 3.0, rtol=1e-15)
        assert a.stats()["compiles"] == 1 and b.stats()["compiles"] == 1
    finally:
        reset_toolchain_cache()
        reset_default_store()

"""Artefacts that do not load, for real: a garbage file or a foreign library in the cache
(with a valid checksum record), a compiler whose libraries lack the entry point, and a
process without a home directory.

A library that does not load is removed from the cache and built once more; if that fails
too, the function runs in Python with one FallbackWarning (a CompileError under "raise"),
and no entry stays behind."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from npaccel import accelerate
from npaccel.api.specialise import cache_key, translate
from npaccel.build.cc import compile_c_shared
from npaccel.build.toolchain import find_c_compiler, reset_toolchain_cache
from npaccel.cache.store import default_store, reset_default_store
from npaccel.errors import CompileError, FallbackWarning
from npaccel.ir.signature import signature_of
from npaccel.runtime.loader import ArtefactLoadError

REPO = Path(__file__).resolve().parents[1]
X = np.linspace(-2.0, 3.0, 1001)
FOREIGN_C = "int not_the_entry(void) { return 0; }\n"


def cubic(x):
    return x * x * x - 2.0 * x


def shifted(x):
    return x * 0.5 + 7.0


def _key_of(fn, *args):
    compiled = translate(fn, signature_of(args))
    return cache_key(compiled.source, find_c_compiler()), compiled.source


def _plant(key, source, make):
    """Install the artefact ``make(workdir)`` builds as the cache entry of ``key`` (a record
    with its true checksum), replacing whatever entry there was."""
    store = default_store()
    store.discard(key)
    path, hit = store.get_or_build(key, make, source=source,
                                   meta={"function": "planted", "signature": "?", "target": "cpu"})
    assert not hit
    return path


def _garbage(workdir):
    out = workdir / "kernel.so"
    out.write_bytes(b"\x7fELF" + b"\x00 not a library " * 64)
    return out


def _foreign(workdir):
    return compile_c_shared(FOREIGN_C, workdir, find_c_compiler())


def _loads(path):
    data = Path(path).read_bytes()
    return data[:4] == b"\x7fELF" and b"npaccel_entry" in data


@pytest.mark.parametrize("make", [_garbage, _foreign], ids=["garbage", "no-entry-symbol"])
def test_bad_cached_library_is_removed_and_rebuilt(make):
    fn = cubic if make is _garbage else shifted
    key, source = _key_of(fn, X)
    bad = _plant(key, source, make)
    fast = accelerate(fn, target="cpu", fallback="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(fast(X), fn(X), rtol=1e-13)
    assert fast.stats()["compiles"] == 1 and fast.stats()["fallbacks"] == 0
    path, hit = default_store().get_or_build(key, pytest.fail, source=source, meta={})
    assert hit and path == bad and _loads(path)     # the entry now holds the rebuilt library


SCRIPT = textwrap.dedent("""
    import sys, warnings
    import numpy as np
    from npaccel import accelerate
    warnings.simplefilter("error")

    def poly(x):
        return (x + 1.0) * (x - 3.0)

    x = np.linspace(-1.0, 1.0, 257)
    fast = accelerate(poly, target="cpu", fallback="raise")
    np.testing.assert_allclose(fast(x), poly(x), rtol=1e-13)
    print(fast.stats()["compiles"], fast.stats()["disk_hits"])
""")


def test_corrupt_cached_library_in_a_new_process(tmp_path):
    (tmp_path / "poly_script.py").write_text(SCRIPT)

    def run():
        proc = subprocess.run([sys.executable, str(tmp_path / "poly_script.py")], capture_output=True,
                              text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()
    run()
    store = default_store()
    entry = next(e for e in store.list_entries() if e.function == "poly")
    _plant(entry.key, entry.path.with_suffix(".c").read_text(), _garbage)
    assert run() == ["1", "0"]          # compiled again, no warning, NumPy's values
    assert _loads(entry.path)
    assert run() == ["0", "1"]          # and the rebuilt entry serves the next process


@pytest.fixture
def entryless_compiler(tmp_path, fresh_config):
    """A C compiler (gcc, for real) whose shared libraries lack npaccel_entry: it builds the
    kernel, then replaces it by a library of another program."""
    cc = tmp_path / "entryless-cc"
    cc.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        gcc "$@" || exit $?
        prev=""; shared=0; out=""
        for a in "$@"; do
            [ "$a" = "-shared" ] && shared=1
            [ "$prev" = "-o" ] && out="$a"
            prev="$a"
        done
        if [ $shared = 1 ]; then
            printf '{FOREIGN_C.strip()}\\n' > "$out.foreign.c"
            gcc -shared -fPIC -o "$out" "$out.foreign.c" || exit $?
        fi
        """))
    cc.chmod(cc.stat().st_mode | stat.S_IXUSR)
    fresh_config(NPACCEL_CC=str(cc))
    reset_toolchain_cache()
    yield cc
    reset_toolchain_cache()


def _entries_of(fn_name):
    return [e for e in default_store().list_entries() if e.function.endswith(fn_name)]


def test_rebuild_that_fails_again_runs_in_python_with_one_warning(entryless_compiler):
    def twice_minus(x):
        return x * 2.0 - 1.0
    fast = accelerate(twice_minus, target="cpu", fallback="warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            np.testing.assert_array_equal(fast(X), twice_minus(X))
    messages = [str(w.message) for w in caught]
    assert [w.category for w in caught] == [FallbackWarning], messages
    assert "cannot be loaded" in messages[0]
    assert fast.stats()["fallbacks"] == 3
    assert _entries_of("twice_minus") == []     # no poisoned entry left behind


def test_rebuild_that_fails_again_raises_compile_error_under_raise(entryless_compiler):
    def plus_three(x):
        return x + 3.0
    fast = accelerate(plus_three, target="cpu", fallback="raise")
    with pytest.raises(CompileError, match="cannot be loaded") as info:
        fast(X)
    assert isinstance(info.value.__cause__, ArtefactLoadError)
    assert isinstance(info.value.__cause__.__cause__, AttributeError)   # cffi: no such symbol
    assert _entries_of("plus_three") == []


HOMELESS = textwrap.dedent("""
    import os, sys, warnings
    import numpy as np, numpy.testing, platformdirs, platformdirs.unix
    import npaccel, npaccel.api.specialise, npaccel.build.cc, npaccel.build.toolchain
    import npaccel.cache.store, npaccel.build.blas, npaccel.runtime.loader
    # The interpreter lives under /root here, which the new uid cannot read: everything it
    # needs is imported first, then the process drops to a uid without a passwd entry.
    os.setgid({uid}); os.setuid({uid})
    assert "HOME" not in os.environ and "NPACCEL_CACHE_DIR" not in os.environ

    def affine(x):
        return 3.0 * x + 1.0

    warnings.simplefilter("always")
    x = np.arange(10.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fast = npaccel.accelerate(affine, target="cpu", fallback="raise")
        np.testing.assert_array_equal(fast(x), affine(x))
        np.testing.assert_array_equal(fast(x[::-1]), affine(x[::-1]))
    store = npaccel.cache.store.default_store()
    mode = os.stat(store.root).st_mode & 0o777
    print(len(caught), caught[0].category.__name__, oct(mode), store.root.parent)
""")


@pytest.mark.skipif(not hasattr(os, "setuid") or os.geteuid() != 0, reason="needs root to change uid")
def test_no_home_and_no_passwd_entry_uses_a_private_cache(tmp_path):
    import pwd
    uid = 54321
    while True:
        try:
            pwd.getpwuid(uid)
            uid += 1
        except KeyError:
            break
    readable = Path(tempfile.mkdtemp())     # the new uid reads the script (npaccel: its source)
    readable.chmod(0o755)
    script = readable / "homeless.py"
    script.write_text(HOMELESS.format(uid=uid))
    script.chmod(0o644)
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOME", "NPACCEL_CACHE_DIR", "XDG_CACHE_HOME", "TMPDIR")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=120, cwd="/")
    assert proc.returncode == 0, proc.stderr
    count, category, mode, parent = proc.stdout.split()
    shutil.rmtree(readable)
    assert (count, category, mode) == ("1", "CacheWarning", "0o700")
    assert parent == tempfile.gettempdir()

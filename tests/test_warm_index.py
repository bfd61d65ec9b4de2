"""The warm index (api/warm.py) across real processes sharing one cache directory.

Each test runs fresh Python processes against its own NPACCEL_CACHE_DIR: the first lowers,
builds and indexes; a later one must load through the index without lowering
(``stats()["index_hits"]``) when nothing the key covers changed, and must miss (lower
again, then index the new variant) when anything did: the function's source, a helper's
source, a global, a closure cell, a module attribute, the argument signature, npaccel's
version, the compiler; a damaged or foreign index file is a miss too, silently. Every
process compares its result with NumPy's through tests/harness.py, and writes nothing on
stderr (no warning noise).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from npaccel.build.toolchain import find_c_compiler

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

CHILD = """
import json, sys
sys.path[:0] = {paths!r}
import numpy as np
from harness import assert_same_value
import npaccel
from npaccel import accelerate
{setup}
fast = accelerate(fn, fallback={fallback!r})
for _ in range({calls}):
    assert_same_value(fast(*make_args()), fn(*make_args()))
stats = fast.stats()
print(json.dumps({{k: stats[k] for k in ("compiles", "disk_hits", "index_hits", "fallbacks")}}))
"""

MODULE = """
import numpy as np
import wconst
from whelp import helper

SCALE = 2.0


def scaled(x, n):
    step = helper(x) * SCALE
    total = x * 0.0
    for i in range(n):
        total = total + step + wconst.OFFSET
    return total


def make(k):
    def shifted(x):
        return x * k + 1.0
    return shifted
"""
HELPER = """
import numpy as np


def helper(x):
    return np.sqrt(np.abs(x)) + 1.0
"""
CONST = "OFFSET = 0.5\n"


def write(folder: Path, name: str, text: str):
    (folder / name).write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path):
    """A folder with the user's modules and a private cache."""
    write(tmp_path, "wmod.py", MODULE)
    write(tmp_path, "whelp.py", HELPER)
    write(tmp_path, "wconst.py", CONST)
    return tmp_path


SCALED = "from wmod import scaled as fn\nmake_args = lambda: (np.linspace(-2.0, 3.0, 7), 3)\n"


def run(folder: Path, setup: str = SCALED, env=None, fallback="raise", calls=2) -> dict:
    """Run a new process calling ``fn`` (defined by ``setup``) through @accelerate; its stats."""
    code = CHILD.format(paths=[str(folder), str(TESTS), str(REPO)], setup=setup, fallback=fallback,
                        calls=calls)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NPACCEL_")}
    full_env.update(NPACCEL_CACHE_DIR=str(folder / "cache"), NPACCEL_TARGET="cpu", **(env or {}))
    proc = subprocess.run([sys.executable, "-c", code], env=full_env, cwd=folder, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr          # no warning, no log noise
    return json.loads(proc.stdout.strip().splitlines()[-1])


LOWERED = {"compiles": 1, "disk_hits": 0, "index_hits": 0, "fallbacks": 0}
INDEXED = {"compiles": 0, "disk_hits": 1, "index_hits": 1, "fallbacks": 0}
RELOWERED = {"compiles": 0, "disk_hits": 1, "index_hits": 0, "fallbacks": 0}     # same C, lowered again


def test_a_second_process_loads_through_the_index(project):
    assert run(project, fallback="warn") == LOWERED
    assert run(project, fallback="warn") == INDEXED
    assert run(project) == INDEXED
    assert len(list((project / "cache" / "index").glob("*.idx"))) == 1


def test_function_source_change_misses(project):
    assert run(project) == LOWERED
    write(project, "wmod.py", MODULE.replace("+ step +", "- step +"))
    assert run(project) == LOWERED
    assert run(project) == INDEXED


def test_unchanged_function_in_an_edited_file_lowers_again_and_finds_its_artefact(project):
    assert run(project) == LOWERED
    write(project, "wmod.py", MODULE + "\n\ndef unrelated(x):\n    return x\n")
    assert run(project) == RELOWERED
    assert run(project) == INDEXED


def test_helper_source_change_misses(project):
    assert run(project) == LOWERED
    write(project, "whelp.py", HELPER.replace("+ 1.0", "+ 2.0"))
    assert run(project) == LOWERED
    assert run(project) == INDEXED


def test_global_value_change_misses_and_each_value_keeps_its_variant(project):
    assert run(project) == LOWERED
    three = "import wmod\nwmod.SCALE = 3.0\n" + SCALED
    assert run(project, three) == LOWERED
    assert run(project, three) == INDEXED
    assert run(project) == INDEXED                     # SCALE = 2.0 again: its own variant


def test_global_type_change_misses(project):
    assert run(project) == LOWERED
    assert run(project, "import wmod\nwmod.SCALE = 2\n" + SCALED) == LOWERED     # int, not float
    assert run(project, "import wmod\nwmod.SCALE = np.float32(2.0)\n" + SCALED) == LOWERED


def test_module_attribute_change_misses(project):
    assert run(project) == LOWERED
    assert run(project, "import wconst\nwconst.OFFSET = -0.5\n" + SCALED) == LOWERED


def test_helper_rebound_to_another_function_misses(project):
    write(project, "wother.py", "def other(x):\n    return x * 4.0\n")
    assert run(project) == LOWERED
    other = "import wmod, wother\nwmod.helper = wother.other\n" + SCALED
    assert run(project, other) == LOWERED
    assert run(project, other) == INDEXED


def test_closure_cell_change_misses(project):
    setup = "from wmod import make\nfn = make({k})\nmake_args = lambda: (np.arange(5.0),)\n"
    assert run(project, setup.format(k=2.0)) == LOWERED
    assert run(project, setup.format(k=2.0)) == INDEXED
    assert run(project, setup.format(k=5.0)) == LOWERED
    assert run(project, setup.format(k="np.float32(2.0)")) == LOWERED


@pytest.mark.parametrize("args", ["(np.linspace(-2.0, 3.0, 7).astype(np.float32), 3)",
                                  "(np.linspace(-2.0, 3.0, 14)[::2], 3)",
                                  "(np.linspace(-2.0, 3.0, 7), np.int32(3))",
                                  "(np.ones((2, 3)), 3)"])
def test_argument_signature_change_misses(project, args):
    assert run(project) == LOWERED
    assert run(project, SCALED.replace("(np.linspace(-2.0, 3.0, 7), 3)", args)) == LOWERED


def test_npaccel_version_change_misses(project):
    assert run(project) == LOWERED
    other = "import npaccel.api.specialise as sp\nnpaccel.__version__ = sp.__version__ = '99.0'\n" + SCALED
    assert run(project, other) == LOWERED
    assert run(project) == INDEXED


def test_compiler_change_misses(project):
    wrapper = project / "mycc"
    wrapper.write_text(f"#!/bin/sh\nexec {find_c_compiler().path} \"$@\"\n")
    wrapper.chmod(0o755)
    assert run(project) == LOWERED
    assert run(project, env={"NPACCEL_CC": str(wrapper)}) == LOWERED
    assert run(project, env={"NPACCEL_CC": str(wrapper)}) == INDEXED
    assert run(project) == INDEXED


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_damaged_index_file_is_a_silent_miss_and_is_rewritten(project, damage):
    assert run(project) == LOWERED
    (index,) = (project / "cache" / "index").glob("*.idx")
    data = index.read_bytes()
    index.write_bytes({"truncate": data[:len(data) // 2],
                       "flip": data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:],
                       "garbage": b"npaccel-warm-index 1\n" + os.urandom(200),
                       "empty": b""}[damage])
    assert run(project) == RELOWERED
    assert run(project) == INDEXED


def test_foreign_index_file_is_a_miss(project):
    shifted = "from wmod import make\nfn = make(2.0)\nmake_args = lambda: (np.arange(5.0),)\n"
    assert run(project, shifted) == LOWERED
    (theirs,) = (project / "cache" / "index").glob("*.idx")
    assert run(project) == LOWERED
    (mine,) = set((project / "cache" / "index").glob("*.idx")) - {theirs}
    mine.write_bytes(theirs.read_bytes())          # right format and checksum, another key
    assert run(project) == RELOWERED


def test_index_pointing_at_a_removed_artefact_builds_it_again(project):
    assert run(project) == LOWERED
    for path in (project / "cache" / "entries").iterdir():
        path.unlink()
    assert run(project) == LOWERED
    assert run(project) == INDEXED


def test_helper_reached_other_than_by_name_is_never_indexed(project):
    write(project, "wtuple.py", """
        from whelp import helper
        HELPERS = (helper,)


        def via_tuple(x):
            return HELPERS[0](x) * 2.0
    """)
    setup = "from wtuple import via_tuple as fn\nmake_args = lambda: (np.arange(4.0),)\n"
    assert run(project, setup) == LOWERED
    assert run(project, setup) == RELOWERED
    assert not list((project / "cache" / "index").glob("*.idx"))


def test_functions_run_in_segments_are_not_indexed(project):
    write(project, "wseg.py", """
        import numpy as np


        def partly(x):
            y = np.exp(x) * 2.0
            names = [str(v) for v in range(3)]
            return y + len(names)
    """)
    setup = "from wseg import partly as fn\nmake_args = lambda: (np.arange(4.0),)\n"
    first = run(project, setup, fallback="silent")
    second = run(project, setup, fallback="silent")
    assert first["fallbacks"] > 0 and second["index_hits"] == 0 and second["compiles"] == 0


def test_processes_indexing_at_once_leave_a_usable_index(project):
    code = CHILD.format(paths=[str(project), str(TESTS), str(REPO)], setup=SCALED, fallback="raise", calls=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPACCEL_")}
    env.update(NPACCEL_CACHE_DIR=str(project / "cache"), NPACCEL_TARGET="cpu")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=project, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 and err == "" for p, (_, err) in zip(procs, results)), results
    assert run(project) == INDEXED


def test_prune_and_clear_remove_index_files(project):
    from npaccel.cache.store import ArtefactStore
    assert run(project) == LOWERED
    store, (index,) = ArtefactStore(project / "cache"), (project / "cache" / "index").glob("*.idx")
    store.prune(older_than_seconds=3600)
    assert index.exists()
    os.utime(index, (time.time() - 7200,) * 2)     # the index unused for two hours, the artefact not
    store.prune(older_than_seconds=3600)
    assert not index.exists()
    assert run(project) == RELOWERED
    os.utime(index, (time.time() - 7200,) * 2)
    assert run(project) == INDEXED
    assert index.stat().st_mtime > time.time() - 3600   # a hit marks the index file used
    store.clear()
    assert not list((project / "cache" / "index").glob("*.idx"))
    assert run(project) == LOWERED


def test_source_change_behind_a_wrapping_decorator_misses(project):
    """A helper wrapped with functools.wraps is lowered from the wrapped function's source
    (inspect unwraps it), which may live in another file than the wrapper's code."""
    write(project, "wdeco.py", """
        import functools


        def traced(f):
            @functools.wraps(f)
            def wrapper(*args):
                return f(*args)
            return wrapper
    """)
    inner = """
        from wdeco import traced


        @traced
        def triple(x):
            return x * 3.0
    """
    write(project, "winner.py", inner)
    write(project, "wuse.py", "from winner import triple\n\n\ndef use(x):\n    return triple(x) + 1.0\n")
    setup = "from wuse import use as fn\nmake_args = lambda: (np.arange(4.0),)\n"
    assert run(project, setup) == LOWERED
    assert run(project, setup) == INDEXED
    write(project, "winner.py", inner.replace("3.0", "4.0"))
    assert run(project, setup) == LOWERED

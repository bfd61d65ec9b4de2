"""The artefact store for real: files on disk, real compiles, racing processes and threads,
SIGKILL, corruption, trust rules, a read-only and a full file system (tmpfs)."""
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from cffi import FFI

from npaccel.build.cc import compile_c_shared
from npaccel.build.toolchain import find_c_compiler
from npaccel.cache import store as store_mod
from npaccel.cache import tempfiles
from npaccel.cache.key import make_key
from npaccel.cache.locks import FileLock
from npaccel.cache.store import ArtefactStore, default_store, open_store, reset_default_store
from npaccel.errors import CacheWarning, CompileError

REPO = Path(__file__).resolve().parents[1]
META = {"function": "f", "module": "tests.m", "signature": "(float64[:])", "target": "cpu"}
TWICE_C = "#include <stdint.h>\nvoid twice(const double *x, double *out, int64_t n) {\n" \
          "  for (int64_t i = 0; i < n; i++) out[i] = 2.0 * x[i];\n}\n"


def key_for(name) -> str:
    return make_key({"test": name})


class Builder:
    """A build callable: appends its pid to a marker file (to count builds across processes),
    then writes `payload` (or compiles `c_source` for real) in the build directory."""

    def __init__(self, marker: Path, payload: bytes = b"\x7fELF fake artefact " * 50,
                 delay: float = 0.0, c_source: str | None = None):
        self.marker, self.payload, self.delay, self.c_source = marker, payload, delay, c_source

    def __call__(self, tmpdir: Path) -> Path:
        with open(self.marker, "a") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(self.delay)
        if self.c_source is not None:
            return compile_c_shared(self.c_source, tmpdir, find_c_compiler())
        out = tmpdir / "kernel.so"
        out.write_bytes(self.payload)
        return out

    @property
    def count(self) -> int:
        return len(self.marker.read_text().split()) if self.marker.exists() else 0


def call_twice(path: Path, n: int = 1000):
    ffi = FFI()
    ffi.cdef("void twice(const double *x, double *out, int64_t n);")
    lib = ffi.dlopen(str(path))
    x = np.random.default_rng(0).standard_normal(n)
    out = np.empty_like(x)
    lib.twice(ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", out), n)
    np.testing.assert_array_equal(out, 2.0 * x)


def cache_warnings(caught):
    return [w for w in caught if issubclass(w.category, CacheWarning)]


@contextmanager
def recorded():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def leftovers(store: ArtefactStore) -> list[str]:
    if not store.entries_dir.exists():
        return []
    return sorted(n for n in os.listdir(store.entries_dir) if n.startswith(tempfiles.TEMP_PREFIX))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path):
    return ArtefactStore(tmp_path / "cache")


@pytest.fixture
def builder(tmp_path):
    return Builder(tmp_path / "builds.log")


# ---- keys

def test_make_key_is_canonical():
    a = make_key({"source": "x", "flags": ["-O3", "-fopenmp"], "n": 1})
    assert a == make_key({"n": 1, "flags": ("-O3", "-fopenmp"), "source": "x"})
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != make_key({"source": "x ", "flags": ["-O3", "-fopenmp"], "n": 1})
    assert a != make_key({"source": "x", "flags": ["-fopenmp", "-O3"], "n": 1})
    assert make_key({"p": Path("/a")}) == make_key({"p": "/a"})
    with pytest.raises(TypeError, match="no canonical form"):
        make_key({"f": object()})


# ---- miss, hit, layout, atomic writes

def test_miss_then_hit_keeps_source_and_meta(store, builder):
    key = key_for("basic")
    mine = f"{tempfiles.BUILD_PREFIX}{tempfiles.HOST}-{os.getpid()}-"
    build_dirs = lambda: {p for p in Path(tempfile.gettempdir()).iterdir() if p.name.startswith(mine)}
    before = build_dirs()
    path, hit = store.get_or_build(key, builder, source="int f;", meta=META)
    assert not hit and builder.count == 1
    assert path == store.entries_dir / f"{key}.so" and path.read_bytes() == builder.payload
    assert (store.entries_dir / f"{key}.c").read_text() == "int f;"
    record = json.loads((store.entries_dir / f"{key}.json").read_text())
    assert record["sha256"] == sha(path) and record["meta"] == META
    inode = path.stat().st_ino
    again, hit = store.get_or_build(key, builder, source="int f;", meta=META)
    assert hit and again == path and builder.count == 1
    assert path.stat().st_ino == inode, "a hit must not rewrite the artefact"
    assert not path.stat().st_mode & 0o222, "artefacts are read-only: never modified in place"
    assert leftovers(store) == []
    assert build_dirs() == before, "build directory left behind"


def test_cuda_source_kept_as_cu(store, builder):
    key = key_for("cuda")
    store.get_or_build(key, builder, source="__global__ void k(){}", meta=dict(META, target="cuda"))
    assert (store.entries_dir / f"{key}.cu").read_text() == "__global__ void k(){}"


def test_rejects_keys_that_are_not_hex(store, builder):
    for bad in ("../../etc/passwd", "ABCDEF0123456789", "abc", 12):
        with pytest.raises(ValueError, match="not a cache key"):
            store.get_or_build(bad, builder, source="", meta=META)


def test_build_errors_reach_the_caller_and_nothing_is_stored(store, tmp_path):
    key = key_for("broken")
    broken = Builder(tmp_path / "b.log", c_source="int oops( {\n")
    with pytest.raises(CompileError):
        store.get_or_build(key, broken, source="int oops( {\n", meta=META)
    assert store.list_entries() == [] and leftovers(store) == []


def test_hit_records_last_use(store, builder):
    key = key_for("lru-touch")
    store.get_or_build(key, builder, source="", meta=META)
    record = store.entries_dir / f"{key}.json"
    os.utime(record, (1_000_000, 1_000_000))
    store.get_or_build(key, builder, source="", meta=META)
    (entry,) = store.list_entries()
    assert entry.last_used > time.time() - 60 and entry.created > 1_000_000


def test_real_compiled_artefact_round_trip(store, tmp_path):
    build = Builder(tmp_path / "b.log", c_source=TWICE_C)
    path, hit = store.get_or_build(key_for("real"), build, source=TWICE_C, meta=META)
    assert not hit
    call_twice(path)


# ---- integrity

def _flip_bit(p: Path):
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x10
    p.write_bytes(bytes(data))


CORRUPTIONS = {
    "artefact truncated": lambda a, r: a.write_bytes(a.read_bytes()[: a.stat().st_size // 2]),
    "artefact zero-length": lambda a, r: a.write_bytes(b""),
    "artefact bit-flipped": lambda a, r: _flip_bit(a),
    "artefact random bytes": lambda a, r: a.write_bytes(os.urandom(a.stat().st_size)),
    "artefact missing": lambda a, r: a.unlink(),
    "record not JSON": lambda a, r: r.write_text("{this is not json"),
    "record truncated": lambda a, r: r.write_bytes(r.read_bytes()[:20]),
    "record zero-length": lambda a, r: r.write_bytes(b""),
    "record for another key": lambda a, r: r.write_text(r.read_text().replace(a.stem, "0" * 64)),
    "record bit-flipped checksum": lambda a, r: r.write_text(
        r.read_text().replace(json.loads(r.read_text())["sha256"], "f" * 64)),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corruption_is_detected_removed_warned_once_and_rebuilt(store, builder, corruption):
    key = key_for("corrupt")
    path, _ = store.get_or_build(key, builder, source="src", meta=META)
    good = sha(path)
    record = store.entries_dir / f"{key}.json"
    for p in (path, record):
        p.chmod(0o644)  # so that a non-root test run can damage them too
    CORRUPTIONS[corruption](path, record)
    with recorded() as caught:
        again, hit = store.get_or_build(key, builder, source="src", meta=META)
        third, hit3 = store.get_or_build(key, builder, source="src", meta=META)
    assert not hit and hit3 and builder.count == 2
    assert again == third and sha(again) == good
    (warning,) = cache_warnings(caught)
    assert "corrupt" in str(warning.message) and key[:16] in str(warning.message)
    assert leftovers(store) == []


def test_corrupt_real_object_is_never_loaded(store, tmp_path):
    build = Builder(tmp_path / "b.log", c_source=TWICE_C)
    key = key_for("real-corrupt")
    path, _ = store.get_or_build(key, build, source=TWICE_C, meta=META)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[0:4] = b"JUNK"  # no longer an ELF file: dlopen would fail, or worse, load garbage
    path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="corrupt"):
        again, hit = store.get_or_build(key, build, source=TWICE_C, meta=META)
    assert not hit and again.read_bytes()[:4] == b"\x7fELF"
    call_twice(again)


def test_half_written_entry_is_rebuilt_silently(store, builder):
    """What a writer killed between the artefact and its record leaves: no record."""
    key = key_for("half")
    path, _ = store.get_or_build(key, builder, source="", meta=META)
    (store.entries_dir / f"{key}.json").unlink()
    with recorded() as caught:
        again, hit = store.get_or_build(key, builder, source="", meta=META)
    assert not hit and builder.count == 2 and cache_warnings(caught) == []
    assert again.read_bytes() == builder.payload


# ---- concurrency

RACE_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import numpy as np
    from cffi import FFI
    from npaccel.build.cc import compile_c_shared
    from npaccel.build.toolchain import find_c_compiler
    from npaccel.cache.store import ArtefactStore

    root, key, marker, go, source = sys.argv[1:6]
    cc = find_c_compiler()

    def build(tmpdir):
        with open(marker, "a") as f:
            f.write(f"{os.getpid()}\\n")
        time.sleep(0.3)  # hold the window open: the others arrive while we build
        return compile_c_shared(source, tmpdir, cc)

    Path(f"{go}.ready.{os.getpid()}").touch()
    while not os.path.exists(go):
        time.sleep(0.002)
    path, hit = ArtefactStore(root).get_or_build(key, build, source=source, meta={"function": "twice"})
    ffi = FFI()
    ffi.cdef("void twice(const double *x, double *out, int64_t n);")
    lib = ffi.dlopen(str(path))
    x = np.arange(1000.0)
    out = np.empty_like(x)
    lib.twice(ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", out), x.size)
    print(hit, bool((out == 2 * x).all()), path)
""")


def _child_env():
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def test_eight_processes_race_on_a_cold_key(tmp_path):
    root, marker, go = tmp_path / "cache", tmp_path / "builds.log", tmp_path / "go"
    key = key_for("race-processes")
    procs = [subprocess.Popen([sys.executable, "-c", RACE_SCRIPT, str(root), key, str(marker), str(go), TWICE_C],
                              env=_child_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(8)]
    deadline = time.time() + 90
    while len(list(tmp_path.glob("go.ready.*"))) < 8 and time.time() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.touch()  # all eight start get_or_build at once
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
    lines = [out.split() for out, _ in results]
    assert sorted(line[0] for line in lines) == ["False"] + ["True"] * 7, lines
    assert all(line[1] == "True" for line in lines), "a process got wrong results"
    assert len({line[2] for line in lines}) == 1
    assert len(marker.read_text().split()) == 1, "exactly one build may happen"
    store = ArtefactStore(root)
    assert sorted(os.listdir(store.entries_dir)) == sorted([f"{key}.so", f"{key}.c", f"{key}.json"])
    pids = {str(p.pid) for p in procs}
    assert not [d for d in Path(tempfile.gettempdir()).glob(f"{tempfiles.BUILD_PREFIX}*")
                if d.name.split("-")[3] in pids], "a build directory was left behind"


def test_thirty_two_threads_race_on_a_cold_key(tmp_path):
    shared = ArtefactStore(tmp_path / "cache")
    build = Builder(tmp_path / "builds.log", delay=0.2, c_source=TWICE_C)
    key = key_for("race-threads")
    barrier = threading.Barrier(32)
    results, errors = [], []

    def worker(i):
        # Half share one store object, half open their own: both must exclude each other.
        store = shared if i % 2 else ArtefactStore(tmp_path / "cache")
        barrier.wait()
        try:
            results.append(store.get_or_build(key, build, source=TWICE_C, meta=META))
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 32
    assert build.count == 1
    assert sorted(hit for _, hit in results) == [False] + [True] * 31
    (path,) = {p for p, _ in results}
    call_twice(path)
    assert leftovers(shared) == []


KILL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from npaccel.cache.store import ArtefactStore

    root, key, started = sys.argv[1:4]

    def build(tmpdir):
        (tmpdir / "kernel.so").write_bytes(b"partial")
        Path(started).touch()
        time.sleep(120)  # killed here, holding the lock, with a half-made build directory

    ArtefactStore(root).get_or_build(key, build, source="", meta={})
""")


def test_sigkill_mid_build_leaves_nothing_that_breaks_later_runs(tmp_path, builder):
    root, started = tmp_path / "cache", tmp_path / "started"
    key = key_for("killed")
    victim = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(root), key, str(started)],
                              env=_child_env(), cwd=tmp_path)
    deadline = time.time() + 60
    while not started.exists() and time.time() < deadline:
        assert victim.poll() is None, "the victim died early"
        time.sleep(0.01)
    # A second process is waiting for the lock when the builder dies.
    waiter = subprocess.Popen([sys.executable, "-c", RACE_SCRIPT, str(root), key, str(tmp_path / "w.log"),
                               str(tmp_path / "go"), TWICE_C], env=_child_env(), cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    (tmp_path / "go").touch()
    while not list(tmp_path.glob("go.ready.*")) and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # let it reach the lock
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    leftover = list(Path(tempfile.gettempdir()).glob(f"{tempfiles.BUILD_PREFIX}{tempfiles.HOST}-{victim.pid}-*"))
    out, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, err
    assert out.split()[:2] == ["False", "True"]  # the waiter built it and got right results
    assert leftover and not any(d.exists() for d in leftover), "the killed build's directory was not swept"
    # And a later run in this process simply hits.
    with recorded() as caught:
        path, hit = ArtefactStore(root).get_or_build(key, builder, source=TWICE_C, meta=META)
    assert hit and cache_warnings(caught) == [] and builder.count == 0
    call_twice(path)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_temp_files_are_cleaned_and_live_ones_kept(store, builder):
    key = key_for("stale")
    store.get_or_build(key_for("first"), builder, source="", meta=META)  # creates the layout
    live = subprocess.Popen(["sleep", "60"])
    try:
        d, host = store.entries_dir, tempfiles.HOST
        dead_tmp = d / f".tmp-{host}-{_dead_pid()}-0000-{key}.so"
        live_tmp = d / f".tmp-{host}-{live.pid}-0001-{key}.so"
        foreign_old = d / f".tmp-deadbeef-1-0002-{key}.json"
        foreign_new = d / f".tmp-deadbeef-1-0003-{key}.c"
        for p in (dead_tmp, live_tmp, foreign_old, foreign_new):
            p.write_bytes(b"half written")
        old = time.time() - tempfiles.STALE_AGE_S - 60
        os.utime(foreign_old, (old, old))
        stale_build_dir = Path(tempfile.mkdtemp(prefix=f"{tempfiles.BUILD_PREFIX}{host}-{_dead_pid()}-"))
        (stale_build_dir / "kernel.so").write_bytes(b"x")

        store.get_or_build(key, builder, source="", meta=META)  # a store sweeps

        assert not dead_tmp.exists() and not foreign_old.exists() and not stale_build_dir.exists()
        assert live_tmp.exists() and foreign_new.exists()
    finally:
        live.kill()
        live.wait()


def test_file_lock_survives_deletion_by_its_holder(tmp_path):
    path = tmp_path / "k.lock"
    holder = FileLock(path)
    assert holder.acquire()
    got = []
    waiter = threading.Thread(target=lambda: got.append(FileLock(path).acquire()))
    waiter.start()
    time.sleep(0.2)
    assert not got, "the waiter must block while the lock is held"
    holder.unlink_and_release()
    waiter.join(10)
    assert got == [True] and path.exists()
    assert not FileLock(path).acquire(blocking=False)


# ---- size cap and maintenance

def _fill(store, tmp_path, names, size=10_000):
    keys = []
    for i, name in enumerate(names):
        key = key_for(name)
        store.get_or_build(key, Builder(tmp_path / "b.log", payload=bytes([i]) * size),
                           source="", meta=dict(META, function=name))
        t = 1_000_000 + i * 1000  # explicit last use: oldest first
        os.utime(store.entries_dir / f"{key}.json", (t, t))
        keys.append(key)
    return keys


def test_lru_eviction_after_store_respects_the_cap(tmp_path):
    store = ArtefactStore(tmp_path / "cache", max_size=35_000)
    keys = _fill(store, tmp_path, ["a", "b", "c"])
    assert len(store.list_entries()) == 3
    store.get_or_build(key_for("d"), Builder(tmp_path / "b.log", payload=b"d" * 10_000), source="", meta=META)
    # a was least recently used; d (function "f") was just stored and stays.
    assert {e.function for e in store.list_entries()} == {"b", "c", "f"}
    assert store.total_size() <= 35_000
    assert not (store.entries_dir / f"{keys[0]}.so").exists()


def test_prune_by_size_and_age_and_clear(store, tmp_path):
    _fill(store, tmp_path, ["a", "b", "c", "d"])
    os.utime(store.entries_dir / f"{key_for('d')}.json")  # d: used just now
    removed = store.prune(older_than_seconds=3600)
    assert set(removed) == {key_for(n) for n in "abc"}
    assert [e.function for e in store.list_entries()] == ["d"]
    _fill(store, tmp_path, ["e", "f"])
    assert store.prune(max_size=store.total_size() - 1) == [key_for("e")]
    held = FileLock(store.locks_dir / f"{key_for('f')}.lock")
    held.acquire()  # someone is building f right now: clear must leave it alone
    try:
        assert store.clear() == 1
        assert {e.function for e in store.list_entries()} == {"f"}
    finally:
        held.release()
    assert store.clear() == 1 and store.list_entries() == [] and store.total_size() == 0


def test_list_entries_fields(store, builder):
    key = key_for("listed")
    store.get_or_build(key, builder, source="abc", meta=META)
    (e,) = store.list_entries()
    assert (e.key, e.function, e.module, e.signature, e.target) == (key, "f", "tests.m", "(float64[:])", "cpu")
    assert e.size == store.total_size() and e.path.is_file() and e.created <= e.last_used + 1


# ---- trust

def test_trusted_directory_is_used_and_created_private(tmp_path):
    root = tmp_path / "new" / "cache"
    with recorded() as caught:
        store = open_store(root)
    assert cache_warnings(caught) == [] and store.root == root and store.fallback_reason is None
    assert root.stat().st_mode & 0o777 == 0o700


def test_default_location_is_per_user_and_0700(fresh_config, tmp_path):
    fresh_config(NPACCEL_CACHE_DIR=None, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    reset_default_store()
    store = default_store()
    assert store.root == tmp_path / "xdg" / "npaccel"
    assert store.root.stat().st_mode & 0o777 == 0o700
    assert default_store() is store
    reset_default_store()


def _assert_refused(path, match):
    with recorded() as caught:
        store = open_store(path)
    (warning,) = cache_warnings(caught)
    assert "not used" in str(warning.message) and match in str(warning.message), str(warning.message)
    assert store.requested_root == Path(path) and store.root != Path(path)
    assert store.root.stat().st_uid == os.getuid() and store.root.stat().st_mode & 0o777 == 0o700
    return store


@pytest.mark.parametrize("mode,match", [(0o770, "writable by group"), (0o707, "writable by others"),
                                        (0o777, "writable by group")])
def test_group_or_other_writable_directory_is_refused(tmp_path, builder, mode, match):
    root = tmp_path / "shared"
    root.mkdir()
    root.chmod(mode)
    store = _assert_refused(root, match)
    path, _ = store.get_or_build(key_for("x"), builder, source="", meta=META)
    assert root not in path.parents and os.listdir(root) == [], "nothing may be written there"


def test_symlink_to_a_writable_directory_is_refused(tmp_path):
    target = tmp_path / "shared"
    target.mkdir()
    target.chmod(0o775)
    link = tmp_path / "link"
    link.symlink_to(target)
    _assert_refused(link, "symlink")


def test_writable_parent_is_refused(tmp_path):
    parent = tmp_path / "open"
    parent.mkdir()
    parent.chmod(0o777)  # not sticky: anyone could swap our directory for theirs
    _assert_refused(parent / "cache", "writable by others")


requires_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make files owned by another user")


@requires_root
def test_directory_owned_by_another_user_is_refused(tmp_path, builder):
    root = tmp_path / "theirs"
    root.mkdir(mode=0o700)
    os.chown(root, 65534, 65534)
    store = _assert_refused(root, "owned by")
    store.get_or_build(key_for("x"), builder, source="", meta=META)
    assert os.listdir(root) == []


@requires_root
def test_symlink_owned_by_another_user_is_refused(tmp_path):
    good = tmp_path / "mine"
    good.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(good)
    os.lchown(link, 65534, 65534)
    _assert_refused(link, "symlink")


def test_unusable_home_falls_back_to_a_private_cache(tmp_path):
    """HOME pointing nowhere usable (as for system users): warn once, still compile and run."""
    code = textwrap.dedent("""
        import warnings
        warnings.simplefilter("always")
        from npaccel.cache.store import default_store
        from npaccel.build.cc import compile_c_shared
        from npaccel.build.toolchain import find_c_compiler
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            store = default_store()
            path, hit = store.get_or_build("ab" * 32, lambda d: compile_c_shared("int f(void){return 4;}", d,
                                           find_c_compiler()), source="", meta={})
        from cffi import FFI
        ffi = FFI(); ffi.cdef("int f(void);")
        print(len(w), ffi.dlopen(str(path)).f(), store.requested_root)
    """)
    env = {k: v for k, v in _child_env().items() if k not in ("NPACCEL_CACHE_DIR", "XDG_CACHE_HOME")}
    env["HOME"] = "/proc/npaccel-no-such-home"  # cannot be created, even by root
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    count, value, requested = proc.stdout.split()
    assert (count, value) == ("1", "4") and requested.startswith("/proc/npaccel-no-such-home")


# ---- degraded file systems (tmpfs: real read-only and real full disks)

@contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextmanager
def populated_then_read_only(path: Path, fill):
    """root ignores permissions, so as root: a tmpfs remounted read-only (EROFS); as
    another user: the directories made read-only with chmod (EACCES)."""
    if os.geteuid() == 0:
        with tmpfs(path, "4m"):
            fill(path)
            proc = subprocess.run(["mount", "-o", "remount,ro", str(path)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
            yield path
        return
    path.mkdir(mode=0o700)
    fill(path)
    dirs = [path, *(d for d in path.rglob("*") if d.is_dir())]
    for d in dirs:
        d.chmod(0o500)
    try:
        yield path
    finally:
        for d in dirs:
            d.chmod(0o700)


def test_read_only_cache_serves_hits_and_builds_elsewhere_with_one_warning(tmp_path, builder):
    def fill(root):
        ArtefactStore(root).get_or_build(key_for("old"), builder, source="", meta=META)

    with populated_then_read_only(tmp_path / "ro", fill) as root:
        before = sorted(p.name for p in root.rglob("*"))
        store = open_store(root)  # the read-only directory is still trusted: it serves hits
        assert store.root == root
        real = Builder(tmp_path / "real.log", c_source=TWICE_C)
        with recorded() as caught:
            old, hit_old = store.get_or_build(key_for("old"), builder, source="", meta=META)
            new, hit_new = store.get_or_build(key_for("new"), real, source=TWICE_C, meta=META)
            other, _ = store.get_or_build(key_for("other"), real, source=TWICE_C, meta=META)
        assert hit_old and old.parent == root / "entries"
        assert not hit_new and root not in new.parents and real.count == 2
        call_twice(new)
        (warning,) = cache_warnings(caught)
        assert "cannot be written" in str(warning.message)
        assert sorted(p.name for p in root.rglob("*")) == before


def test_full_disk_degrades_with_one_warning_and_leaves_no_partial_files(tmp_path, builder):
    with tmpfs(tmp_path / "small", "64k") as root:
        store = ArtefactStore(root)
        store.get_or_build(key_for("small"), builder, source="", meta=META)
        fd = os.open(root / "filler", os.O_WRONLY | os.O_CREAT)  # fill it to the last block
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        real = Builder(tmp_path / "real.log", c_source=TWICE_C)
        key = key_for("big")
        with recorded() as caught:
            path, hit = store.get_or_build(key, real, source=TWICE_C, meta=META)
            again, _ = store.get_or_build(key_for("big2"), real, source=TWICE_C, meta=META)
        assert not hit and root not in path.parents
        call_twice(path)
        (warning,) = cache_warnings(caught)
        assert "No space left" in str(warning.message)
        assert leftovers(store) == [] and not list(store.entries_dir.glob(f"{key}*")), "partial entry left"
        assert store.get_or_build(key_for("small"), builder, source="", meta=META)[1], "old entries still hit"
        (root / "filler").unlink()
        path, hit = store.get_or_build(key, real, source=TWICE_C, meta=META)
        assert not hit and path.parent == store.entries_dir


def test_default_store_follows_configuration(fresh_config, tmp_path):
    fresh_config(NPACCEL_CACHE_DIR=str(tmp_path / "one"), NPACCEL_CACHE_MAX_SIZE="10M")
    first = default_store()
    assert first.root == tmp_path / "one" and first.max_size == 10 * 1024**2 and default_store() is first
    fresh_config(NPACCEL_CACHE_DIR=str(tmp_path / "two"))
    assert default_store().root == tmp_path / "two"
    reset_default_store()
    assert store_mod._default is None

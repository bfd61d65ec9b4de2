"""`npaccel-cache` as users run it: a subprocess (`python -m npaccel.api.cache_cli`) against a
cache directory filled through ArtefactStore."""
import json
import os
import platform
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from npaccel.cache.key import make_key
from npaccel.cache.store import ArtefactStore

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS = ("black_scholes", "stencil")


def cli_env(cache_dir, **extra):
    env = dict(os.environ, NPACCEL_CACHE_DIR=str(cache_dir),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(extra)
    return env


def run_cli(cache_dir, *args, stdin=subprocess.DEVNULL, **extra_env):
    return subprocess.run([sys.executable, "-m", "npaccel.api.cache_cli", *args], env=cli_env(cache_dir, **extra_env),
                          cwd=cache_dir.parent, stdin=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture
def cache_dir(tmp_path):
    root = tmp_path / "cache"
    store = ArtefactStore(root)
    for i, name in enumerate(FUNCTIONS):
        key = make_key({"function": name})

        def build(tmpdir, i=i):
            out = tmpdir / "kernel.so"
            out.write_bytes(bytes([i]) * 5000)
            return out

        store.get_or_build(key, build, source=f"/* {name} */", meta={
            "function": name, "module": "samples.x", "signature": "(float64[:], float64)", "target": "cpu"})
    return root


def test_list_table(cache_dir):
    proc = run_cli(cache_dir, "list")
    assert proc.returncode == 0, proc.stderr
    header, *rows = proc.stdout.splitlines()
    for column in ("FUNCTION", "MODULE", "SIGNATURE", "TARGET", "SIZE", "CREATED", "LAST USED"):
        assert column in header
    assert sorted(row.split()[0] for row in rows) == sorted(FUNCTIONS)
    assert all("(float64[:], float64)" in row and " cpu " in row for row in rows)


def test_list_json(cache_dir):
    proc = run_cli(cache_dir, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert isinstance(entries, list) and sorted(e["function"] for e in entries) == sorted(FUNCTIONS)
    for e in entries:
        assert {"module", "signature", "target", "size", "created", "last_used", "key"} <= set(e)
        assert e["size"] > 5000 and e["target"] == "cpu"


def test_list_empty_cache(tmp_path):
    proc = run_cli(tmp_path / "empty", "list", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
    assert not (tmp_path / "empty").exists()


def test_list_one_row_per_segment(tmp_path):
    """A function that partly runs in Python is compiled as several segments: same function
    and signature, one row each, told apart by the lines they compile (meta "segment")."""
    root = tmp_path / "cache"
    store = ArtefactStore(root)
    for i, segment in enumerate([None, {"index": 0, "lines": "10-12"}, {"index": 2, "lines": "14-14"}]):
        meta = {"function": "smooth", "module": "app", "signature": "float64[n]", "target": "cpu"}
        if segment:
            meta["segment"] = segment
        store.get_or_build(make_key({"segment": i}), lambda d, i=i: _artefact(d, i), source="/* */", meta=meta)
    proc = run_cli(root, "list")
    assert proc.returncode == 0, proc.stderr
    header, *rows = proc.stdout.splitlines()
    assert header.split()[:2] == ["FUNCTION", "PART"]
    parts = sorted(re.match(r"smooth +(whole|lines? \S+) ", row).group(1) for row in rows)
    assert parts == ["line 14", "lines 10-12", "whole"]
    entries = json.loads(run_cli(root, "list", "--json").stdout)
    assert sorted(e["part"] for e in entries) == parts
    assert {e["segment"]["lines"] for e in entries if e["segment"]} == {"10-12", "14-14"}


def _artefact(tmpdir, i):
    out = tmpdir / "kernel.so"
    out.write_bytes(bytes([i]) * 100)
    return out


def test_info(cache_dir):
    proc = run_cli(cache_dir, "info")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert re.search(rf"^location: +{re.escape(str(cache_dir))}$", text, re.M), text
    assert re.search(r"^entries: +2$", text, re.M)
    for label in ("total size:", "C compiler:", "OpenMP:", "vector math:", "BLAS:", "threads:", "nvcc:", "GPU:"):
        assert re.search(rf"^{label} +\S", text, re.M), label
    info = json.loads(run_cli(cache_dir, "info", "--json").stdout)
    assert info["entries"] == 2 and info["location"] == str(cache_dir) and info["trusted"] and info["exists"]
    assert info["total_size"] > 10000 and isinstance(info["openmp"], bool) and isinstance(info["gpu"], bool)
    assert info["c_compiler"] and Path(info["c_compiler"]).exists()
    assert isinstance(info["vector_math"], bool) and info["vector_math_detail"]
    assert isinstance(info["threads"], int) and info["threads"] >= 1 and info["gpu_usable_detail"]


def test_info_reports_what_the_process_would_use(cache_dir):
    """Threads from the configuration, BLAS and the GPU as the runtime finds them, libmvec as
    the generated code's header decides (gcc, x86-64, OpenMP, glibc >= 2.22)."""
    from npaccel.build.blas import find_blas
    from npaccel.runtime.cuda import cuda_usable
    info = json.loads(run_cli(cache_dir, "info", "--json", NPACCEL_NUM_THREADS="3").stdout)
    assert info["threads"] == 3
    assert "threads:      3 " in run_cli(cache_dir, "info", NPACCEL_NUM_THREADS="3").stdout
    blas = find_blas()
    assert info["blas"] == (blas.path if blas else None)
    assert (info["gpu"], info["gpu_usable_detail"]) == cuda_usable()
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    expect_mvec = (platform.machine() == "x86_64" and libc.startswith("glibc ") and info["openmp"]
                   and "clang" not in info["c_compiler_version"].lower())
    assert info["vector_math"] == expect_mvec, info["vector_math_detail"]


def test_path(cache_dir):
    proc = run_cli(cache_dir, "path")
    assert proc.returncode == 0 and proc.stdout.strip() == str(cache_dir)


def test_clear_refuses_without_yes_when_not_interactive(cache_dir):
    proc = run_cli(cache_dir, "clear")
    assert proc.returncode == 1 and "--yes" in proc.stderr
    assert len(ArtefactStore(cache_dir).list_entries()) == 2


def test_clear_with_yes(cache_dir):
    proc = run_cli(cache_dir, "clear", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "removed 2 entries" in proc.stdout
    assert ArtefactStore(cache_dir).list_entries() == []


def test_clear_removes_the_call_dispatcher_build_too(cache_dir):
    """The C call dispatcher's build lives in <cache>/extensions (its own store, not listed
    as a kernel): clear removes it as well (the next call builds it again)."""
    def build(workdir):
        (workdir / "ext.so").write_bytes(b"\x7fELF")
        return workdir / "ext.so"
    extensions = ArtefactStore(cache_dir / "extensions")
    extensions.get_or_build(make_key({"extension": "dispatch"}), build, source="/* c */", meta={})
    assert extensions.list_entries()
    proc = run_cli(cache_dir, "clear", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "removed 2 entries" in proc.stdout          # the kernels; the extension is not one
    assert ArtefactStore(cache_dir / "extensions").list_entries() == []


def _clear_on_a_terminal(cache_dir, answer: bytes):
    """Run `clear` with a pseudo-terminal as stdin, answer the question, return (rc, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "npaccel.api.cache_cli", "clear"], env=cli_env(cache_dir),
                            cwd=cache_dir.parent, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    output, deadline = b"", time.time() + 60
    while b"[y/N]" not in output and time.time() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            output += os.read(master, 4096)
    os.write(master, answer)
    rc = proc.wait(timeout=60)
    try:
        while select.select([master], [], [], 0.2)[0]:
            output += os.read(master, 4096)
    except OSError:
        pass  # EIO once the child has closed the terminal
    os.close(master)
    return rc, output.decode(errors="replace")


def test_clear_asks_on_a_terminal(cache_dir):
    rc, out = _clear_on_a_terminal(cache_dir, b"n\n")
    assert rc == 1 and "Remove 2 entries" in out and "nothing removed" in out
    assert len(ArtefactStore(cache_dir).list_entries()) == 2
    rc, out = _clear_on_a_terminal(cache_dir, b"y\n")
    assert rc == 0 and "removed 2 entries" in out
    assert ArtefactStore(cache_dir).list_entries() == []


def test_prune_older_than(cache_dir):
    store = ArtefactStore(cache_dir)
    old = next(e for e in store.list_entries() if e.function == "stencil")
    os.utime(cache_dir / "entries" / f"{old.key}.json", (time.time() - 3 * 86400,) * 2)
    proc = run_cli(cache_dir, "prune", "--older-than", "2d")
    assert proc.returncode == 0, proc.stderr
    assert "removed 1 entries" in proc.stdout
    assert [e.function for e in store.list_entries()] == ["black_scholes"]


def test_prune_max_size(cache_dir):
    proc = run_cli(cache_dir, "prune", "--max-size", "0")
    assert proc.returncode == 0 and "removed 2 entries" in proc.stdout
    assert ArtefactStore(cache_dir).total_size() == 0


def test_prune_without_options_applies_the_configured_cap(cache_dir):
    proc = run_cli(cache_dir, "prune", NPACCEL_CACHE_MAX_SIZE="6K")
    assert proc.returncode == 0, proc.stderr
    assert len(ArtefactStore(cache_dir).list_entries()) == 1


@pytest.mark.parametrize("age, removed", [("45s", 1), ("30m", 1), ("12h", 1), ("2d", 1), ("1w", 0), ("1.5w", 0)])
def test_older_than_units(cache_dir, age, removed):
    store = ArtefactStore(cache_dir)
    old = next(e for e in store.list_entries() if e.function == "stencil")
    os.utime(cache_dir / "entries" / f"{old.key}.json", (time.time() - 3 * 86400,) * 2)
    proc = run_cli(cache_dir, "prune", "--older-than", age)
    assert proc.returncode == 0 and f"removed {removed} entries" in proc.stdout, proc.stderr
    assert len(store.list_entries()) == 2 - removed


@pytest.mark.parametrize("age", ["7", "0", "7.5", " 12 "])
def test_older_than_needs_a_unit(cache_dir, age):
    """A bare number is a usage error (it once meant seconds and wiped a fresh cache)."""
    proc = run_cli(cache_dir, "prune", "--older-than", age)
    assert proc.returncode == 2 and "has no unit" in proc.stderr and "d or" in proc.stderr
    assert len(ArtefactStore(cache_dir).list_entries()) == 2


def test_dry_runs_list_and_keep(cache_dir):
    store = ArtefactStore(cache_dir)
    old = next(e for e in store.list_entries() if e.function == "stencil")
    os.utime(cache_dir / "entries" / f"{old.key}.json", (time.time() - 3 * 86400,) * 2)
    before = sorted(os.listdir(cache_dir / "entries"))
    proc = run_cli(cache_dir, "prune", "--older-than", "2d", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "stencil" in proc.stdout and "black_scholes" not in proc.stdout
    assert "would remove 1 entries" in proc.stdout and "1 entries" in proc.stdout.splitlines()[-1]
    proc = run_cli(cache_dir, "prune", "--max-size", "0", "-n")
    assert "would remove 2 entries" in proc.stdout and "0 entries (0 B) would remain" in proc.stdout
    proc = run_cli(cache_dir, "prune", "--dry-run", NPACCEL_CACHE_MAX_SIZE="6K")     # the configured cap
    assert "would remove 1 entries" in proc.stdout and "stencil" in proc.stdout, proc.stdout
    proc = run_cli(cache_dir, "clear", "--dry-run")      # no --yes needed: nothing is removed
    assert proc.returncode == 0, proc.stderr
    assert "black_scholes" in proc.stdout and "stencil" in proc.stdout and "would remove 2 entries" in proc.stdout
    assert "nothing removed" in proc.stdout
    assert sorted(os.listdir(cache_dir / "entries")) == before
    assert len(store.list_entries()) == 2


def test_closed_pipe_exits_quietly(cache_dir):
    """`npaccel-cache list --json | head -1`: the reader goes away; the rest is dropped, no
    message, exit status 141 (128 + SIGPIPE) as a standard tool killed by SIGPIPE has."""
    for args in (["list", "--json"], ["list"], ["info"], ["path"]):
        read_end, write_end = os.pipe()
        os.close(read_end)       # the reader is gone before anything is written
        proc = subprocess.Popen([sys.executable, "-m", "npaccel.api.cache_cli", *args], env=cli_env(cache_dir),
                                cwd=cache_dir.parent, stdin=subprocess.DEVNULL, stdout=write_end,
                                stderr=subprocess.PIPE, text=True)
        os.close(write_end)
        _, err = proc.communicate(timeout=120)
        assert (proc.returncode, err) == (141, ""), args
    shell = subprocess.run(f"'{sys.executable}' -m npaccel.api.cache_cli list --json | head -1", shell=True,
                           env=cli_env(cache_dir), cwd=cache_dir.parent, capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0 and shell.stdout == "[\n" and shell.stderr == ""


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["info"], ["info", "--json"], ["path"],
                                  ["clear", "--dry-run"], ["clear", "--yes"], ["prune"], ["prune", "-n"]])
def test_missing_cache_is_not_created(tmp_path, args):
    """Looking (and tidying nothing) creates no directory: neither NPACCEL_CACHE_DIR nor the
    per-user default (here under XDG_CACHE_HOME)."""
    missing = tmp_path / "there"       # run_cli works in its parent, tmp_path
    proc = run_cli(missing, *args)
    assert proc.returncode == 0, proc.stderr
    assert os.listdir(tmp_path) == []
    xdg = tmp_path / "xdg"
    proc = run_cli(missing, *args, NPACCEL_CACHE_DIR="", XDG_CACHE_HOME=str(xdg))
    assert proc.returncode == 0, proc.stderr
    assert os.listdir(tmp_path) == []
    if args[0] == "path":
        assert proc.stdout.strip() == str(xdg / "npaccel")
    if args == ["info"]:
        assert "does not exist yet" in proc.stdout


@pytest.mark.parametrize("args", [["prune", "--max-size", "lots"], ["prune", "--older-than", "3 fortnights"],
                                  ["frobnicate"], [], ["list", "--bogus"]])
def test_usage_errors_exit_2(cache_dir, args):
    proc = run_cli(cache_dir, *args)
    assert proc.returncode == 2 and "usage:" in proc.stderr


@pytest.mark.parametrize("command", [[], ["list"], ["info"], ["clear"], ["prune"], ["path"]])
def test_help(cache_dir, command):
    proc = run_cli(cache_dir, *command, "--help")
    assert proc.returncode == 0 and proc.stdout.startswith("usage: npaccel-cache")


def test_bad_environment_is_a_user_error(cache_dir):
    proc = run_cli(cache_dir, "list", NPACCEL_CACHE_MAX_SIZE="a lot")
    assert proc.returncode == 1 and "not a size" in proc.stderr


def test_untrusted_directory_is_reported_and_left_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    proc = run_cli(shared, "info")
    assert proc.returncode == 0, proc.stderr
    assert "warning" in proc.stderr and "not used" in proc.stderr
    assert "not used: " in proc.stdout and "writable by" in proc.stdout
    assert run_cli(shared, "path").stdout.strip() == str(shared)
    assert os.listdir(shared) == []

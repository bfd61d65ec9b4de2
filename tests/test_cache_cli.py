"""`npaccel-cache` as users run it: a subprocess (`python -m npaccel.cache.cli`) against a
cache directory filled through ArtefactStore."""
import json
import os
import pty
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
    return subprocess.run([sys.executable, "-m", "npaccel.cache.cli", *args], env=cli_env(cache_dir, **extra_env),
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


def test_info(cache_dir):
    proc = run_cli(cache_dir, "info")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert f"location:    {cache_dir}" in text
    assert "entries:     2" in text
    for label in ("total size:", "C compiler:", "OpenMP:", "nvcc:", "GPU:"):
        assert label in text
    info = json.loads(run_cli(cache_dir, "info", "--json").stdout)
    assert info["entries"] == 2 and info["location"] == str(cache_dir) and info["trusted"]
    assert info["total_size"] > 10000 and isinstance(info["openmp"], bool) and isinstance(info["gpu"], bool)
    assert info["c_compiler"] and Path(info["c_compiler"]).exists()


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


def _clear_on_a_terminal(cache_dir, answer: bytes):
    """Run `clear` with a pseudo-terminal as stdin, answer the question, return (rc, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "npaccel.cache.cli", "clear"], env=cli_env(cache_dir),
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

"""Temporary names that say who made them, so leftovers of killed processes can be cleaned.

Temp files in the cache are named `.tmp-<host>-<pid>-<random>-<final name>`; build
directories in the system temp dir `npaccel-build-<host>-<pid>-<random>`. A leftover is
stale when its process is gone (same host, pid not running) or it is older than a limit
(pids of other hosts or containers sharing the directory cannot be checked): minutes for
cache temp files (a write takes milliseconds), a day for build directories.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

STALE_AGE_S = 600
# A build directory can hold the object a long-lived process degraded to (read-only or full
# cache); on this host its pid says whether it is in use, so only age it out after a day.
BUILD_DIR_STALE_AGE_S = 24 * 3600
TEMP_PREFIX = ".tmp-"
BUILD_PREFIX = "npaccel-build-"
# The host name as socket.gethostname() gives it (both read uname(2)), without importing
# socket (20 ms): this module is on the path of a new process's first call.
HOST = hashlib.sha256(os.uname().nodename.encode()).hexdigest()[:8]


def temp_name(final_name: str) -> str:
    return f"{TEMP_PREFIX}{HOST}-{os.getpid()}-{os.urandom(4).hex()}-{final_name}"


def make_build_dir() -> Path:
    """A fresh private (0700) directory for one build, outside the cache: a full cache disk
    then shows up as a cache problem when the artefact is copied in, not as a compile error."""
    return Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{HOST}-{os.getpid()}-"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    return True


def is_stale(path: Path, prefix: str, now: float | None = None, max_age: float = STALE_AGE_S) -> bool:
    try:
        age = (now or time.time()) - path.lstat().st_mtime
    except OSError:
        return False
    if age > max_age:
        return True
    host, _, rest = path.name[len(prefix):].partition("-")
    pid = rest.partition("-")[0]
    return host == HOST and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid))


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError:
        return False  # read-only, or someone else's: leave it


def sweep_cache_dir(directory: Path) -> int:
    """Remove stale `.tmp-*` files in `directory`; return how many."""
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    now = time.time()
    return sum(_remove(directory / n) for n in names
               if n.startswith(TEMP_PREFIX) and is_stale(directory / n, TEMP_PREFIX, now))


def sweep_build_dirs() -> int:
    """Remove stale build directories of ours in the system temp dir; return how many."""
    tmp = Path(tempfile.gettempdir())
    try:
        names = [n for n in os.listdir(tmp) if n.startswith(BUILD_PREFIX)]
    except OSError:
        return 0
    now, me, removed = time.time(), os.getuid(), 0
    for name in names:
        path = tmp / name
        try:
            if path.lstat().st_uid != me:
                continue
        except OSError:
            continue
        if is_stale(path, BUILD_PREFIX, now, BUILD_DIR_STALE_AGE_S):
            removed += _remove(path)
    return removed

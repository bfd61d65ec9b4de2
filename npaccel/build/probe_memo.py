"""A small on-disk memo of compiler probes, so a new process does not re-run them.

Probing a compiler (its --version, whether OpenMP compiles and runs) costs ~100 ms of
subprocesses; a new process with a warm artefact cache would otherwise pay that before its
first call. The memo is keyed by the compiler binary's identity (real path, inode, size,
mtime), so replacing or upgrading the compiler re-probes; entries expire after a day so
that installing or removing libgomp is noticed.

One file per key in a per-user, owner-only directory: no read-modify-write races, and no
other user can plant a result. Every failure here just means "probe again".
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

MEMO_FORMAT = 1
MAX_AGE_S = 24 * 3600


def _memo_dir() -> Path | None:
    path = Path(tempfile.gettempdir()) / f"npaccel-probes-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
    except OSError:
        return None
    if path.is_symlink() or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return path


def identity(executable: str) -> str | None:
    """A digest naming this exact compiler binary, or None if it cannot be stat'ed."""
    real = os.path.realpath(executable)
    try:
        st = os.stat(real)
    except OSError:
        return None
    text = f"{MEMO_FORMAT}\0{real}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load(kind: str, ident: str | None) -> dict | None:
    folder = _memo_dir()
    if ident is None or folder is None:
        return None
    try:
        data = json.loads((folder / f"{kind}-{ident}.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or time.time() - data.get("probed_at", 0) > MAX_AGE_S:
        return None
    return data


def save(kind: str, ident: str | None, data: dict) -> None:
    folder = _memo_dir()
    if ident is None or folder is None:
        return
    data = dict(data, probed_at=time.time())
    final = folder / f"{kind}-{ident}.json"
    tmp = folder / f".tmp-{os.getpid()}-{final.name}"
    try:
        tmp.write_text(json.dumps(data))
        os.replace(tmp, final)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass

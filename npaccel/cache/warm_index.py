"""The warm index's files on disk: ``<cache>/index/<name>.idx``, one per key.

Each file is a header line, the sha256 of the payload, and the payload (a pickle, written by
api/warm.py: what lowering decided, and the artefact key it led to). A file is written
whole through a temp file and os.replace, so readers see an old or a new file, never half
of one; two processes writing the same name at once lose one update, which costs a later
miss, nothing else. A file that is short, damaged, foreign (another format, another name)
or does not unpickle reads as absent: the function then lowers as without an index.

The pickle is trusted as the artefacts are (they are dlopen'ed): the cache directory is
owner-only and checked (cache/trust.py) before anything in it is read.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> name = "ab" * 16
>>> write_payload(d, name, {"answer": 42})
>>> read_payload(d, name)
{'name': 'abababababababababababababababab', 'answer': 42}
>>> (d / f"{name}.idx").write_bytes(b"npaccel-warm-index 1\\n0123\\ngarbage") > 0
True
>>> read_payload(d, name) is None
True
"""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from . import tempfiles
from .records import KEY_PATTERN, unlink, write_atomic

MAGIC = b"npaccel-warm-index 1\n"
SUFFIX = ".idx"


def _path(directory: Path, name: str) -> Path:
    if not KEY_PATTERN.fullmatch(name):
        raise ValueError(f"not an index name (16-128 lowercase hex digits): {name!r}")
    return Path(directory) / f"{name}{SUFFIX}"


def read_payload(directory: Path, name: str) -> dict | None:
    """The payload stored under ``name``, None if absent or unusable."""
    try:
        data = _path(directory, name).read_bytes()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return None
    digest, _, body = data[len(MAGIC):].partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != digest:
        return None
    try:
        payload = pickle.loads(body)
    except Exception:   # noqa: BLE001 - a checksummed file that does not unpickle (classes
        return None     # renamed since): any error of pickle's is a miss, never the caller's
    if not isinstance(payload, dict) or payload.get("name") != name:
        return None
    return payload


def write_payload(directory: Path, name: str, payload: dict) -> None:
    """Store ``payload`` (picklable) under ``name``; a cache that cannot be written keeps no
    index (no warning of its own: building there already warns once)."""
    body = pickle.dumps({"name": name, **payload}, protocol=pickle.HIGHEST_PROTOCOL)
    data = MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    try:
        Path(directory).mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(_path(directory, name), data, 0o600)
    except OSError:
        pass


def touch_payload(directory: Path, name: str) -> None:
    """Mark index file ``name`` used now (its mtime: ``clear_index(older_than=...)``)."""
    try:
        os.utime(_path(directory, name))
    except OSError:
        pass            # read-only: it still serves hits


def clear_index(directory: Path, older_than: float | None = None) -> int:
    """Remove the index files in ``directory`` (only those last used before the epoch time
    ``older_than``, if given) and stale temp files; return how many index files."""
    directory = Path(directory)
    try:
        paths = [directory / n for n in os.listdir(directory) if n.endswith(SUFFIX) and not n.startswith(".")]
        if older_than is not None:
            paths = [p for p in paths if _mtime(p) < older_than]
        unlink(*paths)
    except OSError:
        return 0        # absent, or read-only: the files stay, and stay valid
    tempfiles.sweep_cache_dir(directory)
    return len(paths)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")      # gone meanwhile: nothing to remove

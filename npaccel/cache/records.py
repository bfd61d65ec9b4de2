"""One cache entry on disk: its record (the JSON beside the artefact) and its checks.

The record names the artefact and the kept source, and holds the artefact's sha256 and
size, when it was created and the caller's meta (function, module, signature, target).
Its mtime is the entry's last use. A record that does not parse, has the wrong format or
key, or disagrees with its artefact makes the entry corrupt.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import tempfiles

ENTRY_FORMAT = 1
KEY_PATTERN = re.compile(r"[0-9a-f]{16,128}")


@dataclass(frozen=True)
class Entry:
    key: str
    function: str
    module: str
    signature: str
    target: str
    size: int           # bytes on disk: artefact + source + record
    created: float      # epoch seconds
    last_used: float    # epoch seconds
    path: Path          # the artefact
    meta: dict = field(default_factory=dict, compare=False)


class CorruptEntry(Exception):
    """An entry's files disagree with its record (leads to removal and rebuild)."""


def record_path(entries_dir: Path, key: str) -> Path:
    return entries_dir / f"{key}.json"


def new_record(key: str, artefact: Path, source: Path, data: bytes, meta: dict) -> bytes:
    return json.dumps({"format": ENTRY_FORMAT, "key": key, "artefact": artefact.name,
                       "source": source.name, "sha256": hashlib.sha256(data).hexdigest(),
                       "size": len(data), "created": time.time(), "meta": meta},
                      default=str).encode()


def read_record(entries_dir: Path, key: str) -> dict | None:
    """The entry's record, None if there is none; CorruptEntry if it is unusable."""
    try:
        text = record_path(entries_dir, key).read_bytes()
    except FileNotFoundError:
        return None
    try:
        rec = json.loads(text)
    except ValueError:
        raise CorruptEntry("its record is not valid JSON") from None
    if not isinstance(rec, dict) or rec.get("format") != ENTRY_FORMAT or rec.get("key") != key:
        raise CorruptEntry("its record has the wrong format or key")
    for name, kind in (("artefact", str), ("sha256", str), ("size", int), ("source", str)):
        if not isinstance(rec.get(name), kind):
            raise CorruptEntry(f"its record lacks {name!r}")
    for name in ("artefact", "source"):  # names inside entries/, of this key: no path tricks
        if Path(rec[name]).name != rec[name] or not rec[name].startswith(key + "."):
            raise CorruptEntry(f"its record names a foreign {name}")
    return rec


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verified_artefact(entries_dir: Path, key: str) -> Path | None:
    """The artefact's path if the entry is complete and intact, None if there is no record;
    raises CorruptEntry if it is there but damaged."""
    rec = read_record(entries_dir, key)
    if rec is None:
        return None
    path = entries_dir / rec["artefact"]
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CorruptEntry("its artefact is missing") from None
    if size != rec["size"]:
        raise CorruptEntry(f"its artefact has {size} bytes, {rec['size']} expected")
    if sha256_file(path) != rec["sha256"]:
        raise CorruptEntry("its artefact's checksum does not match")
    return path


def entry_of(entries_dir: Path, key: str) -> Entry | None:
    """The Entry for listing (checksum not verified), None if absent or unreadable."""
    try:
        rec = read_record(entries_dir, key)
        if rec is None:
            return None
        st = record_path(entries_dir, key).stat()
        size = st.st_size
        for name in (rec["artefact"], rec["source"]):
            try:
                size += (entries_dir / name).stat().st_size
            except FileNotFoundError:
                pass
    except (CorruptEntry, OSError):
        return None
    meta = rec["meta"] if isinstance(rec.get("meta"), dict) else {}
    created = rec.get("created")
    return Entry(key=key, function=str(meta.get("function", "?")), module=str(meta.get("module", "?")),
                 signature=str(meta.get("signature", "?")), target=str(meta.get("target", "?")),
                 size=size, created=float(created) if isinstance(created, (int, float)) else st.st_mtime,
                 last_used=st.st_mtime, path=entries_dir / rec["artefact"], meta=meta)


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to a temp file beside `path`, then rename it over `path`."""
    tmp = path.with_name(tempfiles.temp_name(path.name))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            os.fchmod(f.fileno(), mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def unlink(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass

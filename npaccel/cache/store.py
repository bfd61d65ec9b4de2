"""Content-addressed artefact store on disk, safe under concurrent processes and threads.

Layout under the root:

    entries/<key>.so     the artefact (read-only mode, never modified in place)
    entries/<key>.c      the generated source it was built from (.cu for CUDA)
    entries/<key>.json   the entry record: checksum, size, created, meta; its mtime is the
                         last use. These records are the index: there is no shared index
                         file for writers to fight over or to corrupt all at once.
    locks/<key>.lock     flock'ed by whoever builds, evicts or repairs <key>
    index/<key>.idx      the warm index (api/warm.py): what lowering a function decided,
                         by everything that decides it, naming the artefact to load. Each
                         file carries its own checksum; one that is damaged, foreign or
                         unreadable is a miss (the function lowers as without an index).

Write order: artefact, then source, then record, each through a temp file in the same
directory and os.replace. An entry counts only when its record exists and the artefact's
sha256 matches the record, so an entry cut short at any point (SIGKILL, power loss, full
disk) is never loaded; it is rebuilt. That checksum is also why there is no fsync.

The cache never fails the caller: a read-only or full disk degrades to building in a
private temporary directory (one CacheWarning per store); only the build's own errors
(CompileError) reach the caller.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Callable

from ..config import get_config
from ..errors import CacheWarning
from . import tempfiles
from .locks import FileLock
from .maintenance import StoreMaintenance
from .records import (KEY_PATTERN, CorruptEntry, Entry, new_record, record_path, unlink, verified_artefact, write_atomic)
from .trust import untrusted_reason

__all__ = ["ArtefactStore", "Entry", "default_store", "open_store", "reset_default_store",
           "default_cache_dir"]

_CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                 "# This file is a cache directory tag created by npaccel (https://bford.info/cachedir/).\n")


class ArtefactStore(StoreMaintenance):
    """The store at `root` (trusted by the caller: see default_store for the trust rules)."""

    def __init__(self, root, *, max_size: int | None = None):
        self.root = Path(root)
        self.entries_dir = self.root / "entries"
        self.locks_dir = self.root / "locks"
        self.index_dir = self.root / "index"
        self.max_size = max_size
        self.requested_root: Path | None = None   # set when this is a stand-in for an untrusted root
        self.fallback_reason: str | None = None
        self._warned = False
        self._warn_lock = threading.Lock()
        self._private_dirs: list[Path] = []

    # ---- entries
    def _record_path(self, key: str) -> Path:
        return record_path(self.entries_dir, key)

    def _verified(self, key: str) -> Path | None:
        return verified_artefact(self.entries_dir, key)

    def _files_of(self, key: str) -> list[Path]:
        try:
            return [self.entries_dir / n for n in os.listdir(self.entries_dir)
                    if n.split(".", 1)[0] == key]
        except FileNotFoundError:
            return []

    def _remove_entry(self, key: str) -> None:
        # The record first: from then on the entry is absent, whatever is left.
        unlink(self._record_path(key), *self._files_of(key))

    def _touch(self, key: str) -> None:
        try:
            os.utime(self._record_path(key))
        except OSError:
            pass  # a read-only cache still serves hits; LRU order just stays as it was

    def lookup(self, key: str) -> Path | None:
        """The verified artefact of `key` if the store holds one, else None (also when it
        is damaged: the next get_or_build repairs it). Never builds."""
        try:
            path = self._verified(key)
        except (CorruptEntry, OSError):
            return None
        if path is not None:
            self._touch(key)
        return path

    # ---- the main entry point
    def get_or_build(self, key: str, build: Callable[[Path], Path], *, source: str,
                     meta: dict) -> tuple[Path, bool]:
        """Path of a verified artefact for `key` and whether it was a hit.

        On a miss `build(tmpdir)` makes the artefact inside the empty directory tmpdir; its
        exceptions (CompileError) propagate. Exactly one process or thread builds a key; the
        others wait for it and then hit.
        """
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"not a cache key (16-128 lowercase hex digits): {key!r}")
        meta = dict(meta or {})
        try:
            path = self._verified(key)  # fast path, no lock: files are only ever replaced whole
        except CorruptEntry:
            path = None                  # repaired below, under the lock
        except OSError:
            path = None
        if path is not None:
            self._touch(key)
            return path, True
        lock = FileLock(self.locks_dir / f"{key}.lock")
        try:
            self.locks_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock.acquire()
        except OSError as exc:
            return self._build_privately(build, exc), False
        try:
            return self._get_or_build_locked(key, build, source, meta)
        finally:
            lock.release()

    def _get_or_build_locked(self, key, build, source, meta) -> tuple[Path, bool]:
        try:
            path = self._verified(key)
        except CorruptEntry as why:
            warnings.warn(CacheWarning(
                f"npaccel cache entry {key[:16]} in {self.entries_dir} is corrupt ({why}); "
                "removed it and rebuilding"), stacklevel=4)
            path = None
            self._try_remove(key)
        except OSError:
            path = None
        if path is not None:
            self._touch(key)
            return path, True
        self._try_remove(key)  # leftovers of a writer that was killed before its record
        workdir = tempfiles.make_build_dir()
        keep_workdir = False
        try:
            built = self._run_build(build, workdir)
            try:
                final = self._install(key, built, source, meta)
            except OSError as exc:
                self._warn_degraded(exc)
                keep_workdir = True
                self._keep_until_exit(workdir)
                return built, False
        finally:
            if not keep_workdir:
                shutil.rmtree(workdir, ignore_errors=True)
        self._after_store(key)
        return final, False

    def discard(self, key: str, artefact: Path | None = None) -> None:
        """Remove `key`'s entry, whose ``artefact`` does not load, so that the next get_or_build
        builds it again; an entry rebuilt meanwhile by another process (another file) stays."""
        lock = FileLock(self.locks_dir / f"{key}.lock")
        try:
            lock.acquire()
        except OSError:
            return            # read-only cache: the entry can be neither locked nor removed
        try:
            current = self.entries_dir / Path(artefact).name if artefact else None
            if current is None or not current.exists() or os.path.samefile(current, artefact):
                self._try_remove(key)
        finally:
            lock.release()

    def _try_remove(self, key: str) -> None:
        try:
            self._remove_entry(key)
        except OSError:
            pass  # read-only: the rebuild then degrades to a private directory

    @staticmethod
    def _run_build(build, workdir: Path) -> Path:
        built = Path(build(workdir))
        if not built.is_file():
            raise ValueError(f"the build callable returned {built}, which is not a file")
        return built

    def _install(self, key: str, built: Path, source: str, meta: dict) -> Path:
        self.entries_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._write_cachedir_tag()
        data = built.read_bytes()
        artefact = self.entries_dir / f"{key}{built.suffix or '.bin'}"
        suffix = meta.get("source_suffix") or (".cu" if meta.get("target") == "cuda" else ".c")
        src = self.entries_dir / f"{key}{suffix}"
        try:
            write_atomic(artefact, data, 0o555)
            write_atomic(src, source.encode(), 0o444)
            write_atomic(self._record_path(key), new_record(key, artefact, src, data, meta), 0o644)
        except OSError:
            self._try_remove(key)  # half an entry is harmless, but do not leave it around
            raise
        return artefact

    def _write_cachedir_tag(self) -> None:
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():
            try:
                write_atomic(tag, _CACHEDIR_TAG.encode(), 0o644)
            except OSError:
                pass

    def _after_store(self, key: str) -> None:
        tempfiles.sweep_cache_dir(self.entries_dir)
        tempfiles.sweep_build_dirs()
        if self.max_size is not None:
            try:
                self._evict_to(self.max_size, protect=key)
            except OSError as exc:
                self._warn_degraded(exc)

    # ---- degraded mode
    def _warn_degraded(self, exc: OSError) -> None:
        with self._warn_lock:
            if self._warned:
                return
            self._warned = True
        warnings.warn(CacheWarning(
            f"npaccel cache at {self.root} cannot be written ({exc.strerror or exc}); compiling "
            "into a temporary directory instead, so builds will not be reused by other processes"),
            stacklevel=5)

    def _keep_until_exit(self, workdir: Path) -> None:
        with self._warn_lock:
            if not self._private_dirs:
                atexit.register(self._remove_private_dirs)
            self._private_dirs.append(workdir)

    def _remove_private_dirs(self) -> None:
        for d in self._private_dirs:
            shutil.rmtree(d, ignore_errors=True)

    def _build_privately(self, build, exc: OSError) -> Path:
        self._warn_degraded(exc)
        workdir = tempfiles.make_build_dir()
        try:
            built = self._run_build(build, workdir)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        self._keep_until_exit(workdir)
        return built


# ---- the process-wide store and its trust rules

def default_cache_dir() -> Path | None:
    """The per-user cache directory (platformdirs), e.g. ~/.cache/npaccel; None when there
    is no home directory (HOME unset and no passwd entry: platformdirs raises
    RuntimeError, older versions KeyError from pwd)."""
    from platformdirs import user_cache_dir
    try:
        return Path(user_cache_dir("npaccel", appauthor=False))
    except (RuntimeError, KeyError):
        return None


def open_store(root: Path | None, *, max_size: int | None = None) -> ArtefactStore:
    """The store at `root` (None: the per-user default) if it may be trusted; otherwise a
    private temporary store for this process and one CacheWarning saying why."""
    requested = Path(root).expanduser() if root is not None else default_cache_dir()
    if root is None and (requested is None or not requested.is_absolute()):
        reason = "there is no home directory to put the per-user cache in"
        requested = requested or Path("~/.cache/npaccel")
    else:
        requested = requested.absolute()
        reason = None
        try:
            # The leaf gets 0700; only a directory we create gets a mode chosen by us. An
            # existing one is left alone (mkdir on a read-only mount fails even then).
            if not requested.is_dir():
                requested.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            reason = f"it cannot be created ({exc.strerror or exc})"
        if reason is None:
            reason = untrusted_reason(requested)
        for sub in ("entries", "locks", "index"):
            if reason is None and (requested / sub).exists():
                reason = untrusted_reason(requested / sub)
    if reason is None:
        return ArtefactStore(requested, max_size=max_size)
    private = Path(tempfile.mkdtemp(prefix="npaccel-cache-"))
    atexit.register(shutil.rmtree, private, True)
    warnings.warn(CacheWarning(
        f"npaccel cache directory {requested} is not used: {reason}. Using a private temporary "
        f"cache {private} for this process instead; set NPACCEL_CACHE_DIR to a directory that "
        "you own and that only you can write."), stacklevel=3)
    store = ArtefactStore(private, max_size=max_size)
    store.requested_root, store.fallback_reason = requested, reason
    return store


_default_lock = threading.Lock()
_default: tuple[tuple, ArtefactStore] | None = None


def _renew_locks_in_child() -> None:   # a parent thread that held them is not in a fork (runtime/forking.py)
    global _default_lock
    _default_lock = threading.Lock()
    if _default is not None:
        _default[1]._warn_lock = threading.Lock()


os.register_at_fork(after_in_child=_renew_locks_in_child)


def default_store() -> ArtefactStore:
    """The store for NPACCEL_CACHE_DIR / NPACCEL_CACHE_MAX_SIZE (per-user default);
    one per process and configuration."""
    global _default
    cfg = get_config()
    token = (cfg.cache_dir, cfg.cache_max_size)
    with _default_lock:
        if _default is None or _default[0] != token:
            _default = (token, open_store(cfg.cache_dir, max_size=cfg.cache_max_size))
        return _default[1]


def reset_default_store() -> None:
    """Forget the process-wide store (tests that change the environment)."""
    global _default
    with _default_lock:
        _default = None

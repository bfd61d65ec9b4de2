"""Listing, clearing and pruning an artefact store (what ``npaccel-cache`` runs): a mixin of
store.py's ArtefactStore, which holds the directories and the entry's own operations.
An entry being built (its lock held) is never removed.
"""
from __future__ import annotations

import os
import time

from . import tempfiles
from .locks import FileLock
from .records import KEY_PATTERN, Entry, entry_of
from .warm_index import clear_index


class StoreMaintenance:
    """Needs ``root``, ``entries_dir``, ``locks_dir``, ``index_dir`` and ``_remove_entry``."""

    def _keys(self) -> set[str]:
        try:
            names = os.listdir(self.entries_dir)
        except FileNotFoundError:
            return set()
        return {n.split(".", 1)[0] for n in names if KEY_PATTERN.fullmatch(n.split(".", 1)[0])}

    def list_entries(self) -> list[Entry]:
        """Complete entries (checksums not verified), most recently used first."""
        entries = [e for e in (entry_of(self.entries_dir, k) for k in sorted(self._keys())) if e]
        return sorted(entries, key=lambda e: e.last_used, reverse=True)

    def total_size(self) -> int:
        """Bytes of everything under entries/ (complete entries and leftovers)."""
        total = 0
        try:
            with os.scandir(self.entries_dir) as it:
                for item in it:
                    if item.is_file(follow_symlinks=False):
                        total += item.stat(follow_symlinks=False).st_size
        except FileNotFoundError:
            pass
        return total

    def _remove_if_free(self, key: str) -> bool:
        """Remove every file of `key` unless someone holds its lock (is building it)."""
        lock = FileLock(self.locks_dir / f"{key}.lock")
        try:
            self.locks_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not lock.acquire(blocking=False):
                return False
        except FileNotFoundError:
            return False
        try:
            self._remove_entry(key)
        finally:
            lock.unlink_and_release()
        return True

    def _sweep(self) -> None:
        tempfiles.sweep_cache_dir(self.entries_dir)
        tempfiles.sweep_build_dirs()
        complete = {e.key for e in self.list_entries()}
        for key in self._keys() - complete:  # orphans and corrupt records
            self._remove_if_free(key)

    def clear(self) -> int:
        """Remove every entry not being built right now; return how many complete ones."""
        complete = {e.key for e in self.list_entries()}
        removed = sum(self._remove_if_free(k) and k in complete for k in self._keys())
        self._sweep()
        clear_index(self.index_dir)
        extensions = self.root / "extensions"     # the C call dispatcher (runtime/dispatch_ext.py)
        if extensions.is_dir() and self.root.name != "extensions":
            type(self)(extensions).clear()
        return removed

    def _evict_to(self, max_size: int, protect: str | None = None) -> list[str]:
        removed = []
        total = self.total_size()
        for entry in sorted(self.list_entries(), key=lambda e: e.last_used):
            if total <= max_size:
                break
            if entry.key != protect and self._remove_if_free(entry.key):
                removed.append(entry.key)
                total -= entry.size
        return removed

    def prune(self, max_size: int | None = None, older_than_seconds: float | None = None) -> list[str]:
        """Remove leftovers, entries unused for `older_than_seconds`, then least recently
        used entries until at most `max_size` bytes remain; return the removed keys."""
        self._sweep()
        removed = []
        if older_than_seconds is not None:
            cutoff = time.time() - older_than_seconds
            removed += [e.key for e in self.list_entries()
                        if e.last_used < cutoff and self._remove_if_free(e.key)]
            clear_index(self.index_dir, older_than=cutoff)
        if max_size is not None:
            removed += self._evict_to(max_size)
        return removed

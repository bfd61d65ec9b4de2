"""Per-key exclusive locks between processes and threads: fcntl.flock on a lock file.

Each acquire opens its own file description, so threads of one process exclude each other
as processes do. The kernel drops the lock when its holder dies (even by SIGKILL), so a
killed build never leaves a key locked.

Lock files may be deleted (clear, prune) but only by the holder of the lock. A waiter that
then wakes up holding a lock on the deleted file notices that the path now names another
file (or none) and starts over, so two holders can never both believe they are alone.

fork(): a flock belongs to the open file description, which a forked child shares. Were
the child to keep its copy of a descriptor that a parent thread locked (or is waiting to
lock), the parent's release (close) would not release it, the child's own acquire of that
key would wait for itself forever, and every other process would wait as long as the child
lives. So every descriptor opened here is registered, and a forked child closes its copies
(``os.register_at_fork``); the registry lock is held across open-and-register and across
the fork, so no descriptor escapes it.
"""
from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

_open: dict[int, "FileLock"] = {}     # descriptor -> the lock that opened it
_open_lock = threading.Lock()


def _open_fd(lock: "FileLock") -> int:
    with _open_lock:
        fd = os.open(lock.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        _open[fd] = lock
        return fd


def _close_fd(fd: int) -> None:
    with _open_lock:
        _open.pop(fd, None)
        os.close(fd)


def _after_fork_in_child() -> None:
    """Close the copies of every lock descriptor: their holders (threads) are not here."""
    global _open_lock
    _open_lock = threading.Lock()
    for fd, lock in list(_open.items()):
        if lock._fd == fd:
            lock._fd = None
        try:
            os.close(fd)
        except OSError:
            pass
    _open.clear()


os.register_at_fork(before=lambda: _open_lock.acquire(), after_in_parent=lambda: _open_lock.release(),
                    after_in_child=_after_fork_in_child)


class FileLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, blocking: bool = True) -> bool:
        """Take the lock; False only when blocking is False and someone else holds it.

        Raises OSError when the lock file cannot be created (read-only or full disk).
        """
        while True:
            fd = _open_fd(self)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                _close_fd(fd)
                return False
            except BaseException:
                _close_fd(fd)
                raise
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                self._fd = fd
                return True
            _close_fd(fd)  # we locked a file that was deleted meanwhile: try again

    def release(self) -> None:
        if self._fd is not None:
            _close_fd(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def unlink_and_release(self) -> None:
        """Delete the lock file while still holding it (see the module docstring)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        self.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()

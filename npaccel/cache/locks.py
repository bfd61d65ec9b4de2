"""Per-key exclusive locks between processes and threads: fcntl.flock on a lock file.

Each acquire opens its own file description, so threads of one process exclude each other
as processes do. The kernel drops the lock when its holder dies (even by SIGKILL), so a
killed build never leaves a key locked.

Lock files may be deleted (clear, prune) but only by the holder of the lock. A waiter that
then wakes up holding a lock on the deleted file notices that the path now names another
file (or none) and starts over, so two holders can never both believe they are alone.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FileLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, blocking: bool = True) -> bool:
        """Take the lock; False only when blocking is False and someone else holds it.

        Raises OSError when the lock file cannot be created (read-only or full disk).
        """
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                os.close(fd)
                return False
            except BaseException:
                os.close(fd)
                raise
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                self._fd = fd
                return True
            os.close(fd)  # we locked a file that was deleted meanwhile: try again

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
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

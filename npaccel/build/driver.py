"""Run one compiler command; on failure keep the source and raise CompileError.

Shared by cc.py and nvcc.py so both report failures the same way: the command, the exit
status, the compiler's stderr and the path of a copy of the source that outlives the
(temporary) build directory.
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import CompileError

log = logging.getLogger("npaccel")

# A compile of generated code takes seconds; a hung compiler must not hang the caller forever.
COMPILE_TIMEOUT_S = 600


def failed_sources_dir() -> Path:
    """A private directory for sources of failed builds: <tmp>/npaccel-failed-<uid>.

    Per user, so one user's directory in a shared /tmp cannot block or spoof another's;
    if it exists but is not ours (or is writable by others) we use a fresh private one.
    """
    path = Path(tempfile.gettempdir()) / f"npaccel-failed-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
        if st.st_uid == os.getuid() and not st.st_mode & 0o022 and path.is_dir() and not path.is_symlink():
            return path
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="npaccel-failed-"))


def keep_failed_source(source: str, suffix: str, command, stderr: str) -> Path | None:
    """Copy the source (and a log with the command and stderr) where the user can read it."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    try:
        folder = failed_sources_dir()
        kept = folder / f"kernel-{digest}{suffix}"
        kept.write_text(source)
        (folder / f"kernel-{digest}.log").write_text(
            "command: " + " ".join(map(str, command)) + "\n\n" + (stderr or ""))
        return kept
    except OSError as exc:  # a full /tmp must not hide the real compile error
        log.warning("could not keep the failed source: %s", exc)
        return None


def run_compiler(command: list[str], *, source: str, source_file: Path, output: Path,
                 what: str) -> Path:
    """Run `command`, which must turn `source_file` into `output`; return `output`."""
    command = [str(c) for c in command]
    try:
        output.unlink()  # a stale artefact from an earlier run must not pass for a fresh one
    except FileNotFoundError:
        pass
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              cwd=source_file.parent, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise CompileError(f"{what} did not finish within {COMPILE_TIMEOUT_S} s", command=command,
                           stderr=stderr,
                           source_path=keep_failed_source(source, source_file.suffix, command, stderr)) from None
    except OSError as exc:  # the compiler vanished or is not executable
        raise CompileError(f"could not run {what} {command[0]!r}: {exc.strerror or exc}", command=command,
                           source_path=keep_failed_source(source, source_file.suffix, command, str(exc))) from exc
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or not output.is_file():
        kept = keep_failed_source(source, source_file.suffix, command, proc.stderr)
        log.info("%s failed after %.3f s (exit status %s); source kept at %s", what, elapsed, proc.returncode, kept)
        reason = "failed" if proc.returncode != 0 else f"exited 0 but wrote no {output.name}"
        raise CompileError(f"{what} {reason} building {output.name}", command=command,
                           returncode=proc.returncode, stderr=proc.stderr, source_path=kept)
    log.debug("compiled %s with %s in %.3f s", output, what, elapsed)   # the caller logs the function
    if proc.stderr.strip():
        log.debug("%s diagnostics for %s:\n%s", what, output.name, proc.stderr)
    return output

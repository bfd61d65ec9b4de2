"""May we dlopen files from this directory? Only if no other user could have put them there.

A directory is trusted when, following the path as given and the path it resolves to:
- the directory itself is owned by us and not writable by group or others;
- every directory above it is owned by us or root and either not writable by others or
  sticky (like /tmp: others may add entries but not rename or replace ours);
- every symlink on the way is owned by us or root (in a sticky directory the link's owner
  can replace it, so a link owned by someone else can be repointed at their files).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path


def _who(uid: int) -> str:
    try:
        import pwd
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _container_problem(path: Path, st: os.stat_result, me: int) -> str | None:
    if st.st_uid not in (me, 0):
        return f"{path} is owned by {_who(st.st_uid)}"
    # Group-writable parents are tolerated: with per-user groups (umask 002) ~/.cache is
    # often 0775; the cache directory itself must still be private.
    if st.st_mode & 0o002 and not st.st_mode & stat.S_ISVTX:
        return f"{path} is writable by others and not sticky"
    return None


def _walk(path: Path, me: int, depth: int = 0) -> str | None:
    """Check each component of absolute `path`; follow symlinks (checking them too)."""
    if depth > 40:
        return f"too many levels of symbolic links at {path}"
    current = Path(path.anchor)
    parts = path.parts[1:]
    for i, part in enumerate(parts):
        if part in (".", ".."):  # as the kernel does: ".." of where we really are
            current = Path(os.path.realpath(current)).parent if part == ".." else current
            continue
        parent, current = current, current / part
        try:
            parent_st = os.stat(parent)
            st = os.lstat(current)
        except OSError as exc:
            return f"cannot inspect {current}: {exc.strerror}"
        problem = _container_problem(parent, parent_st, me)
        if problem:
            return problem
        if stat.S_ISLNK(st.st_mode):
            if st.st_uid not in (me, 0):
                return f"it is reached through the symlink {current}, owned by {_who(st.st_uid)}"
            resolved = parent / os.readlink(current)  # an absolute target replaces parent
            problem = _walk(resolved.joinpath(*parts[i + 1:]), me, depth + 1)
            return f"{problem} (reached through the symlink {current})" if problem else None
    return None


def untrusted_reason(directory: Path) -> str | None:
    """None if `directory` (which must exist) is trusted, else a short reason why not."""
    me = os.getuid()
    directory = Path(directory).absolute()  # not normalised: ".." after a symlink is not lexical
    problem = _walk(directory, me)
    if problem:
        return problem
    try:
        st = os.stat(directory)
    except OSError as exc:
        return f"cannot inspect {directory}: {exc.strerror}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{directory} is not a directory"
    if st.st_uid != me:
        return f"{directory} is owned by {_who(st.st_uid)}, not by you ({_who(me)})"
    if st.st_mode & 0o022:
        real = os.path.realpath(directory)
        via = f" (reached through a symlink to {real})" if real != str(directory) else ""
        return (f"{directory} is writable by {'group' if st.st_mode & 0o020 else 'others'} "
                f"(mode {st.st_mode & 0o777:o}){via}")
    return None

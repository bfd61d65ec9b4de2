"""Pickling an accelerated function (to ship it to Dask workers or other processes): by its
Python function, the options, and the source lines it was compiled from.

The function itself pickles as Python pickles it (by reference, or by value with
cloudpickle); npaccel compiles from source text, which a worker on another machine may not
have at that path, so the lines travel too and are put in ``linecache`` there when the file
is missing. The unpickled function compiles per signature on first call (the disk cache makes
that a load where a build already exists).

Dask unpickles a task's function for every task: each pickle carries a token naming the
accelerated function it came from (new after ``recompile()``), and a process keeps one
unpickled function per token, so its compiled signatures (and stats) serve every later task.
"""
from __future__ import annotations

import linecache
import os
import threading

_rebuilt = {}             # token -> the Accelerated unpickled in this process
_lock = threading.Lock()


def reduce_accelerated(acc):
    """``acc.__reduce__()``: (rebuild, (class, callable, its function, target, fallback,
    filename, lines, token))."""
    import uuid                # only when pickling: not on import npaccel's path
    code = getattr(acc._fn, "__code__", None)
    filename = code.co_filename if code is not None else None
    lines = tuple(linecache.getlines(filename)) if filename else ()
    token = acc.__dict__.get("_pickle_token") or acc.__dict__.setdefault("_pickle_token", uuid.uuid4().hex)
    return rebuild, (type(acc), acc._orig, acc._fn, acc._target, acc._fallback, filename, lines, token)


def rebuild(cls, fn, inner, target, fallback, filename, lines, token=None):
    """The accelerated function again (the one this process already rebuilt from ``token``,
    if any). A function cloudpickle shipped by value comes back with a made-up file name
    ("<dynamic-code>"): it gets its own back, and its lines go into linecache where that file
    is not on this machine."""
    with _lock:
        found = _rebuilt.get(token) if token else None
        if found is None:
            found = _rebuild(cls, fn, inner, target, fallback, filename, lines)
            found._pickle_token = token
            if token:
                _rebuilt[token] = found
        return found


def _rebuild(cls, fn, inner, target, fallback, filename, lines):
    code = getattr(inner, "__code__", None)
    if filename and code is not None and code.co_filename != filename:
        inner.__code__ = code.replace(co_filename=filename)
    if filename and lines and not os.path.exists(filename) and filename not in linecache.cache:
        linecache.cache[filename] = (sum(map(len, lines)), None, list(lines), filename)
    return cls(fn, target, fallback)


def unpickled(name) -> list:
    """The accelerated functions named ``name`` this process unpickled (one per token): where
    a Dask worker's compiled signatures and stats live."""
    with _lock:
        return [a for a in _rebuilt.values() if a.__name__ == name]

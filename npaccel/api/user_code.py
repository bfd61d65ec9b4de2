"""The user's side of a call: the function inside a bound method or functools.partial,
and the stack level at which a warning points at the user's own line.
"""
from __future__ import annotations

import functools
import os
import sys
import types


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first frame outside npaccel (the
    user's call), however deep inside npaccel it is issued."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE + os.sep):
        level, frame = level + 1, frame.f_back
    return level


def unwrap_callable(fn):
    """(function, leading argument values, preset keyword values) of ``fn``: a bound method
    is its function with the instance first; a functools.partial its function with the
    partial's arguments.

    >>> import functools
    >>> def f(a, b, *, c=0): return a + b + c
    >>> g, args, kwargs = unwrap_callable(functools.partial(functools.partial(f, 1, c=2), c=3))
    >>> g is f, args, kwargs
    (True, (1,), {'c': 3})
    """
    args, kwargs = (), {}
    while True:
        if isinstance(fn, functools.partial):
            args, kwargs, fn = fn.args + args, {**fn.keywords, **kwargs}, fn.func
        elif isinstance(fn, types.MethodType):
            args, fn = (fn.__self__,) + args, fn.__func__
        else:
            return fn, args, kwargs

"""Exceptions and warnings npaccel raises; user-facing names are re-exported by npaccel."""
import contextlib


class NpaccelError(Exception):
    """Base class of every npaccel error."""


class CompileError(NpaccelError):
    """A compiler run failed. Carries what is needed to reproduce it."""

    def __init__(self, message, *, command=(), returncode=None, stderr="", source_path=None):
        self.command = list(command)
        self.returncode = returncode
        self.stderr = stderr
        self.source_path = source_path
        detail = [message]
        if self.command:
            detail.append("command: " + " ".join(map(str, self.command)))
        if returncode is not None:
            detail.append(f"exit status: {returncode}")
        if source_path is not None:
            detail.append(f"source kept at: {source_path}")
        if stderr:
            detail.append("stderr:\n" + stderr.strip())
        super().__init__("\n".join(detail))


class TargetUnavailable(NpaccelError):
    """The requested target (e.g. cuda) cannot be used on this machine."""


class UnsupportedError(NpaccelError):
    """User code uses a construct the compiler does not handle.

    ``where`` is "file:line"; ``construct`` names what was met.
    """

    def __init__(self, construct, where=None, hint=None):
        self.construct = construct
        self.where = where
        self.hint = hint         # a rewrite that compiles, where one is known (frontend/hints.py)
        text = f"{where}: {construct}" if where else construct
        super().__init__(f"{text} (suggestion: {hint})" if hint else text)


class PythonIntOverflow(OverflowError):
    """Compiled code met a Python int past 64 bits (Python's ints do not overflow) after it
    had written an argument, so the plain function could not run in its place."""


class RerunInPython(Exception):
    """Raised by a compiled call before it writes anything, when Python must run that code
    instead to give Python's exact result or error (a run-time check failed in a function
    that writes an argument; a Python int left 64 bits). Never reaches the user."""


class FallbackWarning(UserWarning):
    """Part of a function runs in plain Python instead of compiled code."""


class CacheWarning(UserWarning):
    """The on-disk cache could not be used as asked; npaccel carried on."""


class BuildWarning(UserWarning):
    """The build degraded (for instance, no OpenMP: serial code)."""


class InternalError(UnsupportedError):
    """npaccel itself failed (a bug or limitation of its lowering, planning, code generation
    or loading), not the user's program: the code runs in Python instead. The original
    exception is chained as ``__cause__``."""

    def __init__(self, stage, original, where=None):
        self.stage, self.original = stage, original
        # the original's text may name npaccel's own objects: it stays in the chained traceback
        super().__init__(f"npaccel limitation while {stage} (internal {type(original).__name__}, "
                         "please report it)", where)
        self.__cause__ = original


@contextlib.contextmanager
def internal_errors(stage, where=None, passthrough=()):
    """Turn an exception raised inside npaccel (not one of its own errors, nor one of
    ``passthrough``) into an InternalError naming the stage and ``where`` ("file:line", or a
    function returning it): the one place where npaccel
    catches its own failures, so that none reaches the user as the user's error.

    >>> with internal_errors("planning", "f.py:3"):
    ...     {}["missing"]
    Traceback (most recent call last):
    ...
    npaccel.errors.InternalError: f.py:3: npaccel limitation while planning (internal KeyError, please report it)
    """
    try:
        yield
    except NpaccelError:
        raise
    except passthrough:
        raise
    except Exception as exc:        # noqa: BLE001 - see the docstring
        raise InternalError(stage, exc, where() if callable(where) else where) from exc

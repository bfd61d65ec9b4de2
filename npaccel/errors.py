"""Exceptions and warnings npaccel raises; user-facing names are re-exported by npaccel."""


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

    def __init__(self, construct, where=None):
        self.construct = construct
        self.where = where
        super().__init__(f"{where}: {construct}" if where else construct)


class FallbackWarning(UserWarning):
    """Part of a function runs in plain Python instead of compiled code."""


class CacheWarning(UserWarning):
    """The on-disk cache could not be used as asked; npaccel carried on."""


class BuildWarning(UserWarning):
    """The build degraded (for instance, no OpenMP: serial code)."""

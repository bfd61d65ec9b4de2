"""What a lowering read from outside the function, replayable in another process.

Lowering is decided by the function's source, its argument signature, npaccel and NumPy,
and the values it reads by name: closure cells, module globals and builtins (through
``lookup_name``), and attributes of modules (``mymod.CONST``, ``np.pi``). While a
``ReadLog`` records, each such read is kept as a path, (owner, kind, name), with a
fingerprint of the value found. The owner is -1 for the lowered function itself, else the
index of the earlier read whose value it is (an inlined helper reads its own globals, a
module its attributes). ``replay`` follows the same paths from the same function in a new
process, without lowering, and says whether every value is still the same: the warm index
(api/warm.py) reuses a lowering's result only then.

A value is fingerprinted by content (numbers, strings, dtypes, small arrays, tuples and
lists of those), by identity where it is NumPy's, math's or a builtin (the path it is
importable at: their versions are in the key), by its file's text, code and defaults where
it is a Python function (an inlined helper), and by name where it is a module. Anything
else cannot be fingerprinted safely: the log is then not replayable, and the function
always lowers.

>>> def scale(x):
...     return x * FACTOR
>>> FACTOR = 2.0
>>> with recording(scale) as log:      # what FunctionSource.lookup_global does
...     note_read(scale, "name", "FACTOR", *lookup_name(scale, "FACTOR"))
>>> log.reads
[(-1, 'name', 'FACTOR', 'float:2.0')]
>>> replay(scale, log.reads)
True
>>> FACTOR = 3.0
>>> replay(scale, log.reads)
False
"""
from __future__ import annotations

import builtins
import contextlib
import contextvars
import hashlib
import linecache
import sys
import types

import numpy as np

MISSING = "missing"
MAX_CONSTANT_ARRAY = 4096            # elements of a constant array fingerprinted by content
_LIBRARIES = ("numpy", "math", "cmath", "builtins", "operator")     # identity by import path
_NOT_LIBRARIES = ("numpy.random",)                                  # state, not constants
_active = contextvars.ContextVar("npaccel_read_log", default=None)


class Unfingerprintable(Exception):
    """A value whose sameness across processes cannot be told safely."""


def lookup_name(fn, name):
    """(found, value) for a free name of ``fn``: closure cell, module global, builtin."""
    code = fn.__code__
    if fn.__closure__ and name in code.co_freevars:
        cell = fn.__closure__[code.co_freevars.index(name)]
        try:
            return True, cell.cell_contents
        except ValueError:
            return False, None
    if name in fn.__globals__:
        return True, fn.__globals__[name]
    if hasattr(builtins, name):
        return True, getattr(builtins, name)
    return False, None


class ReadLog:
    """The reads of one lowering of ``root``, in order, each path once."""

    def __init__(self, root):
        self.root = root
        self.reads = []          # (owner, kind, name, fingerprint)
        self.values = []         # the value of each read, kept alive so that ids stay unique
        self.seen = set()
        self.why_not = None      # why the reads cannot be replayed, else None

    def note(self, owner, kind, name, found, value):
        if self.why_not is not None:
            return
        owner_index = -1 if owner is self.root else \
            next((i for i, v in enumerate(self.values) if v is owner), None)
        if owner_index is None:
            self.why_not = f"{kind} {name!r} of an object reached other than by name"
            return
        if (owner_index, kind, name) in self.seen:
            return
        try:
            fp = fingerprint(value) if found else MISSING
        except Unfingerprintable as exc:
            self.why_not = f"{name!r}: {exc}"
            return
        self.seen.add((owner_index, kind, name))
        self.reads.append((owner_index, kind, name, fp))
        self.values.append(value)


@contextlib.contextmanager
def recording(root):
    """A ReadLog of what lowering ``root`` (a function) reads inside the block."""
    log = ReadLog(root)
    token = _active.set(log)
    try:
        yield log
    finally:
        _active.reset(token)


def note_read(owner, kind, name, found, value):
    """Called by the frontend for each read ("name": lookup_name of function ``owner``;
    "attr": attribute ``name`` of module ``owner``); recorded only inside ``recording``."""
    log = _active.get()
    if log is not None:
        log.note(owner, kind, name, found, value)


def replay(root, reads) -> bool:
    """Does every read in ``reads`` find a value with the same fingerprint now?"""
    values = []
    for owner_index, kind, name, fp in reads:
        owner = root if owner_index == -1 else values[owner_index]
        if kind == "name" and isinstance(owner, types.FunctionType):
            found, value = lookup_name(owner, name)
        elif kind == "attr" and isinstance(owner, types.ModuleType):
            value = getattr(owner, name, _absent)
            found = value is not _absent
        else:
            return False
        try:
            if (fingerprint(value) if found else MISSING) != fp:
                return False
        except Unfingerprintable:
            return False
        values.append(value)
    return True


_absent = object()


def fingerprint(value) -> str:
    """A text that is equal for two values exactly when lowering treats them alike.

    >>> fingerprint((1, 2.5, True, None, "a"))
    "tuple(int:1,float:2.5,bool:True,None,str:'a')"
    >>> fingerprint(np.float32(0.5)), fingerprint(np.dtype("int8"))
    ('np:<f4:0000003f', 'dtype:|i1')
    >>> fingerprint(np.sin), fingerprint(len), fingerprint(np)
    ('ref:numpy.sin', 'ref:builtins.len', 'module:numpy')
    >>> fingerprint(object())
    Traceback (most recent call last):
    ...
    npaccel.frontend.reads.Unfingerprintable: a object
    """
    t = type(value)
    if value is None or value is Ellipsis:
        return repr(value)
    if t in (bool, int, float, complex, str, bytes):
        text = repr(value)
        return f"{t.__name__}:{text if len(text) <= 200 else _digest(text.encode())}"
    if t in (tuple, list):
        return f"{t.__name__}(" + ",".join(fingerprint(v) for v in value) + ")"
    if t in (range, slice):
        return f"{t.__name__}({fingerprint(value.start)},{fingerprint(value.stop)},{fingerprint(value.step)})"
    if isinstance(value, np.dtype):
        if value.fields is not None or value.subdtype is not None:
            raise Unfingerprintable(f"a structured dtype {value}")
        return f"dtype:{value.str}"
    if isinstance(value, np.generic) and t.__module__ == "numpy":
        return f"np:{fingerprint(value.dtype)[6:]}:{value.tobytes().hex()}"
    if t is np.ndarray:
        if value.size > MAX_CONSTANT_ARRAY or value.dtype.kind not in "biufc":
            raise Unfingerprintable(f"an array of {value.size} {value.dtype}")
        return (f"ndarray:{value.dtype.str}:{value.shape}:{value.flags.writeable}:"
                f"{_digest(np.ascontiguousarray(value).tobytes())}")
    if t is types.ModuleType:
        return f"module:{value.__name__}"
    ref = _library_ref(value)
    if ref is not None:
        return f"ref:{ref}"
    if t is types.FunctionType:
        return function_fingerprint(value)
    raise Unfingerprintable(f"a {t.__name__}")


def _library_ref(value):
    """'module.qualname' where ``value`` is the object importable there, in NumPy, math or
    the builtins; else None."""
    module = getattr(value, "__module__", None)
    if not isinstance(module, str) or module.split(".")[0] not in _LIBRARIES or \
            module.startswith(_NOT_LIBRARIES):
        return None
    qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    found = sys.modules.get(module)
    if not isinstance(qualname, str) or found is None:
        return None
    for part in qualname.split("."):
        found = getattr(found, part, _absent)
    return f"{module}.{qualname}" if found is value else None


def function_fingerprint(fn) -> str:
    """A Python function by where it is, the whole text of its file (a superset of its
    source, read without tokenizing: an edit anywhere in the file is a miss), its code and
    defaults. What it reads by name is recorded separately, with it as the owner."""
    code = fn.__code__
    linecache.checkcache(code.co_filename)     # as inspect does: a file changed on disk is read again
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    if not lines:
        raise Unfingerprintable(f"function {fn.__qualname__} without source")
    wrapped = getattr(fn, "__wrapped__", None)     # inspect reads the source and signature there
    parts = (fn.__module__, fn.__qualname__, code.co_filename, code.co_firstlineno,
             _digest("".join(lines).encode()), code_digest(code), fingerprint(fn.__defaults__),
             fingerprint(_items(fn.__kwdefaults__)), "" if wrapped is None else fingerprint(wrapped),
             repr(getattr(fn, "__signature__", None)))
    return "fn:" + _digest("\0".join(map(str, parts)).encode())


def code_digest(code) -> str:
    """Bytecode, names and constants of a code object and those nested in it: tells apart
    lambdas that share a source line."""
    h = hashlib.sha256()
    for part in (code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_argcount):
        h.update(repr(part).encode() + b"\0")
    for const in code.co_consts:
        h.update(_const_text(const).encode() + b"\0")
    return h.hexdigest()[:32]


def _const_text(const) -> str:
    """A code constant as text that is the same in every process (a frozenset's repr
    follows string hashing, which differs per process)."""
    if isinstance(const, types.CodeType):
        return code_digest(const)
    if isinstance(const, frozenset):
        return "frozenset(" + ",".join(sorted(_const_text(c) for c in const)) + ")"
    if isinstance(const, tuple):
        return "(" + ",".join(_const_text(c) for c in const) + ")"
    return f"{type(const).__name__}:{const!r}"


def _items(mapping):
    return None if mapping is None else tuple(sorted(mapping.items()))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]

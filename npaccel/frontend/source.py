"""Find, parse and locate a Python function's source (gast, with real line numbers)."""
from __future__ import annotations

import builtins
import inspect
import textwrap
from dataclasses import dataclass

import gast

from ..errors import UnsupportedError


@dataclass(frozen=True)
class FunctionSource:
    fn: object
    tree: object              # the gast.FunctionDef
    filename: str
    first_line: int           # line of the def in the file (1-based)
    text: str                 # dedented source

    def where(self, node) -> str:
        line = getattr(node, "lineno", None)
        return f"{self.filename}:{self.first_line + line - 1 if line else self.first_line}"

    def lookup_global(self, name):
        """(found, value) for a free name: closure cell, module global, builtin."""
        code = self.fn.__code__
        if self.fn.__closure__ and name in code.co_freevars:
            cell = self.fn.__closure__[code.co_freevars.index(name)]
            try:
                return True, cell.cell_contents
            except ValueError:
                return False, None
        if name in self.fn.__globals__:
            return True, self.fn.__globals__[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None


_parsed = {}


def function_source(fn) -> FunctionSource:
    """Parse ``fn`` once per code object."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise UnsupportedError(f"{fn!r} is not a Python function")
    cached = _parsed.get(code)
    if cached is not None and cached.fn is fn:
        return cached
    try:
        lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise UnsupportedError(f"source of {fn.__qualname__} is not available ({exc})") from None
    text = textwrap.dedent("".join(lines))
    module = gast.parse(text)
    defs = [n for n in module.body if isinstance(n, gast.FunctionDef)]
    if not defs:
        what = "a lambda" if fn.__name__ == "<lambda>" else "not a def statement"
        raise UnsupportedError(f"{fn.__qualname__} is {what}",
                               f"{code.co_filename}:{first_line}")
    # Decorator lines come first in getsourcelines; the def's own line is what users see.
    src = FunctionSource(fn, defs[0], code.co_filename, first_line, text)
    _parsed[code] = src
    return src

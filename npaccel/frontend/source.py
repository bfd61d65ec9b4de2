"""Find, parse and locate a Python function's source (gast, with real line numbers)."""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass

import gast

from ..errors import UnsupportedError
from .reads import lookup_name, note_read
from .returns import branch_exit, single_exit


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
        """(found, value) for a free name: closure cell, module global, builtin (noted for
        the warm index: frontend/reads.py)."""
        found, value = lookup_name(self.fn, name)
        note_read(self.fn, "name", name, found, value)
        return found, value


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
        raise UnsupportedError(_no_source(fn, code, exc), f"{code.co_filename}:{code.co_firstlineno}") from None
    text = textwrap.dedent("".join(lines))
    if fn.__name__ == "<lambda>":
        tree, text = _lambda_tree(code, "".join(lines), first_line)
    else:
        module = gast.parse(text)
        defs = [n for n in module.body if isinstance(n, gast.FunctionDef)]
        if not defs:
            raise UnsupportedError(f"{fn.__qualname__} is not a def statement",
                                   f"{code.co_filename}:{first_line}")
        tree = single_exit(defs[0])       # returns from inside loops: flag, result, break
    src = FunctionSource(fn, tree, code.co_filename, first_line, text)
    _parsed[code] = src
    return src


_helpers = {}


def helper_source(fn) -> FunctionSource:
    """``function_source(fn)`` for a helper the lowering inlines: returns under its top-level
    ifs also rewritten (returns.branch_exit), since a call inside a compiled loop runs its
    branches at run time. (The decorated function's own branches fall back per statement.)"""
    src = function_source(fn)
    cached = _helpers.get(src.fn.__code__)
    if cached is not None and cached.fn is fn and cached.text is src.text:
        return cached
    tree = branch_exit(src.tree)
    helper = src if tree is src.tree else FunctionSource(src.fn, tree, src.filename, src.first_line, src.text)
    _helpers[src.fn.__code__] = helper
    return helper


# where Python keeps no source text: co_filename of code compiled from a string
_NO_SOURCE = {"<string>": "`python -c` or an exec()/compile() string",
              "<stdin>": "code read from standard input (the interactive interpreter, a piped script)",
              "<console>": "an interactive console"}


def _no_source(fn, code, exc) -> str:
    """Why ``fn``'s source cannot be read, and what to do about it.

    >>> ns = {}
    >>> exec("def f(x):\\n    return x + 1", ns)
    >>> print(_no_source(ns["f"], ns["f"].__code__, OSError("could not get source code")))
    no source for f: it was defined in `python -c` or an exec()/compile() string, where Python keeps no source text (npaccel compiles from the source: define the function in a file or a notebook cell)
    """
    filename = code.co_filename
    origin = (f"{_NO_SOURCE[filename]}, where Python keeps no source text" if filename in _NO_SOURCE
              else f"{filename}, which cannot be read ({exc})")
    return (f"no source for {fn.__qualname__}: it was defined in {origin} (npaccel compiles from the "
            "source: define the function in a file or a notebook cell)")


def _lambda_tree(code, text, first_line):
    """The lambda whose bytecode is ``code``, among the lambdas in ``text``, as a FunctionDef
    returning its body (several lambdas may share a line: the bytecode tells them apart)."""
    import ast
    exact, loose = [], []
    for start in _occurrences(text, "lambda"):
        # the longest expression from here that compiles to the same bytecode
        for end in range(len(text), start, -1):
            if end != len(text) and text[end] not in ",)]}\n":
                continue
            candidate = text[start:end].strip()
            try:
                if not isinstance(ast.parse("(" + candidate + "\n)", mode="eval").body, ast.Lambda):
                    continue
                compiled = compile("(" + candidate + "\n)", "<lambda>", "eval")
            except SyntaxError:
                continue
            inner = next((c for c in compiled.co_consts if hasattr(c, "co_code")), None)
            if inner is not None and _same_shape(inner, code):
                (exact if inner.co_code == code.co_code else loose).append(candidate)
                break
    # Bytecode can differ with the compile context (3.11 emits LOAD_ATTR or LOAD_METHOD):
    # names, constants and argument lists are compared first, bytecode breaks ties.
    matches = set(exact) or set(loose)
    if len(matches) != 1:
        raise UnsupportedError("a lambda whose source cannot be told apart from its neighbours",
                               f"{code.co_filename}:{first_line}")
    matches = list(matches)
    lam = ast.parse("(" + matches[0] + "\n)", mode="eval").body
    lines = text[:text.index(matches[0])].count("\n")
    fdef = ast.FunctionDef(name="<lambda>", args=lam.args, body=[ast.Return(value=lam.body)],
                           decorator_list=[], returns=None, type_comment=None, type_params=[])
    ast.increment_lineno(fdef, lines)
    ast.copy_location(fdef, lam)
    ast.fix_missing_locations(fdef)
    module = gast.ast_to_gast(ast.Module(body=[fdef], type_ignores=[]))
    return module.body[0], matches[0]


def _occurrences(text, word):
    i = text.find(word)
    while i != -1:
        yield i
        i = text.find(word, i + 1)


def _same_shape(a, b):
    consts = [c for c in a.co_consts if not hasattr(c, "co_code")]
    return (a.co_names, a.co_varnames, a.co_argcount, a.co_freevars) == \
        (b.co_names, b.co_varnames, b.co_argcount, b.co_freevars) and \
        consts == [c for c in b.co_consts if not hasattr(c, "co_code")]

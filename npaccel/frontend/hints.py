"""Rewrites that compile, suggested in the message of a construct that does not.

One table: a pattern over the construct's description (as ``UnsupportedError.construct``
words it) and the suggestion shown after it in the FallbackWarning / UnsupportedError.

>>> hint_for("list method 'append'")[:36]
'preallocate an array (out = np.empty'
>>> hint_for("call to print()")
'keep printing and logging outside the accelerated function'
>>> hint_for("something new") is None
True
"""
from __future__ import annotations

import re

HINTS = (
    (r"list method|'\w+' is an? list|a list '\w+' used by",
     "preallocate an array (out = np.empty(n)) and store into it (out[i] = v) instead of a list"),
    (r"is an? [\w .]+, which compiled code does not take",
     "compiled code takes arrays and numbers: branch on this value outside the accelerated "
     "function, or pass the arrays and numbers it stands for"),
    (r"'(GeneratorExp|ListComp|SetComp|DictComp)' expression",
     "write a for loop over range(), or a NumPy expression over the whole array "
     "(np.sum(c * y ** np.arange(k)) instead of sum(... for ...))"),
    (r"call to print\(\)|call to \w*log\w*\(\)",
     "keep printing and logging outside the accelerated function"),
    (r"boolean-mask selection",
     "reduce the selection directly (x[m].sum(), x[m].mean(axis=0)) or use np.where(m, expr, 0)"),
    (r"'(\*\*|<<)' of Python (ints|numbers)",
     "use a constant non-negative exponent (n ** 2); Python numbers follow Python's rules "
     "(no wrapping, complex results), which compiled code keeps only there"),
    (r"'(try|with|raise|global|nonlocal|import\w*|class\w*|functiondef|lambda)' statement",
     "move this statement out of the hot function; the rest compiles around it"),
    (r"argument '.*' of type",
     "pass NumPy arrays or Python/NumPy numbers (see docs/troubleshooting.md, accepted arguments)"),
    (r"'return' inside a compiled loop",
     "set a flag and break out of the loop, then return after it"),
    (r"call to np\.",
     "docs/supported.md lists the NumPy calls that compile"),
)
_COMPILED = tuple((re.compile(p), h) for p, h in HINTS)


def hint_for(construct: str):
    """The suggested rewrite for ``construct``, or None."""
    for pattern, hint in _COMPILED:
        if pattern.search(construct):
            return hint
    return None

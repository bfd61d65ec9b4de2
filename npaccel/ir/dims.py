"""Symbolic array dimensions.

A dim is a Python int (known size) or a ``Sym`` (a runtime size such as "dim 1 of argument
0"), or a ``DimOp`` over those. One kernel serves every size of the same signature: the C
code reads the symbols from the ints the runtime passes, Python evaluates them to allocate
outputs.

>>> n = Sym("a0_d0")
>>> render_c(dim_sub(n, 2))
'(a0_d0 - 2)'
>>> evaluate(dim_sub(n, 2), {"a0_d0": 10})
8
>>> dim_sub(5, 2)
3
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Sym:
    name: str

    def __repr__(self):
        return self.name


@dataclass(frozen=True)
class DimOp:
    op: str              # one of + - * // max min
    a: "Dim"
    b: "Dim"

    def __repr__(self):
        return render_c(self)


Dim = Union[int, Sym, DimOp]

_PY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
       "//": lambda a, b: a // b, "max": max, "min": min}


def _make(op, a, b):
    if isinstance(a, int) and isinstance(b, int):
        return _PY[op](a, b)
    return DimOp(op, a, b)


def dim_add(a, b):
    if b == 0:
        return a
    if a == 0:
        return b
    return _make("+", a, b)


def dim_sub(a, b):
    if b == 0:
        return a
    if a == b:
        return 0
    return _make("-", a, b)


def dim_mul(a, b):
    if a == 1:
        return b
    if b == 1:
        return a
    if a == 0 or b == 0:
        return 0
    return _make("*", a, b)


def dim_floordiv(a, b):
    return a if b == 1 else _make("//", a, b)


def dim_max(a, b):
    if isinstance(a, DimOp) and a.op == "max" and b in (a.a, a.b):
        return a                                     # max(max(x, 0), 0)
    return a if a == b else _make("max", a, b)


def dim_min(a, b):
    if isinstance(a, DimOp) and a.op == "min" and b in (a.a, a.b):
        return a
    return a if a == b else _make("min", a, b)


def symbols(d) -> set:
    if isinstance(d, Sym):
        return {d.name}
    if isinstance(d, DimOp):
        return symbols(d.a) | symbols(d.b)
    return set()


def render_c(d) -> str:
    """C text; // is floor division of non-negative sizes, so C's / suffices."""
    if isinstance(d, int):
        return str(d)
    if isinstance(d, Sym):
        return d.name
    a, b = render_c(d.a), render_c(d.b)
    if d.op in ("max", "min"):
        cmp = ">" if d.op == "max" else "<"
        return f"(({a}) {cmp} ({b}) ? ({a}) : ({b}))"
    return f"({a} {'/' if d.op == '//' else d.op} {b})"


def render_py(d) -> str:
    if isinstance(d, int):
        return str(d)
    if isinstance(d, Sym):
        return d.name
    a, b = render_py(d.a), render_py(d.b)
    if d.op in ("max", "min"):
        return f"{d.op}({a}, {b})"
    return f"({a} {d.op} {b})"


_PREC = {"+": 1, "-": 1, "*": 2, "//": 2}


def render_user(d, names=None, outer=0) -> str:
    """Python as the user writes it: ``names`` maps symbols to their spelling.

    >>> render_user(dim_max(dim_add(Sym("a0_d0"), -2), 0), {"a0_d0": "x.shape[0]"})
    'max(x.shape[0] - 2, 0)'
    >>> render_user(dim_mul(dim_sub(Sym("n"), 1), dim_sub(Sym("n"), Sym("m"))))
    '(n - 1) * (n - m)'
    """
    if isinstance(d, int):
        return str(d)
    if isinstance(d, Sym):
        return (names or {}).get(d.name, d.name)
    if d.op in ("max", "min"):
        return f"{d.op}({render_user(d.a, names)}, {render_user(d.b, names)})"
    op, b = d.op, d.b
    if op == "+" and isinstance(b, int) and b < 0:
        op, b = "-", -b
    prec = _PREC[op]
    text = f"{render_user(d.a, names, prec)} {op} {render_user(b, names, prec + (op in ('-', '//')))}"
    return f"({text})" if prec < outer else text


def evaluate(d, env: dict) -> int:
    if isinstance(d, int):
        return d
    if isinstance(d, Sym):
        return env[d.name]
    return _PY[d.op](evaluate(d.a, env), evaluate(d.b, env))


def shape_size(shape) -> "Dim":
    size = 1
    for d in shape:
        size = dim_mul(size, d)
    return size

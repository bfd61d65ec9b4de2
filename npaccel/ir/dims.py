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

import itertools
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


@dataclass(frozen=True)
class SliceDim:
    """The start (``part`` "start") or the length ("len") of ``range(n)[start:stop:step]``:
    Python's slice rules (negative bounds count from the end, out-of-range bounds clip,
    crossing bounds give 0) on bounds known only at run time; ``None`` is an omitted bound.

    >>> d = SliceDim("len", Sym("i"), None, 1, Sym("n"))
    >>> render_c(d)
    'npa_slice_len(i, 1, 0, 0, 1, n)'
    >>> [evaluate(d, {"i": i, "n": 5}) for i in (-7, -2, 0, 3, 9)]
    [5, 2, 5, 2, 0]
    """
    part: str
    start: "Dim | None"
    stop: "Dim | None"
    step: "Dim"
    n: "Dim"

    def __repr__(self):
        return render_c(self)


Dim = Union[int, Sym, DimOp, SliceDim]

_PY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
       "//": lambda a, b: a // b, "max": max, "min": min,
       "bcast": lambda a, b: b if a == 1 else a}


def _make(op, a, b):
    if isinstance(a, int) and isinstance(b, int):
        return _PY[op](a, b)
    return DimOp(op, a, b)


def dim_add(a, b):
    """``a + b``; ``(x - c) + c`` is ``x``.

    >>> dim_add(dim_sub(Sym("n"), 1), 1)
    n
    """
    if b == 0:
        return a
    if a == 0:
        return b
    if isinstance(a, DimOp) and a.op == "-" and isinstance(a.b, int) and isinstance(b, int):
        return dim_sub(a.a, a.b - b)              # (x - c1) + c2
    return _make("+", a, b)


def is_size(d) -> bool:
    """An argument's size (the signature's ``a<i>_d<k>`` symbols): never negative."""
    return isinstance(d, Sym) and d.name.startswith("a")


def dim_sub(a, b):
    """``a - b``, kept small: a dim that a chain of slices shortens (``np.diff(x, n=7)``)
    stays one subtraction, not an expression that doubles with each slice.

    >>> n = Sym("n")
    >>> once = dim_sub(n, dim_min(1, n))      # len(x[1:]): n - min(1, n) == max(n - 1, 0)
    >>> once == dim_max(dim_sub(n, 1), 0)
    True
    >>> dim_max(dim_sub(once, dim_min(1, once)), 0) == dim_max(dim_sub(n, 2), 0)
    True
    """
    if b == 0:
        return a
    if a == b:
        return 0
    if isinstance(b, DimOp) and b.op == "min" and isinstance(b.a, int) and b.a >= 0 and b.b == a:
        return dim_max(dim_sub(a, b.a), 0)        # a - min(c, a) == max(a - c, 0), any a
    if isinstance(a, DimOp) and a.op == "-" and isinstance(a.b, int) and isinstance(b, int):
        return dim_sub(a.a, a.b + b)              # (x - c1) - c2
    if isinstance(b, int) and b < 0:
        return dim_add(a, -b)
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
    if b == 0 and is_size(a):
        return a
    if b == 0 and isinstance(a, DimOp) and a.op == "-" and isinstance(a.b, int) and a.b >= 0 and \
            isinstance(a.a, DimOp) and a.a.op == "max" and a.a.b == 0:
        return dim_max(dim_sub(a.a.a, a.b), 0)       # max(max(x, 0) - c, 0) == max(x - c, 0)
    return a if a == b else _make("max", a, b)


def dim_min(a, b):
    if isinstance(a, DimOp) and a.op == "min" and b in (a.a, a.b):
        return a
    return a if a == b else _make("min", a, b)


def dim_bcast(a, b):
    """NumPy's broadcast of two dims either of which may be 1 at run time (checked apart)."""
    return a if a == b else _make("bcast", a, b)


def symbols(d) -> set:
    if isinstance(d, Sym):
        return {d.name}
    if isinstance(d, DimOp):
        return symbols(d.a) | symbols(d.b)
    if isinstance(d, SliceDim):
        return set().union(*(symbols(x) for x in (d.start, d.stop, d.step, d.n) if x is not None))
    return set()


def loop_variant(d) -> bool:
    """Does ``d`` read a scalar local of the generated code (a loop counter, a value
    computed in the function: ``sv<id>``)? Such a dim is known only where that local is."""
    return any(name.startswith("sv") for name in symbols(d))


def may_be_one(d) -> bool:
    """Can ``d`` be 1 at run time although it is not the constant 1: a size computed from an
    int argument (``s<i>``) or a value known at run time (``sv<id>``), a slice length known
    at run time, a length of at most one element (``b[:1]``, ``b[-1:]``)? Broadcasting then
    needs a run-time decision. Array dims never are (a signature records which dims are 1),
    nor other sizes computed from them alone (``n - 1`` is taken as not 1).

    >>> may_be_one(Sym("a0_d0")), may_be_one(dim_sub(Sym("s1"), 1)), may_be_one(SliceDim("len", 0, 2, 1, 3))
    (False, True, True)
    >>> n = Sym("a0_d0")
    >>> may_be_one(dim_max(dim_min(1, n), 0)), may_be_one(dim_sub(dim_min(3, n), dim_min(2, n)))
    (True, True)
    """
    if isinstance(d, SliceDim):
        return True
    return any(name.startswith("s") for name in symbols(d)) or at_most_one(d)


def at_most_one(d) -> bool:
    """Is ``d``, computed from array dims, 0 or 1 whatever their sizes (a slice of one
    element: ``max(min(1, n), 0)``)? Tested on a range of sizes of each (up to 3 dims).

    >>> n = Sym("a0_d0")
    >>> at_most_one(dim_sub(n, dim_max(dim_sub(n, 1), 0))), at_most_one(dim_sub(n, 1)), at_most_one(n)
    (True, False, False)
    """
    names = sorted(symbols(d))
    if not isinstance(d, DimOp) or not names or len(names) > 3:
        return False
    sizes = (0, 1, 2, 3, 4, 5, 7, 16, 100, 4097)
    return all(evaluate(d, dict(zip(names, values))) <= 1 for values in itertools.product(sizes, repeat=len(names)))


def _slice_args(d, render):
    return [render(d.start if d.start is not None else 0), "1" if d.start is not None else "0",
            render(d.stop if d.stop is not None else 0), "1" if d.stop is not None else "0",
            render(d.step), render(d.n)]


def render_c(d) -> str:
    """C text; // is floor division of non-negative sizes, so C's / suffices."""
    if isinstance(d, int):
        return str(d)
    if isinstance(d, Sym):
        return d.name
    if isinstance(d, SliceDim):
        args = _slice_args(d, render_c)
        if d.part == "start":
            args = args[:2] + args[4:]
        return f"npa_slice_{d.part}({', '.join(args)})"
    a, b = render_c(d.a), render_c(d.b)
    if d.op in ("max", "min"):
        cmp = ">" if d.op == "max" else "<"
        return f"(({a}) {cmp} ({b}) ? ({a}) : ({b}))"
    if d.op == "bcast":
        return f"(({a}) == 1 ? ({b}) : ({a}))"
    return f"({a} {'/' if d.op == '//' else d.op} {b})"


def _py_slice(d, render):
    bounds = ":".join("None" if x is None else render(x) for x in (d.start, d.stop, d.step))
    return f"range({render(d.n)})[{bounds}]"


def render_py(d) -> str:
    if isinstance(d, int):
        return str(d)
    if isinstance(d, Sym):
        return d.name
    if isinstance(d, SliceDim):
        return f"len({_py_slice(d, render_py)})" if d.part == "len" else f"{_py_slice(d, render_py)}.start"
    a, b = render_py(d.a), render_py(d.b)
    if d.op in ("max", "min"):
        return f"{d.op}({a}, {b})"
    if d.op == "bcast":
        return f"({b} if {a} == 1 else {a})"
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
    if isinstance(d, SliceDim):
        text = _py_slice(d, lambda x: render_user(x, names))
        return f"len({text})" if d.part == "len" else f"{text}.start"
    if d.op in ("max", "min", "bcast"):
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
    if isinstance(d, SliceDim):
        r = range(evaluate(d.n, env))[slice(*(None if x is None else evaluate(x, env)
                                               for x in (d.start, d.stop, d.step)))]
        return len(r) if d.part == "len" else r.start
    return _PY[d.op](evaluate(d.a, env), evaluate(d.b, env))


def shape_size(shape) -> "Dim":
    size = 1
    for d in shape:
        size = dim_mul(size, d)
    return size

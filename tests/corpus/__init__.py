"""A differential corpus: small functions in the styles users write, each registered with
the zero-argument callables that make fresh arguments for it. tests/test_corpus.py runs every
entry plain and under ``accelerate(fn, fallback="warn")`` through harness.check_same_default.

Register with ``@case(make1, make2, ...)`` on a def, or ``register(callable, make, ...,
name=...)`` for partials and bound methods. A trailing ``harness.Kwargs`` in the tuple a maker
returns is passed by keyword.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    fn: object
    make: object
    name: str        # "module.function"
    index: int       # which maker of this function

    @property
    def id(self):
        return f"{self.name}[{self.index}]"


CASES: list[Case] = []


def _name(fn, module):
    base = getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", type(fn).__name__)
    return f"{module.rsplit('.', 1)[-1]}.{base}"


def register(fn, *makers, name=None, module=None):
    module = module or getattr(fn, "__module__", None) or getattr(getattr(fn, "func", None), "__module__", "corpus")
    label = f"{module.rsplit('.', 1)[-1]}.{name}" if name else _name(fn, module)
    assert makers, label
    for i, make in enumerate(makers):
        CASES.append(Case(fn, make, label, i))
    return fn


def case(*makers):
    def deco(fn):
        return register(fn, *makers)
    return deco


MODULES = ("everyday_numpy", "python_values", "control_flow", "signatures", "python_scalars",
           "write_rules", "dtypes_layouts")


def load_all():
    """Import every corpus module (registration happens at import) and return CASES."""
    import importlib
    for m in MODULES:
        importlib.import_module(f"{__name__}.{m}")
    return CASES

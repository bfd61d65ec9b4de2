"""``assert``, ``import`` and comprehensions inside a compiled function.

- ``assert test, msg``: a test known when compiling is decided then (a failing one is
  Python's AssertionError, raised when the function is called); a test known only at run
  time stops the program where it fails (a ``Check``), with Python's AssertionError and the
  message (a constant, or one only the rerun in Python computes). Under ``python -O``
  asserts do not run, as in Python.
- ``import numpy as np``, ``from math import sqrt``: the names are bound to modules (and
  their members) already imported in this process; importing anything new is an effect
  the compiled code would not repeat, so such an import runs in Python.
- ``[f(v) for v in seq if c]``, ``tuple(g(p, w) for p, w in zip(pos, shape))``: over
  sequences whose length is known when compiling, unrolled (each item one value, the
  comprehension's names local to it); over an array of run-time length, unsupported.
"""
from __future__ import annotations

import importlib
import sys

import gast
import numpy as np

from ..ir.nodes import Node
from .array_build import stop_if
from .scalars import EitherScalar
from .semantics import ListValue, numpy_semantics


class SimpleStatementLowering:
    """Mixin of FunctionLowerer: assert and import statements, comprehensions."""

    def stmt_Assert(self, node):
        if sys.flags.optimize:
            return
        value = self.expr(node.test)
        if isinstance(value, EitherScalar):
            value = value.strong
        if not (isinstance(value, Node) and (value.ndim == 0 or value.weak)):
            if not self.truth(value, node.test):
                message = () if node.msg is None else (self.expr(node.msg),)
                if any(isinstance(m, (Node, EitherScalar)) for m in message):
                    raise self.unsupported("an assert message computed at run time", node)
                with numpy_semantics():
                    raise AssertionError(*message)
            return
        ok = self.runtime_condition(value, node.test)
        bad = self.ufunc(np.logical_not, (ok,), node)
        if node.msg is None or isinstance(node.msg, gast.Constant):
            stop_if(self, bad, "AssertionError", "" if node.msg is None else str(node.msg.value))
        else:       # (Python evaluates the message only where the test fails: the rerun does)
            stop_if(self, bad, "AssertionError", "", rerun_only="an assert message computed where it fails")

    def stmt_Import(self, node):
        for alias in node.names:
            module = self.imported(alias.name, node)
            if alias.asname:
                self.env[alias.asname] = module
            else:       # import a.b binds a
                self.env[alias.name.split(".")[0]] = sys.modules[alias.name.split(".")[0]]

    def stmt_ImportFrom(self, node):
        if node.level:
            raise self.unsupported("a relative import", node)
        module = self.imported(node.module, node)
        for alias in node.names:
            if alias.name == "*":
                raise self.unsupported("'from ... import *'", node)
            if not hasattr(module, alias.name):
                if f"{node.module}.{alias.name}" in sys.modules:
                    value = sys.modules[f"{node.module}.{alias.name}"]
                else:
                    raise self.unsupported(f"importing '{alias.name}' from {node.module}", node)
            else:
                value = getattr(module, alias.name)
            self.env[alias.asname or alias.name] = value

    def imported(self, name, node):
        if name not in sys.modules:
            raise self.unsupported(f"importing {name}, which is not imported yet", node)
        return importlib.import_module(name)

    def expr_ListComp(self, node):
        """A comprehension over sequences of known length (tuples, lists, zip/enumerate of
        them, range of constants): unrolled when compiling, each item one value. Over arrays
        or ranges of run-time length: the array NumPy makes of it (comprehension_arrays.py)."""
        if self.runtime_items(node.generators[0].iter):
            from .comprehension_arrays import comprehension_array
            return comprehension_array(self, node)
        return ListValue(self.unrolled(node, node.generators))

    def runtime_items(self, it) -> bool:
        """Does iterating ``it`` (an array, a range, zip/enumerate of those) make a number
        of items known only at run time?"""
        from .iteration import iterated_call
        func = iterated_call(self, it)
        parts = [] if func is not None and not it.args else \
            it.args[:1] if func is enumerate else it.args if func is zip else [it]
        for part in parts:
            if isinstance(part, gast.Call) and isinstance(part.func, gast.Name) and \
                    self.lookup(part.func.id, part.func) is range:
                if any(isinstance(self.expr(a), Node) for a in part.args):
                    return True
                continue
            if isinstance(part, gast.Starred):
                return False
            value = self.expr(part)
            if isinstance(value, Node) and value.ndim and not value.weak:
                return True
        return False

    def expr_GeneratorExp(self, node):
        if self.runtime_items(node.generators[0].iter):
            from .comprehension_arrays import RunTimeGenerator
            return RunTimeGenerator(node)       # for sum(): comprehension_arrays.generator_sum
        return tuple(self.unrolled(node, node.generators))

    def unrolled(self, node, generators):
        gen, rest = generators[0], generators[1:]
        if gen.is_async:
            raise self.unsupported("an async comprehension", node)
        iterable = self.static_iterable(gen.iter)
        if isinstance(iterable, range):
            iterable = tuple(iterable)
        if not isinstance(iterable, (tuple, list)):
            raise self.unsupported("a comprehension over something other than a sequence of known length", node)
        names = {n.id for n in gast.walk(gen.target) if isinstance(n, gast.Name)}
        saved = {n: self.env[n] for n in names if n in self.env}
        items = []
        try:
            for item in iterable:
                self.bind(gen.target, item)
                if all(self.truth(self.expr(cond), cond) for cond in gen.ifs):
                    items += self.unrolled(node, rest) if rest else [self.expr(node.elt)]
        finally:
            for n in names:          # comprehension variables are local to it (Python 3)
                self.env.pop(n, None)
            self.env.update(saved)
        return items

    def static_iterable(self, node):
        """The value of an iterable expression; ``zip``/``enumerate`` of sequences of known
        length are their tuple of items."""
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and not node.keywords:
            func = self.expr(node.func)
            if func in (zip, enumerate):
                args = [self.expr(a) for a in node.args]
                if all(isinstance(a, (tuple, list, range)) for a in args[:1 if func is enumerate else None]):
                    with numpy_semantics():
                        return tuple(func(*args))
        return self.expr(node)

"""docs/supported.md is the exact list of what the frontend compiles, both ways.

The accepted sets are derived at run time, never copied here: ufuncs from the op table
(``UFUNC_OPS``, under every public NumPy name bound to them), functions from
``calls.CALL_HANDLERS`` plus the few that ``lower.py`` dispatches itself (its reductions
table, ``np.where``, ``np.transpose``), array methods and attributes by asking the frontend
about every name ``np.ndarray`` has, dtypes by translating a function for each dtype, and
Python statements and expressions from the lowerer's ``stmt_``/``expr_`` methods. A name the
doc lists must be accepted, and every accepted name must be listed.
"""
import builtins
import linecache
import re
from pathlib import Path

import numpy as np
import pytest

from npaccel.errors import UnsupportedError
from npaccel.frontend import function_graph, lower, operators
from npaccel.frontend.calls import CALL_HANDLERS, load_handlers
from npaccel.ir.signature import signature_of
from npaccel.ir.ops import UFUNC_OPS

DOC = Path(__file__).resolve().parent.parent / "docs" / "supported.md"
# functions lower.py dispatches without a registry entry (besides its reductions table);
# each is also compiled below, so this list cannot claim what the frontend rejects
LOWER_DISPATCH = {"where": "np.where(x > 0, x, 0)", "transpose": "np.transpose(x)", "mean": "np.mean(x)",
                  "std": "np.std(x)", "var": "np.var(x)"}
SUBMODULES = ("linalg", "fft", "random")
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
          "float32", "float64", "longdouble", "complex64", "complex128", "datetime64[s]", "timedelta64[s]",
          "U3", "S3", "O"]


def doc_names():
    """{section: set of names}: the backticked names before the first ' — ' of each bullet
    in a section introduced by ``<!-- names: section -->``."""
    sections, current = {}, None
    for line in DOC.read_text().splitlines():
        marker = re.match(r"<!-- names: (\w+) -->", line.strip())
        if marker:
            current = sections.setdefault(marker.group(1), set())
            continue
        if line.startswith("#"):
            current = None
        elif current is not None and line.startswith("- "):
            current.update(re.findall(r"`([^`]+)`", line.split(" — ")[0]))
    return sections


def public_names(fn):
    names = [f"np.{n}" for n in dir(np) if not n.startswith("_") and getattr(np, n) is fn]
    for sub in SUBMODULES:
        mod = getattr(np, sub)
        names += [f"np.{sub}.{n}" for n in dir(mod) if not n.startswith("_") and getattr(mod, n) is fn]
    names += [n for n in dir(builtins) if not n.startswith("_") and getattr(builtins, n) is fn]
    return names


def source_function(text, name="probe"):
    filename = f"<supported-doc {name} {abs(hash(text))}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


def lowers(text, args):
    try:
        function_graph.lower_function(source_function(text), signature_of(args))
        return True
    except UnsupportedError:
        return False


def accepted_ufuncs():
    return {f"np.{n}" for n in dir(np) if not n.startswith("_") and isinstance(getattr(np, n), np.ufunc)
            and getattr(np, n) in UFUNC_OPS}


def accepted_functions():
    load_handlers()
    names = set()
    for fn in CALL_HANDLERS:
        names.update(n for n in public_names(fn) if n.startswith("np."))
    for name in (*operators.REDUCTIONS, *LOWER_DISPATCH):
        names.add(f"np.{name}")
    return names


def accepted_builtins():
    load_handlers()
    names = {n for fn in CALL_HANDLERS for n in public_names(fn) if not n.startswith("np.")}
    names.update(n for fn in operators.BUILTIN_UFUNCS for n in public_names(fn))
    return names | {"len", "range"}


def accepted_array_names():
    """(methods, attributes) of np.ndarray the frontend lowers: each name is tried."""
    load_handlers()
    methods, attributes = set(), set()
    x = np.ones((2, 3))
    for name in dir(np.ndarray):
        if name.startswith("_"):
            continue
        if lowers(f"def probe(x):\n    x.{name}\n    return x\n", (x,)):
            (methods if callable(getattr(np.ndarray, name)) else attributes).add(name)
    return methods, attributes


def accepted_dtypes():
    out = set()
    for dt in DTYPES:
        from npaccel.api.specialise import translate
        fn = source_function("def probe(x):\n    return x.copy()\n")
        try:
            translate(fn, signature_of((np.zeros(3, dt),)))
            out.add(np.dtype(dt).name)
        except UnsupportedError:
            pass
    return out


def lowerer_constructs(prefix):
    return {m[len(prefix):] for m in dir(lower.FunctionLowerer) if m.startswith(prefix)}


def same(listed, accepted, what):
    missing, extra = sorted(accepted - listed), sorted(listed - accepted)
    assert not missing and not extra, (f"docs/supported.md, {what}: accepted but not listed {missing}; "
                                       f"listed but not accepted {extra}")


@pytest.fixture(scope="module")
def doc():
    return doc_names()


def test_doc_has_every_section(doc):
    assert set(doc) == {"ufuncs", "functions", "builtins", "methods", "attributes", "dtypes", "statements",
                        "expressions"}


def test_ufuncs(doc):
    same(doc["ufuncs"], accepted_ufuncs(), "ufuncs")


def test_functions(doc):
    same(doc["functions"], accepted_functions(), "functions")


def test_functions_lower_dispatches_itself_really_compile():
    x = np.arange(6.0).reshape(2, 3) - 2
    for name, call in LOWER_DISPATCH.items():
        assert lowers(f"def probe(x):\n    return {call}\n", (x,)), name
    for name in operators.REDUCTIONS:
        assert lowers(f"def probe(x):\n    return np.{name}(x, axis=0)\n", (x,)), name


def test_builtins(doc):
    same(doc["builtins"], accepted_builtins(), "Python built-ins")


def test_methods_and_attributes(doc):
    methods, attributes = accepted_array_names()
    same(doc["methods"], methods, "array methods")
    same(doc["attributes"], attributes, "array attributes")


def test_dtypes(doc):
    same(doc["dtypes"], accepted_dtypes(), "dtypes")


def test_python_constructs(doc):
    same(doc["statements"], lowerer_constructs("stmt_"), "statements")
    same(doc["expressions"], lowerer_constructs("expr_"), "expressions")

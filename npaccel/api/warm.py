"""Warm processes skip the frontend: an index from what decides a lowering to its result.

Without it, the first call of each signature in a new process lowers the function, plans
and generates C (100-250 ms for a 20-line loop function) only to find the artefact that the
generated source names already on disk. The index (cache/warm_index.py, in the same cache)
maps straight to that artefact, keyed by

- npaccel (version, IR format, the stat of every module of the package, so an edited
  checkout never reuses an old lowering), Python, NumPy, the C compiler's path, version
  and flags, the CPU and the runtime headers (``build_environment``);
- the function: module, qualified name, file, first line, source, bytecode, defaults;
- the argument signature (ir/signature.py);

and, per variant under that key, the values the lowering read by name: globals, closure
cells, builtins, module attributes, and through inlined helpers their source and what they
read (frontend/reads.py). A lookup re-reads those names in the function's current globals
and closure and compares fingerprints; any difference is a miss, and the function lowers
as without an index. What a hit needs to call the artefact comes with it: the graph's
parameters and outputs (its body and the lowering's bookkeeping stripped), the argument
layout, the run-time checks and whether it calls the BLAS.

Only whole functions compiled for the CPU are indexed: a signature whose lowering predicts
an error, a function run in segments (api/segments.py) and the GPU target lower every time
as before. The options that do not change generated code (threads, fallback policy, BLAS)
are applied when the call is built, so they are not part of the key.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
import os
import sys
import textwrap

import numpy as np

from ..cache.key import make_key
from ..cache.warm_index import read_payload, touch_payload, write_payload
from ..errors import CompileError, UnsupportedError
from ..frontend.reads import Unfingerprintable, function_fingerprint, recording, replay
from ..frontend.source import function_source
from ..passes.plan import uses_library
from ..runtime.marshal import in_kernel_checks, written_params
from .specialise import build_environment, cache_key, load_cpu

log = logging.getLogger("npaccel")

INDEX_FORMAT = 1
MAX_VARIANTS = 4         # per key: the most recent sets of read values kept


class WarmStart:
    """The index's view of one (function, argument signature): ``lookup`` before lowering,
    ``recording`` around it, ``remember`` after a build."""

    def __init__(self, fn, signature):
        self.fn, self.signature = fn, signature
        self._name = False       # not computed yet; None: this function is not indexed

    def name(self):
        """The index key, None where the function cannot be indexed (no source, no compiler)."""
        if self._name is False:
            self._name = index_name(self.fn, self.signature)
        return self._name

    def lookup(self, plain):
        """The call function from the index, or None (a miss: lower as usual)."""
        try:
            name = self.name()
            if name is None:
                return None
            from ..cache.store import default_store
            payload = read_payload(default_store().index_dir, name)
            for variant in (payload or {}).get("variants", ()):
                if replay(self.fn, variant["reads"]):
                    graph, layout, checks, blas = variant["caller"]
                    call = load_cpu(self.fn, self.signature, variant["artefact"], graph, layout,
                                    checks, blas, plain)
                    if call is not None:
                        touch_payload(default_store().index_dir, name)
                    return call
        except Exception as exc:   # noqa: BLE001 - the index only saves time: whatever goes wrong
            log.info("%s: warm index not used (%s: %s)", self.fn.__qualname__, type(exc).__name__, exc)
        return None                # with it, the function lowers as it would without one

    def recording(self):
        """Context manager: the ReadLog of the lowering inside it."""
        return recording(self.fn)

    def remember(self, compiled, reads):
        """Index a translated and built specialisation (``reads``: its lowering's ReadLog)."""
        try:
            name = self.name()
            if name is None or reads.why_not is not None or compiled.pending_error is not None:
                if reads.why_not:
                    log.debug("%s: not indexed: %s", self.fn.__qualname__, reads.why_not)
                return
            if index_name(self.fn, self.signature) != name or not lowered_current_source(self.fn, reads):
                return          # the source changed while it was lowered: the next lowering indexes it
            from ..build.toolchain import find_c_compiler
            from ..cache.store import default_store
            variant = {"reads": list(reads.reads),
                       "artefact": cache_key(compiled.source, find_c_compiler()),
                       "caller": (call_graph(compiled.graph), compiled.layout, tuple(compiled.checks),
                                  uses_library(compiled.plan))}
            directory = default_store().index_dir
            kept = [v for v in (read_payload(directory, name) or {}).get("variants", ())
                    if v.get("reads") != variant["reads"]]
            write_payload(directory, name, {"variants": [variant, *kept[:MAX_VARIANTS - 1]]})
        except Exception as exc:   # noqa: BLE001 - e.g. a constant that does not pickle: not indexed
            log.info("%s: not indexed (%s: %s)", self.fn.__qualname__, type(exc).__name__, exc)


def index_name(fn, signature):
    """The index key of ``fn`` for ``signature``; None where it has none."""
    from ..build.toolchain import find_c_compiler
    try:
        compiler = find_c_compiler()
        function = function_fingerprint(fn)
    except (CompileError, Unfingerprintable):
        return None
    return make_key({"index": INDEX_FORMAT, "build": build_environment(compiler), "code": package_digest(),
                     "python": sys.version, "function": function, "signature": signature_text(signature)})


def signature_text(signature) -> str:
    """Every field of every spec of an argument signature (ir/signature.py), dtypes by
    their type string (repr of a dtype costs milliseconds on first use).

    >>> import numpy as np
    >>> from npaccel.ir.signature import signature_of
    >>> signature_text(signature_of((np.ones((3, 1), np.float32), 2)))
    'ArraySpec(dtype=<f4,ones=(False, True),contiguous=True,last=0);ScalarSpec(dtype=<i8,weak=True)'
    """
    def field_text(value):
        return value.str if isinstance(value, np.dtype) and value.fields is None else repr(value)
    return ";".join(f"{type(spec).__name__}(" + ",".join(f"{f.name}={field_text(getattr(spec, f.name))}"
                                                         for f in dataclasses.fields(spec)) + ")"
                    for spec in signature)


def call_graph(graph):
    """``graph`` with only what a call needs: no program body (the arguments it writes are
    kept in ``written_params``, its checks in ``in_kernel_checks``) and none of explain()'s
    bookkeeping.

    >>> import numpy as np
    >>> from npaccel.ir import program as P
    >>> from npaccel.ir.nodes import Graph, Param
    >>> u = Param(index=0, name="u", dtype=np.dtype("float64"), shape=(4,))
    >>> g = call_graph(Graph(params=(u,), outputs=(), output_kind="none",
    ...                      body=(P.Store(u, u),), names={"u": u}, function="f"))
    >>> g.body, g.names, g.function, g.written_params, g.in_kernel_checks
    ((), {}, 'f', (0,), ())
    """
    return dataclasses.replace(graph, body=(), names={}, folded=(), written_params=written_params(graph),
                               in_kernel_checks=in_kernel_checks(graph))


def lowered_current_source(fn, reads) -> bool:
    """Was every function lowered (``fn`` and the helpers it read) parsed from the source
    its fingerprint has now? (frontend/source.py keeps one parse per code object.)"""
    helpers = [v for (_, _, _, fp), v in zip(reads.reads, reads.values) if fp.startswith("fn:")]
    for f in [fn, *helpers]:
        try:
            src = function_source(f)
            lines, first = inspect.getsourcelines(f)
        except (OSError, TypeError, UnsupportedError):
            return False
        text = "".join(lines)
        if src.first_line != first or not (src.text in text if f.__name__ == "<lambda>" else
                                           src.text == textwrap.dedent(text)):
            return False
    return True


@functools.lru_cache(maxsize=1)
def package_digest() -> str:
    """The name, size and mtime of every module of npaccel: a changed npaccel (another
    version, an edited checkout) has a new digest, so it never reuses an older lowering."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stats = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                stats.append(f"{os.path.relpath(os.path.join(folder, name), root)}:{st.st_size}:{st.st_mtime_ns}")
    return make_key({"modules": stats})

"""What a Dask task runs on its NumPy blocks: the accelerated function itself
(``FunctionBlocks``), or a kernel compiled from a piece of the op graph (``GraphKernel``:
a reduction's per-chunk part, its combine, an elementwise region feeding Dask's own code).

Both pickle small and compile in the worker on first use: the accelerated function travels by
source (api/accelerate.py ``__reduce__``), a graph kernel as its op graph; each process
compiles or loads a signature once, and the disk cache (race-safe across processes) makes
workers sharing a cache directory compile it once between them.
"""
from __future__ import annotations

import socket
import threading
import types

import numpy as np

from ..errors import CompileError
from ..ir.nodes import Param

_loaded = {}
_lock = threading.Lock()


def require_compiler(what):
    """Raise a clear CompileError when this process (a Dask worker) has no C compiler."""
    from ..build.toolchain import find_c_compiler
    try:
        find_c_compiler()
    except CompileError as exc:
        raise CompileError(f"npaccel on Dask worker {socket.gethostname()}: cannot compile {what}: {exc} "
                           "Every worker needs a C compiler (or NPACCEL_CC pointing at one).") from exc


class FunctionBlocks:
    """Calls the accelerated function on one set of blocks. Arguments the function writes are
    copied first (a block may be Dask's stored chunk, which must not change)."""

    def __init__(self, fn, written, nout):
        self.fn, self.written, self.nout = fn, tuple(written), nout

    def __call__(self, *values):
        require_compiler(self.fn.__qualname__)
        # a block received from another worker may sit unaligned in the message buffer
        values = tuple(np.array(v) if isinstance(v, np.ndarray) and (i in self.written or not v.flags.aligned)
                       else v for i, v in enumerate(values))
        out = self.fn(*values)
        return tuple(out) if self.nout > 1 else out


class GraphKernel:
    """A kernel compiled from an op graph the plan built (reduction parts, regions)."""

    def __init__(self, graph, label):
        from ..ir.printer import format_graph
        self.graph, self.label = graph, label
        self.text = format_graph(graph)       # what the kernel computes: its identity across pickling

    def __call__(self, *values):
        from ..ir.signature import signature_of
        # the graph's parameters are C-contiguous (a block of a from_array chunk may be a view);
        # a 0-d block Dask made with a ufunc arrives as a NumPy scalar
        values = tuple(np.require(v, requirements=("C", "A")) if isinstance(v, np.ndarray) or
                       (isinstance(v, np.generic) and isinstance(p, Param)) else v
                       for v, p in zip(values, self.graph.params))
        signature = signature_of(values)
        key = (self.text, signature)
        call = _loaded.get(key)
        if call is None:
            with _lock:
                call = _loaded.get(key) or self._build(signature)
                _loaded[key] = call
        return call(values)

    def _build(self, signature):
        from ..api.specialise import translate
        from ..api.targets import TARGETS, build
        require_compiler(self.label)
        owner = types.SimpleNamespace(__qualname__=self.label, __module__="npaccel.dask")
        compiled = translate(owner, signature, (self.graph, [], None))
        return build(TARGETS["cpu"], owner, signature, compiled)[0]

    def __getstate__(self):
        return {"graph": self.graph, "label": self.label, "text": self.text}

    def __setstate__(self, state):
        self.__dict__.update(state)

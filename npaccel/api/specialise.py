"""One function, one argument signature -> a translated specialisation, and the keys of
its artefacts.

lower (frontend) -> PIPELINE (passes) -> C source (codegen) -> key -> cache or build -> load;
``translate`` does the first three, targets.py the rest for each target; ``load_cpu`` is the
warm index's path to an artefact already built (api/warm.py).
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

from ..version import __version__
from ..cache.key import make_key
from ..config import get_config
from ..errors import internal_errors
from ..frontend.function_graph import lower_function
from ..ir.signature import describe
from ..passes.records import Plan
from ..runtime.loader import ffi, load_entry
from ..runtime.call_plan import call_program
from ..runtime.marshal import build_caller

IR_FORMAT_VERSION = 3   # 2: check records in ir.checks, signatures in ir.signature, kernel kinds an enum;
#                         3: programs planned per target by passes, Graph fields for its meta
log = logging.getLogger("npaccel")


@dataclass
class Compiled:
    graph: object
    plan: object
    source: str
    layout: object
    checks: list
    pending_error: object


def translate(fn, signature, lowered=None) -> Compiled:
    """Everything up to the C source; no compiler run. Raises UnsupportedError.
    ``lowered``: an already lowered (graph, checks, pending_error), e.g. a segment."""
    if lowered is None:
        code = getattr(fn, "__code__", None)
        with internal_errors("lowering", code and f"{code.co_filename}:{code.co_firstlineno}"):
            lowered = lower_function(fn, signature)
    graph, checks, pending = lowered
    where = graph.where
    with internal_errors("planning", where):
        from ..passes.pipeline import run_pipeline     # the passes: not on the warm-start path
        plan = run_pipeline(Plan(graph=graph, equal_dims=tuple(checks)))
    with internal_errors("generating C", where):
        from ..codegen.c_source import generate_c       # not on the warm-start path (api/warm.py)
        source, layout = generate_c(plan)
    return Compiled(graph, plan, source, layout, checks, pending)


def build_environment(compiler, target="cpu") -> dict:
    """Everything besides the generated source that decides a CPU artefact (its cache key's
    other parts; the warm index's key has them too: api/warm.py)."""
    from ..build.toolchain import c_flags, cpu_signature, runtime_headers_digest
    import numpy
    return {"npaccel": __version__, "ir": IR_FORMAT_VERSION, "numpy": numpy.__version__,
            "compiler": [compiler.path, compiler.version], "flags": list(c_flags(compiler)),
            "target": target, "arch": cpu_signature(), "headers": runtime_headers_digest()}


def cache_key(source, compiler, target="cpu"):
    return make_key({**build_environment(compiler, target), "source": source})


def cpu_caller(graph, layout, checks, entry, plain):
    """The call function of a loaded CPU kernel library (runtime/marshal.py)."""
    with internal_errors("preparing the call", graph.where):
        caller = build_caller(graph, layout, checks, entry, ffi, get_config().num_threads, plain=plain)
    if plain is not None:     # a whole function: the C dispatcher may take its calls (runtime/call_plan.py)
        caller.fast_plan = functools.partial(call_program, graph, layout, checks, entry, caller.__globals__)
    return caller


def load_cpu(fn, signature, key, graph, layout, checks, blas, plain=None):
    """The call function of the CPU artefact ``key`` when the cache holds it and it loads,
    else None (never builds): the warm index's path (api/warm.py), where ``graph``,
    ``layout``, ``checks`` and ``blas`` (its plan calls the BLAS) come from an earlier
    lowering of the same function and signature. An artefact that does not load is
    discarded, so that lowering builds it again."""
    from ..cache.store import default_store
    from ..runtime.loader import ArtefactLoadError
    start = time.perf_counter()
    store = default_store()
    path = store.lookup(key)
    if path is None:
        return None
    try:
        entry = load_entry(path, blas=blas)
    except ArtefactLoadError:
        store.discard(key, path)
        return None
    log.info("%s(%s): warm index and disk cache hit in %.1f ms", fn.__qualname__, describe(signature),
             1000 * (time.perf_counter() - start))
    return cpu_caller(graph, layout, checks, entry, plain)


def cuda_cache_key(source, nvcc, arch):
    """Key of a CUDA kernel library: like the CPU key, with nvcc, its flags and the GPU
    architecture (compute capability) in place of the C compiler and the CPU."""
    from ..build.nvcc import normalise_arch, nvcc_flags
    from ..build.toolchain import runtime_headers_digest
    import numpy
    return make_key({
        "npaccel": __version__, "ir": IR_FORMAT_VERSION, "numpy": numpy.__version__,
        "source": source, "compiler": [nvcc.path, nvcc.version], "flags": list(nvcc_flags(arch)),
        "target": "cuda", "arch": normalise_arch(arch), "headers": runtime_headers_digest(),
    })

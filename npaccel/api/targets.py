"""Targets: what turns a translated specialisation into a call function on one machine.

``build`` is the same for every target: the target's tools (compiler, device), its source
for the plan, the artefact from the disk cache or its compiler, loaded (an artefact that
does not load is removed and rebuilt once), and the call function. A target supplies each
step; a new backend is one more ``Target`` subclass in ``TARGETS``, which
``accelerate(target=...)`` names (api/accelerate.py).

>>> sorted(TARGETS), TARGETS["cuda"].artefact
(['cpu', 'cuda'], 'CUDA kernel library')
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from ..ir.signature import describe
from ..passes.plan import uses_library
from ..runtime.loader import load_built, load_entry
from .specialise import Compiled, cache_key, cpu_caller, cuda_cache_key

log = logging.getLogger("npaccel")


class Target:
    """One kind of machine. Each method is one step of ``build``; ``tools`` is what
    ``tools()`` returned (found once per build)."""
    name = ""
    artefact = "kernel library"     # what the artefact is called in messages

    def tools(self):
        """What builds and runs code here (raises TargetUnavailable or CompileError)."""
        raise NotImplementedError

    def source(self, compiled: Compiled):
        """(source text, ArgLayout) for the plan (raises UnsupportedError where this
        target has no code for it: checked before its tools are looked for)."""
        raise NotImplementedError

    def cache_key(self, source, tools) -> str:
        raise NotImplementedError

    def record(self, tools) -> dict:
        """What the cache entry's metadata says of the target besides its name."""
        return {}

    def compile(self, source, workdir, tools):
        """The built artefact's path (raises CompileError)."""
        raise NotImplementedError

    def load(self, path, compiled: Compiled, tools):
        """The loaded entry point (raises ArtefactLoadError for an artefact that does not load)."""
        raise NotImplementedError

    def caller(self, fn, compiled: Compiled, layout, entry, tools, plain):
        """The call function: arguments in, NumPy's results out."""
        raise NotImplementedError

    def describe(self, tools) -> str:
        """How the log names a build for this target ("" for the default one)."""
        return ""


class CpuTarget(Target):
    """C with OpenMP, built by the system C compiler (build/cc.py)."""
    name = "cpu"

    def tools(self):
        from ..build.toolchain import find_c_compiler
        return find_c_compiler()

    def source(self, compiled):
        return compiled.source, compiled.layout       # translate() generated it (explain shows it)

    def cache_key(self, source, tools):
        return cache_key(source, tools)

    def compile(self, source, workdir, tools):
        from ..build.cc import compile_c_shared
        return compile_c_shared(source, workdir, tools)

    def load(self, path, compiled, tools):
        return load_entry(path, blas=uses_library(compiled.plan))

    def caller(self, fn, compiled, layout, entry, tools, plain):
        return cpu_caller(compiled.graph, layout, compiled.checks, entry, plain)


@dataclass(frozen=True)
class CudaTools:
    nvcc: object          # build/nvcc.py's Nvcc
    runtime: object       # runtime/cuda.py's CudaRuntime (None: compile only)
    arch: str             # the device's compute capability, as nvcc takes it


class CudaTarget(Target):
    """CUDA C built by nvcc for the device's architecture; cuBLAS for products."""
    name = "cuda"
    artefact = "CUDA kernel library"

    def tools(self):
        from ..build.nvcc import find_nvcc
        from ..runtime import cuda as rt
        nvcc = find_nvcc()
        runtime = rt.cuda_runtime(nvcc)
        return CudaTools(nvcc, runtime, rt.device_arch(runtime, nvcc))

    def source(self, compiled):
        from ..codegen.cuda_source import generate_cuda
        from ..passes.program_plan import for_target
        return generate_cuda(for_target(compiled.plan, "cuda"))

    def cache_key(self, source, tools):
        return cuda_cache_key(source, tools.nvcc, tools.arch)

    def record(self, tools):
        from ..build.nvcc import normalise_arch
        return {"arch": normalise_arch(tools.arch)}

    def compile(self, source, workdir, tools):
        from ..build import nvcc
        return nvcc.compile_cuda_shared(source, workdir, tools.nvcc, tools.arch)

    def load(self, path, compiled, tools):
        from ..runtime import cuda as rt
        try:
            lib = rt.load_cuda_library(path)
            if uses_library(compiled.plan):      # matrix products: cuBLAS's entry points
                tools.runtime.bind_cublas(lib)
            return lib.npaccel_cuda_entry
        except (OSError, AttributeError):
            with rt._lock:                       # not kept loaded: a rebuild is read again
                rt._entries.pop(str(path), None)
            raise

    def caller(self, fn, compiled, layout, entry, tools, plain):
        from ..runtime import cuda as rt
        from ..runtime.cuda_call import build_cuda_caller
        return build_cuda_caller(compiled.graph, layout, compiled.checks, entry, tools.runtime, rt.ffi,
                                 plain=plain or fn)

    def describe(self, tools):
        return f" on CUDA ({tools.arch})"


TARGETS = {t.name: t for t in (CpuTarget(), CudaTarget())}


def stored_artefact(target: Target, fn, signature, source, tools, segment=None):
    """(path of the artefact built from ``source``, disk_hit): the disk cache's, or the
    target's compiler's, kept in the cache with what the listing shows of it."""
    from ..cache.store import default_store
    meta = {"function": getattr(fn, "__qualname__", str(fn)), "module": getattr(fn, "__module__", "?"),
            "signature": describe(signature), "target": target.name, **target.record(tools)}
    if segment:
        meta["segment"] = segment
    return default_store().get_or_build(target.cache_key(source, tools),
                                        lambda workdir: target.compile(source, workdir, tools),
                                        source=source, meta=meta)


def build(target: Target, fn, signature, compiled: Compiled, plain=None, segment=None):
    """(call function, disk_hit) for a translated specialisation on ``target``.
    ``plain(*values)`` runs the function in Python where a run-time guard asks for it (None:
    the guard is an error). ``segment``: {"index": first statement, "lines": "a-b"} for a
    segment of a partly compiled function (kept in the cache entry's metadata)."""
    from ..cache.store import default_store
    source, layout = target.source(compiled)
    tools = target.tools()
    start = time.perf_counter()
    entry, hit = load_built(
        lambda: stored_artefact(target, fn, signature, source, tools, segment),
        lambda path: target.load(path, compiled, tools),
        lambda path: default_store().discard(target.cache_key(source, tools), path), target.artefact)
    log.info("%s(%s)%s%s: %s in %.1f ms", fn.__qualname__, describe(signature),
             f", segment at lines {segment['lines']}" if segment else "", target.describe(tools),
             "disk cache hit" if hit else "compiled", 1000 * (time.perf_counter() - start))
    return target.caller(fn, compiled, layout, entry, tools, plain), hit


def explain_source(target: Target, compiled: Compiled) -> str:
    """The generated source of ``target`` for explain(), or why there is none."""
    from ..errors import UnsupportedError
    try:
        source, _ = target.source(compiled)
    except UnsupportedError as exc:
        return f"== generated {target.name.upper()} ==\nnone: {exc} (runs on the CPU)"
    return f"== generated {target.name.upper()} ==\n" + source

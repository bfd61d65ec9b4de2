"""The @accelerate decorator: dispatch by argument signature, stats, explain, fallback."""
from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import sys
import threading
import time
import types
import warnings

from ..config import get_config
from ..errors import CompileError, FallbackWarning, InternalError, TargetUnavailable, UnsupportedError, internal_errors
from ..frontend.semantics import UnsupportedArgument
from ..ir.signature import DeviceArraySpec, describe, signature_of
from ..runtime.dispatch_ext import MISS, attach as attach_fast
from ..runtime.forking import renew_after_fork
from .explain import Explanation, explain_text
from .pickling import reduce_accelerated
from .specialise import translate
from .targets import TARGETS, build, explain_source
from .user_code import unwrap_callable, user_stacklevel
from .warm import WarmStart     # imported here, not on a new process's first call

log = logging.getLogger("npaccel")

_POLICIES = ("warn", "raise", "silent")


class Accelerated:
    """A Python function whose calls run as compiled kernels, one per argument signature."""

    def __init__(self, fn, target, fallback):
        if target is not None and target != "auto" and target not in TARGETS:
            raise ValueError(f"target={target!r}: expected one of {', '.join(('auto', *TARGETS))}")
        if fallback is not None and fallback not in _POLICIES:
            raise ValueError(f"fallback={fallback!r}: expected one of {', '.join(_POLICIES)}")
        functools.update_wrapper(self, fn)
        if not hasattr(self, "__qualname__"):      # a functools.partial has no names of its own
            self.__name__ = getattr(unwrap_callable(fn)[0], "__name__", type(fn).__name__)
            self.__qualname__ = f"partial({getattr(unwrap_callable(fn)[0], '__qualname__', self.__name__)})"
        self.__signature__ = inspect.signature(fn)
        self._orig = fn
        # a bound method or functools.partial compiles its function, the bound values first
        self._fn, self._preset_args, self._preset_kwargs = unwrap_callable(fn)
        self._params = inspect.signature(self._fn).parameters
        self._target = target
        self._fallback = fallback
        self._specs = {}
        self._fast = None        # the C dispatcher (runtime/dispatch_ext.py), from a signature's 2nd call
        self._lock = threading.RLock()
        renew_after_fork(self, "_lock", threading.RLock)      # a forked child never waits on it
        self._warned = set()
        self._stats = {"calls": 0, "compiles": 0, "memory_hits": 0, "disk_hits": 0,
                       "fallbacks": 0, "fallback_reasons": [], "gpu_signatures": 0,
                       "fallback_counts": {}, "compile_times": {}, "index_hits": 0}
        self._simple = not self._preset_args and not self._preset_kwargs and \
            all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
                for p in self._params.values())

    # ---- policy -------------------------------------------------------------------
    @property
    def policy(self):
        return self._fallback or get_config().fallback

    @property
    def target(self):
        return self._target or get_config().target

    def _resolve_target(self):
        """A name in TARGETS. "auto" is the GPU when one is usable (a CUDA device, nvcc and
        the driver), else the CPU, silently; "cuda" without them raises TargetUnavailable
        naming what is missing; another target is its own name."""
        target = self.target
        if target not in ("auto", "cuda"):
            return target
        if target == "auto":
            from ..build.devices import gpu_status
            if not gpu_status().available:       # no GPU: not even the CUDA module is imported
                return "cpu"
        from ..runtime.cuda import cuda_usable   # imported on demand: npaccel never needs CUDA
        usable, detail = cuda_usable(every_reason=target == "cuda")
        if usable:
            return "cuda"
        if target == "cuda":
            raise TargetUnavailable(f"target='cuda' is unavailable: {detail} (use target='cpu' or 'auto')")
        return "cpu"

    # ---- calls --------------------------------------------------------------------
    def _bind(self, args, kwargs):
        """The value of every parameter, in order, exactly as Python binds the call."""
        if self._simple and not kwargs and len(args) == len(self._params):
            return args
        if self._preset_kwargs:
            kwargs = {**self._preset_kwargs, **kwargs}
        bound = inspect.signature(self._fn).bind(*self._preset_args, *args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def _plain(self, *values):
        """The plain function called with bound parameter values (the inverse of _bind)."""
        if self._simple:
            return self._fn(*values)
        args, kwargs = [], {}
        for p, value in zip(self._params.values(), values):
            if p.kind is p.VAR_POSITIONAL:
                args.extend(value)
            elif p.kind is p.VAR_KEYWORD:
                kwargs.update(value)
            elif p.kind is p.KEYWORD_ONLY:
                kwargs[p.name] = value
            else:
                args.append(value)
        return self._fn(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        if get_config().disable:
            return self._orig(*args, **kwargs)
        fast = self._fast
        if fast is not None and not kwargs:
            result = fast(args)      # in C: the signature's plan, or MISS (the path below)
            if result is not MISS:
                return result
        try:
            values = self._bind(args, kwargs)
        except TypeError:
            return self._orig(*args, **kwargs)   # let Python report the bad call
        if "dask" in sys.modules and any(type(v).__module__.startswith("dask") for v in values):
            from ..dask import call_on_dask       # lazy Dask arrays in, lazy Dask arrays out
            return call_on_dask(self, values)
        key = signature_of(values)
        call = self._specs.get(key)
        self._stats["calls"] += 1
        if call is None:
            call = self._specialise(key)
        else:
            self._stats["memory_hits"] += 1
            if getattr(call, "fast_plan", None) is not None:
                self._attach_fast(key, call)
        return call(values)

    @functools.cached_property
    def _defaults_only(self):
        """A plain Python function whose parameters are all positional, some with defaults:
        the C dispatcher completes a shorter call from its ``__defaults__``."""
        return isinstance(self._fn, types.FunctionType) and not self._preset_args and \
            not self._preset_kwargs and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                                            for p in self._params.values())

    def _attach_fast(self, key, call):
        """Hand the calls of a compiled CPU specialisation to the C dispatcher (counted in
        stats there); plain positional calls only."""
        with self._lock:
            make, call.fast_plan = call.fast_plan, None
            if make is not None and self._specs.get(key) is call and (self._simple or self._defaults_only):
                self._fast = attach_fast(self._fast, len(self._params), functools.partial(make, key),
                                         None if self._simple else self._fn)

    def recompile(self):
        """Drop the compiled specialisations: the next call of each signature reads module
        globals and closure cells again (they are read once, when a signature compiles)."""
        with self._lock:
            self._specs.clear()
            self._warned.clear()
            self.__dict__.pop("_pickle_token", None)      # its next pickle compiles anew elsewhere
            if self._fast is not None:
                self._fast.clear()

    def _specialise(self, key):
        with self._lock:
            call = self._specs.get(key)
            if call is not None:
                self._stats["memory_hits"] += 1
                return call
            target = self._resolve_target()
            signature = describe(key)
            start = time.perf_counter()
            try:
                warm = self._warm_start(key, target)
                call = warm.lookup(self._plain) if warm is not None else None
                if call is not None:             # a new process's first call: no lowering
                    self._stats["disk_hits"] += 1
                    self._stats["index_hits"] += 1
                    self._timed(signature, start)
                    self._specs[key] = call
                    return call
                with warm.recording() if warm is not None else contextlib.nullcontext() as reads:
                    compiled = translate(self._fn, key)
                if compiled.pending_error is not None:
                    call = self._raises(compiled.pending_error, signature)
                else:
                    call, hit = self._build_gpu(key, compiled) if target == "cuda" else \
                        self._build_on(target, key, compiled)
                    self._stats["disk_hits" if hit else "compiles"] += 1
                    self._timed(signature, start)
                    if warm is not None:
                        warm.remember(compiled, reads)
            except UnsupportedError as exc:
                # segments run on the CPU; under "raise", only around arguments of other types
                # (a method's self): the first statement run in Python is then the error
                segments = (self.policy != "raise" or isinstance(exc, UnsupportedArgument)) and \
                    not any(isinstance(spec, DeviceArraySpec) for spec in key)
                call = self._segmented(signature) if segments else \
                    self._fall_back(exc.where, exc.construct, exc, signature)
            except CompileError as exc:
                call = self._fall_back(None, f"compilation failed ({str(exc).splitlines()[0]})", exc, signature)
            self._specs[key] = call
            return call

    def _warm_start(self, key, target):
        """The warm index's view of this signature (api/warm.py), None where it is not used:
        the GPU, arguments in GPU memory, a callable that is not a plain function."""
        if target != "cpu" or not isinstance(self._fn, types.FunctionType) or \
                any(isinstance(spec, DeviceArraySpec) for spec in key):
            return None
        return WarmStart(self._fn, key)

    def _timed(self, signature, start):
        self._stats["compile_times"].setdefault(signature, []).append(round(time.perf_counter() - start, 4))

    def _raises(self, error, signature):
        """NumPy or Python raises for every call of this signature (the lowering found the
        error): the plain function runs, so that the error is exactly Python's, raised after
        exactly the effects Python has. Should it return instead, the prediction was
        npaccel's mistake: warned about (an error under fallback="raise"), the result kept."""
        where = self._where()

        def run_expecting_error(values):
            result = self._plain(*values)
            exc = InternalError("lowering", error, where)
            self._note_fallback(where, exc.construct, exc, signature=signature)
            return result
        return run_expecting_error

    def _where(self):
        code = getattr(self._fn, "__code__", None)
        return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else None

    def _build_on(self, target, key, compiled):
        if any(isinstance(spec, DeviceArraySpec) for spec in key):
            raise UnsupportedError("arguments in GPU memory (__cuda_array_interface__) need target='cuda' "
                                   "or 'auto' with a usable GPU")
        with internal_errors("building or loading", compiled.graph.where):
            return build(TARGETS[target], self._fn, key, compiled, plain=self._plain)

    def _build_gpu(self, key, compiled):
        """Kernels the CUDA backend has no GPU code for yet run compiled on the CPU instead
        (warned about under target="cuda", silent under "auto"); with arguments already in
        GPU memory the plain function runs instead (their library executes it)."""
        try:
            with internal_errors("building or loading for CUDA", compiled.graph.where):
                call, hit = build(TARGETS["cuda"], self._fn, key, compiled, plain=self._plain)
        except UnsupportedError as exc:
            if self.target == "cuda" and self.policy == "raise":
                raise
            if self.target == "cuda" and self.policy == "warn":
                warnings.warn(f"npaccel: {exc}; {self.__qualname__} runs on the CPU for this signature",
                              FallbackWarning, stacklevel=user_stacklevel())
            log.info("%s: %s; compiled for the CPU instead", self.__qualname__, exc)
            return self._build_on("cpu", key, compiled)
        self._stats["gpu_signatures"] += 1
        return call, hit

    def _segmented(self, signature):
        """Compile what compiles; run each statement that does not in Python (api/segments)."""
        from .segments import SegmentedFunction
        fn, stats = self._fn, self._stats

        def build_segment(segment_signature, lowered, part):
            start = time.perf_counter()
            compiled = translate(fn, segment_signature, lowered)
            try:
                with internal_errors("building or loading", compiled.graph.where):
                    call, hit = build(TARGETS["cpu"], fn, segment_signature, compiled, plain=None, segment=part)
            except CompileError as exc:
                raise UnsupportedError(f"compilation failed ({str(exc).splitlines()[0]})",
                                       compiled.graph.where) from exc
            stats["disk_hits" if hit else "compiles"] += 1
            self._timed(f"{signature} (segment, lines {part['lines']}: "
                        f"{describe(segment_signature) or 'no arguments'})", start)
            return call

        def on_python(index, error):
            where, why = getattr(error, "where", None), getattr(error, "construct", str(error))
            self._note_fallback(where, why, error, "that statement runs in Python", signature)
        try:
            with internal_errors("splitting the function into statements", self._where()):
                return SegmentedFunction(fn, build_segment, on_python)
        except UnsupportedError as exc:
            return self._fall_back(exc.where, exc.construct, exc, signature)

    def _note_fallback(self, where, why, exc, what="runs in plain Python for this signature", signature=None):
        """Count one statement or call run in Python; warn and log once per distinct reason
        (raise under fallback="raise")."""
        reason = self._reason(where, why, exc, what, signature)
        self._stats["fallbacks"] += 1
        self._stats["fallback_counts"][reason] = self._stats["fallback_counts"].get(reason, 0) + 1

    def _reason(self, where, why, exc, what, signature):
        """The reason's text, registered, warned about and logged the first time it is seen."""
        reason = f"{where}: {why}" if where else why
        if self.policy == "raise":
            raise exc
        if reason not in self._stats["fallback_counts"]:
            self._stats["fallback_reasons"].append(reason)
            self._stats["fallback_counts"][reason] = 0
        if reason not in self._warned:
            self._warned.add(reason)
            hint = getattr(exc, "hint", None)
            log.info("%s(%s): %s; %s", self.__qualname__, signature or "", reason, what)
            if self.policy == "warn":
                warnings.warn(f"npaccel: {reason}; {what} ({self.__qualname__})" +
                              (f". Suggestion: {hint}" if hint else ""), FallbackWarning,
                              stacklevel=user_stacklevel())
        return reason

    def _fall_back(self, where, why, exc, signature=None):
        reason = self._reason(where, why, exc, "runs in plain Python for this signature", signature)
        plain, stats = self._plain, self._stats

        def run_in_python(values):
            stats["fallbacks"] += 1
            stats["fallback_counts"][reason] += 1
            return plain(*values)
        return run_in_python

    # ---- introspection ------------------------------------------------------------
    def stats(self) -> dict:
        """calls, compiles, memory_hits, disk_hits, fallbacks (statements or calls run in
        Python), fallback_reasons ("file:line: why", first seen first), fallback_counts
        (reason -> times run in Python), compile_times (signature -> seconds each time it was
        lowered and built or loaded, segments included), signatures, gpu_signatures,
        index_hits (signatures loaded through the warm index without lowering, counted in
        disk_hits too: api/warm.py)."""
        s = dict(self._stats)
        if self._fast is not None:      # calls the C dispatcher ran: memory hits
            s["calls"] += self._fast.hits
            s["memory_hits"] += self._fast.hits
        s["fallback_reasons"] = list(s["fallback_reasons"])
        s["fallback_counts"] = dict(s["fallback_counts"])
        s["compile_times"] = {k: list(v) for k, v in s["compile_times"].items()}
        s["signatures"] = len(self._specs)
        return s

    def explain(self, *args, **kwargs) -> str:
        """A map of the function for these arguments' signature, without compiling or
        running anything: the source with each line marked compiled, folded, or run in Python
        (and why); then per compiled segment the op graph, memory plan, fused kernels and
        generated C (api/explain.py)."""
        values = self._bind(args, kwargs)
        if "dask" in sys.modules and any(type(v).__module__.startswith("dask") for v in values):
            from ..dask import explain_dask
            return explain_dask(self, values)
        key = signature_of(values)
        try:
            with internal_errors("explaining", self._where()):
                text = explain_text(self._fn, key, list(self._params), translate, self.__qualname__)
        except UnsupportedError as exc:
            return f"npaccel: {self.__qualname__} is not compiled for this signature: {exc}"
        if self.target == "cuda" or (self.target == "auto" and self._resolve_target() == "cuda"):
            try:
                text = Explanation(text + "\n\n" + explain_source(TARGETS["cuda"], translate(self._fn, key)))
            except UnsupportedError as exc:
                text = Explanation(text + f"\n\n== generated CUDA ==\nnone: {exc} (runs on the CPU)")
        return text

    def __reduce__(self):
        """Pickles by function, options and source lines (api/pickling.py): Dask ships it."""
        return reduce_accelerated(self)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self):
        return f"<npaccel.accelerate {self.__qualname__}>"


def accelerate(fn=None, *, target=None, fallback=None):
    """Compile a NumPy function into fused C + OpenMP kernels.

    Usable bare (``@accelerate``) or with options (``@accelerate(target="cpu",
    fallback="raise")``). ``target``: "auto" | "cpu" | "cuda" (default: NPACCEL_TARGET, else
    auto). ``fallback``: "warn" | "raise" | "silent" (default: NPACCEL_FALLBACK, else warn).
    """
    if fn is None:
        return lambda f: Accelerated(f, target, fallback)
    if not callable(fn):
        raise TypeError(f"accelerate() expects a function, got {type(fn).__name__}")
    return Accelerated(fn, target, fallback)

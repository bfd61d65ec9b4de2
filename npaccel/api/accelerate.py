"""The @accelerate decorator: dispatch by argument signature, stats, explain, fallback."""
from __future__ import annotations

import functools
import inspect
import logging
import threading
import warnings

from ..config import get_config
from ..errors import CompileError, FallbackWarning, TargetUnavailable, UnsupportedError
from ..frontend.signature import DeviceArraySpec, signature_of
from ..passes.infer import NonNegativeGuard, ShapeGuard
from .specialise import build_cpu, build_cuda, cuda_explain_text, explain_text, translate

log = logging.getLogger("npaccel")

_TARGETS = ("auto", "cpu", "cuda")
_POLICIES = ("warn", "raise", "silent")


class Accelerated:
    """A Python function whose calls run as compiled kernels, one per argument signature."""

    def __init__(self, fn, target, fallback):
        if target is not None and target not in _TARGETS:
            raise ValueError(f"target={target!r}: expected one of {', '.join(_TARGETS)}")
        if fallback is not None and fallback not in _POLICIES:
            raise ValueError(f"fallback={fallback!r}: expected one of {', '.join(_POLICIES)}")
        functools.update_wrapper(self, fn)
        self.__signature__ = inspect.signature(fn)
        self._fn = fn
        self._target = target
        self._fallback = fallback
        self._specs = {}
        self._lock = threading.RLock()
        self._warned = False
        self._stats = {"calls": 0, "compiles": 0, "memory_hits": 0, "disk_hits": 0,
                       "fallbacks": 0, "fallback_reasons": [], "gpu_signatures": 0}
        self._simple = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
                           for p in self.__signature__.parameters.values())

    # ---- policy -------------------------------------------------------------------
    @property
    def policy(self):
        return self._fallback or get_config().fallback

    @property
    def target(self):
        return self._target or get_config().target

    def _resolve_target(self):
        """'cpu' or 'cuda'. "auto" is the GPU when one is usable (a CUDA device, nvcc and
        the driver), else the CPU, silently; "cuda" without them raises TargetUnavailable
        naming what is missing."""
        target = self.target
        if target == "cpu":
            return "cpu"
        from ..runtime.cuda import cuda_usable   # imported on demand: npaccel never needs CUDA
        usable, detail = cuda_usable()
        if usable:
            return "cuda"
        if target == "cuda":
            raise TargetUnavailable(f"target='cuda' is unavailable: {detail} (use target='cpu' or 'auto')")
        return "cpu"

    # ---- calls --------------------------------------------------------------------
    def _bind(self, args, kwargs):
        if self._simple and not kwargs and len(args) == len(self.__signature__.parameters):
            return args
        bound = self.__signature__.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def __call__(self, *args, **kwargs):
        if get_config().disable:
            return self._fn(*args, **kwargs)
        try:
            args = self._bind(args, kwargs)
        except TypeError:
            return self._fn(*args, **kwargs)   # let Python report the bad call
        key = signature_of(args)
        call = self._specs.get(key)
        self._stats["calls"] += 1
        if call is None:
            call = self._specialise(key)
        else:
            self._stats["memory_hits"] += 1
        return call(args)

    def _specialise(self, key):
        with self._lock:
            call = self._specs.get(key)
            if call is not None:
                self._stats["memory_hits"] += 1
                return call
            target = self._resolve_target()
            try:
                compiled = translate(self._fn, key)
                call, hit = self._build_gpu(key, compiled) if target == "cuda" else self._build_cpu(key, compiled)
            except UnsupportedError as exc:
                segments = self.policy != "raise" and self._simple_params() and \
                    not any(isinstance(spec, DeviceArraySpec) for spec in key)   # segments run on the CPU
                call = self._segmented(exc) if segments else self._fall_back(exc.where, exc.construct, exc)
            except CompileError as exc:
                call = self._fall_back(None, f"compilation failed ({str(exc).splitlines()[0]})", exc)
            else:
                self._stats["disk_hits" if hit else "compiles"] += 1
            self._specs[key] = call
            return call

    def _build_cpu(self, key, compiled):
        if any(isinstance(spec, DeviceArraySpec) for spec in key):
            raise UnsupportedError("arguments in GPU memory (__cuda_array_interface__) need target='cuda' "
                                   "or 'auto' with a usable GPU")
        return build_cpu(self._fn, key, compiled)

    def _build_gpu(self, key, compiled):
        """Kernels the CUDA backend has no GPU code for yet run compiled on the CPU instead
        (warned about under target="cuda", silent under "auto"); with arguments already in
        GPU memory the plain function runs instead (their library executes it)."""
        try:
            call, hit = build_cuda(self._fn, key, compiled)
        except UnsupportedError as exc:
            if self.target == "cuda" and self.policy == "raise":
                raise
            if self.target == "cuda" and self.policy == "warn":
                warnings.warn(f"npaccel: {exc}; {self.__qualname__} runs on the CPU for this signature",
                              FallbackWarning, stacklevel=5)
            log.info("%s: %s; compiled for the CPU instead", self.__qualname__, exc)
            return self._build_cpu(key, compiled)
        self._stats["gpu_signatures"] += 1
        return call, hit

    def _simple_params(self):
        return all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                   for p in self.__signature__.parameters.values())

    def _segmented(self, first_error):
        """Compile what compiles; run each statement that does not in Python (api/segments)."""
        from .segments import SegmentedFunction
        fn, stats = self._fn, self._stats

        def build(signature, lowered):
            compiled = translate(fn, signature, lowered)
            if any(isinstance(c, (ShapeGuard, NonNegativeGuard)) for c in compiled.checks):
                # a guard falls back to the whole plain function, which a segment cannot
                raise UnsupportedError("loop variables whose sizes are equal only at run time",
                                       compiled.graph.meta.get("where"))
            try:
                call, hit = build_cpu(fn, signature, compiled, plain=None)
            except CompileError as exc:
                raise UnsupportedError(f"compilation failed ({str(exc).splitlines()[0]})",
                                       compiled.graph.meta.get("where")) from exc
            stats["disk_hits" if hit else "compiles"] += 1
            return call

        def on_python(index, error):
            stats["fallbacks"] += 1
            where, why = getattr(error, "where", None), getattr(error, "construct", str(error))
            reason = f"{where}: {why}" if where else why
            if reason not in stats["fallback_reasons"]:
                stats["fallback_reasons"].append(reason)
            if self.policy == "warn" and not self._warned:
                self._warned = True
                warnings.warn(f"npaccel: {reason}; that statement of {self.__qualname__} runs in Python, "
                              "the rest stays compiled", FallbackWarning, stacklevel=4)
        try:
            return SegmentedFunction(fn, build, on_python)
        except UnsupportedError as exc:
            return self._fall_back(exc.where, exc.construct, exc)

    def _fall_back(self, where, why, exc):
        reason = f"{where}: {why}" if where else why
        if self.policy == "raise":
            raise exc
        if reason not in self._stats["fallback_reasons"]:
            self._stats["fallback_reasons"].append(reason)
        if self.policy == "warn" and not self._warned:
            self._warned = True
            warnings.warn(f"npaccel: {reason}; {self.__qualname__} runs in plain Python for this "
                          "signature", FallbackWarning, stacklevel=4)
        fn, stats = self._fn, self._stats

        def run_in_python(args):
            stats["fallbacks"] += 1
            return fn(*args)
        return run_in_python

    # ---- introspection ------------------------------------------------------------
    def stats(self) -> dict:
        s = dict(self._stats)
        s["fallback_reasons"] = list(s["fallback_reasons"])
        s["signatures"] = len(self._specs)
        return s

    def explain(self, *args, **kwargs) -> str:
        """The op graph, memory plan, fused kernels and generated C for these arguments'
        signature, without compiling or running anything."""
        args = self._bind(args, kwargs)
        key = signature_of(args)
        try:
            compiled = translate(self._fn, key)
        except UnsupportedError as exc:
            return f"npaccel: {self.__qualname__} is not compiled for this signature: {exc}"
        text = explain_text(self._fn, key, compiled)
        if self.target == "cuda" or (self.target == "auto" and self._resolve_target() == "cuda"):
            text += "\n\n" + cuda_explain_text(compiled)
        return text

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

"""The engines a sample runs under, and how their results are compared with NumPy's.

``make(engine, module)`` returns a callable taking the sample's arguments, or raises
``EngineSkipped`` (the engine does not apply, e.g. numexpr without ``NUMEXPR``) or
``EngineFailed`` (it applies but cannot be set up). Compilation errors of lazy compilers
(Numba, npaccel) surface on the first call; ``short_reason`` condenses them for a table.
"""
from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import types

import numpy as np

ENGINES = ("numpy", "numexpr", "numba", "jax", "npaccel-cpu", "npaccel-cuda")


class EngineSkipped(Exception):
    """The engine does not apply to this sample or machine (not a failure)."""


class EngineFailed(Exception):
    """The engine applies but could not be set up."""


def sample_function(module):
    return getattr(module, module.__name__.rsplit(".", 1)[-1])


def fresh_args(args):
    """Copies of the array arguments, so that no run sees another run's writes."""
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def as_outputs(result):
    """A sample's result as a tuple of arrays."""
    items = result if isinstance(result, tuple) else (result,)
    return tuple(np.asarray(x) for x in items)


def gpu_present() -> bool:
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


# -- engine factories -------------------------------------------------------------------

def _numpy(module):
    return sample_function(module)


def _numexpr(module):
    spec = getattr(module, "NUMEXPR", None)
    if spec is None:
        raise EngineSkipped("sample is not a single elementwise expression (no NUMEXPR)")
    import numexpr as ne

    sig = inspect.signature(sample_function(module))
    outputs = getattr(module, "NUMEXPR_OUTPUTS", None)

    def run(*args):
        bound = sig.bind(*args)
        bound.apply_defaults()
        env = dict(bound.arguments)
        if isinstance(spec, str):
            return ne.evaluate(spec, local_dict=env)
        for name, expr in spec:
            env[name] = ne.evaluate(expr, local_dict=env)
        return tuple(env[name] for name in outputs)

    return run


def _numba(module):
    """``njit(parallel=True)`` on the sample's function object.

    Plain-Python helpers of the same module that it calls (black_scholes's ``cnd``) are
    jitted too, as a Numba user would decorate them; ``cache=True`` so that a new process
    can show Numba's own warm disk cache (NUMBA_CACHE_DIR is set by the runner).
    """
    try:
        import numba
    except ImportError as exc:
        raise EngineFailed(f"numba not importable: {exc}") from None
    fn = sample_function(module)
    helpers = {
        name: value for name, value in fn.__globals__.items()
        if name in fn.__code__.co_names and isinstance(value, types.FunctionType)
        and value.__module__ == fn.__module__ and value is not fn
    }
    if helpers:
        namespace = dict(fn.__globals__)
        for name, helper in helpers.items():
            namespace[name] = numba.njit(cache=True)(helper)
        fn = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__,
                                fn.__closure__)
    return numba.njit(parallel=True, cache=True)(fn)


def _jax(module):
    return jax_jit(sample_function(module))


def jax_jit(fn):
    """``jax.jit`` of a NumPy function unchanged (Python int arguments static), on the CPU,
    float64 enabled: only ``np``
    in its globals (and in its same-module helpers') becomes ``jax.numpy``. Inputs go
    through ``jnp.asarray`` and the call waits for the result (``block_until_ready``), so
    the time covers what a NumPy caller gets. Where JAX cannot trace the function (in-place
    stores, data-dependent shapes, Python control flow on values) the first call raises
    and the reason is shown."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
    except ImportError as exc:
        raise EngineFailed(f"jax not importable: {exc}") from None
    jax.config.update("jax_enable_x64", True)      # NumPy's float64, not JAX's float32
    import jax.numpy as jnp
    namespace = dict(fn.__globals__)
    namespace["np"] = jnp
    for name, value in fn.__globals__.items():
        if name in fn.__code__.co_names and isinstance(value, types.FunctionType) \
                and value.__module__ == fn.__module__ and value is not fn:
            namespace[name] = types.FunctionType(value.__code__, namespace, value.__name__,
                                                 value.__defaults__, value.__closure__)
    plain = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    jitted = {}

    def run(*args):
        # Python ints (step counts, sizes) are static, as a JAX user marks them: traced,
        # range(steps) cannot run
        static = tuple(i for i, a in enumerate(args) if isinstance(a, int))
        if static not in jitted:
            jitted[static] = jax.jit(plain, static_argnums=static)
        out = jitted[static](*(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args))
        return jax.block_until_ready(out)

    return run


def _npaccel(target):
    def factory(module):
        if target == "cuda" and not gpu_present():
            raise EngineSkipped("no CUDA GPU on this machine")
        try:
            from npaccel import accelerate
        except Exception as exc:  # the compiler may not be importable yet: report it
            raise EngineFailed(f"npaccel not importable: {type(exc).__name__}: {exc}") from None
        # fallback="silent": statements npaccel cannot compile still run (in Python); the
        # runner reads their number and reasons from stats() and shows them.
        return accelerate(sample_function(module), target=target, fallback="silent")
    return factory


FACTORIES = {
    "numpy": _numpy,
    "numexpr": _numexpr,
    "numba": _numba,
    "jax": _jax,
    "npaccel-cpu": _npaccel("cpu"),
    "npaccel-cuda": _npaccel("cuda"),
}


def make(engine, module):
    return FACTORIES[engine](module)


def fallback_stats(engine, fn):
    """(statements run in Python per call, distinct reasons) for an npaccel function, else
    None. stats() counts fallbacks over all calls; this divides by the number of calls."""
    stats = getattr(fn, "stats", None)
    if not engine.startswith("npaccel") or not callable(stats):
        return None
    try:
        s = stats()
        calls = max(1, int(s.get("calls", 1) or 1))
        reasons = list(dict.fromkeys(str(r) for r in s.get("fallback_reasons", [])))
        return float(s.get("fallbacks", 0)) / calls, reasons
    except Exception as exc:  # a broken stats() must not end the benchmark
        return -1, [f"stats() failed: {type(exc).__name__}: {exc}"]


# -- comparison -------------------------------------------------------------------------

def tolerance(dtype):
    """(rtol, atol factor): atol is the factor times the largest magnitude of the result,
    which absorbs rounding in values that come from cancellation (tiny option prices)."""
    if dtype == np.float32:
        return 1e-5, 64 * float(np.finfo(np.float32).eps)
    return 1e-9, 64 * float(np.finfo(np.float64).eps)


def compare(ref, out):
    """{'match': bool, 'detail': str, 'max_rel_err': float} of out against ref (tuples)."""
    if len(ref) != len(out):
        return {"match": False, "detail": f"{len(out)} outputs, NumPy has {len(ref)}",
                "max_rel_err": None}
    worst = 0.0
    for i, (r, o) in enumerate(zip(ref, out)):
        if r.dtype != o.dtype or r.shape != o.shape:
            return {"match": False, "max_rel_err": None,
                    "detail": f"output {i}: {o.dtype}{list(o.shape)}, "
                              f"NumPy {r.dtype}{list(r.shape)}"}
        if r.dtype.kind in "biuUSO" or r.size == 0:
            if not np.array_equal(r, o):
                bad = int(np.count_nonzero(r != o))
                return {"match": False, "max_rel_err": None,
                        "detail": f"output {i}: {bad} of {r.size} elements differ"}
            continue
        rtol, afac = tolerance(r.dtype)
        finite = np.isfinite(r)
        scale = float(np.abs(r[finite]).max()) if finite.any() else 0.0
        atol = afac * scale
        r64, o64 = r.astype(np.float64), o.astype(np.float64)
        diff = np.abs(r64 - o64)
        # relative error where it means something: finite values above the atol floor
        big = finite & (np.abs(r64) > atol) & np.isfinite(diff)
        if big.any():
            worst = max(worst, float((diff[big] / np.abs(r64[big])).max()))
        ok = np.isclose(o, r, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            return {"match": False, "max_rel_err": worst,
                    "detail": f"output {i}: {int((~ok).sum())} of {r.size} values differ "
                              f"beyond rtol={rtol:g}"}
    return {"match": True, "detail": "", "max_rel_err": worst}


# -- error messages ---------------------------------------------------------------------

_NUMBA_PATTERNS = (
    r"got an unexpected keyword argument '\w+'",
    r"Untyped global name '\w+'[^\n]*",
    r"scipy [^\n]*required[^\n]*",
    r"Sizes of \S+ \S+ do not match",
    r"Use of unsupported NumPy function '[^']+'[^\n]*",
    r"Cannot unify [^\n]*",
    r"Invalid use of [^\n]*",
    r"No implementation of function [^\n]*",
)


def short_reason(exc, limit=160):
    """One line saying why an engine failed, for the report's table."""
    msg = str(exc)
    name = type(exc).__name__
    where = re.search(r'File "([^"]+)", line (\d+)', msg) or re.search(
        r"(\S+\.py) \((\d+)\)", msg)
    loc = f" ({os.path.basename(where.group(1))}:{where.group(2)})" if where else ""
    for pattern in _NUMBA_PATTERNS:
        hit = re.search(pattern, msg)
        if hit:
            callee = re.search(r">>> (\w+)\(", msg)
            text = hit.group(0)
            if text.startswith("Sizes of"):
                text = "parallel broadcast: sizes do not match"
            if callee and "keyword" in text:
                text = f"{callee.group(1)}: {text}"
            return (f"{name}: {text}{loc}")[:limit]
    first = next((line.strip() for line in msg.splitlines() if line.strip()), "")
    return f"{name}: {first}"[:limit]

"""The C dispatcher (runtime_c/npaccel_dispatch.c): built at first use, cached, attached.

One small CPython extension serves every accelerated function. It is compiled the first
time a compiled specialisation is called a second time (so a process that calls each
function once never builds it), by the same C compiler as the kernels, against this
Python's headers and NumPy's (``numpy.get_include()``), and kept in the artefact cache under
``<cache>/extensions/`` (its own store: ``npaccel-cache list`` shows kernels only), keyed by
its source, the Python version and ABI, the NumPy version and the compiler. Later processes
import it from there.

Where it cannot be had (no Python headers, no compiler, ``NPACCEL_NO_C_DISPATCH=1``) every
call takes the Python path, as before, without a warning (logged at INFO).
"""
from __future__ import annotations

import atexit
import importlib.machinery
import importlib.util
import logging
import os
import shutil
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path

from ..errors import CompileError

log = logging.getLogger("npaccel")

MODULE_NAME = "npaccel._dispatch"
SOURCE_NAME = "npaccel_dispatch.c"
FLAGS = ("-O2", "-fPIC", "-shared", "-std=gnu11", "-fwrapv", "-fno-strict-aliasing")


class _Miss:
    """What the dispatcher returns when the Python path must run the call."""
    __slots__ = ()

    def __repr__(self):
        return "MISS"


MISS = _Miss()

_lock = threading.Lock()
_state = {"tried": False, "module": None}


def source_path() -> Path:
    from ..build.toolchain import runtime_c_dir
    return runtime_c_dir() / SOURCE_NAME


def extension_key(source: str, compiler) -> str:
    """Cache key of the built extension: its source, this Python (version and ABI tag),
    NumPy's version and headers' location, the compiler and the flags."""
    import numpy
    from ..cache.key import make_key
    return make_key({"what": "c-dispatch-extension", "source": source, "python": sys.version,
                     "abi": sysconfig.get_config_var("EXT_SUFFIX") or "", "numpy": numpy.__version__,
                     "numpy_include": numpy.get_include(), "compiler": [compiler.path, compiler.version],
                     "flags": list(FLAGS)})


def _compile(source: str, workdir: Path, compiler) -> Path:
    import numpy
    from ..build.driver import run_compiler
    workdir = Path(workdir)
    source_file, output = workdir / SOURCE_NAME, workdir / "_dispatch.so"
    source_file.write_text(source)
    command = [compiler.path, *FLAGS, f"-I{sysconfig.get_paths()['include']}",
               f"-I{numpy.get_include()}", "-o", str(output), str(source_file)]
    return run_compiler(command, source=source, source_file=source_file, output=output,
                        what="C compiler (dispatcher extension)")


def _import(path) -> object:
    loader = importlib.machinery.ExtensionFileLoader(MODULE_NAME, str(path))
    spec = importlib.util.spec_from_file_location(MODULE_NAME, str(path), loader=loader)
    try:
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    except ImportError as exc:
        raise OSError(f"cannot import {path}: {exc}") from exc
    return module


def _store_root(root: Path) -> Path:
    """``root``, or where the cache cannot be written (the kernels' store has said so
    once already) a private temporary directory, removed at exit."""
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        if os.access(root, os.W_OK | os.X_OK):
            return root
    except OSError:
        pass
    private = Path(tempfile.mkdtemp(prefix="npaccel-extensions-"))
    atexit.register(shutil.rmtree, private, True)
    return private


def _load():
    from ..build.toolchain import find_c_compiler
    from ..cache.store import ArtefactStore, default_store
    from .loader import load_built
    source = source_path().read_text()
    compiler = find_c_compiler()
    key = extension_key(source, compiler)
    store = ArtefactStore(_store_root(default_store().root / "extensions"))
    module, _ = load_built(
        lambda: store.get_or_build(key, lambda workdir: _compile(source, workdir, compiler), source=source,
                                   meta={"function": "(C dispatcher)", "signature": "", "target": "cpu"}),
        _import, lambda path: store.discard(key, path), "dispatcher extension")
    module.init(MISS)
    return module


def extension():
    """The loaded extension module, or None where it cannot be had (then calls take the
    Python path). Built or loaded once per process; a failure is not retried."""
    from ..config import get_config
    if not get_config().c_dispatch:
        return None
    if not _state["tried"]:
        with _lock:
            if not _state["tried"]:
                try:
                    _state["module"] = _load()
                except Exception as exc:  # noqa: BLE001 - an optimisation only: the Python path is complete
                    log.info("npaccel: the C dispatcher is unavailable, calls take the Python path: %s",
                             str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                             exc_info=not isinstance(exc, (CompileError, OSError)))
                _state["tried"] = True
    return _state["module"]


def attach(dispatcher, nparams: int, make_program, function=None):
    """``dispatcher`` (created when None) with the plan ``make_program(opcodes)`` returns
    added; unchanged where the extension is unavailable or the specialisation has no plan
    (runtime/call_plan.py NoPlan). ``function``: a Python function whose parameters are
    all positional, some with defaults: a call with fewer arguments takes the rest from its
    ``__defaults__`` (read at each call, as Python does)."""
    from .call_plan import NoPlan
    ext = extension()
    if ext is None:
        return dispatcher
    try:
        address, program, objs, min_pooled = make_program(ext.OPCODES)
    except NoPlan as why:
        log.debug("npaccel: calls of this specialisation take the Python path: %s", why)
        return dispatcher
    except Exception:  # noqa: BLE001 - npaccel's own bug; never the user's error: the Python path runs
        log.info("npaccel: no C plan for this specialisation (a bug, please report it)", exc_info=True)
        return dispatcher
    if dispatcher is None:
        dispatcher = ext.Dispatcher(nparams, function)
    dispatcher.add(address, program, objs, min_pooled)
    return dispatcher

"""What a process created by fork() must change so that its npaccel calls never hang.

Two things a child inherits from its parent are broken in it:

1. libgomp's thread pool. After a parallel region, the thread that ran it keeps a pool of
   OpenMP worker threads asleep for the next one. fork() copies only the calling thread, so
   in the child that pool names threads that do not exist, and the next parallel region of
   more than one thread waits for them forever (gcc 12's libgomp; GOMP_SPINCOUNT does not
   matter). Measured with real forks: a region with ``num_threads(1)`` (or ``if(0)``, or
   after ``omp_set_num_threads(1)``) runs to completion in such a child, because libgomp
   starts no team for one thread. libgomp cannot be repaired or reloaded in the child.
   So a child runs every kernel with one thread: the kernels take their thread count from
   the caller (``I[0]``, ``npa_nt``, whose ``num_threads(npa_nt)`` clause wins over
   ``if(n > ...)``) and build_caller binds it once per specialisation (``_nt``); here a
   child rebinds it to 1 in every caller made so far (`track_caller`), and callers made
   later in the child get 1 from `thread_count`. The rule is conservative: every fork of a
   process in which libgomp is loaded (it is once a kernel library was) goes serial, since
   nothing tells whether a pool exists; a child of a process without libgomp keeps its
   threads. Grandchildren inherit the state. A forked child typically is one of several
   workers (multiprocessing) that are the parallelism themselves.

2. Locks held by other threads at fork time: such a thread does not exist in the child, so
   its locks are never released there. The child replaces npaccel's process-wide locks
   (`PROCESS_LOCKS`, and per-object ones registered with `renew_after_fork`) by new ones,
   as CPython's own threading and logging modules do. The state they guard is a dict or a
   flag that the holder updates with single, GIL-atomic stores, so it is consistent. The
   cache's file locks need more, and cache/locks.py sees to them itself: the child closes its
   copies of their descriptors, which would otherwise keep a parent's flock alive as long as
   the child lives (a flock belongs to the open file description, shared by fork).

Handlers are registered with ``os.register_at_fork`` when this module is imported (the
loader imports it); they run for ``os.fork()``, multiprocessing's "fork" start method and a
subprocess with ``preexec_fn``, and do no I/O.

>>> thread_count(8) == (1 if in_serial_child() else 8)
True
"""
from __future__ import annotations

import ctypes
import os
import sys
import threading
import weakref

# (module, attribute path, lock type) of the locks npaccel's runtime and build packages hold
# at module level (the cache package renews its own: cache/store.py, cache/locks.py)
PROCESS_LOCKS = (
    ("npaccel.runtime.loader", "_lock", threading.Lock),
    ("npaccel.runtime.loader", "ffi._lock", threading.Lock),   # cffi's, taken in dlopen and ffi.new
    ("npaccel.runtime.outputs", "_lock", threading.Lock),
    ("npaccel.build.blas", "_lock", threading.Lock),
    ("npaccel.runtime.dispatch_ext", "_lock", threading.Lock),
    ("npaccel.runtime.cuda", "_lock", threading.Lock),
    ("npaccel.build.toolchain", "_lock", threading.Lock),
    ("npaccel.build.nvcc", "_lock", threading.Lock),
)

_serial = False                       # this process is a forked child of an OpenMP user
_callers = weakref.WeakSet()          # generated callers whose globals bind "_nt"
_renew = []                           # (weak reference, attribute, factory)
_registry_lock = threading.Lock()


def in_serial_child() -> bool:
    """True in a process forked from one that had libgomp loaded: kernels run serially."""
    return _serial


def thread_count(requested: int) -> int:
    """The thread count a kernel may use in this process: 1 in a serial child."""
    return 1 if _serial else requested


def track_caller(fn) -> None:
    """Remember a generated caller (runtime/marshal.py) whose globals bind ``_nt``, the thread
    count its kernel receives, so that a forked child can set it to 1."""
    if not _serial:
        with _registry_lock:
            _callers.add(fn)


def renew_after_fork(obj, attr: str, factory=threading.Lock) -> None:
    """In a forked child, replace ``obj.<attr>`` by ``factory()`` (obj is held weakly).

    >>> class Holder: pass
    >>> h = Holder(); h.lock = threading.RLock(); renew_after_fork(h, "lock", threading.RLock)
    >>> any(ref() is h for ref, _, _ in _renew)
    True
    """
    with _registry_lock:
        _renew[:] = [item for item in _renew if item[0]() is not None]
        _renew.append((weakref.ref(obj), attr, factory))


def _libgomp_loaded() -> bool:
    """Is libgomp mapped into this process (dlopen with RTLD_NOLOAD loads nothing)?"""
    if "npaccel.runtime.loader" in sys.modules and sys.modules["npaccel.runtime.loader"]._loaded:
        return True
    try:
        ctypes.CDLL("libgomp.so.1", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        return True
    except OSError:
        return False


def _set_attr(root, path: str, value) -> None:
    *parents, last = path.split(".")
    for name in parents:
        root = getattr(root, name)
    setattr(root, last, value)


def _before() -> None:
    _registry_lock.acquire()


def _after_in_parent() -> None:
    _registry_lock.release()


def _after_in_child() -> None:
    global _serial, _registry_lock
    _registry_lock = threading.Lock()     # the parent's was held by the forking thread
    for module, path, factory in PROCESS_LOCKS:
        if module in sys.modules:
            _set_attr(sys.modules[module], path, factory())
    for ref, attr, factory in _renew:
        obj = ref()
        if obj is not None:
            setattr(obj, attr, factory())
    if not _serial and _libgomp_loaded():
        _serial = True
        for fn in list(_callers):
            fn.__globals__["_nt"] = 1
        _callers.clear()


def process_locks():
    """(module, path, lock) of each entry of PROCESS_LOCKS whose module is imported (tests)."""
    found = []
    for module, path, _ in PROCESS_LOCKS:
        if module in sys.modules:
            obj = sys.modules[module]
            for name in path.split("."):
                obj = getattr(obj, name)
            found.append((module, path, obj))
    return found


os.register_at_fork(before=_before, after_in_parent=_after_in_parent, after_in_child=_after_in_child)

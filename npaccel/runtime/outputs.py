"""Output arrays for compiled calls, with large blocks recycled once the caller drops them.

A fresh large block costs a page fault and a kernel-zeroed page per 4 KiB (or 2 MiB huge
page) on its first write: for a memory-bound kernel that is as much time again as the
kernel itself (particle_step: 20.6 ms with fresh outputs, 12.5 ms with recycled ones).
glibc hands blocks this large straight back to the OS on free, so NumPy pays it on every
call. Here a large result is a view of a pooled block through a lease object; when the
last array or view of it dies, the lease returns the block to the pool, and the next call
needing that many bytes reuses its already-mapped pages. Nothing the caller can still
reach is ever reused: a block is only handed out again after its lease was collected.

Idle blocks are capped (NPACCEL_OUTPUT_POOL bytes, oldest dropped first), so memory a
program has let go of is held at most up to the cap; ``release()`` drops them all.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import cffi
import numpy as np

MIN_BYTES = 1 << 20          # smaller blocks: malloc's free lists already recycle them

_idle = OrderedDict()        # id(block) -> block, oldest first
_idle_bytes = 0
_lock = threading.Lock()

_ffi = cffi.FFI()              # libc's free, for blocks kernels allocate (adopt)
_ffi.cdef("void free(void *);")
_libc = _ffi.dlopen(None)


class _Lease:
    """Owner of one pooled block while arrays use it (their ``base`` chain ends here)."""
    __slots__ = ("block", "__array_interface__")

    def __init__(self, block, shape, dtype):
        self.block = block
        self.__array_interface__ = {"shape": shape, "typestr": dtype.str, "version": 3,
                                    "data": (block.ctypes.data, False)}

    def __del__(self):
        try:
            _give_back(self.block)
        except Exception:   # interpreter shutdown: module globals may be gone already
            pass


def _limit():
    from ..config import get_config
    return get_config().output_pool


def _give_back(block):
    global _idle_bytes
    limit = _limit()
    if block.nbytes > limit:
        return
    with _lock:
        _idle[id(block)] = block
        _idle_bytes += block.nbytes
        while _idle_bytes > limit:
            _, old = _idle.popitem(last=False)
            _idle_bytes -= old.nbytes


def _take(nbytes):
    """An idle block of exactly ``nbytes``, most recently returned first, or None."""
    global _idle_bytes
    with _lock:
        for key in reversed(_idle):
            block = _idle[key]
            if block.nbytes == nbytes:
                del _idle[key]
                _idle_bytes -= nbytes
                return block
    return None


def empty(shape, dtype):
    """Like np.empty(shape, dtype) (C order), recycling large blocks."""
    dtype = np.dtype(dtype)
    nbytes = dtype.itemsize
    for d in shape:
        nbytes *= d
    if nbytes < MIN_BYTES or dtype.hasobject or _limit() <= 0:
        return np.empty(shape, dtype)
    block = _take(nbytes)
    if block is None:
        block = np.empty(nbytes, np.uint8)
    return np.asarray(_Lease(block, tuple(shape), dtype))


def adopt(address, length, dtype, tail=()):
    """The array of ``length`` rows of shape ``tail`` that a kernel allocated with malloc
    at ``address`` (a result whose length depends on the data: codegen/c_compaction.py);
    the block is freed when the array and its views are gone. Address 0 (the kernel
    failed before allocating): an empty array, for the error the caller raises next.

    >>> a = adopt(0, 0, np.dtype(np.float64), (3,)); a.shape
    (0, 3)
    """
    dtype = np.dtype(dtype)
    shape = (int(length),) + tuple(tail)
    if not address:
        return np.empty((0,) + tuple(tail), dtype)
    block = _ffi.gc(_ffi.cast("char *", address), _libc.free)
    nbytes = dtype.itemsize
    for d in shape:
        nbytes *= d
    if nbytes == 0:
        del block                                   # freed now
        return np.empty(shape, dtype)
    # the buffer keeps ``block`` alive; the array keeps the buffer
    return np.frombuffer(_ffi.buffer(block, nbytes), dtype).reshape(shape)


def read_only(array):
    """``array`` marked read-only, as NumPy gives a broadcast or diagonal view; returns it.

    >>> read_only(np.zeros(2)).flags.writeable
    False
    """
    array.flags.writeable = False
    return array


def idle_bytes() -> int:
    """Bytes held by blocks no array uses any more."""
    return _idle_bytes


def release():
    """Drop every idle block (their memory goes back to the allocator and the OS)."""
    global _idle_bytes
    with _lock:
        _idle.clear()
        _idle_bytes = 0

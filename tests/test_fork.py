"""fork() never hangs a child (DESIGN.md, safety contract), tested with real forks.

After the parent ran an OpenMP parallel region, libgomp's thread pool in a forked child
refers to threads that do not exist there: the child's next parallel region waits for them
forever. Locks held by another parent thread at fork time are held forever in the child.
Every child here runs under a deadline and is killed when it passes it; a kill is a hang.
Results in the children must equal NumPy's.
"""
import importlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

import numpy as np
import pytest

from npaccel import accelerate

LARGE = 400_000     # above every parallel threshold (cheap kernels: 262144): the kernels go parallel
SMALL = 1_000       # below it: a serial region, no OpenMP threads
DEADLINE = 20.0     # seconds for one child; a child that compiles needs about one
HANG = 99


def axpy(a, b):
    return a * 2.0 + b


def total(a):
    return np.sum(a * a)


def rowsum(m):
    return m.sum(axis=1)


def matvec(m, v):
    return m @ v


fast_axpy = accelerate(axpy, target="cpu")
fast_total = accelerate(total, target="cpu")
fast_rowsum = accelerate(rowsum, target="cpu")
fast_matvec = accelerate(matvec, target="cpu")


def _args(name, n, dtype=np.float64):
    rng = np.random.default_rng(n)
    if name in ("rowsum", "matvec"):
        m = rng.standard_normal((n // 100, 100)).astype(dtype)
        return (m,) if name == "rowsum" else (m, rng.standard_normal(100).astype(dtype))
    if name == "total":
        return (rng.standard_normal(n).astype(dtype),)
    return rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)


PLAIN = {"axpy": (axpy, fast_axpy), "total": (total, fast_total),
         "rowsum": (rowsum, fast_rowsum), "matvec": (matvec, fast_matvec)}


def check(name, n, dtype=np.float64):
    """Run the accelerated function once and compare with NumPy; returns True."""
    plain, fast = PLAIN[name]
    args = _args(name, n, dtype)
    got, want = fast(*args), plain(*args)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-11)
    return True


def in_child(body, deadline=DEADLINE, forked=lambda: None):
    """Fork; the child runs ``body()`` and exits 0 when it returns. The parent calls
    ``forked()``, waits at most ``deadline`` seconds, then kills the child. Returns the
    child's exit code, HANG if killed."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            body()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    forked()
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return HANG


def assert_child_ok(code):
    assert code != HANG, "the child hung (killed at its deadline)"
    assert code == 0, f"the child failed with exit code {code} (traceback above)"


CHILD_CALLS = {"large": lambda: check("axpy", LARGE), "small": lambda: check("axpy", SMALL),
               "new-signature": lambda: check("axpy", LARGE, np.float32)}


@pytest.mark.parametrize("child", list(CHILD_CALLS))
def test_fork_after_large_call(child):
    check("axpy", LARGE)
    assert_child_ok(in_child(CHILD_CALLS[child]))
    check("axpy", LARGE)    # the parent still runs parallel calls


@pytest.mark.parametrize("child", list(CHILD_CALLS))
def test_fork_after_small_call(child):
    """In a fresh interpreter: this one has run parallel regions in earlier tests."""
    script = (f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); import test_fork as t\n"
              f"t.check('axpy', t.SMALL)\n"
              f"sys.exit(t.in_child(t.CHILD_CALLS[{child!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=4 * DEADLINE)
    assert proc.returncode != HANG, "the child hung (killed at its deadline)"
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", ["total", "rowsum", "matvec"])
def test_fork_after_large_call_of_each_kernel_kind(name):
    check(name, LARGE)
    assert_child_ok(in_child(lambda: check(name, LARGE) and check(name, SMALL)))


def _pool_task(i):
    return check(["axpy", "total", "rowsum", "matvec"][i % 4], LARGE)


def test_fork_pool_after_large_call():
    for name in PLAIN:
        check(name, LARGE)
    pool = multiprocessing.get_context("fork").Pool(2)
    try:
        assert pool.map_async(_pool_task, range(8)).get(timeout=DEADLINE) == [True] * 8
    except multiprocessing.TimeoutError:
        pytest.fail("a fork pool worker hung")
    finally:
        pool.terminate()
        pool.join()


def test_nested_forks():
    check("axpy", LARGE)

    def child():
        check("axpy", LARGE)
        assert_child_ok(in_child(lambda: check("axpy", LARGE) and check("total", LARGE),
                                 deadline=DEADLINE / 2))
        check("axpy", LARGE)
    assert_child_ok(in_child(child))


def test_fork_from_another_thread_after_large_call():
    check("axpy", LARGE)
    codes = []
    t = threading.Thread(target=lambda: codes.append(in_child(lambda: check("axpy", LARGE))))
    t.start()
    t.join()
    assert_child_ok(codes[0])


@pytest.mark.parametrize("same_function", [True, False], ids=["same-function", "other-function"])
def test_fork_during_a_compile_in_another_thread(same_function, monkeypatch):
    """Another thread is inside the build of a new signature (it holds the function's lock
    and the cache entry's file lock) when the main thread forks."""
    check("axpy", LARGE)     # compiled (and run in parallel) before the build is held
    from npaccel.build import cc
    real, parent = cc.compile_c_shared, os.getpid()
    building, forked = threading.Event(), threading.Event()

    def held_build(*args, **kwargs):
        if os.getpid() == parent:
            building.set()
            forked.wait(DEADLINE)
        return real(*args, **kwargs)
    monkeypatch.setattr(cc, "compile_c_shared", held_build)
    dtype = np.int64 if same_function else np.int32
    fn = accelerate(lambda a, b: a * 3 - b, target="cpu")
    other = accelerate(lambda a, b: a * 5 - b, target="cpu")
    a, b = np.arange(LARGE, dtype=dtype), np.arange(LARGE, dtype=dtype)[::-1].copy()
    t = threading.Thread(target=fn, args=(a, b))
    t.start()
    assert building.wait(DEADLINE)

    def child():
        check("axpy", LARGE)
        np.testing.assert_array_equal((fn if same_function else other)(a, b),
                                      a * (3 if same_function else 5) - b)
    try:
        code = in_child(child, forked=forked.set)    # the build goes on while the child runs
    finally:
        forked.set()
        t.join()
    assert_child_ok(code)


# npaccel's process-wide locks that a call or a compile takes: (module, attribute)
PROCESS_LOCKS = [("npaccel.runtime.loader", "_lock"), ("npaccel.build.toolchain", "_lock"),
                 ("npaccel.runtime.outputs", "_lock"), ("npaccel.cache.store", "_default_lock"),
                 ("npaccel.build.blas", "_lock"), ("npaccel.runtime.loader", "ffi._lock")]


@pytest.mark.parametrize("module, attr", PROCESS_LOCKS, ids=[f"{m}.{a}" for m, a in PROCESS_LOCKS])
def test_fork_while_another_thread_holds_a_lock(module, attr):
    """The child compiles (or loads from the disk cache) a signature its parent never ran."""
    check("axpy", LARGE)
    check("matvec", SMALL)
    lock = importlib.import_module(module)
    for part in attr.split("."):
        lock = getattr(lock, part)
    taken, release = threading.Event(), threading.Event()

    def hold():
        with lock:
            taken.set()
            release.wait(DEADLINE)
    t = threading.Thread(target=hold)
    t.start()
    assert taken.wait(DEADLINE)
    try:
        code = in_child(lambda: check("axpy", LARGE, np.float32) and check("matvec", LARGE, np.float32))
    finally:
        release.set()
        t.join()
    assert_child_ok(code)


def test_the_locks_a_child_renews_exist():
    """runtime/forking.py names module-level locks by module and attribute: a rename must
    show up here, not as a hang in someone's child process."""
    import importlib as il
    from npaccel.runtime import forking
    for module, _, _ in forking.PROCESS_LOCKS:
        il.import_module(module)
    found = forking.process_locks()
    assert len(found) == len(forking.PROCESS_LOCKS)
    assert all(hasattr(lock, "acquire") and hasattr(lock, "release") for _, _, lock in found)
    assert in_child(lambda: forking.in_serial_child() or sys.exit(3)) == 0

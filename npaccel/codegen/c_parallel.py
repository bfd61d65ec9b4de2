"""When a CPU kernel goes parallel: a per-kernel element threshold from its cost per element,
and the C that chooses between a loop nest's parallel and serial versions.

Every loop nest with an OpenMP region is emitted twice (``serial_or_parallel``)::

    if (npa_n > N && npa_nt > 1) {
        #pragma omp parallel for simd num_threads(npa_nt) schedule(static)
        for (...) { body }
    } else {
        #pragma omp simd
        for (...) { body }
    }

rather than as one region with an ``if(n > N)`` clause: libgomp sets up a team of one even
when that clause is false, 0.4-0.7 us per region on the 2-core machine (the ``a + b`` kernel
on 1 or 10 elements called from C: 410-650 ns per call, 2.5-4 ns with the serial version;
through the C dispatcher 1.2-1.7 us -> 0.52-0.56 us of CPU per call), most of a small
call's cost. The serial version is the same loops with the same ``omp simd`` (so small
loops keep libmvec; an ``if()`` without the ``parallel:`` modifier on a ``parallel for simd``
would also have turned off its SIMD part) and, for reductions, the order of operations of
one thread of the parallel version: a result computed on one thread has the same bits as
with the single region it replaces. A size known at compile time not above N (a dimension
of 1 is part of the signature) gets the serial version only.

N comes from the kernel's estimated arithmetic cost per element on one thread
(``KernelWriter.cost``: the sum of ``op_cost`` over the ops it computes) plus ``BASE_NS`` for
its loads and stores. A second thread takes half the arithmetic off the calling thread, but
only about a quarter of the memory time (the cores share the L3 and the memory controller:
a + b gains nothing from a second thread while its arrays fit in the caches, 0.39 -> 0.23 ns
per element at 1M elements). Starting the worker costs ``FORK_NS``, so a loop goes parallel
when ``n * (ops / 2 + BASE_NS / 4) > FORK_NS``.

Measured on the 2-core development machine (AMD EPYC, AVX-512, gcc 12, glibc 2.36 libmvec;
ctypes calls straight into the kernel, best of 7; benchmarks/sweep.py shows the effect):

- FORK_NS: waking the sleeping OpenMP worker (npaccel sets GOMP_SPINCOUNT=0, so the worker
  sleeps between calls; runtime/loader.py says why) costs 7-40 us per parallel region on this
  VM, and 35-40 us when calls come back to back from Python (the worker has just gone to
  sleep): exp_chain at 100k elements took 1.28 ns per element in two threads with a 20 us
  estimate, against 0.95 on one. 40 us is used. With spinning workers a region costs about
  1 us, and these thresholds are then merely conservative, never slower than one thread.
- One thread, in cache: a + b 0.27 ns/element, 2*a + b 0.27, a / (1 + b*b) 0.33,
  exp(a)*2+1 0.85, sin(a) 0.73, log(a)+b 1.1, haversine (4 sin/cos, arcsin, sqrt) 6.1.
- Resulting thresholds: a + b 262k elements (measured crossover 262k-1M; at 262k, two
  threads 0.45 ns per element against 0.37 on one, whole call), exp chain 92k (65k-262k),
  haversine 13k (8k-16k); 2048 at least, 2^18 at most (even a copy gains from the second
  core's memory bandwidth above that: a + b at 1M elements 0.39 -> 0.23 ns per element).
"""
from __future__ import annotations

import math
import re

import numpy as np

from ..ir.ops import Op

FORK_NS = 40_000.0       # waking the worker thread(s) of one parallel region
BASE_NS = 0.25           # loads and stores of one element of a simple loop, one thread
MIN_ELEMENTS = 2048      # below this, one thread always (cost estimates are rough)
MAX_ELEMENTS = 1 << 18   # above this, always parallel: memory bandwidth doubles too

CHEAP_NS = 0.02          # + - * compare, select, min/max, abs, casts: vector instructions
DIVIDE_NS = 0.08         # float division and square root
VECTOR_MATH_NS = 0.7     # a libmvec call (exp, log, sin, ...): 0.5-1.0 ns per double
SCALAR_NS = 2.0          # no vector version: a scalar call or branchy helper per element

_DIVIDE = {Op.TRUE_DIVIDE, Op.SQRT, Op.RECIPROCAL}
_VECTOR_MATH = {Op.EXP, Op.EXP2, Op.EXPM1, Op.LOG, Op.LOG2, Op.LOG10, Op.LOG1P, Op.SIN, Op.COS,
                Op.TAN, Op.ARCSIN, Op.ARCCOS, Op.ARCTAN, Op.ARCTAN2, Op.HYPOT, Op.SINH, Op.COSH,
                Op.TANH, Op.ARCSINH, Op.ARCCOSH, Op.ARCTANH, Op.CBRT, Op.POWER, Op.FLOAT_POWER}
_SCALAR = {Op.FLOOR_DIVIDE, Op.REMAINDER, Op.FMOD, Op.LOGADDEXP, Op.LOGADDEXP2, Op.HEAVISIDE,
           Op.PY_ADD, Op.PY_SUB, Op.PY_MUL, Op.PY_LSHIFT, Op.PY_POW, Op.PY_MATH, Op.PY_INT, Op.CHECK_NONZERO,
           Op.CHECK_INDEX}
_COMPLEX_CHEAP = {Op.ADD, Op.SUBTRACT, Op.NEGATIVE, Op.POSITIVE, Op.REAL, Op.IMAG, Op.CONJUGATE}


def op_cost(op, in_dtypes, out_dtype) -> float:
    """Estimated ns per element, one thread, of one elementwise op.

    >>> f8 = np.dtype("float64")
    >>> op_cost(Op.EXP, (f8,), f8), op_cost(Op.ADD, (f8, f8), f8)
    (0.7, 0.02)
    """
    kinds = {np.dtype(d).kind for d in in_dtypes} | {np.dtype(out_dtype).kind}
    if "c" in kinds:        # (abs of a complex: NumPy's SIMD formula, vectorised)
        return VECTOR_MATH_NS if op is Op.ABSOLUTE else CHEAP_NS if op in _COMPLEX_CHEAP else SCALAR_NS
    if op in _SCALAR or (op is Op.POWER and kinds <= set("biu")):
        return SCALAR_NS
    if op in _VECTOR_MATH or op in _DIVIDE:
        cost = VECTOR_MATH_NS if op in _VECTOR_MATH else DIVIDE_NS
        # float32: twice the lanes per vector
        return cost / 2 if max(np.dtype(d).itemsize for d in in_dtypes) <= 4 else cost
    return CHEAP_NS


def parallel_threshold(ops_ns: float) -> int:
    """Elements above which a loop whose ops cost ``ops_ns`` per element (one thread) runs
    on several threads.

    >>> parallel_threshold(0.02), parallel_threshold(0.74), parallel_threshold(6.0)
    (262144, 92486, 13062)
    """
    saved = max(ops_ns, 0.0) / 2 + BASE_NS / 4
    return max(MIN_ELEMENTS, min(MAX_ELEMENTS, math.ceil(FORK_NS / saved)))


def omp(parallel: bool, pragma: str) -> list:
    """``[pragma]`` in the parallel version of a loop nest, nothing in the serial one."""
    return [pragma] if parallel else []


def above(size: str, threshold: int, name: str = ""):
    """The C condition ``size > threshold`` (``size``: C text; ``name``: a variable holding
    it, to show instead), or None where ``size`` is a constant not above ``threshold``.

    >>> above("a0_d0", 100), above("(10) * (3)", 100), above("(10) * (30)", 100, "npa_n")
    ('a0_d0 > 100', None, 'npa_n > 100')
    """
    if re.fullmatch(r"[\d\s()*]+", size) and math.prod(map(int, re.findall(r"\d+", size))) <= threshold:
        return None
    return f"{name or size} > {threshold}"


def serial_or_parallel(cond, nest) -> list:
    """C lines running ``nest(True)`` (a loop nest with its OpenMP pragmas) when ``cond``
    (C text, usually from ``above``) holds and more than one thread may run, else
    ``nest(False)``: the same loops, which never enter the OpenMP runtime. ``cond`` None
    (or empty): the serial version only.

    >>> nest = lambda par: omp(par, "#pragma omp parallel for") + ["for (...) body;"]
    >>> print("\\n".join(serial_or_parallel("npa_n > 100", nest)))
    if (npa_n > 100 && npa_nt > 1) {
        #pragma omp parallel for
        for (...) body;
    } else {
        for (...) body;
    }
    >>> serial_or_parallel(None, nest)
    ['for (...) body;']
    """
    if not cond:
        return nest(False)
    return ([f"if ({cond} && npa_nt > 1) {{"] + ["    " + x for x in nest(True)] + ["} else {"] +
            ["    " + x for x in nest(False)] + ["}"])


def by_size(size: str, threshold: int, nest) -> list:
    """``serial_or_parallel`` on ``size > threshold``, with the size held in ``npa_n``
    (declared here, where there is a choice to make).

    >>> by_size("(a0_d0) * (a0_d1)", 100, lambda par: omp(par, "#pragma omp parallel for") + ["loop;"])[:2]
    ['const int64_t npa_n = (a0_d0) * (a0_d1);', 'if (npa_n > 100 && npa_nt > 1) {']
    """
    cond = above(size, threshold, "npa_n")
    return ([f"const int64_t npa_n = {size};"] if cond else []) + serial_or_parallel(cond, nest)

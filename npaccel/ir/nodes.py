"""Graph nodes: frozen, compared by identity, shared through ``Interner`` (so equal
subexpressions are one node and a structural hash is cheap).

Every node has a dtype and a shape of dims (ints or symbols). ``weak`` marks Python
scalars, which NumPy 2 (NEP 50) types weakly.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .dims import Sym, loop_variant
from .ops import Op


@dataclass(frozen=True, eq=False, kw_only=True)
class Node:
    dtype: np.dtype
    shape: tuple = ()
    weak: bool = False
    # a 0-d result NumPy returns as a 0-d ndarray, not a scalar (x.astype, x.copy(),
    # np.array(x) of a 0-d array); ufuncs and reductions return scalars
    array0d: bool = False

    @property
    def ndim(self):
        return len(self.shape)

    def children(self) -> tuple:
        return ()

    def attrs(self) -> dict:
        """Fields other than children, dtype and shape (what the printer shows)."""
        skip = {"dtype", "shape", "weak", "array0d", "args", "arg"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}


@dataclass(frozen=True, eq=False, kw_only=True)
class Param(Node):
    """An array argument of the function (C-contiguous or strided)."""
    index: int
    name: str
    contiguous: bool = True


@dataclass(frozen=True, eq=False, kw_only=True)
class ScalarParam(Node):
    """A scalar argument (Python scalar: weak; NumPy scalar: strong)."""
    index: int
    name: str


@dataclass(frozen=True, eq=False, kw_only=True)
class StaticArg(Node):
    """An argument compiled as the constant ``value`` it has in this signature (a small
    tuple of ints: ir/signature.py StaticSpec): nothing of it is passed to the kernel."""
    index: int
    name: str
    value: Any


@dataclass(frozen=True, eq=False, kw_only=True)
class Const(Node):
    value: Any


@dataclass(frozen=True, eq=False, kw_only=True)
class Elementwise(Node):
    """``op`` applied elementwise; ``in_dtypes`` are the NumPy loop's input types (each
    argument is cast to its in_dtype first, as the ufunc would)."""
    op: Op
    args: tuple
    in_dtypes: tuple

    def children(self):
        return self.args


@dataclass(frozen=True, eq=False, kw_only=True)
class Reduce(Node):
    """Reduce ``arg`` over ``axes`` with ``op``, accumulating in ``self.dtype``."""
    op: Op
    arg: Node
    axes: tuple
    keepdims: bool

    def children(self):
        return (self.arg,)


@dataclass(frozen=True, eq=False, kw_only=True)
class Scan(Reduce):
    """A cumulative reduction (``op`` CUMSUM/CUMPROD, or for ``ufunc.accumulate`` that
    ufunc's elementwise op, applied in ``dtype``) along ``axes[0]``: the result has
    ``arg``'s shape, or with ``flatten`` the 1-d shape of ``arg.ravel()`` (axis=None).
    A Reduce so that every pass treats it as one (its own buffer, its own loop nest);
    codegen gives it a loop that is sequential along the axis, parallel over the others.
    ``reverse``: accumulated from the last element of the axis to the first (element i holds
    the fold of i..end, in that order): ``np.cumsum(x[::-1])[::-1]`` without the two copies."""
    flatten: bool = False
    reverse: bool = False


@dataclass(frozen=True, eq=False, kw_only=True)
class Sort(Reduce):
    """np.sort (``op`` SORT: the values, arg's dtype) or np.argsort (ARGSORT: int64
    positions) of ``arg`` along ``axes[0]``: ascending, NaNs last, equal elements in their
    order (stable); the result has arg's shape. A Reduce so that every pass gives it its
    own buffer and loop nest, like a Scan (codegen/c_sorting.py)."""


@dataclass(frozen=True, eq=False, kw_only=True)
class SearchSorted(Sort):
    """np.searchsorted (``op`` SEARCHSORTED): for each element of ``arg`` (the keys, any
    shape) its insertion position in the 1-d ``sorted_arg`` by binary search, both compared
    in ``compare`` dtype with NaNs last; ``side`` "left" or "right". int64, arg's shape."""
    sorted_arg: Node
    side: str
    compare: np.dtype

    def children(self):
        return (self.arg, self.sorted_arg)


# ---- results whose length depends on the data (codegen/c_compaction.py) ---------------
# Their first dim is SELECTED: known only once their kernel has run. They are only ever
# outputs of a graph (nothing reads them); the kernel allocates the result and hands its
# address and length back to the caller (runtime/marshal.py).

@dataclass(frozen=True, eq=False, kw_only=True)
class Compact(Reduce):
    """``arg[mask]`` (``op`` COMPACT) for a bool ``mask`` of arg's leading dims (``axes``):
    the selected elements (rows) of ``arg`` in C order, shape (SELECTED,) + arg's other dims."""
    mask: Node

    def children(self):
        return (self.arg, self.mask)


@dataclass(frozen=True, eq=False, kw_only=True)
class BinCount(Reduce):
    """np.bincount (``op`` BINCOUNT) of the 1-d ``arg`` (int64 values), with float64
    ``weights`` or None; length max(arg) + 1, at least ``minlength``."""
    weights: Any
    minlength: int

    def children(self):
        return (self.arg,) if self.weights is None else (self.arg, self.weights)


@dataclass(frozen=True, eq=False, kw_only=True)
class Unique(Reduce):
    """np.unique of ``arg`` flattened: its distinct values sorted (``op`` UNIQUE, NaNs
    last and as one) or how often each occurs (UNIQUE_COUNTS, int64)."""


DATA_DEPENDENT = (Compact, BinCount, Unique)


def kernel_allocated(node) -> bool:
    """Is ``node`` a result the kernel allocates and hands back (its address, then its
    length, then any further dims: runtime/marshal.py)? One whose length depends on the data,
    or one whose shape a loop changed (known only once the program has run)."""
    return isinstance(node, DATA_DEPENDENT) or any(not isinstance(d, int) and loop_variant(d) for d in node.shape)
SELECTED = Sym("npa_selected")


@dataclass(frozen=True)
class Graph:
    """A function body after lowering: parameters in call order, outputs in return order."""
    params: tuple            # Param / ScalarParam nodes (or None for ignored arguments)
    outputs: tuple           # output nodes
    output_kind: str = "single"   # "single" | "tuple" | "none"
    body: tuple = ()              # program statements run before the outputs are stored
    # what the lowering knows besides the values (not part of the graph's identity)
    function: str = field(default="", compare=False)        # the function's qualified name
    where: object = field(default=None, compare=False)      # "file:line" for messages
    outputs_final: bool = field(default=True, compare=False)    # False: what a program statement
    #                                   reads, which it recomputes from the buffers (program_plan.py)
    written_params: tuple = field(default=(), compare=False)    # indices of arguments written
    read_only_outputs: tuple = field(default=(), compare=False)     # positions of outputs NumPy
    #                                   gives as read-only views (frontend/read_only.py)
    in_kernel_checks: object = field(default=None, compare=False)   # Check records of a graph
    #                                   kept without its body (api/warm.py call_graph)
    # a segment of a function (api/segments.py): how the Python around it carries on
    returned: bool = field(default=False, compare=False)    # a ``return`` ended it
    segment_names: tuple = field(default=(), compare=False)    # names it binds, in output order
    static_out: dict = field(default_factory=dict, compare=False)   # names bound to Python values
    deleted: tuple = field(default=(), compare=False)       # names it deleted
    # explain()'s bookkeeping
    names: dict = field(default_factory=dict, compare=False)    # variable -> its value at the end
    folded: tuple = field(default=(), compare=False)        # per statement: known when compiling


def topo_order(roots) -> list:
    """Nodes reachable from roots, children before parents, each once."""
    order, seen = [], set()
    stack = [(r, False) for r in reversed(roots)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(node.children()) if c not in seen)
    return order


@dataclass(frozen=True, eq=False, kw_only=True)
class DimValue(Node):
    """A symbolic size used as a (weak, Python int) scalar: len(x), x.shape[0], x.size."""
    dim: Any


@dataclass(frozen=True, eq=False, kw_only=True)
class View(Node):
    """A strided view of ``arg`` (basic indexing, transpose): no data is moved.

    ``axes[k]`` says where output dim k comes from: ``(src_dim, start, step)`` reads
    arg index ``start + step * i`` along ``src_dim``; ``None`` is a new axis of size 1.
    ``fixed`` pins the remaining arg dims: ``(src_dim, index)``.
    """
    arg: Node
    axes: tuple
    fixed: tuple

    def children(self):
        return (self.arg,)


# ---- mutable state: what program statements write (see ir/program.py) ----------------

@dataclass(frozen=True, eq=False, kw_only=True)
class Storage(Node):
    """A C-contiguous buffer the program allocates once and writes in place (an array the
    user's code updates through subscripts, a snapshot, a loop value's first home).
    Reading it reads its contents at that point of the program."""
    sid: int
    name: str
    why: str = ""


@dataclass(frozen=True, eq=False, kw_only=True)
class ArrayVar(Node):
    """An array name rebound inside a run-time loop or branch: a C pointer that points at a
    Param, a Storage or a pool slot. Reading it reads what it points at now. ``slot_only``:
    it only ever points at a pool slot it picked (a value computed inside a loop), never at
    an argument or a Storage."""
    vid: int
    name: str
    why: str = ""
    slot_only: bool = False


@dataclass(frozen=True, eq=False, kw_only=True)
class ScalarVar(Node):
    """A scalar local of the generated C (loop counters, accumulators, 0-d values rebound
    in loops, conditions)."""
    vid: int
    name: str


MUTABLE_LEAVES = (Param, Storage, ArrayVar)


def view_root(node):
    """The value a chain of views looks into (``node`` itself if it is not a view)."""
    while isinstance(node, View):
        node = node.arg
    return node


def is_ndarray(node) -> bool:
    """Whether NumPy holds ``node`` as an ndarray at run time (an array, a 0-d argument,
    buffer or copy) rather than a NumPy or Python scalar: NumPy computes some complex ops
    of scalars differently (its scalar math), and only arrays have ``**`` fast paths."""
    return not node.weak and (node.ndim > 0 or node.array0d or isinstance(node, MUTABLE_LEAVES))


# ---- values computed from the loop index (frontend/calls_arrays.py, codegen/c_arrays.py) --
# Pure values like Elementwise: nothing is stored; a consuming loop computes each element
# from its own index. ``contiguous`` says whether the value can be read at a flat index
# (plan.py): these need the nested index form unless noted.

@dataclass(frozen=True, eq=False, kw_only=True)
class Iota(Node):
    """The int64 index along ``axis`` of each element of an array of ``shape``
    (np.arange, linspace, eye, indices are elementwise expressions over it)."""
    axis: int
    contiguous = False


@dataclass(frozen=True, eq=False, kw_only=True)
class Broadcast(Node):
    """``arg`` broadcast to ``shape`` (dims align right, its size-1 dims repeat); dtype is
    arg's. A 0-d arg makes a fill (np.zeros/ones/full): readable at a flat index."""
    arg: Node

    def children(self):
        return (self.arg,)

    @property
    def contiguous(self):
        return self.arg.ndim == 0


@dataclass(frozen=True, eq=False, kw_only=True)
class Concat(Node):
    """``args`` joined along ``axis`` (np.concatenate): element i along axis comes from the
    arg k with offsets[k] <= i < offsets[k + 1], at i - offsets[k]. Each arg has this ndim
    and this shape off the axis; args are cast to this dtype."""
    args: tuple
    axis: int
    contiguous = False

    def children(self):
        return self.args


@dataclass(frozen=True, eq=False, kw_only=True)
class Reshape(Node):
    """``arg``'s elements in C order laid out in ``shape`` (same size): np.reshape/ravel
    as a value (a copy and a view read the same)."""
    arg: Node
    contiguous = False

    def children(self):
        return (self.arg,)


@dataclass(frozen=True, eq=False, kw_only=True)
class Gather(Node):
    """Integer-array indexing: ``args[j]`` (integer arrays, broadcast together to shape B)
    index ``arg`` dim ``axes[j]``; the other arg dims pass through in order, and B's dims
    are inserted at output position ``pos``. Negative indices wrap; an index outside its
    dim makes the kernel return an IndexError code."""
    arg: Node
    args: tuple
    axes: tuple
    pos: int
    contiguous = False

    def children(self):
        return (self.arg, *self.args)


@dataclass(frozen=True, eq=False, kw_only=True)
class Table(Node):
    """A constant array (a module global, a closure's array, np.array of constants) used
    with values known at run time: its elements in C order (``values``), read by position
    from a static C array (codegen/c_arrays.py)."""
    values: tuple
    contiguous = True


INDEXED_VALUES = (Iota, Broadcast, Concat, Reshape, Gather, Table)


@dataclass(frozen=True, eq=False, kw_only=True)
class SameBuffer(Node):
    """bool: do two whole buffers (ArrayVar, Storage, Param) start at the same address?
    Pointer variables only ever point at whole allocations, so unequal means disjoint."""
    a: Node
    b: Node

    def children(self):
        return (self.a, self.b)


# ---- library calls ---------------------------------------------------------------------

@dataclass(frozen=True, eq=False, kw_only=True)
class MatMul(Node):
    """``np.matmul(a, b)`` with NumPy's rules: the last two dims of each operand are the
    matrices (a 1-d ``a`` is one row, a 1-d ``b`` one column, and that dim is dropped from
    the result), the dims before them broadcast. ``a`` and ``b`` already have the loop
    dtype, which is also ``dtype`` (the frontend casts them). Its result always gets a
    buffer; a "library" kernel computes it (BLAS for float32/64, npaccel's loops otherwise).
    """
    a: Node
    b: Node

    def children(self):
        return (self.a, self.b)


@dataclass(frozen=True, eq=False, kw_only=True)
class Lapack(MatMul):
    """An np.linalg routine computed by LAPACK (runtime_c/npaccel_lapack.h), per matrix of
    the leading (batch) dims. ``routine``: solve (a, b), inv, det, cholesky, eigvalsh, qr_r
    (qr mode 'r') give their one result; eigh, qr (mode 'reduced'), qr_complete, qr_raw,
    svd_N / svd_S / svd_A (gesdd's jobz) and lstsq (a, b; "lstsq:<rcond or auto>") run the
    routine once and give every result, packed as blocks of one (rows, cols) matrix per
    batch element (``parts``: where each starts; real results such as s and w stored
    exactly in a complex buffer's real parts): the frontend's results are views of it.
    ``lower`` is eigh's UPLO. Operands and ``dtype`` are float64/complex128, as NumPy's
    linalg computes; the memory plan treats it as a MatMul (operands read where they lie,
    result in a buffer).

    >>> f8 = np.dtype("float64")
    >>> a = Param(index=0, name="a", dtype=f8, shape=(4, 3))
    >>> Lapack(a=a, b=a, routine="svd_S", dtype=f8, shape=(8, 3)).parts()
    {'u': (0, 0), 'vh': (4, 0), 's': (7, 0)}
    """
    routine: str
    lower: bool = True

    def children(self):
        return (self.a,) if self.b is self.a else (self.a, self.b)

    def parts(self) -> dict:
        """(row, col) where each result starts in the packed matrix; the shapes, and so the
        packed matrix's, are frontend/calls_lapack.py's (one row or column for a vector)."""
        from .dims import dim_add, dim_min
        m, n = self.a.shape[-2], self.a.shape[-1]
        name = self.routine.partition(":")[0]
        if name == "eigh":                  # V (n x n), w (a row)
            return {"v": (0, 0), "w": (n, 0)}
        if name == "qr":                    # Q (m x k) over R (k x n)
            return {"q": (0, 0), "r": (m, 0)}
        if name == "qr_complete":           # Q (m x m) beside R (m x n)
            return {"q": (0, 0), "r": (0, m)}
        if name == "qr_raw":                # h (n x m: geqrf's matrix transposed), tau (a row)
            return {"h": (0, 0), "tau": (n, 0)}
        if name == "svd_N":                 # s (a row)
            return {"s": (0, 0)}
        if name in ("svd_S", "svd_A"):      # U (m x m or k), Vh (n or k x n), s: one under the other
            s_row = dim_add(m, n if name == "svd_A" else dim_min(m, n))
            return {"u": (0, 0), "vh": (m, 0), "s": (s_row, 0)}
        if name == "lstsq":                 # x (n x nrhs), then columns: residual sums, rank, s
            nrhs = self.b.shape[1] if self.b.ndim == 2 else 1
            return {"x": (0, 0), "sums": (0, nrhs), "rank": (0, dim_add(nrhs, 1)), "s": (0, dim_add(nrhs, 2))}
        return {}

"""How far each output element of a function reaches into its inputs, per axis: the halo
a chunk needs so that the function run on the chunk plus its halo computes the chunk's part of
the whole-array result exactly.

Read from the op graph (ir/nodes.py, ir/program.py) by abstract interpretation: every array
value is placed in the index space of the whole array (its ``origin`` per axis: where its
element 0 sits) and carries its ``reach`` (how far, per axis, the input elements it depends on
lie from it). A shifted slice ``u[2:]`` moves the origin by 2; an elementwise op of values at
different origins reaches as far as the furthest of them; a store into a region ``v[1:-1] =``
re-aligns the value to the region's origin; a loop of known trip count repeats its body.
``np.roll`` (a Concat of two views, frontend/calls_joining.py) is a shift with wrap-around:
that axis is periodic. Sizes are symbolic; they are classified by evaluating them at two probe
sizes (``classify``): a constant, or the axis size less a constant.

Anything whose value depends on more than a bounded neighbourhood (a reduction, an integer
index, np.arange, a size used as a value, a while loop) raises ``NotLocal`` naming it.

>>> import numpy as np
>>> from npaccel.frontend.function_graph import lower_function
>>> from npaccel.ir.signature import ArraySpec
>>> def lap(u):
...     v = np.zeros_like(u)
...     v[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
...     return v
>>> graph = lower_function(lap, (ArraySpec(np.dtype("float64"), (False,), True),))[0]
>>> analyse(graph, (None,), 1)
Locality(depth=(1,), periodic=(), edges=(0,))
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnsupportedError
from ..ir import program as P
from ..ir.dims import evaluate, symbols
from ..ir.nodes import (ArrayVar, Broadcast, Concat, Const, DimValue, Elementwise, Param, Reduce, SameBuffer,
                        ScalarParam, ScalarVar, Storage, View)

_BASE, _STEP = 100_003, 50_000


_NONE = ((0, 0),)


def _shift(interval, by):
    return (interval[0] + by, interval[1] + by)


def _union(intervals):
    return (min((i[0] for i in intervals), default=0), max((i[1] for i in intervals), default=0))


class NotLocal(UnsupportedError):
    """A value that a chunk and a bounded halo cannot compute."""


@dataclass(frozen=True)
class Locality:
    depth: tuple             # halo per axis of the whole array
    periodic: tuple          # axes whose halo wraps around (np.roll)
    edges: tuple = ()        # axes whose ends the function treats apart (u[1:-1] = ...)


@dataclass(frozen=True)
class Access:
    origin: tuple            # per axis: index of element 0 in the whole array, None: broadcast
    reach: tuple             # per axis: (lo, hi), the inputs element i depends on lie within
    #                          [i + lo, i + hi] of the whole array


def probe_env(graph, ndim, scalars, bump=None) -> dict:
    """Symbol values for a whole array of ``ndim`` dims: axis a has size _BASE + 1009 a
    (+ _STEP on axis ``bump``); array parameters align to the right, as broadcasting does."""
    env = {}
    for p in graph.params:
        if isinstance(p, Param):
            for d in range(p.ndim):
                axis = ndim - p.ndim + d
                env[f"a{p.index}_d{d}"] = _BASE + 1009 * axis + (_STEP if axis == bump else 0)
        elif isinstance(p, ScalarParam) and isinstance(scalars[p.index], int):
            env[f"s{p.index}"] = scalars[p.index]
    return env


def classify(dim, envs, axis):
    """('const', c) for a size that does not depend on the array's size, ('end', c) for the
    size of ``axis`` less c, else None.

    >>> from npaccel.ir.dims import Sym, dim_sub, dim_max
    >>> envs = [{"n": _BASE}, {"n": _BASE + _STEP}]
    >>> classify(dim_max(dim_sub(Sym("n"), 2), 0), envs, 0), classify(3, envs, 0)
    (('end', 2), ('const', 3))
    """
    if isinstance(dim, int):
        return ("const", dim)
    if any(name not in envs[0] for name in symbols(dim)):
        return None
    base = evaluate(dim, envs[0])
    values = [evaluate(dim, env) for env in envs[1:]]
    if all(v == base for v in values):
        return ("const", base)
    moved = [i for i, v in enumerate(values) if v != base]
    if moved == [axis] and values[axis] - base == _STEP:
        return ("end", _BASE + 1009 * axis - base)
    return None


class _Analysis:
    def __init__(self, graph, scalars, ndim):
        self.graph, self.scalars, self.ndim = graph, scalars, ndim
        self.envs = [probe_env(graph, ndim, scalars)] + [probe_env(graph, ndim, scalars, a) for a in range(ndim)]
        self.state = {}              # root key -> Access of its current contents
        self.periodic = set()
        self.edges = set()           # axes sliced short of the array's ends (u[1:-1]): edges matter
        self.memo = {}

    # ---- values ------------------------------------------------------------------------
    def axes_of(self, node):
        """The whole-array axes of ``node``'s dims (right-aligned)."""
        if node.ndim > self.ndim:
            raise NotLocal(f"a value of {node.ndim} dims from arguments of {self.ndim}")
        return range(self.ndim - node.ndim, self.ndim)

    def size(self, node, k):
        axis = self.ndim - node.ndim + k
        return classify(node.shape[k], self.envs, axis)

    def leaf(self, node, key):
        found = self.state.get(key)
        if found is not None:
            return found
        origin = [None] * self.ndim
        for k, axis in enumerate(self.axes_of(node)):
            if node.shape[k] != 1:
                origin[axis] = 0
        return Access(tuple(origin), _NONE * self.ndim)

    def access(self, node) -> Access:
        found = self.memo.get(node)
        if found is None:
            found = self.memo[node] = self._access(node)
        return found

    def _access(self, node):
        zero = Access((None,) * self.ndim, _NONE * self.ndim)
        if isinstance(node, (Const, ScalarParam, ScalarVar)):
            return zero
        if isinstance(node, Param):
            return self.leaf(node, ("param", node.index))
        if isinstance(node, Storage):
            return self.leaf(node, ("storage", node.sid))
        if isinstance(node, ArrayVar):
            return self.leaf(node, ("var", node.vid))
        if isinstance(node, SameBuffer):
            return zero
        if isinstance(node, Elementwise):
            return self.combine([self.access(a) for a in node.args])
        if isinstance(node, Broadcast):
            if node.arg.ndim:
                raise NotLocal("np.broadcast_to of an array")
            return self.leaf(node, None)
        if isinstance(node, View):
            return self.view(node)
        if isinstance(node, Concat):
            return self.roll(node)
        if isinstance(node, DimValue):
            raise NotLocal("an array's size used as a value (len, .shape, .size): a chunk's size is not the array's")
        if isinstance(node, Reduce):
            raise NotLocal(f"a reduction ({node.op.value}) inside a function with shifted slices or in-place writes")
        raise NotLocal(f"{type(node).__name__.lower()} (its elements depend on more than their neighbours)")

    def combine(self, accesses):
        origin, reach = [], []
        for a in range(self.ndim):
            known = [x.origin[a] for x in accesses if x.origin[a] is not None]
            o = known[0] if known else None
            origin.append(o)
            reach.append(_union([_shift(x.reach[a], x.origin[a] - o if x.origin[a] is not None else 0)
                                 for x in accesses]))
        return Access(tuple(origin), tuple(reach))

    def view(self, node):
        if node.fixed:
            raise NotLocal("an integer index (x[i]): one row or element read by every chunk")
        arg = self.access(node.arg)
        if len(node.axes) != node.arg.ndim or any(a is None for a in node.axes):
            raise NotLocal("a view that adds or drops axes (np.newaxis, reshape)")
        origin, reach = list(arg.origin), list(arg.reach)
        for k, (src, start, step) in enumerate(node.axes):
            axis = self.ndim - node.ndim + k
            if src != k:
                raise NotLocal("a transposed view (.T, np.transpose, swapaxes)")
            if step != 1:
                raise NotLocal("a strided slice (x[::2], x[::-1])")
            where = classify(start, self.envs, axis)
            if where is None or where[0] != "const":
                raise NotLocal("a slice that starts from the end of the array (x[-k:])")
            if self.size(node, k) is None or (self.size(node, k)[0] == "const" and node.shape[k] != 1):
                raise NotLocal("a slice of fixed length (x[a:b]): chunks see other elements")
            if where[1] or self.size(node, k) != ("end", 0):
                self.edges.add(axis)
            if origin[axis] is not None:
                origin[axis] += where[1]
        return Access(tuple(origin), tuple(reach))

    def roll(self, node):
        """np.roll's Concat((x[n-k:], x[:n-k])): a shift by k with wrap-around."""
        head, tail = node.args if len(node.args) == 2 else (None, None)
        if not all(isinstance(v, View) and v.arg is head.arg and not v.fixed for v in (head or tail, tail or head)):
            raise NotLocal("np.concatenate (or another join): chunks would need the whole array")
        axis = self.ndim - node.ndim + node.axis
        start = classify(head.axes[node.axis][1], self.envs, axis)
        if start is None or classify(tail.axes[node.axis][1], self.envs, axis) != ("const", 0):
            raise NotLocal("np.concatenate (or another join): chunks would need the whole array")
        shift = start[1] if start[0] == "end" else -start[1]
        arg = self.access(head.arg)
        if shift:
            self.periodic.add(axis)
        reach = list(arg.reach)            # element i is the argument's element i - shift
        reach[axis] = _shift(reach[axis], -shift)
        return Access(arg.origin, tuple(reach))

    # ---- program ---------------------------------------------------------------------------
    def run(self, block):
        for stmt in block:
            self.memo = {}
            if isinstance(stmt, P.Store):
                self.store(stmt)
            elif isinstance(stmt, P.SetScalars):
                for _, value in stmt.pairs:
                    self.scalar(value)
            elif isinstance(stmt, P.SetArrays):
                sources = [(var, self.access(src)) for var, src in stmt.pairs]
                for var, acc in sources:
                    self.state[("var", var.vid)] = acc
            elif isinstance(stmt, P.PickSlot):
                self.state.pop(("var", stmt.var.vid), None)
            elif isinstance(stmt, P.For):
                self.loop(stmt)
            elif isinstance(stmt, P.If):
                self.scalar(stmt.cond)
                before = dict(self.state)
                self.run(stmt.then)
                after_then, self.state = self.state, before
                self.run(stmt.orelse)
                self.state = self.merge(after_then, self.state)
            elif isinstance(stmt, P.While):
                raise NotLocal("a while loop: how far its result reaches depends on how often it runs")

    def scalar(self, node):
        if node.ndim:
            raise NotLocal("an array where a scalar is needed")
        self.access(node)

    def merge(self, a, b):
        out = dict(a)
        for key, acc in b.items():
            out[key] = self.combine([acc, out[key]]) if key in out else acc
        return out

    def store(self, stmt):
        target, starts = stmt.target, [0] * self.ndim
        while isinstance(target, View):
            view = self.view(target)          # checks: plain shifted slices only
            for k, (_, start, _) in enumerate(target.axes):
                starts[self.ndim - target.ndim + k] += classify(start, self.envs, self.ndim - target.ndim + k)[1]
            del view
            target = target.arg
        key = {Param: lambda n: ("param", n.index), Storage: lambda n: ("storage", n.sid),
               ArrayVar: lambda n: ("var", n.vid)}[type(target)](target)
        old = self.leaf(target, key)
        value = self.access(stmt.value)
        whole = stmt.target is target
        origin, reach = [], []
        for a in range(self.ndim):
            full = old.origin[a] is not None and whole and self.full(target, a)
            base = old.origin[a]
            t = None if base is None else base + starts[a]
            shift = value.origin[a] - t if value.origin[a] is not None and t is not None else 0
            if whole and not full:            # a temporary of its own extent: takes the value's origin
                origin.append(value.origin[a] if value.origin[a] is not None else base)
                reach.append(value.reach[a])
            else:
                origin.append(base)
                moved = _shift(value.reach[a], shift)
                reach.append(moved if whole else _union([old.reach[a], moved]))
        self.state[key] = Access(tuple(origin), tuple(reach))
        if key[0] == "storage":               # pointers to it see the write
            for other, acc in list(self.state.items()):
                if other[0] == "var":
                    self.state[other] = self.combine([acc, self.state[key]]) if acc.origin == origin else acc

    def full(self, node, axis):
        k = axis - (self.ndim - node.ndim)
        return k >= 0 and self.size(node, k) == ("end", 0)

    def loop(self, stmt):
        trips = len(range(*(self.bound(x) for x in (stmt.start, stmt.stop, stmt.step))))
        history = [dict(self.state)]
        for i in range(trips):
            self.run(stmt.body)
            history.append(dict(self.state))
            if i == 2 and trips > 8 and self.linear(history):
                self.state = self.extrapolate(history, trips)
                return

    def linear(self, history):
        a, b, c = history[-3:]
        return a.keys() == b.keys() == c.keys() and all(
            a[k].origin == b[k].origin == c[k].origin and
            all(y[i] - x[i] == z[i] - y[i] for x, y, z in zip(a[k].reach, b[k].reach, c[k].reach) for i in (0, 1))
            for k in a)

    def extrapolate(self, history, trips):
        b, c = history[-2:]
        done = len(history) - 1
        return {k: Access(c[k].origin, tuple(tuple(z[i] + (z[i] - y[i]) * (trips - done) for i in (0, 1))
                                             for y, z in zip(b[k].reach, c[k].reach))) for k in c}

    def bound(self, x):
        if isinstance(x, int):
            return x
        if isinstance(x, Const) and isinstance(x.value, (int,)) or (isinstance(x, Const) and x.dtype.kind in "iu"):
            return int(x.value)
        if isinstance(x, ScalarParam) and isinstance(self.scalars[x.index], (int,)):
            return int(self.scalars[x.index])
        raise NotLocal("a loop whose trip count is computed at run time: the halo it needs is unknown")


def analyse(graph, scalars, ndim) -> Locality:
    """The halo per axis that ``graph``'s outputs need, for arrays of ``ndim`` dims; ``scalars``:
    the call's argument values by parameter index (loop bounds read them). Raises NotLocal."""
    an = _Analysis(graph, scalars, ndim)
    an.run(graph.body)
    an.memo = {}
    depth = [0] * ndim
    for out in graph.outputs:
        acc = an.access(out)
        if out.ndim != ndim or any(an.size(out, k) not in (("end", 0), ("const", 1)) for k in range(ndim)):
            raise NotLocal("a result whose shape is not the arrays' shape (a slice of them, or a reduction)")
        for a in range(ndim):
            if acc.origin[a] not in (0, None):
                raise NotLocal("a result shifted against its arguments")
            depth[a] = max(depth[a], -acc.reach[a][0], acc.reach[a][1])
    return Locality(tuple(depth), tuple(sorted(an.periodic)), tuple(sorted(an.edges)))

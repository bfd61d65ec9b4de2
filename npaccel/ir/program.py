"""Program statements: what runs in order around the deferred op graph.

A function body that only computes values is a ``Graph`` with an empty ``body``. Writes
into arrays (``x[...] = v``, ``x += v``), run-time loops and branches add statements;
values stay deferred graph nodes, and a statement reads them when it runs. Statements are
frozen like nodes; blocks are tuples.

>>> import numpy as np
>>> from npaccel.ir.nodes import ScalarVar
>>> i = ScalarVar(vid=0, name="i", dtype=np.dtype(np.int64), weak=True)
>>> loop = For(var=i, start=0, stop=10, step=1, body=(Break(),))
>>> print(format_block((loop,), lambda n: n.name))
for i in range(0, 10, 1):
    break
"""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Store:
    """Write ``value`` into ``target``: a Storage/ArrayVar/Param, or a View chain over one
    (a region). ``value`` has the region's shape, or broadcasts to it."""
    target: object
    value: object


@dataclass(frozen=True)
class SetScalars:
    """Parallel assignment of 0-d values to scalar locals: all values are read first."""
    pairs: tuple          # ((ScalarVar, value node), ...)


@dataclass(frozen=True)
class PickSlot:
    """Point ``var`` at a pool slot that no pointer of the same pool points at now."""
    var: object           # ArrayVar


@dataclass(frozen=True)
class SetArrays:
    """Parallel pointer assignment: ``var`` now points at what ``source`` is stored in (an
    ArrayVar, Storage or Param)."""
    pairs: tuple


@dataclass(frozen=True)
class For:
    var: object           # ScalarVar (int64) the loop counter is kept in
    start: object         # int or 0-d integer node
    stop: object
    step: object
    body: tuple
    # set by passes/loop_facts.py (C backend only; defaults: a plain serial loop)
    guards: tuple = ()    # IndexGuard records: checked once before the loop, at its first and
    checked: tuple = ()   # last iteration; if one fails, ``checked`` (the body with every index
    #                       check) runs instead of ``body`` (whose guarded checks are gone)
    parallel: object = None   # a Parallel record: the iterations are independent
    before: tuple = ()    # with guards: run before / after the unchecked loop when it runs at
    after: tuple = ()     # least once (an element kept in a local: load, then store back)
    swapped: bool = False     # passes/loop_interchange.py: this loop was the inner one of the two


@dataclass(frozen=True)
class IndexGuard:
    """``index`` (a 0-d node, monotonic in the loop counter or independent of it) lies in
    ``[0, n)`` at the loop's first and last iteration, hence at every iteration."""
    index: object
    n: object


@dataclass(frozen=True)
class Parallel:
    """Why a loop may run its iterations on several threads, and what each thread keeps of
    its own: ``private`` scalar locals (each assigned before it is read, in every iteration),
    ``lastprivate`` those of them read after the loop (assigned in every iteration: the last
    iteration's value is the serial one), ``storages`` 0-d buffers written then read within
    an iteration, ``work``: the inner loops, as (start, stop, step, their own inner loops),
    which the size threshold multiplies in (start and stop None where they change from one
    iteration to the next: codegen/c_loops.py guesses their trip count)."""
    private: tuple
    lastprivate: tuple
    storages: tuple
    work: tuple = ()


@dataclass(frozen=True)
class While:
    """``while True: <test>; if not cond: break; <body>``."""
    test: tuple           # statements computing what ``cond`` reads
    cond: object          # 0-d node
    body: tuple


@dataclass(frozen=True)
class If:
    cond: object
    then: tuple
    orelse: tuple
    select: bool = False  # both arms only pick values: computed both, then chosen (passes/if_convert.py)


@dataclass(frozen=True)
class Check:
    """A run-time check that can only be decided here, inside the program (sizes that
    depend on a loop counter): ``check`` is one of ir/checks.py's check records. If it
    fails, the program stops with error NPA_ERR_CHECK (3000) + k (k: this Check's position in
    ``walk`` order) and the caller raises NumPy's error, after the writes before it, as
    NumPy does (runtime/marshal.py in_kernel_checks)."""
    check: object


@dataclass(frozen=True)
class Compute:
    """Values the next statement reads that are computed first, each into a buffer of its
    own (a reduction, a matrix product, their operands): ``kernels`` (passes/plan.py Kernel
    records) in order, ``buffers`` the nodes they store. Set by passes/program_plan.py."""
    kernels: tuple
    buffers: tuple


@dataclass(frozen=True)
class MatVecPair:
    """``first`` (store P <- X @ w) and ``second`` (store Q <- X.T @ e, ``e`` elementwise
    over X's rows reading P at its own row) done in one sweep over the rows of X (set by
    passes/program_plan.py; codegen/c_matvec.py renders it)."""
    first: Store
    second: Store


@dataclass(frozen=True)
class Break:
    pass


@dataclass(frozen=True)
class Continue:
    pass


def walk(block):
    """Every statement in ``block`` and in the blocks nested in it, outer first."""
    for s in block:
        yield s
        for inner in nested_blocks(s):
            yield from walk(inner)


def nested_blocks(stmt) -> tuple:
    if isinstance(stmt, For):
        return tuple(b for b in (stmt.before, stmt.body, stmt.after, stmt.checked) if b) or (stmt.body,)
    if isinstance(stmt, While):
        return (stmt.test, stmt.body)
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    return ()


_BLOCK_FIELDS = {For: ("before", "body", "after", "checked"), While: ("test", "body"), If: ("then", "orelse")}


def with_blocks(stmt, change):
    """``stmt`` with each block nested in it replaced by ``change(block)`` (not recursive)."""
    fields = _BLOCK_FIELDS.get(type(stmt), ())
    if not fields:
        return stmt
    return replace(stmt, **{f: change(getattr(stmt, f)) for f in fields})


def statement_nodes(stmt) -> tuple:
    """The graph nodes a statement reads or writes (not those of nested blocks)."""
    if isinstance(stmt, Store):
        return (stmt.target, stmt.value)
    if isinstance(stmt, (SetScalars, SetArrays)):
        return tuple(n for pair in stmt.pairs for n in pair)
    if isinstance(stmt, PickSlot):
        return (stmt.var,)
    if isinstance(stmt, For):
        return tuple(n for n in (stmt.var, stmt.start, stmt.stop, stmt.step) if not isinstance(n, int))
    if isinstance(stmt, (While, If)):
        return (stmt.cond,)
    if isinstance(stmt, MatVecPair):
        return statement_nodes(stmt.first) + statement_nodes(stmt.second)
    if isinstance(stmt, Compute):
        return stmt.buffers
    return ()


def format_block(block, name, indent="") -> str:
    """Text form of statements; ``name(node)`` names a node."""
    def n(x):
        return repr(x) if isinstance(x, int) else name(x)
    lines = []
    for s in block:
        if isinstance(s, Store):
            lines.append(f"{indent}store {n(s.target)} <- {n(s.value)}")
        elif isinstance(s, SetScalars):
            lines.append(f"{indent}" + ", ".join(n(v) for v, _ in s.pairs) + " = " +
                         ", ".join(n(x) for _, x in s.pairs))
        elif isinstance(s, SetArrays):
            lines.append(f"{indent}" + ", ".join(n(v) for v, _ in s.pairs) + " -> " +
                         ", ".join(n(x) for _, x in s.pairs))
        elif isinstance(s, PickSlot):
            lines.append(f"{indent}{n(s.var)} -> free pool slot")
        elif isinstance(s, For):
            notes = (["swapped with the loop it held: the inner loop walks memory in order"] if s.swapped else []) + \
                ([f"{len(s.guards)} index check(s) tested before the loop"] if s.guards else []) + \
                (["element kept in a local"] if s.before else []) + \
                (["parallel: iterations independent"] if s.parallel is not None else [])
            lines.append(f"{indent}for {n(s.var)} in range({n(s.start)}, {n(s.stop)}, {n(s.step)}):" +
                         (f"   # {'; '.join(notes)}" if notes else ""))
            for part in (s.before, s.body, s.after):
                if part:
                    lines.append(format_block(part, name, indent + "    "))
            if not s.body:
                lines.append(indent + "    pass")
        elif isinstance(s, Compute):
            lines.append(f"{indent}compute first: " + "; ".join(
                f"{k.kind.value} -> {', '.join(n(x) for x in k.stores)}" for k in s.kernels))
        elif isinstance(s, MatVecPair):
            lines.append(f"{indent}one sweep over the rows of {n(s.first.value.a)}:")
            lines.append(format_block((s.first, s.second), name, indent + "    "))
        elif isinstance(s, While):
            lines.append(f"{indent}while:")
            if s.test:
                lines.append(format_block(s.test, name, indent + "    "))
            lines.append(f"{indent}    if not {n(s.cond)}: break")
            lines.append(format_block(s.body, name, indent + "    ") or indent + "    pass")
        elif isinstance(s, If):
            lines.append(f"{indent}if {n(s.cond)}:" + ("   # if-converted: a select" if s.select else ""))
            lines.append(format_block(s.then, name, indent + "    ") or indent + "    pass")
            if s.orelse:
                lines.append(f"{indent}else:")
                lines.append(format_block(s.orelse, name, indent + "    "))
        elif isinstance(s, Check) and (getattr(s.check, "left", None), getattr(s.check, "right", None),
                                       getattr(s.check, "cmp", None)) == (0, 0, "!="):     # array_build.stop_if
            lines.append(f"{indent}stop: {s.check.error}: {s.check.message} (the call reruns in Python)")
        elif isinstance(s, Check):
            lines.append(f"{indent}check {s.check}")
        elif isinstance(s, Break):
            lines.append(f"{indent}break")
        elif isinstance(s, Continue):
            lines.append(f"{indent}continue")
    return "\n".join(lines)

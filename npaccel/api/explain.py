"""explain(): a map of the function for one argument signature, without running it.

First the source, each line marked: compiled (and in which segment), folded when compiling
(its values are known from the signature), run in Python (and why), or decided at the first
call (it reads a value a Python statement computes). Then, per compiled segment, the op
graph, the memory plan, the fused kernels, the program's statements as they run (what is
computed first, loops run in parallel or with checks hoisted, fused pairs), with sizes as
the user would write them (``x.shape[0] - 2``), run-time checks and the generated C.

The map is the segmentation the call itself performs (api/segments.py), simulated on the
signature: a compiled segment's outputs get the signature of the arrays and scalars it
returns; a name a Python statement binds has a value known only when it runs.
"""
from __future__ import annotations

import dataclasses

from ..ir.signature import ArraySpec, OtherSpec, ScalarSpec, describe, small_last, spec_of
from ..ir.dims import DimOp, Sym, render_user
from ..ir.nodes import ArrayVar, Const, DimValue, MatMul, Node, Storage, View, topo_order
from ..ir.printer import format_graph
from ..ir.program import format_block, statement_nodes, walk
from .segments import SegmentedFunction
from ..frontend.bindings import assigned_names

MARKS = {"compiled": "C", "folded": "F", "python": "P", "unknown": "?"}
_UNKNOWN = "value computed in Python"


def _spec_of_node(node):
    if node.ndim == 0:
        return ScalarSpec(node.dtype, bool(node.weak))
    shape = tuple(d if isinstance(d, int) else 2 for d in node.shape)
    return ArraySpec(node.dtype, tuple(d == 1 for d in node.shape), True, small_last(shape) if all(
        isinstance(d, int) for d in node.shape[-1:]) else 0)


def segment_plan(fn, key, params):
    """[(first statement, end, "compiled", (signature, lowered)) | (i, i + 1, "python", error)
    | (i, i + 1, "unknown", name)] for ``fn`` called with signature ``key``."""
    seg = SegmentedFunction(fn, lambda signature, lowered, part: (signature, lowered), lambda i, e: None)
    specs = dict(zip(params, key))
    steps, i = [], 0
    while i < len(seg.stmts):
        names = tuple(n for n in seg.reads_after[i] if n in specs)
        step = seg.make_segment(i, names, tuple(specs[n] or OtherSpec(_UNKNOWN) for n in names))
        if isinstance(step, tuple) and _UNKNOWN in str(step[1]):
            # reads a value computed in Python: its type decides, at the first call
            steps.append((i, i + 1, "unknown", next(n for n in names if specs[n] is None and n in str(step[1]))))
            i += 1
            continue
        if isinstance(step, tuple):
            steps.append((i, i + 1, "python", step[1]))
            for name in assigned_names([seg.stmts[i]]):
                specs[name] = None
            i += 1
            continue
        signature, lowered = step.call
        graph = lowered[0]
        steps.append((i, step.end, "compiled", (signature, lowered, step.key_names)))
        for name, node in zip(graph.segment_names, graph.outputs):
            specs[name] = _spec_of_node(node)
        for name, value in graph.static_out.items():
            specs[name] = spec_of(value)
        for name in graph.deleted:
            specs.pop(name, None)
        if graph.returned:
            break
        i = step.end
    return seg, steps


def source_map(fn, key, params) -> tuple:
    """(text of the marked source listing, [(segment number, signature, lowered, names)],
    whether the whole function compiles as one)."""
    seg, steps = segment_plan(fn, key, params)
    src = seg.src
    lines = src.text.splitlines()
    marks = {}                         # source line (1-based in the def) -> (mark, note)
    segments = []

    def mark(stmt, kind, note):
        first = stmt.lineno
        last = getattr(stmt, "end_lineno", None) or first
        for line in range(first, last + 1):
            marks.setdefault(line, (kind, note if line == first else ""))

    for start, end, kind, info in steps:
        if kind == "compiled":
            segments.append((len(segments) + 1, *info))
            folded = info[1][0].folded
            for j in range(start, end):
                is_folded = j - start < len(folded) and folded[j - start]
                mark(seg.stmts[j], "folded" if is_folded else "compiled",
                     "folded when compiling" if is_folded else f"compiled, segment {len(segments)}")
        elif kind == "python":
            why = getattr(info, "construct", str(info))
            if type(info).__name__ == "PredictedError":
                why = f"Python raises {type(info.original).__name__} here for this signature ({info.original})"
            mark(seg.stmts[start], "python", f"Python: {why}")
        else:
            mark(seg.stmts[start], "unknown", f"decided at the first call: reads '{info}', computed in Python")
    width = max((len(line) for line in lines), default=0)
    out = []
    for number, text in enumerate(lines, start=1):
        kind, note = marks.get(number, ("", ""))
        flag = MARKS.get(kind, " ")
        out.append(f"{src.first_line + number - 1:5d} {flag} {text.ljust(width)}" + (f"   # {note}" if note else ""))
    legend = "C compiled  F folded when compiling  P runs in Python  ? decided at the first call"
    whole = all(kind == "compiled" for _, _, kind, _ in steps) and len(segments) == 1
    return "\n".join(out + ["", legend]), segments, whole


def user_names(signature, names) -> dict:
    """Symbol -> the user's spelling: a0_d1 -> x.shape[1], s2 -> n."""
    spelled = {}
    for index, (name, spec) in enumerate(zip(names, signature)):
        if isinstance(spec, ArraySpec):
            for d in range(len(spec.ones)):
                spelled[f"a{index}_d{d}"] = f"{name}.shape[{d}]" if len(spec.ones) > 1 else f"len({name})"
        spelled[f"s{index}"] = name
    return spelled


def shape_text(shape, spelled) -> str:
    return "(" + ", ".join(render_user(d, spelled) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_text(check, dim) -> str:
    """A run-time check with its sizes spelled as the user would."""
    def text(v):
        if isinstance(v, (Sym, DimOp)):
            return dim(v)
        if isinstance(v, tuple):
            return "(" + ", ".join(text(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        return repr(v)
    fields = ", ".join(f"{f.name}={text(getattr(check, f.name))}" for f in dataclasses.fields(check)) \
        if dataclasses.is_dataclass(check) else repr(check)
    return f"{type(check).__name__}({fields})"


def plan_text(compiled, spelled) -> list:
    """The memory plan, fused kernels, checks and generated C of one translated segment."""
    plan = compiled.plan
    dim = lambda d: render_user(d, spelled)  # noqa: E731
    parts = ["== op graph ==", format_graph(compiled.graph, dim), "", "== memory plan =="]
    names = {v: k for k, v in plan.graph.names.items() if isinstance(v, Node)}
    for node, why in plan.materialised:
        parts.append(f"materialised {names.get(node, '(unnamed)')}: {node.dtype}"
                     f"{shape_text(node.shape, spelled)} ({why.value})")
    stmt_nodes = [n for s in walk(plan.graph.body) for n in statement_nodes(s) if isinstance(n, Node)]
    for node in topo_order(stmt_nodes):
        if isinstance(node, (Storage, ArrayVar)):
            kind = "buffer" if isinstance(node, Storage) else "pointer"
            parts.append(f"{kind} {node.name}: {node.dtype}{shape_text(node.shape, spelled)} "
                         f"({node.why or 'program value'})")
    for name, _ in plan.dead:
        parts.append(f"never computed {name}: nothing returned depends on it")
    if not plan.materialised:
        parts.append("nothing materialised")
    parts += ["", "== fused kernels =="]
    for i, k in enumerate(plan.kernels):
        stores = ", ".join(names.get(s, "(value)") for s in k.stores)
        loop = "flat loop" if k.flat else "loop nest"
        parts.append(f"kernel {i}: {k.kind.value} over {shape_text(k.shape, spelled)} ({loop}) -> {stores}")
    if not plan.kernels:
        parts.append("none outside the program's statements (see the program plan)")
    if plan.graph.body:
        label = node_labeller(names, dim)
        parts += ["", "== program plan (as the C runs it) ==",
                  format_block(plan.program("cpu"), label) or "(no statements)"]
    if compiled.checks:
        parts += ["", "== run-time checks =="] + [check_text(c, dim) for c in compiled.checks]
    parts += ["", "== generated C (OpenMP) ==", compiled.source]
    return parts


def node_labeller(names, dim):
    """A short text for a node of the program plan: its variable name, else its operation
    with its operands a level or two deep (``sum(x)``, ``A[...] @ w``)."""
    def label(n, depth=2):
        name = names.get(n) or getattr(n, "name", None)
        if name:
            return name
        if isinstance(n, Const):
            return repr(n.value)
        if isinstance(n, DimValue):
            return dim(n.dim)
        if depth == 0:
            return "..."
        kids = [label(c, depth - 1) for c in n.children()]
        if isinstance(n, View):
            return f"{kids[0]}[...]"
        if type(n) is MatMul:
            return f"{kids[0]} @ {kids[1]}"
        op = getattr(n, "op", None)
        return f"{op.value if op is not None else type(n).__name__.lower()}({', '.join(kids)})"
    return label


_COLOURS = {"C": "#d7f5dd", "F": "#e8eefc", "P": "#fde2e1", "?": "#fff3cd"}


class Explanation(str):
    """explain()'s text; a notebook shows it as HTML, the source lines coloured by mark."""

    def _repr_html_(self) -> str:
        import html
        rows = []
        for line in self.splitlines():
            mark = line[6:7] if line[:5].strip().isdigit() else ""
            style = f' style="background:{_COLOURS[mark]}"' if mark in _COLOURS else ""
            rows.append(f"<span{style}>{html.escape(line)}</span>")
        return "<pre>" + "\n".join(rows) + "</pre>"


def explain_text(fn, key, params, translate, qualname) -> str:
    """The whole explain() text for ``fn`` called with signature ``key``."""
    listing, segments, whole = source_map(fn, key, params)
    if whole:           # what runs is the whole function, compiled with its own parameters
        status = "compiled whole"
        segments = [(1, key, translate(fn, key), params)]
    else:
        status = f"{len(segments)} compiled segment(s); the lines marked P or ? run in Python"
        segments = [(n, sig, translate(fn, sig, lowered), names) for n, sig, lowered, names in segments]
    parts = [f"npaccel: {qualname}({describe(key)}): {status}", "", "== source ==", listing]
    for number, signature, compiled, names in segments:
        parts += ["", f"== segment {number}: {describe(signature) or 'no arguments'} =="]
        if compiled.pending_error is not None:
            error = compiled.pending_error
            parts.append(f"Python raises {type(error).__name__} for this signature ({error}): the plain "
                         "function runs, so the error is exactly Python's")
            continue
        parts += plan_text(compiled, user_names(signature, names))
    return Explanation("\n".join(parts))

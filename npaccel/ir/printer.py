"""Stable text form of a graph, and the structural hash derived from it.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param, Elementwise, Graph
>>> from npaccel.ir.ops import Op
>>> x = Param(index=0, name="x", dtype=np.dtype("float64"), shape=(4,))
>>> y = Elementwise(op=Op.NEGATIVE, args=(x,), in_dtypes=(x.dtype,), dtype=x.dtype, shape=(4,))
>>> print(format_graph(Graph(params=(x,), outputs=(y,))))
%0 = param x #0 : float64[4]
%1 = negative(%0) : float64[4]
return %1
"""
from __future__ import annotations

import hashlib

from .nodes import Const, DimValue, Elementwise, Graph, Node, Param, Reduce, ScalarParam, View, topo_order
from .nodes import Lapack, MatMul


def _type(node: Node, dim_text=repr) -> str:
    dims = ", ".join(map(dim_text, node.shape))
    return f"{'weak ' if node.weak else ''}{node.dtype}[{dims}]"


def format_node(node: Node, names: dict, dim_text=repr) -> str:
    if isinstance(node, Param):
        body = f"param {node.name} #{node.index}"
    elif isinstance(node, ScalarParam):
        body = f"scalar {node.name} #{node.index}"
    elif isinstance(node, Const):
        body = f"const {node.value!r}"
    elif isinstance(node, DimValue):
        body = f"dim {dim_text(node.dim)}"
    elif isinstance(node, Elementwise):
        args = ", ".join(names[a] for a in node.args)
        casts = "" if all(a.dtype == d for a, d in zip(node.args, node.in_dtypes)) else \
            " via " + ",".join(str(d) for d in node.in_dtypes)
        body = f"{node.op.value}({args}){casts}"
    elif isinstance(node, Reduce):
        body = f"{node.op.value}({names[node.arg]}, axes={node.axes}, keepdims={node.keepdims}" + \
            (", last to first)" if getattr(node, "reverse", False) else ")")
    elif isinstance(node, Lapack):
        body = f"linalg.{node.routine}({', '.join(names[x] for x in node.children())})"
    elif isinstance(node, MatMul):
        body = f"matmul({names[node.a]}, {names[node.b]})"
    elif isinstance(node, View):
        axes = ", ".join("new" if a is None else f"{a[0]}:{dim_text(a[1])}+{a[2]}i" for a in node.axes)
        fixed = "".join(f", {d}={dim_text(i)}" for d, i in node.fixed)
        body = f"view({names[node.arg]}; {axes}{fixed})"
    else:
        attrs = ", ".join(f"{k}={v!r}" for k, v in node.attrs().items())
        args = ", ".join(names[a] for a in node.children())
        body = f"{type(node).__name__.lower()}({args}; {attrs})"
    return f"{names[node]} = {body} : {_type(node, dim_text)}"


def format_graph(graph: Graph, dim_text=repr) -> str:
    """The graph as text; ``dim_text`` renders a dim (explain() spells them as the user)."""
    from .program import format_block, statement_nodes, walk
    stmt_nodes = [n for s in walk(graph.body) for n in statement_nodes(s) if isinstance(n, Node)]
    roots = [p for p in graph.params if p is not None] + stmt_nodes + list(graph.outputs)
    names, lines = {}, []
    for node in topo_order(roots):
        names[node] = f"%{len(names)}"
        lines.append(format_node(node, names, dim_text))
    if graph.body:
        lines.append("program:")
        lines.append(format_block(graph.body, lambda n: names[n], "    "))
    lines.append("return " + ", ".join(names[o] for o in graph.outputs))
    return "\n".join(lines)


def structural_hash(graph: Graph) -> str:
    return hashlib.sha256(format_graph(graph).encode()).hexdigest()

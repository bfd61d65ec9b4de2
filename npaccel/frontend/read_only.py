"""Values NumPy gives as read-only views (``np.broadcast_to``, ``np.diagonal``, ``np.diag`` of a
matrix, ``.imag`` of a real array): what the lowering must not do with them.

npaccel computes such a value like any other (a broadcast, a gather), but NumPy's is a view that
refuses writes ("assignment destination is read-only") and sees later writes to the array it
looks into. So the lowering records them (``Lowering.read_only``, a node -> the call that made
it) and:

- a write into one, or into a view of one, runs in Python, where NumPy raises its own error;
- a write into the array one looks into, while a name still holds it, runs in Python where the
  node is a computed value (a stored argument or buffer is read when the value is used, after
  the write, as NumPy's view would);
- a statement run in Python that reads one gets NumPy's view: the statement making it runs in
  Python too (frontend/function_graph.py);
- returned from the function, the array is marked read-only (runtime/marshal.py).
"""
from __future__ import annotations

from ..ir.nodes import Broadcast, Elementwise, Node, Reshape, View, topo_order
from ..ir.ops import Op


def marked_read_only(lw, value, who):
    """``value``, recorded as the read-only view ``who`` (``"np.broadcast_to"``) gives."""
    if isinstance(value, Node) and value.ndim:
        lw.state.read_only.setdefault(value, who)
    return value


def _view_chain(value):
    """``value`` and the values it is a view of: views, reshapes, broadcasts, .real/.imag."""
    while isinstance(value, Node):
        yield value
        if isinstance(value, (View, Reshape, Broadcast)):
            value = value.arg
        elif isinstance(value, Elementwise) and value.op in (Op.REAL, Op.IMAG):
            value = value.args[0]
        else:
            return


def read_only_source(lw, value):
    """The call whose read-only view ``value`` is, or looks into; None if it is writeable.

    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> from npaccel.ir.nodes import Param
    >>> p = Param(index=0, name="a", dtype=np.dtype("f8"), shape=(3,))
    >>> b = Broadcast(arg=p, shape=(2, 3), dtype=p.dtype)
    >>> row = View(arg=b, axes=(1,), fixed=((0, 0),), dtype=p.dtype, shape=(3,))
    >>> lw = SimpleNamespace(state=SimpleNamespace(read_only={b: "np.broadcast_to"}))
    >>> read_only_source(lw, row), read_only_source(lw, p)
    ('np.broadcast_to', None)
    """
    marks = lw.state.read_only
    for node in _view_chain(value):
        if node in marks:
            return marks[node]
    return None


def refuse_write(lw, value, name):
    """Before a write into ``value`` (bound to ``name``): raise UnsupportedError where NumPy's
    array is a read-only view."""
    who = read_only_source(lw, value)
    if who is not None:
        raise lw.unsupported(f"writing into '{name}', a read-only view ({who}); NumPy raises "
                             "'assignment destination is read-only'")


def refuse_hidden_write(lw, root):
    """Before ``root`` (a computed value) gets a buffer of its own and is written: raise
    UnsupportedError if a name holds a read-only view computed from it (NumPy's view would
    see the write; npaccel's copy would not)."""
    marks = lw.state.read_only
    if not marks:
        return
    for frame in lw.frames():
        for name, v in frame.env.items():
            if isinstance(v, Node) and v in marks and v is not root and root in topo_order([v]):
                raise lw.unsupported(f"writing into an array while '{name}', its read-only view "
                                     f"({marks[v]}), is in use")


def keep_read_only(lw, mapping):
    """After names are rebound (old node -> new, a buffer holding its values): the new node of
    a read-only view is one too."""
    marks = lw.state.read_only
    for old, new in mapping.items():
        if old in marks and isinstance(new, Node) and new.ndim:
            marks.setdefault(new, marks[old])


def is_view_alias(lw, node) -> bool:
    """Is ``node`` a read-only view (read when used, so it sees writes, as NumPy's view does)?"""
    return node in lw.state.read_only

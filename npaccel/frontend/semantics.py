"""What the frontend's values are, and where the user's errors end and the compiler's begin.

Values while lowering are graph nodes, Python values known now, or the lowering's own
stand-ins (``ListValue``, ``Unavailable``, ``BoundMethod``); ``is_internal`` tells the latter
apart so that Python code never receives one, and ``kind_name`` names them in messages.
``numpy_semantics`` marks code whose exceptions are the user program's (``UserError``)."""
from __future__ import annotations

import contextlib
import types
import warnings

import numpy as np

from ..errors import UnsupportedError
from ..ir.nodes import Node

PY_SCALARS = (bool, int, float, complex)

def python_int(value) -> bool:
    """A Python int (not a bool), known now or at run time."""
    if isinstance(value, Node):
        return value.weak and value.ndim == 0 and value.dtype == np.int64
    return isinstance(value, int) and not isinstance(value, bool)


def python_scalar(value) -> bool:
    """A Python bool/int/float/complex, known now or at run time (a weak 0-d value)."""
    if isinstance(value, Node):
        return value.weak and value.ndim == 0
    return isinstance(value, PY_SCALARS)


class Unavailable:
    """A name whose value (computed by a statement run in Python) compiled code cannot take."""

    def __init__(self, type_name):
        self.type_name = type_name


class ListValue(tuple):
    """A list display (``[a, b]``) while lowering: used like a tuple (sizes, indices), but
    never handed to Python code as one, and never mutated."""


class UnsupportedArgument(UnsupportedError):
    """An argument compiled code cannot take (a string, a list, an object): the function
    still compiles in segments around the statements that read it (api/segments.py)."""


class PredictedError(UnsupportedError):
    """A statement that raises under NumPy's rules for this signature: it runs in Python,
    which raises exactly its own error."""

    def __init__(self, original, where):
        super().__init__(f"raises {type(original).__name__}: {original}", where)
        self.original = original


class UserError(Exception):
    """What the user's code raises under NumPy's rules (kept, raised at call time)."""

    def __init__(self, original):
        super().__init__(str(original))
        self.original = original


@contextlib.contextmanager
def numpy_semantics():
    """Exceptions raised here are the user program's, not the compiler's."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    except UnsupportedError:
        raise
    except Exception as exc:  # NumPy's or Python's own error for this program
        raise UserError(exc) from None




class BoundMethod:
    def __init__(self, node, name):
        self.node, self.name = node, name


_PLAIN_ATOMS = (type(None), bool, int, float, complex, str, bytes, np.generic, np.dtype, type,
                types.ModuleType, types.FunctionType, types.BuiltinFunctionType, np.ufunc, range)


def is_plain_static(value) -> bool:
    """A value known at compile time that can be handed to Python code as it is: immutable
    and not one of the lowering's own objects (a list is lowered as a tuple: not plain).

    >>> is_plain_static((1, 2.0, "a")), is_plain_static([1]), is_plain_static(ListValue((1,)))
    (True, False, False)
    """
    if isinstance(value, ListValue):
        return False
    if isinstance(value, tuple):
        return all(is_plain_static(v) for v in value)
    if isinstance(value, slice):
        return all(is_plain_static(v) for v in (value.start, value.stop, value.step))
    return isinstance(value, _PLAIN_ATOMS) and not isinstance(value, Node)


def is_internal(value) -> bool:
    """Is ``value`` one of the lowering's own objects (a graph node, a masked selection, a
    bound method of a deferred array, a placeholder), or a container holding a placeholder?
    Python's operators and functions are never applied to those: the construct is
    unsupported, not the user's error. (Containers may carry nodes: ``x.shape + (1,)``.)

    >>> is_internal((1, Unavailable("str"))), is_internal([1, "a"]), is_internal(Unavailable("str"))
    (True, False, True)
    """
    if isinstance(value, (Node, Unavailable, BoundMethod)) or type(value).__module__.startswith("npaccel.frontend"):
        return not isinstance(value, ListValue)
    return _holds_placeholder(value)


def _holds_placeholder(value) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_holds_placeholder(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_placeholder(v) for v in value.values())
    if isinstance(value, slice):
        return any(_holds_placeholder(v) for v in (value.start, value.stop, value.step))
    return not isinstance(value, Node) and (isinstance(value, (Unavailable, BoundMethod)) or
                                            type(value).__module__.startswith("npaccel.frontend"))


# npaccel's own values as messages name them (never the class name)
_INTERNAL_KINDS = {"MaskedSelection": "boolean-mask selection", "DataSized": "result whose size depends on the data",
                   "EitherScalar": "scalar whose type (Python or NumPy) depends on the path run",
                   "ListValue": "list", "DimValue": "size", "View": "view"}


def kind_name(value) -> str:
    """The type of ``value`` as a message names it: npaccel's own objects by what they stand for.

    >>> kind_name(ListValue((1,))), kind_name("s")
    ('list', 'str')
    """
    return _INTERNAL_KINDS.get(type(value).__name__, type(value).__name__)


def kind_of(value) -> str:
    if isinstance(value, ListValue):
        return "list"
    if type(value).__name__ == "EitherScalar":
        return "scalar whose type (Python or NumPy) depends on the path run,"
    if isinstance(value, Unavailable):
        return value.type_name
    return "tuple" if isinstance(value, tuple) else "value"


def is_value(value) -> bool:
    return isinstance(value, Node) or isinstance(value, (np.generic,) + PY_SCALARS) or \
        (isinstance(value, np.ndarray) and value.ndim == 0)


_ONE = {"b": True, "i": 1, "u": 1, "f": 1.0, "c": 1j}


def stand_in(value, fill=0, python_scalars=True):
    """What NumPy is shown of a value to type a call and raise its static errors: a Python
    scalar for a Python scalar known only at run time (NEP 50: weak), else an array of the
    value's dtype with every dim 1 (it broadcasts with anything), filled with ``fill`` (1: a
    nonsingular matrix for np.linalg); anything not a graph node as it is.

    >>> from npaccel.ir.nodes import ScalarParam
    >>> n = ScalarParam(index=0, name="n", dtype=np.dtype(np.int64), weak=True)
    >>> stand_in(n), stand_in(n, python_scalars=False), stand_in(2.5)
    (1, array(0), 2.5)
    """
    if not isinstance(value, Node):
        return value
    if value.weak and python_scalars:
        return _ONE[value.dtype.kind]
    return np.full((1,) * value.ndim, fill, value.dtype)

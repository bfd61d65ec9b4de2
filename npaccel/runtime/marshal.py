"""The per-signature call path, generated as Python source and compiled once.

For one specialisation it reads shapes and strides, runs the recorded checks (broadcast
dims, Python int ranges, empty reductions) in program order, allocates the returned
buffers, packs the ints/floats the kernel reads (see codegen.c_source.ArgLayout), calls
the kernel, maps its error code to NumPy's exception, and builds the return value.
Generating it keeps the hot path free of loops and lookups.
"""
from __future__ import annotations

import functools
import operator
import warnings

import numpy as np

from ..errors import PythonIntOverflow, RerunInPython
from ..ir.dims import DimOp, SliceDim, render_py, symbols
from ..ir.nodes import DATA_DEPENDENT, Const, DimValue, Param, ScalarParam, kernel_allocated
from ..ir.checks import (BroadcastDims, ComplexCastWarning, DimCheck, DimsEqual, FitsInto,
                         IndexInRange, MaskMatches, NonEmpty, NonNegativeGuard, ScalarFits, ShapeGuard, StoreDimsEqual)
from . import forking, outputs

_ERRORS = {1: (ValueError, "Integers to negative integer powers are not allowed."),
           2: (MemoryError, "npaccel: out of memory for a temporary buffer"),
           4: (IndexError, "index out of bounds: an index computed at run time is outside its axis"),
           # Python scalars keep Python's rules (frontend/operations.py, python_divisor)
           6: (ZeroDivisionError, "integer division or modulo by zero"),
           7: (ZeroDivisionError, "division by zero"),
           8: (ZeroDivisionError, "float division by zero"),
           9: (ZeroDivisionError, "float floor division by zero"),
           10: (ZeroDivisionError, "float modulo"),
           11: (PythonIntOverflow, "npaccel: a Python int computed at run time left the 64-bit range, after "
                               "the function had written an argument, so it could not run again in "
                               "Python (Python ints do not overflow)")}
_ERRORS.update({12: (ValueError, "math domain error"), 13: (OverflowError, "math range error"),
                14: (ValueError, "cannot convert float NaN to integer"),
                15: (OverflowError, "cannot convert float infinity to integer"),
                23: (ValueError, "negative shift count"),
                32: (ValueError, "'list' argument must have no negative elements")})     # np.bincount
# np.linalg through LAPACK (runtime_c/npaccel_lapack.h): NumPy's LinAlgError messages
_ERRORS.update({16: (np.linalg.LinAlgError, "Singular matrix"),
                17: (np.linalg.LinAlgError, "Matrix is not positive definite"),
                18: (np.linalg.LinAlgError, "Eigenvalues did not converge"),
                19: (np.linalg.LinAlgError, "Incorrect argument found while performing QR factorization"),
                20: (RuntimeError, "npaccel: the LAPACK routine found when compiling is missing"),
                21: (np.linalg.LinAlgError, "SVD did not converge"),
                22: (np.linalg.LinAlgError, "SVD did not converge in Linear Least Squares")})
PY_INT_OVERFLOW = 11     # a Python int left 64 bits: Python's own arithmetic gives the answer
PY_MATH_DOMAIN, PY_MATH_RANGE = 12, 13      # math.* / ** of Python floats: Python's error and message
LOOP_INDEX = 4           # an index computed at run time is outside its axis


CHECK_BASE = 3000        # NPA_ERR_CHECK: 3000 + k, the k-th Check statement of the program failed


def python_reruns(code) -> bool:
    """Does the plain function run instead after this kernel error, when the kernel wrote no
    argument? (Then Python computes the answer, or raises NumPy's exact error and message:
    "index 8 is out of bounds for axis 0 with size 8", or the OverflowError of ``2.0 ** x``,
    "(34, 'Numerical result out of range')", where math.pow says "math range error".)"""
    return code in (PY_INT_OVERFLOW, LOOP_INDEX, PY_MATH_DOMAIN, PY_MATH_RANGE) or code >= CHECK_BASE


def in_kernel_checks(graph) -> tuple:
    """The check records of the program's Check statements, in ``walk`` order (the order
    codegen numbers their error codes in: c_statements.py)."""
    from ..ir import program as P
    if graph.in_kernel_checks is not None:      # a graph without its body (api/warm.py call_graph)
        return graph.in_kernel_checks
    return tuple(s.check for s in P.walk(getattr(graph, "body", ()) or ()) if isinstance(s, P.Check))


def _in_kernel_error(c):
    """The exception NumPy raises where check ``c`` fails inside the program (its sizes
    were known only there, so the message cannot name them)."""
    if isinstance(c, (FitsInto, StoreDimsEqual)):
        return ValueError("could not broadcast input array into the shape of the slice it is stored to "
                          "(shapes computed inside a loop)")
    if isinstance(c, (DimsEqual, BroadcastDims)):
        return ValueError("operands could not be broadcast together (shapes computed inside a loop)")
    if isinstance(c, DimCheck):
        import builtins
        return getattr(builtins, c.error)(c.message.format(*("?" for _ in c.values)))
    if isinstance(c, NonEmpty):
        return ValueError(f"zero-size array to reduction operation {c.ufunc_name} which has no identity")
    if isinstance(c, (IndexInRange, MaskMatches)):
        return IndexError("index out of bounds: a size computed inside a loop")
    return RuntimeError(f"npaccel: the run-time check {type(c).__name__} failed")


def raise_kernel_error(code, in_kernel=()):
    if CHECK_BASE <= code < CHECK_BASE + len(in_kernel):
        raise _in_kernel_error(in_kernel[code - CHECK_BASE])
    exc, message = _ERRORS.get(code, (RuntimeError, f"npaccel kernel failed with code {code}"))
    raise exc(message)


def _shape_expr(shape):
    items = [render_py(d) for d in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _check_lines(checks, names):
    lines = []
    for c in checks:
        if isinstance(c, NonNegativeGuard):
            lines.append(f"if {render_py(c.dim)} < 0: return _plain(*args)")
        elif isinstance(c, ShapeGuard):
            lines.append(f"if {render_py(c.a)} != {render_py(c.b)}: return _plain(*args)")
        elif isinstance(c, (BroadcastDims, FitsInto)):
            shapes = [f"_shape_text({_shape_expr(s)})" for s in c.shapes]
            a, b = render_py(c.a), render_py(c.b)
            ones = f"{a} == 1" + ("" if isinstance(c, FitsInto) else f" or {b} == 1")
            lines.append(f"if not ({a} == {b} or {ones}):")
            if isinstance(c, FitsInto):
                lines.append(f"    raise ValueError('could not broadcast input array from shape ' + {shapes[1]} + "
                             f"' into shape ' + {shapes[0]})")
            else:
                lines.append(f"    raise ValueError('operands could not be broadcast together with shapes ' + "
                             f"{' + chr(32) + '.join(shapes)} + ' ')")
        elif isinstance(c, StoreDimsEqual):
            shapes = [f"_shape_text({_shape_expr(s)})" for s in c.shapes]
            lines.append(f"if {render_py(c.a)} != {render_py(c.b)}:")
            lines.append(f"    raise ValueError('could not broadcast input array from shape ' + {shapes[1]} + "
                         f"' into shape ' + {shapes[0]})")
        elif isinstance(c, DimsEqual):
            shapes = " + ' ' + ".join(f"_shape_text({_shape_expr(s)})" for s in c.shapes)
            lines.append(f"if {render_py(c.a)} != {render_py(c.b)}:")
            lines.append(f"    raise ValueError('operands could not be broadcast together with shapes ' + {shapes} + ' ')")
        elif isinstance(c, ScalarFits):
            info = np.iinfo(c.dtype)
            v = names[c.index]
            lines.append(f"if not ({info.min} <= {v} <= {info.max}):")
            lines.append(f"    raise OverflowError(f'Python integer {{{v}}} out of bounds for {c.dtype}')")
        elif isinstance(c, IndexInRange):
            n = render_py(c.dim)
            lines.append(f"if not -{n} <= {c.index} < {n}:")
            lines.append(f"    raise IndexError(f'index {c.index} is out of bounds for axis {c.axis} with size {{{n}}}')")
        elif isinstance(c, MaskMatches):
            a, m = render_py(c.dim), render_py(c.mask_dim)
            lines.append(f"if {a} != {m}:")
            lines.append(f"    raise IndexError(f'boolean index did not match indexed array along axis {c.axis}; "
                         f"size of axis is {{{a}}} but size of corresponding boolean axis is {{{m}}}')")
        elif isinstance(c, NonEmpty):
            cond = " or ".join(f"{render_py(d)} == 0" for d in c.dims)
            lines.append(f"if {cond}:")
            lines.append(f"    raise ValueError('zero-size array to reduction operation {c.ufunc_name} which has no identity')")
        elif isinstance(c, ComplexCastWarning):
            lines.append(f"_warn(_ComplexWarning({c.message!r}), stacklevel=3)")
        elif isinstance(c, DimCheck):
            values = ", ".join(render_py(v) for v in c.values)
            lines.append(f"if not ({render_py(c.left)} {c.cmp} {render_py(c.right)}):")
            lines.append(f"    raise {c.error}({c.message!r}.format({values}))")
    return lines


def _fit64(*values) -> bool:
    return all(-2 ** 63 <= v < 2 ** 63 for v in values)


def _shape_text(shape):
    return "(" + ",".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _evaluated_dims(graph, checks) -> list:
    """The dims the Python side evaluates (output shapes, checks)."""
    dims = [d for node in graph.outputs for d in (*node.shape, getattr(node, "dim", 0))]
    for c in checks:
        dims += [getattr(c, f) for f in ("a", "b", "dim", "left", "right") if hasattr(c, f)]
        dims += list(getattr(c, "values", ())) + [d for s in getattr(c, "shapes", ()) for d in s]
        dims += list(getattr(c, "dims", ()))
    return dims


def _uses_symbol(graph, checks, name) -> bool:
    """Does the Python side evaluate dim symbol ``name`` (output shapes, checks)?"""
    return any(name in symbols(d) for d in _evaluated_dims(graph, checks))


def _int_argument_terms(graph, checks) -> list:
    """Python text of every arithmetic term over int arguments (s<i>) in the dims the
    Python side evaluates: the kernel computes them in int64 (wrapping), Python exactly;
    where one leaves the 64-bit range the two disagree (an output allocated for Python's
    size, written for the kernel's), so the call must run in Python."""
    terms = {}

    def visit(d):
        if isinstance(d, DimOp):
            visit(d.a)
            visit(d.b)
            if any(name.startswith("s") and name[1:].isdigit() for name in symbols(d)):
                terms.setdefault(render_py(d), None)
        elif isinstance(d, SliceDim):
            for x in (d.start, d.stop, d.step, d.n):
                if x is not None:
                    visit(x)
    for d in _evaluated_dims(graph, checks):
        visit(d)
    return list(terms)


def unpack_lines(graph, checks, names, shape_of):
    """Generated lines binding the arguments (``names``), the dims of each array argument
    (a<i>_d<d>, from the expression ``shape_of(i)``) and int arguments used as sizes (s<i>)."""
    n = len(graph.params)
    body = [f"{', '.join(names[i] for i in range(n))}{',' if n == 1 else ''} = args" if n else "pass"]
    for p in graph.params:
        if isinstance(p, Param) and p.ndim:
            dims = ", ".join(f"a{p.index}_d{d}" for d in range(p.ndim))
            body.append(f"{dims}, = {shape_of(p.index)}")
    for p in graph.params:   # an int argument used as a size (np.zeros(n)): dims name it s<index>
        if isinstance(p, ScalarParam) and p.dtype.kind in "iub" and _uses_symbol(graph, checks, f"s{p.index}"):
            body.append(f"s{p.index} = _index({names[p.index]})")
    return body


def written_params(graph) -> tuple:
    """Indices of the array arguments the compiled code may write: the frontend's record
    (``graph.written_params``) plus the roots of every store in the program, where a
    pointer variable (ArrayVar) stands for every argument it may have been pointed at.

    >>> import numpy as np
    >>> from npaccel.ir import program as P
    >>> from npaccel.ir.nodes import ArrayVar, Graph, Param
    >>> u = Param(index=0, name="u", dtype=np.dtype("float64"), shape=(4,))
    >>> v = ArrayVar(vid=1, name="v", dtype=np.dtype("float64"), shape=(4,), why="")
    >>> body = (P.SetArrays(((v, u),)), P.Store(v, u))
    >>> written_params(Graph(params=(u,), outputs=(), output_kind="none", body=body))
    (0,)
    """
    from ..ir import program as P
    from ..ir.nodes import ArrayVar, Gather, View

    def root(node):
        while isinstance(node, (View, Gather)):
            node = node.arg
        return node
    written = set(graph.written_params)
    sources, through = {}, []          # ArrayVar -> what it was pointed at; stored-to pointers
    for s in P.walk(getattr(graph, "body", ()) or ()):
        if isinstance(s, P.SetArrays):
            for var, src in s.pairs:
                sources.setdefault(var, []).append(src)
        elif isinstance(s, P.Store):
            base = root(s.target)
            if isinstance(base, Param):
                written.add(base.index)
            elif isinstance(base, ArrayVar):
                through.append(base)
    seen = set()
    while through:
        var = through.pop()
        if var in seen:
            continue
        seen.add(var)
        for src in sources.get(var, ()):
            src = root(src)
            if isinstance(src, Param):
                written.add(src.index)
            elif isinstance(src, ArrayVar):
                through.append(src)
    return tuple(sorted(written))


def build_caller(graph, layout, checks, entry, ffi, num_threads, plain=None):
    """A function taking the argument tuple and returning what the Python function would.

    Where Python's result would differ from the compiled code's, the call runs ``plain``
    (the function itself, NumPy by definition) before anything is written; with
    ``plain=None`` (a segment of a partly compiled function) it raises RerunInPython, and the
    segment's statements run in Python instead: when an argument it writes shares memory
    with another argument (the compiled code could read half-written data), when a guard
    fails, and when a check fails in code that writes an argument (Python writes, then
    raises). Also when an argument it may write is not writeable (read-only, a
    broadcast_to view, a read-only buffer or memory map): Python then raises NumPy's own
    ValueError exactly where, and only if, the write happens (after the writes before it,
    as NumPy does); the compiled code would write memory NumPy forbids writing."""
    names = {p.index: f"x{p.index}" for p in graph.params}
    lines = ["def npaccel_call(args):"]
    body = unpack_lines(graph, checks, names, lambda i: f"{names[i]}.shape")
    arrays = [p.index for p in graph.params if isinstance(p, Param)]
    written = [w for w in written_params(graph) if w in arrays]
    rerun = "return _plain(*args)" if plain is not None else "raise _Rerun()"
    if written:
        readonly = " or ".join(f"not {names[w]}.flags.writeable" for w in written)
        body.append(f"if {readonly}: {rerun}")
    if written and len(arrays) > 1:
        for w in written:
            others = ", ".join(names[i] for i in arrays if i != w)
            body.append(f"if _overlaps({names[w]}, ({others},)): {rerun}")
    for line in _check_lines(checks, names):
        if written and line.startswith("    raise "):
            line = "    " + rerun
        body.append(line.replace("return _plain(*args)", rerun))
    terms = _int_argument_terms(graph, checks)
    if terms:   # (after the checks, which make them defined) a size from int arguments beyond
        # int64: the kernel's value would wrap where Python's does not
        body.append(f"if not _fit64({', '.join(terms)}{',' if len(terms) == 1 else ''}): {rerun}")
    out_names = {}
    for pos in layout.outputs:
        node = graph.outputs[pos]
        var = f"o{pos}"
        out_names[node] = var
        if not kernel_allocated(node):
            body.append(f"{var} = _empty({_shape_expr(node.shape)}, _dt{pos})")
    ints = ["_nt"]
    for index, ndim in layout.arrays:
        x = names[index]
        ints.append(f"{x}.ctypes.data")
        ints += [f"a{index}_d{d}" for d in range(ndim)]
        if ndim:
            item = graph.params[index].dtype.itemsize
            body.append(f"_st{index} = {x}.strides")
            ints += [f"_st{index}[{d}] // {item}" for d in range(ndim)]
    adopted = []         # a data-dependent result: its address and length come back in I
    for pos in layout.outputs:
        node = graph.outputs[pos]
        if isinstance(node, DATA_DEPENDENT):
            adopted.append(f"o{pos} = _adopt(_I[{len(ints)}], _I[{len(ints) + 1}], _dt{pos}, "
                           f"{_shape_expr(node.shape[1:])})")
            ints += ["0", "0"]
        elif kernel_allocated(node):     # a shape a loop changed: every dim comes back
            tail = "".join(f"_I[{len(ints) + 2 + d}], " for d in range(node.ndim - 1))
            adopted.append(f"o{pos} = _adopt(_I[{len(ints)}], _I[{len(ints) + 1}], _dt{pos}, ({tail}))")
            ints += ["0"] * (1 + node.ndim)
        else:
            ints.append(f"o{pos}.ctypes.data")
    for index in layout.int_scalars:
        p = graph.params[index]
        conv = f"_u64({names[index]})" if p.dtype == np.uint64 else f"int({names[index]})"
        ints.append(conv)
    floats = []
    for i in layout.float_scalars:     # a complex scalar takes two slots: real, imaginary
        x = names[i]
        floats += [f"float({x}.real)", f"float({x}.imag)"] if graph.params[i].dtype.kind == "c" else [f"float({x})"]
    floats = floats or ["0.0"]
    body.append(f"_I = _new('int64_t[]', [{', '.join(ints)}])")
    body.append(f"_rc = _entry(_I, _new('double[]', [{', '.join(floats)}]))")
    body += adopted      # (before any error is raised: the array owns the block from now)
    if not written:     # nothing written: Python runs it instead
        body.append(f"if _reruns(_rc): {rerun}")
    body.append("if _rc: _raise(_rc)")
    results = []
    for pos, node in enumerate(graph.outputs):
        if node in out_names:
            var = out_names[node]
            if node.ndim == 0 and not node.array0d:
                var = f"{var}[()]" + (".item()" if node.weak else "")
            results.append(var)
        elif isinstance(node, (Param, ScalarParam)):
            results.append(names[node.index])
        elif isinstance(node, Const):
            results.append(f"_const{pos}" + (".copy()" if node.array0d else ""))
        elif isinstance(node, DimValue):
            results.append(f"int({render_py(node.dim)})")
        if pos in graph.read_only_outputs:
            results[-1] = f"_read_only({results[-1]})"
    if graph.output_kind == "none":
        body.append("return None")
    elif graph.output_kind == "single":
        body.append(f"return {results[0]}")
    else:
        body.append(f"return ({', '.join(results)}{',' if len(results) == 1 else ''})")
    lines += ["    " + b for b in body]
    source = "\n".join(lines) + "\n"
    namespace = {"_fit64": _fit64, "_index": operator.index, "_empty": outputs.empty, "_adopt": outputs.adopt, "_new": ffi.new, "_entry": entry, "_nt": forking.thread_count(num_threads),
                 "_reruns": python_reruns, "_raise": functools.partial(raise_kernel_error, in_kernel=in_kernel_checks(graph)),
                 "_shape_text": _shape_text, "_plain": plain, "_read_only": outputs.read_only, "_Rerun": RerunInPython,
                 "_warn": warnings.warn, "_ComplexWarning": np.exceptions.ComplexWarning,
                 "LinAlgError": np.linalg.LinAlgError,
                 "_overlaps": lambda a, others: any(np.may_share_memory(a, o) for o in others), "_u64": lambda v: int(np.array(v, np.uint64).view(np.int64))}
    for pos, node in enumerate(graph.outputs):
        namespace[f"_dt{pos}"] = node.dtype
        if isinstance(node, Const):
            namespace[f"_const{pos}"] = np.asarray(node.value) if node.array0d else node.value
    exec(compile(source, f"<npaccel call of {graph.function or '?'}>", "exec"), namespace)
    fn = namespace["npaccel_call"]
    fn.source = source
    forking.track_caller(fn)    # a forked child rebinds _nt to 1 (runtime/forking.py)
    return fn

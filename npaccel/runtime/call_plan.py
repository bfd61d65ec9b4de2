"""The C dispatcher's program for one compiled CPU specialisation.

The program (an int list for the stack machine in runtime_c/npaccel_dispatch.c) does what
marshal.build_caller's generated Python does, in the same order, for the common case:

1. match every argument against the signature the specialisation was compiled for
   (ir/signature.py spec_of: an ndarray of that exact dtype, ndim, size-1 dims,
   C-contiguity and small last axis; a Python bool/int/float/complex, an int within 64
   bits; a NumPy scalar of that type);
2. the checks the Python caller makes (broadcast dims, run-time broadcasts of dims that
   may be 1 (BroadcastDims, FitsInto), guards, Python int ranges, empty reductions,
   sizes): any failure hands the call to the Python path, which raises NumPy's error
   (type and message) or runs the plain function, as always. Sizes are arithmetic over
   array dims and int arguments (ir/dims.py: + - * // max min, NumPy's broadcast of a
   dim that may be 1, Python's slice clipping ``len(range(n)[start:stop:step])``); a
   value that leaves int64 is a miss too, where Python goes on with a big int;
3. written arguments writeable and not overlapping another array argument (else Python);
4. allocate the outputs (large ones through runtime/outputs.py's pool), pack the ints and
   doubles, call the kernel without the GIL, build the result: the same objects, types
   and tuple structure as the Python caller returns.

A kernel's error code goes to ``on_error``: the plain function reruns where the Python
caller would rerun it (no argument written, Python int overflow), else the error is raised;
the kernel never runs twice. Specialisations the program cannot express (a ComplexWarning
to issue, an unknown size symbol, a GPU array, too many arguments) raise NoPlan: their
calls take the Python path.

>>> import numpy as np
>>> from npaccel.ir.nodes import Param
>>> from npaccel.ir.dims import Sym, dim_sub
>>> p = _Program(("PUSH_CONST", "PUSH_DIM", "PUSH_INDEX", "SUB"), (Param(index=0, name="x",
...     dtype=np.dtype("float64"), shape=(Sym("a0_d0"),)),))
>>> p.dim(dim_sub(Sym("a0_d0"), 2)); p.code
[1, 0, 0, 0, 2, 3]
"""
from __future__ import annotations

import re

import numpy as np

from ..ir.signature import ArraySpec, DeviceArraySpec, ScalarSpec, StaticSpec
from ..ir.dims import DimOp, SliceDim, Sym
from ..ir.nodes import Const, DimValue, Param, ScalarParam, kernel_allocated
from ..ir.checks import (BroadcastDims, DimCheck, DimsEqual, FitsInto,
                         IndexInRange, MaskMatches, NonEmpty, NonNegativeGuard, ScalarFits)
from . import outputs
from .marshal import in_kernel_checks, python_reruns, raise_kernel_error, written_params

# limits of the C side (npaccel_dispatch.c)
MAX_INTS, MAX_FLOATS, MAX_OUTS, MAX_RESULTS, MAX_NDIM, STACK = 1024, 256, 32, 32, 32, 64
INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1
_CMP = {"==": 0, "!=": 1, "<": 2, "<=": 3, ">": 4, ">=": 5}
_BINOP = {"+": "ADD", "-": "SUB", "*": "MUL", "//": "FLOORDIV", "max": "MAX", "min": "MIN", "bcast": "BCAST"}
# what an instruction does to the depth of the C stack (SLICE and ALLOC: by their operands)
_STACK_EFFECT = {"PUSH_CONST": 1, "PUSH_DIM": 1, "PUSH_INDEX": 1, "CHECK": -2, "CHECK_BCAST": -2,
                 "RES_INT": -1, **{op: -1 for op in ("ADD", "SUB", "MUL", "FLOORDIV", "MAX", "MIN", "BCAST")}}
_SYMBOL = re.compile(r"a(\d+)_d(\d+)|s(\d+)")
_WEAK_TYPES = {"b": bool, "i": int, "f": float, "c": complex}


class NoPlan(Exception):
    """This specialisation's calls take the Python path (the reason says why)."""


class _Program:
    """The code and the objects (tuple slots) of one plan under construction."""

    FIXED_OBJS = 4        # entry owner, caller globals, on_error, empty (npaccel_dispatch.c)

    def __init__(self, opcodes, params):
        self.op = {name: i for i, name in enumerate(opcodes)}
        self.params = params
        self.code = []
        self.objs = [None] * self.FIXED_OBJS
        self.depth = 0            # values on the C stack

    def emit(self, name, *operands):
        for v in operands:
            if not isinstance(v, (int, np.integer)) or not INT64_MIN <= v <= INT64_MAX:
                raise NoPlan(f"operand {v!r} of {name} is not a 64-bit int")
        self.code += [self.op[name], *(int(v) for v in operands)]
        self.depth += _STACK_EFFECT.get(name, 0) if name != "SLICE" else -1 - operands[1] - operands[2]
        if name == "ALLOC":
            self.depth -= operands[1]
        if self.depth > STACK:
            raise NoPlan("size expressions too deep for the C dispatcher's stack")

    def obj(self, value) -> int:
        self.objs.append(value)
        return len(self.objs) - 1

    def dim(self, d):
        """Push the value of dim expression ``d`` (Python's semantics; C fails to MISS on
        an int64 overflow, where Python would go on with a big int)."""
        if isinstance(d, (int, np.integer)):
            self.emit("PUSH_CONST", d)
        elif isinstance(d, Sym):
            m = _SYMBOL.fullmatch(d.name)
            if m is None:
                raise NoPlan(f"size symbol {d.name} is not an argument's")
            if m.group(3) is not None:
                index = int(m.group(3))
                if index >= len(self.params) or not isinstance(self.params[index], ScalarParam):
                    raise NoPlan(f"size symbol {d.name} names no scalar argument")
                self.emit("PUSH_INDEX", index)
            else:
                index, axis = int(m.group(1)), int(m.group(2))
                if index >= len(self.params) or not isinstance(self.params[index], Param) \
                        or axis >= self.params[index].ndim:
                    raise NoPlan(f"size symbol {d.name} names no array axis")
                self.emit("PUSH_DIM", index, axis)
        elif isinstance(d, DimOp) and d.op in _BINOP:
            self.dim(d.a)
            self.dim(d.b)
            self.emit(_BINOP[d.op])
        elif isinstance(d, SliceDim) and d.part in ("len", "start"):
            for bound in (d.start, d.stop):
                if bound is not None:
                    self.dim(bound)
            self.dim(d.step)
            self.dim(d.n)
            self.emit("SLICE", int(d.part == "start"), int(d.start is not None), int(d.stop is not None))
        else:
            raise NoPlan(f"size {d!r}")

    def require(self, a, cmp, b):
        self.dim(a)
        self.dim(b)
        self.emit("CHECK", _CMP[cmp])


def _match(prog, index, spec):
    if isinstance(spec, ArraySpec) and not isinstance(spec, DeviceArraySpec):
        if len(spec.ones) > MAX_NDIM:
            raise NoPlan("too many dims")
        ones = sum(1 << d for d, one in enumerate(spec.ones) if one)
        prog.emit("MATCH_ARRAY", index, spec.dtype.num, len(spec.ones), ones, int(spec.contiguous), spec.last)
    elif isinstance(spec, ScalarSpec) and spec.weak and spec.dtype.kind in _WEAK_TYPES:
        prog.emit("MATCH_TYPE", index, prog.obj(_WEAK_TYPES[spec.dtype.kind]))
        if spec.dtype.kind == "i":
            prog.emit("MATCH_INT64", index)
    elif isinstance(spec, ScalarSpec) and not spec.weak:
        prog.emit("MATCH_TYPE", index, prog.obj(spec.dtype.type))
    elif isinstance(spec, StaticSpec) and spec.value is None:      # None is NoneType's only value
        prog.emit("MATCH_TYPE", index, prog.obj(type(None)))
    else:
        raise NoPlan(f"argument {index} is {type(spec).__name__}")


def _check(prog, c):
    if isinstance(c, NonNegativeGuard):
        prog.require(c.dim, ">=", 0)
    elif isinstance(c, DimsEqual):            # ShapeGuard too
        prog.require(c.a, "==", c.b)
    elif isinstance(c, ScalarFits):
        info = np.iinfo(c.dtype)
        prog.emit("CHECK_RANGE", c.index, max(int(info.min), INT64_MIN), min(int(info.max), INT64_MAX))
    elif isinstance(c, IndexInRange) and isinstance(c.index, int):
        prog.require(DimOp("-", 0, c.dim), "<=", c.index)      # -n <= index < n
        prog.require(c.index, "<", c.dim)
    elif isinstance(c, MaskMatches):
        prog.require(c.dim, "==", c.mask_dim)
    elif isinstance(c, NonEmpty):
        for d in c.dims:
            prog.require(d, "!=", 0)
    elif isinstance(c, (BroadcastDims, FitsInto)):    # equal, or one of them 1
        prog.dim(c.a)
        prog.dim(c.b)
        prog.emit("CHECK_BCAST", int(isinstance(c, FitsInto)))
    elif isinstance(c, DimCheck) and c.cmp in _CMP:
        prog.require(c.left, c.cmp, c.right)
    else:
        raise NoPlan(f"check {type(c).__name__}")


def kernel_error_handler(written, plain, in_kernel=()):
    """on_error(code, args) for the C side: build_caller's handling of a kernel's code."""
    def on_error(code, args):
        if not written and python_reruns(code):
            return plain(*args)
        raise_kernel_error(code, in_kernel)
    return on_error


def call_program(graph, layout, checks, entry, namespace, signature, opcodes):
    """(entry address, program, objs, min_pooled) for Dispatcher.add; ``namespace``: the
    Python caller's globals (its ``_nt``, which a forked child sets to 1, and ``_plain``);
    ``signature``: the key the caller is stored under (ir/signature.py).
    Raises NoPlan."""
    from .loader import ffi
    params = graph.params
    if len(params) != len(signature) or any(p.index != i for i, p in enumerate(params)):
        raise NoPlan("parameters and signature differ")
    prog = _Program(opcodes, params)
    for i, spec in enumerate(signature):
        _match(prog, i, spec)
    arrays = [p.index for p in params if isinstance(p, Param)]
    written = [w for w in written_params(graph) if w in arrays]
    for w in written:
        prog.emit("WRITEABLE", w)
    if len(arrays) > 1:
        for w in written:
            for other in arrays:
                if other != w:
                    prog.emit("DISJOINT", w, other)
    for c in checks:
        _check(prog, c)
    if graph.read_only_outputs:
        raise NoPlan("an output NumPy gives as a read-only view (the Python caller marks it)")
    if any(kernel_allocated(graph.outputs[pos]) for pos in layout.outputs):
        raise NoPlan("an output whose length depends on the data or a loop (its kernel allocates it)")
    out_of = {}                                     # node -> output slot
    if len(layout.outputs) > MAX_OUTS:
        raise NoPlan("too many outputs")
    for slot, pos in enumerate(layout.outputs):
        node = graph.outputs[pos]
        out_of[node] = slot
        for d in node.shape:
            prog.dim(d)
        prog.emit("ALLOC", slot, len(node.shape), prog.obj(np.dtype(node.dtype)))
    results = []                                    # (op, operands) after the call
    dim_values = []
    for pos, node in enumerate(graph.outputs):
        if node in out_of:
            mode = (2 if node.weak else 1) if node.ndim == 0 and not node.array0d else 0
            results.append(("RES_OUT", out_of[node], mode))
        elif isinstance(node, (Param, ScalarParam)):
            results.append(("RES_ARG", node.index))
        elif isinstance(node, Const):
            value = np.asarray(node.value) if node.array0d else node.value
            results.append(("RES_CONST", prog.obj(value), int(bool(node.array0d))))
        elif isinstance(node, DimValue):
            dim_values.append(node.dim)
            results.append(("RES_INT",))
    for d in reversed(dim_values):                  # evaluated before the call, popped in order
        prog.dim(d)
    n_ints = 1 + sum(1 + 2 * ndim for _, ndim in layout.arrays) + len(layout.outputs) + len(layout.int_scalars)
    n_floats = sum(2 if params[i].dtype.kind == "c" else 1 for i in layout.float_scalars)
    if n_ints > MAX_INTS or n_floats > MAX_FLOATS or len(results) > MAX_RESULTS:
        raise NoPlan("too many arguments for the C dispatcher")
    prog.emit("PACK_NT")
    for index, ndim in layout.arrays:
        prog.emit("PACK_ARRAY", index, ndim, params[index].dtype.itemsize)
    for slot in range(len(layout.outputs)):
        prog.emit("PACK_OUT", slot)
    for index in layout.int_scalars:
        prog.emit("PACK_U64" if params[index].dtype == np.uint64 else "PACK_INT", index)
    for index in layout.float_scalars:
        prog.emit("PACK_COMPLEX" if params[index].dtype.kind == "c" else "PACK_FLOAT", index)
    prog.emit("CALL")
    for op, *operands in results:
        prog.emit(op, *operands)
    if graph.output_kind == "none":
        prog.emit("RET_NONE")
    elif graph.output_kind == "single":
        if not results:
            raise NoPlan("no result")
        prog.emit("RET_SINGLE")
    else:
        prog.emit("RET_TUPLE")
    prog.objs[:4] = [entry, namespace, kernel_error_handler(written, namespace["_plain"], in_kernel_checks(graph)), outputs.empty]
    address = int(ffi.cast("uintptr_t", entry))
    return address, prog.code, tuple(prog.objs), outputs.MIN_BYTES

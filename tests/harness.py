"""The one way tests compare npaccel with NumPy.

``check_same(fn, make_args)`` runs the plain function and its accelerated version (fallback
raising, so a pass proves the code compiled) on fresh, identical inputs and requires:
the same exception type, or results of the same structure, type, dtype, shape and values;
and inputs left exactly as they were, or written exactly as the plain function writes them.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

from npaccel import accelerate

# Elementwise float results may differ from NumPy's by a few ulp per op (vector libm), which
# cancellation in a chain can magnify relative to a small result: the tolerance is relative
# to each value plus the same fraction of the largest magnitude. Reductions may reorder sums.
# Integers and bools are always exact; so are complex results unless ``rtol`` names their
# dtype (each part is compared as a float, with NaN positions and signed zeros).
ULP_RTOL = {np.dtype(np.float64): 1e-13, np.dtype(np.float32): 4e-6}
REDUCTION_RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}


def _copy_args(args):
    return tuple(copy.deepcopy(a) if not isinstance(a, np.ndarray) else _copy_array(a) for a in args)


def _copy_array(a):
    """A copy with the same strides and offset pattern (non-contiguous stays non-contiguous)."""
    if a.flags.c_contiguous or a.size == 0:
        return a.copy()
    base = a.base if a.base is not None else a
    while isinstance(base, np.ndarray) and base.base is not None and isinstance(base.base, np.ndarray):
        base = base.base
    fresh_base = base.copy()
    offset = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return np.ndarray(a.shape, a.dtype, buffer=fresh_base, offset=offset, strides=a.strides)


def assert_same_value(actual, expected, rtol=None, where="result"):
    assert type(actual) is type(expected) or (
        isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray)), \
        f"{where}: type {type(actual).__name__} != NumPy's {type(expected).__name__}"
    if isinstance(expected, tuple):
        assert len(actual) == len(expected), f"{where}: tuple length"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same_value(a, e, rtol, f"{where}[{i}]")
        return
    if expected is None:
        assert actual is None
        return
    if isinstance(expected, (np.ndarray, np.generic)):
        assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype} != NumPy's {expected.dtype}"
        assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != NumPy's {expected.shape}"
    a, e = np.asarray(actual), np.asarray(expected)
    if e.dtype.kind in "fc":
        tol = (rtol or ULP_RTOL).get(e.dtype, 0) if isinstance(rtol or ULP_RTOL, dict) else rtol
        finite = np.abs(e[np.isfinite(e)])
        scale = float(finite.max()) if finite.size else 0.0
        # complex: each part as a float, against the largest complex magnitude
        parts = (("", a, e),) if e.dtype.kind == "f" else (("real part", a.real, e.real), ("imag part", a.imag, e.imag))
        for name, pa, pe in parts:
            at = f"{where} {name}".rstrip()
            np.testing.assert_allclose(pa, pe, rtol=tol, atol=tol * scale, equal_nan=True, err_msg=at)
            zeros = (pe == 0) & (pa == 0)
            assert np.array_equal(np.signbit(pa[zeros]), np.signbit(pe[zeros])), f"{at}: sign of zero"
            assert np.array_equal(np.isnan(pa), np.isnan(pe)), f"{at}: NaN positions"
    else:
        assert np.array_equal(a, e), f"{where}: values differ\nnpaccel: {a}\nNumPy:   {e}"


def check_same(fn, make_args, *, rtol=None, accelerated=None, calls=1):
    """Compare ``accelerate(fn, fallback="raise")`` with ``fn`` on ``make_args()`` inputs.

    ``make_args`` is called once; each side gets its own copy. Returns the accelerated
    function (for stats/explain checks).
    """
    args = make_args() if callable(make_args) else tuple(make_args)
    acc = accelerated or accelerate(fn, fallback="raise")
    for _ in range(calls):
        plain_args, acc_args, pristine = _copy_args(args), _copy_args(args), _copy_args(args)
        try:
            expected = fn(*plain_args)
        except Exception as exc:  # NumPy's error is the reference, and what it wrote before it
            with pytest.raises(type(exc)):
                acc(*acc_args)
            assert_same_arguments(acc_args, plain_args, pristine, rtol, f"when {type(exc).__name__} was raised")
            continue
        actual = acc(*acc_args)
        assert_same_value(actual, expected, rtol)
        assert_same_arguments(acc_args, plain_args, pristine, rtol)
    return acc


def assert_same_arguments(acc_args, plain_args, pristine, rtol=None, when="after the call"):
    """Array arguments untouched where the plain function left them untouched, else written
    exactly as it wrote them (also when it raised: the writes before the error stay)."""
    for i, (after, plain_after, before) in enumerate(zip(acc_args, plain_args, pristine)):
        if not isinstance(before, np.ndarray):
            continue
        if np.array_equal(plain_after, before, equal_nan=True):
            assert np.array_equal(after, before, equal_nan=True), f"input {i} was modified {when}"
        else:   # the function writes this argument: it must end up as NumPy's does
            assert_same_value(after, plain_after, rtol, f"argument {i} {when}")


def layouts(sample, dtype):
    """name -> array maker over ``sample(dtype, *shape)``: contiguous, strided, negative
    strides, Fortran, 0-d, empty, size 1."""
    return {
        "contiguous": lambda: sample(dtype, 6, 5),
        "strided": lambda: sample(dtype, 12, 10)[::2, 1::3],
        "negative": lambda: sample(dtype, 6, 5)[::-1, ::-2],
        "fortran": lambda: np.asfortranarray(sample(dtype, 6, 5)),
        "zero_d": lambda: sample(dtype, 1).reshape(()),
        "empty": lambda: sample(dtype, 0, 5),
        "size_one": lambda: sample(dtype, 1, 1),
    }


def quiet_fixture():
    """An autouse fixture silencing NumPy's floating-point warnings and Python warnings, for
    modules that feed special values on purpose: ``_quiet = quiet_fixture()``."""
    import warnings

    @pytest.fixture(autouse=True)
    def _quiet():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                yield
    return _quiet


# ---- the user's default mode (fallback="warn") ---------------------------------------------
# Names of npaccel's own objects: none may appear in a warning, an exception type or message.
INTERNAL_NAMES = ("Unavailable", "MaskedSelection", "DimValue", "View", "Node", "BoundMethod", "EitherScalar",
                  "DataSized", "ScalarVar", "ArrayVar", "ListValue", "__npa_ret", "__npa_done")


class Kwargs(dict):
    """The last element of ``make_args()``'s tuple, when it is a Kwargs, is passed as keyword
    arguments: ``lambda: (x, Kwargs(scale=2.0))``."""


def _split_call(values):
    if values and isinstance(values[-1], Kwargs):
        return tuple(values[:-1]), dict(values[-1])
    return tuple(values), {}


def _copy_value(v, memo):
    """A copy of an argument: arrays keep layout and writeability, objects the same object
    once (two references to one object stay one object), StringIO its text and position."""
    import io
    if id(v) in memo:
        return memo[id(v)]
    if isinstance(v, np.ndarray):
        out = _copy_array(v)
        if not v.flags.writeable:
            out.flags.writeable = False
    elif isinstance(v, io.StringIO):
        out = io.StringIO(v.getvalue())
        out.seek(v.tell())
    elif isinstance(v, Kwargs):
        out = Kwargs({k: _copy_value(x, memo) for k, x in v.items()})
    elif type(v) in (list, tuple):
        out = type(v)(_copy_value(x, memo) for x in v)
    elif type(v) is dict:
        out = {k: _copy_value(x, memo) for k, x in v.items()}
    else:
        out = copy.deepcopy(v)
    memo[id(v)] = out
    return out


def _copy_call(values):
    memo = {}
    return tuple(_copy_value(v, memo) for v in values)


def assert_same_tree(actual, expected, rtol=None, where="result"):
    """assert_same_value through lists, tuples and dicts (keys in order), plus the Python
    objects functions return or are given: str/bytes/int/float/complex/bool/None exactly
    typed, StringIO by text, random Generators by state, other objects by type and ==."""
    import io
    if isinstance(expected, np.ndarray) or isinstance(expected, np.generic):
        assert_same_value(actual, expected, rtol, where)
        return
    assert type(actual) is type(expected), \
        f"{where}: type {type(actual).__name__} != NumPy's {type(expected).__name__}"
    if isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), f"{where}: length {len(actual)} != NumPy's {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same_tree(a, e, rtol, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != NumPy's {list(expected)}"
        for k in expected:
            assert_same_tree(actual[k], expected[k], rtol, f"{where}[{k!r}]")
    elif isinstance(expected, (bool, int, str, bytes)) or expected is None:
        assert actual == expected, f"{where}: {actual!r} != NumPy's {expected!r}"
    elif isinstance(expected, (float, complex)):
        assert_same_value(actual, expected, rtol, where)
    elif isinstance(expected, io.StringIO):
        assert actual.getvalue() == expected.getvalue(), \
            f"{where}: text {actual.getvalue()!r} != NumPy's {expected.getvalue()!r}"
    elif isinstance(expected, np.random.Generator):
        assert actual.bit_generator.state == expected.bit_generator.state, f"{where}: generator state"
    elif isinstance(expected, (set, frozenset)):
        assert actual == expected, f"{where}: {actual!r} != NumPy's {expected!r}"
    elif hasattr(expected, "__dict__") and type(expected).__eq__ is object.__eq__:
        assert_same_tree(vars(actual), vars(expected), rtol, f"{where} attributes")
    else:
        try:
            same = bool(actual == expected)
        except Exception:           # noqa: BLE001 - objects without a usable ==
            same = False
        assert same or repr(actual) == repr(expected), f"{where}: {actual!r} != NumPy's {expected!r}"


def _mentions_internal(text):
    import re
    return [n for n in INTERNAL_NAMES if re.search(rf"\b{n}\b", text)]


def _assert_clean_exception(exc, what):
    names = _mentions_internal(type(exc).__name__ + ": " + str(exc))
    assert not names, f"{what}: exception {type(exc).__name__}: {exc} names npaccel internals {names}"


def check_same_default(fn, make_args, *, rtol=None, accelerated=None, calls=2):
    """Compare ``accelerate(fn, fallback="warn")`` (the user's default mode) with ``fn``.

    ``make_args()`` gives the arguments (a trailing Kwargs is passed by keyword); each side
    gets its own copy (layout, writeability and aliasing kept). Requires: the same exception
    type exactly (and no npaccel internal name in it), or results of the same structure,
    type, dtype, shape and values; every argument (arrays, lists, dicts, StringIO, random
    Generators) left as the plain function leaves it; FallbackWarnings, which this mode
    allows, and any other warning never naming npaccel's internal objects. Returns
    (accelerated function, FallbackWarning texts).
    """
    import warnings

    import npaccel
    values = make_args() if callable(make_args) else tuple(make_args)
    acc = accelerated or accelerate(fn, fallback="warn")
    texts = []
    for call in range(calls):
        plain_values, acc_values, pristine = _copy_call(values), _copy_call(values), _copy_call(values)
        p_args, p_kwargs = _split_call(plain_values)
        a_args, a_kwargs = _split_call(acc_values)
        plain_exc = acc_exc = None
        try:
            expected = fn(*p_args, **p_kwargs)
        except Exception as exc:        # noqa: BLE001 - NumPy's/Python's error is the reference
            plain_exc = exc
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                actual = acc(*a_args, **a_kwargs)
            except Exception as exc:    # noqa: BLE001 - compared below
                acc_exc = exc
        what = f"call {call + 1}"
        for w in caught:
            text = str(w.message)
            names = _mentions_internal(text)
            assert not names, f"{what}: {w.category.__name__} names npaccel internals {names}: {text}"
            if issubclass(w.category, npaccel.FallbackWarning):
                texts.append(text)
        if acc_exc is not None:
            _assert_clean_exception(acc_exc, what)
        if plain_exc is not None:
            if acc_exc is None:
                raise AssertionError(f"{what}: NumPy raised {type(plain_exc).__name__}: {plain_exc}; "
                                     f"npaccel returned {actual!r}")
            if type(acc_exc) is not type(plain_exc):
                raise AssertionError(f"{what}: npaccel raised {type(acc_exc).__name__}: {acc_exc}; NumPy raised "
                                     f"{type(plain_exc).__name__}: {plain_exc}") from acc_exc
        elif acc_exc is not None:
            raise AssertionError(f"{what}: npaccel raised {type(acc_exc).__name__}: {acc_exc}; "
                                 f"NumPy returned {expected!r}") from acc_exc
        else:
            assert_same_tree(actual, expected, rtol, f"{what}: result")
        for i, (after, plain_after, before) in enumerate(zip(acc_values, plain_values, pristine)):
            label = f"{what}: argument {i}" if not isinstance(before, Kwargs) else f"{what}: keyword arguments"
            try:
                assert_same_tree(plain_after, before, rtol, label)
                written = False
            except AssertionError:
                written = True
            if not written:
                try:
                    assert_same_tree(after, before, rtol, label)
                except AssertionError as exc:
                    raise AssertionError(f"{label} was modified (NumPy leaves it): {exc}") from None
            else:       # the function writes this argument: it must end up as NumPy's does
                try:
                    assert_same_tree(after, plain_after, rtol, label + " after the call")
                except AssertionError as exc:
                    raise AssertionError(f"{label} is not written as NumPy writes it: {exc}") from None
            if isinstance(before, np.ndarray):
                assert after.flags.writeable == before.flags.writeable, f"{label}: writeable flag changed"
    return acc, texts

"""Read-only views NumPy makes (``np.broadcast_to``, ``np.diagonal``, ``a.diagonal()``,
``np.diag`` of a matrix) under @accelerate (frontend/read_only.py):

- a write into one (or a view of one) is NumPy's ValueError in the default mode, and never
  reaches the array it looks into; under ``fallback="raise"`` it is an UnsupportedError that
  names the view;
- such a view sees later writes to the array it looks into, as NumPy's does;
- returned from the function, it is read-only, as NumPy's is, and never the argument itself;
- reading one still compiles.
"""
import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

M = np.arange(12.0).reshape(3, 4)
V = np.arange(4.0)


def _write_broadcast_same_shape(a):
    b = np.broadcast_to(a, a.shape)
    b[0] = 5.0
    return b


def _write_broadcast_row(a):
    b = np.broadcast_to(a + 1, (3, a.shape[0]))
    b[1] += 2.0
    return b


def _write_view_of_broadcast(a):
    b = np.broadcast_to(a, (2, a.shape[0])).T
    b[:, 0] = 1.0
    return b


def _write_diagonal(a):
    d = np.diagonal(a)
    d[0] = 5.0
    return d


def _add_into_diagonal_method(a):
    d = a.diagonal(1)
    d += 1
    return d


def _write_diag_of_matrix(a):
    d = np.diag(a)
    d[:] = 0
    return a


def _write_in_branch(a, flag):
    b = np.broadcast_to(a, (2, a.shape[0]))
    if flag:
        b[0, 0] = 1.0
    return b.sum()


WRITES = [(_write_broadcast_same_shape, lambda: (V,)), (_write_broadcast_row, lambda: (V,)),
          (_write_view_of_broadcast, lambda: (V,)), (_write_diagonal, lambda: (M,)),
          (_add_into_diagonal_method, lambda: (M.astype(np.int32),)), (_write_diag_of_matrix, lambda: (M[:, ::-1],)),
          (_write_in_branch, lambda: (V, True)), (_write_in_branch, lambda: (V[:0], True))]


@pytest.mark.parametrize("fn, make", WRITES, ids=lambda v: getattr(v, "__name__", ""))
def test_writes_into_read_only_views_raise_numpys_error(fn, make):
    with pytest.raises(ValueError, match="read-only"):
        fn(*make())
    check_same_default(fn, make)            # NumPy's ValueError; the argument is untouched
    with pytest.raises(UnsupportedError, match="read-only view"):
        accelerate(fn, fallback="raise")(*make())


def test_a_write_in_a_branch_not_taken_raises_nothing():
    # the branch runs in Python (a compiled branch would hold the write): NumPy's answer
    check_same_default(_write_in_branch, lambda: (V, False))
    with pytest.raises(UnsupportedError, match="read-only view"):
        accelerate(_write_in_branch, fallback="raise")(V, False)


def _diagonal_sees_write(a):
    d = np.diagonal(a)
    a[1, 1] = 100.0
    return d.sum(), d * 2


def _broadcast_sees_write(a):
    b = np.broadcast_to(a, (2, a.shape[0]))
    a[0] = -3
    return b.sum(0)


def _computed_base_written(a):
    x = a * 2
    d = np.diagonal(x)
    x[0, 0] = 100.0
    return d + 1


@pytest.mark.parametrize("make", [lambda: (M,), lambda: (M.T.astype(np.float32),), lambda: (M[:1, :1],)])
def test_views_see_later_writes_to_their_array(make):
    both = [check_same, check_same_default]
    for check in both:
        check(_diagonal_sees_write, make)
        check(_broadcast_sees_write, lambda: (make()[0][0],))
    # a computed array written while its view is held: Python keeps NumPy's view semantics
    check_same_default(_computed_base_written, make)
    with pytest.raises(UnsupportedError, match="read-only view"):
        accelerate(_computed_base_written, fallback="raise")(*make())


@pytest.mark.parametrize("mode", ["raise", "warn"])
def test_returned_views_are_read_only_and_new(mode):
    def f(a, m):
        return np.broadcast_to(a, a.shape), np.broadcast_to(a, (2, 4)), np.diagonal(m), m.diagonal() + 0, a.imag, \
            np.imag(m), (a + 1j).imag
    a, m = V.copy(), M.copy()
    got, want = accelerate(f, fallback=mode)(a, m), f(a, m)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.flags.writeable == w.flags.writeable
    assert got[0] is not a
    with pytest.raises(ValueError, match="read-only"):
        got[0][0] = 1.0
    assert a[0] == V[0]


@pytest.mark.parametrize("make", [lambda: (V, M), lambda: (V[::-2], M[::2]), lambda: (V[:0], M[:0])])
def test_reading_views_compiles(make):
    def f(a, m):
        b = np.broadcast_to(a, (3, a.shape[0]))
        c = b.copy()
        c[0] = 7
        return b.sum(0) * np.diag(m).sum(), np.trace(m) + np.diagonal(m, 1).max(initial=0), c
    check_same(f, make)
    check_same_default(f, make)

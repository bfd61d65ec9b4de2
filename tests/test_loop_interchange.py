"""Loop nests swapped into cache order (passes/loop_interchange.py): the inner loop of LU's
row update and of an i-j-k matrix product reads columns; swapped, it reads rows. Results are
NumPy's bit for bit (each element is updated by the same iterations in the same order), and
nests where another iteration could see the change stay as written."""
import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import accelerate

from samples import lu

SWAPPED = "swapped with the loop it held"
rng = np.random.default_rng(21)


def matmul_ijk(A, B):
    n, m = A.shape
    p = B.shape[1]
    C = np.zeros((n, p))
    for i in range(n):
        for j in range(p):
            for k in range(m):
                C[i, j] += A[i, k] * B[k, j]
    return C


def wide(A):
    """k reaches the columns that other j iterations write: stays."""
    A = A.copy()
    n = A.shape[0]
    for i in range(n):
        for j in range(i, n):
            for k in range(n):
                A[i, j] -= 0.5 * A[i, k] * A[k, j]
    return A


def counter_read_after(A):
    """The counters are read after the nest: stays (their last values depend on the order)."""
    B = A.copy()
    n = A.shape[0]
    j = k = -1
    for j in range(n):
        for k in range(n):
            B[j, k] += A[k, j]
    return B, j, k


def in_place(A, x):
    """Writes an argument: stays (an error part-way would leave other writes)."""
    n = A.shape[0]
    for j in range(n):
        for k in range(n):
            A[0, j] += x[k, j]
    return A


def bound_reads_written(A, C):
    """The inner loop's bound reads an element the nest changes (when j == 0): stays."""
    A = A.copy()
    for j in range(A.shape[1]):
        for k in range(int(A[0, 0])):
            A[0, j] += C[k, j]
    return A


def explain(fn, *args):
    return str(accelerate(fn, fallback="raise").explain(*args))


@pytest.mark.parametrize("n", [1, 2, 3, 17, 64])
def test_lu_is_swapped_and_bit_for_bit(n):
    make = lambda: (rng.uniform(0.0, 1.0, (n, n)) + n * np.eye(n),)
    acc = check_same(lu.lu, make)               # exact: no rtol
    check_same_default(lu.lu, make)
    assert (SWAPPED in acc.explain(*make())) == (n > 1)      # (a 1 x 1 matrix: loops unrolled)


@pytest.mark.parametrize("shapes", [((5, 4), (4, 6)), ((1, 1), (1, 1)), ((3, 0), (0, 2)), ((0, 3), (3, 2)),
                                    ((40, 30), (30, 50))], ids=["5x4x6", "1x1x1", "k-empty", "i-empty", "40x30x50"])
def test_ijk_matrix_product_becomes_ikj(shapes):
    """(Short last dims are part of the signature: their loops unroll, nothing to swap.)"""
    make = lambda: (rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1]))
    acc = check_same(matmul_ijk, make)
    assert (SWAPPED in acc.explain(*make())) == (shapes[0][1] > 8 and shapes[1][1] > 8)
    check_same(matmul_ijk, lambda: tuple(a[::-1].T.copy().T[::-1] for a in make()), accelerated=acc)


@pytest.mark.parametrize("fn, make", [
    (wide, lambda: (rng.uniform(0.0, 1.0, (9, 9)),)),
    (counter_read_after, lambda: (rng.uniform(0.0, 1.0, (6, 6)),)),
    (in_place, lambda: (rng.uniform(0.0, 1.0, (6, 6)), rng.uniform(0.0, 1.0, (6, 6)))),
    (bound_reads_written, lambda: (np.full((3, 12), 2.0), np.ones((20, 12)))),
], ids=["overlapping-columns", "counters-read-after", "argument-written", "bound-reads-written"])
def test_nests_another_iteration_could_see_stay(fn, make):
    acc = check_same(fn, make)
    check_same_default(fn, make)
    assert SWAPPED not in acc.explain(*make())


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)], ids=["tall", "wide", "square"])
def test_lu_of_non_square_matrices_gives_numpys_error_or_result(shape):
    """A[i, j] for j up to A.shape[0] - 1: past the last column of a tall matrix, NumPy's
    IndexError (the swapped nest checks its indices as the written one does)."""
    make = lambda: (rng.uniform(0.0, 1.0, shape) + np.eye(*shape) * 4,)
    check_same(lu.lu, make)
    check_same_default(lu.lu, make)

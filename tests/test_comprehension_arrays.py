"""List comprehensions over arrays and ranges of run-time length, as the array NumPy makes
of them (frontend/comprehension_arrays.py): ``np.array([[f(x, y) for x in X] for y in Y])``
compiles to a loop nest filling the array. Each case compiled (``fallback="raise"``) and
equal to NumPy, and in the default mode; empty levels, every element kind (scalars of each
dtype, rows, lists of scalars), zip/enumerate/range, and the list used by Python's own list
operations (which run in Python)."""
import numpy as np
import pytest

from harness import check_same, check_same_default
from npaccel import UnsupportedError, accelerate

RNG = np.random.default_rng(5)
X = RNG.standard_normal((6, 5))
Y = RNG.standard_normal((4, 5))
XI = np.arange(30, dtype=np.int16).reshape(6, 5)


def both(fn, make):
    check_same(fn, make)
    check_same_default(fn, make)


def allpairs(X, Y):            # numpy-benchmarks' allpairs_distances, verbatim
    return np.array([[np.sum((x - y) ** 2) for x in X] for y in Y])


@pytest.mark.parametrize("rows", [(6, 4), (1, 1), (0, 4), (3, 0), (0, 0)])
def test_all_pairs_of_rows(rows):
    """Two levels: an empty outer level is NumPy's float64 (0,), an empty inner one (n, 0)."""
    both(allpairs, lambda: (X[:rows[0]], Y[:rows[1]]))
    both(allpairs, lambda: (X[::-2, ::2], Y[:, 1::2]))                # views
    both(allpairs, lambda: (XI[:rows[0]], XI[:rows[1]].astype(np.float32)))


@pytest.mark.parametrize("make", [lambda: (X,), lambda: (X[:1],), lambda: (X[:0],), lambda: (XI[::-1],),
                                  lambda: (XI[:0],), lambda: (np.asfortranarray(X),)])
def test_one_level_of_every_element_kind(make):
    """Scalars (float, int, bool, a Python int from int()), rows, lists of scalars: the dtype
    and shape NumPy's coercion gives; where the input is empty and the items are not float
    scalars, the call runs in Python (a guard), as NumPy's np.array([]) is float64 (0,)."""
    both(lambda X: (np.array([r.sum() for r in X]), np.array([r.max() > 0 for r in X]),
                    np.array([int(r.argmax()) for r in X]), np.array([r * 2 for r in X]),
                    np.array([[r.min(), r.max()] for r in X]), np.array([1.5 for r in X])), make)


def test_ranges_zip_enumerate_and_a_dtype():
    both(lambda n: np.array([i * i for i in range(n)]), lambda: (7,))
    both(lambda n: np.array([i * i for i in range(n)]), lambda: (0,))
    both(lambda n: np.array([i * 0.5 for i in range(n)]), lambda: (0,))
    both(lambda n: np.array([i for i in range(n, 0, -1)]), lambda: (5,))
    both(lambda n: np.array([i for i in range(n, 0, -1)]), lambda: (-3,))
    both(lambda X, n: np.array([X[i % len(X)].sum() for i in range(2, n, 3)]), lambda: (X, 11))
    both(lambda X, n: np.array([X[i % len(X)].sum() for i in range(2, n, 3)]), lambda: (X, 1))
    both(lambda X, Y: np.array([a.sum() + b.max() for a, b in zip(X, Y)]), lambda: (X, Y))
    both(lambda X: np.array([i + r.sum() for i, r in enumerate(X)]), lambda: (X,))
    both(lambda X: np.array([r.sum() for r in X], dtype=np.float32), lambda: (X,))
    both(lambda X: np.array([[a * 2 for a in row] for row in X]), lambda: (XI[:, :0],))
    both(lambda X: np.mean([np.sum(r) for r in X]) + np.max([r.min() for r in X]), lambda: (X,))
    both(lambda X: len([r for r in X]), lambda: (X,))


def names_stay_local(X):
    x = 5
    a = np.array([x * 2 for x in X])
    return a, x


def in_a_loop(X):
    acc = np.zeros(len(X))
    for t in range(3):
        acc += np.array([r.sum() * t for r in X])
    return acc


def asarray_is_a_new_array(X):
    lst = [r.sum() for r in X]
    a = np.asarray(lst)
    a[0] = 100.0
    return np.array(lst), a


@pytest.mark.parametrize("fn", [names_stay_local, in_a_loop, asarray_is_a_new_array])
def test_scoping_loops_and_copies(fn):
    both(fn, lambda: (X,))
    both(fn, lambda: (X[:0],))


@pytest.mark.parametrize("fn", [
    lambda X: [r.sum() for r in X] + [r.max() for r in X],        # list concatenation
    lambda X: len([r.sum() for r in X] * 2),                      # list repetition
    lambda X: [r.sum() for r in X][0],                            # a Python list's item
    lambda X: sum([r.sum() for r in X]),                          # Python's sum, in order
    lambda X: 1 if [r.sum() for r in X] else 0,                   # a list's truth
    lambda X: np.array([[j for j in range(i)] for i in range(len(X))]),    # ragged: ValueError
    lambda X: np.array([r.sum() for r in X if r[0] > 0]),         # a filter: length known as it runs
])
def test_python_list_operations_run_in_python(fn):
    """What only a Python list does (or a ragged or filtered comprehension) is not compiled:
    NumPy's answer in the default mode, an UnsupportedError naming the construct under raise."""
    check_same_default(fn, lambda: (X[:3],))
    with pytest.raises(UnsupportedError):
        accelerate(fn, fallback="raise")(X[:3])


@pytest.mark.parametrize("fn, make", [
    (lambda x: sum(v * v for v in x), lambda: (X[0],)),
    (lambda x: sum((v * v for v in x), 1.5), lambda: (X[0],)),
    (lambda x: sum((v for v in x if v > 0), np.float64(0)), lambda: (X[1],)),
    (lambda X: sum(a * b for a in X[0] for b in X[1]), lambda: (X,)),
    (lambda X: sum(r.sum() for r in X), lambda: (X,)),
    (lambda I: sum(int(v) for v in I), lambda: (XI[0],)),
    (lambda n: sum(i * i for i in range(n)), lambda: (10,)),
    (lambda n: sum(i * i for i in range(n)), lambda: (0,)),
    (lambda x: sum(i * v for i, v in enumerate(x)), lambda: (X[2],)),
])
def test_sum_of_a_generator_is_pythons_loop(fn, make):
    """sum(<generator over run-time items>): Python's sum, the items added in order from the
    start (bit for bit: no pairwise summation)."""
    both(fn, make)


@pytest.mark.parametrize("fn, make", [
    (lambda x: sum(v for v in x), lambda: (X[0, :0],)),       # no item: Python's int 0 (a guard: in Python)
    (lambda x: sum(v for v in x if v > 5), lambda: (X[0],)),  # the type depends on the items left out
    (lambda X: sum(r for r in X), lambda: (X,)),              # int 0 + rows: in Python
    (lambda x: max(v for v in x), lambda: (X[0],)),           # only sum() of a generator compiles
    (lambda x: list(v for v in x), lambda: (X[0],)),
])
def test_other_generators_run_in_python(fn, make):
    check_same_default(fn, make)

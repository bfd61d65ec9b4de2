"""The differential corpus (tests/corpus/) in the user's default mode: every function, on
every argument maker, plain and under accelerate(fn, fallback="warn") must agree (type,
dtype, shape, values, exception type, writes to arguments), and no warning or error may
name npaccel's own objects. Functions with several makers also run them in turn on one
accelerated object, so that a specialisation made for one call cannot answer another."""
import numpy as np
import pytest

from corpus import load_all
from harness import REDUCTION_RTOL, check_same_default
from npaccel import accelerate

CASES = load_all()

_BY_FUNCTION = {}
for _c in CASES:
    _BY_FUNCTION.setdefault(_c.name, []).append(_c)
SEQUENCES = [cases for cases in _BY_FUNCTION.values() if len(cases) > 1]


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with np.errstate(all="ignore"):
        yield


def test_corpus_size():
    assert len(_BY_FUNCTION) >= 160, len(_BY_FUNCTION)


@pytest.mark.parametrize("entry", CASES, ids=[c.id for c in CASES])
def test_corpus_entry(entry):
    check_same_default(entry.fn, entry.make, rtol=REDUCTION_RTOL, calls=2)


@pytest.mark.parametrize("cases", SEQUENCES, ids=[cases[0].name for cases in SEQUENCES])
def test_corpus_makers_in_turn(cases):
    acc = accelerate(cases[0].fn, fallback="warn")
    for c in cases + cases[::-1]:
        check_same_default(c.fn, c.make, rtol=REDUCTION_RTOL, accelerated=acc, calls=1)

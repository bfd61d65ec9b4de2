"""Per-statement fallback: what cannot compile runs in Python, one statement at a time,
while the statements around it stay compiled; one warning per distinct reason names
file:line and the construct; stats() counts the statements run in Python."""
import inspect
import warnings

import numpy as np
import pytest

import npaccel
from harness import assert_same_value
from npaccel import accelerate

LOG = []


def _with_print(x, y):
    a = np.sin(x) + y
    LOG.append(("mean", float(a.mean())))
    b = a * 2
    print("b computed", b.shape)
    return b.sum(), b


def _python_list_in_between(x):
    w = sorted([3.0, 1.0, 2.0])
    y = x * w[0]
    return y + 1


def _return_from_python_statement(x, n):
    y = x * 2
    try:
        if n > 2:
            return y + 100
    finally:
        pass
    return y


def _python_writes_argument(x):
    x[0] = 1.0
    try:
        x[1] = 2.0
    finally:
        pass
    x[2] = x[0] + x[1]
    return x


def _loop_falls_back_as_one_statement(x, n):
    s = x * 0
    for i in range(n):
        s = s + x * i
        LOG.append(i)
    return s


SCALE = 3.0


def _closure_factory():
    k = 4.0

    def inner(x):
        y = x + k
        try:
            z = y * k + SCALE
        finally:
            pass
        return z - k
    return inner


CASES = [
    (_with_print, lambda: (np.arange(6.0), 2.0), "'append' of list"),
    (_python_list_in_between, lambda: (np.arange(4.0),), "sorted()"),
    (_return_from_python_statement, lambda: (np.arange(3.0), 5), "'try' statement"),
    (_return_from_python_statement, lambda: (np.arange(3.0), 1), "'try' statement"),
    (_python_writes_argument, lambda: (np.zeros(4),), "'try' statement"),
    (_loop_falls_back_as_one_statement, lambda: (np.arange(5.0), 3), "'append' of list"),
    (_closure_factory(), lambda: (np.arange(5.0),), "'try' statement"),
]


@pytest.mark.parametrize("fn, make, construct", CASES)
def test_statement_falls_back_rest_compiled(fn, make, construct, capsys):
    f = accelerate(fn, fallback="warn")
    plain_args, acc_args = make(), make()
    LOG.clear()
    expected = fn(*plain_args)
    plain_log, plain_out = list(LOG), capsys.readouterr().out
    LOG.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = f(*acc_args)
        f(*make())
    assert_same_value(got, expected)
    for a, b in zip(acc_args, plain_args):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
    # the same calls in the same order; values within the vector-math tolerance (np.sin is
    # libmvec's in compiled code, within a few ulp of NumPy's)
    got_log = LOG[:len(plain_log)]
    assert len(got_log) == len(plain_log)
    for got_entry, plain_entry in zip(got_log, plain_log):
        if isinstance(plain_entry, tuple):
            assert got_entry[0] == plain_entry[0] and np.isclose(got_entry[1], plain_entry[1], rtol=1e-13, atol=0)
        else:
            assert got_entry == plain_entry
    assert capsys.readouterr().out == plain_out * 2
    messages = [str(w.message) for w in caught if issubclass(w.category, npaccel.FallbackWarning)]
    assert len(messages) == len(set(messages)) >= 1, messages      # each reason once, over two calls
    assert all("test_fallback.py:" in m for m in messages) and construct in messages[0]
    stats = f.stats()
    assert stats["fallbacks"] >= 2 and stats["compiles"] + stats["disk_hits"] >= 1
    assert any(construct in r for r in stats["fallback_reasons"])


def _only_print(x):
    y = x * 2
    print(y)
    return y + 1


def test_warning_names_the_line_of_the_statement(capsys):
    f = accelerate(_only_print, fallback="warn")
    with pytest.warns(npaccel.FallbackWarning) as record:
        f(np.arange(3.0))
    line = inspect.getsourcelines(_only_print)[1] + 2
    assert f"test_fallback.py:{line}: call to print()" in str(record[0].message)


def test_raise_policy_makes_the_first_statement_an_error():
    f = accelerate(_only_print, fallback="raise")
    with pytest.raises(npaccel.UnsupportedError, match="print"):
        f(np.arange(3.0))


def _python_error(x):
    y = x + 1
    try:
        z = y[10]
    finally:
        pass
    return z


def test_errors_in_python_statements_point_at_the_user_line():
    f = accelerate(_python_error, fallback="silent")
    with pytest.raises(IndexError) as info:
        f(np.arange(3.0))
    line = inspect.getsourcelines(_python_error)[1] + 3
    assert any(entry.lineno == line - 1 and entry.path.name == "test_fallback.py" for entry in info.traceback)


def _scalar_conversions(x):
    return float(x.sum()), int(x.astype(np.int64).max()) if False else float(x.max())


def test_float_of_a_value_compiles():
    from harness import check_same
    check_same(_scalar_conversions, lambda: (np.arange(5.0),))


def _view_across_a_python_statement(x):
    u = x * 2
    v = u[2:]
    print("between")
    u[3] = -1.0
    return v, u


def test_views_stay_views_across_python_statements(capsys):
    f = accelerate(_view_across_a_python_statement, fallback="silent")
    got, expected = f(np.arange(6.0)), _view_across_a_python_statement(np.arange(6.0))
    assert_same_value(got, expected)

"""What npaccel tells the user: one FallbackWarning per distinct reason, in the user's
spelling, with a suggested rewrite where one exists, pointing at the user's call; stats()
with counts and compile times; the npaccel logger; explain() as a map of the function."""
import inspect
import logging
import warnings

import numpy as np
import numpy.linalg as la
import pytest

import npaccel
from npaccel import accelerate


def two_reasons(a, b, mode):
    c = a * 2
    d = la.eigvals(c).real + b
    if mode == "x":
        d = d + 1
    return d


def _fallback_texts(fn, *calls):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in calls:
            fn(*args)
    return [w for w in caught if issubclass(w.category, npaccel.FallbackWarning)]


def test_one_warning_per_distinct_reason_in_the_users_spelling():
    f = accelerate(two_reasons, fallback="warn")
    args = (np.eye(5), np.ones(5), ["x"])     # (a list: compiled code does not take it; a str it does)
    caught = _fallback_texts(f, args, args, args)
    texts = [str(w.message) for w in caught]
    first = inspect.getsourcelines(two_reasons)[1]
    assert len(texts) == 2, texts
    assert f"test_messages.py:{first + 2}: call to la.eigvals()" in texts[0]
    assert f"test_messages.py:{first + 3}: 'mode' is a list" in texts[1] and "Suggestion:" in texts[1]
    assert all("computed in Python" not in t and "the rest stays compiled" not in t for t in texts)
    # each warning points at the user's call, not at npaccel's own code
    assert all(w.filename == __file__ for w in caught), [w.filename for w in caught]
    stats = f.stats()
    assert stats["fallback_counts"] == {r: 3 for r in stats["fallback_reasons"]} and len(stats["fallback_reasons"]) == 2
    assert stats["fallbacks"] == 6
    assert stats["compile_times"] and all(
        signature.startswith("float64[n,n] C, float64[n] C, list (segment, lines ") and len(times) == 1
        for signature, times in stats["compile_times"].items())


def squares_in_a_list(c):
    out = []
    for v in range(c.shape[0]):
        out.append(c[v] ** 2)
    return np.array(out)


def test_suggestions_name_the_rewrite_that_compiles():
    texts = [str(w.message) for w in _fallback_texts(accelerate(squares_in_a_list, fallback="warn"),
                                                       (np.arange(6.0),))]
    assert any("out = np.empty(n)" in t for t in texts), texts
    with pytest.raises(npaccel.UnsupportedError, match="suggestion"):
        accelerate(squares_in_a_list, fallback="raise")(np.arange(6.0))


def test_warning_location_for_whole_function_fallback():
    def only_python(x):
        return sorted(x.tolist())
    caught = _fallback_texts(accelerate(only_python, fallback="warn"), (np.arange(3.0),))
    assert caught and all(w.filename == __file__ for w in caught)


def test_logger_names_function_signature_and_duration(caplog):
    f = accelerate(two_reasons, fallback="silent")
    with caplog.at_level(logging.INFO, logger="npaccel"):
        f(np.eye(5), np.ones(5), ["y"])
    messages = [r.getMessage() for r in caplog.records if r.name == "npaccel"]
    assert any(m.startswith("two_reasons(") and "segment at lines" in m and " ms" in m and
               ("compiled" in m or "disk cache hit" in m) for m in messages), messages
    assert any("two_reasons(float64[n,n] C, float64[n] C, list): " in m and "la.eigvals" in m and
               "runs in Python" in m for m in messages), messages
    assert not any("/tmp/" in m and "kernel.so" in m for m in messages), messages


def partly(x, label):
    """Doc."""
    n = x.shape[0]
    y = np.abs(x[1:n - 1])
    if label == "sum":
        return y.sum()
    return (y * 2).max()


def test_explain_is_a_map_of_the_function():
    text = accelerate(partly).explain(np.arange(6.0), ["sum"])
    first = inspect.getsourcelines(partly)[1]
    lines = {int(line.split()[0]): line for line in text.splitlines()
             if line[:5].strip().isdigit()}
    assert lines[first + 1].split()[1] == "F"                      # the docstring
    assert lines[first + 3].split()[1] == "C" and "segment 1" in lines[first + 3]
    assert lines[first + 4].split()[1] == "P" and "'label' is a list" in lines[first + 4]
    assert lines[first + 5].split()[1] == "P"
    assert lines[first + 6].split()[1] == "C" and "segment 2" in lines[first + 6]
    assert "2 compiled segment(s)" in text.splitlines()[0]
    # sizes as the user writes them, never C ternaries
    assert "len(x) - 1" in text and "? (" not in text.split("== generated C")[0]
    assert text.count("== generated C (OpenMP) ==") == 2


def loop_function(u, steps):
    for _ in range(steps):
        u[1:-1] = 0.5 * (u[:-2] + u[2:])
    return u


def test_explain_of_a_whole_compiled_loop():
    text = accelerate(loop_function).explain(np.arange(8.0), 3)
    assert text.splitlines()[0].endswith("compiled whole")
    assert "max(len(u) - 2, 0)" in text and "for %" in text
    assert "? (" not in text.split("== generated C")[0]


def test_explain_of_a_function_that_raises_for_the_signature():
    def bad(x):
        return x + np.ones(3) + np.ones(4)
    text = accelerate(bad).explain(np.arange(3.0))
    assert "Python raises ValueError" in text


def test_explain_shows_as_html_in_notebooks():
    text = accelerate(partly).explain(np.arange(6.0), ["sum"])
    assert isinstance(text, str)
    page = text._repr_html_()
    assert page.startswith("<pre>") and "#fde2e1" in page and "#d7f5dd" in page and "&#x27;label&#x27;" in page


def test_an_index_out_of_range_at_run_time_has_numpys_message():
    def pick(x, i):
        return x[i + 3] * 2.0
    f = accelerate(pick, fallback="raise")
    for i in (5, -20):
        with pytest.raises(IndexError) as mine:
            f(np.arange(8.0), i)
        with pytest.raises(IndexError) as numpys:
            pick(np.arange(8.0), i)
        assert str(mine.value) == str(numpys.value)

"""Functions defined in notebook cells compile: a real notebook run by a real Jupyter kernel.

IPython registers each cell's text in linecache under a per-cell file name, which is where
npaccel reads a function's source from. The kernel is this interpreter (sys.executable),
named through a private kernel spec, so a user-wide `python3` kernel pointing at some other
Python cannot be picked up instead.
"""
import json
import os
import sys
from pathlib import Path

import nbclient  # the test extra installs nbclient, nbformat and ipykernel
import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
KERNEL = "npaccel-test-python"

CELLS = [
    "import json\nimport numpy as np\nfrom npaccel import accelerate",
    # a helper in its own cell: inlined into the compiled function from the other cell
    "def shifted(v):\n    return v - 0.25",
    '@accelerate(fallback="raise", target="cpu")\n'
    "def saxpy(a, x, y):\n"
    "    return a * x + np.sqrt(shifted(y))",
    "x = np.linspace(0.0, 1.0, 100_000)\n"
    "y = np.cos(x)\n"
    "out = saxpy(2.0, x, y)\n"
    "expected = 2.0 * x + np.sqrt(y - 0.25)\n"
    "s = saxpy.stats()\n"
    'print(json.dumps({"equal": bool(np.array_equal(out, expected)), "dtype": str(out.dtype),\n'
    '                  "built": s["compiles"] + s["disk_hits"], "fallbacks": s["fallbacks"]}))',
    # the same name redefined in a later cell compiles the new text, not the old one
    '@accelerate(fallback="raise", target="cpu")\n'
    "def saxpy(a, x, y):\n"
    "    return a * x - y\n"
    'print(json.dumps({"equal": bool(np.array_equal(saxpy(2.0, x, y), 2.0 * x - y)),\n'
    '                  "fallbacks": saxpy.stats()["fallbacks"]}))',
]


@pytest.fixture
def kernel_spec(tmp_path, monkeypatch):
    """A kernel spec running this very interpreter, first on JUPYTER_PATH."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "npaccel test kernel", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("PYTHONPATH", str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return KERNEL


def test_function_defined_in_a_cell_compiles(kernel_spec, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(text) for text in CELLS]
    client = nbclient.NotebookClient(nb, kernel_name=kernel_spec, timeout=300,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    printed = [json.loads(out["text"]) for cell in nb.cells for out in cell.get("outputs", [])
               if out.get("output_type") == "stream" and out.get("name") == "stdout"]
    errors = [out for cell in nb.cells for out in cell.get("outputs", [])
              if out.get("output_type") == "error" or out.get("name") == "stderr"]
    assert not errors, errors
    first, second = printed
    assert first == {"equal": True, "dtype": "float64", "built": 1, "fallbacks": 0}
    assert second == {"equal": True, "fallbacks": 0}


# ---- functions without source: `python -c`, exec() strings --------------------------------

NO_SOURCE_PROGRAM = """\
import numpy as np
from npaccel import accelerate
def f(x):
    return x * 2 + 1
g = accelerate(f)
print(g(np.arange(5.0)).tolist())
"""


def test_python_c_warns_at_the_users_line(tmp_path):
    """No source: the function runs in Python, and the warning says why and points at the
    caller's line in the `-c` program (line 5 calls g), not into npaccel."""
    import subprocess
    env = dict(os.environ, NPACCEL_FALLBACK="warn", NPACCEL_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", NO_SOURCE_PROGRAM], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[1.0, 3.0, 5.0, 7.0, 9.0]"
    assert proc.stderr.startswith("<string>:6: FallbackWarning: "), proc.stderr
    assert "<string>:3: no source for f" in proc.stderr and "`python -c`" in proc.stderr
    assert "npaccel/" not in proc.stderr and "Traceback" not in proc.stderr


def test_exec_string_warns_at_the_users_line():
    import warnings

    import numpy as np

    from npaccel import UnsupportedError, accelerate
    ns = {"np": np}
    exec("def f(x):\n    return np.sqrt(x) + 1\n", ns)
    g = accelerate(ns["f"], fallback="warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        out = g(np.arange(4.0))
    assert out.tolist() == (np.sqrt(np.arange(4.0)) + 1).tolist()
    assert len(caught) == 1
    w = caught[0]
    assert (w.filename, w.lineno) == (__file__, line)
    assert "no source for f" in str(w.message) and "exec()" in str(w.message)
    assert g.stats()["fallbacks"] == 1
    with pytest.raises(UnsupportedError, match="no source for f"):
        accelerate(ns["f"], fallback="raise")(np.arange(4.0))

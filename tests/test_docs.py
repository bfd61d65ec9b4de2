"""Every ```python block in README.md and docs/*.md runs, so the docs stay true.

The blocks of one document run in order as one program, in a fresh interpreter with the
user's defaults (no NPACCEL_FALLBACK=raise from conftest): later blocks may use what earlier
ones defined. The program is written to a real file (npaccel reads functions' source) with
each block on its own lines of the document, so a traceback's line number is the line in the
.md file. A FallbackWarning that a block does not catch itself is an error: an example that
claims to compile must compile.

A block that is only an illustrative fragment is marked with the line `<!-- not run -->`
directly before its fence. Keep that rare.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SKIP_MARKER = "<!-- not run -->"
# on the document's first line, which is never code: uncaught fallback warnings are errors
PROLOGUE = ("import warnings, npaccel.errors; "
            "warnings.simplefilter('error', npaccel.errors.FallbackWarning)")


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(line of the first code line, code, skipped) for each ```python block; lines 1-based.

    >>> python_blocks("# t\\n<!-- not run -->\\n```python\\nx = 1\\n```\\n\\n1. a\\n   ```python\\n   y = 2\\n   ```\\n")
    [(4, 'x = 1\\n', True), (9, 'y = 2\\n', False)]
    """
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        fence = re.fullmatch(r"( *)```python\s*", lines[i])     # indented: inside a list item
        if fence:
            indent = len(fence.group(1))
            previous = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), None)
            if end is None:
                raise ValueError(f"line {i + 1}: a ```python block that is never closed")
            code = "".join(line[indent:] + "\n" for line in lines[i + 1:end])
            blocks.append((i + 2, code, previous == SKIP_MARKER))
            i = end
        i += 1
    return blocks


def program_of(text: str) -> str:
    """The runnable blocks of a document as one program, each on its own lines of the document."""
    out = [PROLOGUE] + [""] * (len(text.splitlines()) - 1)
    for first, code, skipped in python_blocks(text):
        if not skipped:
            for k, line in enumerate(code.splitlines()):
                out[first - 1 + k] = line
    return "\n".join(out) + "\n"


def _ids(path):
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("doc", [d for d in DOCS if any(not s for *_, s in python_blocks(d.read_text()))],
                         ids=_ids)
def test_doc_examples_run(doc, tmp_path):
    script = tmp_path / f"{doc.stem}_md.py"
    script.write_text(program_of(doc.read_text()))
    env = {k: v for k, v in os.environ.items() if k not in ("NPACCEL_FALLBACK", "PYTHONWARNINGS")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, (f"an example in {doc.name} failed (line numbers in {script.name} are "
                                  f"lines of {doc.name}):\n{proc.stderr}")


def test_skip_markers_are_rare_and_placed():
    """Each marker stands right before a ```python fence; at most one per document."""
    for doc in DOCS:
        lines = doc.read_text().splitlines()
        marked = [i for i, line in enumerate(lines) if line.strip() == SKIP_MARKER]
        for i in marked:
            after = next((line for line in lines[i + 1:] if line.strip()), "")
            assert after.startswith("```python"), f"{doc.name}:{i + 1}: {SKIP_MARKER} is not before a python block"
        assert len(marked) <= 1, f"{doc.name}: {len(marked)} blocks are not run"


def test_readme_links_the_user_docs():
    readme = (REPO / "README.md").read_text()
    for name in ("troubleshooting.md", "performance.md"):
        assert f"(docs/{name})" in readme and (REPO / "docs" / name).is_file(), name

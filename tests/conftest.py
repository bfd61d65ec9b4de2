"""Test session setup: a private cache directory, fallback raising, hardware markers."""
import os
import tempfile

import pytest

# Every test compiles for real; keep the builds out of the user's cache. CI sets its own.
os.environ.setdefault("NPACCEL_CACHE_DIR", tempfile.mkdtemp(prefix="npaccel-test-cache-"))
# Tests that claim acceleration must prove it: unsupported code is an error, not a warning.
os.environ.setdefault("NPACCEL_FALLBACK", "raise")
# The CPU by default, also on a GPU machine (else every test would build with nvcc); the
# gpu tests name target="cuda" themselves.
os.environ.setdefault("NPACCEL_TARGET", "cpu")

from npaccel.config import reload_config  # noqa: E402

reload_config()


def pytest_collection_modifyitems(config, items):
    try:
        from conftest_markers import apply_hardware_skips
    except ImportError:
        from tests.conftest_markers import apply_hardware_skips
    apply_hardware_skips(config, items)


@pytest.fixture
def fresh_config(monkeypatch):
    """Set environment variables for one test and re-read the configuration."""
    def apply(**env):
        for k, v in env.items():
            if v is None:
                monkeypatch.delenv(k, raising=False)
            else:
                monkeypatch.setenv(k, v)
        return reload_config()
    yield apply
    monkeypatch.undo()
    reload_config()

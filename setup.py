"""Packaging lives in setup.cfg; this file ships the runtime_c headers inside the package."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithHeaders(build_py):
    """Copy the top-level runtime_c/ headers into npaccel/runtime_c in the built package."""

    def run(self):
        super().run()
        src = Path(__file__).parent / "runtime_c"
        dst = Path(self.build_lib) / "npaccel" / "runtime_c"
        dst.mkdir(parents=True, exist_ok=True)
        for header in [*src.glob("*.h"), *src.glob("*.c")]:    # npaccel_dispatch.c: built at first use
            shutil.copy2(header, dst / header.name)


setup(cmdclass={"build_py": BuildPyWithHeaders})

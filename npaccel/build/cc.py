"""C99 + OpenMP source text -> shared object, with the system C compiler."""
from __future__ import annotations

from pathlib import Path

from .driver import run_compiler
from .toolchain import CCompiler, c_flags


def c_command(compiler: CCompiler, source_file: Path, output: Path) -> list[str]:
    # The flags go after the source so that -lm (last) follows the object that needs it.
    return [compiler.path, "-o", str(output), str(source_file), *c_flags(compiler)]


def compile_c_shared(source: str, workdir: Path, compiler: CCompiler) -> Path:
    """Write workdir/kernel.c and build workdir/kernel.so; return the .so's path.

    Raises CompileError (command, returncode, stderr, source_path: a kept copy of the
    source outside workdir, which callers usually delete).
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    source_file, output = workdir / "kernel.c", workdir / "kernel.so"
    source_file.write_text(source)
    return run_compiler(c_command(compiler, source_file, output), source=source,
                        source_file=source_file, output=output, what="C compiler")

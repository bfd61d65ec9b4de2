"""`npaccel-cache`: look at and tidy the on-disk build cache.

Exit codes: 0 done, 1 user error (refused, declined, cache not writable, bad environment),
2 usage error (argparse), 141 (128 + SIGPIPE) when the reader of the output went away
(`npaccel-cache list | head -1`): the rest is dropped quietly, as standard tools do.

Read-only commands (list, info, path) never create a missing cache directory, and neither
do clear and prune: there is nothing to remove from it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
import warnings
from pathlib import Path

from ..config import get_config
from ..errors import CompileError
from ..cache.store import ArtefactStore, default_cache_dir, default_store
from .cli_text import human_size, parse_age, size_arg, table, when

_EPIPE_STATUS = 128 + 13     # what a shell reports for a process killed by SIGPIPE


# ---- which store: read-only use never creates the directory

def _requested_dir() -> Path | None:
    """The cache directory asked for (NPACCEL_CACHE_DIR, else the per-user default), absolute;
    None when there is no home directory to put the default in."""
    cfg = get_config()
    requested = cfg.cache_dir.expanduser() if cfg.cache_dir is not None else default_cache_dir()
    if requested is None:
        return None
    return requested.absolute() if cfg.cache_dir is not None or requested.is_absolute() else None


def open_existing_store() -> tuple[ArtefactStore, bool]:
    """(store, whether its directory exists). An existing directory is opened through
    default_store(), with its trust checks; a missing one gets a store object that creates
    nothing (ArtefactStore's listing and sizes read an absent directory as empty)."""
    requested = _requested_dir()
    if requested is not None and not os.path.lexists(requested):
        return ArtefactStore(requested, max_size=get_config().cache_max_size), False
    return default_store(), True


# ---- sub-commands: each takes (store, args) and returns an exit code

def segment_text(entry) -> str:
    """'whole' for a whole function's build, 'lines 12-14' for one of its compiled segments
    (a function that partly runs in Python is compiled as several), from the record's meta
    {"segment": {"index": i, "lines": "12-14"}} (api/segments.py)."""
    segment = entry.meta.get("segment")
    if isinstance(segment, dict) and segment.get("lines"):
        first, _, last = str(segment["lines"]).partition("-")
        return f"line {first}" if last in ("", first) else f"lines {first}-{last}"
    if segment not in (None, "", {}):
        return str(segment)
    return "whole"


def _entry_json(e) -> dict:
    return {"function": e.function, "segment": e.meta.get("segment"), "part": segment_text(e),
            "module": e.module, "signature": e.signature, "target": e.target, "size": e.size,
            "created": e.created, "last_used": e.last_used, "key": e.key, "path": str(e.path)}


def _entry_table(entries) -> str:
    rows = [["FUNCTION", "PART", "MODULE", "SIGNATURE", "TARGET", "SIZE", "CREATED", "LAST USED", "KEY"]]
    rows += [[e.function, segment_text(e), e.module, e.signature, e.target, human_size(e.size),
              when(e.created), when(e.last_used), e.key[:12]] for e in entries]
    return table(rows)


def cmd_list(store: ArtefactStore, args) -> int:
    entries = store.list_entries()
    if args.json:
        print(json.dumps([_entry_json(e) for e in entries], indent=2))
    elif not entries:
        print(f"no entries in {store.root}" + ("" if args.cache_exists else " (it does not exist yet)"))
    else:
        print(_entry_table(entries))
    return 0


def _compilers() -> dict:
    from ..build.nvcc import find_nvcc
    from ..build.toolchain import find_c_compiler
    info = {}
    try:
        cc = find_c_compiler()
        info.update(c_compiler=cc.path, c_compiler_version=cc.version, openmp=cc.openmp)
    except CompileError as exc:
        info.update(c_compiler=None, c_compiler_version=None, c_compiler_error=str(exc).splitlines()[0],
                    openmp=False)
    nvcc = find_nvcc()
    info.update(nvcc=nvcc.path if nvcc else None, nvcc_version=nvcc.version if nvcc else None)
    return info


def vector_math(tools: dict) -> tuple[bool, str]:
    """(used, what): whether the generated code calls glibc's libmvec SIMD exp, log, sin...
    The conditions are those of the NPA_SIMD_MATH block in runtime_c/npaccel.h."""
    version = (tools.get("c_compiler_version") or "").lower()
    if not tools.get("c_compiler"):
        return False, "no C compiler"
    if "clang" in version:
        return False, "needs gcc (npaccel declares libmvec's functions for gcc only); scalar libm"
    if platform.machine() != "x86_64":
        return False, f"libmvec is used on x86-64 only, this is {platform.machine()}; scalar libm"
    if not tools.get("openmp"):
        return False, "needs OpenMP (`omp declare simd`); scalar libm"
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        libc = ""
    match = re.fullmatch(r"glibc (\d+)\.(\d+).*", libc)
    if not match:
        return False, f"needs glibc's libmvec (C library: {libc or 'not glibc'}); scalar libm"
    glibc = (int(match.group(1)), int(match.group(2)))
    if glibc < (2, 22):
        return False, f"{libc} predates libmvec (2.22); scalar libm"
    if glibc < (2, 35):
        return True, f"libmvec ({libc}): exp, log, sin, cos, pow; the others scalar (2.35 adds them)"
    return True, f"libmvec ({libc}): exp, log, sin, cos, pow, tan, the inverse and hyperbolic functions, " \
                 "exp2, expm1, log2, log10, log1p, cbrt, atan2, hypot"


def _blas() -> dict:
    from ..build.blas import find_blas
    info = find_blas()
    if info is None:
        return {"blas": None, "blas_detail": "none found: matrix products run as npaccel's own loops"}
    return {"blas": info.path, "blas_detail": " ".join(info.describe().split())}


def _gpu(cache_exists: bool) -> dict:
    """The GPU as target="auto" sees it (runtime/cuda.py cuda_usable). That check builds
    npaccel's CUDA helper into the cache, so where the cache does not exist yet only the
    cheap part runs (a device and nvcc present), and the answer says so."""
    from ..build.devices import gpu_status
    from ..build.nvcc import find_nvcc
    status = gpu_status()
    base = {"gpu_devices": list(status.devices), "gpu_detail": status.detail}
    if status.available and find_nvcc() is not None and not cache_exists:
        return {**base, "gpu": None, "gpu_usable_detail": "a device and nvcc are present; whether the CUDA "
                "runtime works is checked on first use (the check builds into the cache, which does not exist yet)"}
    from ..runtime.cuda import cuda_usable
    usable, detail = cuda_usable()
    return {**base, "gpu": usable, "gpu_usable_detail": detail}


def cmd_info(store: ArtefactStore, args) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing OpenMP or BLAS is reported below, not warned about
        tools = _compilers()
        blas = _blas()
        gpu = _gpu(args.cache_exists)
    simd, simd_text = vector_math(tools)
    threads = get_config().num_threads
    entries = store.list_entries()
    info = {"location": str(store.requested_root or store.root), "exists": args.cache_exists,
            "in_use": str(store.root), "trusted": store.fallback_reason is None,
            "untrusted_reason": store.fallback_reason, "entries": len(entries),
            "total_size": store.total_size(), "max_size": store.max_size, **tools,
            "vector_math": simd, "vector_math_detail": simd_text, **blas, "threads": threads, **gpu}
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    location = info["location"]
    if not args.cache_exists:
        location += "  (does not exist yet: the first build creates it)"
    elif store.fallback_reason:
        location += f"  (not used: {store.fallback_reason}; this process used {store.root})"
    cc = (f"{tools['c_compiler']} ({tools['c_compiler_version']})" if tools["c_compiler"]
          else f"not found: {tools['c_compiler_error']}")
    nvcc = f"{tools['nvcc']} ({tools['nvcc_version']})" if tools["nvcc"] else "not found"
    cap = human_size(store.max_size) if store.max_size is not None else "none"
    if gpu["gpu"]:
        gpu_text = f"yes: {gpu['gpu_usable_detail']}"
    elif gpu["gpu"] is None:
        gpu_text = f"not checked: {gpu['gpu_usable_detail']}"
    else:
        gpu_text = f"no: {gpu['gpu_usable_detail']} (target='auto' uses the CPU)"
    rows = [["location:", location], ["entries:", str(len(entries))],
            ["total size:", f"{human_size(info['total_size'])} (cap {cap})"], ["C compiler:", cc],
            ["OpenMP:", "yes" if tools["openmp"] else "no: kernels run serially on one core"],
            ["vector math:", ("yes: " if simd else "no: ") + simd_text],
            ["BLAS:", blas["blas_detail"]],
            ["threads:", f"{threads} (NPACCEL_NUM_THREADS, else OMP_NUM_THREADS, else all cores)"],
            ["nvcc:", nvcc], ["GPU:", gpu_text]]
    print(table(rows))
    return 0


def _nothing_there(store: ArtefactStore) -> int:
    print(f"nothing to remove: {store.root} does not exist")
    return 0


def _would_remove(entries, remaining, store: ArtefactStore) -> None:
    freed = sum(e.size for e in entries)
    if entries:
        print(_entry_table(entries))
    print(f"would remove {len(entries)} entries, freeing {human_size(freed)}; {len(remaining)} entries "
          f"({human_size(sum(e.size for e in remaining))}) would remain in {store.root} (--dry-run: nothing removed)")


def cmd_clear(store: ArtefactStore, args) -> int:
    if not args.cache_exists:
        return _nothing_there(store)
    entries = store.list_entries()
    if args.dry_run:
        _would_remove(entries, [], store)
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            print("npaccel-cache: refusing to clear without --yes when stdin is not a terminal",
                  file=sys.stderr)
            return 1
        try:
            answer = input(f"Remove {len(entries)} entries ({human_size(store.total_size())}) "
                           f"from {store.root}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 1
    removed = store.clear()
    print(f"removed {removed} entries from {store.root}")
    return 0


def prune_plan(entries, max_size, older_than_seconds, now=None) -> list:
    """The entries ArtefactStore.prune would remove (ignoring leftovers, which it also sweeps,
    and entries being built, which it skips): unused for longer than `older_than_seconds`,
    then least recently used ones until at most `max_size` bytes remain."""
    now = time.time() if now is None else now
    gone = []
    if older_than_seconds is not None:
        gone = [e for e in entries if e.last_used < now - older_than_seconds]
    if max_size is not None:
        kept = [e for e in entries if e.key not in {g.key for g in gone}]
        total = sum(e.size for e in kept)
        for e in sorted(kept, key=lambda e: e.last_used):
            if total <= max_size:
                break
            gone.append(e)
            total -= e.size
    return gone


def cmd_prune(store: ArtefactStore, args) -> int:
    if not args.cache_exists:
        return _nothing_there(store)
    max_size = args.max_size
    if max_size is None and args.older_than is None:
        max_size = store.max_size  # no option: apply the configured cap
    if args.dry_run:
        entries = store.list_entries()
        gone = prune_plan(entries, max_size, args.older_than)
        keys = {e.key for e in gone}
        _would_remove(gone, [e for e in entries if e.key not in keys], store)
        return 0
    before = store.total_size()
    removed = store.prune(max_size=max_size, older_than_seconds=args.older_than)
    after = store.total_size()
    print(f"removed {len(removed)} entries, freed {human_size(max(before - after, 0))}; "
          f"{len(store.list_entries())} entries ({human_size(after)}) remain")
    return 0


def cmd_path(store: ArtefactStore, args) -> int:
    print(store.requested_root or store.root)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="npaccel-cache", description="Inspect and tidy npaccel's on-disk build cache "
        "(location: NPACCEL_CACHE_DIR, else the per-user cache directory).")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = subs.add_parser("list", help="one row per build: function, part, signature, target, size, last use",
                        description="List the cached builds, most recently used first. PART is 'whole' for "
                        "a whole function, or the lines of one compiled segment of a function that partly "
                        "runs in Python.")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    p.set_defaults(run=cmd_list)
    p = subs.add_parser("info", help="location, size, compilers, OpenMP, vector math, BLAS, threads, GPU",
                        description="Show where the cache is, how big it is, and what this machine builds "
                        "and runs with.")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    p.set_defaults(run=cmd_info)
    p = subs.add_parser("clear", help="remove every cached build",
                        description="Remove every cached build (asks first unless --yes).")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dry-run", "-n", action="store_true", help="list what would be removed; remove nothing")
    p.set_defaults(run=cmd_clear)
    p = subs.add_parser("prune", help="remove old or least recently used builds",
                        description="Remove leftovers of killed builds, builds unused for longer than "
                        "--older-than, then least recently used builds until at most --max-size remain. "
                        "Without options, applies NPACCEL_CACHE_MAX_SIZE.")
    p.add_argument("--max-size", type=size_arg, metavar="SIZE", help="e.g. 500M, 2G, or bytes")
    p.add_argument("--older-than", type=parse_age, metavar="AGE",
                   help="a number and a unit: 45s, 30m, 12h, 7d, 2w (the unit is required)")
    p.add_argument("--dry-run", "-n", action="store_true", help="list what would be removed; remove nothing")
    p.set_defaults(run=cmd_prune)
    p = subs.add_parser("path", help="print the cache directory",
                        description="Print the cache directory (whether or not it exists yet).")
    p.set_defaults(run=cmd_path)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"npaccel-cache: warning: {message}", file=sys.stderr)


def _reader_gone() -> int:
    """stdout's reader closed the pipe: drop the rest quietly. stdout now points at
    /dev/null, so the interpreter's final flush has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return _EPIPE_STATUS


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        get_config()
    except ValueError as exc:  # a malformed NPACCEL_* variable
        print(f"npaccel-cache: error: {exc}", file=sys.stderr)
        return 1
    try:
        store, args.cache_exists = open_existing_store()
        status = args.run(store, args)
        sys.stdout.flush()   # a closed pipe shows here, not in the interpreter's exit
        return status
    except BrokenPipeError:
        return _reader_gone()
    except OSError as exc:  # e.g. clear or prune on a read-only cache
        print(f"npaccel-cache: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

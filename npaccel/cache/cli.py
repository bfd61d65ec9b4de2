"""`npaccel-cache`: look at and tidy the on-disk build cache.

Exit codes: 0 done, 1 user error (refused, declined, cache not writable, bad environment),
2 usage error (argparse).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings

from ..config import get_config, parse_size
from ..errors import CompileError
from .store import ArtefactStore, default_store

_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """'7d' -> 604800.0; units s, m, h, d, w; a plain number is seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not an age: {text!r} (examples: 30m, 12h, 7d)")
    return float(match.group(1)) * _AGE_UNITS[match.group(2) or "s"]


def _size_arg(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def human_size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


# ---- sub-commands: each takes (store, args) and returns an exit code

def cmd_list(store: ArtefactStore, args) -> int:
    entries = store.list_entries()
    if args.json:
        print(json.dumps([{"function": e.function, "module": e.module, "signature": e.signature,
                           "target": e.target, "size": e.size, "created": e.created,
                           "last_used": e.last_used, "key": e.key, "path": str(e.path)}
                          for e in entries], indent=2))
        return 0
    if not entries:
        print(f"no entries in {store.root}")
        return 0
    rows = [["FUNCTION", "MODULE", "SIGNATURE", "TARGET", "SIZE", "CREATED", "LAST USED", "KEY"]]
    rows += [[e.function, e.module, e.signature, e.target, human_size(e.size), _when(e.created),
              _when(e.last_used), e.key[:12]] for e in entries]
    print(_table(rows))
    return 0


def _compilers() -> dict:
    from ..build.nvcc import find_nvcc
    from ..build.toolchain import find_c_compiler
    info = {}
    try:
        cc = find_c_compiler()
        info.update(c_compiler=cc.path, c_compiler_version=cc.version, openmp=cc.openmp)
    except CompileError as exc:
        info.update(c_compiler=None, c_compiler_error=str(exc).splitlines()[0], openmp=False)
    nvcc = find_nvcc()
    info.update(nvcc=nvcc.path if nvcc else None, nvcc_version=nvcc.version if nvcc else None)
    return info


def cmd_info(store: ArtefactStore, args) -> int:
    from ..build.devices import gpu_status
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing OpenMP is reported below, not warned about
        tools = _compilers()
    gpu = gpu_status()
    entries = store.list_entries()
    info = {"location": str(store.requested_root or store.root), "in_use": str(store.root),
            "trusted": store.fallback_reason is None, "untrusted_reason": store.fallback_reason,
            "entries": len(entries), "total_size": store.total_size(), "max_size": store.max_size,
            **tools, "gpu": gpu.available, "gpu_devices": list(gpu.devices), "gpu_detail": gpu.detail}
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    location = info["location"]
    if store.fallback_reason:
        location += f"  (not used: {store.fallback_reason}; this process used {store.root})"
    cc = (f"{tools['c_compiler']} ({tools['c_compiler_version']})" if tools["c_compiler"]
          else f"not found: {tools['c_compiler_error']}")
    nvcc = f"{tools['nvcc']} ({tools['nvcc_version']})" if tools["nvcc"] else "not found"
    cap = human_size(store.max_size) if store.max_size is not None else "none"
    gpu_text = (f"yes: {', '.join(gpu.devices)}" if gpu.available else f"no ({gpu.detail})")
    rows = [["location:", location], ["entries:", str(len(entries))],
            ["total size:", f"{human_size(info['total_size'])} (cap {cap})"], ["C compiler:", cc],
            ["OpenMP:", "yes" if tools["openmp"] else "no"], ["nvcc:", nvcc], ["GPU:", gpu_text]]
    print(_table(rows))
    return 0


def cmd_clear(store: ArtefactStore, args) -> int:
    entries = store.list_entries()
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


def cmd_prune(store: ArtefactStore, args) -> int:
    before = store.total_size()
    max_size = args.max_size
    if max_size is None and args.older_than is None:
        max_size = store.max_size  # no option: apply the configured cap
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
    p = subs.add_parser("list", help="one row per build: function, signature, target, size, last use",
                        description="List the cached builds, most recently used first.")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    p.set_defaults(run=cmd_list)
    p = subs.add_parser("info", help="location, size, compilers, OpenMP, nvcc and GPU",
                        description="Show where the cache is, how big it is, and what this machine can build.")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    p.set_defaults(run=cmd_info)
    p = subs.add_parser("clear", help="remove every cached build",
                        description="Remove every cached build (asks first unless --yes).")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(run=cmd_clear)
    p = subs.add_parser("prune", help="remove old or least recently used builds",
                        description="Remove leftovers of killed builds, builds unused for longer than "
                        "--older-than, then least recently used builds until at most --max-size remain. "
                        "Without options, applies NPACCEL_CACHE_MAX_SIZE.")
    p.add_argument("--max-size", type=_size_arg, metavar="SIZE", help="e.g. 500M, 2G, or bytes")
    p.add_argument("--older-than", type=parse_age, metavar="AGE", help="e.g. 30m, 12h, 7d")
    p.set_defaults(run=cmd_prune)
    p = subs.add_parser("path", help="print the cache directory",
                        description="Print the cache directory.")
    p.set_defaults(run=cmd_path)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"npaccel-cache: warning: {message}", file=sys.stderr)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        get_config()
    except ValueError as exc:  # a malformed NPACCEL_* variable
        print(f"npaccel-cache: error: {exc}", file=sys.stderr)
        return 1
    try:
        return args.run(default_store(), args)
    except OSError as exc:  # e.g. clear or prune on a read-only cache
        print(f"npaccel-cache: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

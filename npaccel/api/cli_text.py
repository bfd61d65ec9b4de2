"""What npaccel-cache reads and prints besides the cache: durations and sizes as arguments
(``7d``, ``500M``), sizes and times as text, aligned tables.
"""
from __future__ import annotations

import argparse
import re
import time

from ..config import parse_size

_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """'7d' -> 604800.0. The unit is required: s, m, h, d or w (a bare number is an error:
    `--older-than 7` once meant 7 seconds and emptied a fresh cache).

    >>> parse_age("12h"), parse_age("1.5m"), parse_age("2W")
    (43200.0, 90.0, 1209600.0)
    >>> parse_age("7")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: '7' has no unit: write 7s, 7m, 7h, 7d or 7w
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (a number and a unit s, m, h, d or w: "
                                         "30m, 12h, 7d, 2w)")
    number, unit = match.groups()
    if not unit:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} has no unit: write " +
                                         ", ".join(f"{number}{u}" for u in "smhd") + f" or {number}w")
    return float(number) * _AGE_UNITS[unit]


def size_arg(text: str) -> int:
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


def when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)

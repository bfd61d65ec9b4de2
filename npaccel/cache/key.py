"""Cache keys: the sha256 of the canonical JSON of everything that decides an artefact."""
from __future__ import annotations

import hashlib
import json
from pathlib import PurePath

# Changing how keys are formed must never collide with keys formed the old way.
_DOMAIN = "npaccel-key-1\n"


def _encode_other(value):
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(f"cache key part of type {type(value).__name__} has no canonical form: "
                    f"{value!r} (use str, numbers, bool, None, lists, tuples or dicts)")


def canonical_json(parts: dict) -> str:
    """Key order, whitespace and tuple/list differences do not matter; values do."""
    if not isinstance(parts, dict):
        raise TypeError(f"make_key expects a dict of parts, got {type(parts).__name__}")
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_encode_other)


def make_key(parts: dict) -> str:
    """64 hex digits naming the artefact built from `parts`.

    >>> make_key({"a": 1, "b": [1, 2]}) == make_key({"b": (1, 2), "a": 1})
    True
    >>> make_key({"a": 1}) == make_key({"a": 1.5})
    False
    """
    return hashlib.sha256((_DOMAIN + canonical_json(parts)).encode()).hexdigest()

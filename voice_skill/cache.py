"""The user cache folder: work the skill can redo but would rather not at every start."""

from __future__ import annotations

import json
import os
from typing import Any

from .paths import cache_dir

KEPT_VERSIONS = 4
"""Cached documents of one kind kept: enough for a few topic folders in turn, not one per upgrade forever."""


def load_json(name: str) -> Any | None:
    """A cached JSON document, or None when it is missing or unreadable."""
    path = cache_dir() / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        _log("cache entry %s is unreadable, rebuilding it: %s", path, error)
        return None


def rebuilt(name: str, error: Exception) -> None:
    """Note that a cached document could not be used (an older format, a corrupt entry) and is rebuilt."""
    _log("cache entry %s cannot be used, rebuilding it: %s: %s", cache_dir() / name, type(error).__name__, error)


def save_json(name: str, data: Any) -> None:
    """Cache a JSON document atomically, named "<kind>-<key>.json", dropping the oldest of its kind.

    A read-only home only costs start-up time later.
    """
    target = cache_dir() / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, target)
        kind = name.split("-", 1)[0]
        versions = sorted(target.parent.glob(f"{kind}-*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
        for stale in versions[KEPT_VERSIONS:]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        _log("cannot cache %s (later starts will be slower): %s", target, error)


def _log(message: str, *args: object) -> None:
    # Imported only here: logging costs about 5 ms, a twentieth of a cold start, and is needed only on this path.
    import logging

    logging.getLogger(__name__).debug(message, *args)

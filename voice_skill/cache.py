"""The user cache folder: work the skill can redo but would rather not at every start."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """`VOICE_SKILL_CACHE_DIR`, else the platform's user cache folder for voice-skill."""
    override = os.environ.get("VOICE_SKILL_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voice-skill", appauthor=False))


def load_json(name: str) -> Any | None:
    """A cached JSON document, or None when it is missing or unreadable."""
    try:
        return json.loads((cache_dir() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


KEPT_VERSIONS = 4
"""Cached documents of one kind kept: enough for a few topic folders in turn, not one per upgrade forever."""


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
    except OSError:
        pass

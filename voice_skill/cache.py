"""The user cache folder: work the skill can redo but would rather not at every start.

Nothing here is needed for an answer: a cache folder that cannot be written only costs start-up time, and the
front end says so once (`take_unwritable`). Temporary files carry the writer's process id, so the leftovers of a
killed run are recognised and removed by the next one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
import zlib
from pathlib import Path
from typing import Any

from .paths import cache_dir

KEPT_VERSIONS = 4
"""Cached documents of one kind kept: enough for a few topic folders in turn, not one per upgrade forever."""

STALE_AFTER = 24 * 3600
"""Seconds after which a temporary file is a leftover even if a process with its writer's id is running (the id
was reused, or another machine shares the folder)."""

_WRITER = re.compile(r"\.(\d+)\.tmp$|^\.building-(\d+)-")
"""The writer's process id in a temporary name: "<name>.<pid>.tmp" (documents), ".building-<pid>-…" (folders)."""

_unwritable: dict[str, str | bool] = {}
"""Why the cache could not be written ("why"), and whether the front end was told ("told"): said once a run."""


def fingerprint(*parts: bytes) -> str:
    """Sixteen hex digits that change whenever the parts do, to name a cached document after what it was made from.

    A cache key, not a security hash (the folder is the user's own): zlib's two checksums cost nothing to import,
    where hashlib loads OpenSSL, a few milliseconds of every cold start.
    """
    crc, adler = 0, 1
    for part in parts:
        crc = zlib.crc32(part, crc)
        adler = zlib.adler32(part, adler)
    return f"{crc:08x}{adler:08x}"


def load_json(name: str) -> Any | None:
    """A cached JSON document, or None when it is missing or unreadable."""
    path = cache_dir() / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as error:
        _log("cache entry %s is unreadable, rebuilding it: %s", path, error)
        return None


def rebuilt(name: str, error: Exception) -> None:
    """Note that a cached document could not be used (an older format, a corrupt entry) and is rebuilt."""
    _log("cache entry %s cannot be used, rebuilding it: %s: %s", cache_dir() / name, type(error).__name__, error)


def save_json(name: str, data: Any) -> None:
    """Cache a JSON document atomically, named "<kind>-<key>.json", dropping the oldest of its kind.

    A cache that cannot be written only costs start-up time later (noted for `take_unwritable`).
    """
    target = cache_dir() / name
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target.parent)
        try:
            temporary.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)  # a failed or interrupted write leaves nothing behind
        kind = name.split("-", 1)[0]
        versions = sorted(target.parent.glob(f"{kind}-*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
        for stale in versions[KEPT_VERSIONS:]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        note_unwritable(target.parent, error)


def remove_leftovers(folder: Path) -> None:
    """Remove the temporary files and folders that killed runs left in folder (their writer is gone)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        writer = _WRITER.search(entry.name)
        if writer is None or not _is_leftover(entry, int(writer.group(1) or writer.group(2))):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):  # another run removed it first
                os.unlink(entry.path)


def note_unwritable(folder: Path, error: OSError) -> None:
    """Note that the cache folder cannot be written; the first reason of a run is the one told."""
    _unwritable.setdefault(
        "why",
        f"the cache folder {folder} cannot be written ({error.strerror or error}); the answers are the same, "
        "but every start redoes the work it would keep there",
    )
    _log("cannot write the cache folder %s: %s", folder, error)


def take_unwritable() -> str | None:
    """Why the cache could not be written this run, the first time it is asked; None otherwise."""
    if "why" not in _unwritable or _unwritable.get("told"):
        return None
    _unwritable["told"] = True
    return str(_unwritable["why"])


def _is_leftover(entry: os.DirEntry[str], writer: int) -> bool:
    if writer == os.getpid():
        return False
    try:
        if time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER:
            return True
        os.kill(writer, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # gone already, or a running process of another user
    return False


def _log(message: str, *args: object) -> None:
    # Imported only here: logging costs about 5 ms, a twentieth of a cold start, and is needed only on this path.
    import logging

    logging.getLogger(__name__).debug(message, *args)

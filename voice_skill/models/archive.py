"""Unpacking a model archive safely: every entry checked before anything is written, sizes bounded, and the
model moved into place in one step, so a half-unpacked model never looks installed."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from ..errors import DownloadError
from .progress import CHUNK, GIB, MIB, format_size
from .store import is_model_dir


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may unpack to; anything beyond is refused as a zip bomb."""

    max_unpacked_bytes: int = 10 * GIB
    """Total uncompressed size (the largest official English model unpacks to about 3 GB)."""

    max_entries: int = 100_000
    """Number of entries."""

    max_ratio: int = 100
    """Uncompressed size over compressed size, per entry and for the whole archive."""

    ratio_floor: int = MIB
    """Sizes below this may compress arbitrarily well (small text files do)."""


class BadArchive(DownloadError):
    """The verified archive itself is unsafe or unusable: keeping it would not help."""


def install(archive: Path, target: Path, limits: ArchiveLimits) -> None:
    """Unpack archive beside target and move the model into place in one step."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}~", suffix=".unpacking", dir=target.parent))
    except OSError as error:
        raise DownloadError(f"cannot unpack into {target.parent}: {error.strerror}") from error
    try:
        _unpack(archive, staging, limits)
        root = _model_root(staging)
        if not is_model_dir(root):
            raise BadArchive("the archive holds no Vosk model (no am/final.mdl); nothing was installed")
        os.replace(root, target)
    except OSError as error:
        raise DownloadError(f"cannot install {target.name} into {target.parent}: {error.strerror}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _model_root(staging: Path) -> Path:
    """The model directory inside the unpacked archive: its single top folder, or its root."""
    children = list(staging.iterdir())
    if len(children) == 1 and children[0].is_dir() and not is_model_dir(staging):
        return children[0]
    return staging


def _unpack(archive: Path, directory: Path, limits: ArchiveLimits) -> None:
    """Extract a zip into directory after checking every entry; stop if data exceeds what entries declare."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            entries = zipped.infolist()
            declared = _check_entries(entries, archive.stat().st_size, limits)
            free = shutil.disk_usage(directory).free
            if declared > free:
                raise DownloadError(
                    f"not enough disk space in {directory.parent}: the model needs {format_size(declared)}, "
                    f"{format_size(free)} are free"
                )
            written = 0
            for entry in entries:
                path = directory.joinpath(*_entry_parts(entry.filename))
                if entry.is_dir():
                    path.mkdir(parents=True, exist_ok=True)
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(entry) as source, open(path, "xb") as out:
                    entry_written = 0
                    while chunk := source.read(CHUNK):
                        entry_written += len(chunk)
                        written += len(chunk)
                        if entry_written > entry.file_size or written > limits.max_unpacked_bytes:
                            raise BadArchive(
                                f"unsafe archive: entry {entry.filename!r} unpacks to more than it declares; "
                                f"nothing was installed"
                            )
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as error:
        raise BadArchive(f"the archive is corrupt or unsupported ({error}); nothing was installed") from error


def _check_entries(entries: list[zipfile.ZipInfo], archive_size: int, limits: ArchiveLimits) -> int:
    """Refuse unsafe entries before anything is written; return the declared unpacked size."""
    if len(entries) > limits.max_entries:
        raise BadArchive(
            f"unsafe archive: {len(entries)} entries, more than {limits.max_entries}; nothing was installed"
        )
    seen: set[str] = set()
    declared = 0
    for entry in entries:
        key = "/".join(_entry_parts(entry.filename)).casefold()
        if key in seen and not entry.is_dir():
            raise BadArchive(f"unsafe archive: entry {entry.filename!r} appears twice; nothing was installed")
        seen.add(key)
        kind = stat.S_IFMT(entry.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise BadArchive(f"unsafe archive: entry {entry.filename!r} is a symbolic link; nothing was installed")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise BadArchive(f"unsafe archive: entry {entry.filename!r} is not a regular file; nothing was installed")
        if entry.file_size > limits.ratio_floor and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise BadArchive(
                f"unsafe archive: entry {entry.filename!r} would inflate to {format_size(entry.file_size)} "
                f"from {format_size(entry.compress_size)} (a zip bomb?); nothing was installed"
            )
        declared += entry.file_size
    if declared > limits.max_unpacked_bytes or (
        declared > limits.ratio_floor and declared > limits.max_ratio * max(archive_size, 1)
    ):
        raise BadArchive(
            f"unsafe archive: it would unpack to {format_size(declared)} from {format_size(archive_size)} "
            f"(limit {format_size(min(limits.max_unpacked_bytes, limits.max_ratio * archive_size))}); nothing was installed"
        )
    return declared


def _entry_parts(name: str) -> list[str]:
    """The path components of an entry name, refusing any that could land outside the target."""
    if name.startswith("/") or "\\" in name or "\0" in name or PureWindowsPath(name).drive:
        raise BadArchive(f"unsafe archive: entry {name!r} has an absolute path; nothing was installed")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise BadArchive(f"unsafe archive: entry {name!r} points outside the model directory; nothing was installed")
    if not parts:
        raise BadArchive(f"unsafe archive: entry {name!r} has no name; nothing was installed")
    return parts

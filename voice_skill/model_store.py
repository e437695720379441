"""Vosk models on disk: where they live, and getting one there safely and atomically.

A model is installed as ``<models dir>/<name>/`` and only ever appears there complete: the
archive is downloaded to a ``.part`` file (resumed with HTTP Range after an interruption),
its SHA-256 is checked, it is unpacked into a hidden staging directory beside the target with
every entry checked, and the finished directory is moved into place with one ``os.replace``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Protocol, TextIO

from . import __version__
from .errors import DownloadError, ModelNotFoundError, SkillError

MODELS_DIR_ENV = "VOICE_SKILL_MODELS_DIR"
"""Environment variable that moves the models directory (tests, shared machines)."""

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
DOWNLOAD_COMMAND = "voice-skill model download"
"""The one command that gets the default model; error messages elsewhere quote it."""

OFFICIAL_URL = "https://alphacephei.com/vosk/models/{name}.zip"

MIB = 1024 * 1024
GIB = 1024 * MIB
_CHUNK = 256 * 1024
_MAX_ATTEMPTS = 5
_RETRY_DELAY = 0.25
"""Seconds before the first retry of an interrupted download; doubles each time."""
_MAX_UNKNOWN_DOWNLOAD = 8 * GIB
"""Cap on a download whose size neither the server nor the catalogue states."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class ModelSource:
    """An official model archive whose checksum is pinned here."""

    name: str
    """Directory name of the installed model, and the archive's base name."""

    sha256: str
    """SHA-256 of the zip archive, lower-case hex."""

    size: int
    """Size of the zip archive in bytes."""

    licence: str
    """Licence the model is published under."""

    @property
    def url(self) -> str:
        """Download address on the official Vosk model site."""
        return OFFICIAL_URL.format(name=self.name)


# alphacephei.com publishes no checksums, so these are the SHA-256 and size of the archives as
# served there, agreed on by independent mirrors (rhasspy/vosk-models on Hugging Face, whose
# Git LFS pointers carry them) and distribution packages (an Arch PKGBUILD, a Yocto recipe).
KNOWN_MODELS: dict[str, ModelSource] = {
    source.name: source
    for source in (
        ModelSource(
            "vosk-model-small-en-us-0.15",
            "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
            41_205_931,
            "Apache-2.0",
        ),
        ModelSource(
            "vosk-model-en-us-0.22-lgraph",
            "d9838b4aaa82a75c4a17f5aca300eaca129aaab2a7cbf951bafbb500eb9c4334",
            130_557_655,
            "Apache-2.0",
        ),
    )
}


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


class Progress(Protocol):
    """Reports bytes as a download advances."""

    def update(self, count: int) -> None:
        """Count more bytes received."""

    def close(self) -> None:
        """The download attempt has ended."""


ProgressFactory = Callable[[str, "int | None", int], Progress]
"""Makes a Progress from a description, the total bytes (if known) and the bytes already there."""


def models_dir() -> Path:
    """The directory models are installed in: $VOICE_SKILL_MODELS_DIR, else the user data dir."""
    override = os.environ.get(MODELS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("voice-skill", appauthor=False)) / "models"


def is_model_dir(path: Path) -> bool:
    """True if path holds a Vosk model (the current am/ layout or the older flat one)."""
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


def installed_models(directory: Path | None = None) -> list[Path]:
    """Complete models in directory (default: models_dir()), sorted by name."""
    directory = models_dir() if directory is None else Path(directory)
    try:
        children = sorted(directory.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        raise SkillError(f"cannot read the models directory {directory}: {error.strerror}") from error
    return [child for child in children if not child.name.startswith(".") and child.is_dir() and is_model_dir(child)]


def download_model(
    name: str = DEFAULT_MODEL,
    url: str | None = None,
    sha256: str | None = None,
    dest: Path | None = None,
    progress: ProgressFactory | None = None,
    limits: ArchiveLimits = ArchiveLimits(),
    timeout: float = 30.0,
) -> Path:
    """Download, verify, unpack and install a model; return its directory.

    The checksum is sha256 if given, else the one pinned for name; a download that cannot be
    verified is refused. An installed model is returned as it is.
    """
    check_name(name)
    known = KNOWN_MODELS.get(name)
    if sha256 is None:
        if known is None:
            if url is not None:
                raise DownloadError(f"--url needs --sha256 HEX for {name}: only a verified archive is installed")
            raise DownloadError(
                f"no pinned checksum for {name} (known: {', '.join(KNOWN_MODELS)}); "
                f"to install another official model give --sha256 HEX of its zip"
            )
        digest = known.sha256
    else:
        digest = check_sha256(sha256)
    source_url = url or (known.url if known else OFFICIAL_URL.format(name=name))
    check_url(source_url)
    expected_size = known.size if known and digest == known.sha256 else None

    directory = models_dir() if dest is None else Path(dest).expanduser()
    target = directory / name
    if is_model_dir(target):
        return target
    if target.exists() or target.is_symlink():
        raise DownloadError(f"{target} exists but holds no complete model; remove it with: voice-skill model remove {name}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(f"cannot create the models directory {directory}: {error.strerror}") from error

    part = directory / f".{name}~{digest[:12]}.zip.part"
    with _exclusive(directory / f".{name}~lock", name):
        for stale in directory.glob(f".{name}~*.unpacking"):
            shutil.rmtree(stale, ignore_errors=True)
        _Download(source_url, part, name, expected_size, progress or auto_progress, timeout).fetch_verified(digest)
        try:
            _install(part, target, limits)
        except _BadArchive:
            part.unlink()
            raise
        part.unlink()
    return target


def remove_model(name: str, dest: Path | None = None) -> list[Path]:
    """Remove an installed model and any partial download of it; return what was removed."""
    check_name(name)
    directory = models_dir() if dest is None else Path(dest).expanduser()
    target = directory / name
    removed: list[Path] = []
    try:
        if target.is_symlink():
            target.unlink()
            removed.append(target)
        elif target.exists():
            # Renamed first so a half-deleted model never looks installed.
            trash = Path(tempfile.mkdtemp(prefix=f".{name}~", suffix=".removing", dir=directory))
            os.replace(target, trash / name)
            shutil.rmtree(trash)
            removed.append(target)
        patterns = (f".{name}~*.zip.part", f".{name}~*.unpacking", f".{name}~*.removing")
        for leftover in [path for pattern in patterns for path in directory.glob(pattern)]:
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
            removed.append(leftover)
    except OSError as error:
        raise SkillError(f"cannot remove {name} from {directory}: {error.strerror}") from error
    if not removed:
        installed = ", ".join(model.name for model in installed_models(directory)) or "none"
        raise ModelNotFoundError(f"no model named {name} in {directory} (installed: {installed})")
    return removed


def check_name(name: str) -> str:
    """A model name must be a plain directory name."""
    if not _NAME.fullmatch(name) or name in {".", ".."}:
        raise SkillError(f"invalid model name {name!r}: use a name like {DEFAULT_MODEL}")
    return name


def check_sha256(text: str) -> str:
    """A SHA-256 digest in hex, returned in lower case."""
    if not _SHA256.fullmatch(text.strip()):
        raise SkillError("--sha256 must be the 64 hexadecimal digits of the archive's SHA-256")
    return text.strip().lower()


def check_url(url: str) -> str:
    """Only http, https and file addresses are fetched."""
    if not re.match(r"(?i)(https?|file)://", url):
        raise SkillError(f"cannot download {url!r}: give an http://, https:// or file:// address")
    return url


# --- progress ---------------------------------------------------------------------------


def auto_progress(description: str, total: int | None, initial: int) -> Progress:
    """A progress bar on a terminal, else a plain line now and then (logs, pipes, CI)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        # A terminal that reports no size (some CI ptys) would get an invisible bar.
        sized = shutil.get_terminal_size((0, 0)).columns > 0
        return tqdm(
            desc=description,
            total=total,
            initial=initial,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            leave=True,
            ncols=None if sized else 80,
            nrows=None if sized else 24,
        )
    return LineProgress(description, total, initial, sys.stderr)


def no_progress(description: str, total: int | None, initial: int) -> Progress:
    """Report nothing."""
    return LineProgress(description, total, initial, None)


class LineProgress:
    """Prints a line at every tenth of the download, or every 10 s when the size is unknown."""

    def __init__(self, description: str, total: int | None, initial: int, stream: TextIO | None) -> None:
        self.description = description
        self.total = total
        self.count = initial
        self.stream = stream
        self.next_tenth = self._tenth() + 1
        self.last_time = time.monotonic()
        if initial:
            self._print(f"resuming at {_size(initial)}")

    def update(self, count: int) -> None:
        self.count += count
        if self.total:
            tenth = self._tenth()
            if tenth >= self.next_tenth:
                self.next_tenth = tenth + 1
                self._print(f"{tenth * 10}% ({_size(self.count)} of {_size(self.total)})")
        elif time.monotonic() - self.last_time >= 10:
            self.last_time = time.monotonic()
            self._print(_size(self.count))

    def close(self) -> None:
        """Nothing to release: every line is already printed."""

    def _tenth(self) -> int:
        return min(10, self.count * 10 // self.total) if self.total else 0

    def _print(self, message: str) -> None:
        if self.stream is not None:
            print(f"Downloading {self.description}: {message}", file=self.stream, flush=True)


def _size(count: float) -> str:
    if count < 1_000_000:
        return f"{count / 1000:.0f} kB"
    return f"{count / 1_000_000:.1f} MB"


# --- download ---------------------------------------------------------------------------


class _BadArchive(DownloadError):
    """The verified archive itself is unsafe or unusable: keeping it would not help."""


class _Interrupted(Exception):
    """A download attempt ended before the whole file arrived."""


@contextlib.contextmanager
def _exclusive(lock_path: Path, name: str) -> Iterator[None]:
    """Keep two downloads of the same model from writing into the same .part file."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; concurrent downloads are the user's risk
        yield
        return
    with open(lock_path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise DownloadError(f"another download of {name} is running in {lock_path.parent}; wait for it") from error
        yield


@dataclass
class _Download:
    """One archive being fetched into its .part file."""

    url: str
    part: Path
    name: str
    size: int | None
    """Archive size from the catalogue, used when the server does not state it."""
    progress: ProgressFactory
    timeout: float
    inherited: bool = False
    """The .part file holds bytes left by an earlier run, which may belong to another file."""

    def fetch_verified(self, digest: str) -> None:
        """Fetch the archive (resuming what is there) and make sure its SHA-256 is digest."""
        self.inherited = _part_size(self.part) > 0
        self.fetch()
        actual = _file_sha256(self.part)
        if actual != digest and self.inherited:
            self.part.unlink()
            self.fetch()
            actual = _file_sha256(self.part)
        if actual != digest:
            self.part.unlink()
            raise DownloadError(
                f"checksum mismatch for {self.name} from {self.url}: expected {digest}, got {actual}; "
                f"nothing was installed"
            )

    def fetch(self) -> None:
        """Download into the .part file, resuming and retrying while attempts make progress."""
        from http.client import HTTPException
        from urllib.error import HTTPError, URLError

        best = _part_size(self.part)
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                self.fetch_once()
                return
            except HTTPError as error:
                raise DownloadError(
                    f"cannot download {self.name}: {self.url} answered HTTP {error.code} {error.reason}"
                ) from error
            except (_Interrupted, URLError, OSError, HTTPException) as error:
                reason = _reason(error)
            now = _part_size(self.part)
            if now <= best or attempt == _MAX_ATTEMPTS:
                if now == 0:
                    raise DownloadError(f"cannot download {self.name} from {self.url}: {reason}")
                raise DownloadError(
                    f"download of {self.name} interrupted at {_size(now)} ({reason}); "
                    f"run the same command again to resume"
                )
            best = now
            time.sleep(_RETRY_DELAY * 2 ** (attempt - 1))

    def fetch_once(self) -> None:
        """One request: append to the .part file from where it ends, or rewrite it if the server will not resume."""
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        offset = _part_size(self.part)
        headers = {"User-Agent": f"voice-skill/{__version__}"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            response = urlopen(Request(self.url, headers=headers), timeout=self.timeout)
        except HTTPError as error:
            if error.code == 416 and offset:
                return  # nothing left to send: the checksum decides whether the file is whole
            raise
        with response:
            status = getattr(response, "status", None) or 200
            content_range = response.headers.get("Content-Range", "")
            if offset and not (status == 206 and content_range.startswith(f"bytes {offset}-")):
                offset = 0  # the server sends the whole file: restart cleanly
            if offset == 0:
                self.inherited = False
            length = response.headers.get("Content-Length")
            total = offset + int(length) if length and length.isdigit() else self.size
            limit = total or _MAX_UNKNOWN_DOWNLOAD
            bar = self.progress(self.name, total, offset)
            received = offset
            try:
                with open(self.part, "ab" if offset else "wb") as out:
                    while chunk := response.read(_CHUNK):
                        received += len(chunk)
                        if received > limit:
                            raise DownloadError(
                                f"{self.url} sent more than the expected {_size(limit)}; nothing was installed"
                            )
                        out.write(chunk)
                        bar.update(len(chunk))
            finally:
                bar.close()
        if total is not None and received < total:
            raise _Interrupted(f"the server closed the connection after {_size(received)} of {_size(total)}")


def _part_size(part: Path) -> int:
    try:
        return part.stat().st_size
    except FileNotFoundError:
        return 0


def _reason(error: BaseException) -> str:
    """The innermost readable cause: "Connection refused", "timed out", ..."""
    inner = getattr(error, "reason", None)
    if isinstance(inner, BaseException):
        return _reason(inner)
    if inner:
        return str(inner)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --- unpacking --------------------------------------------------------------------------


def _install(archive: Path, target: Path, limits: ArchiveLimits) -> None:
    """Unpack archive beside target and move the model into place in one step."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}~", suffix=".unpacking", dir=target.parent))
    except OSError as error:
        raise DownloadError(f"cannot unpack into {target.parent}: {error.strerror}") from error
    try:
        _unpack(archive, staging, limits)
        root = _model_root(staging)
        if not is_model_dir(root):
            raise _BadArchive("the archive holds no Vosk model (no am/final.mdl); nothing was installed")
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
                    f"not enough disk space in {directory.parent}: the model needs {_size(declared)}, "
                    f"{_size(free)} are free"
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
                    while chunk := source.read(_CHUNK):
                        entry_written += len(chunk)
                        written += len(chunk)
                        if entry_written > entry.file_size or written > limits.max_unpacked_bytes:
                            raise _BadArchive(
                                f"unsafe archive: entry {entry.filename!r} unpacks to more than it declares; "
                                f"nothing was installed"
                            )
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as error:
        raise _BadArchive(f"the archive is corrupt or unsupported ({error}); nothing was installed") from error


def _check_entries(entries: list[zipfile.ZipInfo], archive_size: int, limits: ArchiveLimits) -> int:
    """Refuse unsafe entries before anything is written; return the declared unpacked size."""
    if len(entries) > limits.max_entries:
        raise _BadArchive(f"unsafe archive: {len(entries)} entries, more than {limits.max_entries}; nothing was installed")
    seen: set[str] = set()
    declared = 0
    for entry in entries:
        key = "/".join(_entry_parts(entry.filename)).casefold()
        if key in seen and not entry.is_dir():
            raise _BadArchive(f"unsafe archive: entry {entry.filename!r} appears twice; nothing was installed")
        seen.add(key)
        kind = stat.S_IFMT(entry.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise _BadArchive(f"unsafe archive: entry {entry.filename!r} is a symbolic link; nothing was installed")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise _BadArchive(f"unsafe archive: entry {entry.filename!r} is not a regular file; nothing was installed")
        if entry.file_size > limits.ratio_floor and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise _BadArchive(
                f"unsafe archive: entry {entry.filename!r} would inflate to {_size(entry.file_size)} "
                f"from {_size(entry.compress_size)} (a zip bomb?); nothing was installed"
            )
        declared += entry.file_size
    if declared > limits.max_unpacked_bytes or (
        declared > limits.ratio_floor and declared > limits.max_ratio * max(archive_size, 1)
    ):
        raise _BadArchive(
            f"unsafe archive: it would unpack to {_size(declared)} from {_size(archive_size)} "
            f"(limit {_size(min(limits.max_unpacked_bytes, limits.max_ratio * archive_size))}); nothing was installed"
        )
    return declared


def _entry_parts(name: str) -> list[str]:
    """The path components of an entry name, refusing any that could land outside the target."""
    if name.startswith("/") or "\\" in name or "\0" in name or PureWindowsPath(name).drive:
        raise _BadArchive(f"unsafe archive: entry {name!r} has an absolute path; nothing was installed")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise _BadArchive(f"unsafe archive: entry {name!r} points outside the model directory; nothing was installed")
    if not parts:
        raise _BadArchive(f"unsafe archive: entry {name!r} has no name; nothing was installed")
    return parts


# --- command line -----------------------------------------------------------------------


def add_model_parser(subcommands: argparse._SubParsersAction) -> None:
    """Add `model download|list|remove` to the voice-skill command line."""
    model = subcommands.add_parser("model", help="download, list or remove Vosk speech models")
    commands = model.add_subparsers(dest="model_command", metavar="COMMAND", required=True)

    download = commands.add_parser(
        "download",
        help=f"download and install a Vosk model (default {DEFAULT_MODEL})",
        description=(
            "Download an official Vosk model, verify its SHA-256 and install it. "
            f"Models with a pinned checksum: {', '.join(KNOWN_MODELS)}. "
            "A mirror (--url) is used only with a checksum: the pinned one of NAME, or --sha256."
        ),
    )
    download.add_argument("name", nargs="?", metavar="NAME", help=f"model name (default {DEFAULT_MODEL})")
    download.add_argument("--url", metavar="URL", help="download the zip from this address (a mirror)")
    download.add_argument("--sha256", metavar="HEX", help="SHA-256 the zip must have")
    download.add_argument("--dest", type=Path, metavar="DIR", help="install into DIR instead of the models directory")

    listing = commands.add_parser("list", help="show installed models and where they are")
    listing.add_argument("--dest", type=Path, metavar="DIR", help="list DIR instead of the models directory")

    remove = commands.add_parser("remove", help="delete an installed model")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--dest", type=Path, metavar="DIR", help="remove from DIR instead of the models directory")

    model.set_defaults(handler=run_model_command)


def run_model_command(args: argparse.Namespace) -> int:
    """Run `voice-skill model ...`; user mistakes raise SkillError."""
    if args.model_command == "download":
        name = args.name or _name_from_url(args.url) or DEFAULT_MODEL
        directory = models_dir() if args.dest is None else args.dest.expanduser()
        if is_model_dir(directory / check_name(name)):
            print(f"{name} is already installed in {directory / name}")
            return 0
        path = download_model(name, url=args.url, sha256=args.sha256, dest=directory)
        print(f"Installed {name} in {path}")
        if args.dest is not None:
            print(f"Use it with --model {path} or VOSK_MODEL_PATH={path}")
        return 0
    if args.model_command == "list":
        directory = models_dir() if args.dest is None else args.dest.expanduser()
        origin = f" (from ${MODELS_DIR_ENV})" if args.dest is None and os.environ.get(MODELS_DIR_ENV) else ""
        print(f"Models directory: {directory}{origin}")
        models = installed_models(directory)
        for model in models:
            print(f"  {model.name}  {_size(_tree_size(model))}")
        if not models:
            print(f"  no models installed; get one with: {DOWNLOAD_COMMAND}")
        if os.environ.get("VOSK_MODEL_PATH"):
            print(f"VOSK_MODEL_PATH={os.environ['VOSK_MODEL_PATH']} is set and is used first")
        return 0
    if args.model_command == "remove":
        directory = models_dir() if args.dest is None else args.dest.expanduser()
        target = directory / args.name
        removed = remove_model(args.name, dest=directory)
        if target in removed:
            print(f"Removed {args.name} from {directory}")
        else:
            print(f"Removed a partial download of {args.name} from {directory}")
        return 0
    raise SkillError(f"unknown model command {args.model_command!r}")


def _name_from_url(url: str | None) -> str | None:
    """vosk-model-x from .../vosk-model-x.zip, so a mirror URL alone names the model."""
    if not url:
        return None
    stem = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    stem = stem[: -len(".zip")] if stem.lower().endswith(".zip") else stem
    return stem if _NAME.fullmatch(stem) else None


def _tree_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())

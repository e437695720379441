"""Downloading a model: the archive fetched into a ``.part`` file (resumed with HTTP Range after an
interruption), its SHA-256 checked, then unpacked and installed by `archive`, which moves the finished
model into ``<models dir>/<name>/`` in one step."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import DownloadError, ModelsFolderError, SkillError
from ..paths import models_dir
from .archive import ArchiveLimits, BadArchive, install
from .catalogue import DEFAULT_MODEL, KNOWN_MODELS, OFFICIAL_URL
from .progress import CHUNK, GIB, ProgressFactory, auto_progress, format_size
from .store import check_name, is_model_dir

_MAX_ATTEMPTS = 5
_RETRY_DELAY = 0.25
"""Seconds before the first retry of an interrupted download; doubles each time."""
_MAX_UNKNOWN_DOWNLOAD = 8 * GIB
"""Cap on a download whose size neither the server nor the catalogue states."""

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


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
    try:
        if target.exists() or target.is_symlink():
            raise DownloadError(
                f"{target} exists but holds no complete model; remove it with: voice-skill model remove {name}"
            )
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(directory, error) from None

    part = directory / f".{name}~{digest[:12]}.zip.part"
    with _exclusive(directory, name):
        for stale in directory.glob(f".{name}~*.unpacking"):
            shutil.rmtree(stale, ignore_errors=True)
        _Download(source_url, part, name, expected_size, progress or auto_progress, timeout).fetch_verified(digest)
        try:
            install(part, target, limits)
        except BadArchive:
            part.unlink()
            raise
        part.unlink()
    return target


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


class _Interrupted(Exception):
    """A download attempt ended before the whole file arrived."""


def _unwritable(directory: Path, error: OSError) -> ModelsFolderError:
    return ModelsFolderError(
        f"cannot write the models directory {directory} ({error.strerror or error}); fix its permissions, "
        "or install elsewhere with --dest DIR"
    )


@contextlib.contextmanager
def _exclusive(directory: Path, name: str) -> Iterator[None]:
    """Keep two downloads of the same model from writing into the same .part file.

    The lock is a file ".NAME~lock" held with flock and removed by its holder at the end, so none are left
    behind; one left by a killed download (no holder) is taken over, and removed in turn. A download that
    locks a file its holder removed meanwhile locks a fresh one, so two downloads never both hold the lock.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; concurrent downloads are the user's risk
        yield
        return
    lock_path = directory / f".{name}~lock"
    while True:
        try:
            handle = open(lock_path, "a")  # noqa: SIM115 - held open for the whole download, closed below
        except OSError as error:
            raise _unwritable(directory, error) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.close()
            raise DownloadError(f"another download of {name} is running in {directory}; wait for it") from error
        if _is_same_file(handle.fileno(), lock_path):
            break
        handle.close()
    try:
        yield
    finally:
        # Removed while still locked: a download waiting for it finds it gone and makes a new one.
        lock_path.unlink(missing_ok=True)
        handle.close()


def _is_same_file(descriptor: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path))
    except FileNotFoundError:
        return False


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
                    f"download of {self.name} interrupted at {format_size(now)} ({reason}); "
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
                    while chunk := response.read(CHUNK):
                        received += len(chunk)
                        if received > limit:
                            raise DownloadError(
                                f"{self.url} sent more than the expected {format_size(limit)}; nothing was installed"
                            )
                        out.write(chunk)
                        bar.update(len(chunk))
            finally:
                bar.close()
        if total is not None and received < total:
            raise _Interrupted(
                f"the server closed the connection after {format_size(received)} of {format_size(total)}"
            )


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

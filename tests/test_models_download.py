"""Model download, install, list and remove, against zips served by a local HTTP server."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from voice_skill.errors import DownloadError, ModelNotFoundError, SkillError
from voice_skill.models import download
from voice_skill.models.archive import ArchiveLimits
from voice_skill.models.download import download_model
from voice_skill.models.progress import no_progress
from voice_skill.models.store import installed_models, is_model_dir, remove_model
from voice_skill.paths import MODELS_DIR_ENV, models_dir

NAME = "vosk-model-test-0.1"


# --- a local server for model archives ---------------------------------------------------


@dataclass
class Site:
    """What the test server serves, and what it was asked."""

    files: dict[str, bytes] = field(default_factory=dict)
    ranges: bool = True
    """Honour "Range: bytes=N-" requests with 206 Partial Content."""
    cuts: list[int] = field(default_factory=list)
    """For the next responses, close the connection after this many body bytes."""
    requests: list[str | None] = field(default_factory=list)
    """The Range header of every request (None when absent)."""
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def serve(self, data: bytes, path: str = f"{NAME}.zip") -> tuple[str, str]:
        """Serve data at path; return its URL and SHA-256."""
        self.files["/" + path] = data
        return self.url(path), hashlib.sha256(data).hexdigest()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested = self.headers.get("Range")
            site.requests.append(requested)
            data = site.files.get(self.path)
            if data is None:
                self.send_error(404)
                return
            start = 0
            if site.ranges and requested and requested.startswith("bytes="):
                start = int(requested[len("bytes=") :].rstrip("-"))
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes" if site.ranges else "none")
            self.end_headers()
            cut = site.cuts.pop(0) if site.cuts else len(body)
            self.wfile.write(body[:cut])

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "_RETRY_DELAY", 0.0)


# --- archives ----------------------------------------------------------------------------

MODEL_FILES = {
    "am/final.mdl": bytes(range(256)) * 64,
    "conf/model.conf": b"--min-active=200\n--max-active=3000\n",
    "conf/mfcc.conf": b"--use-energy=false\n",
    "graph/HCLr.fst": os.urandom(4096),
    "graph/Gr.fst": os.urandom(2048),
    "graph/words.txt": b"<eps> 0\nhip 1\npain 2\n",
    "README": b"a tiny fake model for tests\n",
}


def model_zip(top: str | None = NAME, extra: list[tuple[zipfile.ZipInfo | str, bytes]] = ()) -> bytes:
    """A zip of a fake model, under a single top folder like the official archives."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in MODEL_FILES.items():
            archive.writestr(f"{top}/{name}" if top else name, data)
        for info, data in extra:
            archive.writestr(info, data)
    return buffer.getvalue()


def special_entry(name: str, kind: int, data: bytes = b"") -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (kind | 0o777) << 16
    return info, data


def lying_zip(claimed: int) -> bytes:
    """A model zip whose last entry says it unpacks to `claimed` bytes but holds 512 KB."""
    name = f"{NAME}/graph/HCLG.fst"
    data = bytearray(model_zip(extra=[(name, bytes(512 * 1024))]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(name).header_offset
    central = data.rfind(b"PK\x01\x02")  # the last entry's record in the central directory
    assert data[central + 46 : central + 46 + len(name)] == name.encode()
    struct.pack_into("<I", data, central + 24, claimed)
    struct.pack_into("<I", data, local + 22, claimed)
    return bytes(data)


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name.startswith("."))


# --- where models live ---------------------------------------------------------------------


def test_models_dir_is_the_user_data_dir_unless_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(MODELS_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    default = models_dir()
    assert default.parts[-2:] == ("voice-skill", "models")
    if sys.platform.startswith("linux"):
        assert default == tmp_path / "data" / "voice-skill" / "models"
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "elsewhere"))
    assert models_dir() == tmp_path / "elsewhere"


# --- downloading ---------------------------------------------------------------------------


def test_good_archive_is_installed_complete_with_nothing_left_over(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(model_zip())
    path = download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert path == tmp_path / NAME
    assert (path / "am" / "final.mdl").read_bytes() == MODEL_FILES["am/final.mdl"]
    assert (path / "graph" / "words.txt").read_bytes() == MODEL_FILES["graph/words.txt"]
    assert installed_models(tmp_path) == [path]
    assert leftovers(tmp_path) == []


def test_archive_without_top_folder_is_installed_under_its_name(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(model_zip(top=None))
    path = download_model(NAME, url=url, sha256=digest.upper(), dest=tmp_path, progress=no_progress, timeout=5)
    assert is_model_dir(path)
    assert (path / "conf" / "model.conf").is_file()


def test_installed_model_is_not_downloaded_again(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(model_zip())
    download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert len(site.requests) == 1


def test_wrong_checksum_installs_nothing(site: Site, tmp_path: Path) -> None:
    url, _ = site.serve(model_zip())
    with pytest.raises(DownloadError, match="checksum mismatch") as raised:
        download_model(NAME, url=url, sha256="ab" * 32, dest=tmp_path, progress=no_progress, timeout=5)
    assert "\n" not in str(raised.value)
    assert installed_models(tmp_path) == []
    assert not (tmp_path / NAME).exists()
    assert leftovers(tmp_path) == []


def test_mirror_of_a_known_model_is_checked_against_the_pinned_checksum(site: Site, tmp_path: Path) -> None:
    url, _ = site.serve(model_zip(), path="mirror/vosk-model-small-en-us-0.15.zip")
    with pytest.raises(DownloadError, match="expected 30f26242c4eb"):
        download_model("vosk-model-small-en-us-0.15", url=url, dest=tmp_path, progress=no_progress, timeout=5)
    assert installed_models(tmp_path) == []


def test_url_without_checksum_is_refused_for_an_unknown_model(site: Site, tmp_path: Path) -> None:
    url, _ = site.serve(model_zip())
    with pytest.raises(DownloadError, match="--url needs --sha256"):
        download_model(NAME, url=url, dest=tmp_path, progress=no_progress, timeout=5)
    with pytest.raises(DownloadError, match="no pinned checksum"):
        download_model(NAME, dest=tmp_path, progress=no_progress, timeout=5)
    assert site.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "../evil"}, "invalid model name"),
        ({"sha256": "1234"}, "64 hexadecimal"),
        ({"url": "ftp://example.org/x.zip", "sha256": "ab" * 32}, "http://, https:// or file://"),
    ],
)
def test_bad_arguments_are_refused_before_any_download(tmp_path: Path, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(SkillError, match=message):
        download_model(**{"name": NAME, **kwargs}, dest=tmp_path, progress=no_progress)


def test_truncated_download_fails_keeps_the_part_and_installs_nothing(site: Site, tmp_path: Path) -> None:
    data = model_zip()
    site.ranges = False
    site.cuts = [len(data) // 2] * 10
    url, digest = site.serve(data)
    with pytest.raises(DownloadError, match="interrupted at .*run the same command again to resume"):
        download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert installed_models(tmp_path) == []
    assert not (tmp_path / NAME).exists()
    (part,) = tmp_path.glob("*.part")
    assert part.stat().st_size == len(data) // 2
    # Without Range support the retry restarted from zero instead of appending.
    assert site.requests[1] == f"bytes={len(data) // 2}-"


def test_interrupted_download_resumes_with_range_in_the_same_run(site: Site, tmp_path: Path) -> None:
    data = model_zip()
    site.cuts = [len(data) // 3]
    url, digest = site.serve(data)
    path = download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert is_model_dir(path)
    assert site.requests == [None, f"bytes={len(data) // 3}-"]


def test_failed_run_is_resumed_by_the_next_run(site: Site, tmp_path: Path) -> None:
    data = model_zip()
    url, digest = site.serve(data)
    site.ranges = False
    site.cuts = [len(data) // 2] * 10
    with pytest.raises(DownloadError, match="interrupted"):
        download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    site.ranges = True
    site.cuts = []
    site.requests.clear()
    path = download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert site.requests == [f"bytes={len(data) // 2}-"]
    assert (path / "am" / "final.mdl").read_bytes() == MODEL_FILES["am/final.mdl"]
    assert leftovers(tmp_path) == []


def test_partial_file_is_rewritten_when_the_server_ignores_range(site: Site, tmp_path: Path) -> None:
    data = model_zip()
    url, digest = site.serve(data)
    site.ranges = False
    (tmp_path / f".{NAME}~{digest[:12]}.zip.part").write_bytes(data[:1000])
    path = download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert is_model_dir(path)
    assert site.requests == ["bytes=1000-"]


def test_corrupt_partial_file_is_discarded_and_downloaded_again(site: Site, tmp_path: Path) -> None:
    data = model_zip()
    url, digest = site.serve(data)
    (tmp_path / f".{NAME}~{digest[:12]}.zip.part").write_bytes(b"\0" * 1000)
    path = download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert is_model_dir(path)
    assert site.requests == ["bytes=1000-", None]


def test_wrong_checksum_is_not_downloaded_twice_when_the_partial_file_was_rewritten(site: Site, tmp_path: Path) -> None:
    data = model_zip()
    url, digest = site.serve(data)
    site.ranges = False
    (tmp_path / f".{NAME}~{'ab' * 6}.zip.part").write_bytes(data[:1000])
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download_model(NAME, url=url, sha256="ab" * 32, dest=tmp_path, progress=no_progress, timeout=5)
    assert site.requests == ["bytes=1000-"]


def test_complete_partial_file_is_installed_without_downloading_again(site: Site, tmp_path: Path) -> None:
    data = model_zip()
    url, digest = site.serve(data)
    (tmp_path / f".{NAME}~{digest[:12]}.zip.part").write_bytes(data)
    assert is_model_dir(download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5))
    assert site.requests == [f"bytes={len(data)}-"]


def test_second_download_of_the_same_model_at_once_is_refused(site: Site, tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    url, digest = site.serve(model_zip())
    with open(tmp_path / f".{NAME}~lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(DownloadError, match=f"another download of {NAME} is running"):
            download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert site.requests == []
    assert is_model_dir(download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5))


def test_unreachable_server_and_missing_file_give_one_clear_line(site: Site, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_model(NAME, url=site.url("nothing.zip"), sha256="ab" * 32, dest=tmp_path, progress=no_progress)
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()
    with pytest.raises(DownloadError, match="cannot download .*refused") as raised:
        download_model(
            NAME, url=f"http://127.0.0.1:{port}/x.zip", sha256="ab" * 32, dest=tmp_path, progress=no_progress
        )
    assert "\n" not in str(raised.value)
    assert installed_models(tmp_path) == []


def test_progress_is_reported_as_plain_lines_off_a_terminal(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, digest = site.serve(model_zip())
    download_model(NAME, url=url, sha256=digest, dest=tmp_path, timeout=5)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith(f"Downloading {NAME}: 100% (")
    assert all(line.startswith(f"Downloading {NAME}: ") for line in lines)


# --- unsafe archives ----------------------------------------------------------------------


UNSAFE = {
    "parent path": ([(f"{NAME}/../../evil.txt", b"owned")], "outside the model directory"),
    "absolute path": ([("/tmp/voice-skill-evil.txt", b"owned")], "absolute path"),
    "drive path": ([("C:/evil.txt", b"owned")], "absolute path"),
    "symlink": ([special_entry(f"{NAME}/graph/link", stat.S_IFLNK, b"/etc/passwd")], "symbolic link"),
    "device": ([special_entry(f"{NAME}/dev", stat.S_IFCHR)], "not a regular file"),
    "duplicate": ([(f"{NAME}/README", b"again")], "appears twice"),
    "zip bomb": ([(f"{NAME}/graph/HCLG.fst", bytes(30 * 1024 * 1024))], "zip bomb"),
}


@pytest.mark.parametrize("case", UNSAFE, ids=list(UNSAFE))
def test_unsafe_archive_installs_nothing(site: Site, tmp_path: Path, case: str) -> None:
    extra, message = UNSAFE[case]
    with pytest.warns(UserWarning, match="Duplicate") if case == "duplicate" else contextlib.nullcontext():
        data = model_zip(extra=extra)
    dest = tmp_path / "models"
    url, digest = site.serve(data)
    with pytest.raises(DownloadError, match=f"unsafe archive: .*{message}.*nothing was installed"):
        download_model(NAME, url=url, sha256=digest, dest=dest, progress=no_progress, timeout=5)
    assert not (dest / NAME).exists()
    assert leftovers(dest) == []
    assert not (tmp_path / "evil.txt").exists()


def test_entry_larger_than_it_claims_is_refused(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(lying_zip(claimed=100))
    with pytest.raises(DownloadError, match="(corrupt|more than it declares).*nothing was installed"):
        download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert installed_models(tmp_path) == []
    assert leftovers(tmp_path) == []


def test_total_unpacked_size_is_limited(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(model_zip())
    with pytest.raises(DownloadError, match="unsafe archive: it would unpack to"):
        download_model(
            NAME,
            url=url,
            sha256=digest,
            dest=tmp_path,
            progress=no_progress,
            limits=ArchiveLimits(max_unpacked_bytes=10_000),
            timeout=5,
        )
    assert installed_models(tmp_path) == []


def test_archive_without_a_model_is_refused(site: Site, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/cat.jpg", b"not a model")
    url, digest = site.serve(buffer.getvalue())
    with pytest.raises(DownloadError, match="no Vosk model"):
        download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    assert list(tmp_path.iterdir()) == []  # not even the lock file


def test_not_a_zip_is_refused(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(b"<html>Service unavailable</html>")
    with pytest.raises(DownloadError, match="corrupt or unsupported"):
        download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)


# --- list and remove --------------------------------------------------------------------


def test_only_complete_models_are_listed_and_remove_deletes_them(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(model_zip())
    downloaded = download_model(NAME, url=url, sha256=digest, dest=tmp_path, progress=no_progress, timeout=5)
    by_hand = tmp_path / "vosk-model-by-hand"
    (by_hand / "am").mkdir(parents=True)
    (by_hand / "am" / "final.mdl").write_bytes(b"x")
    (tmp_path / "half-unzipped" / "conf").mkdir(parents=True)
    (tmp_path / ".other~0123456789ab.zip.part").write_bytes(b"partial")
    (tmp_path / ".other~x1.unpacking" / "am").mkdir(parents=True)
    (tmp_path / ".other~x1.unpacking" / "am" / "final.mdl").write_bytes(b"x")
    (tmp_path / ".other-model~0123456789ab.zip.part").write_bytes(b"another model's partial")
    assert installed_models(tmp_path) == [by_hand, downloaded]

    assert remove_model(NAME, dest=tmp_path) == [downloaded]
    assert installed_models(tmp_path) == [by_hand]
    with pytest.raises(ModelNotFoundError, match=f"no model named {NAME} in .*installed: vosk-model-by-hand"):
        remove_model(NAME, dest=tmp_path)
    assert remove_model("other", dest=tmp_path)  # its partial download and staging folder
    assert [path.name for path in tmp_path.glob(".other*")] == [".other-model~0123456789ab.zip.part"]


def test_missing_models_directory_lists_nothing(tmp_path: Path) -> None:
    assert installed_models(tmp_path / "absent") == []


# --- the command line ---------------------------------------------------------------------


def voice_skill(*args: str, models: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, MODELS_DIR_ENV: str(models)}
    env.pop("VOSK_MODEL_PATH", None)
    return subprocess.run(
        [sys.executable, "-m", "voice_skill", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_command_line_download_list_remove(site: Site, tmp_path: Path) -> None:
    models = tmp_path / "models"
    url, digest = site.serve(model_zip())

    done = voice_skill("model", "download", "--url", url, "--sha256", digest, models=models)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Installed {NAME} in {models / NAME}"
    assert f"Downloading {NAME}: 100%" in done.stderr

    again = voice_skill("model", "download", NAME, "--url", url, "--sha256", digest, models=models)
    assert (again.returncode, again.stdout.strip()) == (0, f"{NAME} is already installed in {models / NAME}")

    listed = voice_skill("model", "list", models=models)
    assert listed.returncode == 0
    assert f"Models directory: {models}" in listed.stdout
    assert NAME in listed.stdout

    removed = voice_skill("model", "remove", NAME, models=models)
    assert (removed.returncode, removed.stdout.strip()) == (0, f"Removed {NAME} from {models}")
    empty = voice_skill("model", "list", models=models)
    assert "no models installed; get one with: voice-skill model download" in empty.stdout


def test_command_line_download_elsewhere_says_how_to_use_it(site: Site, tmp_path: Path) -> None:
    url, digest = site.serve(model_zip())
    done = voice_skill(
        "model",
        "download",
        NAME,
        "--url",
        url,
        "--sha256",
        digest,
        "--dest",
        str(tmp_path / "d"),
        models=tmp_path / "m",
    )
    assert done.returncode == 0, done.stderr
    assert f"--model {tmp_path / 'd' / NAME}" in done.stdout
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["model", "remove", NAME], 2, f"voice-skill: no model named {NAME} in "),
        (["model", "download", NAME, "--url", "{url}"], 1, f"voice-skill: --url needs --sha256 HEX for {NAME}"),
        (["model", "download", NAME, "--url", "{url}", "--sha256", "ab" * 32], 1, "voice-skill: checksum mismatch"),
        (["model", "download", NAME, "--url", "{url}", "--sha256", "xyz"], 1, "voice-skill: --sha256 must be"),
        (
            ["model", "download", "vosk-model-unheard-of"],
            1,
            "voice-skill: no pinned checksum for vosk-model-unheard-of",
        ),
    ],
)
def test_command_line_errors_are_one_line_with_an_exit_code(
    site: Site, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    url, _ = site.serve(model_zip())
    result = voice_skill(*(arg.format(url=url) for arg in args), models=tmp_path)
    assert result.returncode == code
    # Progress lines may come first; the error is one last line, never a traceback.
    lines = result.stderr.splitlines()
    assert lines[-1].startswith(message), result.stderr
    assert all(line.startswith("Downloading ") for line in lines[:-1]), result.stderr
    assert installed_models(tmp_path) == []

"""Faults and hostile input through the real command line (issue 13): one clear line, bounded memory,
nothing left behind. Each test names the fault it injects with tests/faults.py."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from faults import (
    MIB,
    escapes_reach_the_terminal,
    file_instead_of_dir,
    has_no_traceback,
    is_one_clear_line,
    leftovers,
    read_only_dir,
    restore_permissions,
    run,
    unreadable_dir,
    writers_finished,
)

from conftest import REPO
from speech_audio import speak_to_wav

QUESTION = "what is sciatica"
NO_SHA = "0" * 64
ESCAPES = "\x1b]0;owned\x07\x1b[31m"
"""Set the terminal's title, then turn the text red."""
NOT_UTF8 = os.fsdecode(b"question-\xff\xfe")
"""A file name no UTF-8 decoder accepts (Python keeps its bytes as surrogates)."""


@pytest.fixture(scope="module")
def question_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speak_to_wav(QUESTION, tmp_path_factory.mktemp("audio") / "question.wav")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[dict[str, str | None]]:
    """User folders under tmp_path; the variables that point there (restored to removable at the end)."""
    yield {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "VOICE_SKILL_CACHE_DIR": None,
        "VOICE_SKILL_MODELS_DIR": None,
    }
    restore_permissions(tmp_path)


def answered(outcome, intent: str = "sciatica") -> bool:
    """One JSON answer per line on stdout, the last of the expected intent."""
    lines = outcome.stdout.splitlines()
    return bool(lines) and json.loads(lines[-1])["intent"] == intent


# --- file names -------------------------------------------------------------------------------------------


def test_audio_files_whose_names_are_not_utf8_are_read(question_wav: Path, tmp_path: Path) -> None:
    odd = tmp_path / f"{NOT_UTF8}.wav"
    shutil.copy(question_wav, odd)
    asked = run("ask", "--json", "--audio", str(odd))
    assert asked.returncode == 0, asked.stderr
    assert answered(asked)
    listened = run("listen", "--from-file", str(odd), "--speed", "50", "--mute")
    assert listened.returncode == 0, listened.stderr
    assert f"You: {QUESTION}" in listened.stdout
    assert has_no_traceback(asked) and has_no_traceback(listened)
    # The name is shown with its undecodable bytes escaped, never as mojibake or a traceback.
    assert "question-\\xff\\xfe.wav" in listened.stdout


def test_transcript_and_topic_folders_whose_names_are_not_utf8_work(tmp_path: Path) -> None:
    transcripts = tmp_path / f"{NOT_UTF8}.txt"
    transcripts.write_text("what is the weather tomorrow\n")
    evaluated = run("eval", str(transcripts))
    assert evaluated.returncode == 0, evaluated.stderr
    assert "1 of 1 sentences right" in evaluated.stdout
    intents = tmp_path / NOT_UTF8
    shutil.copytree(REPO / "intents", intents)
    asked = run("--intents", str(intents), "ask", "--json", QUESTION)
    assert asked.returncode == 0, asked.stderr
    assert answered(asked)


@pytest.mark.parametrize(
    "command",
    [
        ["ask", "--audio", "{8khz}"],
        ["ask", "--audio", "{missing}"],
        ["listen", "--from-file", "{8khz}", "--speed", "50", "--mute"],
        ["eval", "{8khz}"],
        ["--intents", "{missing}", "ask", QUESTION],
    ],
    ids=["ask-8khz-warning", "ask-missing", "listen-listening-to", "eval", "intents"],
)
def test_terminal_escapes_in_file_names_are_printed_escaped(
    command: list[str], question_wav: Path, tmp_path: Path
) -> None:
    hostile = tmp_path / f"q{ESCAPES}.wav"
    speak_to_wav(QUESTION, hostile, rate=8000)
    names = {"8khz": str(hostile), "missing": str(tmp_path / f"gone{ESCAPES}.wav")}
    outcome = run(*(part.format(**names) for part in command))
    shown = outcome.stdout + outcome.stderr
    assert not escapes_reach_the_terminal(shown), shown
    assert "\\x1b]0;owned\\x07\\x1b[31m" in shown, shown
    assert has_no_traceback(outcome)


# --- user folders -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["cache-is-a-file", "cache-read-only", "skill-cache-read-only"])
def test_a_spoken_question_is_answered_when_the_cache_cannot_be_written(
    fault: str, question_wav: Path, tmp_path: Path, home: dict[str, str | None]
) -> None:
    if fault == "cache-is-a-file":
        home["XDG_CACHE_HOME"] = str(file_instead_of_dir(tmp_path / "cache-file"))
    elif fault == "cache-read-only":
        home["XDG_CACHE_HOME"] = str(read_only_dir(tmp_path / "read-only-cache"))
    else:
        home["VOICE_SKILL_CACHE_DIR"] = str(read_only_dir(tmp_path / "read-only-cache" / "voice-skill"))
    outcome = run("ask", "--json", "--audio", str(question_wav), env=home)
    assert outcome.returncode == 0, outcome.stderr
    assert answered(outcome)
    assert has_no_traceback(outcome), outcome.stderr
    said = [line for line in outcome.stderr_lines if "cache" in line]
    assert len(said) == 1, outcome.stderr  # said once, not once per cached thing
    assert said[0].startswith("voice-skill: ")


@pytest.mark.parametrize(
    "config",
    ['{"rate": 1e400}', '{"volume": 1e400}', "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000],
    ids=["huge-rate", "huge-volume", "deep-list", "deep-object"],
)
@pytest.mark.parametrize("command", [["ask", QUESTION], ["config"]], ids=["ask", "config"])
def test_a_hostile_config_file_is_the_usual_one_line_warning(
    config: str, command: list[str], tmp_path: Path, home: dict[str, str | None]
) -> None:
    path = tmp_path / "config" / "voice-skill" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(config)
    outcome = run(*command, env=home)
    assert outcome.returncode == 0, outcome.stderr
    assert is_one_clear_line(outcome), outcome.stderr
    assert outcome.stderr.startswith(f"voice-skill: {path}: ")
    assert outcome.stderr.rstrip().endswith("fix it or delete it; using the default settings meanwhile")


@pytest.mark.parametrize("fault", ["read-only", "unreadable", "proc", "data-is-a-file"])
def test_model_download_into_an_unusable_models_folder_is_one_line(
    fault: str, tmp_path: Path, home: dict[str, str | None]
) -> None:
    destination: list[str] = []
    if fault == "read-only":
        home["VOICE_SKILL_MODELS_DIR"] = str(read_only_dir(tmp_path / "models"))
    elif fault == "unreadable":
        home["VOICE_SKILL_MODELS_DIR"] = str(unreadable_dir(tmp_path / "models"))
    elif fault == "proc":
        destination = ["--dest", "/proc"]
    else:
        home["XDG_DATA_HOME"] = str(file_instead_of_dir(tmp_path / "data-file"))
    # A file:// address that does not exist: nothing can reach the network, whatever the outcome.
    outcome = run(
        "model", "download", "vosk-model-small-en-us-0.15", "--url", (tmp_path / "none.zip").as_uri(),
        "--sha256", NO_SHA, *destination, env=home,
    )  # fmt: skip
    assert outcome.returncode != 0
    assert is_one_clear_line(outcome), outcome.stderr
    assert "models folder" in outcome.stderr or "models directory" in outcome.stderr, outcome.stderr


def test_an_unreadable_models_folder_falls_back_to_the_bundled_engine(
    question_wav: Path, tmp_path: Path, home: dict[str, str | None]
) -> None:
    home["VOICE_SKILL_MODELS_DIR"] = str(unreadable_dir(tmp_path / "models"))
    engines = run("engines", env=home)
    assert "* pocketsphinx" in engines.stdout
    outcome = run("ask", "--json", "--audio", str(question_wav), env=home)
    assert outcome.returncode == 0, outcome.stderr
    assert answered(outcome)
    assert json.loads(outcome.stdout)["engine"] == "pocketsphinx"
    notices = [line for line in outcome.stderr_lines if str(tmp_path / "models") in line]
    assert len(notices) == 1 and "pocketsphinx" in notices[0], outcome.stderr


# --- standard streams -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "stdin"),
    [(["ask", QUESTION], b""), (["ask", "--json", QUESTION], b""), (["chat"], f"{QUESTION}\n"), (["topics"], b"")],
    ids=["ask", "ask-json", "chat", "topics"],
)
def test_output_to_a_full_disk_is_one_line_and_a_failure(command: list[str], stdin: bytes | str) -> None:
    outcome = run(*command, stdin=stdin, stdout="full")
    assert outcome.returncode != 0
    assert is_one_clear_line(outcome), outcome.stderr
    assert "No space left on device" in outcome.stderr


@pytest.mark.parametrize(
    ("command", "stdin", "stdout"),
    [(["ask", QUESTION], b"", "closed"), (["topics"], b"", "closed"), (["chat"], "closed", "pipe"),
     (["chat"], f"{QUESTION}\n", "closed")],
    ids=["ask-stdout", "topics-stdout", "chat-stdin", "chat-stdout"],
)  # fmt: skip
def test_closed_standard_streams_are_one_line_and_a_failure(command: list[str], stdin: object, stdout: str) -> None:
    outcome = run(*command, stdin=stdin, stdout=stdout)
    assert outcome.returncode != 0
    assert is_one_clear_line(outcome), outcome.stderr
    assert "closed" in outcome.stderr


def test_chat_json_text_is_the_line_as_typed_without_its_ending() -> None:
    outcome = run("chat", "--json", stdin=f"{QUESTION}\n  {QUESTION}  \r\n{QUESTION}")
    assert [json.loads(line)["text"] for line in outcome.stdout.splitlines()] == [
        QUESTION,
        f"  {QUESTION}  ",
        QUESTION,
    ]


# --- unbounded input --------------------------------------------------------------------------------------


def test_an_endless_typed_line_is_refused_and_the_session_goes_on(tmp_path: Path) -> None:
    normal = run("chat", stdin=f"{QUESTION}\n", memory_limit=512 * MIB)
    endless = tmp_path / "endless.txt"
    with endless.open("wb") as out:
        out.write(b"x" * (50 * MIB) + b"\n" + QUESTION.encode() + b"\n")
    outcome = run("chat", "--json", stdin=endless, memory_limit=512 * MIB)
    assert outcome.returncode == 1, outcome.stderr  # as for a line that is not text: a script learns one was skipped
    assert answered(outcome)
    assert len(outcome.stdout.splitlines()) == 1  # the long line got a notice, not an answer
    assert is_one_clear_line(outcome) and "line 1" in outcome.stderr, outcome.stderr
    assert outcome.peak_rss < normal.peak_rss + 32 * MIB


def test_a_line_of_exactly_the_bound_is_still_cut_and_answered() -> None:
    outcome = run("chat", "--json", stdin=b"hip " * (MIB // 4) + b"\n" + QUESTION.encode() + b"\n")
    assert outcome.returncode == 0, outcome.stderr
    assert len(outcome.stdout.splitlines()) == 2 and answered(outcome)
    assert "only the first 1000 were used" in outcome.stderr


def test_a_line_that_never_ends_keeps_memory_flat() -> None:
    normal = run("chat", stdin=f"{QUESTION}\n", memory_limit=512 * MIB)
    with open("/dev/zero", "rb") as zeros:
        outcome = run("chat", stdin=zeros, timeout=6, memory_limit=512 * MIB)
    assert outcome.timed_out  # still reading (and dropping) the endless line
    assert outcome.peak_rss < normal.peak_rss + 32 * MIB
    assert "line 1" in outcome.stderr and has_no_traceback(outcome)


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom", "fifo", "folder"])
def test_eval_refuses_what_is_not_a_regular_file(source: str, tmp_path: Path) -> None:
    if source == "fifo":
        source = str(tmp_path / "transcripts.yaml")
        os.mkfifo(source)
    elif source == "folder":
        source = str(tmp_path)
    outcome = run("eval", source, timeout=30, memory_limit=1024 * MIB)
    assert not outcome.timed_out
    assert outcome.returncode != 0
    assert is_one_clear_line(outcome), outcome.stderr
    assert "not a regular file" in outcome.stderr


def test_a_template_that_expands_to_too_many_sentences_is_a_clear_error(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents)
    topic = intents / "sciatica.yaml"
    lines = topic.read_text().splitlines(keepends=True)
    at = next(number for number, line in enumerate(lines) if line.startswith("sentences:")) + 1
    lines.insert(at, '  - "' + " ".join(["(a|b|c|d|e|f|g|h|i|j)"] * 8) + ' sciatica"\n')
    topic.write_text("".join(lines))
    outcome = run("--intents", str(intents), "ask", QUESTION, timeout=60, memory_limit=1024 * MIB)
    assert not outcome.timed_out
    assert outcome.returncode != 0
    assert is_one_clear_line(outcome), outcome.stderr
    assert f"{topic}, line {at + 1}: " in outcome.stderr
    assert "too many sentences" in outcome.stderr


def wav_header(seconds: float, rate: int = 8000) -> bytes:
    """A 16-bit mono WAV header promising `seconds` of audio."""
    size = int(seconds * rate) * 2
    return (
        b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data" + struct.pack("<I", size)
    )  # fmt: skip


def long_recording(path: Path, seconds: float, question_wav: Path) -> Path:
    """The question, then silence up to `seconds`: a sparse file, so ten hours cost no disk space."""
    speech, _ = soundfile.read(question_wav, dtype="int16")
    speech = speech[::2]  # 16 kHz to 8 kHz is enough to be heard as audio
    with path.open("wb") as out:
        out.write(wav_header(seconds))
        out.write(speech.tobytes())
        out.truncate(len(wav_header(seconds)) + int(seconds * 8000) * 2)
    return path


def test_a_ten_hour_recording_is_refused_up_front(question_wav: Path, tmp_path: Path) -> None:
    recording = long_recording(tmp_path / "ten-hours.wav", 10 * 3600, question_wav)
    assert soundfile.info(str(recording)).duration == 10 * 3600
    outcome = run("ask", "--audio", str(recording), timeout=60)
    assert not outcome.timed_out
    assert outcome.returncode != 0
    errors = [line for line in outcome.stderr_lines if "ten-hours.wav" in line]
    assert len(errors) == 1 and "too long" in errors[0], outcome.stderr
    assert has_no_traceback(outcome)


# --- speech output options --------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "message"), [("{dir}", "is a directory"), ("", "needs a file name")])
def test_say_to_a_folder_or_nothing_is_refused(target: str, message: str, tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    outcome = run("ask", QUESTION, "--say-to", target.format(dir=folder), cwd=tmp_path)
    assert outcome.returncode != 0
    assert message in outcome.stderr and len(outcome.stderr_lines) == 1, outcome.stderr
    assert list(tmp_path.rglob("*.wav")) == []


def test_an_unknown_voice_is_refused_and_never_remembered(tmp_path: Path, home: dict[str, str | None]) -> None:
    asked = run("ask", QUESTION, "--voice", "no-such-voice", "--say-to", str(tmp_path / "x.wav"), env=home)
    assert asked.returncode != 0 and "no-such-voice" in asked.stderr
    configured = run("config", "--voice", "bogus", env=home)
    assert configured.returncode != 0
    assert is_one_clear_line(configured) and "bogus" in configured.stderr, configured.stderr
    shown = run("config", env=home)
    assert "voice:  (engine default)" in shown.stdout
    spoken = run("ask", QUESTION, "--say-to", str(tmp_path / "y.wav"), env=home)
    assert spoken.returncode == 0, spoken.stderr
    assert (tmp_path / "y.wav").stat().st_size > 10_000


# --- audio content ----------------------------------------------------------------------------------------


def test_a_float_wav_holding_nan_is_at_most_one_line(question_wav: Path, tmp_path: Path) -> None:
    audio, rate = soundfile.read(question_wav, dtype="float32")
    audio[len(audio) // 3 : len(audio) // 3 + 50] = np.nan
    nan_wav = tmp_path / "nan.wav"
    soundfile.write(nan_wav, audio, rate, subtype="FLOAT")
    outcome = run("ask", "--json", "--audio", str(nan_wav))
    assert has_no_traceback(outcome), outcome.stderr
    engine_notice = [line for line in outcome.stderr_lines if line.startswith("voice-skill: using ")]
    assert len(outcome.stderr_lines) - len(engine_notice) <= 1, outcome.stderr


def test_a_broken_vosk_model_is_only_our_one_line(question_wav: Path, tmp_path: Path) -> None:
    model = tmp_path / "broken-model"
    (model / "am").mkdir(parents=True)
    (model / "am" / "final.mdl").write_bytes(b"not a model")
    outcome = run("ask", "--audio", str(question_wav), "--model", str(model))
    assert outcome.returncode != 0
    assert is_one_clear_line(outcome), outcome.stderr
    assert "cannot be loaded" in outcome.stderr


# --- nothing left behind ----------------------------------------------------------------------------------


def test_a_failed_download_leaves_no_lock_file(tmp_path: Path) -> None:
    models = tmp_path / "models"
    for _ in range(2):
        outcome = run(
            "model", "download", "vosk-model-small-en-us-0.15", "--url", (tmp_path / "none.zip").as_uri(),
            "--sha256", NO_SHA, "--dest", str(models),
        )  # fmt: skip
        assert outcome.returncode != 0 and is_one_clear_line(outcome), outcome.stderr
    assert leftovers(models, ".*") == []


def test_a_download_killed_while_installing_is_cleaned_up_by_the_next_run(tmp_path: Path) -> None:
    from test_models_download import NAME, model_zip

    archive = tmp_path / f"{NAME}.zip"
    archive.write_bytes(model_zip())
    import hashlib

    command = ["model", "download", NAME, "--url", archive.as_uri(), "--sha256",
               hashlib.sha256(archive.read_bytes()).hexdigest(), "--dest", str(tmp_path / "models")]  # fmt: skip
    killed = run(*command, kill=(signal.SIGKILL, ".unpacking"))
    assert killed.returncode == -signal.SIGKILL
    assert leftovers(tmp_path / "models", f".{NAME}~*")  # the fault struck: the kill left its files
    again = run(*command)
    assert again.returncode == 0, again.stderr
    assert leftovers(tmp_path / "models", ".*") == []


CACHE_WRITES = pytest.mark.parametrize(
    ("moved", "leftover"),
    [("topics-", "topics-*.tmp"), ("matcher-", "matcher-*.tmp"), (".building-", ".building-*")],
    ids=["topic-cache", "matcher-cache", "language-model"],
)
"""The three things a first spoken question writes to the cache: what is moved into place, what a kill leaves."""


@CACHE_WRITES
def test_terminated_while_writing_the_cache_leaves_nothing_behind(
    moved: str, leftover: str, question_wav: Path
) -> None:
    cache = Path(os.environ["VOICE_SKILL_CACHE_DIR"])
    outcome = run("ask", "--audio", str(question_wav), kill=(signal.SIGTERM, moved))
    assert outcome.returncode == 128 + signal.SIGTERM  # ended by the command itself, not killed by the signal
    assert has_no_traceback(outcome), outcome.stderr
    assert leftovers(cache, leftover) == []


@CACHE_WRITES
def test_leftovers_of_a_killed_run_are_cleaned_by_the_next_run(moved: str, leftover: str, question_wav: Path) -> None:
    cache = Path(os.environ["VOICE_SKILL_CACHE_DIR"])
    killed = run("ask", "--audio", str(question_wav), kill=(signal.SIGKILL, moved))
    assert killed.returncode == -signal.SIGKILL
    assert leftovers(cache, leftover)  # the fault struck: the kill left its temporary behind
    again = run("ask", "--json", "--audio", str(question_wav))
    assert again.returncode == 0, again.stderr
    assert answered(again)
    writers_finished(cache)
    assert leftovers(cache, "*.tmp", ".building-*") == []

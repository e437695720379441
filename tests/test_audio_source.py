"""Audio files of every common format become 16-bit mono PCM at the engine's rate; bad files get one clear line."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from voice_skill.audio.source import LONGEST_QUESTION, FileAudioSource
from voice_skill.errors import AudioFileError

from speech_audio import silence, sox, synthesise


def tone(path: Path, *output_options: str, seconds: float = 1.0, frequency: int = 440, channels: int = 1) -> Path:
    """A sine tone in the given file format (sox output options such as rate, bits, encoding)."""
    subprocess.run(
        ["sox", "-n", "-c", str(channels), *output_options, str(path), "synth", str(seconds), "sine", str(frequency)],
        check=True,
    )
    return path


def peak(path: Path) -> float:
    """The file's own peak level, in 16-bit units."""
    import soundfile

    return float(np.abs(soundfile.read(path, dtype="float32")[0]).max()) * 32767


def read_pcm(path: Path, rate: int = 16000) -> np.ndarray:
    return np.frombuffer(b"".join(FileAudioSource(path, sample_rate=rate)), dtype="<i2")


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("8k.wav", ("-r", "8000", "-b", "16")),
        ("16k.wav", ("-r", "16000", "-b", "16")),
        ("22k-32bit.wav", ("-r", "22050", "-b", "32")),
        ("44k-24bit.wav", ("-r", "44100", "-b", "24")),
        ("48k-float.wav", ("-r", "48000", "-e", "floating-point", "-b", "32")),
        ("44k.flac", ("-r", "44100", "-b", "16")),
        (
            "32k.ogg",
            (
                "-r",
                "32000",
            ),
        ),
    ],
)
def test_common_formats_become_pcm_at_the_engine_rate(tmp_path: Path, name: str, options: tuple[str, ...]) -> None:
    path = tone(tmp_path / name, *options, seconds=1.0, frequency=440)
    samples = read_pcm(path)

    assert len(samples) == pytest.approx(16000, abs=160)
    assert dominant_frequency(samples, 16000) == pytest.approx(440, abs=2)
    assert np.abs(samples).max() == pytest.approx(peak(path), rel=0.05)


def test_stereo_is_mixed_to_mono(tmp_path: Path) -> None:
    left_only = sox(
        tone(tmp_path / "stereo.wav", "-r", "44100", channels=2), tmp_path / "left.wav", effects=("remix", "1", "0")
    )
    samples = read_pcm(left_only)

    assert dominant_frequency(samples, 16000) == pytest.approx(440, abs=2)
    assert np.abs(samples).max() == pytest.approx(0.5 * peak(left_only), rel=0.05)


def test_other_engine_rates(tmp_path: Path) -> None:
    samples = read_pcm(tone(tmp_path / "44k.wav", "-r", "44100", seconds=2.0), rate=8000)

    assert len(samples) == pytest.approx(16000, abs=80)
    assert dominant_frequency(samples, 8000) == pytest.approx(440, abs=2)


def test_long_files_are_streamed_in_small_blocks(tmp_path: Path) -> None:
    path = tone(tmp_path / "long.wav", "-r", "48000", seconds=30.0)
    blocks = list(FileAudioSource(path, sample_rate=16000, block_seconds=0.1))

    # 0.1 s blocks (the resampler holds back a few ms at the start and gives them back at the end; its output comes in uneven chunks).
    assert len(blocks) == pytest.approx(300, abs=2)
    assert all(len(block) <= 2 * 3200 for block in blocks)
    assert sum(map(len, blocks)) == pytest.approx(30 * 32000, abs=640)


def test_real_time_pacing_with_a_speed_factor(tmp_path: Path) -> None:
    path = tone(tmp_path / "two-seconds.wav", "-r", "16000", seconds=2.0)

    started = time.monotonic()
    list(FileAudioSource(path, speed=4.0))
    paced = time.monotonic() - started
    started = time.monotonic()
    list(FileAudioSource(path))
    unpaced = time.monotonic() - started

    assert 0.45 <= paced < 1.5
    assert unpaced < 0.3


def test_room_tone_is_not_an_error(tmp_path: Path) -> None:
    # Quiet noise holds no question but is a real recording: the skill answers that it heard none.
    path = synthesise(tmp_path / "room.wav", 1.0, "synth", "1", "brownnoise", "vol", "0.01")

    assert len(read_pcm(path)) == pytest.approx(16000, abs=160)


def bad_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.wav"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "zero-length":
        silence(path, 0)
    elif kind == "truncated":
        good = tone(tmp_path / "good.wav", "-r", "16000", "-b", "16", seconds=2.0)
        path.write_bytes(good.read_bytes()[:20000])
    elif kind == "header-only":
        good = tone(tmp_path / "good.wav", "-r", "16000", "-b", "16", seconds=2.0)
        path.write_bytes(good.read_bytes()[:44])
    elif kind == "truncated-flac":
        path = tone(tmp_path / "good.flac", "-r", "16000", seconds=2.0)
        path.write_bytes(path.read_bytes()[:5000])
    elif kind == "corrupt":
        path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    elif kind == "text":
        path.write_text("what causes hip pain\n", encoding="utf-8")
    elif kind == "silent":
        silence(path, 2.0)
    elif kind == "directory":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("empty", "is empty"),
        ("zero-length", "holds no audio"),
        ("truncated", "is truncated"),
        ("header-only", "is truncated"),
        ("truncated-flac", "truncated or corrupt"),
        ("corrupt", "not a readable audio file"),
        ("text", "not a readable audio file"),
        ("silent", "digital silence"),
        ("directory", "is not a file"),
    ],
)
def test_bad_files_get_one_clear_line(tmp_path: Path, kind: str, says: str) -> None:
    path = bad_file(tmp_path, kind)

    with pytest.raises(AudioFileError) as raised:
        list(FileAudioSource(path))

    message = str(raised.value)
    assert str(path) in message
    assert says in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="does not exist"):
        list(FileAudioSource(tmp_path / "nowhere.wav"))


def sparse_wav(path: Path, seconds: float, rate: int = 8000) -> Path:
    """A 16-bit mono WAV of `seconds`: a tone, then zeros the file system does not store."""
    import struct

    size = int(seconds * rate) * 2
    header = (
        b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    )
    with path.open("wb") as out:
        out.write(header + b"data" + struct.pack("<I", size))
        out.write((np.sin(np.arange(rate) / 3) * 8000).astype("<i2").tobytes())
        out.truncate(44 + size)
    return path


def test_a_question_may_last_ten_minutes_but_not_ten_hours(tmp_path: Path) -> None:
    ten_minutes = FileAudioSource(sparse_wav(tmp_path / "ten-minutes.wav", 600), longest=LONGEST_QUESTION)
    assert len(next(iter(ten_minutes))) > 0
    ten_hours = FileAudioSource(sparse_wav(tmp_path / "ten-hours.wav", 36_000), longest=LONGEST_QUESTION)
    started = time.monotonic()
    with pytest.raises(AudioFileError, match="lasts 10.0 hours, too long for a question"):
        next(iter(ten_hours))
    assert time.monotonic() - started < 1.0  # from the header, without reading the audio
    assert len(next(iter(FileAudioSource(tmp_path / "ten-hours.wav")))) > 0  # a conversation may be that long

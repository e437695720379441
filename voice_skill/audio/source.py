"""Audio files as a source of the recogniser's 16-bit mono PCM (the microphone is `audio.microphone`).

A source is any iterable of PCM blocks at the recogniser's rate; the recognisers and the conversation
ask nothing more of it."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AudioFileError

if TYPE_CHECKING:
    import numpy as np

LONGEST_QUESTION = 30 * 60
"""Seconds: a recording longer than this is no question. `ask --audio` refuses it from its header, before
reading any of it (a conversation, `listen --from-file`, may be as long as it likes)."""

SILENCE_PEAK = 10 ** (-60 / 20)
"""Peak level (full scale = 1.0) a file must exceed somewhere to count as holding sound: -60 dBFS."""

_DATA_SIZE_MISMATCH = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)

# Recorders that write to a pipe cannot seek back to fix the header, so they leave
# these data sizes in it: such a file is not truncated.
_STREAMED_DATA_SIZES = (0, 0x7FFFFFFF, 0xFFFFFFFF)


def low_rate_warning(name: str, input_rate: int, engine_rate: int) -> str | None:
    """The line that tells a user their audio is narrower than the engine was made for (telephone audio
    is 8 kHz: on spoken paraphrases it loses about a third of the answers), or None when it is not."""
    if input_rate >= engine_rate:
        return None
    return (
        f"{name} is recorded at {input_rate} Hz, below the {engine_rate} Hz the engine was made for; "
        "recognition may be poor, record at 16 kHz or more if you can"
    )


class PcmConverter:
    """Float frames of any rate and channel count in, 16-bit mono PCM at the target rate out, streaming."""

    def __init__(self, input_rate: int, output_rate: int) -> None:
        import soxr

        self.input_rate = input_rate
        self.output_rate = output_rate
        self._resampler = (
            soxr.ResampleStream(input_rate, output_rate, 1, dtype="float32", quality="HQ")
            if input_rate != output_rate
            else None
        )

    def convert(self, frames: np.ndarray, last: bool = False) -> bytes:
        """Convert frames (samples, or samples x channels, float in -1..1); last=True flushes the resampler."""
        import numpy as np

        # A float file may hold NaN or infinity (a broken editor or codec): silence and full scale, not a warning.
        frames = np.nan_to_num(frames, nan=0.0, posinf=1.0, neginf=-1.0)
        mono = frames.mean(axis=1, dtype=np.float32) if frames.ndim == 2 else frames.astype(np.float32, copy=False)
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono, last=last)
        return (np.clip(mono, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


@dataclass
class FileAudioSource:
    """Streams an audio file (WAV, FLAC, OGG, ...) as PCM blocks at the engine's rate, never loading it whole.

    Raises AudioFileError, naming the file and what to do, for a missing, empty, truncated, corrupt or
    non-audio file, and for one that is digitally silent (no sample above -60 dBFS): that is a wrong file or a
    muted recording, a user mistake. A file with sound but no speech (room tone, music, noise) is read normally,
    so that the skill can answer that no question was heard.
    """

    path: Path
    """The audio file."""

    sample_rate: int = 16000
    """Rate, in Hz, of the PCM yielded (the recogniser's rate)."""

    block_seconds: float = 0.1
    """Length of each block; 0.1 s keeps the latency of a live loop low."""

    speed: float | None = None
    """Real-time pacing: None yields blocks as fast as possible, 1.0 as fast as they would be spoken, 2.0 twice that."""

    longest: float | None = None
    """Seconds: a longer recording is refused as soon as its header is read; None accepts any length."""

    duration: float = field(init=False, default=0.0)
    """Length in seconds, known once the file is opened."""

    input_rate: int = field(init=False, default=0)
    """The file's own sample rate, known once the file is opened."""

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    def __iter__(self) -> Iterator[bytes]:
        import soundfile

        sound = self._open()
        with sound:
            self.duration = sound.frames / sound.samplerate
            self.input_rate = sound.samplerate
            converter = PcmConverter(sound.samplerate, self.sample_rate)
            block_frames = max(1, int(sound.samplerate * self.block_seconds))
            started = time.monotonic()
            frames_read = 0
            peak = 0.0
            while True:
                try:
                    frames = sound.read(block_frames, dtype="float32", always_2d=True)
                except (soundfile.LibsndfileError, RuntimeError) as error:
                    raise self._error(
                        f"is truncated or corrupt after {frames_read / sound.samplerate:.1f} s ({error}); "
                        "copy or record it again"
                    ) from None
                last = len(frames) < block_frames
                if len(frames):
                    peak = max(peak, float(abs(frames).max()))
                frames_read += len(frames)
                pcm = converter.convert(frames, last=last)
                if pcm:
                    if self.speed:
                        self._pace(started, frames_read / sound.samplerate, self.speed)
                    yield pcm
                if last:
                    break
        if frames_read == 0:
            raise self._error("holds no audio samples; record it again or choose another file")
        if peak <= SILENCE_PEAK:
            raise self._error(
                "is digital silence (no sound above -60 dBFS); check that the microphone was not muted "
                "and record it again"
            )

    def _open(self) -> Any:
        import soundfile

        if not self.path.exists():
            raise self._error("does not exist; check the path")
        if not self.path.is_file():
            raise self._error("is not a file; give the path of an audio file (WAV, FLAC or OGG)")
        if self.path.stat().st_size == 0:
            raise self._error("is empty (0 bytes); record it again or choose another file")
        try:
            # As bytes: libsndfile takes any file name the system does, also one that is not UTF-8.
            sound = soundfile.SoundFile(os.fsencode(self.path))
        except (soundfile.LibsndfileError, RuntimeError) as error:
            detail = str(error).rpartition(": ")[2].rstrip(".")
            raise self._error(f"is not a readable audio file ({detail}); use a WAV, FLAC or OGG file") from None
        declared = _DATA_SIZE_MISMATCH.search(sound.extra_info)
        if declared and int(declared.group(1)) not in _STREAMED_DATA_SIZES:
            expected, present = int(declared.group(1)), int(declared.group(2))
            if present < expected:
                held = sound.frames / sound.samplerate
                sound.close()
                raise self._error(
                    f"is truncated (its header promises {expected} bytes of audio, only {present} are there, "
                    f"{held:.1f} s); copy or record it again"
                )
        length = sound.frames / sound.samplerate
        if self.longest is not None and length > self.longest:
            sound.close()
            raise self._error(
                f"lasts {_duration(length)}, too long for a question (at most {_duration(self.longest)}); "
                "cut the question out, e.g. sox FILE question.wav trim START SECONDS"
            )
        return sound

    def _pace(self, started: float, audio_seconds: float, speed: float) -> None:
        # Sleep until this block would have finished arriving from a live microphone.
        delay = started + audio_seconds / speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _error(self, problem: str) -> AudioFileError:
        return AudioFileError(f"audio file {self.path} {problem}")


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"

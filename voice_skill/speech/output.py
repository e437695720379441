"""Playing speech on the sound card: one sentence at a time, stoppable at once (PortAudio via sounddevice)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import AudioDeviceError


class AudioOutput(Protocol):
    """Where speech is played: one sentence at a time, stoppable at once."""

    def play(self, pcm: bytes, sample_rate: int) -> None:
        """Start playing 16-bit mono PCM and return at once; replaces anything still playing."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playing ends (finished or stopped); False if still playing after timeout seconds."""

    def stop(self) -> None:
        """Cut playing off now (within a few milliseconds); wait() then returns."""

    def close(self) -> None:
        """Stop and release the audio device."""


class SoundDeviceOutput:
    """Plays PCM on the default (or given) output device through PortAudio; stop() aborts the stream."""

    def __init__(self, device: int | str | None = None) -> None:
        try:
            import sounddevice
        except ImportError as error:
            raise AudioDeviceError(
                f"speech is off: sounddevice is not installed ({error}); install it with: pip install sounddevice"
            ) from error
        except OSError as error:
            raise AudioDeviceError(
                f"speech is off: the PortAudio library is missing ({error}); "
                "install it with: sudo apt-get install libportaudio2, or use --say-to FILE.wav"
            ) from error
        try:
            info = sounddevice.query_devices(device, kind="output")
        except (sounddevice.PortAudioError, ValueError) as error:
            raise AudioDeviceError(
                f"speech is off: no audio output device found ({error}); "
                "connect speakers or headphones, or use --say-to FILE.wav to write the answer to a file"
            ) from error
        self._sounddevice = sounddevice
        self._device = device
        self._device_rate = int(info["default_samplerate"])
        self._lock = threading.Lock()
        self._stream: Any = None
        self._done = threading.Event()
        self._done.set()

    def play(self, pcm: bytes, sample_rate: int) -> None:
        self.stop()
        sounddevice = self._sounddevice
        buffer = memoryview(pcm)
        position = 0

        def fill(outdata: Any, frames: int, time: Any, status: Any) -> None:
            nonlocal position
            chunk = buffer[position : position + len(outdata)]
            outdata[: len(chunk)] = chunk
            outdata[len(chunk) :] = b"\0" * (len(outdata) - len(chunk))
            position += len(chunk)
            if position >= len(buffer):
                raise sounddevice.CallbackStop

        try:
            stream = self._open(sample_rate, fill)
        except sounddevice.PortAudioError:
            # Some devices only take their own rate: resample rather than fail.
            buffer = memoryview(_resample(pcm, sample_rate, self._device_rate))
            try:
                stream = self._open(self._device_rate, fill)
            except sounddevice.PortAudioError as error:
                raise AudioDeviceError(
                    f"speech is off: the audio output device cannot play ({error}); "
                    "choose another output device, or use --say-to FILE.wav"
                ) from error
        with self._lock:
            self._done.clear()
            self._stream = stream
            stream.start()

    def _open(self, sample_rate: int, callback: Callable[..., None]) -> Any:
        return self._sounddevice.RawOutputStream(
            samplerate=sample_rate,
            channels=1,
            dtype="int16",
            device=self._device,
            callback=callback,
            finished_callback=self._done.set,
        )

    def wait(self, timeout: float | None = None) -> bool:
        finished = self._done.wait(timeout)
        if finished:
            self._close_stream()
        return finished

    def stop(self) -> None:
        with self._lock:
            if self._stream is not None:
                self._stream.abort()
        self._close_stream()
        self._done.set()

    def close(self) -> None:
        self.stop()

    def _close_stream(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()


def _resample(pcm: bytes, source_rate: int, target_rate: int) -> bytes:
    import numpy
    import soxr

    samples = numpy.frombuffer(pcm, dtype=numpy.int16)
    return soxr.resample(samples, source_rate, target_rate).astype(numpy.int16).tobytes()

"""One `asr` request: audio chunks in any format, recognised while they arrive, a transcript after audio-stop.

The chunks go through a queue to a recognition thread that holds a recogniser from the pool for the stream's
length: the engine decodes as the audio arrives, so the transcript is ready soon after audio-stop.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Iterator

from wyoming.audio import AudioChunk, AudioChunkConverter, AudioFormat

from .engines import Engines
from .library import Transcript
from .recogniser_process import RecogniserProcess

RATES = range(4000, 192001)
"""Sample rates accepted, in Hz."""
WIDTHS = (1, 2, 4)
"""Sample widths accepted, in bytes (what the library's converter handles on every Python version)."""
CHANNELS = (1, 2)
"""Mono or stereo: the library's converter mixes only stereo down to mono."""
RECOGNISER_WIDTH = 2
"""Recognisers take 16-bit mono PCM."""


class BadAudio(Exception):
    """The client's audio cannot be used; the message says why."""


class StreamAborted(Exception):
    """The stream was given up: its recogniser is reset and goes back to the pool."""


_END = None


class AudioStream:
    """From audio-start to audio-stop: checks each chunk, bounds the total length, recognises on a thread."""

    def __init__(self, engines: Engines, max_seconds: float, stall_seconds: float) -> None:
        self.seconds = 0.0
        """Audio received so far."""
        self._max_seconds = max_seconds
        self._stall_seconds = stall_seconds
        self._engines = engines
        self._chunks: queue.SimpleQueue[AudioChunk | StreamAborted | None] = queue.SimpleQueue()
        self._recognised = asyncio.ensure_future(self._recognise())
        # An aborted stream's failure is expected and read by nobody.
        self._recognised.add_done_callback(lambda task: task.cancelled() or task.exception())

    def add(self, chunk: AudioChunk) -> None:
        """Queue one chunk; raises BadAudio for a format that cannot be converted or audio over the limit."""
        audio_format(chunk.rate, chunk.width, chunk.channels)
        if len(chunk.audio) % (chunk.width * chunk.channels):
            raise BadAudio(f"an audio chunk of {len(chunk.audio)} bytes is not whole {chunk.width}-byte samples")
        self.seconds += chunk.seconds
        if self.seconds > self._max_seconds:
            raise BadAudio(f"the audio is longer than {self._max_seconds:g} s; ask one question at a time")
        self._chunks.put(chunk)

    async def finish(self) -> Transcript:
        """The transcript of all the audio (after audio-stop)."""
        self._chunks.put(_END)
        return await self._recognised

    def abort(self, reason: str) -> None:
        """Give the stream up; the recognition thread resets its recogniser, which then goes back to the pool."""
        self._chunks.put(StreamAborted(reason))

    async def _recognise(self) -> Transcript:
        async with self._engines.recognisers.lease() as recogniser:
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(self._engines.recognition, self._recognise_on_thread, recogniser)
            except StreamAborted as aborted:
                # The recogniser was reset: it goes back to the pool, not away with the failure.
                failure = aborted
        raise failure

    def _recognise_on_thread(self, recogniser: RecogniserProcess) -> Transcript:
        converter = AudioChunkConverter(rate=recogniser.sample_rate, width=RECOGNISER_WIDTH, channels=1)
        try:
            for chunk in self._arriving():
                recogniser.accept(converter.convert(chunk).audio)
        except StreamAborted:
            recogniser.abort()
            raise
        return recogniser.finish()

    def _arriving(self) -> Iterator[AudioChunk]:
        while True:
            try:
                # The event loop gives up on a stalled client first; this only frees the thread if that failed.
                chunk = self._chunks.get(timeout=2 * self._stall_seconds)
            except queue.Empty:
                raise StreamAborted(f"no audio for {2 * self._stall_seconds:g} s") from None
            if chunk is _END:
                return
            if isinstance(chunk, StreamAborted):
                raise chunk
            yield chunk


def audio_format(rate: object, width: object, channels: object) -> AudioFormat:
    """The format, if the converter can turn it into the recogniser's; else BadAudio saying what is supported."""
    return AudioFormat(
        rate=_checked("rate", rate, RATES),
        width=_checked("width", width, WIDTHS),
        channels=_checked("channels", channels, CHANNELS),
    )


def _checked(name: str, value: object, allowed: range | tuple[int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise BadAudio(
            f"audio {name} {value!r} is not supported (rate 4000-192000 Hz, width 1, 2 or 4 bytes, mono or stereo)"
        )
    return value

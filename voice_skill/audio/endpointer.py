"""Where utterances begin and end in a stream: Silero VAD's speech probability with hysteresis.

Pocketsphinx's own Endpointer decides from energy and spectral shape; in steady white noise 10 dB below
the speech it never found the end of a question (four questions with 2 s gaps became one utterance, and a
one-word "stop" was lost). Silero VAD scores speech-likeness, not loudness, so a steady noise floor stays
"not speech": an utterance starts when a chunk's probability reaches START and ends after END_SILENCE
seconds below STOP. The gap between the two thresholds keeps a dip inside a word from ending it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .speech_detector import CHUNK_SAMPLES, DETECTOR_RATE, SpeechDetector

START = 0.5
"""A chunk at least this likely to be speech starts an utterance."""

STOP = 0.35
"""Chunks below this count towards the end of an utterance."""

END_SILENCE = 0.5
"""Seconds below STOP that end an utterance: longer than the pauses between words, short enough for a quick answer."""

PRE_ROLL = 0.25
"""Seconds of audio before the first speech chunk that still go to the recogniser: the onset of the first word."""


@dataclass(frozen=True)
class Segment:
    """What one block of audio held for the recogniser."""

    speech: bytes
    """PCM of the current utterance in this block (with its pre-roll when the utterance began here)."""

    ended: bool
    """The utterance ended in this block."""

    quiet: int = 0
    """Bytes at the end of the utterance so far (up to the end of this segment, possibly reaching back into earlier
    ones) that lie in the run of chunks below STOP: where the speech may have ended. END_SILENCE's worth when
    ended; 0 while the last chunk is speech."""


class Endpointer:
    """16-bit mono PCM at DETECTOR_RATE in; the parts that belong to utterances out, and where they end."""

    def __init__(self, detector: SpeechDetector | None = None) -> None:
        self.detector = detector or SpeechDetector(DETECTOR_RATE)
        self.sample_rate = DETECTOR_RATE
        self.in_speech = False
        self._chunk_bytes = CHUNK_SAMPLES * 2
        self._pending = b""
        self._before: deque[bytes] = deque(maxlen=max(1, round(PRE_ROLL * DETECTOR_RATE / CHUNK_SAMPLES)))
        self._quiet_chunks = 0
        self._end_chunks = round(END_SILENCE * DETECTOR_RATE / CHUNK_SAMPLES)

    def process(self, pcm: bytes) -> list[Segment]:
        """Feed a block; one Segment per stretch of utterance it held (usually none or one)."""
        self._pending += pcm
        whole = len(self._pending) - len(self._pending) % self._chunk_bytes
        audio, self._pending = self._pending[:whole], self._pending[whole:]
        probabilities = self.detector.accept(audio)
        segments: list[Segment] = []
        speech = bytearray()
        for index, probability in enumerate(probabilities):
            chunk = audio[index * self._chunk_bytes : (index + 1) * self._chunk_bytes]
            if not self.in_speech:
                if probability >= START:
                    self.in_speech = True
                    self._quiet_chunks = 0
                    speech += b"".join(self._before)
                    self._before.clear()
                    speech += chunk
                else:
                    self._before.append(chunk)
                continue
            speech += chunk
            self._quiet_chunks = self._quiet_chunks + 1 if probability < STOP else 0
            if self._quiet_chunks >= self._end_chunks:
                self.in_speech = False
                segments.append(Segment(bytes(speech), ended=True, quiet=self._quiet_chunks * self._chunk_bytes))
                speech = bytearray()
        if speech:
            segments.append(Segment(bytes(speech), ended=False, quiet=self._quiet_chunks * self._chunk_bytes))
        return segments

    def flush(self) -> bytes:
        """End of the stream: the rest of the utterance in progress (empty when none), and a fresh start."""
        rest = self._pending if self.in_speech else b""
        self.reset()
        return rest

    def reset(self) -> None:
        self.detector.reset()
        self.in_speech = False
        self._pending = b""
        self._before.clear()
        self._quiet_chunks = 0

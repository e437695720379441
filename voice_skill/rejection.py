"""Refusing what is not a question for the skill: the evidence of a transcript in, one verdict out.

A recogniser restricted to the skill's sentences hears the skill's words in everything, so the words
alone cannot say whether music played or someone talked about something else. The recogniser's result
carries the evidence (`Transcript.speech` from the voice activity detector, `Transcript.asr_confidence`
from the engine) and this policy, calibrated by benchmarks/audio_rejection.py, decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from .transcript import Transcript


class Verdict(str, Enum):
    """What to do with an utterance."""

    NO_SPEECH = "no_speech"
    """Music, noise, birdsong, room tone: nobody asked anything, so nothing is answered as a question."""

    OFF_TOPIC = "off_topic"
    """Speech, but the recogniser's words are too unsure to stand for a question about the topics."""

    QUESTION = "question"
    """Pass the transcript to the matcher (which has its own out-of-scope rules)."""


@dataclass(frozen=True)
class Thresholds:
    """Below these the evidence refuses an utterance; calibrated on the dev half of the real recordings."""

    speech: float = 0.9
    """Speech score (Silero VAD, best quarter second) below which audio is taken as holding no speech. Measured
    (benchmarks/audio_rejection.py): at least 0.99 in every real recording of speech and every spoken question,
    at most 0.79 in music, birdsong, whale song, drums, room tone and sox noise; a refused question is ignored
    without a word, so the threshold sits just below speech."""

    asr_confidence: Mapping[str, float] = field(default_factory=dict)
    """Per engine, the recogniser's confidence below which speech is taken as off-topic. Engines measure
    confidence differently (pocketsphinx: mean word posterior; Vosk: per-word conf), so each needs its own
    calibration. None is set: for pocketsphinx every threshold that refused an off-topic recording the
    matcher let through cost more than 2 points of spoken topic accuracy (0.25: 2.8 and 3.7 points on the
    topics' examples), and no Vosk model could be measured here."""


THRESHOLDS = Thresholds()
"""The calibrated defaults."""


def decide(transcript: Transcript, thresholds: Thresholds = THRESHOLDS) -> Verdict:
    """The verdict on one utterance. Typed text carries no evidence and is always a question."""
    if not transcript.text.strip():
        return Verdict.NO_SPEECH
    if transcript.speech is not None and transcript.speech < thresholds.speech:
        return Verdict.NO_SPEECH
    least = thresholds.asr_confidence.get(transcript.engine)
    if least is not None and transcript.asr_confidence is not None and transcript.asr_confidence < least:
        return Verdict.OFF_TOPIC
    return Verdict.QUESTION

"""Refusing what is not a question, in one place: the evidence of a transcript in, one verdict out; and a
recogniser that screens its own results with that verdict.

A recogniser restricted to the skill's sentences hears the skill's words in everything, so the words
alone cannot say whether music played or someone talked about something else. The same PCM therefore
also goes through a voice activity detector: each final transcript carries the speech score
(`Transcript.speech`) beside the engine's confidence (`Transcript.asr_confidence`), and the policy here,
calibrated by benchmarks/audio_rejection.py, decides. A transcript that holds no speech comes back empty,
so music or a television's jingle produces no question and a file of noise gets "no question heard".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from ..audio.speech_detector import SpeechDetector, SpeechScore
from .recogniser import Recogniser
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


def heard_speech(transcript: Transcript, thresholds: Thresholds = THRESHOLDS) -> bool:
    """True when an utterance may be a question: words, and speech evidence the policy accepts."""
    return decide(transcript, thresholds) is not Verdict.NO_SPEECH


class ScreenedRecogniser:
    """Wraps any recogniser; the interface (and name, description, rate) stays the engine's."""

    def __init__(
        self, recogniser: Recogniser, detector: SpeechDetector | None = None, thresholds: Thresholds = THRESHOLDS
    ) -> None:
        self.recogniser = recogniser
        self.name = recogniser.name
        self.description = recogniser.description
        self.sample_rate = recogniser.sample_rate
        self.detector = detector or SpeechDetector(recogniser.sample_rate)
        self.thresholds = thresholds
        """The policy this screen refuses with; listeners that judge its transcripts use the same."""
        self._score = SpeechScore()
        """The speech score of the audio since the engine's last final transcript: the current utterance."""

    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed PCM to the detector and the engine; screen the engine's final transcript."""
        for probability in self.detector.accept(pcm):
            self._score.add(probability)
        transcript = self.recogniser.accept(pcm)
        return None if transcript is None else self._screen(transcript)

    def partial(self) -> str:
        """The engine's words so far (not screened: they are only shown, never answered)."""
        return self.recogniser.partial()

    def finish(self) -> Transcript:
        """End of audio: the engine's last transcript, screened."""
        final = self._screen(self.recogniser.finish())
        self.detector.reset()
        return final

    def _screen(self, transcript: Transcript) -> Transcript:
        screened = replace(transcript, speech=round(self._score.value, 3))
        self._score.clear()
        if decide(screened, self.thresholds) is Verdict.NO_SPEECH:
            # An engine that adapts to the voice (pocketsphinx's cepstral mean) must not adapt to noise or music.
            forget = getattr(self.recogniser, "forget_utterance", None)
            if forget is not None:
                forget()
            return replace(screened, text="", asr_confidence=None)
        return screened


def screened(recogniser: Recogniser, thresholds: Thresholds = THRESHOLDS) -> ScreenedRecogniser:
    """The recogniser the skill listens with: `open_recogniser()`'s engine behind the speech screen."""
    return ScreenedRecogniser(recogniser, thresholds=thresholds)

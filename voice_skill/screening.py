"""A recogniser that screens its own results: the same PCM also goes through a voice activity detector,
each final transcript carries the speech score, and one that holds no speech comes back empty.

Wrapping keeps the engines and the listen loop unchanged: music or a television's jingle produces no
question, a file of noise gets an empty transcript ("no question heard"), and the evidence stays on the
transcript for `rejection.decide` and for `--json`.
"""

from __future__ import annotations

from dataclasses import replace

from .recogniser import Recogniser
from .rejection import THRESHOLDS, Thresholds, Verdict, decide
from .speech_detector import SpeechDetector, SpeechScore
from .transcript import Transcript


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
            return replace(screened, text="", asr_confidence=None)
        return screened


def screened(recogniser: Recogniser) -> Recogniser:
    """The recogniser the skill listens with: `open_recogniser()`'s engine behind the speech screen."""
    return ScreenedRecogniser(recogniser)

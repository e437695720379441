"""A stand-in for pocketsphinx under the second opinion: one utterance, heard as scripted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voice_skill.recognition.moonshine import SecondOpinionRecogniser
from voice_skill.recognition.transcript import Transcript


class ScriptedPrimary:
    """One utterance of `seconds` of silence (16 kHz), or of `audio` (16 kHz, 16-bit mono PCM), heard as `text` with
    `confidence`."""

    name = "pocketsphinx"
    sample_rate = 16000
    description = "pocketsphinx"
    quiet_so_far = 0
    last_quiet = 0

    def __init__(self, text: str, confidence: float, seconds: float = 1.0, audio: bytes | None = None) -> None:
        self.heard = Transcript(text, engine="pocketsphinx", asr_confidence=confidence)
        self.last_utterance = bytes(2 * round(self.sample_rate * seconds)) if audio is None else audio

    def accept(self, pcm: bytes) -> Transcript | None:
        return None

    def partial(self) -> str:
        return ""

    def finish(self) -> Transcript:
        return self.heard

    def utterance_so_far(self) -> tuple[bytes, int]:
        return b"", 0


def second_opinion(
    primary: ScriptedPrimary, meaning: Callable[[str], str | None], moonshine: Any, **options: Any
) -> Transcript:
    """The transcript a SecondOpinionRecogniser (with `options`) gives for the scripted utterance, `moonshine`
    standing in for Moonshine."""
    recogniser = SecondOpinionRecogniser(
        primary, lambda: primary.last_utterance, meaning, transcriber=moonshine, **options
    )
    return recogniser.finish()

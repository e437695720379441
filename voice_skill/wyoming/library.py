"""The parts of the voice_skill library the server uses, imported in one place: the skill's dialogue, recognisers
and voice, exactly as the command line uses them."""

from __future__ import annotations

from pathlib import Path

from ..intent import OUT_OF_SCOPE
from ..recognition.recogniser import Recogniser, available_engines, transcribe
from ..recognition.transcript import Transcript
from ..settings import SpeechSettings
from ..speech.synthesiser import Synthesiser, read_wav, split_sentences
from ..utterance import clean_utterance

__all__ = [
    "OUT_OF_SCOPE",
    "Recogniser",
    "Synthesiser",
    "Transcript",
    "available_engines",
    "clean_utterance",
    "split_sentences",
    "transcribe",
]


def new_synthesiser(settings: SpeechSettings) -> Synthesiser:
    """The skill's voice, started (a wrong voice name fails here, not on the first request)."""
    synthesiser = Synthesiser(settings)
    try:
        synthesiser.start()
    except BaseException:
        synthesiser.close()
        raise
    return synthesiser


def speak(synthesiser: Synthesiser, text: str) -> tuple[bytes, int]:
    """16-bit mono PCM of the text and its sample rate."""
    path: Path = synthesiser.synthesise(text)
    try:
        return read_wav(path)
    finally:
        path.unlink(missing_ok=True)

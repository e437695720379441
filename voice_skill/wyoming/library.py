"""The parts of the voice_skill library the server uses, imported in one place: the skill's dialogue, recognisers
and voice, exactly as the command line uses them."""

from __future__ import annotations

from pathlib import Path

from ..intent import OUT_OF_SCOPE
from ..recognition.recogniser import Recogniser, available_engines, open_recogniser, transcribe
from ..recognition.screening import screened
from ..recognition.transcript import Transcript
from ..settings import RecognitionSettings, SpeechSettings
from ..skill import Skill
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


def new_recogniser(skill: Skill, settings: RecognitionSettings) -> Recogniser:
    """The recogniser the skill listens with, as the command line builds it: restricted to the skill's
    sentences, with the second opinion judged by the skill, behind the speech screen (its rejection of
    audio that holds no speech)."""
    return screened(open_recogniser(skill.sentences, settings, skill.meaning, skill.domain_words, skill.paraphrases))


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

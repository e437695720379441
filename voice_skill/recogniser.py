"""The recogniser interface: 16-bit mono PCM in, partial and final transcripts out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import EngineUnavailableError
from .transcript import Transcript


class Recogniser(Protocol):
    """A speech recognition engine behind one small interface, so engines can be swapped."""

    name: str
    """Engine name as used by --engine ("vosk", "pocketsphinx")."""

    description: str
    """One line naming the engine and model in use, shown to the user."""

    sample_rate: int
    """The rate, in Hz, of the PCM that accept() expects."""

    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed a block of 16-bit little-endian mono PCM; return a final transcript when an utterance ends."""

    def partial(self) -> str:
        """The words heard so far in the current utterance."""

    def finish(self) -> Transcript:
        """End of audio: return the final transcript of what is pending and reset."""


ENGINES = ("vosk", "pocketsphinx")


@dataclass(frozen=True)
class EngineInfo:
    """What `voice-skill engines` shows about one engine."""

    name: str
    """As given to --engine."""

    available: bool
    """Whether it can be used on this machine now."""

    detail: str
    """The model that would be used, or why the engine cannot be used."""

    default: bool = False
    """Used when --engine is not given."""


def open_recogniser(engine: str | None = None, model: Path | None = None, open_vocabulary: bool = False) -> Recogniser:
    """The recogniser to use: the named engine, or Vosk when a model is found, else bundled pocketsphinx.

    open_vocabulary lifts the restriction to the skill's sentences (Vosk without grammar, pocketsphinx
    with its generic language model).
    """
    if engine is None:
        engine = "vosk" if _vosk_configured(model) else "pocketsphinx"
    if engine == "vosk":
        from .vosk_recogniser import VoskRecogniser

        return VoskRecogniser(model, open_vocabulary=open_vocabulary)
    if engine == "pocketsphinx":
        from .pocketsphinx_recogniser import PocketsphinxRecogniser

        try:
            return PocketsphinxRecogniser(kind="generic" if open_vocabulary else None)
        except ImportError as error:
            raise EngineUnavailableError(f"pocketsphinx cannot be loaded ({error}); reinstall voice-skill") from None
    raise EngineUnavailableError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")


def engine_notice(recogniser: Recogniser) -> str:
    """The first line of speech output: which engine and model are in use, and how to get the better one."""
    notice = f"voice-skill: using {recogniser.description}."
    if recogniser.name != "vosk":
        notice += " For better recognition install a Vosk model: voice-skill model download"
    return notice


def available_engines() -> list[EngineInfo]:
    """Each engine, whether it can be used here, with which model, and which one is the default."""
    import importlib.util

    from .errors import SkillError

    try:
        vosk_model = _vosk_model(strict=True)
        vosk_detail = f"model {vosk_model}"
    except SkillError as error:
        vosk_model, vosk_detail = None, str(error)
    if importlib.util.find_spec("vosk") is None:
        vosk_model, vosk_detail = None, "the vosk package is not installed; reinstall voice-skill"
    pocketsphinx_ok = importlib.util.find_spec("pocketsphinx") is not None
    return [
        EngineInfo("vosk", vosk_model is not None, vosk_detail, default=vosk_model is not None),
        EngineInfo(
            "pocketsphinx",
            pocketsphinx_ok,
            "bundled US English model, restricted to the skill's sentences"
            if pocketsphinx_ok
            else "the pocketsphinx package is not installed; reinstall voice-skill",
            default=vosk_model is None and pocketsphinx_ok,
        ),
    ]


def transcribe(recogniser: Recogniser, blocks: Iterable[bytes]) -> Transcript:
    """All the audio as one utterance: the final transcripts of its pauses joined, with their mean
    confidence and the highest speech score among them. If reading the audio fails, the recogniser is
    reset (its pending audio dropped) before the error goes on."""
    parts = []
    try:
        for block in blocks:
            transcript = recogniser.accept(block)
            if transcript is not None:
                parts.append(transcript)
    except BaseException:
        recogniser.finish()
        raise
    parts.append(recogniser.finish())
    heard = [part for part in parts if part.text]
    confidences = [part.asr_confidence for part in heard if part.asr_confidence is not None]
    speech = [part.speech for part in parts if part.speech is not None]
    return Transcript(
        " ".join(part.text for part in heard),
        engine=recogniser.name,
        asr_confidence=sum(confidences) / len(confidences) if confidences else None,
        speech=max(speech) if speech else None,
    )


def _vosk_model(strict: bool = False) -> Path | None:
    """The Vosk model open_recogniser would use; None when there is none (strict: raise why)."""
    from .errors import ModelNotFoundError
    from .vosk_recogniser import find_model

    try:
        return find_model()
    except ModelNotFoundError:
        if strict:
            raise
        return None


def _vosk_configured(model: Path | None) -> bool:
    """A model was named (so a wrong one is reported, not silently replaced) or one is installed."""
    import os

    from .model_store import installed_models
    from .vosk_recogniser import MODEL_ENV

    return model is not None or bool(os.environ.get(MODEL_ENV)) or bool(installed_models())

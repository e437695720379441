"""The recogniser interface: 16-bit mono PCM in, partial and final transcripts out."""

from __future__ import annotations

from typing import Protocol

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

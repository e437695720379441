"""What a recogniser heard: the text, and the evidence that it was a real question."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transcript:
    """One utterance as text, from a recogniser or typed by the user."""

    text: str
    """The words, lower case for recognisers; empty when nothing was heard."""

    engine: str = "text"
    """Which recogniser produced it ("vosk", "pocketsphinx"), or "text" when typed."""

    asr_confidence: float | None = None
    """0..1, how sure the recogniser is of these words; None when it cannot say."""

    speech: float | None = None
    """0..1, how likely the audio held speech at all; None for typed text."""

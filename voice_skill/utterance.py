"""An utterance as every front end hands it to the skill: printable, and no longer than a spoken question."""

from __future__ import annotations

MAX_UTTERANCE_CHARACTERS = 1000
"""Longer input is not a spoken question; cutting it keeps matching fast for everyone."""


def clean_utterance(text: str) -> str:
    """Control characters become spaces and an over-long input is cut to MAX_UTTERANCE_CHARACTERS."""
    return "".join(ch if ch.isprintable() else " " for ch in text[:MAX_UTTERANCE_CHARACTERS])

"""What the skill says back to one utterance, and its JSON form (a command-line contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .intent import Candidate
from .recognition.transcript import Transcript


@dataclass(frozen=True)
class Answer:
    """The skill's reply to one utterance."""

    text: str
    """What the user said, as typed or as recognised."""

    intent: str
    """Topic id, "<id>.<aspect>", "clarify" or "out_of_scope"."""

    confidence: float
    """0..1, how sure the skill is of the intent."""

    answer: str
    """What the skill says, ready to be printed or spoken."""

    alternatives: tuple[Candidate, ...] = ()
    """Other intents considered, best first; for "clarify", the topics offered."""

    ends_session: bool = False
    """True when the user asked to stop."""

    transcript: Transcript | None = None
    """The recogniser's transcript when the question was spoken."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object printed by --json."""
        data: dict[str, Any] = {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "answer": self.answer,
            "alternatives": [
                {"intent": candidate.intent, "confidence": round(candidate.confidence, 3)}
                for candidate in self.alternatives
            ],
        }
        if self.transcript is not None:
            data["transcript"] = self.transcript.text
            data["engine"] = self.transcript.engine
            data["speech"] = _rounded(self.transcript.speech)
            data["asr_confidence"] = _rounded(self.transcript.asr_confidence)
        return data


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)

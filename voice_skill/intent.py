"""What the matcher decides: intent ids, and a match with its alternatives."""

from __future__ import annotations

from dataclasses import dataclass

OUT_OF_SCOPE = "out_of_scope"
"""Anything the skill has no topic for."""

URGENT = "urgent_symptoms"
"""The warning-sign topic: checked before everything else."""

EMERGENCY = "emergency"
"""An emergency outside the domain (chest pain, a stroke, self-harm...): the local emergency number, at once."""

SEE_DOCTOR = "see_doctor"
"""When and which doctor to see; also the answer to questions only a doctor can answer."""

CLARIFY = "clarify"
"""The skill asks which of two topics was meant."""

FOLLOW_UP = "follow_up"
"""Topic part of "follow_up.<aspect>": an aspect of the last topic ("what should I do about it")."""


class IntentId(str):
    """An intent as reported in the JSON: "<topic>", "<topic>.<aspect>", "follow_up.<aspect>", "clarify" or
    "out_of_scope". A string (so it prints and compares as one) that knows its parts."""

    __slots__ = ()

    @classmethod
    def of(cls, topic: str, aspect: str = "") -> IntentId:
        """The id of a topic, or of one of its aspects."""
        return cls(f"{topic}.{aspect}" if aspect else topic)

    @property
    def topic(self) -> str:
        """The topic id ("sciatica" of "sciatica.treatment")."""
        return self.partition(".")[0]

    @property
    def aspect(self) -> str:
        """The aspect name ("treatment" of "sciatica.treatment"), empty for a whole topic."""
        return self.partition(".")[2]

    @property
    def is_warning_sign(self) -> bool:
        """A warning sign or an emergency: the answers that send the user to urgent care."""
        return self.topic in (URGENT, EMERGENCY)

    @property
    def is_follow_up(self) -> bool:
        """An aspect of whatever topic was talked about last."""
        return self.topic == FOLLOW_UP


@dataclass(frozen=True)
class Candidate:
    """A possible intent and how sure the matcher is of it."""

    intent: IntentId
    """The intent."""

    confidence: float
    """0..1."""


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one utterance."""

    intent: IntentId
    """A topic id, "<id>.<aspect>", "follow_up.<aspect>", "clarify" or "out_of_scope"."""

    confidence: float
    """0..1."""

    alternatives: tuple[Candidate, ...] = ()
    """The next best intents; for "clarify", the topics offered, best first."""

    reason: str = ""
    """Which rule decided, for evaluation and debugging."""

    sign: str = ""
    """What was found by meaning before any topic ("self_harm", "bladder_or_bowel", "not_english"...): the
    dialogue chooses its words by it."""

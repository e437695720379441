"""The loaded skill: its topics and a matcher built over them, made once and shared by sessions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .matcher import Matcher
from .topics import KnowledgeBase, load_knowledge


@dataclass(frozen=True)
class Skill:
    """Topics plus matcher."""

    knowledge: KnowledgeBase
    matcher: Matcher

    @classmethod
    def load(cls, intents_dir: Path | None = None) -> Skill:
        """Load the topics (the shipped ones by default) and index them."""
        knowledge = load_knowledge(intents_dir)
        return cls(knowledge=knowledge, matcher=Matcher(knowledge))

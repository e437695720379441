"""The loaded skill: its topics and a matcher built over them, made once and shared by sessions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from . import matcher as matcher_module
from .cache import load_json, save_json
from .matcher import Matcher, MatcherIndex
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
        matcher_code = hashlib.sha256(Path(matcher_module.__file__).read_bytes()).hexdigest()[:16]
        cache_name = f"matcher-{knowledge.digest}-{matcher_code}.json"
        cached = load_json(cache_name)
        index = None
        if cached is not None:
            try:
                index = MatcherIndex.from_json(cached)
            except (KeyError, TypeError):
                index = None
        if index is None:
            index = MatcherIndex.build(knowledge)
            save_json(cache_name, index.to_json())
        return cls(knowledge=knowledge, matcher=Matcher(knowledge, index=index))

"""The matcher's index, cached as JSON: read back, it is the index that was built, and a cache it cannot use is
rebuilt."""

from __future__ import annotations

import json

import pytest

from voice_skill.cache import cache_dir
from voice_skill.knowledge.loader import load_knowledge
from voice_skill.matching.index import MatcherIndex
from voice_skill.skill import Skill


@pytest.fixture(scope="module")
def built() -> MatcherIndex:
    return MatcherIndex.build(load_knowledge())


def test_the_index_read_back_is_the_index_built(built: MatcherIndex) -> None:
    read = MatcherIndex.from_json(json.loads(json.dumps(built.to_json())))
    assert read.to_json() == built.to_json()
    assert read.examples.words == built.examples.words and "hip" in read.examples.words
    assert read.follow_ups.words == built.follow_ups.words and "causes" in read.follow_ups.words


def test_an_index_cached_without_its_words_is_rebuilt(built: MatcherIndex) -> None:
    Skill.load()
    [cached] = cache_dir().glob("matcher-*.json")
    data = json.loads(cached.read_text())
    del data["examples"]["words"]
    cached.write_text(json.dumps(data))
    skill = Skill.load()
    assert skill.matcher.match("what causes hip pain").intent == "causes_overview"
    assert json.loads(cached.read_text())["examples"]["words"] == sorted(built.examples.words)

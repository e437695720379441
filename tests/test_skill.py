"""The loaded skill: what it hands the recognisers besides its sentences."""

from __future__ import annotations

import pytest

from voice_skill.skill import Skill


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


def test_warning_words_are_those_only_warning_signs_and_emergencies_use(skill: Skill) -> None:
    assert {"fell", "fever", "bladder", "suicidal", "unconscious"} <= skill.warning_words
    assert not {"hip", "pain", "what", "sitting", "bones", "sciatica", "doctor"} & skill.warning_words


def test_the_domain_words_are_single_words_of_the_domain(skill: Skill) -> None:
    assert {"hip", "buttock", "sciatica"} <= skill.domain_words
    assert not {"what", "weather", "music"} & skill.domain_words
    assert all(" " not in word for word in skill.domain_words)

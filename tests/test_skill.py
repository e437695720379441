"""The loaded skill: what it hands the recognisers besides its sentences."""

from __future__ import annotations

import pickle

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


def test_a_skill_in_use_goes_to_another_process_as_its_topics_and_answers_the_same(skill: Skill) -> None:
    # The Wyoming server sends the skill to each recogniser process while other clients are being answered with
    # it. What its matcher worked out for them (here the stem of a word no example uses) is not sent: pickling it
    # raced the threads filling it in.
    skill.matcher.match("my zebracorn hurts")
    pickled = pickle.dumps(skill)

    assert b"zebracorn" not in pickled
    copy = pickle.loads(pickled)
    for question in ("what causes hip pain", "i can't pee and my back hurts", "what is the weather"):
        assert copy.matcher.match(question).intent == skill.matcher.match(question).intent


def test_alarms_are_found_by_the_warning_sign_rules_alone(skill: Skill) -> None:
    assert skill.is_alarm("after i fall my hip hurts and i cannot walk")
    assert skill.is_alarm("i have crushing chest pain")
    assert not skill.is_alarm("after i foil my hip hurts and i cannot walk")
    assert not skill.is_alarm("how do i prevent falls with osteoporosis")

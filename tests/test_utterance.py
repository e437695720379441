"""clean_utterance: what every front end hands to the skill."""

from __future__ import annotations

from voice_skill.utterance import MAX_UTTERANCE_CHARACTERS, clean_utterance


def test_control_characters_become_spaces() -> None:
    assert clean_utterance("what is\tsciatica\x1b[31m\n") == "what is sciatica [31m "


def test_an_over_long_input_is_cut_to_what_a_question_could_be() -> None:
    assert clean_utterance("hip " * 1000) == ("hip " * 1000)[:MAX_UTTERANCE_CHARACTERS]


def test_a_question_stays_as_typed() -> None:
    assert clean_utterance("Why does my hip hurt? ¿Qué?") == "Why does my hip hurt? ¿Qué?"

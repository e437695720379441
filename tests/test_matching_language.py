"""Questions in other languages are told from English, including short and misheard English."""

from __future__ import annotations

import pytest

from voice_skill.matching.language import is_english


@pytest.mark.parametrize(
    "text",
    [
        "Was ist Osteoporose?",
        "wie behandelt man ischias",
        "was hilft gegen hüftschmerzen",
        "qu'est-ce que la sciatique",
        "Ich habe Schmerzen in der Hüfte",
        "¿Qué es la ciática?",
        "me duele la cadera",
        "j'ai mal à la hanche",
        "che cos'è la sciatica",
        "o que é osteoporose",
        "ik heb pijn in mijn heup",
        "我的髋部疼痛",
        "Что такое ишиас",
    ],
)
def test_questions_in_other_languages_are_not_english(text: str) -> None:
    assert not is_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "what is sciatica",
        "my bum hurts",
        "stop",
        "help",
        "no",
        "sigh attica",
        "osteo porosis",
        "her nation of the disc",
        "what is you before seeing broke",
        "sciaticaxxxxxxx",
        "i was diagnosed with a herniated disc",
        "my son is choking",
        "book a flight to los angeles from las vegas",
        "",
    ],
)
def test_english_however_short_misheard_or_odd_stays_english(text: str) -> None:
    assert is_english(text)

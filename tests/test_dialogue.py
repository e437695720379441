"""Conversations through `voice-skill chat --json`: follow-ups, clarification, repeat, help, stop."""

from __future__ import annotations

import json

import pytest

from voice_skill.dialogue import Session
from voice_skill.recognition.transcript import Transcript
from voice_skill.skill import Skill

from conftest import run_cli


def chat(*lines: str) -> list[dict]:
    result = run_cli("chat", "--json", input="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


def test_the_first_answer_carries_the_disclaimer_and_later_ones_do_not() -> None:
    first, second = chat("what causes hip pain", "what is sciatica")
    assert "not medical advice" in first["answer"] and "emergency" in first["answer"]
    assert "not medical advice" not in second["answer"]


def test_follow_ups_apply_to_the_last_topic() -> None:
    turns = chat("what is sciatica", "what should i do about it", "why", "tell me more")
    assert [t["intent"].split(".")[0] for t in turns] == ["sciatica"] * 4
    assert turns[1]["intent"] == "sciatica.treatment"
    assert "doctor" in turns[1]["answer"]
    assert len({t["answer"] for t in turns}) == 4


def test_what_medicine_helps_after_osteoporosis_names_options_a_doctor_gives() -> None:
    turns = chat("tell me about osteoporosis", "what medicine helps")
    assert turns[1]["intent"] == "osteoporosis.treatment"
    assert "zoledronic acid" in turns[1]["answer"].lower()


def test_repeat_says_the_last_answer_again() -> None:
    turns = chat("what is sciatica", "say that again")
    assert turns[1]["intent"] == "repeat"
    assert turns[1]["answer"] in turns[0]["answer"]


def test_repeat_before_anything_was_said() -> None:
    (turn,) = chat("repeat that")
    assert turn["intent"] == "repeat"
    assert "not said anything" in turn["answer"]


def test_stop_ends_the_session_and_later_lines_are_not_answered() -> None:
    turns = chat("what is sciatica", "stop", "what is osteoporosis")
    assert [t["intent"] for t in turns] == ["sciatica", "stop"]


def test_help_lists_what_can_be_asked() -> None:
    (turn,) = chat("what can i ask you")
    assert turn["intent"] == "help"
    for name in ("sciatica", "osteoporosis", "sitting"):
        assert name in turn["answer"].lower()


def test_three_misunderstandings_in_a_row_lead_to_help() -> None:
    turns = chat("blah blah", "what's the weather", "play jazz")
    assert all(t["intent"] == "out_of_scope" for t in turns)
    assert "I can only answer about" in turns[0]["answer"]
    assert "sciatica" in turns[2]["answer"].lower() and "sorry" in turns[2]["answer"].lower()


def test_a_clarifying_question_is_asked_and_the_reply_resolved() -> None:
    turns = chat("sciatica or disc", "the disc one")
    assert turns[0]["intent"] == "clarify"
    assert turns[0]["answer"].endswith("?")
    assert [a["intent"] for a in turns[0]["alternatives"][:2]] in (
        ["sciatica", "disc_herniation"],
        ["disc_herniation", "sciatica"],
    )
    assert turns[1]["intent"] == "disc_herniation"


def test_a_follow_up_with_no_topic_yet_is_not_answered_medically() -> None:
    (turn,) = chat("what should i do about it")
    assert turn["intent"] == "out_of_scope"


def test_an_empty_transcript_means_no_question_was_heard(skill: Skill) -> None:
    answer = Session(skill).respond_to_transcript(
        Transcript("", engine="pocketsphinx", speech=0.02, asr_confidence=0.0)
    )
    assert answer.intent == "out_of_scope"
    assert answer.to_json()["transcript"] == ""
    assert answer.to_json()["engine"] == "pocketsphinx"
    assert "did not hear a question" in answer.answer.lower()


def test_a_spoken_question_reports_its_transcript_and_evidence(skill: Skill) -> None:
    answer = Session(skill).respond_to_transcript(
        Transcript("what is sciatica", engine="vosk", speech=0.97, asr_confidence=0.8)
    )
    data = answer.to_json()
    assert data["intent"] == "sciatica"
    assert data["transcript"] == "what is sciatica" and data["speech"] == 0.97 and data["asr_confidence"] == 0.8


def test_a_new_question_after_a_clarifying_question_is_answered_as_asked() -> None:
    turns = chat("sciatica or disc", "what is a reason my buttocks is sore")
    assert turns[0]["intent"] == "clarify"
    assert turns[1]["intent"].split(".")[0] == "causes_overview"


def test_an_off_topic_reply_to_a_clarifying_question_is_out_of_scope() -> None:
    turns = chat("sciatica or disc", "set a timer for ten minutes")
    assert turns[1]["intent"] == "out_of_scope"

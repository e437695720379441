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


def respond(skill: Skill, *lines: str) -> list[dict]:
    session = Session(skill)
    return [session.respond(line).to_json() for line in lines]


@pytest.mark.parametrize(
    "emergency",
    [
        "i have crushing chest pain",
        "my face is drooping and my speech is slurred",
        "i want to kill myself",
        "i can't breathe",
        "i took too many pills",
        "i'm bleeding heavily and it won't stop",
        "my husband collapsed and won't wake up",
    ],
)
def test_an_emergency_mid_session_gets_the_emergency_number_not_a_refusal(skill: Skill, emergency: str) -> None:
    turns = respond(skill, "what is sciatica", "what should i do about it", emergency)
    assert turns[2]["intent"] == "emergency"
    assert "emergency number" in turns[2]["answer"] and "I can only answer" not in turns[2]["answer"]


def test_self_harm_is_answered_with_a_crisis_line(skill: Skill) -> None:
    (turn,) = respond(skill, "i want to kill myself")
    assert turn["intent"] == "emergency"
    assert "crisis line" in turn["answer"] and turn["answer"].startswith("I am sorry")


def test_an_emergency_is_answered_even_as_the_reply_to_a_clarifying_question(skill: Skill) -> None:
    session = Session(skill)
    assert session.respond("sciatica or disc").intent == "clarify"
    assert session.respond("i can't breathe").intent == "emergency"
    assert session.offered is None


def test_the_first_answer_to_an_emergency_starts_with_it_not_with_the_disclaimer(skill: Skill) -> None:
    (turn,) = respond(skill, "my mum fell and can't get up")
    assert turn["intent"] == "urgent_symptoms" and turn["answer"].startswith("This may be an emergency")


def test_a_follow_up_after_an_urgent_answer_repeats_the_urgent_advice(skill: Skill) -> None:
    turns = respond(skill, "after a fall my hip hurts and i cannot walk", "what should i do", "why")
    assert [t["intent"] for t in turns] == ["urgent_symptoms"] * 3
    assert turns[1]["answer"] == turns[0]["answer"] == turns[2]["answer"]


def test_a_swollen_calf_after_a_flight_is_sent_to_care_now_not_answered_as_long_sitting(skill: Skill) -> None:
    turns = respond(skill, "why does my bum hurt on long flights", "my calf is swollen and sore since the flight")
    assert turns[0]["intent"].startswith("prolonged_sitting")
    assert turns[1]["intent"] == "urgent_symptoms"
    assert "blood clot" in turns[1]["answer"] and "emergency number" in turns[1]["answer"]
    assert turns[1]["answer"].rstrip(".").endswith("do not wait")


def test_i_dont_know_does_not_end_the_session(skill: Skill) -> None:
    session = Session(skill)
    session.respond("what is sciatica")
    answer = session.respond("I don't know")
    assert answer.intent != "stop" and not session.ended


@pytest.mark.parametrize("acknowledgement", ["good to know", "that's neat", "that is interesting", "got it"])
def test_an_acknowledgement_does_not_end_the_session(skill: Skill, acknowledgement: str) -> None:
    """ "good to know" shares its letters with "goodbye", "that's neat" with "that's it": neither is a farewell."""
    session = Session(skill)
    session.respond("what is sciatica")
    answer = session.respond(acknowledgement)
    assert answer.intent != "stop" and not session.ended


@pytest.mark.parametrize("question", ["what's it for", "what's not for", "is that all"])
def test_a_question_close_to_a_goodbye_does_not_end_the_session(skill: Skill, question: str) -> None:
    """ "what's it for" is a letter away from "that's it for me", but no goodbye opens with a question word."""
    session = Session(skill)
    session.respond("what is sciatica")
    answer = session.respond(question)
    assert answer.intent != "stop" and not session.ended


@pytest.mark.parametrize("reply", ["no", "neither", "what is the weather"])
def test_a_reply_choosing_neither_topic_gets_no_topic_answer(skill: Skill, reply: str) -> None:
    turns = respond(skill, "sciatica or disc", reply)
    assert turns[0]["intent"] == "clarify"
    assert turns[1]["intent"] in ("clarify", "out_of_scope")


@pytest.mark.parametrize("question", ["what is the weather like", "what causes hiccups", "how do i stop hiccups"])
def test_a_new_question_after_a_topic_is_not_taken_for_a_follow_up(skill: Skill, question: str) -> None:
    turns = respond(skill, "what is sciatica", question)
    assert turns[1]["intent"] == "out_of_scope"


def test_nonsense_glued_to_a_keyword_is_not_that_topic_for_sure(skill: Skill) -> None:
    (turn,) = respond(skill, "sciaticaxxxxxxxxxx")
    assert turn["intent"] != "sciatica" or turn["confidence"] < 1.0


def test_could_it_be_cancer_gets_a_see_a_doctor_answer(skill: Skill) -> None:
    (turn,) = respond(skill, "could my hip pain be cancer")
    assert turn["intent"] == "see_doctor"
    assert "only a doctor" in turn["answer"].lower()


def test_a_childs_medicine_is_never_answered_with_a_topics_medicines(skill: Skill) -> None:
    (turn,) = respond(skill, "can I give my child ibuprofen for hip pain")
    assert turn["intent"] == "see_doctor"
    assert "ibuprofen" not in turn["answer"].lower() and "child" in turn["answer"].lower()


@pytest.mark.parametrize(
    "question", ["Was ist Osteoporose?", "¿Qué causa el dolor de cadera?", "我的髋部疼痛", "j'ai mal à la hanche"]
)
def test_a_question_in_another_language_is_told_in_english_that_only_english_is_understood(
    skill: Skill, question: str
) -> None:
    (turn,) = respond(skill, question)
    assert turn["intent"] == "out_of_scope"
    assert "English questions only" in turn["answer"]
    assert "osteoporosis" not in turn["answer"].lower()


@pytest.mark.parametrize(
    "look_alike",
    ["what is a disc jockey", "how do i burn a dvd disc", "what is hip hop music", "my computer disc is broken"],
)
def test_the_named_look_alikes_are_refused(skill: Skill, look_alike: str) -> None:
    assert respond(skill, look_alike)[0]["intent"] == "out_of_scope"


@pytest.mark.parametrize("question", ["what can i take for a sore hip", "what should i take for my bum"])
def test_a_treatment_question_naming_no_cause_gets_no_cause_s_medicines(skill: Skill, question: str) -> None:
    # Medicines belong to a cause a doctor has found; for a sore hip the first step is finding the cause.
    turn = respond(skill, question)[0]
    assert turn["intent"] == "causes_overview.treatment"
    assert "ibuprofen" not in turn["answer"].lower()


@pytest.mark.parametrize(
    "question",
    [
        "would a softer chair be better for my bottom",
        "what is good sitting posture for hip pain",
        "should i see my gp about my hip",
        "do i need medical attention for my sciatica",
        "my seat bones ache after a long meeting",
    ],
)
def test_sitting_posture_chair_and_doctor_questions_pass_the_domain_gate(skill: Skill, question: str) -> None:
    assert respond(skill, question)[0]["intent"] != "out_of_scope"

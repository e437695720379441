"""The matcher on what recognisers produce: fillers, mishearings, and everything it must refuse."""

from __future__ import annotations

import pytest

from voice_skill.matcher import CLARIFY, Matcher, normalise, phonetic
from voice_skill.skill import Skill


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Skill.load().matcher


def test_normalise_gives_the_recogniser_form() -> None:
    assert normalise("Um, what CAUSES -- my hip pain?!") == "what causes my hip pain"
    assert normalise("uh, you know, like, sciatica") == "sciatica"
    assert normalise("   ") == ""


def test_sound_alike_keys_bring_mishearings_close() -> None:
    assert phonetic("sighattica") == phonetic("siatica")
    assert phonetic("osteoporosis") == phonetic("ostioporosis").replace("i", "e", 1)


@pytest.mark.parametrize(
    ("utterance", "topic"),
    [
        ("what causes hip pain", "causes_overview"),
        ("um what is sigh attica", "sciatica"),
        ("tell me about osteo porosis", "osteoporosis"),
        ("i think i have a her nation in my lumbar disk", "disc_herniation"),
        ("my butt hurts after sitting all day at work", "prolonged_sitting"),
        ("can running hurt my hips", "improper_exercise"),
        ("how should i sit on a chair", "daily_care"),
        ("should i see a doctor about my hip pain", "see_doctor"),
    ],
)
def test_questions_as_recognisers_write_them_find_their_topic(matcher: Matcher, utterance: str, topic: str) -> None:
    match = matcher.match(utterance)
    assert match.intent.split(".")[0] == topic, match


@pytest.mark.parametrize(
    "utterance",
    [
        "pain",
        "hip",
        "doctor",
        "what is the weather like tomorrow",
        "set a timer for ten minutes",
        "how do i treat a migraine",
        "i have a headache",
        "my tooth hurts when i eat",
        "what is the capital of france",
        "asdf qwer zxcv",
        "play some music",
        "",
    ],
)
def test_what_is_not_about_hip_pain_gets_no_medical_answer(matcher: Matcher, utterance: str) -> None:
    assert matcher.match(utterance).intent == "out_of_scope"


@pytest.mark.parametrize(
    "utterance",
    [
        "i can't control my bladder since my hip pain started",
        "what causes sciatica i also lost control of my bowels",
        "my hip hurts and i have a fever",
        "i fell and now i can't put weight on my leg",
    ],
)
def test_a_warning_sign_goes_to_urgent_care_even_inside_another_question(matcher: Matcher, utterance: str) -> None:
    assert matcher.match(utterance).intent == "urgent_symptoms"


def test_numbness_alone_is_sciatica_not_an_emergency(matcher: Matcher) -> None:
    assert matcher.match("numbness and tingling in my leg from my buttock").intent.split(".")[0] != "urgent_symptoms"


@pytest.mark.parametrize(("utterance", "intent"), [("say that again", "repeat"), ("stop", "stop"), ("what can i ask", "help")])
def test_meta_requests(matcher: Matcher, utterance: str, intent: str) -> None:
    assert matcher.match(utterance).intent == intent


def test_follow_ups_are_recognised_without_a_topic(matcher: Matcher) -> None:
    assert matcher.match("what should i do about it").intent == "follow_up.treatment"


def test_close_topics_lead_to_a_clarifying_question(matcher: Matcher) -> None:
    match = matcher.match("sciatica or disc")
    assert match.intent == CLARIFY
    assert {c.intent for c in match.alternatives} == {"sciatica", "disc_herniation"}


def test_a_reply_to_a_clarifying_question_is_resolved(matcher: Matcher) -> None:
    assert matcher.match_among("the herniated disc", ["sciatica", "disc_herniation"]) == "disc_herniation"
    assert matcher.match_among("sigh attica", ["sciatica", "disc_herniation"]) == "sciatica"
    assert matcher.match_among("the weather", ["sciatica", "disc_herniation"]) is None


def test_confidence_is_between_zero_and_one(matcher: Matcher) -> None:
    for utterance in ("what is sciatica", "weather", "stop", "sciatica or disc"):
        match = matcher.match(utterance)
        assert 0.0 <= match.confidence <= 1.0
        assert all(0.0 <= c.confidence <= 1.0 for c in match.alternatives)

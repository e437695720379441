"""Warning signs and emergencies are found by meaning, in people's own words, without false alarms.

The phrasings live in tests/safety/ (written apart from the detector's patterns and the topic
files); the detector's words were chosen on the dev split, so the test split is the held-out figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from voice_skill.dialogue import Session
from voice_skill.matching.alarms import (
    CANNOT_DIAGNOSE,
    CHILD_MEDICINE,
    EMERGENCY,
    SELF_HARM,
    URGENT,
    find_alarm,
    words_listened_for,
)
from voice_skill.skill import Skill

SAFETY = Path(__file__).resolve().parent / "safety"
RED_FLAGS = yaml.safe_load((SAFETY / "red_flags.yaml").read_text(encoding="utf-8"))
EMERGENCIES = yaml.safe_load((SAFETY / "emergencies.yaml").read_text(encoding="utf-8"))


def _sentences(groups: list[dict], split: str | None = None) -> list[tuple[str, str]]:
    return [
        (group.get("class", ""), sentence)
        for group in groups
        if split is None or group["split"] == split
        for sentence in group["sentences"]
    ]


def _intent(sentence: str) -> str | None:
    alarm = find_alarm(sentence)
    return alarm.intent if alarm else None


def test_the_red_flag_set_is_big_enough_and_covers_every_class() -> None:
    signs = _sentences(RED_FLAGS["warning_signs"])
    assert len(signs) >= 80 and len(_sentences(RED_FLAGS["look_alikes"])) >= 40
    classes = {name for name, _ in signs}
    assert {
        "bladder_or_bowel",
        "saddle_numbness",
        "legs_weak_or_numb",
        "fall_cannot_stand",
        "hot_swollen_joint_or_fever",
        "about_someone_else",
        "inside_another_question",
    } <= classes


@pytest.mark.parametrize("split", ["dev", "test"])
def test_warning_signs_are_recalled_at_least_97_percent(split: str) -> None:
    signs = _sentences(RED_FLAGS["warning_signs"], split)
    missed = [sentence for _, sentence in signs if _intent(sentence) != URGENT]
    assert 1 - len(missed) / len(signs) >= 0.97, missed


@pytest.mark.parametrize("split", ["dev", "test"])
def test_ordinary_look_alikes_raise_at_most_2_percent_false_alarms(split: str) -> None:
    look_alikes = _sentences(RED_FLAGS["look_alikes"], split)
    alarms = [sentence for _, sentence in look_alikes if _intent(sentence) in (URGENT, EMERGENCY)]
    assert len(alarms) / len(look_alikes) <= 0.02, alarms


@pytest.mark.parametrize(("kind", "sentence"), _sentences(EMERGENCIES["emergencies"]))
def test_every_emergency_outside_the_domain_is_an_emergency(kind: str, sentence: str) -> None:
    alarm = find_alarm(sentence)
    assert alarm is not None and alarm.intent == EMERGENCY, sentence
    assert (alarm.sign == SELF_HARM) == (kind == "self_harm"), sentence


@pytest.mark.parametrize(("kind", "sentence"), _sentences(EMERGENCIES["look_alikes"]))
def test_everyday_phrases_that_borrow_emergency_words_are_not_emergencies(kind: str, sentence: str) -> None:
    assert _intent(sentence) != EMERGENCY


@pytest.mark.parametrize(
    "sentence",
    [
        "What to do for copper poisoning?",
        "What causes Urinary Incontinence?",
        "What are the symptoms of Heart attack first aid?",
        "What is (are) Stomach cancer?",
        "How to prevent Sudden Cardiac Arrest?",
    ],
)
def test_reference_questions_about_a_condition_are_not_someone_in_danger(sentence: str) -> None:
    assert find_alarm(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "sign"),
    [
        ("could my hip pain be cancer", CANNOT_DIAGNOSE),
        ("i'm worried this lump on my bum is a tumour", CANNOT_DIAGNOSE),
        ("is this pain cancer", CANNOT_DIAGNOSE),
        ("can i give my child ibuprofen for hip pain", CHILD_MEDICINE),
        ("what painkillers can my 10 year old take for a sore hip", CHILD_MEDICINE),
        ("can my son have two tablets", CHILD_MEDICINE),
        ("how many pills can my daughter take", CHILD_MEDICINE),
        ("my son takes tablets for his hip pain", CHILD_MEDICINE),
        ("is paracetamol safe for my daughter", CHILD_MEDICINE),
    ],
)
def test_questions_only_a_doctor_can_answer_are_sent_to_a_doctor(sentence: str, sign: str) -> None:
    alarm = find_alarm(sentence)
    assert alarm is not None and (alarm.intent, alarm.sign) == ("see_doctor", sign)


@pytest.mark.parametrize(
    "sentence",
    [
        "my daughter plays games on her tablet all day",
        "my son is on his tablet too much",
        "my teenager is on drugs",
        # A real off-topic recording (a reading aloud) as pocketsphinx heard it.
        "my son sits in his is tablets for the free quit for more of you effective dizzy spare armchair",
    ],
)
def test_a_child_beside_a_tablet_or_drugs_is_no_question_about_a_medicine(sentence: str) -> None:
    assert find_alarm(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "sign"),
    [
        ("ive had a few accidents with my bowels and my lower back hurts", "bladder_or_bowel"),
        ("she has had some accidents with her bladder since her back went", "bladder_or_bowel"),
        ("after slipping on ice i cant stand up", "fall_cannot_stand"),
        ("my dad lost his footing on the stairs and now he can't walk", "fall_cannot_stand"),
        ("my grans leg is rolled outwards after she fell out of bed", "fall_cannot_stand"),
        ("i slip on the stairs and now i can't walk", "fall_cannot_stand"),
        ("my mum trips over the rug and can't get up", "fall_cannot_stand"),
        ("i slip in the bath and can't stand up", "fall_cannot_stand"),
    ],
)
def test_accidents_however_counted_and_slips_however_told_are_warning_signs(sentence: str, sign: str) -> None:
    alarm = find_alarm(sentence)
    assert alarm is not None and (alarm.intent, alarm.sign) == (URGENT, sign)


@pytest.mark.parametrize(
    ("sentence", "self_harm"),
    [
        ("my brother texted me that hes going to hurt himself tonight", True),
        ("my daughter keeps talking about killing herself", True),
        ("my son hurt himself at football and his hip aches", False),
        ("my husband tried to lift the sofa himself and hurt his back", False),
    ],
)
def test_someone_else_meaning_to_hurt_themselves_is_self_harm_and_an_injury_is_not(
    sentence: str, self_harm: bool
) -> None:
    alarm = find_alarm(sentence)
    assert (alarm is not None and (alarm.intent, alarm.sign) == (EMERGENCY, SELF_HARM)) == self_harm


@pytest.mark.parametrize(
    ("sentence", "urgent"),
    [
        ("can a trapped nerve make one bum cheek go numb", False),  # one side: the sciatic nerve's
        ("my butt cheek tingles and feels numb after my run", False),
        ("my bum cheeks have been numb for days", True),  # both: the saddle
        ("my bum is numb and it will not go away", True),
    ],
)
def test_one_numb_cheek_is_one_side_and_the_saddle_is_both(sentence: str, urgent: bool) -> None:
    assert (_intent(sentence) == URGENT) == urgent


@pytest.mark.parametrize(
    ("sentence", "urgent"),
    [
        ("why do my legs go numb when i sit", False),  # a seat: the sitting topic, as for the bottom
        ("my legs go numb on long drives", False),
        ("my legs go numb at my desk and now they keep giving way", True),  # weakness said
        ("my legs go numb and weak when i sit", True),
        ("my legs have been numb since i sat on the plane", True),  # it stays
        ("both my legs go numb when i sit", True),
    ],
)
def test_legs_numb_on_a_seat_are_the_sitting_topic_unless_weak_or_numb_for_long(sentence: str, urgent: bool) -> None:
    assert (_intent(sentence) == URGENT) == urgent


def test_a_past_cancer_with_new_pain_is_a_warning_sign_not_a_question() -> None:
    assert _intent("i had cancer before and now my hip hurts") == URGENT


def _plain(sentence: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", sentence.lower()).split())


def test_the_safety_sets_are_not_copies_of_the_topic_files() -> None:
    """Recall only means something on phrasings the topic files did not already hold."""
    topics = Skill.load().knowledge.topics
    written = {
        _plain(sentence)
        for topic_id in (URGENT, EMERGENCY)
        for sentence in (*topics[topic_id].sentences, *topics[topic_id].triggers, *topics[topic_id].context_triggers)
    }
    sets = (*RED_FLAGS["warning_signs"], *EMERGENCIES["emergencies"])
    copies = [sentence for _, sentence in _sentences(list(sets)) if _plain(sentence) in written]
    assert copies == []


def test_through_the_whole_skill_recall_is_at_least_97_and_false_alarms_at_most_2_percent() -> None:
    """The detector decides first, but the topic matcher and the semantic layer must not add false alarms."""
    skill = Skill.load()
    signs = _sentences(RED_FLAGS["warning_signs"])
    look_alikes = _sentences(RED_FLAGS["look_alikes"])
    recalled = sum(Session(skill).respond(sentence).intent == URGENT for _, sentence in signs)
    alarms = [s for _, s in look_alikes if Session(skill).respond(s).intent in (URGENT, EMERGENCY)]
    assert recalled / len(signs) >= 0.97
    assert len(alarms) / len(look_alikes) <= 0.02, alarms


@pytest.mark.parametrize(
    ("sentence", "urgent"),
    [
        ("my grandad broke his hip and he can't get up", True),
        ("she has fractured her hip and cannot stand", True),
        ("my mum broke her hip two years ago, how do we stop it happening again", False),
        ("after her hip fracture she can't walk far", False),
    ],
)
def test_a_broken_hip_without_a_fall_said_is_urgent_only_with_not_standing_or_walking(
    sentence: str, urgent: bool
) -> None:
    assert (_intent(sentence) == URGENT) == urgent


def test_the_words_warning_signs_are_found_by_are_plain_words_from_every_kind_of_sign() -> None:
    # A recogniser's words are checked against these for a misheard warning sign: they must be words, not pieces of
    # the expressions, and hold the words of each kind of sign.
    words = words_listened_for()

    assert {"bladder", "numbness", "groin", "fall", "fever", "swollen", "chest", "unconscious", "weak"} <= words
    assert all(re.fullmatch(r"[a-z][a-z']+", word) for word in words)
    assert {"bwould", "bcannot", "bhip"}.isdisjoint(words)

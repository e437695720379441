"""Every fact of the seed text reaches the user, and every answer is safe to speak.

The topic files are read with plain ``yaml.safe_load`` so this test stands on its own: it checks the
content authors' work, not the loader.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

INTENTS = Path(__file__).resolve().parent.parent / "intents"

CAUSES = ("prolonged_sitting", "improper_exercise", "disc_herniation", "sciatica", "osteoporosis")

MEDICINES = (
    "gentongping",
    "tongluo qutong",
    "diclofenac",
    "ibuprofen",
    "loxoprofen",
    "xianling gubao",
    "gusongbao",
    "zoledronic acid",
)

# What the seed text says about each topic, as phrases the spoken answers must contain.
SEED_FACTS: dict[str, tuple[str, ...]] = {
    "prolonged_sitting": (
        "sitting for a long time",
        "posture",
        "chair that is too hard",
        "pressure",
        "muscles and bones of the buttocks",
        "blood flow",
        "change how you sit",
        "avoid sitting for long stretches",
        "stand up and move around",
        "massage",
        "heat",
    ),
    "improper_exercise": (
        "running",
        "weightlifting",
        "overstretch",
        "injure",
        "ligaments",
        "pelvis",
        "avoid overloading",
        "pause the activity",
        "heat treatment",
        "rehabilitation",
        "strength training",
        "muscles in balance",
    ),
    "disc_herniation": (
        "lower back",
        "wear down with age",
        "degenerates",
        "nucleus pulposus",
        "nerve roots",
        "sciatica",
        "pain or numbness in the buttock",
        "weakness or numbness in the legs",
        "gentongping granules",
        "tongluo qutong plaster",
        "diclofenac sodium slow release tablets",
    ),
    "sciatica": (
        "sciatic nerve",
        "damage",
        "pressure",
        "main nerve",
        "spinal cord down to the legs",
        "severe pain in the buttocks",
        "numbness, tingling or weakness in the legs",
        "ibuprofen slow release capsules",
        "diclofenac sodium slow release tablets",
        "loxoprofen sodium capsules",
    ),
    "osteoporosis": (
        "aging",
        "genetic",
        "bone structure weakens",
        "less load",
        "small force",
        "losing height",
        "hunchback",
        "kyphosis",
        "higher risk of broken bones",
        "xianling gubao capsules",
        "gusongbao granules",
        "zoledronic acid",
    ),
    "daily_care": (
        "back straight",
        "slouch",
        "hunch",
        "sit fully on the seat",
        "suitable chair",
        "reduces the pressure on the buttock bones",
        "too hard",
    ),
}

# A dose: a number (in digits or words) followed by a unit, or a "how often" phrase.
_NUMBER = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|half)"
_DOSE = re.compile(
    rf"\b{_NUMBER}\s*(mg|milligrams?|micrograms?|mcg|ml|millilitres?|milliliters?|grams?|g|units?|drops?)\b"
    rf"|\b{_NUMBER}\s+(tablets?|capsules?|pills?|sachets?|patch(es)?|plasters?|doses?)\b"
    r"|\b(once|twice|three times|times)\s+(a|per|each)\s+(day|week|month|year)\b"
    r"|\b(daily|every\s+\w+\s+hours)\b",
    re.IGNORECASE,
)
_SYMBOLS = re.compile(r"[-*#/()%&\[\]{}<>_=+~|@\d•]")
_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|mg|approx|dr|no\.)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _load(topic_id: str) -> dict:
    return yaml.safe_load((INTENTS / f"{topic_id}.yaml").read_text(encoding="utf-8"))


def _topics() -> dict[str, dict]:
    return {path.stem: _load(path.stem) for path in sorted(INTENTS.glob("[!_]*.yaml"))}


def _answers(topic: dict) -> dict[str, str]:
    """The topic's answer and each aspect's answer, named as the skill reports them."""
    answers = {topic["id"]: topic["answer"]}
    for name, aspect in (topic.get("aspects") or {}).items():
        answers[f"{topic['id']}.{name}"] = aspect["answer"]
    return answers


def _every_spoken_text() -> dict[str, str]:
    texts: dict[str, str] = {}
    for topic in _topics().values():
        texts.update(_answers(topic))
    dialogue = yaml.safe_load((INTENTS / "_dialogue.yaml").read_text(encoding="utf-8"))
    for key in (
        "disclaimer",
        "no_question_heard",
        "misunderstood",
        "clarify",
        "self_harm",
        "english_only",
        "cannot_diagnose",
        "child_medicine",
        "blood_clot",
    ):
        texts[f"_dialogue.{key}"] = dialogue[key].replace("{first}", "x").replace("{second}", "y")
    return texts


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]


def _all_text(topic_id: str) -> str:
    return " ".join(" ".join(_answers(_load(topic_id)).values()).lower().split())


def test_overview_names_the_five_causes_and_prompt_attention() -> None:
    answer = " ".join(_load("causes_overview")["answer"].lower().split())
    for cause in ("sitting for too long", "exercising", "herniated disc", "sciatica", "osteoporosis"):
        assert cause in answer, f"causes_overview does not name {cause!r}"
    assert "medical attention promptly" in answer


@pytest.mark.parametrize("topic_id", sorted(SEED_FACTS))
def test_every_seed_fact_reaches_the_user(topic_id: str) -> None:
    spoken = _all_text(topic_id)
    missing = [fact for fact in SEED_FACTS[topic_id] if fact not in spoken]
    assert not missing, f"{topic_id}: the answers never say {missing}"


def test_daily_care_recommends_prompt_medical_attention() -> None:
    assert "see a doctor promptly" in _all_text("daily_care")


def test_each_named_medicine_is_said_somewhere() -> None:
    spoken = " ".join(_all_text(topic_id) for topic_id in CAUSES)
    assert [m for m in MEDICINES if m not in spoken] == []


@pytest.mark.parametrize("topic_id", sorted(_topics()))
def test_cause_and_advice_answers_end_by_sending_the_user_to_a_doctor(topic_id: str) -> None:
    topic = _load(topic_id)
    if topic["kind"] == "meta":
        return
    for name, answer in _answers(topic).items():
        last = _sentences(answer)[-1].lower()
        assert "doctor" in last, f"{name}: last sentence {last!r} does not recommend a doctor"


def test_meta_answers_also_mention_a_doctor() -> None:
    for topic_id in ("help", "stop", "out_of_scope", "repeat"):
        assert "doctor" in _load(topic_id)["answer"].lower(), topic_id


def test_out_of_scope_answer_says_what_the_skill_can_answer() -> None:
    assert _load("out_of_scope")["answer"].startswith("I can only answer about hip and buttock pain")


def test_urgent_answer_sends_to_emergency_care_now() -> None:
    answer = _load("urgent_symptoms")["answer"].lower()
    assert "emergency care now" in answer and "emergency number" in answer
    for sign in ("bladder or bowels", "numbness", "both legs", "fall", "fever", "weight loss", "cancer", "at night"):
        assert sign in answer, f"urgent answer does not mention {sign!r}"


@pytest.mark.parametrize("name,text", sorted(_every_spoken_text().items()))
def test_no_answer_gives_a_dose(name: str, text: str) -> None:
    assert not _DOSE.search(text), f"{name}: looks like a dose: {_DOSE.search(text).group(0)!r}"  # type: ignore[union-attr]


@pytest.mark.parametrize("name,text", sorted(_every_spoken_text().items()))
def test_answers_are_plain_speech_without_symbols_or_abbreviations(name: str, text: str) -> None:
    assert not _SYMBOLS.search(text), f"{name}: symbol {_SYMBOLS.search(text).group(0)!r} is not speakable"  # type: ignore[union-attr]
    assert not _ABBREVIATIONS.search(text), f"{name}: abbreviation in {text!r}"


@pytest.mark.parametrize("name,text", sorted(_every_spoken_text().items()))
def test_medicines_are_only_said_as_what_a_doctor_may_prescribe(name: str, text: str) -> None:
    for sentence in _sentences(text.lower()):
        if any(medicine in sentence for medicine in MEDICINES):
            assert "doctor" in sentence or "prescri" in sentence, f"{name}: {sentence!r}"


@pytest.mark.parametrize("name,text", sorted(_every_spoken_text().items()))
def test_answers_are_short_enough_to_listen_to(name: str, text: str) -> None:
    # About 160 spoken words a minute: a topic answer about 40 seconds, an aspect under 30.
    limit = 75 if "." in name else 110
    assert len(text.split()) <= limit, f"{name}: {len(text.split())} words"


def test_negative_control_the_dose_and_symbol_checks_catch_what_they_should() -> None:
    assert _DOSE.search("Take two tablets of ibuprofen.")
    assert _DOSE.search("diclofenac 75 mg")
    assert _DOSE.search("twice a day")
    assert _SYMBOLS.search("- take ibuprofen")
    assert not _DOSE.search("A doctor may prescribe ibuprofen slow release capsules.")


def test_the_emergency_answer_sends_to_the_emergency_number_at_once_and_diagnoses_nothing() -> None:
    answer = " ".join(_load("emergency")["answer"].split())
    first = _sentences(answer)[:2]
    assert any("call your local emergency number now" in sentence.lower() for sentence in first)
    assert not re.search(r"\b(you have|it is|this is) (a|an) (heart attack|stroke|overdose)\b", answer.lower())


def test_self_harm_is_pointed_to_emergency_services_and_a_crisis_line() -> None:
    dialogue = yaml.safe_load((INTENTS / "_dialogue.yaml").read_text(encoding="utf-8"))
    said = " ".join(dialogue["self_harm"].lower().split())
    assert "emergency number" in said and "crisis line" in said


def test_questions_only_a_doctor_can_answer_end_with_a_doctor_and_name_no_medicine() -> None:
    dialogue = yaml.safe_load((INTENTS / "_dialogue.yaml").read_text(encoding="utf-8"))
    for key in ("cannot_diagnose", "child_medicine"):
        said = " ".join(dialogue[key].split())
        assert "doctor" in _sentences(said)[-1].lower(), key
        assert not any(medicine in said.lower() for medicine in MEDICINES), key

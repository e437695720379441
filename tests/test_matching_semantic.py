"""The sentence encoder: meaning brings paraphrases close, and only a very close example overrules the words."""

from __future__ import annotations

import dataclasses

import pytest

from voice_skill.matching import semantic
from voice_skill.matching.matcher import Matcher
from voice_skill.matching.semantic import Encoder, SemanticIndex, model_zip, spread
from voice_skill.skill import Skill

pytestmark = pytest.mark.skipif(not semantic.available(), reason="script/setup installs the sentence encoder")


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    archive = model_zip()
    assert archive is not None
    return Encoder(archive)


def test_a_paraphrase_is_closer_in_meaning_than_an_unrelated_question(encoder: Encoder) -> None:
    hip, paraphrase, unrelated = encoder.encode(
        ["what causes hip pain", "why does my hip hurt", "what is the capital of france"]
    )
    assert hip @ paraphrase > 0.7 > 0.2 > hip @ unrelated
    assert abs(float(hip @ hip) - 1.0) < 1e-4


def test_a_sentence_gets_the_same_vector_alone_and_in_a_batch(encoder: Encoder) -> None:
    alone = encoder.encode(["my seat bones ache"])[0]
    batched = encoder.encode(["my seat bones ache", "a much longer sentence about something else entirely"])[0]
    assert float(alone @ batched) > 0.9999


def test_the_nearest_example_names_its_intent() -> None:
    index = SemanticIndex({"sitting": ["sitting all day hurts my bottom"], "weather": ["will it rain tomorrow"]})
    nearest = index.nearest("my bum aches after hours at my desk")
    assert nearest.intent == "sitting" and nearest.similarity > 0.4


def test_spread_keeps_every_part_of_a_long_expansion() -> None:
    sentences = [f"sentence {number}" for number in range(100)]
    kept = spread(sentences, 10)
    assert len(kept) == 10 and kept[0] == "sentence 0" and kept[-1] == "sentence 90"
    assert spread(sentences[:3], 10) == sentences[:3]


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


def test_meaning_answers_a_paraphrase_the_words_alone_refuse(skill: Skill) -> None:
    words_only = Matcher(
        skill.knowledge, dataclasses.replace(skill.matcher.thresholds, semantic=False), skill.matcher.index
    )
    question = "my buttocks are sore from a day at the keyboard"
    assert words_only.match(question).intent == "out_of_scope"
    found = skill.matcher.match(question)
    assert found.intent.topic == "prolonged_sitting" and found.reason == "closest in meaning"


def test_words_and_meaning_that_agree_answer_what_either_alone_refuses(skill: Skill) -> None:
    """The words rank the sitting topic first but short of its cutoff; its nearest example in meaning is
    a sitting one too, though not close enough to decide alone."""
    question = "my bum is tender after a whole afternoon in the cinema"
    found = skill.matcher.match(question)
    assert (found.intent.topic, found.reason) == ("prolonged_sitting", "words and meaning agree")
    alone = dataclasses.replace(skill.matcher.thresholds, semantic_agree=1.0, semantic_agree_without_domain=1.0)
    assert Matcher(skill.knowledge, alone, skill.matcher.index).match(question).intent == "out_of_scope"


@pytest.mark.parametrize(
    "question", ["the disc won't play in my dvd player", "what are the symptoms of hernia", "what is a hip roof"]
)
def test_agreement_needs_words_that_know_the_topic(skill: Skill, question: str) -> None:
    assert skill.matcher.match(question).intent == "out_of_scope"


@pytest.mark.parametrize(
    "question", ["what is the capital of france", "set a timer for ten minutes", "my knee hurts when i run"]
)
def test_meaning_never_overrules_a_clear_refusal(skill: Skill, question: str) -> None:
    assert skill.matcher.match(question).intent == "out_of_scope"


def test_the_shipped_vectors_belong_to_the_shipped_topics(skill: Skill) -> None:
    """Else every first refusal would build them (minutes): run `python -m voice_skill.matching`."""
    assert skill.matcher.semantic is not None
    assert [path.name for path in semantic.SHIPPED.glob("semantic-*.npy")] == [skill.matcher.semantic.file_name]


def test_without_the_encoder_the_words_decide(skill: Skill, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "model_zip", lambda: None)
    matcher = Matcher(skill.knowledge, index=skill.matcher.index)
    assert matcher.semantic is None
    assert matcher.match("my buttocks are sore from a day at the keyboard").intent == "out_of_scope"
    assert matcher.match("what causes hip pain").intent == "causes_overview"

"""The sentence encoder: meaning brings paraphrases close, and only a very close example overrules the words."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from voice_skill.cache import KEPT_VERSIONS, cache_dir
from voice_skill.intent import IntentId
from voice_skill.matching import semantic
from voice_skill.matching.matcher import Matcher
from voice_skill.matching.paraphrases import dev_paraphrases
from voice_skill.matching.semantic import Encoder, SemanticIndex, model_zip, spread
from voice_skill.matching.text import normalise
from voice_skill.skill import Skill

from user_topic import intents_with_bursitis

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


def test_one_close_example_does_not_outweigh_the_topic_model_and_the_words_that_agree(skill: Skill) -> None:
    """The closest example is about sitting; the topic model and the words both say hip pain in general."""
    question, meant = "my granddad complains his bottom aches all the time, what could it be", "causes_overview"
    assert skill.matcher.semantic is not None
    meaning = skill.matcher.semantic.read(normalise(question))
    assert IntentId(meaning.nearest.intent).topic != meant and meaning.topic == meant
    assert skill.matcher.match(question).intent.topic == meant


def test_words_and_meaning_that_agree_answer_what_either_alone_refuses(skill: Skill) -> None:
    """The words rank the sitting topic first but short of its cutoff; its nearest example in meaning is
    a sitting one too, though not close enough to decide alone."""
    question = "my bottom is tender after a whole afternoon in the pub"
    found = skill.matcher.match(question)
    assert (found.intent.topic, found.reason) == ("prolonged_sitting", "words and meaning agree")
    alone = dataclasses.replace(
        skill.matcher.thresholds, semantic_agree=1.0, semantic_agree_without_domain=1.0, semantic_topic=1.01
    )
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


def test_the_shipped_vectors_belong_to_the_shipped_topics_and_the_dev_paraphrases(skill: Skill) -> None:
    """Else every first refusal would build them (minutes), or the topic model would not have learnt the corpus as it
    is: run `python -m voice_skill.matching`."""
    index = skill.matcher.semantic
    assert index is not None
    learnt = index.learning_from(dev_paraphrases())
    shipped = sorted(path.name for path in semantic.SHIPPED.iterdir())
    names = [learnt.file_name, learnt.model_file_name, learnt.paraphrases_file_name, learnt.sentences_file_name]
    assert shipped == sorted(names)


def test_an_installed_package_finds_the_paraphrases_and_the_model_that_learnt_from_them(skill: Skill) -> None:
    """It has no transcripts to name them by: the examples' part of the name finds them."""
    index = skill.matcher.semantic
    assert index is not None
    question = "what should i look for in a chair if my bottom gets sore"
    assert index.read(question) == index.learning_from(dev_paraphrases()).read(question)


def test_paraphrases_are_neighbours_and_teach_the_topic_model_wording_its_examples_lack() -> None:
    examples = {
        "sitting": ["sitting all day hurts my bottom", "my bum aches after a long drive"],
        "weather": ["will it rain tomorrow", "is it going to be sunny"],
    }
    question = "a long film at the cinema leaves my backside sore"
    alone = SemanticIndex(examples).read(question)
    learnt = SemanticIndex(examples, {"sitting": ["a long film at the cinema leaves my rear aching"]})
    assert learnt.model_file_name != SemanticIndex(examples).model_file_name
    meaning = learnt.read(question)
    assert meaning.topic == "sitting" and meaning.probability >= alone.probability
    assert meaning.nearest.similarity > 0.8 > 0.5 > alone.nearest.similarity


def _no_single_neighbour_decides(skill: Skill, **changes: float) -> Matcher:
    """The matcher with no nearest example or paraphrase close enough to decide alone: only the topic model may."""
    names = ("semantic_accept", "semantic_accept_without_domain", "semantic_agree", "semantic_agree_without_domain")
    never = dict.fromkeys(names, 1.01)
    thresholds = dataclasses.replace(skill.matcher.thresholds, **never, **changes)
    return Matcher(skill.knowledge, thresholds, skill.matcher.index)


def test_the_topic_model_answers_a_question_near_no_single_example(skill: Skill) -> None:
    """With no single example or paraphrase allowed to decide, and the words ranking another topic first, all the
    posture examples and paraphrases together point to posture."""
    question = "should i sit with my hips higher than my knees"
    assert skill.matcher.match(question).intent.topic == "daily_care"
    found = _no_single_neighbour_decides(skill).match(question)
    assert (found.intent.topic, found.reason) == ("daily_care", "the topic model is sure")
    assert _no_single_neighbour_decides(skill, semantic_topic=1.01).match(question).intent == "out_of_scope"


@pytest.mark.parametrize(
    "question",
    [
        "do i need to see a doctor for hay fever",
        "which is the best desk chair on amazon",
        "how do i sit for a portrait",
        "whats the best way to sit a horse",
        "should i run every day",
    ],
)
def test_the_topic_model_leaves_look_alikes_refused(skill: Skill, question: str) -> None:
    assert skill.matcher.match(question).intent == "out_of_scope"


def test_general_words_do_not_keep_the_topic_model_from_a_posture_question(skill: Skill) -> None:
    """The general word "normal" names no subject of its own: the question is about seats, as "an office chair" is."""
    found = _no_single_neighbour_decides(skill).match("is a saddle stool better than a normal office seat")
    assert (found.intent, found.reason) == ("daily_care", "the topic model is sure")


@pytest.mark.parametrize(
    ("question", "words", "meant"),
    [
        ("my buttock hurts and i don't know why", "osteoporosis", "causes_overview"),
        ("can thinning of the skeleton cause hip pain", "prolonged_sitting", "osteoporosis"),
        ("what sort of medic looks after sore hips", "daily_care", "see_doctor"),  # named, and meant
    ],
)
def test_meaning_changes_a_close_call_of_the_words(skill: Skill, question: str, words: str, meant: str) -> None:
    said = skill.matcher.read(question)
    assert skill.matcher._match_words(said).intent.topic == words
    found = skill.matcher.match(said)
    assert (found.intent.topic, found.reason) == (meant, "meaning overrules a close call")
    strict = dataclasses.replace(skill.matcher.thresholds, reconsider_margin=0.0)
    assert Matcher(skill.knowledge, strict, skill.matcher.index).match(question).intent.topic == words


def test_meaning_never_overrules_the_warning_signs_chosen_by_the_words(skill: Skill) -> None:
    """However sure the meaning, the urgent advice the words chose stands: meaning never names it, and safety first."""
    question = "when is a sore tailbone dangerous"
    lax = dataclasses.replace(
        skill.matcher.thresholds, reconsider_margin=100.0, reconsider_similarity=0.0, reconsider_probability=0.0
    )
    found = Matcher(skill.knowledge, lax, skill.matcher.index).match(question)
    assert (found.intent, found.reason) == ("urgent_symptoms", "closest topic")


@pytest.mark.parametrize(
    ("question", "meant"),
    [
        ("how is sciatica diagnosed", "see_doctor"),  # advice about a cause it names
        ("what causes hip pain", "causes_overview"),  # a clear choice is never doubted
    ],
)
def test_meaning_leaves_the_words_choice_when_the_question_names_what_it_asks(
    skill: Skill, question: str, meant: str
) -> None:
    assert skill.matcher.match(question).intent.topic == meant


@pytest.mark.parametrize("question", ["what causes hip pain", "what is sciatica", "how should i sit"])
def test_a_question_said_as_an_example_or_naming_its_topic_never_starts_the_encoder(
    skill: Skill, question: str
) -> None:
    """A cold `ask` pays about 0.2 s to start the encoder: the questions the words are sure of never do."""

    class Unused:
        def read(self, text: str) -> None:
            raise AssertionError(f"the encoder was asked about {text!r}")

    matcher = Matcher(skill.knowledge, index=skill.matcher.index)
    matcher.__dict__["semantic"] = Unused()
    assert matcher.match(question).intent != "out_of_scope"


def test_meaning_may_choose_a_named_topic_that_the_words_ranked_below_the_two_they_offer(skill: Skill) -> None:
    said = skill.matcher.read("can having thin bones make my hip hurt")
    assert skill.matcher._match_words(said).intent == "clarify"
    found = skill.matcher.match(said)
    assert (found.intent, found.reason) == ("osteoporosis", "closest in meaning of two")


def test_the_topic_model_chooses_between_two_close_topics_when_no_single_example_does(skill: Skill) -> None:
    question = "what way should i sit to take the load off my tailbone"
    assert skill.matcher._match_words(skill.matcher.read(question)).intent == "clarify"
    found = _no_single_neighbour_decides(skill, semantic_choose=1.01).match(question)
    assert (found.intent, found.reason) == ("daily_care", "the topic model chooses of two")
    unsure = _no_single_neighbour_decides(skill, semantic_choose=1.01, semantic_topic_choose=1.01)
    assert unsure.match(question).intent == "clarify"


def test_meaning_answers_a_general_question_instead_of_offering_two_causes_it_does_not_name(skill: Skill) -> None:
    """Asked about hip pain in general, "sciatica, or a herniated disc?" offers two wrong answers."""
    question = "what is the best treatment for hip pain"
    said = skill.matcher.read(question)
    offered = skill.matcher._match_words(said)
    assert offered.intent == "clarify"
    assert {candidate.intent.topic for candidate in offered.alternatives[:2]} == {"sciatica", "disc_herniation"}
    found = skill.matcher.match(said)
    assert (found.intent, found.reason) == ("causes_overview.treatment", "meaning names a topic neither offered is")
    strict = dataclasses.replace(skill.matcher.thresholds, reconsider_similarity=1.01)
    assert Matcher(skill.knowledge, strict, skill.matcher.index).match(question).intent == "clarify"


def test_meaning_that_agrees_with_the_words_first_topic_outweighs_a_keyword_of_another(skill: Skill) -> None:
    """The keyword "numb" names sciatica, while the words and the meaning both rank sitting first."""
    question = "my rear end is numb and aching after a three hour drive"
    said = skill.matcher.read(question)
    assert skill.matcher._match_words(said).intent == "sciatica"
    assert said.scores["prolonged_sitting"] > said.scores["sciatica"]
    found = skill.matcher.match(said)
    assert (found.intent, found.reason) == ("prolonged_sitting", "meaning agrees with the words")
    unsure = dataclasses.replace(skill.matcher.thresholds, semantic_topic_choose=1.01)
    assert Matcher(skill.knowledge, unsure, skill.matcher.index).match(question).intent == "sciatica"


def test_meaning_answers_how_to_place_one_s_feet_when_sitting_and_leaves_foot_pain_refused(skill: Skill) -> None:
    """Feet have a place in how one sits, for the meaning as for the words; pain in them is about the feet."""
    question = "where do i put my feet when sitting at a computer"
    assert skill.matcher._match_words(skill.matcher.read(question)).reason == "no word of the skill's domain"
    assert skill.matcher.match(question).intent == "daily_care"
    assert skill.matcher.match("my feet hurt when i sit at my computer").intent == "out_of_scope"


def test_the_topic_model_learns_which_topic_examples_point_to() -> None:
    index = SemanticIndex(
        {
            "sitting": ["sitting all day hurts my bottom", "my bum aches after a long drive"],
            "sitting.treatment": ["what helps a sore bum from sitting"],
            "weather": ["will it rain tomorrow", "is it going to be sunny"],
        }
    )
    meaning = index.read("my backside is sore after hours at my desk")
    assert meaning.topic == "sitting" and meaning.probability > 0.5
    assert meaning.nearest_of_topic.intent.startswith("sitting")
    assert index.read("will there be snow this weekend").topic == "weather"


def test_the_topic_model_is_the_same_for_the_same_examples() -> None:
    rng = np.random.default_rng(1)
    topics = np.arange(30) % 3
    vectors = (np.eye(8)[topics] + 0.3 * rng.standard_normal((30, 8))).astype(np.float32)
    first, second = semantic.train_topic_model(vectors, topics, 3), semantic.train_topic_model(vectors, topics, 3)
    assert first.shape == (9, 3) and np.array_equal(first, second)
    assert ((vectors @ first[:-1] + first[-1]).argmax(axis=1) == topics).mean() > 0.9


def test_without_the_encoder_the_words_decide(skill: Skill, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "model_zip", lambda: None)
    matcher = Matcher(skill.knowledge, index=skill.matcher.index)
    assert matcher.semantic is None
    assert matcher.match("my buttocks are sore from a day at the keyboard").intent == "out_of_scope"
    assert matcher.match("what causes hip pain").intent == "causes_overview"


def _unpacked_weights() -> list[Path]:
    return sorted(cache_dir().glob("minilm-*"))


def test_the_unpacked_encoder_is_cached_and_gives_the_same_vectors() -> None:
    archive = model_zip()
    assert archive is not None
    unpacked = Encoder(archive)
    assert [path.suffix for path in _unpacked_weights()] == [".json", ".npy"]
    mapped = Encoder(archive)
    question = ["my seat bones ache after a long drive"]
    assert (mapped.encode(question) == unpacked.encode(question)).all()


@pytest.mark.parametrize("damage", ["truncated weights", "unreadable weights", "unreadable list"])
def test_damaged_cached_weights_are_unpacked_again(encoder: Encoder, damage: str) -> None:
    archive = model_zip()
    assert archive is not None
    Encoder(archive)  # this test's cache now holds the unpacked weights
    listing, weights = _unpacked_weights()
    if damage == "truncated weights":
        np.save(weights, np.zeros(1000, dtype=np.float32))
    elif damage == "unreadable weights":
        weights.write_bytes(b"not numpy")
    else:
        listing.write_text("{not json")
    question = ["sitting all day hurts my bottom"]
    assert (Encoder(archive).encode(question) == encoder.encode(question)).all()
    assert np.load(weights, mmap_mode="r").size > 20_000_000  # unpacked again, and cached again


def test_older_unpacked_weights_are_removed(encoder: Encoder) -> None:
    """A previous model version or cache layout is 90 MB nobody will read again."""
    archive = model_zip()
    assert archive is not None
    old_layout = cache_dir() / "minilm-83319212-1700000000"
    old_layout.mkdir(parents=True)
    (old_layout / "names.json").write_text("[]")
    (cache_dir() / "minilm-1-2-16.npy").write_bytes(b"old version")
    for path in _unpacked_weights():
        if not path.is_dir() and not path.name.startswith("minilm-1-"):
            path.unlink()
    Encoder(archive)
    assert [path.suffix for path in _unpacked_weights()] == [".json", ".npy"]
    assert not old_layout.exists()


def test_an_unwritable_cache_only_costs_time(encoder: Encoder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    archive = model_zip()
    assert archive is not None
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(blocker / "cache"))
    question = ["my hip hurts when i walk"]
    assert (Encoder(archive).encode(question) == encoder.encode(question)).all()


@pytest.mark.parametrize("question", ["how should lorry drivers sit to look after their backs"])
def test_a_question_worded_as_people_ask_is_answered_once_meaning_learnt_their_wording(
    skill: Skill, question: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Not in the corpus; the dev paraphrases hold others like it ("truck drivers"), and the examples alone do not.
    ("which cushion is best for a hard metal folding chair" was another, until a word of sitting let the meaning of
    the examples alone decide.)"""
    assert skill.matcher.match(question).intent == "daily_care"
    index = skill.matcher.semantic
    assert index is not None
    (tmp_path / index.file_name).write_bytes((semantic.SHIPPED / index.file_name).read_bytes())
    monkeypatch.setattr(semantic, "SHIPPED", tmp_path)
    examples_only = Matcher(skill.knowledge, index=skill.matcher.index)
    examples_only.__dict__["semantic"] = index.learning_from({})
    assert examples_only.match(question).intent == "out_of_scope"


@pytest.mark.parametrize(
    "question",
    [
        "what is a disc jockey",
        "how do i burn a dvd disc",
        "what is hip hop music",
        "what is the best exercise ball to buy",
        "how do i get a coffee stain out of my office chair",
        "what cushion is best for a dog bed",
        "how should lorry drivers plan their rest breaks",
    ],
)
def test_meaning_that_learnt_people_s_wording_still_refuses_look_alikes(skill: Skill, question: str) -> None:
    assert skill.matcher.match(question).intent == "out_of_scope"


class SpyEncoder:
    """The real encoder, noting every sentence it is asked to encode."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.encoded: list[str] = []

    def encode(self, sentences: list[str]) -> np.ndarray:
        self.encoded += sentences
        return self.encoder.encode(sentences)


@pytest.fixture
def spy(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> SpyEncoder:
    spying = SpyEncoder(encoder)
    monkeypatch.setattr(semantic, "_shared_encoder", lambda archive: spying)
    return spying


def test_a_topic_of_the_user_s_own_encodes_only_its_own_sentences(spy: SpyEncoder, tmp_path: Path) -> None:
    """The shipped vectors serve every shipped example and paraphrase: encoding all 2400 took about a minute."""
    skill = Skill.load(intents_with_bursitis(tmp_path))
    # Wording learnt from people (the dev paraphrases), which needs meaning, is still understood beside the topic.
    question = "what cushion is best for a hard wooden dining chair"
    assert skill.matcher.match(question).intent == "daily_care"
    index = skill.matcher.semantic
    assert index is not None
    own = [
        sentence for intent, group in index._examples.items() if intent.startswith("hip_bursitis") for sentence in group
    ]
    assert sorted(spy.encoded) == sorted([*own, question])
    assert "what is hip bursitis" in own and len(own) < 20
    assert skill.matcher.match("what is bursitis of the hip").intent == "hip_bursitis"


@pytest.fixture
def shipped_toy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, list[str]]:
    """A small shipped index in place of the package's, for rebuilds the tests can afford."""
    examples = {
        "sitting": ["sitting all day hurts my bottom", "my bum aches after a long drive"],
        "weather": ["will it rain tomorrow", "is it going to be sunny"],
    }
    monkeypatch.setattr(semantic, "SHIPPED", tmp_path / "shipped")
    SemanticIndex(examples, {}).save(tmp_path / "shipped")
    return examples


def test_a_changed_example_is_encoded_again_and_the_others_reused(
    shipped_toy: dict[str, list[str]], spy: SpyEncoder
) -> None:
    changed = {**shipped_toy, "weather": ["will it snow tomorrow", "is it going to be sunny"]}
    SemanticIndex(changed, {}).nearest("is it raining")
    assert spy.encoded == ["will it snow tomorrow", "is it raining"]


def test_reused_vectors_are_those_of_a_full_rebuild(
    shipped_toy: dict[str, list[str]], spy: SpyEncoder, encoder: Encoder
) -> None:
    grown = {**shipped_toy, "bursitis": ["what is hip bursitis", "my hip hurts when i lie on it"]}
    index = SemanticIndex(grown, {})
    _, vectors = index._table
    sentences = [sentence for group in grown.values() for sentence in group]
    rebuilt = encoder.encode(sentences).astype(np.float16)
    assert spy.encoded == grown["bursitis"]
    # The same numbers but for float16's last bit, from batches of other lengths.
    np.testing.assert_allclose(vectors.astype(np.float32), rebuilt.astype(np.float32), atol=2e-4)


def test_a_grown_index_s_topic_model_starts_from_the_shipped_model(
    shipped_toy: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = SemanticIndex(shipped_toy, {})._model
    grown = SemanticIndex({"alpha": ["what is hip bursitis"], **shipped_toy}, {})
    monkeypatch.setattr(semantic, "_WARM_START_SHARE", 0.5)  # two topics of two sentences, then one more of one
    start = grown._shipped_weights()
    assert start is not None
    assert (start[:, 0] == 0).all() and (start[:, 1:] == shipped).all()
    assert (
        SemanticIndex({"alpha": ["what is hip bursitis"], **shipped_toy}, {}, warm_start=False)._shipped_weights()
        is None
    )
    monkeypatch.setattr(semantic, "_WARM_START_SHARE", 0.9)
    assert grown._shipped_weights() is None  # mostly other sentences: learnt from zero
    assert grown.read("what is bursitis of the hip").topic == "alpha"


def test_a_shipped_index_whose_sentences_do_not_fit_its_vectors_is_not_reused(
    shipped_toy: dict[str, list[str]], spy: SpyEncoder, tmp_path: Path
) -> None:
    """A vector under the wrong sentence would put it near the wrong topic: a list one line short encodes them all."""
    (listing,) = (tmp_path / "shipped").glob("sentences-*.tsv")
    listing.write_text("".join(listing.read_text(encoding="utf-8").splitlines(keepends=True)[1:]), encoding="utf-8")
    _, vectors = SemanticIndex({**shipped_toy, "bursitis": ["what is hip bursitis"]}, {})._table
    assert len(vectors) == 5
    assert sorted(spy.encoded) == sorted(
        [*(s for group in shipped_toy.values() for s in group), "what is hip bursitis"]
    )


def test_the_cache_keeps_only_the_newest_few_indexes_of_other_examples(shipped_toy: dict[str, list[str]]) -> None:
    """Every edit of a user's topic file makes new examples: about 2 MB of vectors each, which nobody reads again."""
    for number in range(KEPT_VERSIONS + 2):
        index = SemanticIndex({**shipped_toy, "bursitis": [f"what is hip bursitis number {number}"]}, {})
        index.nearest("is it raining")
    kept = sorted(path.name for path in cache_dir().glob("semantic-*.npy"))
    assert len(kept) == KEPT_VERSIONS and index.file_name in kept
    assert len(list(cache_dir().glob("topics-*.npy"))) == KEPT_VERSIONS
    assert not list(cache_dir().glob("*.tmp"))

"""Language models built from the skill's sentences: correct n-gram maths, every word pronounceable, cached."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from voice_skill.recognition.language_model import (
    HAND_PRONUNCIATIONS,
    arpa_kneser_ney,
    ipa_to_cmu,
    jsgf_grammar,
    pocketsphinx_model,
    pronounce,
    spoken_wording,
    vosk_grammar,
    words_of,
)
from voice_skill.skill import Skill

SENTENCES = [
    "What causes hip pain?",
    "what causes buttock pain",
    "does sitting cause buttock pain",
    "is sciatica the cause of my pain",
    "what is osteoporosis",
    "what is sciatica",
    "I can't sit for long",
]

CMU_PHONES = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()
)


def read_arpa(text: str) -> tuple[dict[int, int], dict[tuple[str, ...], float], dict[tuple[str, ...], float]]:
    """Declared counts, log10 probabilities and back-off weights of an ARPA model."""
    declared: dict[int, int] = {}
    probabilities: dict[tuple[str, ...], float] = {}
    backoffs: dict[tuple[str, ...], float] = {}
    for line in text.splitlines():
        if line.startswith("ngram "):
            order, count = line[6:].split("=")
            declared[int(order)] = int(count)
        fields = line.split("\t")
        if len(fields) >= 2:
            gram = tuple(fields[1].split())
            probabilities[gram] = float(fields[0])
            if len(fields) == 3:
                backoffs[gram] = float(fields[2])
    return declared, probabilities, backoffs


def log_probability(word: str, context: tuple[str, ...], probabilities, backoffs) -> float:
    if context + (word,) in probabilities:
        return probabilities[context + (word,)]
    return backoffs.get(context, 0.0) + log_probability(word, context[1:], probabilities, backoffs)


def test_words_are_lower_case_letters_and_inner_apostrophes() -> None:
    assert words_of("What causes Hip-pain? I can't sit!") == ["what", "causes", "hip", "pain", "i", "can't", "sit"]
    assert words_of("it’s ok, 'quoted'") == ["it's", "ok", "quoted"]


@pytest.mark.parametrize("order", [2, 3])
def test_kneser_ney_model_is_a_proper_distribution(order: int) -> None:
    declared, probabilities, backoffs = read_arpa(arpa_kneser_ney(SENTENCES, order=order))
    vocabulary = [gram[0] for gram in probabilities if len(gram) == 1 and gram != ("<s>",)]

    for n in range(1, order + 1):
        assert declared[n] == sum(1 for gram in probabilities if len(gram) == n)
    contexts = {gram[:-1] for gram in probabilities if len(gram) > 1} | {()}
    for context in contexts:
        total = sum(10 ** log_probability(word, context, probabilities, backoffs) for word in vocabulary)
        assert total == pytest.approx(1.0, abs=1e-4), context


def test_seen_word_sequences_are_likelier_than_unseen_ones() -> None:
    _, probabilities, backoffs = read_arpa(arpa_kneser_ney(SENTENCES))

    seen = log_probability("pain", ("hip",), probabilities, backoffs)
    unseen = log_probability("osteoporosis", ("hip",), probabilities, backoffs)
    assert seen > unseen + 0.5  # at least three times likelier
    # Kneser-Ney: a word that follows many different words is a likelier unseen continuation than one
    # that follows only one ("pain" follows hip, buttock, my; "osteoporosis" only "is").
    assert log_probability("pain", ("sciatica",), probabilities, backoffs) > log_probability(
        "osteoporosis", ("sciatica",), probabilities, backoffs
    )


def sentence_log_probability(sentence: str, arpa: str) -> float:
    _, probabilities, backoffs = read_arpa(arpa)
    padded = ("<s>", *words_of(sentence), "</s>")
    return sum(
        log_probability(padded[i], padded[max(0, i - 2) : i], probabilities, backoffs) for i in range(1, len(padded))
    )


def test_paraphrases_teach_their_wording_the_more_the_heavier() -> None:
    paraphrase = "why does my bum ache after sitting"

    alone = arpa_kneser_ney(SENTENCES)
    once = arpa_kneser_ney(SENTENCES, paraphrases=[paraphrase])
    thrice = arpa_kneser_ney(SENTENCES, paraphrases=[paraphrase], paraphrase_weight=3)

    assert "\tbum\t" not in alone
    assert sentence_log_probability(paraphrase, thrice) > sentence_log_probability(paraphrase, once) + 0.2
    # The template sentences stay likely: a paraphrase is people's wording beside them, not instead of them.
    assert sentence_log_probability("what causes hip pain", thrice) > sentence_log_probability(paraphrase, once)
    _, probabilities, backoffs = read_arpa(thrice)
    vocabulary = [gram[0] for gram in probabilities if len(gram) == 1 and gram != ("<s>",)]
    for context in [(), ("my",), ("<s>", "why")]:
        total = sum(10 ** log_probability(word, context, probabilities, backoffs) for word in vocabulary)
        assert total == pytest.approx(1.0, abs=1e-4), context


def test_mishearings_written_into_the_corpus_are_not_learnt_as_wording() -> None:
    paraphrases = [
        "what is sigh attica",
        "what is ostio porosis",
        "siatica flare",
        "is sciatic a nerve",
        "should i see my gp about my bum",
        "what causes sciatica",
    ]

    assert spoken_wording(paraphrases, SENTENCES + ["what is sciatica nerve pain"]) == [
        "should i see my gp about my bum",
        "what causes sciatica",
    ]


def test_pocketsphinx_loads_the_model_and_its_dictionary(tmp_path: Path) -> None:
    from pocketsphinx import Decoder

    for kind in ("trigram", "bigram", "jsgf"):
        model = pocketsphinx_model(SENTENCES, kind, cache_root=tmp_path)
        restriction = {"jsgf": str(model.path)} if kind == "jsgf" else {"lm": str(model.path)}
        decoder = Decoder(dict=str(model.dictionary), loglevel="FATAL", **restriction)
        assert decoder.lookup_word("sciatica") == "S AY AE T IH K AH"
        assert decoder.lookup_word("can't") is not None


def test_jsgf_grammar_holds_each_sentence_once() -> None:
    grammar = jsgf_grammar(SENTENCES + ["what causes hip pain"])

    assert grammar.startswith("#JSGF V1.0;")
    assert grammar.count("what causes hip pain") == 1
    assert "| what is sciatica" in grammar


def test_vosk_grammar_is_a_json_phrase_list_ending_in_unk() -> None:
    phrases = json.loads(vosk_grammar(SENTENCES + ["WHAT causes hip pain"]))

    assert phrases[-1] == "[unk]"
    assert phrases.count("what causes hip pain") == 1
    assert "i can't sit for long" in phrases


def test_vosk_grammar_keeps_the_shape_of_phrases_with_unknown_words() -> None:
    known = {"what", "is", "causes", "hip", "pain"}.__contains__

    phrases = json.loads(vosk_grammar(["what is osteoporosis", "what causes hip pain"], known=known))

    assert phrases == ["what causes hip pain", "what is [unk]", "[unk]"]


def test_medical_words_missing_from_cmudict_have_hand_written_pronunciations() -> None:
    words = ["sciatica", "osteoporosis", "loxoprofen", "diclofenac", "kyphosis", "piriformis", "hip"]

    found = pronounce(words)

    assert found["loxoprofen"] == ["L AA K S OW P R OW F AH N"]
    assert found["kyphosis"] == ["K AY F OW S IH S"]
    assert found["osteoporosis"]  # in CMUdict
    assert set(found) == set(words)


def test_hand_written_pronunciations_use_only_the_acoustic_model_phones() -> None:
    for line in HAND_PRONUNCIATIONS.read_text(encoding="utf-8").splitlines():
        word, *phones = line.split()
        assert word == word.lower()
        assert set(phones) <= CMU_PHONES, word


def test_unknown_words_get_a_pronunciation_from_espeak_ng() -> None:
    found = pronounce(["gusongbao", "zorblaxian"])

    for word in ("gusongbao", "zorblaxian"):
        phones = found[word][0].split()
        assert len(phones) >= 5
        assert set(phones) <= CMU_PHONES


def test_ipa_maps_to_cmu_phones() -> None:
    assert ipa_to_cmu("sa‍ɪˈæɾɪkə") == "S AY AE T IH K AH"
    assert ipa_to_cmu("hˈʌnt‍ʃɪŋ") == "HH AH N CH IH NG"
    assert ipa_to_cmu("zo‍ʊldɹˈɑːnɪk") == "Z OW L D R AA N IH K"


def test_every_word_of_the_skill_and_of_its_paraphrases_can_be_recognised(tmp_path: Path) -> None:
    skill = Skill.load()
    sentences = list(skill.sentences)
    model = pocketsphinx_model(sentences, cache_root=tmp_path, paraphrases=skill.paraphrases, paraphrase_weight=3)

    assert model.missing == ()
    dictionary = {line.split()[0].split("(")[0] for line in model.dictionary.read_text(encoding="utf-8").splitlines()}
    wording = spoken_wording(skill.paraphrases, sentences)
    assert {word for sentence in [*sentences, *wording] for word in words_of(sentence)} <= dictionary
    # People say "receptionist" and "gp" about seeing a doctor; the topic templates never do.
    assert {"receptionist", "gp"} <= dictionary - {word for sentence in sentences for word in words_of(sentence)}
    assert "ostio" not in dictionary  # "what is ostio porosis" is in the corpus for the matcher, not for this


def test_built_models_are_cached_by_their_inputs(tmp_path: Path) -> None:
    first = pocketsphinx_model(SENTENCES, cache_root=tmp_path)
    built = first.path.stat().st_mtime_ns

    started = time.perf_counter()
    again = pocketsphinx_model(list(reversed(SENTENCES)), cache_root=tmp_path)
    assert time.perf_counter() - started < 0.05
    assert again == first
    assert again.path.stat().st_mtime_ns == built

    changed = pocketsphinx_model(SENTENCES + ["what is kyphosis"], cache_root=tmp_path)
    assert changed.path.parent != first.path.parent
    assert "kyphosis" in changed.path.read_text(encoding="utf-8")
    assert not [entry for entry in tmp_path.iterdir() if entry.name.startswith(".building-")]


def test_the_cache_lives_in_the_user_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(tmp_path / "cache"))

    model = pocketsphinx_model(SENTENCES)

    assert model.path.is_relative_to(tmp_path / "cache")
    assert math.isfinite(model.path.stat().st_size)

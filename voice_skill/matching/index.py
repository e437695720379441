"""What the matcher precomputes from the topics: examples by intent, a vocabulary that finds misheard words,
and word-coverage tables; saved in the user cache so that a cold start only reads it."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from functools import cache, cached_property
from typing import Any

from rapidfuzz import fuzz, process

from ..intent import EMERGENCY, FOLLOW_UP, OUT_OF_SCOPE, URGENT, IntentId
from ..knowledge.model import ASPECTS, KnowledgeBase
from .text import PEOPLE_AND_ASKING, STOPWORDS, dropped, normalise, phonetic
from .thresholds import Thresholds

DOMAIN, WITH_PAIN, PAIN, ELSEWHERE, EVERYDAY = "<domain>", "<with pain>", "<pain>", "<elsewhere>", "<everyday>"
"""Vocabulary labels of the domain's word lists (the other labels are topic ids)."""

_REPEATED_LETTER = re.compile(r"(.)\1\1")

LONGEST_PHRASE = 5
"""Vocabulary phrases have at most this many words."""


class Stems:
    """Word stems ("running" and "runs" are "run"); the examples' stems are kept so queries rarely need the stemmer."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known: dict[str, str] = known or {}

    @cached_property
    def _stem(self) -> Any:
        from snowballstemmer import stemmer

        return stemmer("english").stemWord

    def content(self, sentence: str) -> list[str]:
        """The stems of a sentence's content words."""
        stems = []
        for word in sentence.split():
            if word in STOPWORDS:
                continue
            stem = self.known.get(word)
            if stem is None:
                stem = self.known[word] = self._stem(word.replace("'", ""))
            stems.append(stem)
        return stems


@dataclass
class Examples:
    """Example sentences grouped by the intent they stand for."""

    by_intent: dict[str, list[str]] = field(default_factory=dict)

    def add(self, intent: str, sentences: tuple[str, ...] | list[str]) -> None:
        self.by_intent.setdefault(intent, []).extend(normalise(sentence) for sentence in sentences)

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(word for sentences in self.by_intent.values() for s in sentences for word in s.split())

    def to_json(self) -> dict[str, Any]:
        """The sentences and their words: splitting 12,000 sentences again would cost a cold start 5 ms."""
        return {"by_intent": self.by_intent, "words": sorted(self.words)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Examples:
        examples = cls(data["by_intent"])
        examples.__dict__["words"] = frozenset(data["words"])  # where `words` keeps what it worked out
        return examples

    def best_by_intent(self, query: str, floor: float) -> dict[IntentId, float]:
        """The best letter similarity (0..100) each intent's examples reach, if at least floor."""
        scores = {}
        for intent, sentences in self.by_intent.items():
            best = process.extractOne(query, sentences, scorer=fuzz.ratio, score_cutoff=floor)
            if best:
                scores[IntentId(intent)] = best[1]
        return scores


@dataclass
class Coverage:
    """How much of an utterance each label's vocabulary explains, words weighted by rarity among labels."""

    labels_of: dict[str, list[str]]
    weight: dict[str, float]
    unknown_weight: float

    @classmethod
    def build(cls, stems: Stems, sentences_by_label: dict[str, list[str]]) -> Coverage:
        labels_of: dict[str, set[str]] = defaultdict(set)
        for label, sentences in sentences_by_label.items():
            for sentence in sentences:
                for stem in stems.content(normalise(sentence)):
                    labels_of[stem].add(label)
        count = len(sentences_by_label)
        return cls(
            labels_of={stem: sorted(labels) for stem, labels in labels_of.items()},
            weight={stem: math.log(1 + count / len(labels)) for stem, labels in labels_of.items()},
            unknown_weight=math.log(1 + count),
        )

    def scores(self, stems: list[str]) -> dict[str, float]:
        """Share (0..1) of the utterance's word weight that each label's vocabulary holds."""
        total = sum(self.weight.get(stem, self.unknown_weight) for stem in stems)
        scores: dict[str, float] = defaultdict(float)
        for stem in stems:
            for label in self.labels_of.get(stem, ()):
                scores[label] += self.weight[stem] / total
        return scores


@dataclass
class Vocabulary:
    """Words and short phrases with labels (topic ids, DOMAIN, PAIN ...), found even when misheard."""

    labels: dict[str, list[str]] = field(default_factory=dict)
    by_sound: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, phrases: tuple[str, ...]) -> None:
        for phrase in phrases:
            phrase = normalise(phrase)
            if label not in self.labels.setdefault(phrase, []):
                self.labels[phrase].append(label)
            self.by_sound.setdefault(phonetic(phrase.replace(" ", "")), phrase)

    def find(self, query: str, known_words: frozenset[str], thresholds: Thresholds) -> tuple[str, set[str]]:
        """The query with misheard hard words put right, and the labels of the phrases it holds.

        A real English word is never taken for a different vocabulary word ("setting" is not
        "sitting"), and words are only joined into a hard word ("her nation" is "herniation",
        but "bus running" is not "burning").
        """
        words = query.split()
        labels: set[str] = set()
        for size in range(min(len(words), LONGEST_PHRASE), 0, -1):
            start = 0
            while start + size <= len(words):
                piece = words[start : start + size]
                phrase = " ".join(piece)
                known = (
                    phrase
                    if phrase in self.labels
                    else self._inflected(phrase) or self._misheard(piece, known_words, thresholds)
                )
                if known:
                    labels.update(self.labels[known])
                    if known != phrase:
                        words[start : start + size] = [known]
                start += 1
        return " ".join(words), labels

    def _inflected(self, phrase: str) -> str | None:
        """A vocabulary word with "'s", "-es" or "-s" ("my bum's been sore", "he slouches", "their backs") is that word."""
        if " " in phrase:
            return None
        for ending in ("'s", "es", "s"):
            word = phrase.removesuffix(ending)
            if word != phrase and word in self.labels:
                return word
        return None

    def _misheard(self, piece: list[str], known_words: frozenset[str], thresholds: Thresholds) -> str | None:
        joined = "".join(piece)
        if len(joined) < thresholds.misheard_letters or all(word in known_words for word in piece):
            return None  # words the examples use are heard right; a mishearing yields a stranger word
        if _REPEATED_LETTER.search(joined):
            return None  # "sciaticaxxxx" is typed nonsense: no recogniser hears a letter held that long
        if any(_names_a_person(word) for word in piece):
            return None  # "my grans leg" is about a gran, not "migraines"
        hit = process.extractOne(
            phonetic(joined), self.by_sound.keys(), scorer=fuzz.ratio, score_cutoff=thresholds.misheard
        )
        if not hit:
            return None
        known = self.by_sound[hit[0]]
        if len(piece) == 1:
            return None if joined in _english_words() else known
        if " " in known or any(word in self.labels for word in piece):
            return None  # a word heard in pieces is one word: "say it one" is not "sit bone"
        if known.replace(" ", "") in _english_words() and all(word in _english_words() for word in piece):
            return None
        return known


def _names_a_person(word: str) -> bool:
    """A person a question is about, or that person's, typed without the apostrophe ("grans", "mums")."""
    return word in PEOPLE_AND_ASKING or word.removesuffix("'s").removesuffix("s") in PEOPLE_AND_ASKING


def with_plurals(keywords: tuple[str, ...]) -> tuple[str, ...]:
    """Keywords and the plural of each one-word noun-like keyword: "ring cushions" names the chair topic
    as "a cushion" does. Words ending in s, or in -ing and -ed, have no plural of that kind."""
    plurals = tuple(
        f"{keyword}s" for keyword in keywords if " " not in keyword and not keyword.endswith(("s", "ing", "ed", "y"))
    )
    return (*keywords, *(plural for plural in plurals if plural not in keywords))


def _english_words() -> frozenset[str]:
    """Real English words are never "corrected" into a keyword; the bundled speech dictionary lists them."""
    from ..lexicon import english_words

    return english_words()


@dataclass
class MatcherIndex:
    """Everything the matcher precomputes from the topics; saved beside the topic cache for fast starts."""

    examples: Examples
    out_of_scope: Examples
    follow_ups: Examples
    vocabulary: Vocabulary
    topic_words: Coverage
    aspect_words: Coverage
    stems: dict[str, str]
    triggers: list[str]
    context_triggers: list[str]
    other_senses: list[str]
    sense_cues: dict[str, list[str]]
    aspect_frames: dict[str, list[str]]
    """Each aspect's question frames, as the sources of their patterns (`frame_pattern`)."""
    dialogue_frames: dict[str, list[str]]
    """The frames of outlooks asked, findings told and visits asked, as the sources of their patterns."""

    @classmethod
    def build(cls, knowledge: KnowledgeBase) -> MatcherIndex:
        examples, vocabulary = Examples(), Vocabulary()
        sentences_by_topic: dict[str, list[str]] = {}
        sentences_by_aspect: dict[str, list[str]] = defaultdict(list)
        for topic in knowledge.topics.values():
            if topic.id == EMERGENCY:
                continue  # found by meaning (matching/alarms.py); its sentences are only for recognisers
            vocabulary.add(topic.id, with_plurals(topic.keywords))
            sentences_by_topic[topic.id] = list(topic.sentences)
            if topic.id == OUT_OF_SCOPE:
                continue
            examples.add(topic.id, topic.sentences)
            for aspect in topic.aspects.values():
                examples.add(IntentId.of(topic.id, aspect.name), aspect.sentences)
                sentences_by_topic[topic.id].extend(aspect.sentences)
                sentences_by_aspect[aspect.name].extend(aspect.sentences)
        domain = knowledge.domain
        for label, phrases in (
            (DOMAIN, domain.words),
            (WITH_PAIN, domain.with_pain),
            (PAIN, domain.pain_words),
            (ELSEWHERE, domain.elsewhere),
            (EVERYDAY, domain.everyday),
        ):
            vocabulary.add(label, phrases)
        out_of_scope, follow_ups = Examples(), Examples()
        out_of_scope.add(OUT_OF_SCOPE, knowledge.topics[OUT_OF_SCOPE].sentences)
        for name, sentences in knowledge.dialogue.follow_ups.items():
            follow_ups.add(IntentId.of(FOLLOW_UP, name), sentences)
            if name in ASPECTS:
                sentences_by_aspect[name].extend(sentences)
        stems = Stems()
        urgent = knowledge.topics[URGENT]
        return cls(
            examples=examples,
            out_of_scope=out_of_scope,
            follow_ups=follow_ups,
            vocabulary=vocabulary,
            topic_words=Coverage.build(stems, sentences_by_topic),
            aspect_words=Coverage.build(stems, dict(sentences_by_aspect)),
            stems=stems.known,
            triggers=[normalise(t) for t in urgent.triggers],
            context_triggers=[normalise(t) for t in urgent.context_triggers],
            other_senses=sorted((normalise(p) for p in domain.other_senses), key=lambda p: -len(p)),
            sense_cues={normalise(word): [normalise(cue) for cue in cues] for word, cues in domain.sense_cues.items()},
            aspect_frames={
                name: [frame_pattern(frame) for frame in frames]
                for name, frames in knowledge.dialogue.aspect_questions.items()
            },
            dialogue_frames={
                name: [frame_pattern(frame) for frame in getattr(knowledge.dialogue, name)]
                for name in ("outlook_asked", "finding_told", "visit_asked")
            },
        )

    def to_json(self) -> dict[str, Any]:
        return {f.name: _as_json(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MatcherIndex:
        return cls(
            examples=Examples.from_json(data["examples"]),
            out_of_scope=Examples.from_json(data["out_of_scope"]),
            follow_ups=Examples.from_json(data["follow_ups"]),
            vocabulary=Vocabulary(**data["vocabulary"]),
            topic_words=Coverage(**data["topic_words"]),
            aspect_words=Coverage(**data["aspect_words"]),
            stems=data["stems"],
            triggers=data["triggers"],
            context_triggers=data["context_triggers"],
            other_senses=data["other_senses"],
            sense_cues=data["sense_cues"],
            aspect_frames=data["aspect_frames"],
            dialogue_frames=data["dialogue_frames"],
        )


_FRAME_TOKEN = re.compile(r"\.\.\.|[()\[\]|]|[^\s()\[\]|]+")
_FRAME_SYNTAX = {"...": r"(?:\S+ )+?", "(": "(?:", ")": ")", "[": "(?:", "]": ")?", "|": "|", "$": "$"}
"""A question frame's template syntax as a regular expression: "..." is one or more words, "$" the utterance's end."""


def frame_pattern(template: str) -> str:
    """A question frame ("how (can|could) ... injure ...") as a pattern over a normalised utterance in which
    every word is followed by a space; words are normalised as utterances are ("so" is a filler, and "like" is
    dropped inside a sentence: "what does ... feel like" is "what does ... feel"). Worked out with the index,
    not at every start: a hundred frames cost a cold `ask` about 3 ms."""
    return "".join(_FRAME_SYNTAX.get(token) or _frame_words(token) for token in _FRAME_TOKEN.findall(template))


@cache
def _frame_words(token: str) -> str:
    # The frames repeat the same few hundred words: each is normalised once.
    return "".join(f"{re.escape(word)} " for word in normalise(token).split() if not dropped(word))


def _as_json(value: Any) -> Any:
    if isinstance(value, Examples):
        return value.to_json()
    return value if isinstance(value, (dict, list)) else asdict(value)

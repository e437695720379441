"""Matching a transcript to a topic with rapidfuzz, built for what speech recognisers produce.

Recognisers give lower-case words with fillers, dropped words and mishearings of the hard words
("sigh attica", "osteo porosis"). Misheard hard words are put right first; then each topic is scored
two ways: how closely the whole utterance resembles one of its examples (rapidfuzz, letters), and how
much of what was said the topic's vocabulary explains (stemmed words weighted by how rare they are
among topics), which carries paraphrases no example foresaw. Rejection matters as much as accuracy,
so a medical topic also needs a word of the skill's domain, no closer out-of-scope example, and a
margin over the runner-up (else the skill asks which was meant).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property

from rapidfuzz import fuzz, process

from .topics import ASPECTS, OUT_OF_SCOPE, URGENT, KnowledgeBase, Topic

CLARIFY = "clarify"
FOLLOW_UP_PREFIX = "follow_up."
_DOMAIN, _WITH_PAIN, _PAIN, _ELSEWHERE = "<domain>", "<with pain>", "<pain>", "<elsewhere>"

FILLERS = frozenset(
    "um umm uh uhh er erm ah hmm mm okay ok so well hey hi hello please just actually basically "
    "kinda sorta yeah alexa computer".split()
)
FILLER_PHRASES = ("you know", "i mean", "tell me")
STOPWORDS = frozenset(
    "a an the my me i i'm im it its it's is are am was be been do does did can could should would will "
    "of to in on at for with about from by and or but if when what whats what's why how which who "
    "this that there these those your you we our they them he she his her have has had get got "
    "any some very really much more so too not no".split()
)
_LONGEST_PHRASE = 5
"""Vocabulary phrases have at most this many words."""
_FUZZY_TRIGGER_LENGTH = 12
"""Shorter warning-sign phrases ("fever") must be said as they are: fuzzily, "ever" would be one."""
_NON_WORD = re.compile(r"[^\w' ]+")
_PHONETIC_RULES = (("igh", "i"), ("ph", "f"), ("ck", "k"), ("sc", "s"), ("c", "k"), ("y", "i"), ("z", "s"))


@dataclass(frozen=True)
class Thresholds:
    """Cutoffs and weights, calibrated on the dev splits (benchmarks/matching_accuracy.py reports test)."""

    accept: float = 60.0
    """Least topic score (0..100) for a medical topic whose own keyword was said."""

    accept_without_keyword: float = 70.0
    """Least topic score when the utterance holds no keyword of that topic."""

    accept_without_domain: float = 92.0
    """Without a domain word, only a near-verbatim example is accepted ("should i see a doctor")."""

    words_weight: float = 0.6
    """Share of the word-coverage score in a topic's score; the rest is letter similarity."""

    keyword_bonus: float = 5.0
    """Added to a topic's score when the utterance holds one of its keywords."""

    margin: float = 2.0
    """Below this gap between the two best topics, the skill asks which one was meant."""

    margin_when_both_named: float = 16.0
    """The wider gap used when the utterance names both topics ("sciatica or a slipped disc")."""

    meta: float = 70.0
    """Least score for help, repeat, stop and follow-ups, which carry no domain words."""

    unknown_word_penalty: float = 10.0
    """Raises the meta cutoff when the utterance holds a word no example knows ("what is gout")."""

    aspect: float = 0.25
    """Least share of the utterance that an aspect's cue words must explain ("what medicine ...")."""

    trigger: float = 88.0
    """Least similarity for an urgent warning-sign phrase anywhere in the utterance."""

    out_of_scope_lead: float = 4.0
    """An out-of-scope example this much closer than the best topic wins."""


@dataclass(frozen=True)
class Candidate:
    """A possible intent and how sure the matcher is of it."""

    intent: str
    confidence: float


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one utterance."""

    intent: str
    """A topic id, "<id>.<aspect>", "follow_up.<aspect>", "clarify" or "out_of_scope"."""

    confidence: float
    """0..1."""

    alternatives: tuple[Candidate, ...] = ()
    """The next best intents; for "clarify", the topics offered, best first."""

    reason: str = ""
    """Which rule decided, for evaluation and debugging."""


def normalise(text: str) -> str:
    """Lower case, no punctuation, no fillers: the form recognisers produce and examples are stored in."""
    text = _NON_WORD.sub(" ", text.lower().replace("’", "'"))
    for phrase in FILLER_PHRASES:
        text = re.sub(rf"\b{phrase}\b", " ", text)
    words = [word for word in text.replace("_", " ").split() if word not in FILLERS and word != "like"]
    if not words:
        words = [word for word in text.split() if word == "like"]
    return " ".join(words)


def phonetic(word: str) -> str:
    """A rough sound-alike key, so "sigh attica" and "sciatica" come close."""
    for spelling, sound in _PHONETIC_RULES:
        word = word.replace(spelling, sound)
    return re.sub(r"(.)\1+", r"\1", word)


class _Stems:
    """Word stems ("running" and "runs" are "run"); the examples' stems are kept so queries rarely need the stemmer."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known: dict[str, str] = known or {}

    @cached_property
    def _stem(self):  # type: ignore[no-untyped-def]
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
class _Examples:
    """Example sentences grouped by the intent they stand for."""

    by_intent: dict[str, list[str]] = field(default_factory=dict)

    def add(self, intent: str, sentences: tuple[str, ...]) -> None:
        self.by_intent.setdefault(intent, []).extend(normalise(sentence) for sentence in sentences)

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(word for sentences in self.by_intent.values() for s in sentences for word in s.split())

    def best_by_intent(self, query: str) -> dict[str, float]:
        """The best letter similarity (0..100) each intent's examples reach."""
        scores = {}
        for intent, sentences in self.by_intent.items():
            best = process.extractOne(query, sentences, scorer=fuzz.ratio, score_cutoff=30)
            if best:
                scores[intent] = best[1]
        return scores


@dataclass
class _Coverage:
    """How much of an utterance each label's vocabulary explains, words weighted by rarity among labels."""

    labels_of: dict[str, list[str]]
    weight: dict[str, float]
    unknown_weight: float

    @classmethod
    def build(cls, stems: _Stems, sentences_by_label: dict[str, list[str]]) -> _Coverage:
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
class _Vocabulary:
    """Words and short phrases with labels (topic ids, "domain", "pain" ...), found even when misheard."""

    labels: dict[str, list[str]] = field(default_factory=dict)
    by_sound: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, phrases: tuple[str, ...]) -> None:
        for phrase in phrases:
            phrase = normalise(phrase)
            if label not in self.labels.setdefault(phrase, []):
                self.labels[phrase].append(label)
            self.by_sound.setdefault(phonetic(phrase.replace(" ", "")), phrase)

    def find(self, query: str, known_words: frozenset[str] = frozenset()) -> tuple[str, set[str]]:
        """The query with misheard hard words put right, and the labels of the phrases it holds.

        A real English word is never taken for a different vocabulary word ("setting" is not
        "sitting"), and words are only joined into a hard word ("her nation" is "herniation",
        but "bus running" is not "burning").
        """
        words = query.split()
        labels: set[str] = set()
        for size in range(min(len(words), _LONGEST_PHRASE), 0, -1):
            start = 0
            while start + size <= len(words):
                piece = words[start : start + size]
                phrase = " ".join(piece)
                known = phrase if phrase in self.labels else self._misheard(piece, known_words)
                if known:
                    labels.update(self.labels[known])
                    if known != phrase:
                        words[start : start + size] = [known]
                start += 1
        return " ".join(words), labels

    def _misheard(self, piece: list[str], known_words: frozenset[str]) -> str | None:
        joined = "".join(piece)
        if len(joined) < 6 or all(word in known_words for word in piece):
            return None  # words the examples use are heard right; a mishearing yields a stranger word
        hit = process.extractOne(phonetic(joined), self.by_sound.keys(), scorer=fuzz.ratio, score_cutoff=85)
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


def _english_words() -> frozenset[str]:
    """Real English words are never "corrected" into a keyword; the bundled speech dictionary lists them."""
    from .lexicon import english_words

    return english_words()


@dataclass
class MatcherIndex:
    """Everything the matcher precomputes from the topics; saved beside the topic cache for fast starts."""

    examples: _Examples
    out_of_scope: _Examples
    follow_ups: _Examples
    vocabulary: _Vocabulary
    topic_words: _Coverage
    aspect_words: _Coverage
    stems: dict[str, str]
    triggers: list[str]
    context_triggers: list[str]

    @classmethod
    def build(cls, knowledge: KnowledgeBase) -> MatcherIndex:
        examples, vocabulary = _Examples(), _Vocabulary()
        sentences_by_topic: dict[str, list[str]] = {}
        sentences_by_aspect: dict[str, list[str]] = defaultdict(list)
        for topic in knowledge.topics.values():
            vocabulary.add(topic.id, topic.keywords)
            sentences_by_topic[topic.id] = list(topic.sentences)
            if topic.id == OUT_OF_SCOPE:
                continue
            examples.add(topic.id, topic.sentences)
            for aspect in topic.aspects.values():
                examples.add(f"{topic.id}.{aspect.name}", aspect.sentences)
                sentences_by_topic[topic.id].extend(aspect.sentences)
                sentences_by_aspect[aspect.name].extend(aspect.sentences)
        domain = knowledge.domain
        for label, phrases in (
            (_DOMAIN, domain.words),
            (_WITH_PAIN, domain.with_pain),
            (_PAIN, domain.pain_words),
            (_ELSEWHERE, domain.elsewhere),
        ):
            vocabulary.add(label, phrases)
        out_of_scope, follow_ups = _Examples(), _Examples()
        out_of_scope.add(OUT_OF_SCOPE, knowledge.topics[OUT_OF_SCOPE].sentences)
        for name, sentences in knowledge.dialogue.follow_ups.items():
            follow_ups.add(FOLLOW_UP_PREFIX + name, sentences)
            if name in ASPECTS:
                sentences_by_aspect[name].extend(sentences)
        stems = _Stems()
        urgent = knowledge.topics[URGENT]
        return cls(
            examples=examples,
            out_of_scope=out_of_scope,
            follow_ups=follow_ups,
            vocabulary=vocabulary,
            topic_words=_Coverage.build(stems, sentences_by_topic),
            aspect_words=_Coverage.build(stems, dict(sentences_by_aspect)),
            stems=stems.known,
            triggers=[normalise(t) for t in urgent.triggers],
            context_triggers=[normalise(t) for t in urgent.context_triggers],
        )

    def to_json(self) -> dict:
        return {
            name: value if isinstance(value, (dict, list)) else asdict(value)
            for name, value in ((f.name, getattr(self, f.name)) for f in fields(self))
        }

    @classmethod
    def from_json(cls, data: dict) -> MatcherIndex:
        return cls(
            examples=_Examples(data["examples"]["by_intent"]),
            out_of_scope=_Examples(data["out_of_scope"]["by_intent"]),
            follow_ups=_Examples(data["follow_ups"]["by_intent"]),
            vocabulary=_Vocabulary(**data["vocabulary"]),
            topic_words=_Coverage(**data["topic_words"]),
            aspect_words=_Coverage(**data["aspect_words"]),
            stems=data["stems"],
            triggers=data["triggers"],
            context_triggers=data["context_triggers"],
        )


class Matcher:
    """Decides which intent an utterance means, or that it is out of scope."""

    def __init__(
        self, knowledge: KnowledgeBase, thresholds: Thresholds | None = None, index: MatcherIndex | None = None
    ) -> None:
        self.knowledge = knowledge
        self.thresholds = thresholds or Thresholds()
        self.topics: dict[str, Topic] = knowledge.topics
        self.index = index or MatcherIndex.build(knowledge)
        self._examples = self.index.examples
        self._out_of_scope = self.index.out_of_scope
        self._follow_ups = self.index.follow_ups
        self._vocabulary = self.index.vocabulary
        self._stems = _Stems(self.index.stems)

    def match(self, text: str) -> Match:
        """Match one utterance."""
        query, labels = self._vocabulary.find(normalise(text), self._examples.words)
        if not query:
            return Match(OUT_OF_SCOPE, 1.0, reason="nothing said")
        in_domain = _DOMAIN in labels or (_WITH_PAIN in labels and _PAIN in labels)
        trigger = self._urgent_trigger(query, in_domain or _PAIN in labels)
        if trigger:
            return Match(URGENT, 1.0, reason=f"warning sign: {trigger}")

        letters = self._examples.best_by_intent(query)
        scores = self._topic_scores(query, labels, letters)
        meta = self._best_meta(query, letters, in_domain)
        if meta:
            return meta
        ranked = sorted(
            ((topic_id, score) for topic_id, score in scores.items() if self.topics[topic_id].is_medical),
            key=lambda item: -item[1],
        )
        if not ranked:
            return Match(OUT_OF_SCOPE, 1.0, reason="no example is close")
        best_topic, best_score = ranked[0]
        alternatives = tuple(Candidate(topic_id, round(score / 100, 3)) for topic_id, score in ranked[1:4])
        rejected = round(1.0 - best_score / 200, 3)

        said_as_written = max(letters.values(), default=0.0) >= self.thresholds.accept_without_domain
        if _ELSEWHERE in labels and _DOMAIN not in labels and not said_as_written:
            return Match(OUT_OF_SCOPE, rejected, alternatives, "about another part of the body")
        near_example = said_as_written or best_score >= self.thresholds.accept_without_domain
        if not in_domain and (not near_example or self._unknown_words(query)):
            return Match(OUT_OF_SCOPE, rejected, alternatives, "no word of the skill's domain")
        if len(self._content_words(query)) < 2 and best_topic not in labels and not said_as_written:
            return Match(OUT_OF_SCOPE, rejected, alternatives, "one word is not a question")
        needed = self.thresholds.accept if best_topic in labels else self.thresholds.accept_without_keyword
        if best_score < needed:
            return Match(OUT_OF_SCOPE, rejected, alternatives, "no example close enough")
        out_of_scope_score = max(self._out_of_scope.best_by_intent(query).values(), default=0.0)
        if out_of_scope_score >= best_score + self.thresholds.out_of_scope_lead:
            return Match(OUT_OF_SCOPE, round(out_of_scope_score / 100, 3), alternatives, "an out-of-scope example is closer")

        either = self._either_or(query, scores)
        if either:
            return Match(CLARIFY, round(best_score / 100, 3), either, "the user named two topics")
        if len(ranked) > 1:
            runner_topic, runner_score = ranked[1]
            named = (best_topic in labels, runner_topic in labels)
            margin = {
                (True, True): self.thresholds.margin_when_both_named,
                (True, False): 0.0,
                (False, True): self.thresholds.margin,
                (False, False): self.thresholds.margin,
            }[named]
            if best_score - runner_score < margin and runner_score >= needed:
                offered = (Candidate(best_topic, round(best_score / 100, 3)), Candidate(runner_topic, round(runner_score / 100, 3)))
                return Match(CLARIFY, round(best_score / 100, 3), offered, "two topics are close")
        return Match(self._with_aspect(best_topic, query, letters), round(best_score / 100, 3), alternatives, "closest topic")

    def match_among(self, text: str, intents: list[str]) -> str | None:
        """Which of the offered topics a reply to a clarifying question names, if any."""
        query, labels = self._vocabulary.find(normalise(text), self._examples.words)
        named = [intent for intent in intents if intent in labels]
        if len(named) == 1:
            return named[0]
        letters = self._examples.best_by_intent(query)
        scores = {t: score for t, score in self._topic_scores(query, labels, letters).items() if t in intents}
        for intent in intents:
            name = normalise(self.topics[intent].name)
            scores[intent] = max(scores.get(intent, 0.0), fuzz.partial_ratio(name, query) if len(query) >= 4 else 0.0)
        best = max(scores, key=scores.__getitem__)
        return best if scores[best] >= self.thresholds.meta else None

    def _topic_scores(self, query: str, labels: set[str], letters_by_intent: dict[str, float]) -> dict[str, float]:
        """Each topic's score (0..100): letter similarity and word coverage blended, plus a keyword bonus."""
        letters: dict[str, float] = {}
        for intent, score in letters_by_intent.items():
            topic_id = intent.split(".")[0]
            letters[topic_id] = max(letters.get(topic_id, 0.0), score)
        words = self.index.topic_words.scores(self._stems.content(query))
        weight = self.thresholds.words_weight
        scores = {}
        for topic_id in set(letters) | set(words):
            if topic_id == OUT_OF_SCOPE:
                continue
            score = (1 - weight) * letters.get(topic_id, 0.0) + weight * 100 * words.get(topic_id, 0.0)
            score = max(score, letters.get(topic_id, 0.0))
            if topic_id in labels:
                score += self.thresholds.keyword_bonus
            scores[topic_id] = min(100.0, score)
        return scores

    def _either_or(self, query: str, scores: dict[str, float]) -> tuple[Candidate, Candidate] | None:
        """Two medical topics named on either side of "or" ("sciatica or a slipped disc") are a choice to offer."""
        if " or " not in f" {query} ":
            return None
        before, _, after = f" {query} ".partition(" or ")
        named = [self._vocabulary.find(side.strip(), self._examples.words)[1] for side in (before, after)]
        topics = [
            next((t for t in sorted(labels, key=lambda t: -scores.get(t, 0.0)) if t in self.topics and self.topics[t].is_medical), None)
            for labels in named
        ]
        if None in topics or topics[0] == topics[1]:
            return None
        first, second = sorted(topics, key=lambda t: -scores.get(t, 0.0))  # type: ignore[arg-type]
        return Candidate(first, round(scores.get(first, 0.0) / 100, 3)), Candidate(second, round(scores.get(second, 0.0) / 100, 3))

    def _with_aspect(self, topic_id: str, query: str, letters: dict[str, float]) -> str:
        """The topic, or its aspect when the utterance asks for one ("what medicine helps sciatica")."""
        aspects = self.topics[topic_id].aspects
        if not aspects:
            return topic_id
        cues = self.index.aspect_words.scores(self._stems.content(query))
        base = letters.get(topic_id, 0.0)
        closest = max(aspects, key=lambda name: letters.get(f"{topic_id}.{name}", 0.0))
        if letters.get(f"{topic_id}.{closest}", 0.0) > max(base, 80.0):
            return f"{topic_id}.{closest}"
        if cues:
            ranked = sorted(cues.values(), reverse=True) + [0.0]
            cued = max(cues, key=cues.__getitem__)
            if cued in aspects and ranked[0] - ranked[1] >= self.thresholds.aspect:
                return f"{topic_id}.{cued}"
        return topic_id

    def _unknown_words(self, query: str) -> list[str]:
        """Content words no example uses: outside the domain they name something the skill knows nothing of."""
        return [word for word in self._content_words(query) if word not in self._examples.words]

    @staticmethod
    def _content_words(query: str) -> list[str]:
        return [word for word in query.split() if word not in STOPWORDS]

    def _best_meta(self, query: str, letters: dict[str, float], in_domain: bool) -> Match | None:
        """Help, repeat, stop and follow-ups are set phrases: only their letters count, so that a
        jumble of common words ("is it be need be all") never ends the session."""
        candidates = {intent: s for intent, s in letters.items() if not self.topics[intent.split(".")[0]].is_medical}
        candidates.update(self._follow_ups.best_by_intent(query))
        if not candidates:
            return None
        best = max(candidates, key=candidates.__getitem__)
        medical = max((s for i, s in letters.items() if self.topics[i.split(".")[0]].is_medical), default=0.0)
        if candidates[best] < medical:
            return None
        if in_domain:
            needed = self.thresholds.accept_without_domain
        else:
            needed = self.thresholds.meta + (self.thresholds.unknown_word_penalty if self._unknown_words(query) else 0.0)
        if candidates[best] >= needed:
            return Match(best, round(candidates[best] / 100, 3), reason="meta phrase")
        return None

    @cached_property
    def _triggers_with_word(self) -> dict[str, list[str]]:
        """Each word of the warning-sign phrases, and the phrases it appears in."""
        index: dict[str, list[str]] = defaultdict(list)
        for trigger in (*self.index.triggers, *self.index.context_triggers):
            for word in set(trigger.split()):
                index[word].append(trigger)
        return index

    @cached_property
    def _trigger_sizes(self) -> dict[str, int]:
        return {trigger: len(set(trigger.split())) for trigger in (*self.index.triggers, *self.index.context_triggers)}

    @cached_property
    def _standalone_triggers(self) -> frozenset[str]:
        """Warning signs that count without any mention of pain ("i lost control of my bladder")."""
        return frozenset(self.index.triggers)

    def _urgent_trigger(self, query: str, about_pain: bool) -> str | None:
        shared: dict[str, int] = defaultdict(int)
        for word in set(query.split()):
            for trigger in self._triggers_with_word.get(word, ()):
                shared[trigger] += 1
        # Only phrases that share at least half their words with the query can be in it, even misheard;
        # looking at those alone keeps the fuzzy search off the hot path.
        sizes = self._trigger_sizes
        candidates = [
            trigger
            for trigger, count in shared.items()
            if 2 * count >= sizes[trigger] and (about_pain or trigger in self._standalone_triggers)
        ]
        if not candidates:
            return None
        padded = f" {query} "
        for trigger in candidates:
            if f" {trigger} " in padded:
                return trigger
        for trigger, _, _ in process.extract(
            query, candidates, scorer=fuzz.partial_ratio, score_cutoff=self.thresholds.trigger, limit=5
        ):
            if len(trigger) >= _FUZZY_TRIGGER_LENGTH and self._whole_words_match(trigger, query):
                return trigger
        return None

    def _whole_words_match(self, trigger: str, query: str) -> bool:
        """The part of the query that resembles the trigger, widened to whole words, still resembles it."""
        alignment = fuzz.partial_ratio_alignment(trigger, query)
        start = query.rfind(" ", 0, alignment.dest_start) + 1
        end = query.find(" ", alignment.dest_end)
        words = query[start : end if end != -1 else len(query)]
        return fuzz.ratio(trigger, words) >= self.thresholds.trigger

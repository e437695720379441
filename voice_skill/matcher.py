"""Matching a transcript to a topic with rapidfuzz, built for what speech recognisers produce.

Recognisers give lower-case words with fillers, dropped words and mishearings of the hard words
("sigh attica", "osteo porosis"). Rejection matters as much as accuracy, so a topic is only chosen
with several kinds of evidence agreeing: the whole sentence resembles the topic's examples, the
utterance holds a word of the skill's domain, and no other topic or out-of-scope example is close.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from .topics import OUT_OF_SCOPE, URGENT, KnowledgeBase, Topic

CLARIFY = "clarify"
_DOMAIN, _WITH_PAIN, _PAIN, _ELSEWHERE = "<domain>", "<with pain>", "<pain>", "<elsewhere>"
FOLLOW_UP_PREFIX = "follow_up."

FILLERS = frozenset(
    "um umm uh uhh er erm ah hmm mm okay ok so well hey hi hello please just actually basically "
    "kinda sorta yeah alexa computer".split()
)
FILLER_PHRASES = ("you know", "i mean", "excuse me", "tell me")
STOPWORDS = frozenset(
    "a an the my me i i'm im it its it's is are am was be been do does did can could should would will "
    "of to in on at for with about from by and or but if when what whats what's why how which who "
    "this that there these those your you we our they them he she his her have has had get got "
    "any some very really much more so too not no".split()
)
_FUZZY_TRIGGER_LENGTH = 12
"""Shorter warning-sign phrases ("fever") must be said as they are: fuzzily, "ever" would be one."""
_NON_WORD = re.compile(r"[^\w' ]+")
_PHONETIC_RULES = (("igh", "i"), ("ph", "f"), ("ck", "k"), ("sc", "s"), ("c", "k"), ("y", "i"), ("z", "s"))


@dataclass(frozen=True)
class Thresholds:
    """Score cutoffs, calibrated on the dev split of tests/transcripts (see benchmarks/matching.py)."""

    accept: float = 62.0
    """Least sentence similarity (0..100) for a medical topic when its domain words are present."""

    accept_without_keyword: float = 86.0
    """Least similarity when the utterance holds no word of the topic's own keywords."""

    accept_without_domain: float = 92.0
    """Without a domain word, only a near-verbatim example is accepted ("should i see a doctor")."""

    keyword_bonus: float = 5.0
    """Added to a topic's similarity when the utterance holds one of its keywords."""

    margin: float = 6.0
    """Below this gap between the two best topics, the skill asks which one was meant."""

    meta: float = 84.0
    """Least similarity for help, repeat, stop and follow-ups, which carry no domain words."""

    trigger: float = 88.0
    """Least partial similarity for an urgent warning-sign phrase anywhere in the utterance."""

    margin_when_both_named: float = 16.0
    """The wider gap used when the utterance names both topics ("sciatica or a slipped disc")."""

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


@dataclass
class _Index:
    """Example sentences and the intents they stand for, ready for rapidfuzz's batch functions."""

    sentences: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)

    words: set[str] = field(default_factory=set)

    def add(self, intent: str, sentences: tuple[str, ...]) -> None:
        for sentence in sentences:
            sentence = normalise(sentence)
            self.sentences.append(sentence)
            self.intents.append(intent)
            self.words.update(sentence.split())

    def best_by_intent(self, query: str, limit: int = 40) -> dict[str, float]:
        """The best similarity (0..100) each intent reaches among the closest examples."""
        scores: dict[str, float] = {}
        for _, score, position in process.extract(
            query, self.sentences, scorer=fuzz.ratio, limit=limit, score_cutoff=30
        ):
            intent = self.intents[position]
            if score > scores.get(intent, 0.0):
                scores[intent] = score
        return scores


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


class _Vocabulary:
    """Words and short phrases with labels (topic ids, "domain", "pain" ...), found even when misheard."""

    def __init__(self) -> None:
        self.labels: dict[str, set[str]] = {}
        self._by_sound: dict[str, str] = {}

    def add(self, label: str, phrases: tuple[str, ...]) -> None:
        for phrase in phrases:
            phrase = normalise(phrase)
            self.labels.setdefault(phrase, set()).add(label)
            self._by_sound.setdefault(phonetic(phrase.replace(" ", "")), phrase)

    def find(self, query: str, english_words: frozenset[str] | None) -> dict[str, set[str]]:
        """Phrases of the vocabulary in the query, allowing for split words and mishearings of long ones.

        A real English word is never taken for a different vocabulary word ("setting" is not "sitting");
        with english_words None, no misheard words are looked for.
        """
        words = query.split()
        found: dict[str, set[str]] = {}
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                if phrase in self.labels:
                    found[phrase] = self.labels[phrase]
                    continue
                joined = "".join(words[start : start + size])
                if english_words is None or len(joined) < 6 or (size == 1 and joined in english_words):
                    continue
                sound = phonetic(joined)
                hit = process.extractOne(sound, self._by_sound.keys(), scorer=fuzz.ratio, score_cutoff=85)
                if not hit or (size == 1 and hit[0] == sound):
                    continue
                known = self._by_sound[hit[0]]
                all_english = all(word in english_words for word in words[start : start + size])
                if size > 1 and all_english and known.replace(" ", "") in english_words:
                    continue  # "bus running" is not "burning": only hard words are heard in pieces
                found[known] = self.labels[known]
        return found


class Matcher:
    """Decides which intent an utterance means, or that it is out of scope."""

    def __init__(self, knowledge: KnowledgeBase, thresholds: Thresholds | None = None) -> None:
        self.knowledge = knowledge
        self.thresholds = thresholds or Thresholds()
        self.topics: dict[str, Topic] = knowledge.topics
        self._index = _Index()
        self._vocabulary = _Vocabulary()
        for topic in self.topics.values():
            if topic.id != OUT_OF_SCOPE:
                self._index.add(topic.id, topic.sentences)
                for aspect in topic.aspects.values():
                    self._index.add(f"{topic.id}.{aspect.name}", aspect.sentences)
            self._vocabulary.add(topic.id, topic.keywords)
        domain = knowledge.domain
        for label, phrases in (
            (_DOMAIN, domain.words),
            (_WITH_PAIN, domain.with_pain),
            (_PAIN, domain.pain_words),
            (_ELSEWHERE, domain.elsewhere),
        ):
            self._vocabulary.add(label, phrases)
        self._out_of_scope = _Index()
        self._out_of_scope.add(OUT_OF_SCOPE, self.topics[OUT_OF_SCOPE].sentences)
        self._follow_ups = _Index()
        for name, sentences in knowledge.dialogue.follow_ups.items():
            self._follow_ups.add(FOLLOW_UP_PREFIX + name, sentences)
        self._triggers = [normalise(t) for t in self.topics[URGENT].triggers]
        self._context_triggers = [normalise(t) for t in self.topics[URGENT].context_triggers]

    @cached_property
    def _english_words(self) -> frozenset[str]:
        """Real English words are never "corrected" into a keyword; the bundled speech dictionary lists them."""
        from .lexicon import english_words

        return english_words()

    def match(self, text: str) -> Match:
        """Match one utterance."""
        query = normalise(text)
        if not query:
            return Match(OUT_OF_SCOPE, 1.0, reason="nothing said")
        found = self._vocabulary.find(query, self._english_words)
        labels = set().union(*found.values()) if found else set()
        in_domain = _DOMAIN in labels or (_WITH_PAIN in labels and _PAIN in labels)
        trigger = self._urgent_trigger(query, in_domain or _PAIN in labels)
        if trigger:
            return Match(URGENT, 1.0, reason=f"warning sign: {trigger}")

        topic_scores = self._index.best_by_intent(query)
        meta = self._best_meta(query, topic_scores)
        if meta:
            return meta
        medical = {i: s for i, s in topic_scores.items() if self.topics[i.split(".")[0]].is_medical}
        if not medical:
            return Match(OUT_OF_SCOPE, 1.0, reason="no example is close")
        ranked = self._rank(medical, labels)
        best_intent, best_score = ranked[0]
        best_topic = best_intent.split(".")[0]
        alternatives = tuple(Candidate(i, round(s / 100, 3)) for i, s in ranked[1:4])
        rejected = _rejection_confidence(best_score)

        if _ELSEWHERE in labels and _DOMAIN not in labels:
            return Match(OUT_OF_SCOPE, rejected, alternatives, "about another part of the body")
        if not in_domain and (best_score < self.thresholds.accept_without_domain or self._unknown_words(query)):
            return Match(OUT_OF_SCOPE, rejected, alternatives, "no word of the skill's domain")
        needed = self.thresholds.accept if best_topic in labels else self.thresholds.accept_without_keyword
        if best_score < needed:
            return Match(OUT_OF_SCOPE, rejected, alternatives, "no example close enough")
        out_of_scope_score = max(self._out_of_scope.best_by_intent(query, limit=5).values(), default=0.0)
        if out_of_scope_score >= best_score + self.thresholds.out_of_scope_lead:
            return Match(OUT_OF_SCOPE, round(out_of_scope_score / 100, 3), alternatives, "an out-of-scope example is closer")

        runner_up = next(((i, s) for i, s in ranked[1:] if i.split(".")[0] != best_topic), None)
        if runner_up:
            runner_topic = runner_up[0].split(".")[0]
            both_named = best_topic in labels and runner_topic in labels
            margin = self.thresholds.margin_when_both_named if both_named else self.thresholds.margin
            if best_score - runner_up[1] < margin and runner_up[1] >= needed:
                offered = (Candidate(best_topic, round(best_score / 100, 3)), Candidate(runner_topic, round(runner_up[1] / 100, 3)))
                return Match(CLARIFY, round(best_score / 100, 3), offered, "two topics are close")
        return Match(best_intent, round(best_score / 100, 3), alternatives, "closest example")

    def _unknown_words(self, query: str) -> list[str]:
        """Content words no example uses: outside the domain they name something the skill knows nothing of."""
        return [w for w in query.split() if w not in STOPWORDS and w not in self._index.words]

    def match_among(self, text: str, intents: list[str]) -> str | None:
        """Which of the offered topics a reply to a clarifying question names, if any."""
        query = normalise(text)
        labels = set().union(*self._vocabulary.find(query, self._english_words).values() or [set()])
        named = [intent for intent in intents if intent in labels]
        if len(named) == 1:
            return named[0]
        scores = {i: s for i, s in self._index.best_by_intent(query).items() if i in intents}
        for intent in intents:
            name = normalise(self.topics[intent].name)
            scores[intent] = max(scores.get(intent, 0.0), fuzz.partial_ratio(name, query) if len(query) >= 4 else 0.0)
        best = max(scores, key=scores.__getitem__)
        return best if scores[best] >= self.thresholds.meta else None

    def _rank(self, scores: dict[str, float], labels: set[str]) -> list[tuple[str, float]]:
        """Best first; a topic whose own keyword was said gains over one that merely sounds alike."""

        def boosted(item: tuple[str, float]) -> float:
            return min(100.0, item[1] + (self.thresholds.keyword_bonus if item[0].split(".")[0] in labels else 0.0))

        return sorted(((intent, boosted((intent, score))) for intent, score in scores.items()), key=lambda x: -x[1])

    def _best_meta(self, query: str, topic_scores: dict[str, float]) -> Match | None:
        candidates = {i: s for i, s in topic_scores.items() if not self.topics[i.split(".")[0]].is_medical}
        candidates.update(self._follow_ups.best_by_intent(query, limit=10))
        if not candidates:
            return None
        best = max(candidates, key=candidates.__getitem__)
        if candidates[best] >= self.thresholds.meta:
            return Match(best, round(candidates[best] / 100, 3), reason="meta phrase")
        return None

    def _urgent_trigger(self, query: str, about_pain: bool) -> str | None:
        triggers = self._triggers + self._context_triggers if about_pain else self._triggers
        if not triggers:
            return None
        padded = f" {query} "
        for trigger in triggers:
            if f" {trigger} " in padded:
                return trigger
        for trigger, _, _ in process.extract(
            query, triggers, scorer=fuzz.partial_ratio, score_cutoff=self.thresholds.trigger, limit=5
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


def _rejection_confidence(best_score: float) -> float:
    """How sure the skill is that nothing matched: the further the best example, the surer."""
    return round(1.0 - best_score / 200, 3)

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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import pairwise
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from ..intent import CLARIFY, OUT_OF_SCOPE, SEE_DOCTOR, URGENT, Candidate, IntentId, Match
from ..knowledge.model import ASPECTS, GENERAL_CAUSES, KnowledgeBase, Topic
from .alarms import CANNOT_DIAGNOSE, Alarm, asks_whether_it_is, find_alarm, is_reference_question
from .index import DOMAIN, ELSEWHERE, EVERYDAY, PAIN, WITH_PAIN, MatcherIndex, Stems
from .language import is_english
from .patterns import Pattern
from .text import content_words, normalise
from .thresholds import Thresholds

if TYPE_CHECKING:
    from .semantic import Meaning, Neighbour, SemanticIndex

NOT_ENGLISH = "not_english"
"""The sign of a question in another language."""

_NO_CLOSE_EXAMPLE = "no example close enough"
_NO_DOMAIN_WORD = "no word of the skill's domain"
_ONE_WORD = "one word is not a question"
_TWO_CLOSE = "two topics are close"
_CLOSEST_TOPIC = "closest topic"
_HELPING_VERBS = frozenset("is are do does can could will would should".split())
_SUBJECTS = frozenset("i it this that there you we they he she my your his her the a".split())
"""Inside a sentence a helping verb asks only before its subject ("... is it serious", "... should i see someone");
after it, it tells ("her hip is sore", "my legs are stiff"): 'is' had made every such sentence a question."""
_NEVER_BY_MEANING = frozenset({"stop", URGENT})
"""Intents the encoder never names."""
_SIGNS_OF = re.compile(r"\b(?:sign|signs|symptom|symptoms) (?:of|that|for) ")
"""Where a question names what its signs are of: "the warning signs of weak bones"."""
_HANDLING_AN_ANIMAL = (
    "walk walks walking walked ride riding rode carry carrying lift lifting feed feeding chase chasing train training "
    "off over after with from"
).split()
"""Words before an animal's owner ("walking my dog", "fell off the horse"): the animal is not what is asked about."""
_MEANING_MAY_DECIDE = frozenset({_NO_CLOSE_EXAMPLE, _NO_DOMAIN_WORD, _TWO_CLOSE})
"""Refusals and questions back that a very close example in meaning may overrule; never "about another part
of the body", a named choice, or anything decided by a warning sign."""


@dataclass(frozen=True)
class Utterance:
    """One utterance as the matcher reads it, once per turn: every decision about it starts from here."""

    text: str
    """As said or typed."""

    as_said: str
    """Normalised, as said: what the checks of the words themselves and the encoder read (the query's repairs and
    other senses are for the topics)."""

    query: str
    """Normalised, misheard hard words put right."""

    labels: frozenset[str]
    """Labels of the vocabulary phrases it holds: topic ids and the domain's word lists."""

    letters: dict[IntentId, float]
    """Each intent's closest example, by letters (0..100)."""

    scores: dict[str, float]
    """Each topic's score (0..100)."""

    out_of_scope: float
    """The closest out-of-scope example, by letters (0..100)."""

    alarm: Alarm | None = None
    """A warning sign, an emergency or a question for a doctor, found by meaning before any topic."""

    english: bool = True
    """False for a question in another language."""


def _limbs_in_posture(labels: frozenset[str]) -> bool:
    """Feet, knees and arms have a place in how one sits ("how should i position my feet when i'm sitting at my
    computer"): without a pain word such a question is not about another part of the body, for the words or for
    the meaning; pain there is about that part."""
    return PAIN not in labels and bool(labels & {EVERYDAY, WITH_PAIN})


_LEG = frozenset("leg legs thigh thighs".split())
_DOWN_THE_LEG = frozenset("foot feet toe toes calf calves".split())
"""Where pain or tingling that runs down a leg ends up: said with the leg and a pain, no other part of the body
(a leg and foot swollen after a flight stays another matter)."""


def _down_the_leg(query: str) -> bool:
    """A leg named with the foot, toes or calf it runs down to ("my leg burns down the back and my toes tingle"),
    and no other part of the body: the path of the sciatic nerve, not a question about feet."""
    words = set(query.split())
    return bool(words & _LEG) and bool(words & _DOWN_THE_LEG)


@cache
def _frame(source: str) -> Pattern:
    # One pattern a frame in a process, whatever the number of matchers (tests, the Wyoming server's skills).
    return Pattern(f" (?:{source})")


@dataclass(frozen=True)
class _Frames:
    """Question frames over a padded utterance (" ... "), each its own pattern: compiled the first time a question
    holds the words it cannot match without (patterns.py). Compiled all at once, the aspect frames cost every cold
    `ask` about 50 ms, most of its time."""

    patterns: tuple[Pattern, ...]

    @classmethod
    def of(cls, sources: Sequence[str]) -> _Frames:
        """The frames of their patterns' sources, as the index keeps them (`index.frame_pattern`)."""
        return cls(tuple(_frame(source) for source in sources))

    def search(self, padded: str) -> bool:
        return any(pattern.search(padded) for pattern in self.patterns)


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
        self._stems = Stems(self.index.stems)

    def read(self, text: str) -> Utterance:
        """Normalise an utterance, put misheard words right and score every intent, once."""
        as_said = normalise(text)
        query, labels = self._find(self._without_other_senses(as_said))
        floor = self.thresholds.example_floor
        letters = self._examples.best_by_intent(query, floor)
        scores = self._topic_scores(query, labels, letters) if query else {}
        out_of_scope = max(self._out_of_scope.best_by_intent(query, floor).values(), default=0.0)
        return Utterance(
            text, as_said, query, frozenset(labels), letters, scores, out_of_scope, find_alarm(text), is_english(text)
        )

    def match(self, utterance: Utterance | str) -> Match:
        """Match one utterance: by its words, and by meaning where the words alone would refuse or ask back."""
        said = utterance if isinstance(utterance, Utterance) else self.read(utterance)
        found = self._match_words(said)
        if found.reason in _MEANING_MAY_DECIDE and self._meaning_may_decide(said, found) and self.semantic is not None:
            return self._by_meaning(said, found) or found
        if found.reason == _CLOSEST_TOPIC and self._close_call(said, found) and self.semantic is not None:
            return self._reconsidered(said, found) or found
        if found.reason == _CLOSEST_TOPIC and self._named_over_closer(said, found) and self.semantic is not None:
            return self._closer_by_meaning(said, found) or found
        return found

    def _named_over_closer(self, said: Utterance, found: Match) -> str | None:
        """The topic the words rank first, when the answer is another topic only because the question names it by a
        keyword ("my rear end is numb and sore after a four hour drive": sciatica by "numb", sitting by the words)."""
        if found.intent.topic not in said.labels:
            return None
        chosen = said.scores.get(found.intent.topic, 0.0)
        closer = [
            topic
            for topic, score in said.scores.items()
            if score > chosen and topic not in said.labels and self.topics[topic].is_medical
        ]
        return max(closer, key=said.scores.__getitem__) if closer else None

    def _closer_by_meaning(self, said: Utterance, found: Match) -> Match | None:
        """The topic the words rank first, over the one a keyword named, when the meaning plainly agrees with it:
        its closest example and the topic model both point to it, at the bar that lets meaning choose of two."""
        assert self.semantic is not None
        closer = self._named_over_closer(said, found)
        meaning = self.semantic.read(said.as_said)
        thresholds = self.thresholds
        if (
            closer is None
            or IntentId(meaning.nearest.intent).topic != closer
            or meaning.topic != closer
            or meaning.nearest.similarity < thresholds.semantic_choose
            or meaning.probability < thresholds.semantic_topic_choose
        ):
            return None
        intent = self._with_aspect(closer, said.query, said.letters)
        return Match(intent, round(meaning.nearest.similarity, 3), found.alternatives, "meaning agrees with the words")

    def _close_call(self, said: Utterance, found: Match) -> bool:
        """The words chose a topic they do not name, with another one not far behind ("my buttock hurts and i don't
        know why" is close by words to an osteoporosis example): a choice the meaning may still change. A topic
        the question names by its keyword ("how is sciatica diagnosed": the doctor), or one of whose examples it
        says almost as written ("what causes hip pain"), is not doubted: most answers never start the encoder."""
        said_as_written = max(said.letters.values(), default=0.0) >= self.thresholds.accept_without_domain
        # The warning signs' advice, chosen by the words, stands: meaning never names it, so it may not unname it.
        if found.intent.topic in said.labels or said_as_written or found.intent.topic in _NEVER_BY_MEANING:
            return False
        runner = max((candidate.confidence for candidate in found.alternatives), default=0.0)
        return said.scores.get(found.intent.topic, 0.0) - 100 * runner < self.thresholds.reconsider_margin

    def _reconsidered(self, said: Utterance, found: Match) -> Match | None:
        """Another medical topic, when its example is very close in meaning and the topic model agrees with it."""
        assert self.semantic is not None
        meaning = self.semantic.read(said.as_said)
        topic = IntentId(meaning.nearest.intent).topic
        thresholds = self.thresholds
        # A topic the question names by its keyword and the meaning points to is two opinions against the letters.
        needed_named = thresholds.semantic_choose
        # Advice chosen for a cause the question names ("how is sciatica diagnosed": the doctor's advice) is what
        # was asked; the cause is the subject, not the question.
        advice_about_it = (
            self.topics[found.intent.topic].kind == "advice"
            and topic in said.labels
            and self.topics[topic].kind == "cause"
        )
        if (
            topic == found.intent.topic
            or advice_about_it
            or not self._is_medical(topic)
            or meaning.topic != topic
            or meaning.nearest.similarity < (needed_named if topic in said.labels else thresholds.reconsider_similarity)
            or meaning.probability < thresholds.reconsider_probability
        ):
            return None
        intent = self._with_aspect(topic, said.query, said.letters)
        return Match(intent, round(meaning.nearest.similarity, 3), found.alternatives, "meaning overrules a close call")

    def _meaning_may_decide(self, said: Utterance, found: Match) -> bool:
        """Not for another part of the body ("the bottom of my foot"), a domain word in another sense
        ("disc jockey"), a single word, or words none of which the skill's vocabulary knows ("set a timer
        for ten minutes"): there the words' refusal stands whatever the meaning. The last also spares most
        everyday requests the encoder's start-up (numpy, the tokenizer, one query: about 0.15 s)."""
        return (
            (bool(said.labels) or found.reason != _NO_DOMAIN_WORD or self._about_sitting(said))
            and (ELSEWHERE not in said.labels or DOMAIN in said.labels or _limbs_in_posture(said.labels))
            and "_" not in said.query
            and len(content_words(said.query)) >= self.thresholds.question_words
        )

    def _match_words(self, said: Utterance) -> Match:
        query, labels, letters, scores = said.query, said.labels, said.letters, said.scores
        thresholds = self.thresholds
        if said.alarm:
            return Match(IntentId(said.alarm.intent), 1.0, reason=f"sign: {said.alarm.sign}", sign=said.alarm.sign)
        if not said.english:
            return Match(IntentId(OUT_OF_SCOPE), 1.0, reason="not English", sign=NOT_ENGLISH)
        if not query:
            return Match(IntentId(OUT_OF_SCOPE), 1.0, reason="nothing said")
        in_domain = self._in_domain(query, labels)
        # The warning-sign phrases are the detector's fallback for misheard words, and as it does they leave a
        # reference question with nobody in it alone: "what causes urinary incontinence" is no one in danger.
        trigger = None if is_reference_question(said.text) else self._urgent_trigger(query, in_domain or PAIN in labels)
        if trigger:
            return Match(IntentId(URGENT), 1.0, reason=f"warning sign: {trigger}")

        meta = self._best_meta(said, in_domain)
        if meta:
            return meta
        ranked = sorted(
            ((topic_id, score) for topic_id, score in scores.items() if self.topics[topic_id].is_medical),
            key=lambda item: -item[1],
        )
        if ranked and ranked[0][0] not in labels and ranked[0][1] < thresholds.accept_without_keyword:
            # The closest topic is not close enough without its keyword; a named one close enough with it is
            # meant ("is it serious if my hip keeps aching": the doctor topic, named by "serious").
            close_enough = next((item for item in ranked if item[0] in labels and item[1] >= thresholds.accept), None)
            if close_enough:
                _put_first(ranked, close_enough)
        if ranked and ranked[0][0] == GENERAL_CAUSES:
            # Hip pain in general is for a question that names no cause; one that names a cause by its keyword and is
            # nearly as close to it by words asks about that cause ("what eases a trapped nerve in the buttock").
            named_cause = next(
                (
                    item
                    for item in ranked[1:]
                    if item[0] in labels
                    and self.topics[item[0]].kind == "cause"
                    and ranked[0][1] - item[1] < thresholds.reconsider_margin
                ),
                None,
            )
            if named_cause:
                _put_first(ranked, named_cause)
        if not ranked:
            return Match(IntentId(OUT_OF_SCOPE), 1.0, reason="no example is close")
        best_topic, best_score = ranked[0]
        alternatives = tuple(
            Candidate(IntentId(topic_id), round(score / 100, 3))
            for topic_id, score in ranked[1 : 1 + thresholds.alternatives]
        )
        rejected = round(1.0 - best_score / thresholds.refusal_scale, 3)

        def refused(reason: str, confidence: float = rejected) -> Match:
            return Match(IntentId(OUT_OF_SCOPE), confidence, alternatives, reason)

        said_as_written = max(letters.values(), default=0.0) >= thresholds.accept_without_domain
        if (
            ELSEWHERE in labels
            and DOMAIN not in labels
            and not said_as_written
            and not _limbs_in_posture(labels)
            and not (PAIN in labels and self._only_down_the_leg(query))
        ):
            return refused("about another part of the body")
        padded = f" {said.as_said} "
        if self._about_an_animal(padded):
            return refused("about an animal")
        if self._about_another_condition(padded, labels):
            if asks_whether_it_is(said.text, self._other_conditions):
                return Match(IntentId(SEE_DOCTOR), 1.0, reason="a diagnosis asked for", sign=CANNOT_DIAGNOSE)
            return refused("about another condition")
        near_example = said_as_written or best_score >= thresholds.accept_without_domain
        if not in_domain and (not near_example or self._unknown_words(query)):
            return refused(_NO_DOMAIN_WORD)
        if len(content_words(query)) < thresholds.question_words and best_topic not in labels and not said_as_written:
            return refused(_ONE_WORD)
        needed = thresholds.accept if best_topic in labels else thresholds.accept_without_keyword
        if best_score < needed:
            return refused(_NO_CLOSE_EXAMPLE)
        # Without a word of the domain a topic's score is mostly its keyword ("chair"); then the letters alone
        # are compared: "what chair is best for gaming" is an out-of-scope example's, not the chair topic's.
        compared = (
            best_score
            if in_domain
            else max((score for intent, score in letters.items() if intent.topic == best_topic), default=0.0)
        )
        if said.out_of_scope >= compared + thresholds.out_of_scope_lead:
            return refused("an out-of-scope example is closer", round(said.out_of_scope / 100, 3))

        outlook = self._outlook_asked_of(said)
        # The warning signs the words chose stand against the doctor's general advice: safety first.
        if outlook and not (best_topic == URGENT and outlook == SEE_DOCTOR):
            return Match(IntentId(outlook), round(scores.get(outlook, 0.0) / 100, 3), alternatives, "how serious it is")
        if best_topic == URGENT:
            # "What are the warning signs of weak bones" asks what a cause the question names feels like: the
            # warning signs' examples ("what are the warning signs") share its frame, not its subject.
            signs = self._signs_of_a_cause(query)
            if signs:
                return Match(signs, round(scores.get(signs.topic, 0.0) / 100, 3), alternatives, "the signs of a cause")
        either = self._either_or(query, scores)
        if either:
            return Match(IntentId(CLARIFY), round(best_score / 100, 3), either, "the user named two topics")
        if len(ranked) > 1:
            runner_topic, runner_score = ranked[1]
            named = (best_topic in labels, runner_topic in labels)
            advice = self._advice_of(best_topic, runner_topic)
            if named == (True, True) and advice:
                asked = self._cause_asked_through(said) if advice == SEE_DOCTOR else None
                if advice == SEE_DOCTOR and not asked and self._finding_told(query):
                    # "my doctor says my bone density is low": what a doctor found is the cause to explain.
                    cause = runner_topic if advice == best_topic else best_topic
                    return Match(IntentId(cause), round(scores[cause] / 100, 3), alternatives, "what a doctor found")
                if asked:
                    return Match(
                        asked, round(scores[asked.topic] / 100, 3), alternatives, "a cause asked through advice"
                    )
                told_of = self._pain_told_of(said, (best_topic, runner_topic)) if advice != SEE_DOCTOR else None
                if told_of:
                    # "i work from home on a kitchen chair and my bottom aches": pain told beside a chair, not asked.
                    return Match(IntentId(told_of), round(scores[told_of] / 100, 3), alternatives, "pain told")
                eased = self._cause_eased_beside_advice(query, advice, (best_topic, runner_topic))
                if eased:
                    return Match(eased, round(scores[eased.topic] / 100, 3), alternatives, "how a cause is eased")
                # "Do I need medical attention for my sciatica", "good sitting posture for hip pain": a cause
                # named with an advice topic is asked about through that advice.
                score = scores[advice]
                intent = self._with_aspect(advice, query, letters)
                return Match(intent, round(score / 100, 3), alternatives, "advice about a named cause")
            margin = {
                (True, True): thresholds.margin_when_both_named,
                (True, False): -math.inf,  # a named topic is not doubted for an unnamed one
                (False, True): thresholds.margin,
                (False, False): thresholds.margin,
            }[named]
            if best_score - runner_score < margin and runner_score >= needed:
                told_of = self._pain_told_of(said, (best_topic, runner_topic))
                if told_of:
                    return Match(IntentId(told_of), round(scores[told_of] / 100, 3), alternatives, "pain told")
                answerable = self._answers_the_frame(said, (best_topic, runner_topic))
                if answerable:
                    intent = self._with_aspect(answerable, query, letters)
                    return Match(
                        intent, round(scores[answerable] / 100, 3), alternatives, "the one that answers what is asked"
                    )
                if named == (False, True):
                    # Of two topics this close, the one the question names is meant ("what should i put on a
                    # pulled glute": the exercise topic, not hip pain in general).
                    intent = self._with_aspect(runner_topic, query, letters)
                    return Match(
                        intent, round(runner_score / 100, 3), alternatives, "the named one of two close topics"
                    )
                offered = (
                    Candidate(IntentId(best_topic), round(best_score / 100, 3)),
                    Candidate(IntentId(runner_topic), round(runner_score / 100, 3)),
                )
                return Match(IntentId(CLARIFY), round(best_score / 100, 3), offered, _TWO_CLOSE)
        told = (
            self._pain_told(said, ranked, needed)
            or self._mechanism_of_a_cause(said, ranked, needed)
            or self._treatment_of_a_cause(said, ranked, needed)
        )
        if told:
            return told
        if best_topic == SEE_DOCTOR:
            asked = self._cause_asked_through(said)
            if asked and asked.topic in scores:
                return Match(asked, round(scores[asked.topic] / 100, 3), alternatives, "a cause asked through advice")
        intent = self._with_aspect(best_topic, query, letters)
        return Match(intent, round(best_score / 100, 3), alternatives, _CLOSEST_TOPIC)

    def _signs_of_a_cause(self, query: str) -> IntentId | None:
        """The symptoms of the one cause named after "signs of" or "symptoms of", if the question names one."""
        found = _SIGNS_OF.search(query)
        if not found:
            return None
        named = self._find(query[found.end() :])[1]
        causes = [topic_id for topic_id in sorted(named) if self._is_cause_with(topic_id, "symptoms")]
        return IntentId.of(causes[0], "symptoms") if len(causes) == 1 else None

    def _pain_told(self, said: Utterance, ranked: list[tuple[str, float]], needed: float) -> Match | None:
        """Pain told, not asked about ("i get a sore butt from my gaming chair"), is about its cause: the advice
        topics answer questions (how to sit, which chair, when to see a doctor)."""
        if self.topics[ranked[0][0]].kind != "advice" or not self._tells_pain(said.query):
            return None
        cause, score = next(((t, s) for t, s in ranked[1:] if self.topics[t].kind == "cause"), ("", 0.0))
        if not cause or score < needed:
            return None
        return Match(IntentId(cause), round(score / 100, 3), reason="pain told")

    def _pain_told_of(self, said: Utterance, close: tuple[str, str]) -> str | None:
        """Of an advice topic and a cause this close, pain told without a question is about the cause ("my
        coccyx hurts when i sit": why sitting hurts, not how to sit)."""
        if self._advice_of(*close) is None or not self._tells_pain(said.query):
            return None
        return next(topic_id for topic_id in close if self.topics[topic_id].kind == "cause")

    def _mechanism_of_a_cause(self, said: Utterance, ranked: list[tuple[str, float]], needed: float) -> Match | None:
        """Advice never explains how pain comes about: "why do hard chairs make my bottom sore" is the
        mechanism of the closest cause that has one, not advice about chairs."""
        if self.topics[ranked[0][0]].kind != "advice" or self._framed_aspect(said.query) != "mechanism":
            return None
        return self._closest_cause_with("mechanism", ranked, needed, "how a cause hurts")

    def _treatment_of_a_cause(self, said: Utterance, ranked: list[tuple[str, float]], needed: float) -> Match | None:
        """The posture advice has no treatment: "whats the best thing to do for a sore hip", framed as treatment and
        close by letters to "what should i do every day for my hip", asks how to ease the pain of the closest cause
        that has a treatment, as "what's good for a sore bum" does between two close topics."""
        if ranked[0][0] == SEE_DOCTOR or self.topics[ranked[0][0]].kind != "advice":
            return None
        if self._framed_aspect(said.query) != "treatment" or ranked[0][0] in said.labels:
            return None
        return self._closest_cause_with("treatment", ranked, needed, "how a cause is eased")

    def _cause_eased_beside_advice(self, query: str, advice: str, named: tuple[str, str]) -> IntentId | None:
        """Of an advice topic and a cause both named, how to ease the cause's pain, when that is asked and the advice
        has no treatment and pain is felt ("my dad's sore from sitting in his chair, what can he do about it": not how
        to sit)."""
        if advice == SEE_DOCTOR or self._framed_aspect(query) != "treatment" or self.topics[advice].aspects:
            return None
        # Without pain felt, mending is of the posture ("how do i fix my posture at my desk").
        if not self._feels_pain(query.split()):
            return None
        cause = next(topic_id for topic_id in named if topic_id != advice)
        return IntentId.of(cause, "treatment") if self._is_cause_with(cause, "treatment") else None

    def _closest_cause_with(
        self, aspect: str, ranked: list[tuple[str, float]], needed: float, reason: str
    ) -> Match | None:
        """That aspect of the closest cause after the first topic that has it, if its score reaches `needed`."""
        for topic_id, score in ranked[1:]:
            if self._is_cause_with(topic_id, aspect):
                return (
                    Match(IntentId.of(topic_id, aspect), round(score / 100, 3), reason=reason)
                    if score >= needed
                    else None
                )
        return None

    def _is_medical(self, topic_id: str) -> bool:
        """A loaded medical topic: not a label of the domain's words, the encoder's out of scope, or a set phrase."""
        topic = self.topics.get(topic_id)
        return topic is not None and topic.is_medical

    def _is_cause_with(self, topic_id: str, aspect: str) -> bool:
        topic = self.topics.get(topic_id)
        return topic is not None and topic.kind == "cause" and aspect in topic.aspects

    def _feels_pain(self, words: list[str]) -> bool:
        return any(word in self.knowledge.dialogue.pain_told for word in words)

    def _tells_pain(self, query: str) -> bool:
        """Pain told, not asked about: a word of pain felt and no question word ("when" and "where" inside a
        sentence join what is told: "my coccyx hurts when i sit"; "is" or "can" inside one asks only before its
        subject: "her hip is sore" tells, "my hip is sore is it serious" asks)."""
        dialogue = self.knowledge.dialogue
        words = query.split()
        asks = bool(words) and (
            words[0] in dialogue.question_words
            or any(
                word in dialogue.question_words
                and word not in dialogue.joining_words
                and (word not in _HELPING_VERBS or following in _SUBJECTS)
                for word, following in list(pairwise([*words, ""]))[1:]
            )
        )
        return not asks and self._feels_pain(words)

    def _outlook_asked_of(self, said: Utterance) -> str | None:
        """Who answers a question about how serious something is or whether it will pass: the cause the question names
        ("is sciatica dangerous or just painful" got urgent care, "is osteoporosis a serious illness" the doctor's
        advice), whose answer tells what it is and when to see a doctor; with no cause named, the doctor's advice
        ("how do i know if my hip pain is dangerous" got the signs of weak bones by its letters). Not when a visit is
        asked about too: that is the doctor's advice by its own rules."""
        padded = f" {said.query} "
        if not self._outlook_frames.search(padded) or self._visit_frames.search(padded):
            return None
        if said.query.startswith("when "):
            return None  # "when is a sore tailbone dangerous" asks for the warning signs, not an outlook
        named = [
            topic_id
            for topic_id in said.labels
            if topic_id in self.topics and self.topics[topic_id].kind == "cause" and topic_id != GENERAL_CAUSES
        ]
        return max(named, key=lambda topic_id: said.scores.get(topic_id, 0.0)) if named else SEE_DOCTOR

    @cached_property
    def _outlook_frames(self) -> _Frames:
        return _Frames.of(self.index.dialogue_frames["outlook_asked"])

    def _finding_told(self, query: str) -> bool:
        """A finding reported and no visit asked about ("my gp says it's sciatica, should i see a specialist")."""
        padded = f" {query} "
        return bool(self._finding_frames.search(padded)) and not self._visit_frames.search(padded)

    @cached_property
    def _finding_frames(self) -> _Frames:
        return _Frames.of(self.index.dialogue_frames["finding_told"])

    @cached_property
    def _visit_frames(self) -> _Frames:
        return _Frames.of(self.index.dialogue_frames["visit_asked"])

    def _answers_the_frame(self, said: Utterance, close: tuple[str, str]) -> str | None:
        """Of two close topics, the only one with the aspect the question's frame asks for ("what's good for a
        sore bum" asks for treatment, which hip pain in general has and the posture advice has not)."""
        framed = self._framed_aspect(said.query)
        having = [topic_id for topic_id in close if framed in self.topics[topic_id].aspects]
        return having[0] if framed and len(having) == 1 else None

    def _cause_asked_through(self, said: Utterance) -> IntentId | None:
        """A question about what doctors do that asks for an aspect of a cause, its treatment or its signs
        ("how do doctors treat sciatica", "which medicines do doctors use for a slipped disc"), is about that
        aspect of the cause it names, or of hip pain in general when it names none ("how do doctors treat hip
        pain"), not about whether to see a doctor."""
        aspect = self._framed_aspect(said.query)
        if aspect is None:
            return None
        named = [
            topic_id
            for topic_id in sorted(said.labels, key=lambda t: -said.scores.get(t, 0.0))
            if topic_id in self.topics and self.topics[topic_id].kind == "cause"
        ]
        cause = named[0] if named else GENERAL_CAUSES
        return IntentId.of(cause, aspect) if aspect in self.topics[cause].aspects else None

    def _framed_aspect(self, query: str) -> str | None:
        """The aspect a question frame asks for, whichever topic it is about."""
        return next((aspect for aspect, frame in self._aspect_frames if frame.search(f" {query} ")), None)

    def _in_domain(self, query: str, labels: frozenset[str]) -> bool:
        """A word of the domain, or a word that is in it with pain ("sitting") and a pain word; or everyday words
        of the domain ("my posture", "a gp") in a question whose other words the skill knows."""
        if DOMAIN in labels or (WITH_PAIN in labels and PAIN in labels):
            return True
        return EVERYDAY in labels and not self._strange_words(query)

    def _only_down_the_leg(self, query: str) -> bool:
        """Every other part of the body the question names is where a leg's pain runs down to."""
        elsewhere = {word for word in query.split() if word in self._elsewhere_words}
        return _down_the_leg(query) and elsewhere <= _DOWN_THE_LEG

    def _about_another_condition(self, padded: str, labels: frozenset[str]) -> bool:
        """The question (normalised, padded with spaces) names a condition no topic covers, and no topic that names
        its own condition or gives advice ("should i see a doctor about hip arthritis" is the doctor's question)."""
        if not any(f" {condition} " in padded for condition in self._other_conditions):
            return False
        return not any(label in self._answers_beside_other_conditions for label in labels)

    @cached_property
    def _other_conditions(self) -> frozenset[str]:
        """The domain's other conditions, less those a topic covers by its keywords (a topic of the user's own)."""
        keywords = {keyword for topic in self.topics.values() for keyword in topic.keywords}
        return frozenset(self.knowledge.domain.other_conditions) - keywords

    @cached_property
    def _answers_beside_other_conditions(self) -> frozenset[str]:
        """Advice, and the causes that name a condition by a word of the domain ("sciatica", "disc"), not an
        activity ("sitting", "exercise")."""
        conditions = {*self.knowledge.domain.words, *self.knowledge.domain.other_conditions}
        return frozenset(
            topic.id
            for topic in self.topics.values()
            if topic.kind == "advice" or (topic.kind == "cause" and conditions & set(topic.keywords))
        )

    def _about_an_animal(self, padded: str) -> bool:
        """An animal is what the question (normalised, padded with spaces) is about: asked of ("can dogs get", "is it
        common in dachshunds"), having or being something ("my dog has", "my cat's hips"), not walked or ridden."""
        return bool(self._animal_as_subject.search(padded))

    @cached_property
    def _animal_as_subject(self) -> Pattern:
        animals = "|".join(sorted(map(re.escape, self.knowledge.domain.animals), key=len, reverse=True))
        handled = "".join(rf"(?<!\b{word})" for word in _HANDLING_AN_ANIMAL)
        asked_of = rf" (?:can|do|does|in|for|are) (?:{animals}) "
        owned = rf" (?:my|our|his|her|their|a|the) (?:{animals})(?:'s| has| have| had| gets| got| is| was| keeps| seems| limps)"
        return Pattern(rf"{asked_of}|{handled}{owned}")

    def _sitting_by_meaning(self, said: Utterance, meaning: Meaning) -> bool:
        topic = IntentId(meaning.nearest.intent).topic
        return self._about_sitting(said) and topic == meaning.topic and self._is_medical(topic)

    def _about_sitting(self, said: Utterance) -> bool:
        """The question holds a word of sitting or of what one sits on, as said ("is a squishy sofa better")."""
        padded = f" {said.as_said} "
        return any(f" {phrase} " in padded for phrase in self.knowledge.domain.seating)

    @cached_property
    def _elsewhere_words(self) -> frozenset[str]:
        return frozenset(self.knowledge.domain.elsewhere)

    def _strange_words(self, query: str) -> list[str]:
        """Content words that neither an example nor the vocabulary knows ("cello", "haircuts"), other than
        general words that name no subject ("does it matter", "my husband")."""
        vocabulary, general = self._vocabulary.labels, self._general_words
        within_phrases = self._words_of_phrases_in(query)
        # A number in digits is an age or an amount, as "seventy" is: "my mum is 70 and getting shorter".
        return [
            word
            for word in self._unknown_words(query)
            if word not in vocabulary and word not in general and word not in within_phrases and not word.isdigit()
        ]

    def _words_of_phrases_in(self, query: str) -> set[str]:
        """The words of the vocabulary's phrases a question holds: "ball" in "sit on a yoga ball", "steering" in "a
        steering wheel" name what the phrase names, no other subject."""
        padded = f" {query} "
        return {word for phrase in self._vocabulary_phrases if f" {phrase} " in padded for word in phrase.split()}

    @cached_property
    def _vocabulary_phrases(self) -> tuple[str, ...]:
        return tuple(phrase for phrase in self._vocabulary.labels if " " in phrase)

    @cached_property
    def _general_words(self) -> frozenset[str]:
        return frozenset(self.knowledge.domain.general)

    def match_among(self, utterance: Utterance | str, intents: list[str]) -> IntentId | None:
        """Which of the offered topics a reply to a clarifying question names, if any."""
        said = utterance if isinstance(utterance, Utterance) else self.read(utterance)
        if said.alarm or not said.english:
            return None
        named = [intent for intent in intents if intent in said.labels]
        if len(named) == 1:
            return IntentId(named[0])
        if self._unknown_words(said.query):
            return None  # "what is the weather" names neither topic
        scores = {topic: score for topic, score in said.scores.items() if topic in intents}
        long_enough = len(said.query) >= self.thresholds.topic_name_letters
        for intent in intents:
            name = normalise(self.topics[intent].name)
            scores[intent] = max(scores.get(intent, 0.0), fuzz.partial_ratio(name, said.query) if long_enough else 0.0)
        best = max(scores, key=scores.__getitem__)
        return IntentId(best) if scores[best] >= self.thresholds.meta else None

    @cached_property
    def semantic(self) -> SemanticIndex | None:
        """The examples by meaning, or None when the encoder is not installed or turned off."""
        # Imported here: most questions are decided by their words, and a cold `ask` should not pay for it.
        from .semantic import SemanticIndex, available, spread

        if not self.thresholds.semantic or not available():
            return None
        most = self.thresholds.semantic_examples
        examples = {
            intent: spread(sentences, most)
            for intent, sentences in (*self._examples.by_intent.items(), *self._out_of_scope.by_intent.items())
            # A guess never ends a session, and never raises an alarm: warning signs are found by meaning
            # rules (alarms.py) with their own measured recall and false alarms.
            if IntentId(intent).topic not in _NEVER_BY_MEANING
        }
        return SemanticIndex(examples)

    def _by_meaning(self, said: Utterance, found: Match) -> Match | None:
        """The matcher's refusal or question overruled by a very close example in meaning, if there is one, or by
        the topic model when it is sure and not far from that topic's examples."""
        assert self.semantic is not None
        if self._closer_to_out_of_scope(said):
            return None
        meaning = self.semantic.read(said.as_said)
        neighbour = meaning.nearest
        if found.intent == CLARIFY:
            intent = self._asked_of(said, neighbour.intent)
            # The two offered, or a topic the question names by its keyword that its other words pulled below them
            # ("can having thin bones make my hip hurt": sitting or a disc by the words, osteoporosis named).
            offered = {candidate.intent.topic for candidate in found.alternatives[:2]}
            if intent.topic in offered | said.labels and neighbour.similarity >= self.thresholds.semantic_choose:
                return Match(intent, round(neighbour.similarity, 3), found.alternatives, "closest in meaning of two")
            # No single example close, and the whole of one offered topic's examples plainly nearer ("what way
            # should i sit to take the load off my tailbone": posture, not the causes of pain).
            if meaning.topic in offered and meaning.probability >= self.thresholds.semantic_topic_choose:
                intent = self._asked_of(said, meaning.nearest_of_topic.intent)
                return Match(
                    intent, round(meaning.probability, 3), found.alternatives, "the topic model chooses of two"
                )
            return self._third_topic(said, found, meaning, offered)
        without_domain = found.reason == _NO_DOMAIN_WORD
        # Without a word of the domain, a word no example uses ("hernia") leaves the words nothing to agree with.
        # A word of sitting among words the skill does not know ("is it better to sit bolt upright") is understood
        # when the closest example and the topic model both take it for one topic of the skill's.
        words_understood = (
            not without_domain or not self._strange_words(said.query) or self._sitting_by_meaning(said, meaning)
        )
        neighbour = self._neighbour_to_trust(said, meaning)
        return self._by_nearest(said, found, neighbour, without_domain, words_understood) or (
            self._by_topic_model(said, found, meaning, without_domain) if words_understood else None
        )

    def _third_topic(self, said: Utterance, found: Match, meaning: Meaning, offered: set[str]) -> Match | None:
        """A topic the words did not offer, when the question names neither offered one and the meaning plainly
        points elsewhere: "what is the best treatment for hip pain" is close by words to the treatments of
        sciatica and of a disc alike, and asks about hip pain in general. Asking "sciatica, or a herniated disc?"
        would offer two wrong answers (`offered`: the two topics). The same bar as the meaning overruling the words'
        close call."""
        topic = IntentId(meaning.nearest.intent).topic
        thresholds = self.thresholds
        if (
            offered & said.labels
            or topic in offered
            or not self._is_medical(topic)
            or meaning.topic != topic
            or meaning.nearest.similarity < thresholds.reconsider_similarity
            or meaning.probability < thresholds.reconsider_probability
        ):
            return None
        intent = self._asked_of(said, meaning.nearest.intent)
        return Match(
            intent, round(meaning.nearest.similarity, 3), found.alternatives, "meaning names a topic neither offered is"
        )

    def _neighbour_to_trust(self, said: Utterance, meaning: Meaning) -> Neighbour:
        """The closest example in meaning, unless the topic model points to another medical topic and the words rank
        that topic first too, or the model is sure of it: then that topic's closest example. One example is one
        opinion against two ("my daughter does gymnastics and now her hip aches" is nearest an osteoporosis example
        about a relative, and both the words and the topic model say exercise)."""
        nearest, topic = meaning.nearest, meaning.topic
        if topic == IntentId(nearest.intent).topic or not self._is_medical(topic):
            return nearest
        if topic == self._best_by_words(said) or meaning.probability >= self.thresholds.semantic_topic_choose:
            return meaning.nearest_of_topic
        return nearest

    def _asked_of(self, said: Utterance, intent: str) -> IntentId:
        """An example's intent, with the aspect the question's frame asks for: the example's aspect is a guess
        ("what can i do about ..." is treatment even when the closest example is about prevention)."""
        found = IntentId(intent)
        framed = self._framed_aspect(said.query)
        if framed and self.topics[found.topic].is_medical:
            aspects = self.topics[found.topic].aspects
            return IntentId.of(found.topic, framed) if framed in aspects else IntentId(found.topic)
        return found

    def _by_nearest(
        self, said: Utterance, found: Match, neighbour: Neighbour, without_domain: bool, words_understood: bool
    ) -> Match | None:
        """A very close example, or a close one of the topic the words rank first."""
        intent = self._asked_of(said, neighbour.intent)
        if intent.topic == OUT_OF_SCOPE:
            return None
        thresholds = self.thresholds
        needed = thresholds.semantic_accept_without_domain if without_domain else thresholds.semantic_accept
        if neighbour.similarity >= needed:
            return Match(intent, round(neighbour.similarity, 3), found.alternatives, "closest in meaning")
        # Two opinions that agree are worth more than either alone: the topic the words rank first, a little
        # short of its cutoff, is taken when the closest example in meaning belongs to it too.
        # A word that is of the domain with pain ("sitting", "sore") or in everyday talk ("my seat"), among
        # words the examples all know, is almost a word of the domain ("what can i do about a sore behind
        # from gaming marathons"): words and meaning that agree are taken as if it held one.
        near_domain = words_understood and bool(said.labels & {WITH_PAIN, PAIN, EVERYDAY})
        agreed = (
            thresholds.semantic_agree_without_domain
            if without_domain and not near_domain
            else thresholds.semantic_agree
        )
        best = self._best_by_words(said)
        if (
            intent.topic == best
            and words_understood
            and said.scores[best] >= thresholds.agree_words
            and neighbour.similarity >= agreed
        ):
            return Match(intent, round(neighbour.similarity, 3), found.alternatives, "words and meaning agree")
        return None

    def _by_topic_model(self, said: Utterance, found: Match, meaning: Meaning, without_domain: bool) -> Match | None:
        """The topic all of a topic's examples point to ("should i sit with my hips higher than my knees" is near
        no single example of posture, and plainly about posture), when the topic model is sure of it, it is not
        out of scope, and the question is not far from that topic's examples."""
        thresholds = self.thresholds
        near = thresholds.semantic_topic_near_without_domain if without_domain else thresholds.semantic_topic_near
        if (
            meaning.topic not in self.topics
            or meaning.topic == OUT_OF_SCOPE
            or meaning.probability < thresholds.semantic_topic
            or meaning.nearest_of_topic.similarity < near
        ):
            return None
        intent = self._asked_of(said, meaning.nearest_of_topic.intent)
        return Match(intent, round(meaning.probability, 3), found.alternatives, "the topic model is sure")

    def _closer_to_out_of_scope(self, said: Utterance) -> bool:
        """An out-of-scope example closer by letters than any topic's ("where can i buy an office chair"): the
        encoder sees only a sample of the out-of-scope examples, so its neighbour may be a topic's."""
        return said.out_of_scope >= self._closest_topic(said) + self.thresholds.out_of_scope_lead

    def _closest_topic(self, said: Utterance) -> float:
        """How close by letters (0..100) the closest example of a medical topic is."""
        return max(
            (score for intent, score in said.letters.items() if self.topics[intent.topic].is_medical), default=0.0
        )

    @staticmethod
    def _best_by_words(said: Utterance) -> str | None:
        """The topic the words rank first among those the encoder can name: it never names a warning sign, so
        pain told in words close to one ("my rear is killing me") is compared by the next topic."""
        named = {topic: score for topic, score in said.scores.items() if topic not in _NEVER_BY_MEANING}
        return max(named, key=named.__getitem__) if named else None

    def _find(self, query: str) -> tuple[str, set[str]]:
        return self._vocabulary.find(query, self._examples.words, self.thresholds)

    def _without_other_senses(self, query: str) -> str:
        """Phrases in which a domain word means something else ("disc jockey") become one strange word, and so
        does a domain word said with a word that shows its other sense anywhere else ("the disc won't play in my
        dvd player")."""
        padded = f" {query} "
        for phrase in self.index.other_senses:
            if f" {phrase} " in padded:
                padded = padded.replace(f" {phrase} ", f" {phrase.replace(' ', '_')} ")
        for word, cues in self.index.sense_cues.items():
            cue = next((cue for cue in cues if f" {cue} " in padded), None)
            if cue and f" {word} " in padded:
                padded = padded.replace(f" {word} ", f" {word}_{cue.replace(' ', '_')} ")
        return padded.strip()

    def _topic_scores(self, query: str, labels: set[str], letters_by_intent: dict[IntentId, float]) -> dict[str, float]:
        """Each topic's score (0..100): letter similarity and word coverage blended, plus a keyword bonus."""
        letters: dict[str, float] = {}
        for intent, score in letters_by_intent.items():
            letters[intent.topic] = max(letters.get(intent.topic, 0.0), score)
        words = self.index.topic_words.scores(self._stems.content(query))
        weight = self.thresholds.words_weight
        scores = {}
        # In a fixed order, so that topics with equal scores rank the same in every process (not by string hash).
        for topic_id in sorted(set(letters) | set(words)):
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
        named = [self._find(side.strip())[1] for side in (before, after)]
        topics = [
            next(
                (topic for topic in sorted(labels, key=lambda t: (-scores.get(t, 0.0), t)) if self._is_medical(topic)),
                None,
            )
            for labels in named
        ]
        first_named, second_named = topics
        if first_named is None or second_named is None or first_named == second_named:
            return None
        first, second = sorted((first_named, second_named), key=lambda t: -scores.get(t, 0.0))
        return (
            Candidate(IntentId(first), round(scores.get(first, 0.0) / 100, 3)),
            Candidate(IntentId(second), round(scores.get(second, 0.0) / 100, 3)),
        )

    def _advice_of(self, first: str, second: str) -> str | None:
        """Of a cause topic and an advice topic, the advice topic."""
        kinds = {self.topics[first].kind: first, self.topics[second].kind: second}
        return kinds.get("advice") if set(kinds) == {"advice", "cause"} else None

    @cached_property
    def _aspect_frames(self) -> list[tuple[str, _Frames]]:
        """Each aspect's question frames as one pattern, in the order the dialogue file lists the aspects:
        "how can ... injure ..." asks how harm comes about, whatever the topic's words in between."""
        return [(aspect, _Frames.of(frames)) for aspect, frames in self.index.aspect_frames.items()]

    @cached_property
    def _aspect_phrases(self) -> list[tuple[str, str]]:
        """Follow-up phrases long enough to name an aspect inside a question ("i have sciatica what do i do")."""
        phrases = [
            (sentence, IntentId(intent).aspect)
            for intent, sentences in self._follow_ups.by_intent.items()
            for sentence in sentences
            if IntentId(intent).aspect in ASPECTS and len(sentence.split()) >= self.thresholds.aspect_phrase_words
        ]
        return sorted(phrases, key=lambda item: -len(item[0]))

    @cached_property
    def _aspect_openings(self) -> list[tuple[str, str]]:
        """Shorter follow-up phrases name their aspect only where they open the question ("what helps ...")."""
        return [
            (sentence, IntentId(intent).aspect)
            for intent, sentences in self._follow_ups.by_intent.items()
            for sentence in sentences
            if IntentId(intent).aspect in ASPECTS and 1 < len(sentence.split()) < self.thresholds.aspect_phrase_words
        ]

    def _with_aspect(self, topic_id: str, query: str, letters: dict[IntentId, float]) -> IntentId:
        """The topic, or its aspect when the utterance asks for one ("what medicine helps sciatica")."""
        aspects = self.topics[topic_id].aspects
        if not aspects:
            return IntentId(topic_id)
        framed = self._framed_aspect(query)
        if framed:
            # What the question asks is plain from its frame; a topic without that aspect is answered whole
            # ("what makes my glutes ache" asks for causes, and hip pain in general has no cause aspect).
            return IntentId.of(topic_id, framed) if framed in aspects else IntentId(topic_id)
        padded = f" {query} "
        for phrase, aspect in self._aspect_openings:
            if aspect in aspects and padded.startswith(f" {phrase} "):
                return IntentId.of(topic_id, aspect)
        if query.startswith("why ") and "mechanism" in aspects:
            return IntentId.of(topic_id, "mechanism")
        base = letters.get(IntentId(topic_id), 0.0)
        closest = max(aspects, key=lambda name: letters.get(IntentId.of(topic_id, name), 0.0))
        if letters.get(IntentId.of(topic_id, closest), 0.0) > max(
            base + self.thresholds.aspect_example_margin, self.thresholds.aspect_example
        ):
            # An aspect's own example said almost as written outweighs a phrase inside it ("what can i do so
            # my bones don't get weak" is prevention, though "what can i do" asks for treatment).
            return IntentId.of(topic_id, closest)
        for phrase, aspect in self._aspect_phrases:
            if aspect in aspects and f" {phrase} " in padded:
                return IntentId.of(topic_id, aspect)
        if self._tells_pain(query):
            # Pain told asks for no aspect: "my buttock aches" shares "aches" with "what helps a buttock that aches",
            # and is about the cause, not about its treatment.
            return IntentId(topic_id)
        # The name of a topic with one aspect names the topic, not that aspect: with "how is bursitis treated" its
        # only aspect, "what is bursitis" would ask for treatment.
        naming = self._names_in_one_aspect[topic_id]
        cues = self.index.aspect_words.scores([stem for stem in self._stems.content(query) if stem not in naming])
        if cues:
            ranked = [*sorted(cues.values(), reverse=True), 0.0]
            cued = max(cues, key=cues.__getitem__)
            if cued in aspects and ranked[0] - ranked[1] >= self.thresholds.aspect:
                return IntentId.of(topic_id, cued)
        return IntentId(topic_id)

    @cached_property
    def _names_in_one_aspect(self) -> dict[str, frozenset[str]]:
        """For a topic with one aspect, its keywords that both its own and that aspect's examples use."""

        def stems(sentences: Sequence[str]) -> frozenset[str]:
            return frozenset(stem for sentence in sentences for stem in self._stems.content(normalise(sentence)))

        return {
            topic.id: stems(topic.keywords)
            & stems(topic.sentences)
            & stems(next(iter(topic.aspects.values())).sentences)
            if len(topic.aspects) == 1
            else frozenset()
            for topic in self.topics.values()
        }

    def _unknown_words(self, query: str) -> list[str]:
        """Content words no example uses, in any form ("kinds" is known from "kind"): outside the domain they
        name something the skill knows nothing of."""
        known = self._examples.words
        return [
            word
            for word in content_words(query)
            if word not in known and self._stems.content(word)[0] not in self._example_stems
        ]

    @cached_property
    def _example_stems(self) -> frozenset[str]:
        return frozenset(self._stems.content(" ".join(self._examples.words)))

    def _words_of_other_intents(self, query: str, intent: IntentId) -> list[str]:
        """Content words the intent's own examples never use: a misheard question ("i didn't seat not when")
        can come close to a set phrase ("i didn't catch that") by letters while its words say otherwise."""
        if intent.topic not in self._set_phrase_words:
            return []  # a follow-up ("what causes it") is judged by its own phrases
        own = self._set_phrase_words[intent.topic][1]
        return [word for word in content_words(query) if word not in own]

    def _best_meta(self, said: Utterance, in_domain: bool) -> Match | None:
        """Help, repeat, stop and follow-ups are set phrases: only their letters count, so that a
        jumble of common words ("is it be need be all") never ends the session."""
        query, letters = said.query, said.letters
        if not in_domain:
            own = self._set_phrase_by_words(query)
            if own:
                return own
        candidates = {intent: s for intent, s in letters.items() if not self.topics[intent.topic].is_medical}
        if all(word in self._follow_ups.words for word in content_words(query)):
            # A follow-up is a phrase about the last topic ("what causes it"); with a word of its own
            # ("what causes hiccups", "what is the weather like") it is a new question.
            candidates.update(self._follow_ups.best_by_intent(query, self.thresholds.example_floor))
        if not candidates:
            return None
        best = max(candidates, key=candidates.__getitem__)
        medical = self._closest_topic(said)
        # An acknowledgement ("good to know", "that's neat") shares letters with "goodbye" and "that's it": when
        # an out-of-scope example is at least as close, it is not the set phrase, and never ends the session.
        if candidates[best] < max(medical, said.out_of_scope):
            return None
        opening = query.partition(" ")[0]
        if opening in self.knowledge.dialogue.question_words and opening not in self._openings[best]:
            return None  # "what's it for" asks something: no goodbye opens so, though "that's it for me" is close
        if in_domain:
            needed = self.thresholds.accept_without_domain
        else:
            foreign = self._unknown_words(query) or self._words_of_other_intents(query, best)
            if foreign and len(foreign) == len(content_words(query)):
                return None  # only its small words are the set phrase's: "who made you" is not "who are you"
            penalty = self.thresholds.unknown_word_penalty if foreign else 0.0
            needed = self.thresholds.meta + penalty
            if len(query.split()) == 1:
                needed = max(needed, self.thresholds.meta_one_word)
        if candidates[best] >= needed:
            return Match(best, round(candidates[best] / 100, 3), reason="meta phrase")
        return None

    @cached_property
    def _openings(self) -> dict[str, frozenset[str]]:
        """The words the examples of each set phrase (help, repeat, stop) and follow-up begin with."""
        return {
            intent: frozenset(sentence.partition(" ")[0] for sentence in sentences)
            for examples in (self._examples, self._follow_ups)
            for intent, sentences in examples.by_intent.items()
            if not self._is_medical(IntentId(intent).topic)
        }

    @cached_property
    def _set_phrase_words(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        """Each set phrase (help, repeat, stop): its keywords, and every word its examples use."""
        return {
            topic.id: (
                frozenset(normalise(keyword) for keyword in topic.keywords),
                frozenset(word for sentence in self._examples.by_intent.get(topic.id, ()) for word in sentence.split()),
            )
            for topic in self.topics.values()
            if not topic.is_medical and topic.id != OUT_OF_SCOPE
        }

    def _set_phrase_by_words(self, query: str) -> Match | None:
        """A few words that are all a set phrase's own, one of them its keyword ("options", "menu please",
        "list of topics"), mean that set phrase however they are put together; one other word ("stop the
        music", "help me with my homework") and they do not."""
        words = content_words(query)
        if not words or len(words) > self.thresholds.set_phrase_words:
            return None
        found = [
            topic_id
            for topic_id, (keywords, vocabulary) in self._set_phrase_words.items()
            if any(word in keywords for word in words) and all(word in vocabulary for word in words)
        ]
        if len(found) != 1:
            return None
        return Match(IntentId(found[0]), 1.0, reason="a set phrase's own words")

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
            query,
            candidates,
            scorer=fuzz.partial_ratio,
            score_cutoff=self.thresholds.trigger,
            limit=self.thresholds.fuzzy_triggers_tried,
        ):
            if len(trigger) >= self.thresholds.fuzzy_trigger_letters and self._whole_words_match(trigger, query):
                return trigger
        return None

    def _whole_words_match(self, trigger: str, query: str) -> bool:
        """The part of the query that resembles the trigger, widened to whole words, still resembles it."""
        alignment = fuzz.partial_ratio_alignment(trigger, query)
        if alignment is None:
            return False
        start = query.rfind(" ", 0, alignment.dest_start) + 1
        end = query.find(" ", alignment.dest_end)
        words = query[start : end if end != -1 else len(query)]
        return fuzz.ratio(trigger, words) >= self.thresholds.trigger


def _put_first(ranked: list[tuple[str, float]], item: tuple[str, float]) -> None:
    ranked.remove(item)
    ranked.insert(0, item)

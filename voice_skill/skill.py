"""The loaded skill: its topics and a matcher built over them, made once and shared by sessions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import fingerprint, load_json, rebuilt, save_json
from .intent import CLARIFY, OUT_OF_SCOPE, IntentId
from .knowledge.loader import load_knowledge
from .knowledge.model import KnowledgeBase
from .matching.index import DOMAIN, PAIN, WITH_PAIN, MatcherIndex
from .matching.matcher import Matcher
from .matching.paraphrases import shipped_paraphrases
from .settings import RecognitionSettings

if TYPE_CHECKING:
    from .recognition.recogniser import Recogniser

_MATCHING_CODE = Path(__file__).with_name("matching")
"""The matcher's index is cached under a hash of this code too: a change to it rebuilds the index."""


@dataclass(frozen=True)
class Skill:
    """Topics plus matcher."""

    knowledge: KnowledgeBase
    """The topics, the dialogue's phrases and the domain's words."""

    matcher: Matcher
    """Decides which intent an utterance means."""

    @classmethod
    def load(cls, intents_dir: Path | None = None) -> Skill:
        """Load the topics (the shipped ones by default) and index them."""
        return cls.from_knowledge(load_knowledge(intents_dir))

    @classmethod
    def from_knowledge(cls, knowledge: KnowledgeBase) -> Skill:
        """The skill of loaded topics, their index read from the cache (or built and cached)."""
        code = fingerprint(*(path.read_bytes() for path in sorted(_MATCHING_CODE.glob("*.py"))))
        cache_name = f"matcher-{knowledge.digest}-{code}.json"
        cached = load_json(cache_name)
        index = None
        if cached is not None:
            try:
                index = MatcherIndex.from_json(cached)
            except (KeyError, TypeError) as error:
                rebuilt(cache_name, error)
        if index is None:
            index = MatcherIndex.build(knowledge)
            save_json(cache_name, index.to_json())
        return cls(knowledge=knowledge, matcher=Matcher(knowledge, index=index))

    def __reduce__(self) -> tuple[Any, tuple[KnowledgeBase]]:
        # A skill goes to another process (the Wyoming server's recognisers) as its topics alone, the index read
        # from the cache there. Its matcher fills in what it works out (word stems, cached properties) while other
        # threads answer with it; pickling that state raced them ("dictionary changed size during iteration").
        return (Skill.from_knowledge, (self.knowledge,))

    @cached_property
    def sentences(self) -> tuple[str, ...]:
        """Every sentence the loaded topics and the dialogue expect: what the recognisers are restricted to."""
        return tuple(self.knowledge.sentences)

    @cached_property
    def paraphrases(self) -> tuple[str, ...]:
        """People's own wording of the loaded topics' questions, off-topic ones aside: the dev paraphrases shipped
        with the package (`matching.paraphrases`) of the intents whose topic is loaded. What pocketsphinx's
        language model learns beside `sentences` (`open_recogniser(..., paraphrases=)`)."""
        return tuple(
            sentence
            for intent, sentences in shipped_paraphrases().items()
            if intent != OUT_OF_SCOPE and intent.split(".")[0] in self.knowledge.topics
            for sentence in sentences
        )

    def recogniser(
        self, settings: RecognitionSettings = RecognitionSettings(), meaning: Callable[[str], str | None] | None = None
    ) -> Recogniser:
        """The recogniser the skill listens with, the same for every front end: restricted to its sentences and
        learning its paraphrases, the second opinion judged by its meaning (or `meaning`), Moonshine checked against
        and leaning toward its domain words, behind the speech screen (its rejection of audio that holds no speech).
        The speech libraries are imported only here, so typed questions never load them."""
        from .recognition.recogniser import open_recogniser
        from .recognition.screening import screened

        return screened(
            open_recogniser(
                self.sentences,
                settings,
                meaning or self.meaning,
                self.domain_words,
                self.paraphrases,
                self.warning_words,
                self.alarm_words,
                self.is_alarm,
            )
        )

    @cached_property
    def domain_words(self) -> frozenset[str]:
        """The single words that put a question in the skill's domain, alone or with pain ("hip", "sore",
        "sitting"): those a recogniser may have misheard as other words (`open_recogniser(..., domain_words=)`)."""
        return frozenset(
            phrase
            for phrase, labels in self.matcher.index.vocabulary.labels.items()
            if " " not in phrase and {DOMAIN, PAIN, WITH_PAIN} & set(labels)
        )

    @cached_property
    def warning_words(self) -> frozenset[str]:
        """The words that the warning signs' and emergencies' questions use and no other question does ("fell",
        "fever", "bladder"): heard in unsure words of another topic, they are worth a check for a warning sign that
        a recogniser bent into that topic (`open_recogniser(..., warning_words=)`)."""
        warning = {
            sentence
            for topic in self.knowledge.topics.values()
            if IntentId(topic.id).is_warning_sign
            for sentence in (
                *topic.sentences,
                *(said for aspect in topic.aspects.values() for said in aspect.sentences),
            )
        }
        other = set(self.sentences) - warning
        return frozenset(_words(warning) - _words(other))

    @cached_property
    def alarm_words(self) -> frozenset[str]:
        """The words that emergencies and warning signs are found by, whatever topics are loaded ("fall", "bladder",
        "numbness"): where a recogniser heard another word that sounds like one, it is worth checking whether the
        audio held a warning sign (`open_recogniser(..., alarm_words=)`)."""
        from .matching.alarms import words_listened_for

        return words_listened_for()

    def is_alarm(self, text: str) -> bool:
        """Whether the words hold an emergency or a warning sign, by the warning-sign rules alone (well under a
        millisecond, where the whole matcher takes several): what a recogniser tries every sound-alike word with
        (`open_recogniser(..., alarm=)`)."""
        from .matching.alarms import find_alarm

        alarm = find_alarm(text)
        return alarm is not None and IntentId(alarm.intent).is_warning_sign

    def meaning(self, text: str) -> str | None:
        """The intent the words are a question for; None when the skill would refuse them or ask back. What a
        recogniser's second opinion is judged by (`open_recogniser(..., meaning=skill.meaning)`)."""
        intent = self.matcher.match(text).intent
        return None if intent in (OUT_OF_SCOPE, CLARIFY) else intent


def _words(sentences: set[str]) -> set[str]:
    return {word for sentence in sentences for word in sentence.split()}

"""The skill's knowledge as typed data: topics, their aspects, the dialogue's fixed phrases, the domain's words."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..intent import EMERGENCY, OUT_OF_SCOPE, SEE_DOCTOR, URGENT

KINDS = ("cause", "advice", "meta")
ASPECTS = ("mechanism", "symptoms", "treatment", "prevention")
GENERAL_CAUSES = "causes_overview"
"""The topic about hip and buttock pain in general, whatever its cause."""
REQUIRED_TOPICS = (
    GENERAL_CAUSES,
    "prolonged_sitting",
    "improper_exercise",
    "disc_herniation",
    "sciatica",
    "osteoporosis",
    "daily_care",
    SEE_DOCTOR,
    URGENT,
    EMERGENCY,
    "help",
    "repeat",
    "stop",
    OUT_OF_SCOPE,
)
DIALOGUE_PHRASES = ("disclaimer", "clarify", "no_question_heard", "misunderstood")
OPTIONAL_DIALOGUE_PHRASES = ("self_harm", "english_only", "cannot_diagnose", "child_medicine", "blood_clot")
"""Said instead of a topic's answer when they are given; without them the topic's own answer is said."""
FOLLOW_UPS = (*ASPECTS, "more")


@dataclass(frozen=True)
class Aspect:
    """A finer intent of a topic, reported as "<topic id>.<aspect name>"."""

    name: str
    """One of ASPECTS."""

    sentences: tuple[str, ...]
    """Expanded example sentences, lower case."""

    answer: str
    """What the skill says."""


@dataclass(frozen=True)
class Topic:
    """One thing the skill can answer about."""

    id: str
    """Stable topic id, part of the command-line contract."""

    kind: str
    """"cause", "advice" or "meta"."""

    name: str
    """How the skill names the topic aloud."""

    answer: str
    """What the skill says."""

    sentences: tuple[str, ...] = ()
    """Expanded example sentences, lower case."""

    keywords: tuple[str, ...] = ()
    """Words that are strong evidence for this topic."""

    triggers: tuple[str, ...] = ()
    """Phrases that select this topic wherever they occur in an utterance."""

    context_triggers: tuple[str, ...] = ()
    """Like triggers, but only in an utterance that is about pain or the skill's domain ("fever")."""

    aspects: dict[str, Aspect] = field(default_factory=dict)
    """Finer intents by aspect name, in the order they are told."""

    @property
    def is_medical(self) -> bool:
        """Cause and advice topics carry medical information."""
        return self.kind != "meta"


@dataclass(frozen=True)
class DialogueText:
    """The skill's fixed phrases and the follow-up sentences that refer to the last topic."""

    disclaimer: str
    clarify: str
    no_question_heard: str
    misunderstood: str
    follow_ups: dict[str, tuple[str, ...]]
    """Expanded follow-up sentences by aspect name, or "more"."""

    self_harm: str = ""
    """To someone who speaks of harming themselves: emergency services and a crisis line."""

    english_only: str = ""
    """To a question in another language, in English."""

    cannot_diagnose: str = ""
    """To "could it be cancer": only a doctor who examines you can say."""

    child_medicine: str = ""
    """To a question about medicines for a child: only a doctor or pharmacist can say."""

    blood_clot: str = ""
    """To a calf or leg that swells and hurts, above all after long sitting: a possible blood clot needs care now."""

    aspect_questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Question frames by aspect name, as templates ("how (can|could) ... injure ..."); "..." stands for any words."""

    question_words: tuple[str, ...] = ()
    """Words that make an utterance a question rather than something told ("how", "should", "any tips")."""

    joining_words: tuple[str, ...] = ()
    """Question words that inside a sentence join what is told ("it hurts when i sit")."""

    pain_told: tuple[str, ...] = ()
    """Words that tell of pain felt ("my bottom hurts"), not of pain asked about ("a chair for hip pain")."""

    finding_told: tuple[str, ...] = ()
    """Frames of a finding reported ("my mri shows a slipped disc"): the question is about the finding."""

    visit_asked: tuple[str, ...] = ()
    """Frames of a visit asked about ("should i see a specialist"), which a finding reported does not outweigh."""

    outlook_asked: tuple[str, ...] = ()
    """Frames that ask how serious something is or whether it will pass ("is sciatica dangerous", "will it go away")."""


@dataclass(frozen=True)
class Domain:
    """Words that tell whether an utterance is about the skill's domain at all."""

    words: tuple[str, ...]
    """Body areas and conditions: any one of them puts an utterance in the domain."""

    with_pain: tuple[str, ...]
    """Words in the domain only together with a pain word ("sitting", "running")."""

    pain_words: tuple[str, ...]
    """Pain, ache, hurt and the like."""

    elsewhere: tuple[str, ...]
    """Other parts of the body: without a domain word, the question is about them."""

    other_senses: tuple[str, ...] = ()
    """Phrases in which a domain word means something else ("disc jockey", "hip hop"): they do not count."""

    everyday: tuple[str, ...] = ()
    """Phrases of the domain that are also everyday talk (posture, chairs, seeing a GP): alone, they put an
    utterance in the domain only when the skill knows its other words ("my posture at my desk", not "my
    posture when playing the cello")."""

    general: tuple[str, ...] = ()
    """Words any question may hold that name no subject of their own ("matter", "normal", "my wife"): beside an
    everyday phrase of the domain they are never taken for the other subject a question is about."""

    other_conditions: tuple[str, ...] = ()
    """Conditions the skill does not cover ("bursitis", "piles"): a question that names one is about it, unless it
    also names a condition the skill covers or asks for advice ("should i see a doctor about hip arthritis")."""

    animals: tuple[str, ...] = ()
    """Animals: a question whose subject is one ("can dogs get sciatica", "my cat's hips") is for a vet."""

    seating: tuple[str, ...] = ()
    """Sitting and what one sits on ("sofa", "stool"): a question holding one may be about the way one sits, so
    its meaning is asked even when the skill knows none of its other words."""

    sense_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For a word of the domain, words that anywhere in the same question show it is meant in another sense: a
    "disc" with a "dvd player" is not in the spine, however far apart the two stand."""


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything loaded from the intents folder."""

    topics: dict[str, Topic]
    dialogue: DialogueText
    domain: Domain
    digest: str
    """Identifies the topic files' contents, for caches derived from them."""

    @property
    def sentences(self) -> list[str]:
        """Every sentence the topics and the dialogue expect: what speech recognisers are restricted to."""
        sentences: list[str] = []
        for topic in self.topics.values():
            sentences.extend(topic.sentences)
            for aspect in topic.aspects.values():
                sentences.extend(aspect.sentences)
        for follow_ups in self.dialogue.follow_ups.values():
            sentences.extend(follow_ups)
        return sentences

"""A conversation: follow-ups, clarification, repeat, help, stop and the first-answer disclaimer.

Warning signs and emergencies come first at every turn, whatever was asked before: they end a pending
"Do you mean A, or B?", and a follow-up after them ("what should I do") repeats their advice.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .answer import Answer
from .intent import CLARIFY, EMERGENCY, OUT_OF_SCOPE, URGENT, IntentId, Match
from .knowledge.model import Topic
from .matching.alarms import BLOOD_CLOT, CANNOT_DIAGNOSE, CHILD_MEDICINE, SELF_HARM
from .matching.matcher import NOT_ENGLISH, Utterance
from .matching.text import normalise
from .recognition.transcript import Transcript
from .skill import Skill

MISUNDERSTANDINGS_BEFORE_HELP = 3
SHORT_REPLY_WORDS = 6
"""A longer reply to "Do you mean A, or B?" is taken as a new question, not as a choice."""
CHOICE_WORDS = 4
"""A reply of at most this many words may choose by position ("the first one", "the other")."""
_FIRST = re.compile(r"\b(first|former|yes|yeah|yep|the first one|that one)\b")
_SECOND = re.compile(r"\b(second|latter|other|the other one)\b")
ALARMS = (URGENT, EMERGENCY)
"""Intents whose advice a follow-up repeats."""


class Session:
    """One user's conversation with the skill; keeps the state follow-ups need."""

    def __init__(self, skill: Skill) -> None:
        self.skill = skill
        self.last_topic: Topic | None = None
        self.last_answer: str | None = None
        self.told_aspects: set[str] = set()
        self.offered: tuple[str, str] | None = None
        self.misunderstandings = 0
        self.disclaimer_given = False
        self.ended = False

    def respond(self, text: str) -> Answer:
        """Answer one typed or recognised utterance."""
        answer = self._resolve(text)
        at_once = answer.intent in ALARMS or answer.answer == self.skill.knowledge.dialogue.english_only
        if not self.disclaimer_given and not at_once:  # an emergency is told first; the disclaimer can wait
            self.disclaimer_given = True
            answer = replace(answer, answer=f"{self.skill.knowledge.dialogue.disclaimer} {answer.answer}")
        if answer.intent != CLARIFY and answer.intent != "repeat":
            self.last_answer = answer.answer
        self.ended = answer.ends_session
        return answer

    def respond_to_transcript(self, transcript: Transcript) -> Answer:
        """Answer a recognised utterance; an empty transcript means no question was heard."""
        if not transcript.text.strip():
            answer = Answer(
                text="",
                intent=OUT_OF_SCOPE,
                confidence=1.0 if transcript.speech is None else round(1.0 - transcript.speech, 3),
                answer=self.skill.knowledge.dialogue.no_question_heard,
                transcript=transcript,
            )
        else:
            answer = self.respond(transcript.text)
        return replace(answer, transcript=transcript)

    def greeting(self) -> str:
        """What a spoken session says before listening: the disclaimer, given once."""
        self.disclaimer_given = True
        return self.skill.knowledge.dialogue.disclaimer

    def _resolve(self, text: str) -> Answer:
        utterance = self.skill.matcher.read(text)
        match = self.skill.matcher.match(utterance)
        if match.sign:
            self.offered = None
            self.misunderstandings = 0
            return self._sign_answer(text, match)
        if self.offered:
            offered, self.offered = self.offered, None
            chosen = self._chosen(utterance, offered, match)
            if chosen:
                return self._topic_answer(text, Match(chosen, 1.0, reason="clarified"))
        if match.intent == OUT_OF_SCOPE:
            return self._not_understood(text, match)
        self.misunderstandings = 0
        if match.intent == CLARIFY:
            return self._clarify(text, match)
        if match.intent.is_follow_up:
            return self._follow_up(text, match)
        if match.intent == "repeat":
            said = self.last_answer or self.skill.knowledge.topics["repeat"].answer
            return Answer(text, "repeat", match.confidence, said, match.alternatives)
        return self._topic_answer(text, match)

    def _sign_answer(self, text: str, match: Match) -> Answer:
        """An answer chosen by what was found in the words: an alarm, a question for a doctor, another language."""
        dialogue = self.skill.knowledge.dialogue
        special = {
            SELF_HARM: dialogue.self_harm,
            CANNOT_DIAGNOSE: dialogue.cannot_diagnose,
            CHILD_MEDICINE: dialogue.child_medicine,
            BLOOD_CLOT: dialogue.blood_clot,
            NOT_ENGLISH: dialogue.english_only,
        }.get(match.sign)
        if match.intent == OUT_OF_SCOPE:
            said = special or self.skill.knowledge.topics[OUT_OF_SCOPE].answer
            return Answer(text, OUT_OF_SCOPE, match.confidence, said)
        answer = self._topic_answer(text, match)
        return replace(answer, answer=special) if special else answer

    def _topic_answer(self, text: str, match: Match) -> Answer:
        topic_id, aspect = match.intent.topic, match.intent.aspect
        topic = self.skill.knowledge.topics[topic_id]
        if topic.is_medical:
            if topic is not self.last_topic:
                self.told_aspects = set()
            self.last_topic = topic
            self.told_aspects.add(aspect)
        said = topic.aspects[aspect].answer if aspect else topic.answer
        return Answer(text, match.intent, match.confidence, said, match.alternatives, ends_session=topic_id == "stop")

    def _follow_up(self, text: str, match: Match) -> Answer:
        wanted = match.intent.aspect
        topic = self.last_topic
        if topic is None:
            return self._not_understood(text, match)
        if topic.id in ALARMS:
            # "What should I do?" after a warning sign: the answer is still to get emergency care now.
            return Answer(text, topic.id, match.confidence, self.last_answer or topic.answer)
        if wanted == "more":
            untold = [name for name in topic.aspects if name not in self.told_aspects]
            if not untold:
                return self._topic_answer(
                    text, Match(IntentId(topic.id), match.confidence, reason="nothing more to tell")
                )
            wanted = untold[0]
        intent = IntentId.of(topic.id, wanted if wanted in topic.aspects else "")
        return self._topic_answer(text, Match(intent, match.confidence, reason="follow-up"))

    def _clarify(self, text: str, match: Match) -> Answer:
        first, second = (candidate.intent for candidate in match.alternatives[:2])
        self.offered = (first, second)
        topics = self.skill.knowledge.topics
        question = self.skill.knowledge.dialogue.clarify.format(first=topics[first].name, second=topics[second].name)
        return Answer(text, CLARIFY, match.confidence, question, match.alternatives)

    def _chosen(self, utterance: Utterance, offered: tuple[str, str], match: Match) -> IntentId | None:
        """The offered topic a reply picks; None when the reply is a new question, not a choice."""
        if match.intent.topic in offered:
            return match.intent
        reply = normalise(utterance.text)
        if len(reply.split()) > SHORT_REPLY_WORDS:
            return None
        named = self.skill.matcher.match_among(utterance, list(offered))
        if named:
            return named
        if len(reply.split()) <= CHOICE_WORDS:
            if _FIRST.search(reply):
                return IntentId(offered[0])
            if _SECOND.search(reply):
                return IntentId(offered[1])
        return None

    def _not_understood(self, text: str, match: Match) -> Answer:
        self.misunderstandings += 1
        topics = self.skill.knowledge.topics
        if self.misunderstandings >= MISUNDERSTANDINGS_BEFORE_HELP:
            self.misunderstandings = 0
            said = f"{self.skill.knowledge.dialogue.misunderstood} {topics['help'].answer}"
            return Answer(text, OUT_OF_SCOPE, match.confidence, said, match.alternatives)
        if match.intent.is_follow_up:
            said = f"{self.skill.knowledge.dialogue.misunderstood} {topics['help'].answer}"
            return Answer(text, OUT_OF_SCOPE, match.confidence, said, ())
        return Answer(text, OUT_OF_SCOPE, match.confidence, topics[OUT_OF_SCOPE].answer, match.alternatives)

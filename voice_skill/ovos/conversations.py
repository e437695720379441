"""The skill's conversations inside an assistant that has other skills: what to answer, what to leave to them.

Free of OVOS, so the decisions are tested without a running assistant; `skill.py` only adapts them to the bus.
"""

from __future__ import annotations

from ..answer import Answer
from ..intent import OUT_OF_SCOPE, IntentId
from ..session_store import SessionStore

LANGUAGE = "en"
"""The topics are written in English; an utterance in another language is left to other skills."""


class AssistantConversations:
    """One dialogue per assistant session: answers for the skill's topics, silence for everything else."""

    def __init__(self, store: SessionStore) -> None:
        self.skill = store.skill
        self._store = store

    def can_answer(self, session_id: str, utterance: str, lang: str = LANGUAGE) -> bool:
        """Whether the skill has something to say, without changing the conversation.

        False leaves the utterance to the other skills: another language, out of scope, a follow-up
        with no topic of ours before it, or help, repeat and stop when we are not in a conversation.
        """
        if not _is_our_language(lang) or not utterance.strip():
            return False
        return self._ours(self._store.preview(session_id, utterance), session_id in self._store)

    def answer(self, session_id: str, utterance: str) -> Answer | None:
        """The reply in that session, exactly as `voice-skill chat` would give it; None if it is not ours.

        None happens only when the conversation moved on since `can_answer` (two utterances of one
        session at once); the skill then says nothing rather than a refusal.
        """
        known = session_id in self._store
        reply = self._store.respond(session_id, utterance)
        return reply if self._ours(reply, known) else None

    def in_conversation(self, session_id: str) -> bool:
        """True while the session has a conversation with the skill going (not ended, not expired)."""
        return session_id in self._store

    def stop(self, session_id: str) -> str | None:
        """End the session's conversation: the goodbye to say, or None if there was none to end."""
        if session_id not in self._store:
            return None
        self._store.end(session_id)
        return self.skill.knowledge.topics["stop"].answer

    def _ours(self, reply: Answer, in_conversation: bool) -> bool:
        if reply.intent == OUT_OF_SCOPE:
            return False
        topic = self.skill.knowledge.topics.get(IntentId(reply.intent).topic)
        # "help", "say that again", "goodbye" belong to whichever skill the user is talking to.
        return in_conversation or topic is None or topic.is_medical


def _is_our_language(lang: str) -> bool:
    return lang.replace("_", "-").lower().split("-")[0] == LANGUAGE

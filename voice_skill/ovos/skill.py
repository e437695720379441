"""The OpenVoiceOS skill: a fallback skill that answers hip and buttock pain questions and leaves the rest alone.

Loaded by OVOS through the `opm.skill` entry point; nothing else in the package imports this module.
"""

from __future__ import annotations

from typing import Any

from ovos_bus_client.message import Message
from ovos_bus_client.session import Session as AssistantSession
from ovos_bus_client.session import SessionManager
from ovos_utils import classproperty
from ovos_utils.process_utils import RuntimeRequirements
from ovos_workshop.decorators import fallback_handler
from ovos_workshop.skills.fallback import FallbackSkill

from ..intent import CLARIFY
from ..session_store import SessionStore
from ..skill import Skill
from ..utterance import clean_utterance
from .conversations import LANGUAGE, AssistantConversations

FALLBACK_PRIORITY = 50
"""Medium range (5-90): after the assistant's own intents, before chat bots and "I don't know" (90-100)."""


class HipPainSkill(FallbackSkill):
    """Answers what `voice-skill chat` answers, one conversation per assistant session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ready before the base class registers the fallback, so the first question finds the topics loaded.
        self.conversations = AssistantConversations(SessionStore(Skill.load()))
        super().__init__(*args, **kwargs)

    @classproperty
    def runtime_requirements(self) -> RuntimeRequirements:
        """Everything is on the machine: no internet or network, before loading or after."""
        return RuntimeRequirements(
            internet_before_load=False,
            network_before_load=False,
            requires_internet=False,
            requires_network=False,
            no_internet_fallback=True,
            no_network_fallback=True,
        )

    def can_answer(self, message: Message) -> bool:
        """Asked by the assistant before choosing a fallback skill; False lets other skills have it."""
        # Every fallback skill is asked once per priority range; only our own range's answer counts.
        low, high = message.data.get("range") or (0, 101)
        if not low < self.priority <= high:
            return False
        return self.conversations.can_answer(_session_id(message), _utterance(message), _language(message))

    @fallback_handler(priority=FALLBACK_PRIORITY)
    def answer_question(self, message: Message) -> bool:
        """Speak the reply in this session's conversation."""
        reply = self.conversations.answer(_session_id(message), _utterance(message))
        if reply is None:
            return False
        # A "Do you mean A, or B?" waits for the choice without the wake word.
        self.speak(reply.answer, expect_response=reply.intent == CLARIFY)
        return True

    def can_stop(self, message: Message) -> bool:
        """Only a session in conversation with the skill has something to stop."""
        return self.conversations.in_conversation(_session_id(message))

    def stop_session(self, session: AssistantSession) -> bool:
        """Saying stop ends this session's conversation with the skill's goodbye; other sessions go on."""
        goodbye = self.conversations.stop(session.session_id)
        if goodbye is None:
            return False
        self.speak(goodbye)
        return True


def _session_id(message: Message) -> str:
    return str(SessionManager.get(message).session_id)


def _utterance(message: Message) -> str:
    utterances = message.data.get("utterances") or [""]
    return clean_utterance(str(utterances[0]))


def _language(message: Message) -> str:
    return str(message.data.get("lang") or SessionManager.get(message).lang or LANGUAGE)

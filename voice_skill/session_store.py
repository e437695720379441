"""Conversations kept apart by an id, for front ends that serve many people at once (servers, assistants)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from .answer import Answer
from .dialogue import Session
from .recognition.transcript import Transcript
from .skill import Skill

DEFAULT_IDLE_SECONDS = 300.0
"""A conversation nobody spoke in for five minutes starts afresh (disclaimer included)."""
DEFAULT_MAX_SESSIONS = 1000
"""Past this many conversations the least recently used is forgotten, so memory stays bounded."""


@dataclass
class _Kept:
    session: Session
    last_used: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while the session answers: one conversation's turns never interleave."""


class SessionStore:
    """One dialogue `Session` per conversation id, safe to use from many threads at once."""

    def __init__(
        self,
        skill: Skill,
        *,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.skill = skill
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self._clock = clock
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def respond(self, conversation_id: str | None, text: str) -> Answer:
        """Answer a typed or recognised utterance in that conversation (None: a conversation of one turn)."""
        return self._answer(conversation_id, lambda session: session.respond(text))

    def respond_to_transcript(self, conversation_id: str | None, transcript: Transcript) -> Answer:
        """Answer a recogniser's transcript in that conversation; an empty one means nothing was heard."""
        return self._answer(conversation_id, lambda session: session.respond_to_transcript(transcript))

    def end(self, conversation_id: str) -> None:
        """Forget a conversation (the user said stop elsewhere, or the front end closed it)."""
        with self._lock:
            self._kept.pop(conversation_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._kept)

    def __contains__(self, conversation_id: object) -> bool:
        with self._lock:
            self._expire(self._clock())
            return conversation_id in self._kept

    def _answer(self, conversation_id: str | None, turn: Callable[[Session], Answer]) -> Answer:
        if conversation_id is None:
            return turn(Session(self.skill))
        kept = self._checkout(conversation_id)
        with kept.lock:
            answer = turn(kept.session)
        if kept.session.ended:
            with self._lock:
                if self._kept.get(conversation_id) is kept:
                    del self._kept[conversation_id]
        return answer

    def _checkout(self, conversation_id: str) -> _Kept:
        with self._lock:
            now = self._clock()
            self._expire(now)
            kept = self._kept.get(conversation_id)
            if kept is None:
                kept = _Kept(Session(self.skill), now)
                self._kept[conversation_id] = kept
                while len(self._kept) > self.max_sessions:
                    self._kept.popitem(last=False)
            else:
                kept.last_used = now
                self._kept.move_to_end(conversation_id)
            return kept

    def _expire(self, now: float) -> None:
        # Least recently used first, so the scan stops at the first conversation still in use.
        while self._kept:
            oldest = next(iter(self._kept.values()))
            if now - oldest.last_used < self.idle_seconds:
                break
            self._kept.popitem(last=False)

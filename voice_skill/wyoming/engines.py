"""The library's engines as the server uses them: conversations, recognisers and synthesisers, each behind a
bounded pool, and the CPU-heavy calls on worker threads so the event loop keeps serving other clients."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from ..answer import Answer
from ..recogniser import Recogniser, available_engines, open_recogniser, transcribe
from ..screening import screened
from ..session_store import SessionStore
from ..skill import Skill
from ..speech import SpeechOptions, Synthesiser, read_wav, split_sentences
from ..topics import OUT_OF_SCOPE
from ..transcript import Transcript
from .pool import LazyPool
from .settings import ServerSettings

__all__ = ["OUT_OF_SCOPE", "Engines", "Recogniser", "Transcript", "split_sentences", "transcribe"]

_LOGGER = logging.getLogger(__name__)

MAX_UTTERANCE_CHARACTERS = 1000
"""As on the command line: longer input is not a spoken question, and refusing it keeps matching fast."""

RECOGNISER_WIDTH = 2
"""Recognisers take 16-bit mono PCM."""


def clean_utterance(text: str) -> str:
    """Control characters out and an over-long input cut, as the command line does with typed questions."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return cleaned[:MAX_UTTERANCE_CHARACTERS]


class Engines:
    """What requests share: the conversations (the only state shared between clients), the engine pools and the
    thread pools. Engines are made on first use, so the server answers `describe` at once."""

    def __init__(self, skill: Skill, settings: ServerSettings) -> None:
        self.skill = skill
        self.settings = settings
        self.conversations = SessionStore(
            skill, idle_seconds=settings.conversation_idle_seconds, max_sessions=settings.max_conversations
        )
        self.work = ThreadPoolExecutor(settings.workers, thread_name_prefix="voice-skill-work")
        # Each audio stream holds a recognition thread while its audio arrives, so streams never wait on answers.
        self.recognition = ThreadPoolExecutor(settings.workers, thread_name_prefix="voice-skill-recognition")
        self.recognisers: LazyPool[Recogniser] = LazyPool(self._new_recogniser, settings.workers, self.work)
        self.synthesisers: LazyPool[Synthesiser] = LazyPool(
            self._new_synthesiser, settings.workers, self.work, close=Synthesiser.close
        )

    def engine_name(self) -> tuple[str, str]:
        """The recogniser that will be used and its model, without loading it: (engine, detail)."""
        engines = available_engines()
        chosen = [
            engine
            for engine in engines
            if engine.name == self.settings.engine or (self.settings.engine is None and engine.default)
        ]
        if not chosen:
            return self.settings.engine or "pocketsphinx", "not available on this machine"
        return chosen[0].name, chosen[0].detail

    async def answer(self, conversation_id: str | None, text: str) -> Answer:
        """The skill's answer to a typed or recognised utterance, in that conversation."""
        return await self._run(self.conversations.respond, conversation_id, clean_utterance(text))

    async def synthesise(self, text: str) -> tuple[bytes, int]:
        """16-bit mono PCM of the text spoken in the configured voice, and its sample rate."""
        async with self.synthesisers.lease() as synthesiser:
            return await self._run(_speak, synthesiser, text)

    async def warm_up(self) -> None:
        """Make one recogniser and one synthesiser now, so the first request does not wait for them."""
        async with self.recognisers.lease():
            pass
        async with self.synthesisers.lease():
            pass

    def close(self) -> None:
        """End the synthesiser processes and let worker threads go without waiting for their queued work."""
        self.synthesisers.close()
        self.recognisers.close()
        self.work.shutdown(wait=False, cancel_futures=True)
        self.recognition.shutdown(wait=False, cancel_futures=True)

    async def _run(self, function, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(self.work, partial(function, *args))

    def _new_recogniser(self) -> Recogniser:
        settings = self.settings
        recogniser = screened(open_recogniser(settings.engine, settings.model, settings.open_vocabulary))
        _LOGGER.info("recogniser ready: %s", recogniser.description)
        return recogniser

    def _new_synthesiser(self) -> Synthesiser:
        synthesiser = Synthesiser(SpeechOptions(self.settings.voice, self.settings.rate, self.settings.volume))
        try:
            synthesiser.start()
        except BaseException:
            synthesiser.close()
            raise
        return synthesiser


def _speak(synthesiser: Synthesiser, text: str) -> tuple[bytes, int]:
    path: Path = synthesiser.synthesise(text)
    try:
        return read_wav(path)
    finally:
        path.unlink(missing_ok=True)

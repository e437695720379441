"""What requests share: the conversations, the recognisers and synthesisers (each a process of its own, behind
a bounded pool, made on first use) and the threads that wait on them, so the event loop keeps serving."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import TypeVar

from ..answer import Answer
from ..session_store import SessionStore
from ..skill import Skill
from .library import Synthesiser, available_engines, clean_utterance, new_synthesiser, speak
from .pool import LazyPool
from .recogniser_process import RecogniserProcess
from .settings import ServerSettings

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


class Engines:
    """The conversations are the only state shared between clients; engines are lent to one request at a time."""

    def __init__(self, skill: Skill, settings: ServerSettings) -> None:
        self.skill = skill
        self.settings = settings
        # Home Assistant keeps no dialogue: each conversation id's is kept here, for five idle minutes at most.
        self.conversations = SessionStore(skill)
        self.work = ThreadPoolExecutor(settings.workers, thread_name_prefix="voice-skill-work")
        # Each audio stream holds a thread while its audio arrives, so streams never wait on answers.
        self.recognition = ThreadPoolExecutor(settings.workers, thread_name_prefix="voice-skill-recognition")
        self.recognisers: LazyPool[RecogniserProcess] = LazyPool(
            self._new_recogniser, settings.workers, close=RecogniserProcess.close
        )
        self.synthesisers: LazyPool[Synthesiser] = LazyPool(
            partial(new_synthesiser, settings.speech), settings.workers, close=Synthesiser.close
        )

    def engine_name(self) -> tuple[str, str]:
        """The recogniser that will be used and its model, without loading it: (engine, detail)."""
        wanted, model = self.settings.recognition.engine, self.settings.recognition.model
        if wanted in (None, "vosk") and model is not None:
            return "vosk", f"model {model}"
        for engine in available_engines():
            if engine.name == wanted or (wanted is None and engine.default):
                return engine.name, engine.detail
        return wanted or "pocketsphinx", "not available on this machine"

    async def answer(self, conversation_id: str | None, text: str) -> Answer:
        """The skill's answer to a typed or recognised utterance, in that conversation."""
        return await self._run(partial(self.conversations.respond, conversation_id, clean_utterance(text)))

    async def synthesise(self, text: str) -> tuple[bytes, int]:
        """16-bit mono PCM of the text spoken in the configured voice, and its sample rate."""
        async with self.synthesisers.lease() as synthesiser:
            return await self._run(partial(speak, synthesiser, text))

    async def warm_up(self) -> None:
        """Make one recogniser now, so the first spoken question does not wait for it."""
        async with self.recognisers.lease():
            pass

    def close(self) -> None:
        """End the engine processes and let the threads go without waiting for their queued work."""
        self.synthesisers.close()
        self.recognisers.close()
        self.work.shutdown(wait=False, cancel_futures=True)
        self.recognition.shutdown(wait=False, cancel_futures=True)

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.work, call)

    def _new_recogniser(self) -> RecogniserProcess:
        # A server goes on answering: its first question that needs Whisper must not wait for it to load.
        recogniser = RecogniserProcess(self.skill, replace(self.settings.recognition, load_now=True)).wait_ready()
        _LOGGER.info("recogniser ready: %s", recogniser.description)
        return recogniser

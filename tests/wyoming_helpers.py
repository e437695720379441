"""A real Wyoming server on 127.0.0.1 for tests, and the `wyoming` library's own client to talk to it."""

from __future__ import annotations

import asyncio
import socket
import threading
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from wyoming.audio import AudioChunk, wav_to_chunks
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

from voice_skill.skill import Skill
from voice_skill.wyoming.server import WyomingServer
from voice_skill.wyoming.settings import ServerSettings

T = TypeVar("T")
EVENT_TIMEOUT = 30.0
"""Seconds any test waits for one event before failing: no test hangs."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerThread:
    """The server running on an event loop in a thread of its own, started and stopped by the test."""

    def __init__(self, settings: ServerSettings, skill: Skill | None = None) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="wyoming-test-server", daemon=True)
        self.thread.start()
        self.server = self.call(self._make(skill or Skill.load()))
        self.call(self.server.start())

    async def _make(self, skill: Skill) -> WyomingServer:
        return WyomingServer(skill, self.settings)

    def call(self, coroutine: Awaitable[T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def client(port: int) -> AsyncTcpClient:
    """The library's client, every read bounded in time."""
    return AsyncTcpClient("127.0.0.1", port, connect_timeout=EVENT_TIMEOUT, read_timeout=EVENT_TIMEOUT)


async def exchange(port: int, *events: Event, until: Callable[[Event], bool]) -> list[Event]:
    """Send the events on a new connection, then read until `until` is true of an event (or the server closes)."""
    async with client(port) as connection:
        for event in events:
            await connection.write_event(event)
        return await read_until(connection, until)


async def read_until(connection: AsyncTcpClient, until: Callable[[Event], bool]) -> list[Event]:
    received = []
    while True:
        event = await connection.read_event()
        if event is None:
            return received
        received.append(event)
        if until(event):
            return received


def audio_events(path: Path, samples_per_chunk: int = 1024) -> list[Event]:
    """audio-start, audio-chunk..., audio-stop of a WAV file, in its own format."""
    with wave.open(str(path), "rb") as wav:
        return [part.event() for part in wav_to_chunks(wav, samples_per_chunk, start_event=True, stop_event=True)]


def audio_seconds(events: list[Event]) -> float:
    """Seconds of audio in the audio-chunk events."""
    chunks = [AudioChunk.from_event(event) for event in events if AudioChunk.is_type(event.type)]
    return sum(chunk.seconds for chunk in chunks)


def is_type(*types: str) -> Callable[[Event], bool]:
    return lambda event: event.type in types

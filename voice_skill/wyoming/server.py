"""`voice-skill serve`: the Wyoming server, from start to a clean stop on SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from wyoming.event import async_get_stdin, async_get_stdout
from wyoming.server import AsyncServer, AsyncStdioServer, AsyncTcpServer

from ..errors import EngineUnavailableError, SkillError
from ..skill import Skill
from .discovery import Advertisement, advertised_address, service_info
from .engines import Engines
from .handler import SkillEventHandler
from .info import server_info
from .pool import PoolClosed
from .settings import ServerSettings

_LOGGER = logging.getLogger("voice_skill.wyoming")


class WyomingServer:
    """The skill served over Wyoming at settings.uri; engines load on first use, `describe` is answered at once."""

    def __init__(self, skill: Skill, settings: ServerSettings) -> None:
        self.settings = settings
        try:
            self.server = AsyncServer.from_uri(settings.uri)
        except ValueError as error:
            raise SkillError(f"--uri {settings.uri!r}: {error}, e.g. tcp://0.0.0.0:10700") from None
        if settings.zeroconf_name is not None and not isinstance(self.server, AsyncTcpServer):
            raise SkillError("--zeroconf needs a tcp:// uri: Home Assistant discovers servers on the network")
        self.engines = Engines(skill, settings)
        engine, detail = self.engines.engine_name()
        self.info = server_info(engine, detail, settings.speech.voice).event()
        self._advertisement: Advertisement | None = None
        self._warming: asyncio.Future[None] | None = None

    def handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> SkillEventHandler:
        """A handler for one new connection."""
        return SkillEventHandler(self.engines, self.info, self.settings.limits, reader, writer)

    async def start(self) -> None:
        """Check the voice, listen (tcp, unix), announce (--zeroconf) and load the recogniser in the background.

        For stdio:// nothing is started ahead: Rhasspy starts the program for each request, most need no engine.
        """
        if isinstance(self.server, AsyncStdioServer):
            return
        await self._check_voice()
        try:
            await self.server.start(self.handler)
        except OSError as error:
            raise SkillError(f"cannot listen on {self.settings.uri}: {error.strerror or error}") from None
        _LOGGER.info("serving on %s", self.settings.uri)
        if self.settings.zeroconf_name is not None:
            assert isinstance(self.server, AsyncTcpServer)
            address = advertised_address(self.server.host)
            self._advertisement = Advertisement(
                service_info(self.settings.zeroconf_name, address, self.server.port), address
            )
            await self._advertisement.start()
        self._warming = asyncio.ensure_future(self._warm_up())

    async def run_stdio(self) -> None:
        """Serve the one client on standard input and output until it closes them.

        The handler's own loop reads the events, as for sockets, so the same bounds and error events apply.
        """
        await self.handler(await async_get_stdin(), await async_get_stdout()).run()

    async def stop(self) -> None:
        """Stop listening, close every connection, withdraw the announcement, end the engines."""
        if self._warming is not None:
            self._warming.cancel()
        if self._advertisement is not None:
            await self._advertisement.stop()
        await self.server.stop()
        self.engines.close()
        _LOGGER.info("stopped")

    async def _check_voice(self) -> None:
        """A wrong --voice stops the start with one line; a missing speech engine only turns tts off."""
        try:
            async with self.engines.synthesisers.lease():
                pass
        except EngineUnavailableError as error:
            _LOGGER.warning("tts requests will fail: %s", error)

    async def _warm_up(self) -> None:
        try:
            await self.engines.warm_up()
        except PoolClosed:
            pass
        except SkillError as error:
            _LOGGER.warning("asr requests will fail: %s", error)


async def run(skill: Skill, settings: ServerSettings) -> None:
    """Serve until SIGTERM or SIGINT (Ctrl-C), then stop within a second."""
    server = WyomingServer(skill, settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal_number, stopping.set)
    try:
        await server.start()
        if isinstance(server.server, AsyncStdioServer):
            serving = asyncio.ensure_future(server.run_stdio())
            await asyncio.wait([serving, asyncio.ensure_future(stopping.wait())], return_when=asyncio.FIRST_COMPLETED)
            serving.cancel()
        else:
            await stopping.wait()
    finally:
        await server.stop()


def serve(skill: Skill, settings: ServerSettings) -> None:
    """Run the server in this thread until SIGTERM or Ctrl-C."""
    asyncio.run(run(skill, settings))

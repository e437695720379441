"""A recogniser in a process of its own, fed through a pipe while the audio streams in.

pocketsphinx keeps Python's global lock while it decodes; its final pass at the end of a question alone
takes about 0.2 s (measured on a 3 s question). In a thread, that would stall every other client of the
server each time someone finished asking. In a process it runs beside them, on another core when there is one.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from ..errors import EngineUnavailableError, SkillError
from ..settings import RecognitionSettings
from ..skill import Skill
from .library import Transcript, transcribe

_AUDIO, _END, _ABORT = b"A", b"E", b"X"
"""Each message to the worker is one tag byte, then for _AUDIO the 16-bit mono PCM."""


class _Aborted(Exception):
    pass


class RecogniserProcess:
    """The skill's screened recogniser behind a pipe: accept() while the audio arrives, finish() for the transcript.

    One stream at a time; safe to use from one thread at a time. The process starts in __init__; wait_ready()
    waits for its recogniser (about a second), and close() ends it also while it is still starting.
    """

    def __init__(self, skill: Skill, settings: RecognitionSettings) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, skill, settings), name="voice-skill-recogniser", daemon=True
        )
        self._process.start()
        child.close()
        self.sample_rate = 0
        self.description = ""

    def wait_ready(self) -> RecogniserProcess:
        """Wait until the recogniser is loaded; raises SkillError (e.g. no such model) if it cannot be."""
        ready = self._reply()
        if ready[0] == "error":
            self.close()
            raise SkillError(ready[1])
        self.sample_rate, self.description = ready[1], ready[2]
        return self

    def accept(self, pcm: bytes) -> None:
        """Feed 16-bit mono PCM at sample_rate."""
        self._send(_AUDIO + pcm)

    def finish(self) -> Transcript:
        """End of the stream: the transcript of all its audio; the recogniser is then ready for the next stream."""
        self._send(_END)
        reply = self._reply()
        if isinstance(reply, Transcript):
            return reply
        self.close()
        raise EngineUnavailableError(f"the speech recogniser failed ({reply[1]})")

    def abort(self) -> None:
        """Drop the stream: the recogniser is reset without a transcript."""
        self._send(_ABORT)

    def close(self) -> None:
        """End the process (also in the middle of a stream)."""
        self._connection.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join(1)

    def _send(self, message: bytes) -> None:
        try:
            self._connection.send_bytes(message)
        except (OSError, ValueError):
            raise EngineUnavailableError("the speech recogniser stopped unexpectedly") from None

    def _reply(self) -> Any:
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            raise EngineUnavailableError("the speech recogniser stopped unexpectedly") from None


def _serve(connection: Connection, skill: Skill, settings: RecognitionSettings) -> None:
    """The worker: one recogniser, one stream after the other, until the pipe closes."""
    # Standard output may be the Wyoming stream itself (stdio://): nothing here may write to it.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    try:
        recogniser = skill.recogniser(settings)
    except SkillError as error:
        connection.send(("error", str(error)))
        return
    connection.send(("ready", recogniser.sample_rate, recogniser.description))
    while True:
        try:
            transcript = transcribe(recogniser, _stream(connection))
        except _Aborted:
            continue
        except EOFError:
            return
        except Exception as error:  # reported to the server, which ends this process and makes a new one
            connection.send(("failed", f"{type(error).__name__}: {error}"))
            return
        connection.send(transcript)


def _stream(connection: Connection) -> Iterator[bytes]:
    while True:
        message = connection.recv_bytes()
        tag = message[:1]
        if tag == _END:
            return
        if tag == _ABORT:
            raise _Aborted
        yield message[1:]

"""One client connection: events in, the skill's answers, transcripts and speech out.

Home Assistant opens a connection per request: `describe`; `transcript` (handle: answer it in the dialogue of
its conversation id); `transcribe`, `audio-start`, `audio-chunk`…, `audio-stop` (asr); `synthesize` or
`synthesize-start`, `synthesize-chunk`…, `synthesize-stop` (tts, streaming). A mistake in one request gets an
`error` event and a log line; a malformed event closes the connection. Nothing a client sends stops the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, SelectProgram
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped

from ..errors import SkillError
from .engines import Engines
from .framing import BadInput, ClientGone, read_event
from .info import NAME
from .library import OUT_OF_SCOPE, split_sentences
from .settings import Limits
from .synthesis import SentenceBuffer, speak
from .transcription import AudioStream, BadAudio, StreamAborted, audio_format

_LOGGER = logging.getLogger("voice_skill.wyoming")


class BadRequest(Exception):
    """A well-formed event the server cannot act on; answered with an error event, the connection stays open."""

    def __init__(self, text: str, code: str) -> None:
        super().__init__(text)
        self.code = code


class SkillEventHandler(AsyncEventHandler):
    """Serves one connection; the conversations are the only state it shares with other connections."""

    def __init__(
        self,
        engines: Engines,
        info: Event,
        limits: Limits,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        super().__init__(reader, writer)
        self.engines = engines
        self.info = info
        self.limits = limits
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "local client"
        self._stream: AudioStream | None = None
        self._stream_format = ""
        self._text_stream: _TextStream | None = None

    async def run(self) -> None:
        """Read events with bounds until the client leaves, sends something malformed or stalls mid-stream."""
        self._is_running = True
        try:
            while self._is_running:
                # Outside an audio stream a client may stay connected and quiet: that costs the server nothing.
                stall = self.limits.stall_seconds if self._stream is not None else None
                try:
                    event = await asyncio.wait_for(read_event(self.reader, self.limits.max_event_bytes), stall)
                except asyncio.TimeoutError:
                    await self._refuse(f"no audio for {stall:g} s in the middle of an audio stream", "stalled")
                    break
                except BadInput as error:
                    await self._refuse(str(error), "bad-event")
                    break
                except ClientGone as error:
                    _LOGGER.warning("%s: disconnected in the middle of an event (%s)", self.peer, error)
                    break
                if event is None or not await self.handle_event(event):
                    break
        except ConnectionError as error:
            _LOGGER.warning("%s: connection lost (%s)", self.peer, error)
        finally:
            await self.disconnect()
            self.writer.close()

    async def handle_event(self, event: Event) -> bool:
        """Act on one event; False closes the connection."""
        if not AudioChunk.is_type(event.type):
            _LOGGER.debug("%s: %s event", self.peer, event.type)
        try:
            await self._dispatch(event)
        except BadRequest as error:
            await self._refuse(str(error), error.code, close=False)
        except SkillError as error:
            await self._refuse(str(error), "unavailable", close=False)
        except ConnectionError:
            raise
        except Exception:
            _LOGGER.exception("%s: failed on a %s event", self.peer, event.type)
            await self._refuse(f"internal error on a {event.type} event; the server log has the details", "internal")
            return False
        return True

    async def disconnect(self) -> None:
        """The connection ended: give up any audio stream, so its recogniser is freed at once."""
        if self._stream is not None:
            _LOGGER.warning("%s: disconnected in the middle of an audio stream", self.peer)
            self._stream.abort("the client disconnected")
            self._stream = None

    async def _dispatch(self, event: Event) -> None:
        kind = event.type
        if Describe.is_type(kind):
            await self.write_event(self.info)
        elif Transcript.is_type(kind):
            await self._handle(event)
        elif Transcribe.is_type(kind):
            self._check_language(event.data.get("language"))
        elif AudioStart.is_type(kind):
            self._start_audio(event)
        elif AudioChunk.is_type(kind):
            self._add_audio(event)
        elif AudioStop.is_type(kind):
            await self._transcribe()
        elif Synthesize.is_type(kind):
            # Home Assistant sends the whole text once more inside a stream, for servers that do not stream.
            if self._text_stream is None:
                await self._synthesize(_text(event))
        elif SynthesizeStart.is_type(kind):
            self._text_stream = _TextStream()
        elif SynthesizeChunk.is_type(kind):
            await self._speak_stream(_text(event), last=False)
        elif SynthesizeStop.is_type(kind):
            await self._speak_stream("", last=True)
        elif Ping.is_type(kind):
            await self.write_event(Pong(text=Ping.from_event(event).text).event())
        elif SelectProgram.is_type(kind):
            if event.data.get("name") != NAME:
                _LOGGER.warning(
                    "%s: asked for program %r; this server has only %r", self.peer, event.data.get("name"), NAME
                )
        else:
            # The protocol grows: servers drop events they do not know, so that newer clients keep working.
            _LOGGER.warning("%s: ignored an unknown %r event", self.peer, kind[:40])

    async def _handle(self, event: Event) -> None:
        started = time.perf_counter()
        text = _text(event)
        context = event.data.get("context")
        conversation_id = context.get("conversation_id") if isinstance(context, dict) else None
        if conversation_id is not None and not isinstance(conversation_id, str):
            conversation_id = str(conversation_id)
        answer = await self.engines.answer(conversation_id, text)
        handled = answer.intent != OUT_OF_SCOPE
        reply = Handled(text=answer.answer) if handled else NotHandled(text=answer.answer)
        await self.write_event(reply.event())
        _LOGGER.info(
            "%s: handle -> %s (%s), conversation %s, %.0f ms",
            self.peer,
            "handled" if handled else "not handled",
            answer.intent,
            conversation_id or "none",
            1000 * (time.perf_counter() - started),
        )
        _LOGGER.debug("%s: heard %r, said %r", self.peer, text, answer.answer)

    def _check_language(self, language: object) -> None:
        if language is not None and not (isinstance(language, str) and language.lower().startswith("en")):
            raise BadRequest(f"this recogniser understands English only, not {language!r}", "unsupported-language")

    def _start_audio(self, event: Event) -> None:
        if self._stream is not None:
            _LOGGER.warning("%s: a new audio-start before audio-stop; the earlier audio is dropped", self.peer)
            self._stream.abort("a new audio stream began")
            self._stream = None
        try:
            sent = audio_format(*(event.data.get(name) for name in ("rate", "width", "channels")))
        except BadAudio as error:
            raise BadRequest(str(error), "bad-audio") from None
        self._stream = AudioStream(self.engines, self.limits.max_audio_seconds, self.limits.stall_seconds)
        self._stream_format = f"{sent.rate} Hz {sent.width * 8}-bit {'mono' if sent.channels == 1 else 'stereo'}"

    def _add_audio(self, event: Event) -> None:
        if self._stream is None:
            raise BadRequest(
                "audio-chunk before audio-start; send audio-start with the audio format first", "no-audio-stream"
            )
        try:
            chunk = AudioChunk(
                rate=event.data.get("rate"),  # type: ignore[arg-type]
                width=event.data.get("width"),  # type: ignore[arg-type]
                channels=event.data.get("channels"),  # type: ignore[arg-type]
                audio=event.payload or b"",
            )
            self._stream.add(chunk)
        except BadAudio as error:
            self._stream.abort(str(error))
            self._stream = None
            raise BadRequest(str(error), "bad-audio") from None

    async def _transcribe(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            raise BadRequest("audio-stop without audio-start", "no-audio-stream")
        stopped = time.perf_counter()
        try:
            transcript = await stream.finish()
        except StreamAborted as error:
            raise BadRequest(f"the audio stream failed: {error}", "bad-audio") from None
        await self.write_event(Transcript(text=transcript.text, language="en").event())
        words = len(transcript.text.split())
        _LOGGER.info(
            "%s: asr %.1f s of %s audio -> %s, %.0f ms after audio-stop",
            self.peer,
            stream.seconds,
            self._stream_format,
            f"{words} words" if words else "no question heard",
            1000 * (time.perf_counter() - stopped),
        )
        _LOGGER.debug("%s: heard %r (speech %s)", self.peer, transcript.text, transcript.speech)

    async def _synthesize(self, text: str) -> None:
        started = time.perf_counter()
        sentences = self._sentences(text)
        seconds = 0.0
        for number, sentence in enumerate(sentences):
            seconds += await speak(self.engines, sentence, self.write_event, send_start=number == 0)
        await self.write_event(AudioStop().event())
        _LOGGER.info(
            "%s: tts %d characters -> %.1f s of audio, %.0f ms",
            self.peer,
            len(text),
            seconds,
            1000 * (time.perf_counter() - started),
        )

    async def _speak_stream(self, text: str, last: bool) -> None:
        stream = self._text_stream
        if stream is None:
            raise BadRequest("synthesize-chunk or synthesize-stop before synthesize-start", "no-text-stream")
        stream.characters += len(text)
        if stream.characters > self.limits.max_speech_characters:
            self._text_stream = None
            raise BadRequest(f"the text is longer than {self.limits.max_speech_characters} characters", "text-too-long")
        for sentence in stream.sentences.finish() if last else stream.sentences.add(text):
            # Each sentence is an audio stream of its own, as Home Assistant plays them while the text still comes.
            stream.seconds += await speak(self.engines, sentence, self.write_event, send_start=True)
            await self.write_event(AudioStop().event())
        if last:
            self._text_stream = None
            await self.write_event(SynthesizeStopped().event())
            _LOGGER.info(
                "%s: tts stream of %d characters -> %.1f s of audio, %.0f ms",
                self.peer,
                stream.characters,
                stream.seconds,
                1000 * (time.perf_counter() - stream.started),
            )

    def _sentences(self, text: str) -> list[str]:
        if len(text) > self.limits.max_speech_characters:
            raise BadRequest(f"the text is longer than {self.limits.max_speech_characters} characters", "text-too-long")
        sentences = split_sentences(text)
        if not sentences:
            raise BadRequest("nothing to say: the text is empty", "empty-text")
        return sentences

    async def _refuse(self, text: str, code: str, close: bool = True) -> None:
        """Log why, and tell the client with an error event if it still listens."""
        _LOGGER.warning("%s: %s%s", self.peer, text, " (connection closed)" if close else "")
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.write_event(Error(text=text, code=code).event())


@dataclass
class _TextStream:
    """A streamed tts request, from synthesize-start to synthesize-stop."""

    sentences: SentenceBuffer = field(default_factory=SentenceBuffer)
    characters: int = 0
    seconds: float = 0.0
    """Of audio sent so far."""
    started: float = field(default_factory=time.perf_counter)


def _text(event: Event) -> str:
    value = event.data.get("text")
    if not isinstance(value, str):
        raise BadRequest(f"a {event.type} event needs its 'text' as a string", "bad-event")
    return value

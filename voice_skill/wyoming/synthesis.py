"""`tts` requests: text to audio events, sentence by sentence, so the first words play while the rest is made."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event

from .engines import Engines
from .library import split_sentences

SAMPLES_PER_CHUNK = 1024
"""Audio chunk size sent to the client, as Wyoming's own TTS servers send."""
WIDTH, CHANNELS = 2, 1
"""The synthesiser speaks 16-bit mono."""


class SentenceBuffer:
    """Text arriving in pieces (synthesize-chunk) cut into whole sentences as soon as each one is complete."""

    def __init__(self) -> None:
        self._text = ""

    def add(self, text: str) -> list[str]:
        """Add a piece; returns the sentences it completed (a sentence is complete once the next one begins)."""
        self._text += text
        sentences = split_sentences(self._text)
        if len(sentences) < 2:
            return []
        # The last sentence may still grow: keep it as received, whitespace included, for the next piece.
        self._text = self._text[self._text.rindex(sentences[-1]) :]
        return sentences[:-1]

    def finish(self) -> list[str]:
        """The rest, at the end of the text."""
        rest, self._text = self._text, ""
        return split_sentences(rest)


async def speak(
    engines: Engines, sentence: str, write_event: Callable[[Event], Awaitable[None]], *, send_start: bool
) -> float:
    """Synthesise one sentence and send its audio chunks (after audio-start if `send_start`); returns its seconds.

    Never sends audio-stop: a `synthesize` request's sentences make one audio stream.
    """
    pcm, rate = await engines.synthesise(sentence)
    if send_start:
        await write_event(AudioStart(rate=rate, width=WIDTH, channels=CHANNELS).event())
    step = SAMPLES_PER_CHUNK * WIDTH * CHANNELS
    for offset in range(0, len(pcm), step):
        chunk = AudioChunk(rate=rate, width=WIDTH, channels=CHANNELS, audio=pcm[offset : offset + step])
        await write_event(chunk.event())
    return len(pcm) / (WIDTH * CHANNELS * rate)

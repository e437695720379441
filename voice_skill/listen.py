"""The spoken conversation: audio source → recogniser → dialogue → speaker, half-duplex, with barge-in on "stop"."""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol, TextIO

from .recogniser import Recogniser
from .rejection import Verdict, decide
from .transcript import Transcript

if TYPE_CHECKING:
    from .skill import Skill
    from .speech import Speaker

BARGE_IN_WORD = "stop"
"""Saying this while the skill speaks cuts the answer off (the conversation goes on)."""

BARGE_IN_MAX_WORDS = 3
"""A barge-in is a short utterance ("stop", "stop that", "please stop talking"). The skill's own voice coming
back through loudspeakers is heard as long runs of words, so it never counts, even when the answer says "stop"."""

BLOCK_SECONDS = 0.03
"""Audio block length: small, so the end of an utterance and a barge-in are noticed quickly."""

HINT_AFTER = 20.0
"""Seconds of silence before the skill says, once, how to ask a question."""


class Reply(Protocol):
    """What the conversation needs from the dialogue's answer."""

    answer: str
    ends_session: bool


class Dialogue(Protocol):
    """The dialogue session: a transcript in, an answer (with follow-up context kept) out."""

    def respond_to_transcript(self, transcript: Transcript) -> Reply:
        """Answer one utterance."""


@dataclass(frozen=True)
class Event:
    """Something that happened in the conversation, for the screen and for tests."""

    kind: str
    """"greeting", "heard" (a question went to the dialogue), "ignored" (not speech), "answer", "interrupted"
    (barge-in), "hint" (the silence prompt), "end"."""

    text: str
    """The words heard or said; empty for "end"."""

    at: float
    """Seconds of audio consumed when it happened."""


def heard_speech(transcript: Transcript) -> bool:
    """True when an utterance may be a question: words, and speech evidence the rejection policy accepts."""
    return decide(transcript) is not Verdict.NO_SPEECH


@dataclass
class Console:
    """Shows the conversation: words being heard live on a terminal, then plain final lines.

    On a terminal the partial transcript is redrawn on one carriage-return line. Anywhere else (a pipe, a file,
    a screen reader reading the output) only complete lines are written, one per utterance and answer.
    """

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    """Where the conversation is printed."""

    live: bool | None = None
    """Show partial transcripts; None decides from whether the stream is a terminal."""

    _shown: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.live is None:
            self.live = self.stream.isatty()

    def partial(self, words: str) -> None:
        """Redraw the words heard so far (terminal only); empty words clear the line."""
        if not self.live or not (words or self._shown):
            return
        text = f"… {words}" if words else ""
        # A line longer than the terminal would wrap, and a carriage return could not redraw it.
        width = shutil.get_terminal_size().columns - 1
        if len(text) > width:
            text = "…" + text[len(text) - width + 1 :]
        self.stream.write("\r" + text.ljust(self._shown) + ("" if text else "\r"))
        self.stream.flush()
        self._shown = len(text)

    def line(self, text: str) -> None:
        """Print one complete line, clearing the partial line first."""
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self._shown = 0
        print(text, file=self.stream, flush=True)


@dataclass
class Conversation:
    """The listen loop. Audio blocks are taken from the source one at a time on this thread.

    Half-duplex: while the speaker is speaking (and for echo_guard seconds after), no audio reaches the
    recogniser, so the skill never answers its own voice. Meanwhile the audio goes only to the barge-in
    recogniser, whose words are checked for "stop" and nothing else.
    """

    source: Iterable[bytes]
    """16-bit mono PCM blocks at the recogniser's rate (a microphone or a file)."""

    recogniser: Recogniser
    """Turns the user's utterances into transcripts."""

    dialogue: Dialogue
    """Answers transcripts, keeping the context for follow-ups."""

    speaker: Speaker
    """Speaks the greeting, the answers and the silence prompt."""

    greeting: str
    """Spoken and printed first: who the skill is and the disclaimer."""

    hint: str = ""
    """Said once after a long silence: how to ask a question. Empty for none."""

    hint_after: float = HINT_AFTER
    """Seconds of silence, after the skill last spoke or heard a question, before the hint."""

    barge_in: Recogniser | None = None
    """A second recogniser that hears only while the skill speaks, to catch "stop"; None turns barge-in off."""

    echo_guard: float = 0.25
    """Seconds after speech ends during which audio is still dropped (the room's echo, the sound card's buffer)."""

    is_speech: Callable[[Transcript], bool] = heard_speech
    """The policy deciding whether a final transcript may be a question at all."""

    console: Console = field(default_factory=Console)
    """Where the conversation is shown."""

    events: list[Event] = field(init=False, default_factory=list)
    """Everything that happened, in order."""

    _samples: int = field(init=False, default=0)
    _busy: bool = field(init=False, default=False)
    _deaf_until: float = field(init=False, default=0.0)
    _last_activity: float = field(init=False, default=0.0)
    _hinted: bool = field(init=False, default=False)
    _partial: str = field(init=False, default="")
    _ended: bool = field(init=False, default=False)

    @property
    def audio_time(self) -> float:
        """Seconds of audio consumed so far."""
        return self._samples / self.recogniser.sample_rate

    def run(self) -> None:
        """Greet, then listen and answer until the stop topic, the end of the audio, or Ctrl-C."""
        blocks = iter(self.source)
        try:
            # The first block opens the device or the file: a problem with it shows before the greeting.
            first = next(blocks, None)
            self._say("greeting", self.greeting)
            for pcm in itertools.chain([first] if first is not None else [], blocks):
                self._feed(pcm)
                if self._ended:
                    break
            else:
                self._final(self.recogniser.finish())
            self.speaker.wait()
        except KeyboardInterrupt:
            self.speaker.stop()
            self.console.line("")
        finally:
            self.console.partial("")
            # Closing the generator closes the microphone stream at once, also on Ctrl-C.
            close = getattr(blocks, "close", None)
            if close is not None:
                close()
        self._event("end", "")

    def _feed(self, pcm: bytes) -> None:
        self._samples += len(pcm) // 2
        if self._speaker_busy():
            self._listen_for_stop(pcm)
            return
        if self.audio_time < self._deaf_until:
            return
        transcript = self.recogniser.accept(pcm)
        if transcript is not None:
            self._final(transcript)
            return
        partial = self.recogniser.partial()
        if partial != self._partial:
            self._partial = partial
            self.console.partial(partial)
        if (
            self.hint
            and not self._hinted
            and not partial
            and self.audio_time - self._last_activity >= self.hint_after
        ):
            self._hinted = True
            self._say("hint", self.hint)

    def _final(self, transcript: Transcript) -> None:
        self._partial = ""
        self.console.partial("")
        if not transcript.text.strip():
            return
        if not self.is_speech(transcript):
            self._event("ignored", transcript.text)
            return
        self._event("heard", transcript.text)
        self.console.line(f"You: {transcript.text}")
        reply = self.dialogue.respond_to_transcript(transcript)
        self._say("answer", reply.answer)
        self._ended = reply.ends_session

    def _say(self, kind: str, text: str) -> None:
        self._event(kind, text)
        self.console.line(f"Skill: {text}")
        self.speaker.say(text)
        self._last_activity = self.audio_time

    def _speaker_busy(self) -> bool:
        busy = self.speaker.speaking
        if self._busy and not busy:
            self._deaf_until = self.audio_time + self.echo_guard
            self._last_activity = self.audio_time
            if self.barge_in is not None:
                self.barge_in.finish()
        self._busy = busy
        return busy

    def _listen_for_stop(self, pcm: bytes) -> None:
        if self.barge_in is None:
            return
        transcript = self.barge_in.accept(pcm)
        if transcript is None or not self.is_speech(transcript):
            return
        words = transcript.text.split()
        if BARGE_IN_WORD in words and len(words) <= BARGE_IN_MAX_WORDS:
            self.speaker.stop()
            self._event("interrupted", transcript.text)
            self.console.line("(stopped)")

    def _event(self, kind: str, text: str) -> None:
        self.events.append(Event(kind, text, self.audio_time))


def listen(
    skill: Skill,
    open_recogniser: Callable[[], Recogniser],
    open_speaker: Callable[[], Speaker],
    *,
    from_file: Path | None = None,
    device: int | str | None = None,
    speed: float | None = 1.0,
    console: Console | None = None,
    hint_after: float = HINT_AFTER,
    sounddevice: ModuleType | None = None,
) -> Conversation:
    """A spoken conversation from the microphone (or a recording) until "stop", the recording's end or Ctrl-C.

    The microphone (or the file) is checked first, then the engine loads, then the speaker opens: a missing
    microphone or an unreadable file is the only line the user sees. The microphone starts recording when the
    conversation starts, after every engine has loaded. open_recogniser is called a second time for the barge-in listener when the
    speaker can speak. speed paces a recording: 1.0 is real time, 4.0 four times faster, None as fast as it
    can be read. The speaker is closed at the end, also on Ctrl-C or an error.
    """
    from .audio_source import FileAudioSource
    from .dialogue import Session
    from .microphone import Microphone
    from .recogniser import engine_notice
    from .speech import SilentSpeaker

    console = console or Console()
    microphone = None
    if from_file is None:
        microphone = Microphone(device=device, block_seconds=BLOCK_SECONDS, sounddevice=sounddevice)
        microphone.open()
    recogniser = open_recogniser()
    source: Iterable[bytes]
    if microphone is not None:
        microphone.sample_rate = recogniser.sample_rate
        source = microphone
        where = f"microphone {microphone.device_name!r} ({microphone.device_rate} Hz)"
    else:
        assert from_file is not None
        source = FileAudioSource(from_file, recogniser.sample_rate, block_seconds=BLOCK_SECONDS, speed=speed)
        where = str(from_file) + (f" at {speed:g} times real time" if speed and speed != 1 else "")
        # Read before anything is printed or spoken: an unreadable file is the one line the user sees.
        source = _opened(source)
    print(engine_notice(recogniser), file=sys.stderr, flush=True)
    console.line(f'Listening to {where}. Say "stop" to end, or press Ctrl-C.')
    speaker = open_speaker()
    try:
        session = Session(skill)
        conversation = Conversation(
            source=source,
            recogniser=recogniser,
            dialogue=session,
            speaker=speaker,
            greeting=session.greeting(),
            hint=skill.knowledge.dialogue.no_question_heard,
            hint_after=hint_after,
            # A speaker that never speaks (muted, or speech is off) needs no one listening for "stop".
            barge_in=None if isinstance(speaker, SilentSpeaker) else open_recogniser(),
            console=console,
        )
        conversation.run()
    finally:
        speaker.close()
    return conversation


def _opened(source: Iterable[bytes]) -> Generator[bytes, None, None]:
    """The source's blocks, its first one read now (opening the file); closing this closes the source."""
    blocks = iter(source)
    first = next(blocks, None)

    def all_blocks() -> Generator[bytes, None, None]:
        try:
            if first is not None:
                yield first
            yield from blocks
        finally:
            close = getattr(blocks, "close", None)
            if close is not None:
                close()

    return all_blocks()

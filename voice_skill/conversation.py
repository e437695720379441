"""The spoken conversation: audio source → recogniser → dialogue → speaker, half-duplex, with barge-in on "stop".

Front ends open the source, the recognisers and the speaker from their settings and hand them to a
`Conversation`; the command line's `listen` is one (`cli.listen`)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from .recognition.recogniser import Recogniser
from .recognition.screening import THRESHOLDS, heard_speech
from .recognition.transcript import Transcript
from .speech.speaker import Speaker

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

    @property
    def answer(self) -> str:
        """What the skill says."""

    @property
    def ends_session(self) -> bool:
        """The user asked to stop."""


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


class Display(Protocol):
    """Where a conversation is shown as it happens (a terminal, a log); `cli.console.Console` is one."""

    def partial(self, words: str) -> None:
        """The words heard so far of the current utterance; empty words clear them."""

    def line(self, text: str) -> None:
        """One complete line: what was heard, or what the skill said."""


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

    is_speech: Callable[[Transcript], bool] | None = None
    """Whether a final transcript may be a question at all; None: the speech screen's policy, with the
    recogniser's own thresholds when it is a screened one."""

    console: Display | None = None
    """Where the conversation is shown as it happens; None shows nothing (the events still record it)."""

    events: list[Event] = field(init=False, default_factory=list)
    """Everything that happened, in order."""

    _samples: int = field(init=False, default=0)
    _busy: bool = field(init=False, default=False)
    _deaf_until: float = field(init=False, default=0.0)
    _last_activity: float = field(init=False, default=0.0)
    _hinted: bool = field(init=False, default=False)
    _partial: str = field(init=False, default="")
    _ended: bool = field(init=False, default=False)
    _is_speech: Callable[[Transcript], bool] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        thresholds = getattr(self.recogniser, "thresholds", THRESHOLDS)
        self._is_speech = self.is_speech or partial(heard_speech, thresholds=thresholds)

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
            self._show_line("")
        finally:
            self._show_partial("")
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
            self._show_partial(partial)
        if self.hint and not self._hinted and not partial and self.audio_time - self._last_activity >= self.hint_after:
            self._hinted = True
            self._say("hint", self.hint)

    def _final(self, transcript: Transcript) -> None:
        self._partial = ""
        self._show_partial("")
        if not transcript.text.strip():
            return
        if not self._is_speech(transcript):
            self._event("ignored", transcript.text)
            return
        self._event("heard", transcript.text)
        self._show_line(f"You: {transcript.text}")
        reply = self.dialogue.respond_to_transcript(transcript)
        self._say("answer", reply.answer)
        self._ended = reply.ends_session

    def _say(self, kind: str, text: str) -> None:
        self._event(kind, text)
        self._show_line(f"Skill: {text}")
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
        if transcript is None or not self._is_speech(transcript):
            return
        words = transcript.text.split()
        if BARGE_IN_WORD in words and len(words) <= BARGE_IN_MAX_WORDS:
            self.speaker.stop()
            self._event("interrupted", transcript.text)
            self._show_line("(stopped)")

    def _show_partial(self, words: str) -> None:
        if self.console is not None:
            self.console.partial(words)

    def _show_line(self, text: str) -> None:
        if self.console is not None:
            self.console.line(text)

    def _event(self, kind: str, text: str) -> None:
        self.events.append(Event(kind, text, self.audio_time))

"""What the command line prints: answers as text or JSON, one-line reports, typed input cleaned, and the live
listen display; and standard output guarded so that a full disk or a closed stream is one clear line."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import StreamError, printable
from ..utterance import MAX_UTTERANCE_CHARACTERS, clean_utterance

if TYPE_CHECKING:
    from ..answer import Answer
    from ..skill import Skill


def load_skill(args: argparse.Namespace) -> Skill:
    """The skill of --intents DIR, or the shipped one."""
    from ..skill import Skill

    return Skill.load(args.intents)


def report(message: object) -> None:
    """One line on standard error, after "voice-skill: ", with any file name in it shown escaped."""
    # Standard error full: the exit code is all that is left to tell (closed, print writes nothing).
    with contextlib.suppress(OSError):
        print(f"voice-skill: {printable(message)}", file=sys.stderr, flush=True)


def report_cache_trouble() -> None:
    """Say once a run, if the cache folder could not be written (start-up is slower; nothing else changes)."""
    from ..cache import take_unwritable

    why = take_unwritable()
    if why is not None:
        report(why)


def clean(text: str) -> str:
    """Control characters out, and an over-long input cut to what a spoken question could be."""
    if len(text) > MAX_UTTERANCE_CHARACTERS:
        report(f"the input has {len(text)} characters; only the first {MAX_UTTERANCE_CHARACTERS} were used")
    return clean_utterance(text)


def print_answer(answer: Answer, as_json: bool, out: TextIO) -> None:
    """One answer: its text, or its JSON object (the command-line contract), on one line."""
    if as_json:
        out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(answer.answer + "\n")
    out.flush()


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


class StandardOutput:
    """Standard output while a command runs: a write that fails raises StreamError (one line, non-zero exit)
    instead of an OSError traceback; a reader that went away (`| head`) stays a quiet BrokenPipeError."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as error:
            raise self._failed(error) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as error:
            raise self._failed(error) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def _failed(self, error: OSError) -> OSError | StreamError:
        # The interpreter flushes standard output once more at exit: let that go nowhere, quietly.
        try:
            nowhere = os.open(os.devnull, os.O_WRONLY)
            os.dup2(nowhere, self.stream.fileno())
            os.close(nowhere)
        except (OSError, ValueError):
            pass  # not a real file (a test's capture): nothing will be flushed to it at exit
        if isinstance(error, BrokenPipeError):
            return error
        return StreamError(
            f"cannot write to standard output ({error.strerror or error}); free space where the output goes, "
            "or send it elsewhere"
        )

"""What the command line prints: answers as text or JSON, typed input cleaned, and the live listen display."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..answer import Answer
    from ..skill import Skill

MAX_UTTERANCE_CHARACTERS = 1000
"""Longer input is not a spoken question; refusing it keeps matching fast for everyone."""


def load_skill(args: argparse.Namespace) -> Skill:
    """The skill of --intents DIR, or the shipped one."""
    from ..skill import Skill

    return Skill.load(args.intents)


def clean(text: str) -> str:
    """Control characters out, and an over-long input cut to what a spoken question could be."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    if len(text) > MAX_UTTERANCE_CHARACTERS:
        print(
            f"voice-skill: the input has {len(text)} characters; only the first {MAX_UTTERANCE_CHARACTERS} were used",
            file=sys.stderr,
        )
    return text[:MAX_UTTERANCE_CHARACTERS]


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

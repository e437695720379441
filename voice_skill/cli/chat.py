"""`voice-skill chat`: a typed conversation, one utterance a line on standard input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from ..errors import StreamError
from .console import clean, load_skill, print_answer, report
from .speech import add_speech_arguments, open_cli_speaker, speech_settings

MAX_LINE_BYTES = 1024 * 1024
"""Longer typed lines are refused, read no further into memory than this. Shorter ones that are still longer than a
question are cut to MAX_UTTERANCE_CHARACTERS with a note, as before."""


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `chat` command."""
    chat = commands.add_parser("chat", help="a typed conversation: one utterance per line on standard input")
    chat.add_argument("--json", action="store_true", help="print one JSON object per input line")
    add_speech_arguments(chat)
    chat.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..dialogue import Session

    if sys.stdin is None:
        raise StreamError(
            "standard input is closed; type your questions, or give them in a file: voice-skill chat < FILE"
        )
    session = Session(load_skill(args))
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    unreadable = 0
    with open_cli_speaker(speech_settings(args), speak=args.speak) as speaker:
        for line in input_lines(interactive):
            # At a terminal any line, even a bare Enter, cuts the answer being spoken off; piped lines take turns.
            if interactive:
                speaker.stop()
            else:
                speaker.wait()
            if line is None:
                unreadable += 1
                continue
            if not line.strip():
                continue
            answer = session.respond(clean(line))
            print_answer(answer, args.json, sys.stdout)
            speaker.say(answer.answer)
            if session.ended:
                break
        speaker.wait()
    return 1 if unreadable else 0


def input_lines(interactive: bool) -> Iterator[str | None]:
    """Lines of standard input without their line endings; None for a line that is not UTF-8 text, or is longer
    than MAX_LINE_BYTES (reported, then skipped). Memory stays bounded whatever the input."""
    number = 0
    while True:
        if interactive:
            sys.stdout.write("> ")
            sys.stdout.flush()
        raw = sys.stdin.buffer.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            report(
                f"input line {number} is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB, too long for a question; skipped it"
            )
            _skip_rest_of_line()
            yield None
            continue
        try:
            yield raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
        except UnicodeDecodeError:
            report(f"input line {number} is not UTF-8 text; skipped it")
            yield None


def _skip_rest_of_line() -> None:
    while (chunk := sys.stdin.buffer.readline(MAX_LINE_BYTES)) and not chunk.endswith(b"\n"):
        pass

"""`voice-skill chat`: a typed conversation, one utterance a line on standard input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from .console import clean, load_skill, print_answer
from .speech import add_speech_arguments, open_cli_speaker, speech_settings


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `chat` command."""
    chat = commands.add_parser("chat", help="a typed conversation: one utterance per line on standard input")
    chat.add_argument("--json", action="store_true", help="print one JSON object per input line")
    add_speech_arguments(chat)
    chat.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..dialogue import Session

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
    """Lines of standard input; None for a line that is not UTF-8 text (reported, then skipped)."""
    number = 0
    while True:
        if interactive:
            sys.stdout.write("> ")
            sys.stdout.flush()
        raw = sys.stdin.buffer.readline()
        if not raw:
            return
        number += 1
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            print(f"voice-skill: input line {number} is not UTF-8 text; skipped it", file=sys.stderr)
            yield None

"""The command line: the parser, with each command registered by its module, and the entry point.

The library below never sees `argparse`: each command turns its arguments into settings
(`voice_skill.settings`) and calls the library. Speech libraries are imported inside the commands
that use them, so typed-text commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..errors import SkillError
from . import ask, chat, listen, models, recognition, serve, speech, topics


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, all commands."""
    parser = argparse.ArgumentParser(
        prog="voice-skill",
        description="Offline voice assistant skill about hip and buttock pain. "
        "It informs, it never diagnoses: for your own health, see a doctor.",
    )
    parser.add_argument("--version", action="version", version=f"voice-skill {__version__}")
    parser.add_argument(
        "--intents", type=Path, metavar="DIR", help="use the topic files in DIR instead of the built-in ones"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    ask.register(commands)
    chat.register(commands)
    topics.register(commands)
    listen.register(commands)
    recognition.register(commands)
    models.register(commands)
    speech.register(commands)
    serve.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SkillError as error:
        print(f"voice-skill: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0

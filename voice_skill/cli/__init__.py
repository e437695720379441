"""The command line: the parser, with each command registered by its module, and the entry point.

The library below never sees `argparse`: each command turns its arguments into settings
(`voice_skill.settings`) and calls the library. Speech libraries are imported inside the commands
that use them, so typed-text commands start fast.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn, TextIO, cast

from .. import __version__
from ..errors import SkillError, StreamError
from . import ask, chat, listen, models, recognition, serve, speech, topics
from .console import StandardOutput, report, report_cache_trouble


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


def run() -> NoReturn:
    """The `voice-skill` console script and `python -m voice_skill`: the command, then the end of the process."""
    exit_code = main()
    # What the command made stays until the process ends, so the interpreter's last garbage collections need not
    # walk it: the loaded topics and matcher index cost a cold `ask` about 15 ms there (benchmarks/cold_start.py).
    gc.freeze()
    sys.exit(exit_code)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command line (the process's own arguments by default); returns the exit code."""
    # The commands' only matrix products are the sentence encoder's, fastest on one thread (matching/semantic.py);
    # starting OpenBLAS's thread pool with numpy cost a refused question 25 ms of CPU and more of wall time.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = build_parser().parse_args(argv)
    if sys.stdout is None:
        report("standard output is closed; run voice-skill with its output going to a terminal, a file or a pipe")
        return StreamError.exit_code
    stdout = sys.stdout
    sys.stdout = cast(TextIO, StandardOutput(stdout))
    # Signal handlers can only be set from the main thread (a test may call main from another).
    in_main_thread = threading.current_thread() is threading.main_thread()
    terminate = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    try:
        exit_code = int(args.handler(args) or 0)
        sys.stdout.flush()
        return exit_code
    except SkillError as error:
        report(error)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        report_cache_trouble()
        sys.stdout = stdout
        if in_main_thread:
            signal.signal(signal.SIGTERM, terminate)


def _terminated(signal_number: int, frame: FrameType | None) -> None:
    """SIGTERM ends the command like an error would: every `finally` runs, so temporary files are removed."""
    raise SystemExit(128 + signal_number)

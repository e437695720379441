"""`voice-skill ask`: one question, typed or spoken in audio files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .console import clean, load_skill, print_answer, report
from .recognition import add_recogniser_arguments, recognition_settings
from .speech import add_speech_arguments, answer_aloud, say_to_path, speech_settings


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `ask` command."""
    ask = commands.add_parser("ask", help="answer one question given as text, or spoken in audio files")
    ask.add_argument("text", nargs="?", help="the question, as you would say it")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument(
        "--audio",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="answer the question spoken in each audio file (WAV, FLAC, OGG), in order",
    )
    add_recogniser_arguments(ask)
    add_speech_arguments(ask, say_to=True)
    ask.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..dialogue import Session

    save_to = say_to_path(args.say_to)
    if args.audio is not None:
        if args.text is not None:
            report("ask takes a question or --audio files, not both")
            return 2
        return _ask_audio(args, save_to)
    if args.text is None:
        report('ask needs a question, e.g. voice-skill ask "what causes hip pain"')
        return 2
    session = Session(load_skill(args))
    answer = session.respond(clean(args.text))
    print_answer(answer, args.json, sys.stdout)
    settings = speech_settings(args)
    if args.speak or save_to is not None:
        answer_aloud(settings, answer.answer, speak=args.speak, save_to=save_to)
    return 0


def _ask_audio(args: argparse.Namespace, save_to: Path | None) -> int:
    """One answer per audio file, in order, from one recogniser and one conversation."""
    from ..audio.source import LONGEST_QUESTION, FileAudioSource, low_rate_warning
    from ..dialogue import Session
    from ..errors import AudioFileError
    from ..recognition.recogniser import engine_notice, transcribe

    skill = load_skill(args)
    session = Session(skill)
    recogniser = skill.recogniser(recognition_settings(args))
    print(engine_notice(recogniser), file=sys.stderr)
    exit_code = 0
    answers = []
    for path in args.audio:
        source = FileAudioSource(path, sample_rate=recogniser.sample_rate, longest=LONGEST_QUESTION)
        try:
            transcript = transcribe(recogniser, source)
        except AudioFileError as error:
            # The other files still get their answers; the exit code tells a script one failed.
            report(error)
            exit_code = error.exit_code
            continue
        warning = low_rate_warning(str(path), source.input_rate, recogniser.sample_rate)
        if warning:
            report(warning)
        answer = session.respond_to_transcript(transcript)
        print_answer(answer, args.json, sys.stdout)
        answers.append(answer.answer)
    settings = speech_settings(args)
    if answers and (args.speak or save_to is not None):
        answer_aloud(settings, " ".join(answers), speak=args.speak, save_to=save_to)
    return exit_code

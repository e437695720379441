"""Command line: wires audio source, recogniser, matcher, dialogue and speech together.

Speech libraries are imported inside the handlers that use them, so typed-text commands start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator, TextIO

from . import __version__
from .config import add_config_parsers, add_speech_arguments, remember_arguments
from .errors import SkillError

MAX_UTTERANCE_CHARACTERS = 1000
"""Longer input is not a spoken question; refusing it keeps matching fast for everyone."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, all commands."""
    parser = argparse.ArgumentParser(
        prog="voice-skill",
        description="Offline voice assistant skill about hip and buttock pain. "
        "It informs, it never diagnoses: for your own health, see a doctor.",
    )
    parser.add_argument("--version", action="version", version=f"voice-skill {__version__}")
    parser.add_argument("--intents", type=Path, metavar="DIR", help="use the topic files in DIR instead of the built-in ones")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ask = commands.add_parser("ask", help="answer one question given as text, or spoken in audio files")
    ask.add_argument("text", nargs="?", help="the question, as you would say it")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--audio", nargs="+", type=Path, metavar="FILE", help="answer the question spoken in each audio file (WAV, FLAC, OGG), in order")
    add_recogniser_arguments(ask)
    add_speech_arguments(ask, say_to=True)
    ask.set_defaults(handler=_ask)

    chat = commands.add_parser("chat", help="a typed conversation: one utterance per line on standard input")
    chat.add_argument("--json", action="store_true", help="print one JSON object per input line")
    add_speech_arguments(chat)
    chat.set_defaults(handler=_chat)

    topics = commands.add_parser("topics", help="list the topics with one example question each")
    topics.set_defaults(handler=_topics)

    evaluate = commands.add_parser("eval", help="run transcript files through the skill and report accuracy")
    evaluate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="transcript files (.yaml), or .txt files of out-of-scope lines")
    evaluate.add_argument("--split", choices=("dev", "test"), help="only the sentences of this split")
    evaluate.add_argument("--errors", action="store_true", help="list every sentence that got a wrong answer")
    evaluate.set_defaults(handler=_eval)

    listen = commands.add_parser("listen", help="a spoken conversation: ask aloud, hear the answers (Ctrl-C ends)")
    listen.add_argument("--device", metavar="ID|NAME", help="the microphone, by number or name (voice-skill devices lists them)")
    listen.add_argument("--from-file", type=Path, metavar="WAV", help="listen to a recorded conversation instead of the microphone")
    listen.add_argument("--speed", type=speed_argument, metavar="X", help="with --from-file: play the recording X times faster than real time")
    add_recogniser_arguments(listen)
    add_speech_arguments(listen, speak=False)
    listen.set_defaults(handler=_listen)

    devices = commands.add_parser("devices", help="list the microphones (audio inputs)")
    devices.set_defaults(handler=_devices)

    engines = commands.add_parser("engines", help="list the speech recognisers, their models and which one is used")
    engines.set_defaults(handler=_engines)

    from .model_store import add_model_parser

    add_model_parser(commands)
    add_config_parsers(commands)
    return parser


def speed_argument(text: str) -> float:
    """--speed: a positive factor, how many times faster than real time a recording is played."""
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not 0 < speed <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a speed factor; give a number such as 1, 2 or 10")
    return speed


def add_recogniser_arguments(parser: argparse.ArgumentParser) -> None:
    """--engine, --model and --open-vocabulary, for the commands that recognise speech."""
    parser.add_argument("--engine", choices=("vosk", "pocketsphinx"), help="speech recogniser (default: vosk when a model is installed)")
    parser.add_argument("--model", type=Path, metavar="PATH", help="the Vosk model directory to use")
    parser.add_argument(
        "--open-vocabulary", action="store_true", help="recognise any words, not only the skill's sentences (less accurate on topic)"
    )


def main(argv: list[str] | None = None) -> int:
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


def _load_skill(args: argparse.Namespace):
    from .skill import Skill

    return Skill.load(args.intents)


def _ask(args: argparse.Namespace) -> int:
    from .dialogue import Session

    if args.audio is not None:
        if args.text is not None:
            print("voice-skill: ask takes a question or --audio files, not both", file=sys.stderr)
            return 2
        return _ask_audio(args)
    if args.text is None:
        print("voice-skill: ask needs a question, e.g. voice-skill ask \"what causes hip pain\"", file=sys.stderr)
        return 2
    session = Session(_load_skill(args))
    answer = session.respond(_clean(args.text))
    _print_answer(answer, args.json, sys.stdout)
    if args.speak or args.say_to:
        from .speech import answer_aloud

        answer_aloud(args, answer.answer)
    else:
        remember_arguments(args)
    return 0


def _ask_audio(args: argparse.Namespace) -> int:
    """One answer per audio file, in order, from one recogniser and one conversation."""
    from .audio_source import FileAudioSource
    from .dialogue import Session
    from .errors import AudioFileError
    from .recogniser import engine_notice, open_recogniser, transcribe
    from .screening import screened

    session = Session(_load_skill(args))
    recogniser = screened(open_recogniser(args.engine, args.model, args.open_vocabulary))
    print(engine_notice(recogniser), file=sys.stderr)
    exit_code = 0
    answers = []
    for path in args.audio:
        source = FileAudioSource(path, sample_rate=recogniser.sample_rate)
        try:
            transcript = transcribe(recogniser, source)
        except AudioFileError as error:
            # The other files still get their answers; the exit code tells a script one failed.
            print(f"voice-skill: {error}", file=sys.stderr)
            exit_code = error.exit_code
            continue
        if source.input_rate < recogniser.sample_rate:
            print(
                f"voice-skill: {path} is recorded at {source.input_rate} Hz, below the {recogniser.sample_rate} Hz "
                "the engine was made for; recognition may be poor, record at 16 kHz or more if you can",
                file=sys.stderr,
            )
        answer = session.respond_to_transcript(transcript)
        _print_answer(answer, args.json, sys.stdout)
        answers.append(answer.answer)
    if answers and (args.speak or args.say_to):
        from .speech import answer_aloud

        answer_aloud(args, " ".join(answers))
    else:
        remember_arguments(args)
    return exit_code


def _chat(args: argparse.Namespace) -> int:
    from .dialogue import Session
    from .speech import speaker_from_args

    session = Session(_load_skill(args))
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    unreadable = 0
    with speaker_from_args(args) as speaker:
        for line in _input_lines(interactive):
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
            answer = session.respond(_clean(line))
            _print_answer(answer, args.json, sys.stdout)
            speaker.say(answer.answer)
            if session.ended:
                break
        speaker.wait()
    return 1 if unreadable else 0


def _input_lines(interactive: bool) -> Iterator[str | None]:
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


def _clean(text: str) -> str:
    """Control characters out, and an over-long input cut to what a spoken question could be."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    if len(text) > MAX_UTTERANCE_CHARACTERS:
        print(
            f"voice-skill: the input has {len(text)} characters; only the first {MAX_UTTERANCE_CHARACTERS} were used",
            file=sys.stderr,
        )
    return text[:MAX_UTTERANCE_CHARACTERS]


def _print_answer(answer, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(answer.answer + "\n")
    out.flush()


def _topics(args: argparse.Namespace) -> int:
    knowledge = _load_skill(args).knowledge
    for topic in knowledge.topics.values():
        example = topic.sentences[0] if topic.sentences else "anything else"
        print(f"{topic.id:<20} {topic.name}: \"{example}\"")
    return 0


def _listen(args: argparse.Namespace) -> int:
    from .listen import listen
    from .microphone import parse_device
    from .recogniser import open_recogniser
    from .screening import screened
    from .speech import speaker_from_args

    if args.speed is not None and args.from_file is None:
        print("voice-skill: --speed only applies to a recording; add --from-file WAV", file=sys.stderr)
        return 2
    listen(
        _load_skill(args),
        lambda: screened(open_recogniser(args.engine, args.model, args.open_vocabulary)),
        lambda: speaker_from_args(args, speak=True),
        from_file=args.from_file,
        device=parse_device(args.device),
        speed=args.speed or 1.0,
    )
    return 0


def _engines(args: argparse.Namespace) -> int:
    from .recogniser import available_engines

    for engine in available_engines():
        mark = "*" if engine.default else " "
        state = "available" if engine.available else "not available"
        print(f"{mark} {engine.name:<13} {state}: {engine.detail}")
    print("* = used when --engine is not given")
    return 0


def _devices(args: argparse.Namespace) -> int:
    from .microphone import format_devices, list_input_devices

    print("\n".join(format_devices(list_input_devices())))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, format_report, load_cases

    cases = [case for path in args.paths for case in load_cases(path) if args.split in (None, case.split)]
    report = evaluate(_load_skill(args), cases)
    print(format_report(report, list_errors=args.errors))
    return 1 if report.wrong_topic else 0


if __name__ == "__main__":
    sys.exit(main())

"""Recognition options (--engine, --model, --open-vocabulary, --no-second-opinion, --no-second-chances,
--no-third-opinion, --likely-sentences) turned into RecognitionSettings; `engines`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..settings import ENGINES, RecognitionSettings


def add_recogniser_arguments(parser: argparse.ArgumentParser) -> None:
    """--engine, --model, --open-vocabulary, --no-second-opinion, --no-second-chances, --no-third-opinion and
    --likely-sentences, for the commands that recognise speech."""
    parser.add_argument("--engine", choices=ENGINES, help="speech recogniser (default: vosk when a model is installed)")
    parser.add_argument("--model", type=Path, metavar="PATH", help="the Vosk model directory to use")
    parser.add_argument(
        "--open-vocabulary",
        action="store_true",
        help="recognise any words, not only the skill's sentences (less accurate on topic)",
    )
    parser.add_argument(
        "--no-second-opinion",
        dest="second_opinion",
        action="store_false",
        help="with pocketsphinx: never ask Moonshine about words the skill does not understand (faster refusals)",
    )
    parser.add_argument(
        "--no-second-chances",
        dest="second_chances",
        action="store_false",
        help="with the second opinion: where the skill refuses Moonshine's words, refuse at once, without hearing"
        " the audio at other speeds (faster refusals)",
    )
    parser.add_argument(
        "--no-third-opinion",
        dest="third_opinion",
        action="store_false",
        help="with the second opinion: never ask Whisper, neither where the skill refuses the words of both engines"
        " nor for a warning sign in pocketsphinx's unsure words (faster answers)",
    )
    parser.add_argument(
        "--likely-sentences",
        action="store_true",
        help="with the second opinion: where the skill refuses Moonshine's words, look at its next likeliest"
        " sentences before hearing other speeds (more answers, slower refusals)",
    )


def recognition_settings(args: argparse.Namespace, load_now: bool = False) -> RecognitionSettings:
    """The recognition settings a command line asks for; load_now for a command that goes on listening."""
    return RecognitionSettings(
        engine=args.engine,
        model=args.model,
        open_vocabulary=args.open_vocabulary,
        second_opinion=args.second_opinion,
        second_chances=args.second_chances,
        third_opinion=args.third_opinion,
        likely_sentences=args.likely_sentences,
        load_now=load_now,
    )


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `engines` command."""
    engines = commands.add_parser("engines", help="list the speech recognisers, their models and which one is used")
    engines.set_defaults(handler=run_engines)


def run_engines(args: argparse.Namespace) -> int:
    from ..recognition.recogniser import available_engines

    for engine in available_engines():
        mark = "*" if engine.default else " "
        state = "available" if engine.available else "not available"
        print(f"{mark} {engine.name:<13} {state}: {engine.detail}")
    print("* = used when --engine is not given")
    return 0

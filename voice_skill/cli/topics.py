"""`voice-skill topics` and `voice-skill eval`: what the skill knows, and how well it understands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .console import load_skill


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `topics` and `eval` commands."""
    topics = commands.add_parser("topics", help="list the topics with one example question each")
    topics.set_defaults(handler=run_topics)

    evaluate = commands.add_parser("eval", help="run transcript files through the skill and report accuracy")
    evaluate.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="transcript files (.yaml), or .txt files of out-of-scope lines",
    )
    evaluate.add_argument("--split", choices=("dev", "test"), help="only the sentences of this split")
    evaluate.add_argument("--errors", action="store_true", help="list every sentence that got a wrong answer")
    evaluate.set_defaults(handler=run_eval)


def run_topics(args: argparse.Namespace) -> int:
    knowledge = load_skill(args).knowledge
    for topic in knowledge.topics.values():
        example = topic.sentences[0] if topic.sentences else "anything else"
        print(f'{topic.id:<20} {topic.name}: "{example}"')
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from ..evaluation import evaluate, format_report, load_cases

    cases = [case for path in args.paths for case in load_cases(path) if args.split in (None, case.split)]
    report = evaluate(load_skill(args), cases)
    print(format_report(report, list_errors=args.errors))
    return 1 if report.wrong_topic else 0

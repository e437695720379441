"""`voice-skill serve`: the skill as a Wyoming server for Home Assistant and Rhasspy 3 (voice_skill.wyoming).

The server and the `wyoming` package are imported only when serving, so the other commands start as fast as before.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import SkillError
from ..settings import SpeechSettings, load_speech_settings
from ..wyoming import DEFAULT_URI, DEFAULT_ZEROCONF_NAME
from .console import load_skill, report
from .recognition import add_recogniser_arguments, recognition_settings

INSTALL_HINT = "pip install 'voice-skill[server]' (script/setup installs it)"


def _workers_argument(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 1 to 64")
    return int(text)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `serve` command."""
    serve = commands.add_parser(
        "serve",
        help="serve the skill to Home Assistant and Rhasspy 3 over the Wyoming protocol (conversation agent, "
        "speech-to-text, text-to-speech)",
    )
    serve.add_argument(
        "--uri",
        default=DEFAULT_URI,
        help=f"where to listen: tcp://HOST:PORT, unix://PATH or stdio:// (default {DEFAULT_URI})",
    )
    add_recogniser_arguments(serve)
    serve.add_argument(
        "--voice",
        metavar="NAME",
        help="the voice answers are spoken in (default: the remembered one; voice-skill voices)",
    )
    serve.add_argument(
        "--zeroconf",
        nargs="?",
        const=DEFAULT_ZEROCONF_NAME,
        metavar="NAME",
        help=f"let Home Assistant discover the server on the network, as NAME (default {DEFAULT_ZEROCONF_NAME}; tcp only)",
    )
    serve.add_argument(
        "--workers",
        type=_workers_argument,
        metavar="N",
        help="recognitions and syntheses at once (default: one per processor)",
    )
    serve.add_argument("--debug", action="store_true", help="log every event, and what was heard and said")
    serve.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or Ctrl-C."""
    try:
        from ..wyoming.server import serve
        from ..wyoming.settings import ServerSettings
    except ImportError as error:
        raise SkillError(f"serving needs the server extra ({error}); install it with: {INSTALL_HINT}") from None
    if args.zeroconf is not None:
        try:
            import zeroconf  # noqa: F401 - only checks that --zeroconf can work before anything starts
        except ImportError:
            raise SkillError(f"--zeroconf needs the zeroconf package; install it with: {INSTALL_HINT}") from None
    import logging  # here: logging costs a cold `ask` a few milliseconds it never needs

    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    options: dict[str, Any] = {"workers": args.workers} if args.workers else {}
    settings = ServerSettings(
        uri=args.uri,
        recognition=recognition_settings(args),
        speech=_speech_settings(args.voice),
        zeroconf_name=args.zeroconf,
        **options,
    )
    serve(load_skill(args), settings)
    return 0


def _speech_settings(voice: str | None) -> SpeechSettings:
    """The remembered voice, rate and volume, with --voice for this run only: a server never rewrites them."""
    try:
        remembered = load_speech_settings()
    except SkillError as error:
        report(f"{error}; using the default voice meanwhile")
        remembered = SpeechSettings()
    return remembered.updated(voice=voice)

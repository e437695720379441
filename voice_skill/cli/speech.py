"""Speech on the command line: --voice, --rate, --volume and --mute (remembered between runs), --speak and
--say-to; the `voices` and `config` commands; and the speaker a command asks for."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SkillError, printable
from ..settings import (
    MAX_RATE,
    MIN_RATE,
    SpeechSettings,
    check_rate,
    check_volume,
    load_speech_settings,
    save_speech_settings,
    settings_path,
)
from .console import report

if TYPE_CHECKING:
    from ..speech.speaker import EngineSpeaker, SilentSpeaker


def _rate_argument(text: str) -> int:
    try:
        return check_rate(int(text))
    except (ValueError, SkillError) as error:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from {MIN_RATE} to {MAX_RATE}") from error


def _volume_argument(text: str) -> float:
    try:
        return check_volume(float(text))
    except (ValueError, SkillError) as error:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number from 0 to 1") from error


def add_speech_arguments(parser: argparse.ArgumentParser, *, speak: bool = True, say_to: bool = False) -> None:
    """The speech options of a command: --voice, --rate, --volume, --mute (remembered), and --speak, --say-to."""
    group = parser.add_argument_group("speech (voice, rate, volume and mute are remembered)")
    if speak:
        group.add_argument("--speak", action="store_true", help="also speak the answer aloud")
    if say_to:
        group.add_argument(
            "--say-to",
            metavar="FILE.wav",
            help="write the spoken answer to a WAV file instead of playing it",
        )
    group.add_argument("--voice", metavar="NAME", help="voice id, language or name (voice-skill voices lists them)")
    group.add_argument("--rate", type=_rate_argument, metavar="WORDS_PER_MINUTE", help="speaking rate")
    group.add_argument("--volume", type=_volume_argument, metavar="0..1", help="loudness, 0 to 1")
    group.add_argument(
        "--mute", action=argparse.BooleanOptionalAction, help="text only, never speak (--no-mute speaks again)"
    )


def remember(**changes: object) -> SpeechSettings:
    """Load the settings, apply the ones given (None = unchanged), save if anything changed; return them.

    A broken or unwritable config file never stops a session: it is reported in one line on stderr. A new
    voice is checked first: remembered, a voice the engine lacks would break every later spoken answer.
    """
    try:
        settings = load_speech_settings()
    except SkillError as error:
        report(f"{error}; using the default settings meanwhile")
        return SpeechSettings().updated(**changes)
    changed = settings.updated(**changes)
    if changed.voice is not None and changed.voice != settings.voice:
        check_voice(changed.voice)
    if changed != settings:
        try:
            save_speech_settings(changed)
        except SkillError as error:
            report(f"{error}; the settings given apply to this run only")
    return changed


def check_voice(name: str) -> None:
    """Refuse a voice the speech engine does not offer (SkillError naming it and where to see the voices)."""
    from ..speech.synthesiser import list_voices
    from ..speech.voices import find_voice

    try:
        voices = list_voices()
    except SkillError as error:
        raise SkillError(f"cannot check the voice {name!r}, so it is not remembered: {error}") from None
    find_voice(name, voices)


def say_to_path(text: str | None) -> Path | None:
    """--say-to FILE.wav as a path; refuses an empty name or a folder before any work is done."""
    if text is None:
        return None
    from ..speech.synthesiser import check_wav_target  # only now: typed questions start without it

    if not text.strip():
        raise SkillError("--say-to needs a file name, e.g. --say-to answer.wav")
    return check_wav_target(Path(text))


def speech_settings(args: argparse.Namespace) -> SpeechSettings:
    """The speech settings after remembering the speech options given on the command line."""
    return remember(
        voice=getattr(args, "voice", None),
        rate=getattr(args, "rate", None),
        volume=getattr(args, "volume", None),
        mute=getattr(args, "mute", None),
    )


def describe(settings: SpeechSettings) -> str:
    """The settings as shown by `voice-skill config`, one per line, with the file's location."""
    path = settings_path()
    lines = [
        f"voice:  {settings.voice or '(engine default)'}",
        f"rate:   {settings.rate if settings.rate is not None else '(engine default)'} words per minute",
        f"volume: {settings.volume if settings.volume is not None else '(engine default)'}",
        f"mute:   {'yes' if settings.mute else 'no'}",
        f"file:   {printable(path)}{'' if path.exists() else ' (not written yet: defaults in use)'}",
    ]
    return "\n".join(lines)


def open_cli_speaker(settings: SpeechSettings, *, speak: bool) -> EngineSpeaker | SilentSpeaker:
    """The speaker a command asks for: speaks when `speak` and not muted; a silent speaker otherwise, with
    one line when speech was asked for but is muted."""
    from ..speech.speaker import SilentSpeaker, open_speaker, report_line

    if not speak:
        return SilentSpeaker()
    if settings.mute:
        report_line(f"speech is off: muted (remembered in {settings_path()}); turn it on with --no-mute")
        return SilentSpeaker()
    return open_speaker(settings)


def answer_aloud(settings: SpeechSettings, text: str, *, speak: bool, save_to: Path | None) -> None:
    """For `ask`: write the spoken answer to save_to (--say-to), or speak it (--speak) and wait until it ends."""
    if save_to is not None:
        from ..speech.synthesiser import Synthesiser

        with Synthesiser(settings) as synthesiser:
            synthesiser.save(text, save_to)
        return
    with open_cli_speaker(settings, speak=speak) as speaker:
        speaker.say(text)
        speaker.wait()


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `voices` and `config` commands."""
    voices = commands.add_parser("voices", help="list the voices the speech engine offers")
    voices.add_argument("filter", nargs="?", metavar="TEXT", help="only voices whose id, name or language holds TEXT")
    voices.set_defaults(handler=run_voices)
    config = commands.add_parser("config", help="show the remembered speech settings and where they are kept")
    add_speech_arguments(config, speak=False)
    config.add_argument("--reset", action="store_true", help="forget every setting (back to the defaults)")
    config.set_defaults(handler=run_config)


def run_config(args: argparse.Namespace) -> int:
    if args.reset:
        try:
            settings_path().unlink(missing_ok=True)
        except OSError as error:
            raise SkillError(f"cannot remove {settings_path()}: {error.strerror or error}") from error
    print(describe(speech_settings(args)))
    return 0


def run_voices(args: argparse.Namespace) -> int:
    from ..speech.synthesiser import list_voices
    from ..speech.voices import find_voice

    voices = list_voices()
    try:
        chosen: str | None = find_voice(load_speech_settings().voice or "", voices).partition("+")[0]
    except SkillError:
        chosen = None
    wanted = (args.filter or "").lower()
    shown = 0
    for voice in voices:
        text = f"{voice.id} {voice.name} {' '.join(voice.languages)}".lower()
        if wanted not in text:
            continue
        mark = "*" if voice.id == chosen else " "
        print(f"{mark} {voice.id:<24} {voice.name:<36} {', '.join(voice.languages)}")
        shown += 1
    if not shown:
        report(f"no voice matches {args.filter!r}; run `voice-skill voices` to see them all")
        return 1
    print("Choose one with --voice ID (remembered). eSpeak NG variants: add +f1..+f5 or +m1..+m7, e.g. en-us+f3.")
    return 0

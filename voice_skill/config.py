"""The user's remembered speech settings: a small JSON file in the platform's user config directory."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from .errors import SkillError

CONFIG_DIR_VARIABLE = "VOICE_SKILL_CONFIG_DIR"
"""Environment variable naming another config directory (tests, portable installs)."""

MIN_RATE, MAX_RATE = 80, 450
"""Speaking rates, in words per minute, that eSpeak NG accepts."""


@dataclass(frozen=True)
class Config:
    """Settings remembered between runs; None means the speech engine's default."""

    voice: str | None = None
    """Voice name or id (`voice-skill voices` lists them)."""

    rate: int | None = None
    """Speaking rate in words per minute."""

    volume: float | None = None
    """Loudness from 0.0 to 1.0."""

    mute: bool = False
    """Answers are printed only, never spoken."""

    def updated(self, **changes: object) -> Config:
        """A copy with the given settings changed; None values leave a setting as it is."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})


def config_dir() -> Path:
    """Where the config file lives: $VOICE_SKILL_CONFIG_DIR, or the platform's user config dir."""
    override = os.environ.get(CONFIG_DIR_VARIABLE)
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("voice-skill", appauthor=False))


def config_path() -> Path:
    """The config file's path (it may not exist yet)."""
    return config_dir() / "config.json"


def check_rate(rate: int) -> int:
    """The rate if eSpeak NG can speak at it, else a SkillError saying the range."""
    if not MIN_RATE <= rate <= MAX_RATE:
        raise SkillError(f"rate {rate} is out of range; give {MIN_RATE} to {MAX_RATE} words per minute")
    return rate


def check_volume(volume: float) -> float:
    """The volume if between 0 and 1, else a SkillError saying the range."""
    if not 0.0 <= volume <= 1.0:
        raise SkillError(f"volume {volume} is out of range; give 0 (silent) to 1 (loudest)")
    return volume


def load_config(path: Path | None = None) -> Config:
    """The remembered settings, or the defaults when there is no config file yet."""
    path = path or config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SkillError(f"{path}: not a readable config file ({error}); fix it or delete it") from error
    if not isinstance(data, dict):
        raise SkillError(f"{path}: the config file must hold a JSON object; fix it or delete it")
    known = {field.name for field in fields(Config)}
    config = Config(**{name: value for name, value in data.items() if name in known})
    _check_types(config, path)
    return config


def _check_types(config: Config, path: Path) -> None:
    try:
        if config.voice is not None and not isinstance(config.voice, str):
            raise ValueError("voice must be text")
        if config.rate is not None:
            check_rate(int(config.rate))
        if config.volume is not None:
            check_volume(float(config.volume))
        if not isinstance(config.mute, bool):
            raise ValueError("mute must be true or false")
    except (SkillError, TypeError, ValueError) as error:
        raise SkillError(f"{path}: {error}; fix it or delete it") from error


def save_config(config: Config, path: Path | None = None) -> Path:
    """Remember the settings; returns the file written."""
    path = path or config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise SkillError(f"cannot save settings to {path}: {error.strerror or error}") from error
    return path


def remember(**changes: object) -> Config:
    """Load the settings, apply the ones given (None = unchanged), save if anything changed; return them.

    A broken or unwritable config file never stops a session: it is reported in one line on stderr.
    """
    try:
        config = load_config()
    except SkillError as error:
        print(f"voice-skill: {error}; using the default settings meanwhile", file=sys.stderr)
        return Config().updated(**changes)
    changed = config.updated(**changes)
    if changed != config:
        try:
            save_config(changed)
        except SkillError as error:
            print(f"voice-skill: {error}; the settings given apply to this run only", file=sys.stderr)
    return changed


def describe(config: Config) -> str:
    """The settings as shown by `voice-skill config`, one per line, with the file's location."""
    path = config_path()
    lines = [
        f"voice:  {config.voice or '(engine default)'}",
        f"rate:   {config.rate if config.rate is not None else '(engine default)'} words per minute",
        f"volume: {config.volume if config.volume is not None else '(engine default)'}",
        f"mute:   {'yes' if config.mute else 'no'}",
        f"file:   {path}{'' if path.exists() else ' (not written yet: defaults in use)'}",
    ]
    return "\n".join(lines)


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
            "--say-to", type=Path, metavar="FILE.wav", help="write the spoken answer to a WAV file instead of playing it"
        )
    group.add_argument("--voice", metavar="NAME", help="voice id, language or name (voice-skill voices lists them)")
    group.add_argument("--rate", type=_rate_argument, metavar="WORDS_PER_MINUTE", help="speaking rate")
    group.add_argument("--volume", type=_volume_argument, metavar="0..1", help="loudness, 0 to 1")
    group.add_argument(
        "--mute", action=argparse.BooleanOptionalAction, help="text only, never speak (--no-mute speaks again)"
    )


def remember_arguments(args: argparse.Namespace) -> Config:
    """The settings after remembering the speech options given on the command line."""
    return remember(
        voice=getattr(args, "voice", None),
        rate=getattr(args, "rate", None),
        volume=getattr(args, "volume", None),
        mute=getattr(args, "mute", None),
    )


def add_config_parsers(commands: argparse._SubParsersAction) -> None:
    """The `voices` and `config` commands."""
    voices = commands.add_parser("voices", help="list the voices the speech engine offers")
    voices.add_argument("filter", nargs="?", metavar="TEXT", help="only voices whose id, name or language holds TEXT")
    voices.set_defaults(handler=_voices_command)
    config = commands.add_parser("config", help="show the remembered speech settings and where they are kept")
    add_speech_arguments(config, speak=False)
    config.add_argument("--reset", action="store_true", help="forget every setting (back to the defaults)")
    config.set_defaults(handler=_config_command)


def _config_command(args: argparse.Namespace) -> int:
    if args.reset:
        try:
            config_path().unlink(missing_ok=True)
        except OSError as error:
            raise SkillError(f"cannot remove {config_path()}: {error.strerror or error}") from error
    print(describe(remember_arguments(args)))
    return 0


def _voices_command(args: argparse.Namespace) -> int:
    from .speech import find_voice, list_voices

    voices = list_voices()
    try:
        chosen = find_voice(load_config().voice or "", voices).partition("+")[0]
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
        print(f"voice-skill: no voice matches {args.filter!r}; run `voice-skill voices` to see them all", file=sys.stderr)
        return 1
    print("Choose one with --voice ID (remembered). eSpeak NG variants: add +f1..+f5 or +m1..+m7, e.g. en-us+f3.")
    return 0

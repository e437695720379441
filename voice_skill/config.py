"""The user's remembered speech settings: a small JSON file in the platform's user config directory."""

from __future__ import annotations

import json
import os
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
    """Load the settings, apply the ones given (None = unchanged), save if anything changed; return them."""
    config = load_config()
    changed = config.updated(**changes)
    if changed != config:
        save_config(changed)
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

"""Settings a front end builds once at its edge and hands down: how to recognise speech, how to speak.

The speech settings are also remembered between runs, in a small JSON file in the user config folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from .errors import SkillError
from .paths import config_dir

MIN_RATE, MAX_RATE = 80, 450
"""Speaking rates, in words per minute, that eSpeak NG accepts."""

ENGINES = ("vosk", "pocketsphinx", "moonshine")
"""The speech recognisers, as named by RecognitionSettings.engine."""


@dataclass(frozen=True)
class SpeechSettings:
    """How answers are spoken; None means the speech engine's default."""

    voice: str | None = None
    """Voice id, language code or (part of a) name; "+f3"-style eSpeak NG variants may be appended."""

    rate: int | None = None
    """Speaking rate in words per minute."""

    volume: float | None = None
    """Loudness from 0.0 to 1.0."""

    mute: bool = False
    """Answers are printed only, never spoken."""

    def updated(self, **changes: object) -> SpeechSettings:
        """A copy with the given settings changed; None values leave a setting as it is."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})  # type: ignore[arg-type]


@dataclass(frozen=True)
class RecognitionSettings:
    """Which speech recogniser to use and how."""

    engine: str | None = None
    """One of ENGINES; None: Vosk when a model is found, else the bundled pocketsphinx."""

    model: Path | None = None
    """The Vosk model folder; None: $VOSK_MODEL_PATH, else the first installed model."""

    open_vocabulary: bool = False
    """Recognise any words, not only the skill's sentences (less accurate on topic)."""

    second_opinion: bool = True
    """With pocketsphinx: ask Moonshine about an utterance whose words the skill does not understand."""

    second_chances: bool = True
    """With the second opinion: where the skill refuses Moonshine's words too, hear the audio at other speeds (more
    answers, slower ones there)."""

    third_opinion: bool = True
    """With the second opinion: where the skill refuses the words of both engines, ask Whisper base (more answers,
    slower refusals)."""

    likely_sentences: bool = False
    """With the second chances: look at Moonshine's next likeliest sentences first (more answers still, slower
    refusals: not the default for its latency)."""

    load_now: bool = False
    """Load every engine as the recogniser opens, not when it is first needed: for sessions that go on (`listen`,
    the Wyoming server), whose first question that needs Whisper would otherwise wait for it to load; a one-shot
    `ask --audio` loads only what its question needs."""


def settings_path() -> Path:
    """The file the speech settings are remembered in (it may not exist yet)."""
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


def load_speech_settings(path: Path | None = None) -> SpeechSettings:
    """The remembered speech settings, or the defaults when there is no settings file yet."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SpeechSettings()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SkillError(f"{path}: not a readable config file ({error}); fix it or delete it") from error
    except RecursionError:
        raise SkillError(f"{path}: not a readable config file (nested too deeply); fix it or delete it") from None
    if not isinstance(data, dict):
        raise SkillError(f"{path}: the config file must hold a JSON object; fix it or delete it")
    known = {field.name for field in fields(SpeechSettings)}
    settings = SpeechSettings(**{name: value for name, value in data.items() if name in known})
    _check_types(settings, path)
    return settings


def _check_types(settings: SpeechSettings, path: Path) -> None:
    try:
        if settings.voice is not None and not isinstance(settings.voice, str):
            raise ValueError("voice must be text")
        if settings.rate is not None:
            try:
                rate = int(settings.rate)
            except OverflowError:  # 1e400 reads as infinity
                raise ValueError(f"rate {settings.rate} is out of range") from None
            check_rate(rate)
        if settings.volume is not None:
            check_volume(float(settings.volume))
        if not isinstance(settings.mute, bool):
            raise ValueError("mute must be true or false")
    except (SkillError, TypeError, ValueError) as error:
        raise SkillError(f"{path}: {error}; fix it or delete it") from error


def save_speech_settings(settings: SpeechSettings, path: Path | None = None) -> Path:
    """Remember the speech settings; returns the file written."""
    path = path or settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise SkillError(f"cannot save settings to {path}: {error.strerror or error}") from error
    return path

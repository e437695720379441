"""The voices a speech engine offers, and finding one by id, language or name."""

from __future__ import annotations

import dataclasses

from ..errors import SkillError


@dataclasses.dataclass(frozen=True)
class Voice:
    """A voice the speech engine offers."""

    id: str
    """Engine identifier, e.g. "gmw/en-us"; what --voice is resolved to."""

    name: str
    """Human name, e.g. "English (America)"."""

    languages: tuple[str, ...] = ()
    """Language codes, e.g. ("en-us",)."""

    gender: str | None = None
    """"Male", "Female" or None when the engine does not say."""


def find_voice(name: str, voices: list[Voice]) -> str:
    """The engine id for a voice given by id, language code or a unique part of its name."""
    base, plus, variant = name.partition("+")
    wanted = base.strip().lower()
    for match in (
        lambda voice: voice.id.lower() == wanted,
        lambda voice: voice.id.lower().rsplit("/", 1)[-1] == wanted or wanted in voice.languages,
        lambda voice: voice.name.lower() == wanted,
    ):
        found = [voice for voice in voices if match(voice)]
        if found:
            return found[0].id + plus + variant
    found = [voice for voice in voices if wanted and wanted in voice.name.lower()]
    if len(found) == 1:
        return found[0].id + plus + variant
    if found:
        names = ", ".join(voice.id for voice in found[:5])
        raise SkillError(f"voice {name!r} is ambiguous ({names}, ...); give its id (voice-skill voices lists them)")
    raise SkillError(f"no voice named {name!r}; `voice-skill voices` lists the installed voices")

"""What a front end decides before serving: where to listen, which engines, how much load to take."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..settings import RecognitionSettings, SpeechSettings
from . import DEFAULT_URI


@dataclass(frozen=True)
class Limits:
    """Bounds on what one client may send, so that no client can exhaust the server."""

    max_audio_seconds: float = 30.0
    """A spoken question is a few seconds; longer audio is refused with an error and its memory freed."""

    max_event_bytes: int = 1 << 20
    """The largest data or payload part of one event (1 MiB: several seconds of 48 kHz stereo audio per chunk)."""

    stall_seconds: float = 10.0
    """A client silent this long in the middle of an audio stream is given up on, freeing its recogniser."""

    max_speech_characters: int = 5000
    """The longest text synthesised in one request (the skill's longest answer is under 1500)."""


def default_workers() -> int:
    """One worker per processor: recognition and synthesis are CPU-bound."""
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ServerSettings:
    """Everything `voice-skill serve` was asked for; built by the command line, read by the server."""

    uri: str = DEFAULT_URI
    """tcp://HOST:PORT, unix://PATH or stdio://."""

    recognition: RecognitionSettings = RecognitionSettings()
    """The recogniser for `asr`, as for `voice-skill listen`."""

    speech: SpeechSettings = SpeechSettings()
    """The voice for `tts` (Home Assistant asks for no voice of its own, so this one speaks every answer)."""

    zeroconf_name: str | None = None
    """Advertise the server to Home Assistant under this name (tcp only); None: no discovery."""

    workers: int = field(default_factory=default_workers)
    """At most this many recognitions, syntheses and answers computed at once; more requests wait their turn."""

    limits: Limits = Limits()
    """Bounds on what one client may send."""

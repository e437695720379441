"""Test audio made on the spot: eSpeak NG speaks, sox converts and synthesises sounds.

sox runs in repeatable mode (-R): its dither and noise would otherwise differ on every run, and a word on
the edge of being recognised could then flip from one run of a test to the next.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3")
"""eSpeak NG voices (with a variant) the spoken tests cover."""


def speak_to_wav(text: str, path: Path, voice: str = "en-us", words_per_minute: int = 160, rate: int = 16000) -> Path:
    """Speak text with eSpeak NG into a mono 16-bit WAV at the given sample rate."""
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(raw), text], check=True)
    sox(raw, path, "-r", str(rate), "-c", "1", "-b", "16")
    raw.unlink()
    return path


def sox(source: Path, target: Path, *output_options: str, effects: tuple[str, ...] = ()) -> Path:
    """Convert an audio file with sox: output options (rate, channels, bits, encoding) then effects."""
    subprocess.run(["sox", "-R", str(source), *output_options, str(target), *effects], check=True)
    return target


def synthesise(target: Path, seconds: float, *effects: str, rate: int = 16000) -> Path:
    """Make a non-speech sound with sox's synth effect, e.g. synthesise(p, 2, "synth", "2", "pinknoise")."""
    subprocess.run(
        ["sox", "-R", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(target), "trim", "0", str(seconds), *effects],
        check=True,
    )
    return target


def concatenate(target: Path, *parts: Path) -> Path:
    """Join audio files of the same format, one after the other."""
    subprocess.run(["sox", "-R", *map(str, parts), str(target)], check=True)
    return target


def silence(target: Path, seconds: float, rate: int = 16000) -> Path:
    """Digital silence of the given length."""
    subprocess.run(
        ["sox", "-R", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(target), "trim", "0", str(seconds)], check=True
    )
    return target


def in_steady_noise(target: Path, speech: Path, snr_db: float, seed: int = 1) -> Path:
    """The speech file with white noise snr_db below the level of its voiced stretches, the sum peaking at
    -1 dBFS: a fan or a road heard all the time, as loud relative to the voice as a user's room makes it."""
    import numpy as np
    import soundfile

    voice, rate = soundfile.read(speech, dtype="float32")
    voiced = voice[np.abs(voice) > 0.02 * np.abs(voice).max()]
    level = float(np.sqrt(np.mean(voiced**2)))
    noise = np.random.default_rng(seed).normal(size=len(voice)).astype(np.float32) * level / 10 ** (snr_db / 20)
    mixed = voice + noise
    soundfile.write(target, mixed * (0.89 / np.abs(mixed).max()), rate, subtype="PCM_16")
    return target

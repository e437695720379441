"""Voice activity detection: speech scores high, music and noise made by sox score low."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_skill.audio.speech_detector import SpeechDetector, SpeechScore
from voice_skill.recognition.screening import THRESHOLDS

from speech_audio import concatenate, silence, sox, speak_to_wav, synthesise

SPEECH_THRESHOLD = THRESHOLDS.speech


def _score(path: Path, detector: SpeechDetector, block_bytes: int = 960) -> float:
    import soundfile

    pcm = soundfile.read(path, dtype="int16")[0].tobytes()
    detector.reset()
    score = SpeechScore()
    for start in range(0, len(pcm), block_bytes):
        for probability in detector.accept(pcm[start : start + block_bytes]):
            score.add(probability)
    return score.value


@pytest.fixture(scope="module")
def detector() -> SpeechDetector:
    return SpeechDetector()


@pytest.mark.parametrize(
    "effects",
    [
        ("synth", "3", "whitenoise", "vol", "0.5"),
        ("synth", "3", "pinknoise", "vol", "0.5"),
        ("synth", "3", "brownnoise", "vol", "0.5"),
        ("synth", "3", "sine", "440", "vol", "0.5"),
        ("synth", "3", "sine", "100-4000", "vol", "0.5"),
        ("synth", "3", "sawtooth", "220", "vol", "0.4"),
    ],
    ids=["white", "pink", "brown", "tone", "sweep", "sawtooth"],
)
def test_noise_and_tones_are_not_speech(tmp_path: Path, detector: SpeechDetector, effects: tuple[str, ...]) -> None:
    sound = synthesise(tmp_path / "sound.wav", 3, *effects)
    assert _score(sound, detector) < 0.3


def test_silence_is_not_speech(tmp_path: Path, detector: SpeechDetector) -> None:
    assert _score(silence(tmp_path / "silence.wav", 2), detector) < 0.3


@pytest.mark.parametrize("text", ["stop", "why does my hip hurt when i walk"])
def test_speech_is_speech_even_a_single_word(tmp_path: Path, detector: SpeechDetector, text: str) -> None:
    speech = speak_to_wav(text, tmp_path / "speech.wav")
    before, after = silence(tmp_path / "before.wav", 1), silence(tmp_path / "after.wav", 1)
    padded = concatenate(tmp_path / "padded.wav", before, speech, after)
    assert _score(padded, detector) >= SPEECH_THRESHOLD


def test_speech_at_8_khz_is_resampled(tmp_path: Path) -> None:
    speech = speak_to_wav("what causes buttock pain", tmp_path / "speech.wav")
    narrow = sox(speech, tmp_path / "narrow.wav", "-r", "8000")
    assert _score(narrow, SpeechDetector(8000), block_bytes=480) >= SPEECH_THRESHOLD


def test_the_score_is_the_best_quarter_second() -> None:
    score = SpeechScore()
    assert score.value == 0.0
    for probability in (0.2, 0.4):
        score.add(probability)
    assert score.value == pytest.approx(0.3)
    for probability in [0.0] * 20 + [1.0] * 8 + [0.0] * 20:
        score.add(probability)
    assert score.value == pytest.approx(1.0)
    score.clear()
    # One confident chunk among noise is not a word.
    for probability in [0.0] * 20 + [1.0] + [0.0] * 20:
        score.add(probability)
    assert score.value == pytest.approx(1 / 8)


def test_a_click_among_silence_is_not_speech(tmp_path: Path, detector: SpeechDetector) -> None:
    click = synthesise(tmp_path / "click.wav", 0.01, "synth", "0.01", "square", "1000", "vol", "0.9")
    quiet = silence(tmp_path / "quiet.wav", 0.5)
    assert _score(concatenate(tmp_path / "clicks.wav", *[click, quiet] * 4), detector) < 0.3

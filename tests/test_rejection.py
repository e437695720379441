"""The refusal policy over evidence recorded from real audio (values measured with pocketsphinx 5.1)."""

from __future__ import annotations

import pytest

from voice_skill.rejection import THRESHOLDS, Thresholds, Verdict, decide
from voice_skill.transcript import Transcript


def _heard(text: str, speech: float | None, confidence: float | None, engine: str = "pocketsphinx") -> Transcript:
    return Transcript(text, engine=engine, asr_confidence=confidence, speech=speech)


@pytest.mark.parametrize(
    ("what", "transcript"),
    [
        ("humpback whale song", _heard("what do i what is", 0.79, 0.35)),
        ("jazz", _heard("of bones and and at hip", 0.05, 0.36)),
        ("triangular noise", _heard("see", 0.01, 1.0)),
        ("white noise", _heard("should", 0.01, 1.0)),
        ("a snare drum", _heard("", 0.02, None)),
    ],
)
def test_music_and_noise_are_no_speech_however_sure_the_engine_is(what: str, transcript: Transcript) -> None:
    assert decide(transcript) is Verdict.NO_SPEECH, what


CALIBRATED = Thresholds(asr_confidence={"pocketsphinx": 0.35})
"""An engine with a confidence threshold, as benchmarks/audio_rejection.py calibrates one."""


@pytest.mark.parametrize(
    ("what", "transcript"),
    [
        ("a reading in Portuguese", _heard("what are the causes of butt so easily when be cause the age", 1.0, 0.33)),
        ("a Harvard sentence", _heard("does sitting the me me home hurt", 1.0, 0.33)),
    ],
)
def test_unsure_words_from_speech_are_off_topic_where_the_engine_is_calibrated(
    what: str, transcript: Transcript
) -> None:
    assert decide(transcript, CALIBRATED) is Verdict.OFF_TOPIC, what
    # Uncalibrated, the words go to the matcher and its own out-of-scope rules.
    assert decide(transcript) is Verdict.QUESTION, what


@pytest.mark.parametrize(
    "transcript",
    [
        _heard("when should i see a doctor about my hip", 1.0, 0.76),
        _heard("my buttock hurts when i sit for a long time", 1.0, 0.45),
        _heard("sciatica see you", 1.0, 0.41),
        # A question the engine gives no confidence for is left to the matcher.
        _heard("is sciatica serious", 1.0, None),
    ],
)
def test_questions_pass_to_the_matcher(transcript: Transcript) -> None:
    assert decide(transcript) is Verdict.QUESTION
    assert decide(transcript, CALIBRATED) is Verdict.QUESTION


def test_typed_text_has_no_evidence_and_is_always_a_question() -> None:
    assert decide(Transcript("what is the capital of france")) is Verdict.QUESTION
    assert decide(Transcript("   ")) is Verdict.NO_SPEECH


def test_an_engine_without_calibrated_confidence_is_judged_by_speech_only() -> None:
    assert decide(_heard("what causes hip pain", 1.0, 0.05, engine="vosk")) is Verdict.QUESTION
    assert decide(_heard("what causes hip pain", 0.2, 0.95, engine="vosk")) is Verdict.NO_SPEECH


def test_thresholds_are_boundaries() -> None:
    assert decide(_heard("hip pain", THRESHOLDS.speech, 0.5)) is Verdict.QUESTION
    assert decide(_heard("hip pain", THRESHOLDS.speech - 0.01, 0.5)) is Verdict.NO_SPEECH
    assert decide(_heard("hip pain", 1.0, 0.35), CALIBRATED) is Verdict.QUESTION
    assert decide(_heard("hip pain", 1.0, 0.34), CALIBRATED) is Verdict.OFF_TOPIC
    strict = Thresholds(speech=0.5, asr_confidence={"vosk": 0.8})
    assert decide(_heard("hip pain", 0.6, 0.7, engine="vosk"), strict) is Verdict.OFF_TOPIC

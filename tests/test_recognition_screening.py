"""The refusal policy over evidence recorded from real audio (values measured with pocketsphinx 5.1), and the
speech screen around a recogniser: the engine's words on noise come back empty, speech keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_skill.recognition.screening import THRESHOLDS, ScreenedRecogniser, Thresholds, Verdict, decide, screened
from voice_skill.recognition.transcript import Transcript

from speech_audio import speak_to_wav, synthesise


class HearsWordsInEverything:
    """A fake engine restricted to the skill: every utterance, whatever the sound, becomes "hip pain"."""

    name = "fake"
    description = "a fake engine"
    sample_rate = 16000

    def __init__(self, utterance_bytes: int) -> None:
        self.utterance_bytes = utterance_bytes
        self.heard = 0

    def accept(self, pcm: bytes) -> Transcript | None:
        self.heard += len(pcm)
        if self.heard >= self.utterance_bytes:
            self.heard = 0
            return Transcript("hip pain", engine=self.name, asr_confidence=0.9)
        return None

    def partial(self) -> str:
        return "hip" if self.heard else ""

    def finish(self) -> Transcript:
        self.heard = 0
        return Transcript("", engine=self.name)


def _pcm(path: Path) -> bytes:
    import soundfile

    return soundfile.read(path, dtype="int16")[0].tobytes()


def _feed(recogniser: ScreenedRecogniser, pcm: bytes) -> list[Transcript]:
    finals = [recogniser.accept(pcm[start : start + 960]) for start in range(0, len(pcm), 960)]
    return [final for final in finals if final is not None]


@pytest.fixture
def sounds(tmp_path: Path) -> dict[str, bytes]:
    noise = synthesise(tmp_path / "noise.wav", 2, "synth", "2", "pinknoise", "vol", "0.5")
    chord = synthesise(tmp_path / "chord.wav", 2, "synth", "2", "sine", "440", "sine", "554", "vol", "0.4")
    speech = speak_to_wav("why does my hip hurt", tmp_path / "speech.wav")
    return {"noise": _pcm(noise), "chord": _pcm(chord), "speech": _pcm(speech)}


def test_words_heard_in_noise_and_music_come_back_empty(sounds: dict[str, bytes]) -> None:
    for sound in ("noise", "chord"):
        recogniser = ScreenedRecogniser(HearsWordsInEverything(len(sounds[sound])))
        (final,) = _feed(recogniser, sounds[sound])
        assert final.text == "", sound
        assert final.asr_confidence is None
        assert final.speech is not None and final.speech < 0.5
        assert final.engine == "fake"


def test_speech_keeps_its_words_and_carries_the_evidence(sounds: dict[str, bytes]) -> None:
    recogniser = ScreenedRecogniser(HearsWordsInEverything(len(sounds["speech"])))
    (final,) = _feed(recogniser, sounds["speech"])
    assert final == Transcript("hip pain", engine="fake", asr_confidence=0.9, speech=final.speech)
    assert final.speech is not None and final.speech >= 0.9


def test_each_utterance_is_judged_on_its_own_audio(sounds: dict[str, bytes]) -> None:
    """Music then a question then noise, each ended by the engine: only the question keeps its words."""
    lengths = [len(sounds["chord"]), len(sounds["speech"]), len(sounds["noise"])]
    engine = HearsWordsInEverything(lengths[0])
    recogniser = ScreenedRecogniser(engine)
    texts = []
    for sound, length in zip(("chord", "speech", "noise"), lengths):
        engine.utterance_bytes = length
        texts += [final.text for final in _feed(recogniser, sounds[sound])]
    assert texts == ["", "hip pain", ""]


def test_the_engine_shows_through(sounds: dict[str, bytes]) -> None:
    engine = HearsWordsInEverything(10**9)
    recogniser = screened(engine)
    assert (recogniser.name, recogniser.description, recogniser.sample_rate) == ("fake", "a fake engine", 16000)
    recogniser.accept(sounds["noise"][:9600])
    assert recogniser.partial() == "hip"
    final = recogniser.finish()
    assert (final.text, final.engine) == ("", "fake")
    assert final.speech is not None and final.speech < 0.5


# --- the policy -------------------------------------------------------------------------


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

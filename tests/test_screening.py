"""The speech screen around a recogniser: the engine's words on noise come back empty, speech keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest
from speech_audio import speak_to_wav, synthesise

from voice_skill.screening import ScreenedRecogniser, screened
from voice_skill.transcript import Transcript


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

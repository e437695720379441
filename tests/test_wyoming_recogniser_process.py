"""The recogniser in its own process: streams in, transcripts out, aborts and failures contained."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_skill.audio.source import FileAudioSource
from voice_skill.errors import EngineUnavailableError, SkillError
from voice_skill.settings import RecognitionSettings
from voice_skill.skill import Skill
from voice_skill.wyoming.recogniser_process import RecogniserProcess

from speech_audio import speak_to_wav

POCKETSPHINX = RecognitionSettings(engine="pocketsphinx")


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


@pytest.fixture(scope="module")
def recogniser(skill: Skill):  # type: ignore[no-untyped-def]
    process = RecogniserProcess(skill, POCKETSPHINX).wait_ready()
    yield process
    process.close()


def feed(recogniser: RecogniserProcess, path: Path) -> None:
    for block in FileAudioSource(path, sample_rate=recogniser.sample_rate):
        recogniser.accept(block)


def test_a_spoken_question_streamed_in_is_transcribed(recogniser: RecogniserProcess, tmp_path: Path) -> None:
    feed(recogniser, speak_to_wav("what is sciatica", tmp_path / "question.wav"))
    transcript = recogniser.finish()
    assert transcript.text == "what is sciatica"
    assert transcript.engine == "pocketsphinx"
    assert transcript.speech is not None and transcript.speech > 0.9


def test_words_pocketsphinx_mishears_get_the_second_opinion_as_on_the_command_line(
    recogniser: RecogniserProcess, skill: Skill, tmp_path: Path
) -> None:
    # The same held-out British-voice question as the command line's test: pocketsphinx alone answers daily care.
    feed(recogniser, speak_to_wav("the pain goes from my bum to my foot", tmp_path / "leg.wav", voice="en-gb"))
    transcript = recogniser.finish()
    assert transcript.engine == "moonshine"
    assert skill.matcher.match(transcript.text).intent.startswith("sciatica")


def test_an_aborted_stream_leaves_the_recogniser_ready_for_the_next(
    recogniser: RecogniserProcess, tmp_path: Path
) -> None:
    feed(recogniser, speak_to_wav("what is osteoporosis", tmp_path / "dropped.wav"))
    recogniser.abort()
    feed(recogniser, speak_to_wav("what is sciatica", tmp_path / "question.wav"))
    assert recogniser.finish().text == "what is sciatica"


def test_a_recogniser_that_died_is_an_engine_error_not_a_hang(skill: Skill) -> None:
    process = RecogniserProcess(skill, POCKETSPHINX).wait_ready()
    process._process.kill()
    process._process.join()
    with pytest.raises(EngineUnavailableError, match="stopped unexpectedly"):
        process.accept(bytes(3200))
        process.finish()
    process.close()


def test_a_missing_model_is_one_clear_error(skill: Skill, tmp_path: Path) -> None:
    with pytest.raises(SkillError, match="no Vosk model"):
        RecogniserProcess(skill, RecognitionSettings(engine="vosk", model=tmp_path / "nothing-here")).wait_ready()

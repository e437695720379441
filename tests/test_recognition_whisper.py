"""Whisper base, the third opinion: asked only where the skill refuses the words of pocketsphinx and Moonshine."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scripted_primary import ScriptedPrimary, second_opinion
from spoken_voices import Voice, spoken

from voice_skill.errors import EngineUnavailableError
from voice_skill.recognition import whisper
from voice_skill.recognition.sound_alike import SoundAlike
from voice_skill.recognition.transcript import Transcript
from voice_skill.recognition.whisper import WhisperTranscriber
from voice_skill.skill import Skill

from conftest import run_cli

EN_GB = Voice("espeak en-gb", "espeak", "en-gb")


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


@pytest.fixture(scope="module")
def transcriber() -> WhisperTranscriber:
    return WhisperTranscriber()


class Scripted:
    """Stands in for a transcriber: always the same words, noting each request."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.asked = 0

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        self.asked += 1
        future: Future[str] = Future()
        future.set_result(self.text)
        return future

    def transcribe(self, samples: Any) -> str:
        return self.submit(samples).result()

    def stop(self, future: Future[Any]) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to stop."""


def test_a_robotic_voice_question_both_engines_refuse_is_answered_with_whispers_words(tmp_path: Path) -> None:
    # eSpeak NG en-gb: pocketsphinx hears "how would i know if i pocket the", Moonshine nothing the skill
    # understands; Whisper hears "how will i know if i have a slip disc".
    question = spoken("how would i know if i have a slipped disc", EN_GB, tmp_path)

    without = run_cli("ask", "--no-third-opinion", "--audio", str(question), "--json")
    result = run_cli("ask", "--audio", str(question), "--json")

    assert json.loads(without.stdout)["intent"] == "out_of_scope"
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["intent"], answer["engine"]) == ("disc_herniation.symptoms", "whisper")


def test_off_topic_speech_with_a_domain_word_in_it_stays_refused(tmp_path: Path) -> None:
    # Whisper hears it word for word; the domain words it is prompted with do not turn "hip hop" into hip pain.
    question = spoken("who is the best hip hop dancer", EN_GB, tmp_path)

    result = run_cli("ask", "--audio", str(question), "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"] == "out_of_scope"


@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
def test_whisper_turns_no_noise_into_a_question_the_skill_answers(
    transcriber: WhisperTranscriber, skill: Skill, colour: str
) -> None:
    # Whisper invents words on noise ("thank you for watching"), and the prompt leans them toward the domain words.
    white = np.random.default_rng(12).standard_normal(3 * whisper.SAMPLE_RATE)
    slope = {"white": 0.0, "pink": 0.5, "brown": 1.0}[colour]
    noise = np.fft.irfft(np.fft.rfft(white) / np.maximum(np.arange(len(white) // 2 + 1), 1) ** slope, len(white))
    noise = (0.1 * noise / np.abs(noise).max()).astype(np.float32)

    text = transcriber.transcribe(noise)

    assert not text or skill.meaning(text) is None


def test_whisper_is_not_asked_where_moonshine_hears_pocketsphinxs_words_and_is_where_both_are_refused(
    skill: Skill,
) -> None:
    understood = Scripted("what is sciatica")
    third = Scripted("how do i choose an office chair for hip pain")

    kept = second_opinion(ScriptedPrimary("what is sciatica", 0.5), skill.meaning, understood, third_opinion=third)
    assert (kept.text, third.asked) == ("what is sciatica", 0)

    refused = second_opinion(
        ScriptedPrimary("green paint dries", 0.5), skill.meaning, Scripted("blue green yellow"), third_opinion=third
    )
    assert (refused.text, refused.engine, third.asked) == (third.text, "whisper", 1)


def test_whispers_words_the_skill_refuses_too_leave_the_refusal(skill: Skill) -> None:
    third = Scripted("thank you for watching")

    transcript = second_opinion(
        ScriptedPrimary("green paint dries", 0.5), skill.meaning, Scripted("blue green yellow"), third_opinion=third
    )

    assert (transcript.text, transcript.engine, third.asked) == ("green paint dries", "pocketsphinx", 1)


def test_whispers_words_looping_on_its_prompt_are_not_answered(skill: Skill) -> None:
    looped = "in the video you can see the hip pain buttock pain buttock pain buttock pain"
    third = Scripted(looped)

    transcript = second_opinion(
        ScriptedPrimary("green paint dries", 0.5), skill.meaning, Scripted("blue green yellow"), third_opinion=third
    )

    assert skill.meaning(looped) is not None
    assert (transcript.text, transcript.engine, third.asked) == ("green paint dries", "pocketsphinx", 1)


def test_missing_model_packages_are_one_line_saying_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whisper, "available", lambda: False)

    with pytest.raises(EngineUnavailableError, match="reinstall voice-skill") as raised:
        WhisperTranscriber()

    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("pocketsphinx", "moonshine_words", "whisper_words"),
    [
        # eSpeak NG en-us+f3, as the engines heard it: pocketsphinx bends the fall into pain from sitting.
        (
            "i sit on the series and my hip is agony",
            "i fell down the stairs and might it be nearly",
            "i fell down the stairs and my hip is agony",
        ),
        # Piper: pocketsphinx hears osteoporosis in a wish to die.
        ("i don't know told thinning more", "i don't want to love anymore", "i don't want to live anymore"),
    ],
)
def test_a_warning_sign_pocketsphinx_bent_into_another_topic_is_answered_from_whispers_words(
    skill: Skill, pocketsphinx: str, moonshine_words: str, whisper_words: str
) -> None:
    third = Scripted(whisper_words)

    transcript = second_opinion(
        ScriptedPrimary(pocketsphinx, 0.5),
        skill.meaning,
        Scripted(moonshine_words),
        third_opinion=third,
        warning_words=skill.warning_words,
    )

    assert (transcript.text, transcript.engine, third.asked) == (whisper_words, "whisper", 1)
    assert skill.meaning(transcript.text) in ("urgent_symptoms", "emergency")


def test_another_topics_unsure_words_without_a_warning_word_are_answered_without_waiting_for_whisper(
    skill: Skill,
) -> None:
    # eSpeak NG en-us at the latency benchmark's rate: the question waited about a second for Whisper's check.
    third = Scripted("what makes bones lose their strength")

    transcript = second_opinion(
        ScriptedPrimary("what makes bones", 0.48),
        skill.meaning,
        Scripted("what makes phone zoos their strength"),
        third_opinion=third,
        warning_words=skill.warning_words,
    )

    assert (transcript.text, third.asked) == ("what makes bones", 0)
    assert skill.meaning(transcript.text) is not None


def test_whispers_other_question_leaves_pocketsphinxs_understood_words(skill: Skill) -> None:
    # Only a warning sign is taken from Whisper where pocketsphinx's words are understood.
    third = Scripted("how do i choose an office chair for hip pain")

    transcript = second_opinion(
        ScriptedPrimary("i sit on the series and my hip is agony", 0.5),
        skill.meaning,
        Scripted("i fell down the stairs and might it be nearly"),
        third_opinion=third,
        warning_words=skill.warning_words,
    )

    assert (transcript.text, transcript.engine, third.asked) == (
        "i sit on the series and my hip is agony",
        "pocketsphinx",
        1,
    )


@pytest.fixture(scope="module")
def sound_alike(skill: Skill) -> SoundAlike:
    return SoundAlike(skill.domain_words, skill.sentences, skill.alarm_words)


def checked_for_a_warning_sign(
    skill: Skill, sound_alike: SoundAlike, pocketsphinx: str, moonshine_words: str, third: Scripted
) -> Transcript:
    """The second opinion's transcript where pocketsphinx was unsure of its words and Moonshine heard others, with
    the sound-alikes of the alarm words checked (Whisper standing in as `third`)."""
    return second_opinion(
        ScriptedPrimary(pocketsphinx, 0.3),
        skill.meaning,
        Scripted(moonshine_words),
        third_opinion=third,
        sound_alike=sound_alike,
        alarm=skill.is_alarm,
    )


@pytest.mark.parametrize(
    ("pocketsphinx", "moonshine_words", "whisper_words"),
    [
        # eSpeak NG en-gb: Moonshine's "foil" for "a fall" made it a question about exercise.
        (
            "i pulled my hip at the on cannot walk",
            "after i foil my hip hurts and i cannot walk",
            "after a fall my hip hurts and i cannot walk",
        ),
        # eSpeak NG en-us, slow: a fever heard as "a femur".
        (
            "is ibuprofen for my hip all some comfy one",
            "his ibuprofen okay for my hip i also have a femur",
            "is ibuprofen okay for my hip i also have a fever",
        ),
    ],
)
def test_a_warning_sign_whose_one_unusual_word_moonshine_misheard_is_answered_from_whispers_words(
    skill: Skill, sound_alike: SoundAlike, pocketsphinx: str, moonshine_words: str, whisper_words: str
) -> None:
    third = Scripted(whisper_words)

    transcript = checked_for_a_warning_sign(skill, sound_alike, pocketsphinx, moonshine_words, third)

    assert skill.meaning(moonshine_words) not in ("urgent_symptoms", "emergency")
    assert (transcript.text, transcript.engine, third.asked) == (whisper_words, "whisper", 1)
    assert skill.meaning(transcript.text) == "urgent_symptoms"


def test_a_look_alike_whose_word_sounds_like_a_warning_sign_keeps_its_own_answer(
    skill: Skill, sound_alike: SoundAlike
) -> None:
    # eSpeak NG en-us, fast: "my heart rate goes up when i run" heard "my heart raped go up when i run"; "raped" sounds
    # like "leaked", which would make it a bladder sign. Whisper hears what was said, and it is no warning sign.
    third = Scripted("my heart rate goes up when i run")

    transcript = checked_for_a_warning_sign(
        skill, sound_alike, "my hip ache go up when i run", "my heart raped go up when i run", third
    )

    assert third.asked == 1
    assert skill.meaning(transcript.text) not in ("urgent_symptoms", "emergency")


def test_words_that_sound_like_no_warning_sign_are_answered_without_waiting_for_whisper(
    skill: Skill, sound_alike: SoundAlike
) -> None:
    third = Scripted("why does sitting still for ages hurt my bottom")

    transcript = checked_for_a_warning_sign(
        skill,
        sound_alike,
        "why does sitting still for ages hurts my bottom",
        "why does sitting still for ages hurt my bottom",
        third,
    )

    assert third.asked == 0
    assert skill.meaning(transcript.text) == "prolonged_sitting.mechanism"


def test_a_session_loads_the_model_once_at_the_start_for_all_its_recognisers(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    model = object()
    monkeypatch.setattr(whisper, "_model", None)
    monkeypatch.setattr(whisper, "_load", lambda: loads.append("loaded") or model)

    WhisperTranscriber(load_now=True)
    WhisperTranscriber(load_now=True)

    assert whisper.shared_model().result(timeout=10) is model
    assert loads == ["loaded"]


def test_a_one_shot_transcriber_leaves_the_model_unloaded_until_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whisper, "_model", None)
    monkeypatch.setattr(whisper, "_load", lambda: pytest.fail("Whisper loaded though nothing was asked of it"))

    WhisperTranscriber()

    assert whisper._model is None

"""Moonshine's next likeliest sentences, taken where the skill refuses its first: only one nearly as likely that
differs in a few words that sound alike, so a real English word heard right never becomes a domain word."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import soundfile
from scripted_primary import ScriptedPrimary, second_opinion

from voice_skill.cli.recognition import add_recogniser_arguments, recognition_settings
from voice_skill.recognition.alternatives import MARGIN, sounds_alike, understood_alternative
from voice_skill.recognition.moonshine import (
    LIKELY_SENTENCES,
    OTHER_SPEEDS,
    SECOND_CHANCES,
    WITH_LIKELY_SENTENCES,
    MoonshineTranscriber,
    SecondChances,
    SecondOpinionRecogniser,
)
from voice_skill.recognition.recogniser import open_recogniser
from voice_skill.skill import Skill

from speech_audio import speak_to_wav

BIRTH = "how do i stop my birth hurting during long exams"
"""Moonshine's words for "how do i stop my butt hurting during long exams" in eSpeak NG en-gb: refused."""

BUTT = "how do i stop my butt hurting during long exams"


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


@pytest.fixture(scope="module")
def transcriber() -> Iterator[MoonshineTranscriber]:
    moonshine = MoonshineTranscriber()
    yield moonshine
    moonshine.close()


def test_an_alternative_nearly_as_likely_that_differs_in_a_misheard_word_is_taken(skill: Skill) -> None:
    # "how do i" (the sentence ended early) is understood too, and likelier, but it only drops words.
    hypotheses = [(BIRTH, -2.0), ("how do i", -2.1), (BUTT, -2.0 - MARGIN + 0.1)]
    assert skill.meaning(BIRTH) is None and skill.meaning("how do i") is not None

    assert understood_alternative(BIRTH, hypotheses, skill.meaning) == (BUTT, "prolonged_sitting.prevention")


@pytest.mark.parametrize(
    ("heard", "hypotheses"),
    [
        # Far less likely than Moonshine's first sentence.
        (BIRTH, [(BIRTH, -2.0), (BUTT, -2.0 - MARGIN - 0.1)]),
        # More words changed than a mishearing of one or two: an emergency made of a question about asthma.
        ("what's causing asthma attacks in kids", [("", -0.5), ("what calls an asthma attack in kids", -1.0)]),
        # The same sounds spelt otherwise: no sign that Moonshine heard another word.
        ("what's the best cushion for a footstool", [("what's the best cushion for a foot stool", -1.0)]),
        # Sentences that end early, or words only added.
        ("what's not for cheap pain", [("what's not for cheap pain", -1.0), ("what's not", -1.2), ("what", -1.3)]),
    ],
)
def test_an_alternative_is_not_taken_outside_the_rule(heard: str, hypotheses: list[Any]) -> None:
    # Every alternative understood and the words heard refused: what the matcher makes of these sentences changes as
    # it learns, the rule must not.
    meaning = {text: "daily_care" for text, _ in hypotheses if text and text != heard}.get

    assert understood_alternative(heard, hypotheses, meaning) is None


def test_words_that_sound_alike_are_few_and_near() -> None:
    assert sounds_alike("what's not for cheap pain", "what's not for hip pain")
    assert not sounds_alike("what's not for cheap pain", "what's not for surgery pain")  # far in sound
    assert not sounds_alike("my hit my gib my tip my cape", "my hip my hip my hip my hip")  # too many


@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en-us+f4"])
@pytest.mark.parametrize("question", ["what causes hiccups", "how do i stop hiccups"])
def test_a_real_english_word_heard_right_stays_refused(
    skill: Skill, transcriber: MoonshineTranscriber, tmp_path: Path, voice: str, question: str
) -> None:
    # Issue 12, item 6: "hiccups" sounds near "hips", but none of Moonshine's likely sentences is a hip question.
    samples, _ = soundfile.read(speak_to_wav(question, tmp_path / "question.wav", voice=voice), dtype="float32")
    heard = transcriber.transcribe(samples)

    assert understood_alternative(heard, transcriber.submit_hypotheses(samples).result(), skill.meaning) is None


def test_a_warning_sign_moonshine_misheard_is_among_its_likely_sentences(
    skill: Skill, transcriber: MoonshineTranscriber, tmp_path: Path
) -> None:
    said = "i think my heart is giving out"
    samples, _ = soundfile.read(speak_to_wav(said, tmp_path / "question.wav", voice="en-us+f4"), dtype="float32")
    heard = transcriber.transcribe(samples)
    hypotheses = transcriber.submit_hypotheses(samples).result()

    assert (heard, skill.meaning(heard)) == ("i think my art is giving out", None)
    assert hypotheses[0][1] >= hypotheses[-1][1] and len(hypotheses) > 1
    assert understood_alternative(heard, hypotheses, skill.meaning) == (said, "emergency")


class HeardWith:
    """Stands in for Moonshine: hears every utterance as `words` (at other speeds too, unless `at_other_speeds`
    says otherwise), with these likely sentences."""

    def __init__(self, words: str, hypotheses: list[tuple[str, float]], at_other_speeds: str | None = None) -> None:
        self.words = words
        self.sentences = hypotheses
        self.at_other_speeds = words if at_other_speeds is None else at_other_speeds
        self.asked = 0
        self.speeds_asked = 0
        self.heard_once = False

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        """The utterance first, then the other speeds; leaning toward the domain words, the utterance's words."""
        future: Future[str] = Future()
        if biased:
            future.set_result(self.words)
            return future
        future.set_result(self.at_other_speeds if self.heard_once else self.words)
        self.speeds_asked += self.heard_once
        self.heard_once = True
        return future

    def transcribe(self, samples: Any) -> str:
        return self.words

    def submit_hypotheses(self, samples: Any) -> Future[list[tuple[str, float]]]:
        self.asked += 1
        future: Future[list[tuple[str, float]]] = Future()
        future.set_result(self.sentences)
        return future

    def stop(self, future: Future[Any]) -> None:
        """Its words are there at once: nothing to stop."""

    def close(self) -> None:
        """Nothing to stop."""


@pytest.mark.parametrize(
    ("moonshine", "answered"),
    [
        (HeardWith(BIRTH, [(BIRTH, -1.0), (BUTT, -1.5)]), (BUTT, "moonshine")),
        (HeardWith(BIRTH, [(BIRTH, -1.0), (BUTT, -1.0 - MARGIN - 0.5)]), ("what is sitting", "pocketsphinx")),
        # Words the skill understands: no likely sentences asked for.
        (HeardWith(BUTT, [(BIRTH, -1.0)]), (BUTT, "moonshine")),
    ],
)
def test_the_second_opinion_answers_an_alternative_only_where_the_skill_refuses_moonshines_words(
    skill: Skill, moonshine: HeardWith, answered: tuple[str, str]
) -> None:
    assert finish(skill, moonshine) == answered
    assert moonshine.asked == (skill.meaning(moonshine.words) is None)


def finish(
    skill: Skill, moonshine: HeardWith, second_chances: tuple[str, ...] = WITH_LIKELY_SENTENCES
) -> tuple[str, str]:
    """What the second opinion answers for an unsure pocketsphinx refusal, Moonshine standing in."""
    primary = ScriptedPrimary("what is sitting", 0.3, seconds=2.0)
    transcript = second_opinion(primary, skill.meaning, moonshine, second_chances=second_chances)
    return transcript.text, transcript.engine


def test_an_alternative_among_the_likely_sentences_is_answered_without_hearing_other_speeds(skill: Skill) -> None:
    moonshine = HeardWith(BIRTH, [(BIRTH, -1.0), (BUTT, -1.5)], at_other_speeds=BIRTH)

    assert finish(skill, moonshine) == (BUTT, "moonshine")
    assert (moonshine.asked, moonshine.speeds_asked) == (1, 0)


def test_other_speeds_are_heard_only_when_no_likely_sentence_is_taken(skill: Skill) -> None:
    moonshine = HeardWith(BIRTH, [(BIRTH, -1.0), (BUTT, -1.0 - MARGIN - 0.5)], at_other_speeds=BUTT)

    assert finish(skill, moonshine) == (BUTT, "moonshine")
    assert moonshine.asked == 1 and moonshine.speeds_asked == 2  # the first stage's two agreed


@pytest.mark.parametrize(
    ("second_chances", "answered", "asked"),
    [
        ((), ("what is sitting", "pocketsphinx"), (0, 0)),
        ((OTHER_SPEEDS,), (BUTT, "moonshine"), (0, 2)),
        ((OTHER_SPEEDS, LIKELY_SENTENCES), (BUTT, "moonshine"), (0, 2)),
        ((LIKELY_SENTENCES,), ("what is sitting", "pocketsphinx"), (1, 0)),
    ],
)
def test_the_second_chances_are_those_asked_for_in_their_order(
    skill: Skill, second_chances: tuple[str, ...], answered: tuple[str, str], asked: tuple[int, int]
) -> None:
    moonshine = HeardWith(BIRTH, [(BIRTH, -1.0)], at_other_speeds=BUTT)

    assert finish(skill, moonshine, second_chances) == answered
    assert (moonshine.asked, moonshine.speeds_asked) == asked


class Chance:
    """A second chance whose answer is set by the test."""

    def __init__(self, made: list[Chance], answer: tuple[str, str | None]) -> None:
        made.append(self)
        self.given = answer
        self.answer: tuple[str, str | None] | None = None
        self.stopped = False

    def follow(self) -> None:
        """Nothing comes without waiting."""

    def result(self) -> tuple[str, str | None]:
        self.answer = self.given
        return self.given

    def stop(self) -> None:
        self.stopped = True


def test_second_chances_start_one_at_a_time_and_the_first_meaning_ends_them() -> None:
    made: list[Chance] = []
    chances = SecondChances(
        [
            lambda: Chance(made, ("", None)),
            lambda: Chance(made, ("what is sciatica", "sciatica")),
            lambda: Chance(made, ("what is a disc", "disc_herniation")),
        ]
    )

    assert len(made) == 1  # started at once; the next waits for it
    chances.follow()
    assert len(made) == 1
    assert chances.result() == ("what is sciatica", "sciatica")
    assert len(made) == 2


def test_stopping_second_chances_stops_the_one_running_and_starts_no_other() -> None:
    made: list[Chance] = []
    chances = SecondChances([lambda: Chance(made, ("", None)), lambda: Chance(made, ("what is sciatica", "sciatica"))])

    chances.stop()

    assert [chance.stopped for chance in made] == [True]
    assert chances.result() == ("", None)
    assert len(made) == 1


@pytest.mark.parametrize(
    ("options", "second_chances"),
    [
        ([], SECOND_CHANCES),
        (["--likely-sentences"], WITH_LIKELY_SENTENCES),
        (["--no-second-chances"], ()),
        (["--no-second-chances", "--likely-sentences"], ()),
    ],
)
def test_the_second_chances_are_chosen_on_the_command_line(
    skill: Skill, options: list[str], second_chances: tuple[str, ...]
) -> None:
    parser = argparse.ArgumentParser()
    add_recogniser_arguments(parser)
    settings = recognition_settings(parser.parse_args(["--engine", "pocketsphinx", *options]))

    recogniser = open_recogniser(skill.sentences, settings, skill.meaning, skill.domain_words)
    recogniser.close()  # type: ignore[attr-defined]

    assert isinstance(recogniser, SecondOpinionRecogniser)
    assert tuple(recogniser.second_chances) == second_chances


def test_by_default_the_likely_sentences_are_not_asked_for(skill: Skill) -> None:
    # Their beam search makes refusals slower (benchmarks/listen_latency.py): an option, not the default.
    moonshine = HeardWith(BIRTH, [(BIRTH, -1.0), (BUTT, -1.5)], at_other_speeds=BIRTH)

    assert finish(skill, moonshine, SECOND_CHANCES) == ("what is sitting", "pocketsphinx")
    assert (moonshine.asked, moonshine.speeds_asked) == (0, 2)


def test_an_alternative_that_only_spells_a_likelier_refused_sentence_otherwise_is_not_taken() -> None:
    # As Moonshine's likely sentences for "what's the best seat on a plane for legroom" in eSpeak NG en-us+f4 were
    # ("leg room" understood, "legroom" not, before the topic model learnt the dev paraphrases): a compound spelt
    # apart is understood, spelt whole it is not, and nothing was misheard.
    heard = "what's the best cushion for the footstool"
    spelt = "what's the best cushion for a footstool"
    apart = "what's the best cushion for a foot stool"
    meaning = {apart: "daily_care"}.get

    assert understood_alternative(heard, [(spelt, -3.0), (heard, -3.8), (apart, -4.6)], meaning) is None
    assert understood_alternative(heard, [(heard, -3.8), (apart, -4.6)], meaning) == (apart, "daily_care")

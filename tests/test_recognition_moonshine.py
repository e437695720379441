"""Moonshine base English, whose model files moonshine-cpp bundles: as an engine of its own and as the second opinion that
pocketsphinx asks unless it is sure of words the skill understands."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from scripted_primary import ScriptedPrimary, second_opinion

from voice_skill.audio.endpointer import END_SILENCE
from voice_skill.audio.source import FileAudioSource
from voice_skill.errors import EngineUnavailableError
from voice_skill.recognition import moonshine
from voice_skill.recognition.moonshine import (
    FAIRLY_SURE,
    OTHER_SPEEDS,
    QUIET_KEPT,
    SECOND_OPINION_SECONDS,
    SPEED_STAGES,
    SURE,
    UNSURE,
    DomainWords,
    MoonshineTranscriber,
    SecondOpinionRecogniser,
    _Request,
    at_speed,
    padded,
    pcm_to_samples,
    spoken_part,
    words,
)
from voice_skill.recognition.moonshine_model import onnx_folder
from voice_skill.recognition.pocketsphinx import PocketsphinxRecogniser
from voice_skill.skill import Skill

from conftest import run_cli
from speech_audio import concatenate, silence, speak_to_wav

BLOCK = 480 * 2
"""30 ms of 16 kHz PCM, the block `listen` feeds."""


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


class ScriptedMoonshine:
    """Stands in for MoonshineTranscriber: answers from another thread after `delay` seconds, with words that
    name the length of the audio it was given (so a test sees which audio was transcribed), noting every request."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.requests: list[tuple[Any, Future[str]]] = []
        self.stopped: list[Future[Any]] = []

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        future: Future[str] = Future()
        self.requests.append((samples, future))

        def answer() -> None:
            time.sleep(self.delay)
            if future.set_running_or_notify_cancel():
                future.set_result(f"words {len(samples)}")

        threading.Thread(target=answer, daemon=True).start()
        return future

    def transcribe(self, samples: Any) -> str:
        return self.submit(samples).result()

    def submit_hypotheses(self, samples: Any) -> Future[list[tuple[str, float]]]:
        future: Future[list[tuple[str, float]]] = Future()
        future.set_result([(f"words {len(samples)}", 0.0)])
        return future

    def stop(self, future: Future[Any]) -> None:
        self.stopped.append(future)
        future.cancel()

    def close(self) -> None:
        """Nothing to stop."""

    def decoded(self) -> list[Any]:
        """The audio of the requests that were not stopped."""
        return [samples for samples, future in self.requests if future not in self.stopped]


def scripted(skill: Skill, delay: float = 0.0) -> tuple[SecondOpinionRecogniser, ScriptedMoonshine]:
    """Pocketsphinx, whose words are never understood here, with a scripted Moonshine whose words always are."""
    primary = PocketsphinxRecogniser(skill.sentences)
    stand_in = ScriptedMoonshine(delay)
    recogniser = SecondOpinionRecogniser(
        primary,
        lambda: primary.last_utterance,
        lambda text: text if text.startswith("words") else None,
        transcriber=stand_in,
    )
    return recogniser, stand_in


def question_then_silence(tmp_path: Path, *texts: str, pause: float = 0.0, voice: str = "en-us") -> bytes:
    """PCM of the texts spoken with `pause` seconds between them, then 1.5 s of silence (more than the endpointer
    waits)."""
    parts = []
    for number, text in enumerate(texts):
        if number:
            parts.append(silence(tmp_path / f"pause-{number}.wav", pause))
        parts.append(speak_to_wav(text, tmp_path / f"part-{number}.wav", voice=voice))
    parts.append(silence(tmp_path / "after.wav", 1.5))
    audio = concatenate(tmp_path / "question.wav", *parts)
    return b"".join(FileAudioSource(audio))


def fed_in_blocks(recogniser: Any, pcm: bytes, block: int = BLOCK) -> list[tuple[int | None, Any]]:
    """Feed PCM block by block as `listen` does; the finals with the block each came at."""
    finals: list[tuple[int | None, Any]] = []
    for number, start in enumerate(range(0, len(pcm), block)):
        transcript = recogniser.accept(pcm[start : start + block])
        if transcript is not None:
            finals.append((number, transcript))
    last = recogniser.finish()
    if last.text:
        finals.append((None, last))
    return finals


def test_words_are_spelled_as_the_other_engines_spell_them() -> None:
    assert words("What's sciatica? It’s a pain.") == "what's sciatica it's a pain"


def test_one_worker_transcribes_in_memory_audio_call_after_call_without_growing(tmp_path: Path) -> None:
    # moonshine-cpp's own library grew by about 34 MB a call, so its worker had to be replaced every 8 calls.
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav", voice="en-gb")
    samples, _ = soundfile.read(question, dtype="float32")
    transcriber = MoonshineTranscriber()
    worker = transcriber._worker
    assert worker is not None
    heard = [transcriber.transcribe(samples)]
    settled = resident_megabytes(worker.pid)
    heard += [transcriber.transcribe(samples) for _ in range(10)]
    grown = resident_megabytes(worker.pid) - settled
    transcriber.close()

    assert set(heard) == {"what is sciatica"}
    assert transcriber._worker is None and worker.returncode is not None, "close() ends the one worker"
    assert grown < 20, f"the worker grew by {grown:.0f} MB over 10 calls"
    assert transcriber.transcribe(np.zeros(100, dtype=np.float32)) == "", "too short to hold a word"


def resident_megabytes(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def test_speech_that_starts_at_once_is_still_heard(tmp_path: Path) -> None:
    # eSpeak NG's files start with the first word; given them as they are, Moonshine returned no words at all
    # for this question (and for 14 of 48 paraphrases in this voice).
    question = speak_to_wav("does slouching on the sofa hurt my hips", tmp_path / "question.wav", voice="en-us+f4")
    samples, _ = soundfile.read(question, dtype="float32")
    transcriber = MoonshineTranscriber()

    heard = transcriber.transcribe(samples)
    transcriber.close()

    assert "slouching" in heard.split()


def test_a_worker_that_dies_is_one_clear_error(tmp_path: Path) -> None:
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav", voice="en-gb")
    samples, _ = soundfile.read(question, dtype="float32")
    transcriber = MoonshineTranscriber()
    worker = transcriber._worker
    assert worker is not None
    decoding = transcriber.submit(samples)
    while not decoding.running() and not decoding.done():
        time.sleep(0.001)
    worker.kill()

    with pytest.raises(EngineUnavailableError, match="Moonshine stopped"):
        decoding.result()
    assert transcriber.transcribe(samples) == "what is sciatica", "the next call starts a new worker"
    transcriber.close()


def test_a_worker_stopped_while_writing_its_onnx_form_leaves_nothing_in_the_cache() -> None:
    # A command that needs no second opinion does not wait for the worker's load: the first start's ONNX form
    # (moonshine_model.onnx_form) is cut off half written.
    transcriber = MoonshineTranscriber()
    folder = onnx_folder()
    deadline = time.monotonic() + 60
    while not list(folder.glob("*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(folder.glob("*.tmp")), "the worker began writing"

    transcriber.close()

    assert list(folder.glob("*.tmp")) == []


def test_moonshine_as_the_engine_answers_a_spoken_question(tmp_path: Path) -> None:
    question = speak_to_wav("how can i prevent osteoporosis", tmp_path / "question.wav", voice="en-gb")

    result = run_cli("ask", "--engine", "moonshine", "--audio", str(question), "--json")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["engine"], answer["intent"]) == ("moonshine", "osteoporosis.prevention")
    assert "Moonshine" in result.stderr.splitlines()[0]


def test_words_pocketsphinx_mishears_get_a_second_opinion(tmp_path: Path) -> None:
    # Held-out wording in eSpeak NG's British voice: pocketsphinx, restricted to the topics' sentences, hears "the
    # seat got when", refused, and "what do you do for my bottom my foot", answered as daily care; Moonshine hears
    # the words that were said.
    incontinent = speak_to_wav("i'm incontinent since my back went", tmp_path / "incontinent.wav", voice="en-gb")
    leg = speak_to_wav("the pain goes from my bum to my foot", tmp_path / "leg.wav", voice="en-gb")

    result = run_cli("ask", "--audio", str(incontinent), str(leg), "--json")

    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [answer["intent"].split(".")[0] for answer in answers] == ["urgent_symptoms", "sciatica"]
    assert {answer["engine"] for answer in answers} == {"moonshine"}
    assert "second opinion" in result.stderr.splitlines()[0]

    alone = run_cli("ask", "--no-second-opinion", "--audio", str(incontinent), str(leg), "--json")

    assert [json.loads(line)["engine"] for line in alone.stdout.splitlines()] == ["pocketsphinx"] * 2


def test_a_warning_sign_pocketsphinx_takes_for_another_question_gets_moonshines_words(tmp_path: Path) -> None:
    # Fast eSpeak NG: pocketsphinx, restricted to the topics' sentences, hears "can you repeat that", a question
    # the skill understands, so Moonshine was never asked and a warning sign was answered with a repetition.
    question = speak_to_wav(
        "i can't urinate and my back hurts", tmp_path / "question.wav", voice="en-us", words_per_minute=200
    )

    alone = run_cli("ask", "--no-second-opinion", "--audio", str(question), "--json")
    result = run_cli("ask", "--audio", str(question), "--json")

    assert json.loads(alone.stdout)["intent"] == "repeat"
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["intent"], answer["engine"]) == ("urgent_symptoms", "moonshine")


@pytest.mark.parametrize(
    ("confidence", "answered"),
    [(SURE, ("what is sciatica", "pocketsphinx")), (SURE - 0.2, ("words 16000", "moonshine"))],
)
def test_moonshine_is_asked_unless_pocketsphinx_is_sure_of_words_the_skill_understands(
    confidence: float, answered: tuple[str, str]
) -> None:
    primary = ScriptedPrimary("what is sciatica", confidence)
    stand_in = ScriptedMoonshine()
    recogniser = SecondOpinionRecogniser(
        primary,
        lambda: primary.last_utterance,
        lambda text: text,
        transcriber=stand_in,
    )

    transcript = recogniser.finish()

    assert (transcript.text, transcript.engine) == answered
    assert recogniser.asked == (answered[1] == "moonshine")
    assert len(stand_in.decoded()) == recogniser.asked, "the speeds started with it were stopped"


@pytest.mark.parametrize(
    ("confidence", "moonshines_meaning", "answered"),
    [
        (FAIRLY_SURE, "improper_exercise", "pocketsphinx"),
        (FAIRLY_SURE - 0.05, "improper_exercise", "moonshine"),
        (FAIRLY_SURE, "urgent_symptoms", "moonshine"),
    ],
)
def test_pocketsphinxs_fairly_sure_words_stand_against_moonshines_other_question_unless_it_is_a_warning_sign(
    confidence: float, moonshines_meaning: str, answered: str
) -> None:
    # Pocketsphinx heard "does slouching on the sofa hurt my hips" word for word (0.88), Moonshine "thus slouching
    # on the sofa ...", which the skill took for an exercise question.
    primary = ScriptedPrimary("does slouching on the sofa hurt my hips", confidence)
    meanings = {"does slouching on the sofa hurt my hips": "daily_care", "words 16000": moonshines_meaning}

    transcript = second_opinion(primary, meanings.get, ScriptedMoonshine())

    assert transcript.engine == answered


@pytest.mark.parametrize(("confidence", "second_chances"), [(FAIRLY_SURE, False), (FAIRLY_SURE - 0.05, True)])
def test_an_answer_on_pocketsphinxs_fairly_sure_words_does_not_wait_for_moonshines_second_chances(
    confidence: float, second_chances: bool
) -> None:
    primary = ScriptedPrimary("what is sciatica", confidence)
    stand_in = ScriptedMoonshine(delay=0.05)

    transcript = second_opinion(primary, {"what is sciatica": "sciatica"}.get, stand_in)

    assert (transcript.text, transcript.engine) == ("what is sciatica", "pocketsphinx")
    assert (len(stand_in.decoded()) > 1) == second_chances, "the other speeds were stopped, not waited for"


class RepairedTo:
    """Stands in for the sound-alike check: puts the domain words back as `repaired`."""

    def __init__(self, repaired: str) -> None:
        self.repaired = repaired

    def words(self, audio: bytes, heard: str) -> str:
        return self.repaired

    def one_word_repairs(self, heard: str) -> list[str]:
        return [self.repaired]

    def near_alarm_words(self, word: str) -> tuple[str, ...]:
        return ()


class ScoringMoonshine(ScriptedMoonshine):
    """ScriptedMoonshine that also scores sentences (each as likely), noting the sentences it was asked to score."""

    def __init__(self) -> None:
        super().__init__()
        self.scored: list[Sequence[str]] = []

    def submit_scores(self, samples: Any, sentences: Sequence[str]) -> Future[list[float]]:
        self.scored.append(sentences)
        future: Future[list[float]] = Future()
        future.set_result([0.0] * len(sentences))
        return future


@pytest.mark.parametrize(("confidence", "scored"), [(FAIRLY_SURE, False), (FAIRLY_SURE - 0.05, True)])
def test_an_answer_on_pocketsphinxs_fairly_sure_words_does_not_wait_for_moonshine_to_score_a_repair(
    confidence: float, scored: bool
) -> None:
    # Moonshine heard "gib" for "hip": the repair means another question than pocketsphinx's, which only a warning
    # sign would be taken for, so Moonshine's scoring of it would change nothing.
    primary = ScriptedPrimary("what is sciatica", confidence)
    stand_in = ScoringMoonshine()
    meanings = {"what is sciatica": "sciatica", "what causes pain in my hip": "causes_overview"}

    transcript = second_opinion(
        primary, meanings.get, stand_in, sound_alike=RepairedTo("what causes pain in my hip"), second_chances=()
    )

    assert bool(stand_in.scored) == scored
    assert transcript.engine == ("moonshine" if scored else "pocketsphinx")


@pytest.mark.parametrize("heard", ["words 16000", "words that mean the same"])
def test_moonshines_words_that_mean_the_same_keep_pocketsphinxs_transcript(heard: str) -> None:
    primary = ScriptedPrimary(heard, 0.5)
    recogniser = SecondOpinionRecogniser(
        primary,
        lambda: primary.last_utterance,
        lambda text: "sciatica" if text.startswith("words") else None,
        transcriber=ScriptedMoonshine(),
    )

    transcript = recogniser.finish()

    assert recogniser.asked
    assert (transcript.text, transcript.engine, transcript.asr_confidence) == (heard, "pocketsphinx", 0.5)


@pytest.mark.parametrize(
    ("seconds", "understood", "answered"),
    [(4.0, "sciatica", "pocketsphinx"), (12.0, "sciatica", "moonshine"), (12.0, "urgent_symptoms", "pocketsphinx")],
)
def test_moonshines_refusal_of_speech_longer_than_a_question_stands_against_pocketsphinxs_unsure_words(
    seconds: float, understood: str, answered: str
) -> None:
    # A talk read aloud: pocketsphinx turns it into the skill's words but keeps its small words, so the two
    # engines' sentences share words; in a question-long utterance that keeps pocketsphinx's words.
    primary = ScriptedPrimary("words you can do for your hip", UNSURE + 0.1, seconds)
    stand_in = ScriptedMoonshine()

    transcript = second_opinion(primary, lambda text: understood if "hip" in text else None, stand_in)

    assert transcript.engine == answered
    first_heard = stand_in.requests[0][0]
    assert len(first_heard) == 16000 * min(seconds, SECOND_OPINION_SECONDS), "Moonshine hears its first seconds"


def test_moonshine_hears_the_speech_a_little_quiet_and_at_least_a_second() -> None:
    second = 32000
    question = bytes(3 * second)
    quiet = second // 2

    assert len(spoken_part(question, quiet)) == len(question) - quiet + round(QUIET_KEPT * second)
    assert len(spoken_part(question, 0)) == len(question), "no quiet yet: all of it"
    # A one-word "stop": Moonshine often hears nothing in less than a second.
    word = bytes(second // 2 + quiet)
    assert len(spoken_part(word, quiet)) == second
    assert spoken_part(word[:-1000], quiet - 1000) == word[:-1000], "all there is, when that is less"


def test_moonshine_starts_during_the_endpointers_wait_on_the_audio_it_is_asked_about(
    skill: Skill, tmp_path: Path
) -> None:
    recogniser, stand_in = scripted(skill, delay=0.2)
    pcm = question_then_silence(tmp_path, "what causes pain in my hip")
    asked_at = None
    for number, start in enumerate(range(0, len(pcm), BLOCK)):
        transcript = recogniser.accept(pcm[start : start + BLOCK])
        if stand_in.requests and asked_at is None:
            asked_at = number
        if transcript is not None:
            break
    else:
        pytest.fail("the question never ended")

    primary = recogniser.primary
    assert len(stand_in.decoded()) == 1, "one early start, and its words were used: no second decoding"
    assert asked_at is not None and (number - asked_at) * 0.03 >= END_SILENCE - QUIET_KEPT - 0.05, (
        "Moonshine started while the endpointer was still waiting for the end of the question"
    )
    audio = pcm_to_samples(spoken_part(primary.last_utterance, primary.last_quiet))
    assert np.array_equal(stand_in.requests[0][0], audio), "the early start had all the audio Moonshine hears"
    assert (transcript.text, transcript.engine) == (f"words {len(audio)}", "moonshine")
    assert recogniser.asked


def test_speech_that_resumes_after_a_pause_drops_the_early_start(skill: Skill, tmp_path: Path) -> None:
    recogniser, stand_in = scripted(skill, delay=0.5)
    pcm = question_then_silence(tmp_path, "what causes", "pain in my hip", pause=0.05)

    finals = fed_in_blocks(recogniser, pcm)

    assert len(finals) == 1, "the pause is shorter than the endpointer's wait: one question"
    transcript = finals[0][1]
    primary = recogniser.primary
    audio = pcm_to_samples(spoken_part(primary.last_utterance, primary.last_quiet))
    decoded = stand_in.decoded()
    pause_start, dropped = stand_in.requests[0]
    assert len(pause_start) < len(audio) and dropped in stand_in.stopped, "an early start in the pause, dropped"
    assert len(decoded) == 1 and np.array_equal(decoded[0], audio), "the one decoding used: the whole question"
    assert transcript.text == f"words {len(audio)}", "the words of the whole question"


@pytest.mark.parametrize("delay", [0.0, 0.8])
def test_the_words_do_not_depend_on_how_fast_moonshine_answers(skill: Skill, tmp_path: Path, delay: float) -> None:
    pcm = question_then_silence(tmp_path, "what causes", "pain in my hip", pause=0.05)
    heard = {}
    for label, wait in (("instant", 0.0), ("slow", delay)):
        recogniser, _ = scripted(skill, delay=wait)
        heard[label] = [transcript.text for _, transcript in fed_in_blocks(recogniser, pcm)]

    assert heard["instant"] == heard["slow"]


def test_the_same_recording_gets_the_same_second_opinion_early_or_late(skill: Skill, tmp_path: Path) -> None:
    # Held-out wording pocketsphinx mishears (see the test below): Moonshine is asked. Fed in 30 ms blocks,
    # Moonshine starts during the endpointer's wait; fed in one block, only once pocketsphinx has finished.
    pcm = question_then_silence(tmp_path, "burning pain down my thigh from my buttock", voice="en-gb")
    primary = PocketsphinxRecogniser(skill.sentences)
    recogniser = SecondOpinionRecogniser(primary, lambda: primary.last_utterance, skill.meaning)

    early = fed_in_blocks(recogniser, pcm)
    late = fed_in_blocks(recogniser, pcm, block=len(pcm))
    recogniser.close()

    assert [(t.text, t.engine) for _, t in early] == [(t.text, t.engine) for _, t in late]
    assert early[0][1].engine == "moonshine"
    assert early[0][1].text == "burning pain down my thigh from my buttock"


def test_closing_in_the_middle_of_a_decoding_leaves_no_process_and_drops_what_waits(tmp_path: Path) -> None:
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav", voice="en-gb")
    samples, _ = soundfile.read(question, dtype="float32")
    transcriber = MoonshineTranscriber()
    worker = transcriber._worker
    decoding = transcriber.submit(np.tile(samples, 3))
    waiting = transcriber.submit(samples)

    transcriber.close()

    assert worker is not None and worker.returncode is not None, "the worker was ended"
    assert transcriber._worker is None and transcriber._writer is None
    for request in (decoding, waiting):
        assert request.cancelled() or isinstance(request.exception(), EngineUnavailableError), "dropped"
    assert transcriber.transcribe(samples) == "what is sciatica", "a later request starts a new worker"
    transcriber.close()


class SpeedDependentMoonshine(ScriptedMoonshine):
    """Hears a second of audio (16000 samples) as refused words, and other lengths (other speeds) as `at_speed`
    says: the words for the length, or refused words."""

    def __init__(self, at_speed: dict[int, str]) -> None:
        super().__init__()
        self.at_speed = at_speed

    def heard(self, samples: Any) -> str:
        return self.at_speed.get(len(samples), "something else entirely")

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        future: Future[str] = Future()
        self.requests.append((samples, future))
        future.set_result(self.heard(samples))
        return future


class DecodedWhenWaitedFor(Future[Any]):
    def __init__(self, heard: Any) -> None:
        super().__init__()
        self.heard = heard

    def result(self, timeout: float | None = None) -> Any:
        if not self.done() and self.set_running_or_notify_cancel():
            self.set_result(self.heard)
        return super().result(timeout)


def length_at(speed: float) -> int:
    return round(16000 / speed)


SCIATICA = "what is sciatica"
BURSITIS = "what is bursitis"


@pytest.mark.parametrize(
    ("at_speed", "answered", "stages"),
    [
        # The first stage's two speeds agree: the second is never decoded.
        ({length_at(0.9): SCIATICA, length_at(0.95): SCIATICA}, SCIATICA, 1),
        # One speed of each stage: both stages.
        ({length_at(0.9): SCIATICA, length_at(1.05): SCIATICA}, SCIATICA, 2),
        # One speed alone, or two that disagree, is no answer.
        ({length_at(0.9): SCIATICA}, "something else entirely", 2),
        ({length_at(0.9): SCIATICA, length_at(1.1): BURSITIS}, "something else entirely", 2),
        # The first stage finds no meaning at all: the second is not decoded, whatever it would have heard.
        ({length_at(1.1): SCIATICA, length_at(1.05): SCIATICA}, "something else entirely", 1),
    ],
)
@pytest.mark.parametrize("started_early", [0, 1, 2])
def test_refused_words_are_heard_again_at_other_speeds_until_two_agree(
    at_speed: dict[int, str], answered: str, stages: int, started_early: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moonshine, "STAGES_STARTED_EARLY", started_early)
    primary = ScriptedPrimary("what causes hip pain", 0.3)
    meanings = {SCIATICA: "sciatica", BURSITIS: "bursitis", "what causes hip pain": "causes"}
    stand_in = SpeedDependentMoonshine(at_speed)
    recogniser = SecondOpinionRecogniser(
        primary, lambda: primary.last_utterance, meanings.get, transcriber=stand_in, second_chances=(OTHER_SPEEDS,)
    )

    transcript = recogniser.finish()

    if answered == SCIATICA:
        assert (transcript.text, transcript.engine) == (answered, "moonshine")
    else:
        assert transcript.engine == "pocketsphinx"
    assert [len(samples) for samples in stand_in.decoded()[1:]] == [
        length_at(speed) for stage in SPEED_STAGES[:stages] for speed in stage
    ], "the stages decoded; one started before it was known to be needed, stopped once it could not change the answer"


class SlowFirstDecoding(ScriptedMoonshine):
    """Hears the first utterance it is given as `first` and every later one (the other speeds) as "what is
    sciatica"; the first decoding ends only when its words are waited for, as a worker still decoding would, and
    the speeds only once the domain words' decoding is asked for."""

    def __init__(self, first: str) -> None:
        super().__init__()
        self.first = first
        self.biased: list[Future[str]] = []
        """The decodings leaned toward the domain words, which hear `first` again."""
        self.speeds_done_when_biased: list[bool] = []
        """For each of them, whether the speeds' words had all come when it was asked for."""

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        if biased:
            # The speeds are still decoding when it is asked for; their words come right after.
            self.speeds_done_when_biased.append(all(future.done() for _, future in self.requests[1:]))
            for _, speed in self.requests[1:]:
                if speed.set_running_or_notify_cancel():
                    speed.set_result(SCIATICA)
            self.biased.append(Future())
            self.biased[-1].set_result(self.first)
            return self.biased[-1]
        future: Future[str] = DecodedWhenWaitedFor(self.first) if not self.requests else Future()
        self.requests.append((samples, future))
        return future


def speeds_asked_during_the_wait(skill: Skill, tmp_path: Path, first: str) -> tuple[Any, SlowFirstDecoding, int]:
    """A question fed in blocks to pocketsphinx (whose words are never understood here) with SlowFirstDecoding
    as Moonshine: the final transcript, the stand-in, and how many blocks before the end of the question the
    speeds were asked for."""
    primary = PocketsphinxRecogniser(skill.sentences)
    stand_in = SlowFirstDecoding(first)
    meanings = {SCIATICA: "sciatica", BURSITIS: "bursitis"}
    recogniser = SecondOpinionRecogniser(primary, lambda: primary.last_utterance, meanings.get, transcriber=stand_in)
    pcm = question_then_silence(tmp_path, "what causes pain in my hip")
    speeds_at = None
    for number, start in enumerate(range(0, len(pcm), BLOCK)):
        transcript = recogniser.accept(pcm[start : start + BLOCK])
        if len(stand_in.requests) > 1 and speeds_at is None:
            speeds_at = number
        if transcript is not None:
            return transcript, stand_in, number - (number if speeds_at is None else speeds_at)
    pytest.fail("the question never ended")


def test_the_speeds_start_with_the_first_decoding_during_the_endpointers_wait(skill: Skill, tmp_path: Path) -> None:
    transcript, stand_in, blocks_before = speeds_asked_during_the_wait(skill, tmp_path, "something else entirely")

    guess = stand_in.requests[0][0]
    assert [len(samples) for samples, _ in stand_in.requests[1:]] == [
        round(len(guess) / speed) for speed in SPEED_STAGES[0]
    ], "the first stage's speeds, of the audio Moonshine was first given"
    assert blocks_before * 0.03 >= END_SILENCE - QUIET_KEPT - 0.05, (
        "the speeds were asked for while the first decoding went on, before the endpointer's wait was over"
    )
    assert (transcript.text, transcript.engine) == (SCIATICA, "moonshine"), "two speeds agree: their words"


def test_the_domain_words_decoding_starts_beside_the_speeds_once_the_words_are_refused(
    skill: Skill, tmp_path: Path
) -> None:
    transcript, stand_in, _ = speeds_asked_during_the_wait(skill, tmp_path, "something else entirely")

    assert stand_in.speeds_done_when_biased == [False], "asked for once, while the speeds were still decoding"
    assert stand_in.biased == stand_in.stopped, "stopped: the speeds agreed, so the domain words were not needed"
    assert (transcript.text, transcript.engine) == (SCIATICA, "moonshine"), "the speeds' words, as before"


def test_speeds_started_early_are_stopped_and_unused_when_the_first_words_are_understood(
    skill: Skill, tmp_path: Path
) -> None:
    transcript, stand_in, blocks_before = speeds_asked_during_the_wait(skill, tmp_path, BURSITIS)

    assert blocks_before > 0, "the speeds had started"
    assert (transcript.text, transcript.engine) == (BURSITIS, "moonshine")
    assert [future for _, future in stand_in.requests[1:]] == stand_in.stopped, "the speeds were stopped"


def test_a_recording_played_faster_is_shorter_and_higher() -> None:
    tone = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)

    faster = at_speed(tone, 1.1)

    assert len(faster) == round(16000 / 1.1)
    assert abs(np.argmax(np.abs(np.fft.rfft(faster))) * 16000 / len(faster) - 484) < 2


def test_an_utterance_that_got_no_words_is_asked_once_more_after_leading_silence(tmp_path: Path) -> None:
    # Moonshine often hears nothing in speech that starts at once (LEADING_SILENCE); the worker is real, its first
    # empty answer is handed to the transcriber as the worker would hand it.
    samples = soundfile.read(speak_to_wav("what is sciatica", tmp_path / "q.wav", voice="en-gb"), dtype="float32")[0]
    transcriber = MoonshineTranscriber()
    after_silence = transcriber.transcribe(padded(samples))
    asked: Future[str] = Future()

    transcriber._answered(_Request(samples, asked, False, samples), [""])
    heard = asked.result(timeout=60)
    likely = transcriber.submit_hypotheses(samples).result()
    transcriber.close()

    assert heard == after_silence != "", "its words are those heard after the silence"
    assert likely[0][0] == heard, "its likely sentences are asked for after the same silence"


def test_utterances_decoded_together_get_the_words_they_get_alone_and_a_stopped_one_ends_early(
    tmp_path: Path,
) -> None:
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav", voice="en-gb")
    other = speak_to_wav("my hip hurts when i walk", tmp_path / "other.wav", voice="en-gb")
    samples = [soundfile.read(path, dtype="float32")[0] for path in (question, other)]
    long_speech = np.concatenate([samples[1]] * 3)
    transcriber = MoonshineTranscriber()
    alone = [transcriber.transcribe(utterance) for utterance in samples]
    whole = transcriber.transcribe(long_speech)

    together = [decoding.result() for decoding in [transcriber.submit(utterance) for utterance in samples]]
    stopped = transcriber.submit(long_speech)
    while not stopped.running():
        time.sleep(0.001)
    transcriber.stop(stopped)
    after = transcriber.transcribe(samples[0])
    stopped.result()
    transcriber.close()

    assert together == alone == ["what is sciatica", "my hip hurts when i walk"]
    assert len(whole.split()) > len(alone[1].split()) * 2
    assert len(stopped.result().split()) < len(whole.split()), "stopped before or in the middle of its decoding"
    assert after == "what is sciatica", "the next request is answered as if nothing had been stopped"


def test_a_request_waiting_behind_another_is_stopped_and_the_other_still_goes() -> None:
    transcriber = MoonshineTranscriber()
    with transcriber._lock:
        # The writer is held busy, so both requests wait in the outbox as they do when the pipe is full.
        transcriber._writer = threading.current_thread()
    first = transcriber.submit(np.zeros(24462, dtype=np.float32))
    second = transcriber.submit(np.zeros(22016, dtype=np.float32))

    transcriber.stop(second)
    waiting = [request.future for _, request in transcriber._outbox]
    transcriber._writer = None
    transcriber.close()

    assert second.cancelled(), "the stopped request is never decoded"
    assert waiting == [first], "the request ahead of it still goes to the worker"


def test_the_worker_scores_sentences_on_the_audio_moonshine_heard_them_in(tmp_path: Path) -> None:
    samples = soundfile.read(speak_to_wav("what is sciatica", tmp_path / "q.wav", voice="en-gb"), dtype="float32")[0]
    transcriber = MoonshineTranscriber()
    heard = transcriber.transcribe(samples)
    scores = transcriber.submit_scores(samples, [heard, "what is sciatic", "what is ultimate"]).result()
    short = transcriber.submit_scores(samples[:800], [heard]).result()
    transcriber.close()

    assert heard == "what is sciatica"
    assert scores[0] > scores[1] and scores[0] > scores[2] and len(scores) == 3
    assert short == [-float("inf")], "too short to be heard"


def test_a_beam_search_in_the_worker_gives_the_likely_sentences_and_a_stopped_one_ends_early(tmp_path: Path) -> None:
    question = speak_to_wav("my hip hurts when i walk", tmp_path / "question.wav", voice="en-gb")
    samples = soundfile.read(question, dtype="float32")[0]
    long_speech = np.concatenate([samples] * 3)
    transcriber = MoonshineTranscriber()
    heard = transcriber.transcribe(samples)
    likely = transcriber.submit_hypotheses(samples).result()
    whole = transcriber.submit_hypotheses(long_speech).result()
    stopped = transcriber.submit_hypotheses(long_speech)
    while not stopped.running():
        time.sleep(0.001)
    transcriber.stop(stopped)
    after = transcriber.transcribe(samples)
    stopped.result()
    transcriber.close()

    assert likely[0][0] == heard == "my hip hurts when i walk" and len(likely) > 1
    longest = [max((len(s.split()) for s, _ in sentences), default=0) for sentences in (stopped.result(), whole)]
    assert longest[0] < longest[1], "stopped before or in the middle of its search"
    assert after == heard, "the next request is answered as if nothing had been stopped"


class HeardBiased:
    """Stands in for Moonshine: hears every utterance as `plain`, and as `biased` when its decoding leans toward
    the domain words."""

    def __init__(self, plain: str, biased: str) -> None:
        self.plain = plain
        self.biased = biased
        self.biased_asked = 0
        self.plain_asked = 0

    @property
    def speeds_asked(self) -> int:
        """Plain decodings after the utterance's own."""
        return max(self.plain_asked - 1, 0)

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        self.biased_asked += biased
        self.plain_asked += not biased
        future: Future[str] = Future()
        future.set_result(self.biased if biased else self.plain)
        return future

    def stop(self, future: Future[Any]) -> None:
        """Its words are there at once: nothing to stop."""

    def close(self) -> None:
        """Nothing to stop."""


@pytest.mark.parametrize(
    ("plain", "biased", "answered"),
    [
        # eSpeak NG en-us: the biased decoding hears the domain word and sounds like the plain one.
        ("what causes gabe pain", "but causes hip pain", ("but causes hip pain", "moonshine")),
        # A real off-topic recording ("it's the name of the name of the name"): the bias rewrote the sentence around a
        # domain word, which is no mishearing.
        ("it's the name of the name of the name", "it's a new buttocks", ("what is sitting", "pocketsphinx")),
        ("what causes gear cups", "what causes gear cups", ("what is sitting", "pocketsphinx")),
    ],
)
def test_refused_words_are_heard_again_leaning_toward_the_domain_words_after_other_speeds(
    skill: Skill, plain: str, biased: str, answered: tuple[str, str]
) -> None:
    assert skill.meaning(plain) is None
    moonshine = HeardBiased(plain, biased)
    transcript = second_opinion(ScriptedPrimary("what is sitting", 0.3, seconds=2.0), skill.meaning, moonshine)

    assert (transcript.text, transcript.engine) == answered
    assert (moonshine.biased_asked, moonshine.speeds_asked) == (1, 2), "the speeds' first stage found nothing"


def test_the_worker_leans_toward_the_domain_words_only_when_asked(skill: Skill, tmp_path: Path) -> None:
    question = speak_to_wav("what causes hip pain", tmp_path / "question.wav", voice="en-us")
    samples = soundfile.read(question, dtype="float32")[0]
    transcriber = MoonshineTranscriber(skill.domain_words)
    plain = transcriber.transcribe(samples)
    biased = transcriber.submit(samples, biased=True).result()
    transcriber.close()

    assert (plain, skill.meaning(plain)) == ("what causes gabe pain", None)
    assert (biased, skill.meaning(biased)) == ("but causes hip pain", "causes_overview")


@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en-us+f4"])
def test_leaning_toward_the_domain_words_invents_none_in_real_english_words(
    skill: Skill, tmp_path: Path, voice: str
) -> None:
    # Issue 12, item 6: "hiccups" sounds near "hips"; the bias must not make a hip question of it.
    transcriber = MoonshineTranscriber(skill.domain_words)
    answers = []
    for number, question in enumerate(["what causes hiccups", "how do i stop hiccups", "what is the weather like"]):
        samples = soundfile.read(speak_to_wav(question, tmp_path / f"{number}.wav", voice=voice), dtype="float32")[0]
        heard = transcriber.transcribe(samples)
        plain: Future[str] = Future()
        plain.set_result(heard)
        answers.append(DomainWords(transcriber, samples, plain, lambda text: (text, skill.meaning(text))).result())
    transcriber.close()

    assert [meaning for _, meaning in answers] == [None] * 3


@pytest.mark.parametrize(
    ("understood", "answered"), [("urgent_symptoms", "pocketsphinx"), ("causes_overview", "moonshine")]
)
def test_a_warning_sign_pocketsphinx_heard_stands_against_moonshines_other_question(
    understood: str, answered: str
) -> None:
    # eSpeak NG en-us+f3: pocketsphinx heard the warning sign word for word, Moonshine "well not my leg can have done
    # weak since this morning", which the skill takes for sciatica.
    said = "both of my legs have gone weak since this morning"
    primary = ScriptedPrimary(said, 0.5)
    recogniser = SecondOpinionRecogniser(
        primary,
        lambda: primary.last_utterance,
        lambda text: understood if text == said else "sciatica",
        transcriber=ScriptedMoonshine(),
    )

    transcript = recogniser.finish()

    assert transcript.engine == answered

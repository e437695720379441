"""Moonshine base English, bundled by moonshine-cpp: as an engine of its own and as the second opinion that
pocketsphinx asks about words the skill does not understand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from voice_skill.errors import EngineUnavailableError
from voice_skill.recognition import moonshine
from voice_skill.recognition.moonshine import MoonshineTranscriber, words

from conftest import run_cli
from speech_audio import speak_to_wav


def test_words_are_spelled_as_the_other_engines_spell_them() -> None:
    assert words("What's sciatica? It’s a pain.") == "what's sciatica it's a pain"


def test_in_memory_audio_is_transcribed_and_the_worker_is_replaced_before_it_grows(tmp_path: Path) -> None:
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav", voice="en-gb")
    samples, _ = soundfile.read(question, dtype="float32")
    transcriber = MoonshineTranscriber()
    heard = []
    for _ in range(moonshine.CALLS_PER_WORKER + 1):
        worker = transcriber._worker
        heard.append(transcriber.transcribe(samples))
    transcriber.close()

    assert set(heard) == {"what is sciatica"}
    assert worker is not None and worker.returncode is not None, "the first worker was ended after its last call"
    assert transcriber.transcribe(np.zeros(100, dtype=np.float32)) == "", "too short to hold a word"


def test_a_worker_that_dies_is_one_clear_error(tmp_path: Path) -> None:
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav", voice="en-gb")
    samples, _ = soundfile.read(question, dtype="float32")
    transcriber = MoonshineTranscriber()
    assert transcriber._worker is not None
    transcriber._worker.kill()

    with pytest.raises(EngineUnavailableError, match="Moonshine stopped"):
        transcriber.transcribe(samples)
    assert transcriber.transcribe(samples) == "what is sciatica", "the next call starts a new worker"
    transcriber.close()


def test_moonshine_as_the_engine_answers_a_spoken_question(tmp_path: Path) -> None:
    question = speak_to_wav("how can i prevent osteoporosis", tmp_path / "question.wav", voice="en-gb")

    result = run_cli("ask", "--engine", "moonshine", "--audio", str(question), "--json")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["engine"], answer["intent"]) == ("moonshine", "osteoporosis.prevention")
    assert "Moonshine" in result.stderr.splitlines()[0]


def test_words_pocketsphinx_mishears_get_a_second_opinion(tmp_path: Path) -> None:
    # Held-out wording in eSpeak NG's British voice: pocketsphinx, restricted to the topics' sentences, hears
    # "the seat popped when" and "my buttock", both refused; Moonshine hears the words that were said.
    incontinent = speak_to_wav("i'm incontinent since my back went", tmp_path / "incontinent.wav", voice="en-gb")
    leg = speak_to_wav("burning pain down my thigh from my buttock", tmp_path / "leg.wav", voice="en-gb")

    result = run_cli("ask", "--audio", str(incontinent), str(leg), "--json")

    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [answer["intent"].split(".")[0] for answer in answers] == ["urgent_symptoms", "sciatica"]
    assert {answer["engine"] for answer in answers} == {"moonshine"}
    assert "second opinion" in result.stderr.splitlines()[0]

    alone = run_cli("ask", "--no-second-opinion", "--audio", str(incontinent), str(leg), "--json")

    assert [json.loads(line)["engine"] for line in alone.stdout.splitlines()] == ["pocketsphinx"] * 2

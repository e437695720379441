"""`voice-skill ask` with topics of the user's own (--intents DIR): typed and spoken, the same topics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voice_skill.matching import semantic
from voice_skill.skill import Skill

from conftest import run_cli
from speech_audio import speak_to_wav
from user_topic import intents_with_bursitis

QUESTION = "what is hip bursitis"


@pytest.fixture(scope="module")
def intents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped topics plus the new one, as a user would add it."""
    return intents_with_bursitis(tmp_path_factory.mktemp("intents"))


def test_the_new_word_is_new() -> None:
    # The spoken test proves something only while no shipped sentence holds the word: a recogniser built from
    # the shipped topics (the old bug) could then never hear it.
    assert not any("bursitis" in sentence for sentence in Skill.load().sentences), "choose another new topic"


def test_a_new_topic_is_answered_typed(intents: Path) -> None:
    result = run_cli("--intents", str(intents), "ask", "--json", QUESTION)

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["intent"] == "hip_bursitis"
    assert "swollen fluid sac" in data["answer"]


@pytest.mark.skipif(not semantic.available(), reason="script/setup installs the sentence encoder")
def test_beside_a_new_topic_meaning_still_knows_the_wording_it_learnt_from_people(intents: Path) -> None:
    """Only meaning answers this question, from the dev paraphrases it learnt; with a topic of the user's own, its
    index is built from the shipped one and learns them too (it was built from the examples alone, about 30 s)."""
    result = run_cli("--intents", str(intents), "ask", "--json", "what cushion is best for a hard wooden dining chair")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"] == "daily_care"


def test_a_new_topic_is_answered_spoken(intents: Path, tmp_path: Path) -> None:
    # The recogniser is restricted to the loaded topics' sentences: those of --intents DIR, not the shipped ones.
    # Its own words, without Moonshine's second opinion (which hears any English).
    question = speak_to_wav(QUESTION, tmp_path / "question.wav")

    result = run_cli("--intents", str(intents), "ask", "--json", "--no-second-opinion", "--audio", str(question))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # The new word is heard: it is in no shipped sentence. (eSpeak NG's "hip" may come out as "the".)
    assert "bursitis" in data["transcript"].split()
    assert data["intent"] == "hip_bursitis"
    assert "swollen fluid sac" in data["answer"]


def test_without_the_new_topic_the_same_recording_is_not_that_topic(tmp_path: Path) -> None:
    question = speak_to_wav(QUESTION, tmp_path / "question.wav")

    result = run_cli("ask", "--json", "--audio", str(question))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"] != "hip_bursitis"


@pytest.mark.skipif(not semantic.available(), reason="script/setup installs the sentence encoder")
def test_a_refused_question_starts_no_blas_threads() -> None:
    """The encoder's one sentence is fastest on one thread; starting OpenBLAS's pool cost a cold start 25 ms."""
    code = (
        "import contextlib, io, sys\n"
        "from voice_skill.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['ask', 'what desk should i buy for my office'])\n"
        "from threadpoolctl import threadpool_info\n"
        "assert 'numpy' in sys.modules, 'the refusal was not checked by meaning'\n"
        "print(sorted({pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas'}))\n"
    )
    env = {name: value for name, value in os.environ.items() if not name.endswith("_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[1]"


def test_an_everyday_request_is_refused_without_starting_the_sentence_encoder() -> None:
    """No word the skill knows: meaning cannot overrule that refusal, so numpy and the encoder (about 0.15 s
    of a cold start) are never loaded."""
    code = (
        "import contextlib, io, json, sys\n"
        "from voice_skill.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as printed:\n"
        "    main(['ask', '--json', 'what is the capital of france'])\n"
        "print(json.loads(printed.getvalue())['intent'], 'numpy' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["out_of_scope", "False"]

"""The Vosk engine, exercised for real with the tests' tiny model: discovery, errors, grammars, streaming.

The tiny model recognises no speech: loud audio becomes one word of its vocabulary (or grammar), silence
nothing. Tests marked real_model use an actual Vosk model when VOSK_MODEL_PATH is set, and skip otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from voice_skill.audio.source import FileAudioSource
from voice_skill.errors import ModelNotFoundError
from voice_skill.models.store import find_model
from voice_skill.recognition.recogniser import available_engines, open_recogniser, transcribe
from voice_skill.recognition.vosk import (
    VoskRecogniser,
    model_sample_rate,
    parse_result,
    supports_grammar,
)
from voice_skill.skill import Skill

from conftest import run_cli
from speech_audio import concatenate, silence, speak_to_wav, synthesise
from tiny_vosk_model import make_tiny_vosk_model

REAL_MODEL = os.environ.get("VOSK_MODEL_PATH")
"""Read at import: the autouse fixture in conftest clears VOSK_MODEL_PATH for every test."""

real_model = pytest.mark.skipif(not REAL_MODEL, reason="set VOSK_MODEL_PATH to a Vosk model to run")

SENTENCES = ("what causes hip pain", "stop")
"""What the recognisers opened here are restricted to."""

WORDS = ("hello", "what", "causes", "hip", "pain", "stop", "[unk]")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_vosk_model(tmp_path_factory.mktemp("models") / "vosk-model-tiny", WORDS)


@pytest.fixture()
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user models folder, as `voice-skill model download` fills it."""
    directory = tmp_path / "models"
    directory.mkdir()
    monkeypatch.setenv("VOICE_SKILL_MODELS_DIR", str(directory))
    return directory


def loud(seconds: float, rate: int = 16000) -> bytes:
    """A tone loud enough to count as speech for the tiny model."""
    time = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * 300 * time) * 8000).astype("<i2").tobytes()


def quiet(seconds: float, rate: int = 16000) -> bytes:
    return bytes(2 * int(seconds * rate))


def feed(recogniser: VoskRecogniser, pcm: bytes, block: int = 3200) -> list[str]:
    """Feed PCM in 0.1 s blocks; the texts of the final transcripts that came back on the way."""
    finals = []
    for start in range(0, len(pcm), block):
        transcript = recogniser.accept(pcm[start : start + block])
        if transcript is not None:
            finals.append(transcript.text)
    return finals


def test_model_from_option_beats_environment_and_installed(
    tiny_model: Path, models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = make_tiny_vosk_model(models_dir / "vosk-model-installed", WORDS)
    from_environment = make_tiny_vosk_model(tmp_path / "from-environment", WORDS)

    assert find_model() == installed
    monkeypatch.setenv("VOSK_MODEL_PATH", str(from_environment))
    assert find_model() == from_environment
    assert find_model(tiny_model) == tiny_model


def test_no_model_names_the_download_command(models_dir: Path) -> None:
    with pytest.raises(ModelNotFoundError) as raised:
        find_model()

    assert "voice-skill model download" in str(raised.value)
    assert str(models_dir) in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_folder_that_is_no_model_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("VOSK_MODEL_PATH", str(tmp_path / "empty"))

    with pytest.raises(ModelNotFoundError, match="no Vosk model at .*empty.*VOSK_MODEL_PATH"):
        find_model()
    with pytest.raises(ModelNotFoundError, match="from --model"):
        find_model(tmp_path / "missing")


def test_cli_without_a_model_exits_2_with_the_command(tmp_path: Path, models_dir: Path) -> None:
    question = speak_to_wav("what causes hip pain", tmp_path / "question.wav")

    result = run_cli("ask", "--engine", "vosk", "--audio", str(question))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "voice-skill model download" in result.stderr
    assert "Traceback" not in result.stderr


def test_default_engine_is_vosk_only_when_a_model_is_installed(models_dir: Path) -> None:
    engines = {engine.name: engine for engine in available_engines()}
    assert engines["pocketsphinx"].default and not engines["vosk"].default
    assert "voice-skill model download" in engines["vosk"].detail
    assert open_recogniser(SENTENCES).name == "pocketsphinx"

    installed = make_tiny_vosk_model(models_dir / "vosk-model-small", WORDS)

    engines = {engine.name: engine for engine in available_engines()}
    assert engines["vosk"].default and engines["vosk"].available
    assert str(installed) in engines["vosk"].detail
    recogniser = open_recogniser(SENTENCES)
    assert recogniser.name == "vosk"
    assert "vosk-model-small" in recogniser.description


def test_engines_command_lists_both(models_dir: Path) -> None:
    make_tiny_vosk_model(models_dir / "vosk-model-small", WORDS)

    result = run_cli("engines")

    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("* vosk") and "vosk-model-small" in lines[0]
    assert lines[1].startswith("  pocketsphinx") and "available" in lines[1]


def test_sample_rate_comes_from_the_model(tmp_path: Path) -> None:
    narrowband = make_tiny_vosk_model(tmp_path / "narrowband", WORDS, sample_rate=8000)
    (tmp_path / "bare").mkdir()

    assert model_sample_rate(narrowband) == 8000
    assert model_sample_rate(tmp_path / "bare") == 16000
    assert VoskRecogniser(narrowband, open_vocabulary=True).sample_rate == 8000


def test_audio_is_fed_at_the_models_rate(tmp_path: Path) -> None:
    # A 44.1 kHz recording reaches an 8 kHz model resampled; fed at the wrong rate, Vosk would refuse it.
    model = make_tiny_vosk_model(tmp_path / "narrowband", WORDS, sample_rate=8000)
    recording = synthesise(tmp_path / "tone.wav", 1.0, "synth", "1", "sine", "300", rate=44100)
    recogniser = VoskRecogniser(model, open_vocabulary=True)

    transcript = transcribe(recogniser, FileAudioSource(recording, sample_rate=recogniser.sample_rate))

    assert transcript.text == "hello"


def test_grammar_restricts_the_words(tiny_model: Path) -> None:
    recogniser = VoskRecogniser(tiny_model, sentences=["what causes hip pain", "stop"])

    assert json.loads(recogniser.grammar) == ["stop", "what causes hip pain", "[unk]"]
    assert "grammar of 2 skill sentences" in recogniser.description
    feed(recogniser, quiet(0.3) + loud(0.8))
    heard = recogniser.finish().text
    assert heard in {"what", "causes", "hip", "pain", "stop"}


def test_grammar_words_the_model_lacks_become_unk(tiny_model: Path) -> None:
    recogniser = VoskRecogniser(tiny_model, sentences=["what causes sciatica"])

    assert json.loads(recogniser.grammar) == ["what causes [unk]", "[unk]"]


def test_open_vocabulary_has_no_grammar(tiny_model: Path) -> None:
    recogniser = VoskRecogniser(tiny_model, open_vocabulary=True)

    assert recogniser.grammar is None
    assert "open vocabulary" in recogniser.description
    feed(recogniser, loud(0.8))
    assert recogniser.finish().text == "hello"  # the tiny model's default word


def test_models_without_runtime_graphs_decode_without_grammar(tmp_path: Path) -> None:
    model = make_tiny_vosk_model(tmp_path / "big-style", WORDS, graph="hclg")

    recogniser = VoskRecogniser(model, sentences=["stop"])

    assert not supports_grammar(model)
    assert recogniser.grammar is None
    feed(recogniser, loud(0.8))
    assert recogniser.finish().text == "hello"


def test_streaming_ends_utterances_at_pauses(tiny_model: Path) -> None:
    recogniser = VoskRecogniser(tiny_model, open_vocabulary=True)

    finals = feed(recogniser, quiet(0.5) + loud(0.8) + quiet(1.5))
    assert finals == ["hello"]
    assert feed(recogniser, loud(0.6)) == []
    assert recogniser.partial() == "hello"
    last = recogniser.finish()
    assert last.text == "hello"
    assert last.engine == "vosk"
    assert 0.0 <= last.asr_confidence <= 1.0
    assert recogniser.partial() == ""


def test_silence_gives_an_empty_transcript(tiny_model: Path) -> None:
    recogniser = VoskRecogniser(tiny_model, open_vocabulary=True)

    assert feed(recogniser, quiet(3.0)) == []
    transcript = recogniser.finish()
    assert transcript.text == ""
    assert transcript.asr_confidence is None


def test_a_recogniser_serves_file_after_file(tiny_model: Path, tmp_path: Path) -> None:
    recogniser = VoskRecogniser(tiny_model, open_vocabulary=True)
    tone = synthesise(tmp_path / "tone.wav", 1.0, "synth", "1", "sine", "300")
    pause = silence(tmp_path / "pause.wav", 1.5)
    two_questions = concatenate(tmp_path / "two.wav", tone, pause, tone)

    assert transcribe(recogniser, FileAudioSource(two_questions)).text == "hello hello"
    assert transcribe(recogniser, FileAudioSource(tone)).text == "hello"


def test_results_are_parsed_with_word_confidences() -> None:
    result = json.dumps(
        {
            "result": [
                {"conf": 0.9, "start": 0.1, "end": 0.4, "word": "hip"},
                {"conf": 0.5, "start": 0.4, "end": 0.7, "word": "[unk]"},
                {"conf": 0.7, "start": 0.7, "end": 1.0, "word": "pain"},
            ],
            "text": "hip [unk] pain",
        }
    )

    transcript = parse_result(result)

    assert transcript.text == "hip pain"
    assert transcript.engine == "vosk"
    # "[unk]" is speech outside the grammar: it counts as a word the recogniser is not sure of at all.
    assert transcript.asr_confidence == pytest.approx((0.9 + 0.0 + 0.7) / 3)
    assert parse_result('{"text": ""}').asr_confidence is None


def test_cli_answers_audio_with_vosk(tiny_model: Path, tmp_path: Path) -> None:
    tone = synthesise(tmp_path / "tone.wav", 1.0, "synth", "1", "sine", "300")

    result = run_cli("ask", "--model", str(tiny_model), "--open-vocabulary", "--audio", str(tone), "--json")

    assert result.returncode == 0, result.stderr
    assert "Vosk with model vosk-model-tiny" in result.stderr.splitlines()[0]
    answer = json.loads(result.stdout)
    assert answer["engine"] == "vosk"
    assert answer["transcript"] in ("hello", "")


@real_model
def test_real_model_recognises_a_spoken_question(tmp_path: Path) -> None:
    question = speak_to_wav("what causes hip pain", tmp_path / "question.wav")
    recogniser = VoskRecogniser(Path(REAL_MODEL), Skill.load().sentences)

    transcript = transcribe(recogniser, FileAudioSource(question, sample_rate=recogniser.sample_rate))

    assert "hip" in transcript.text and "pain" in transcript.text
    assert transcript.asr_confidence is not None and transcript.asr_confidence > 0.5


@real_model
def test_real_model_cli_answers_by_topic(tmp_path: Path) -> None:
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav")

    result = run_cli("ask", "--model", REAL_MODEL, "--audio", str(question), "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"].split(".")[0] == "sciatica"

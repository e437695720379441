"""Moonshine base English run directly with onnxruntime on the files moonshine-cpp ships: the words of
moonshine-cpp's own library, from an ONNX copy made once."""

from __future__ import annotations

import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import soundfile

from voice_skill.paths import cache_dir
from voice_skill.recognition import moonshine_model
from voice_skill.recognition.moonshine_model import (
    END,
    START,
    MoonshineModel,
    max_tokens,
    model_folder,
    onnx_folder,
    onnx_form,
    read_tokens,
    spelling,
    token_ids,
    token_text,
)

from speech_audio import speak_to_wav


@pytest.fixture(scope="module")
def model() -> MoonshineModel:
    return MoonshineModel()


def test_the_tokenizer_is_read_as_moonshine_reads_it() -> None:
    tokens = read_tokens(model_folder() / "tokenizer.bin")

    assert (tokens[START], tokens[END]) == (b"<s>", b"</s>")
    sciatica = [tokens.index("\u2581what".encode()), tokens.index("\u2581is".encode()), tokens.index(b"?")]
    assert token_text(tokens, [START, *sciatica, END]) == "what is?"
    assert token_text(tokens, [START, len(tokens), *sciatica, END]) == "what is?", "the logits outnumber the tokens"


def test_the_decoder_may_give_13_tokens_a_second_of_audio() -> None:
    assert (max_tokens(16000), max_tokens(48000), max_tokens(16001)) == (13, 39, 14)


def test_a_spoken_question_is_heard(model: MoonshineModel, tmp_path: Path) -> None:
    question = speak_to_wav("what is sciatica", tmp_path / "question.wav", voice="en-gb")
    samples, _ = soundfile.read(question, dtype="float32")

    assert model.transcribe(samples) == "What is sciatica?"
    assert model.transcribe(np.zeros(0, dtype=np.float32)) == ""


@pytest.mark.parametrize(
    ("text", "voice"),
    [("does slouching on the sofa hurt my hips", "en-us+f3"), ("my buttock burns when i sit", "en-gb")],
)
def test_the_words_are_those_of_moonshine_cpps_own_library(
    model: MoonshineModel, tmp_path: Path, text: str, voice: str
) -> None:
    question = speak_to_wav(text, tmp_path / "question.wav", voice=voice)
    samples, _ = soundfile.read(question, dtype="float32")

    assert model.transcribe(samples) == moonshine_cpps_words(question)


LIBRARY_WORDS = """
import ctypes, sys
import moonshine_cpp, soundfile
samples, _ = soundfile.read(sys.argv[1], dtype="float32")
library = moonshine_cpp.MoonshineModel()
heard = ctypes.c_char_p()
status = moonshine_cpp.moonshine_lib.moonshine_transcribe(
    library.model_handle, samples.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), len(samples), ctypes.byref(heard)
)
assert status == 0, status
sys.stdout.write((heard.value or b"").decode())
"""


def moonshine_cpps_words(question: Path) -> str:
    """The words moonshine-cpp's own library hears in a 16 kHz WAV file. It runs in a process of its own: that
    library (libmoonshine.so, 0.1.4) is compiled with AVX-512 instructions, and on a processor without them (an AMD
    EPYC here) it dies of SIGILL as it loads the model, which would end the whole test run. The skill itself never
    loads that library: it runs the package's model files with PyPI's onnxruntime."""
    heard = subprocess.run(
        [sys.executable, "-c", LIBRARY_WORDS, str(question)], capture_output=True, text=True, timeout=300
    )
    if heard.returncode == -signal.SIGILL:
        pytest.skip("moonshine-cpp's own library needs processor instructions this machine lacks (SIGILL)")
    assert heard.returncode == 0, heard.stderr
    return heard.stdout


@pytest.mark.parametrize(
    ("text", "voice"), [("why do my hips hurt when i run", "en-us+f4"), ("my buttock burns when i sit", "en-gb")]
)
def test_a_beam_of_one_is_the_greedy_decoding_and_a_wider_one_gives_the_likeliest_first(
    model: MoonshineModel, tmp_path: Path, text: str, voice: str
) -> None:
    samples, _ = soundfile.read(speak_to_wav(text, tmp_path / "question.wav", voice=voice), dtype="float32")

    greedy = model.transcribe(samples)
    sentences = model.hypotheses(samples)

    assert model.hypotheses(samples, width=1)[0][0] == greedy
    scores = [score for _, score in sentences]
    assert len(sentences) > 1 and scores == sorted(scores, reverse=True) and scores[0] <= 0
    assert len({sentence for sentence, _ in sentences}) == len(sentences)
    assert model.hypotheses(np.zeros(0, dtype=np.float32)) == []


def test_a_sentence_is_spelt_in_the_tokens_moonshine_writes_it_with() -> None:
    tokens = read_tokens(model_folder() / "tokenizer.bin")
    ids = token_ids(tokens)

    spelt = spelling(ids, "what is sciatica")

    assert token_text(tokens, [START, *spelt, END]) == "What is sciatica"
    assert spelt[:2] == [tokens.index("\u2581What".encode()), tokens.index("\u2581is".encode())], "a token a word"
    assert token_text(tokens, [START, *spelling(ids, "what is \u2603")]) == "What is \u2603", "by its bytes"


def test_moonshine_finds_the_words_it_heard_likelier_than_a_domain_word_in_place_of_one(
    model: MoonshineModel, tmp_path: Path
) -> None:
    samples, _ = soundfile.read(speak_to_wav("how do i stop hiccups", tmp_path / "q.wav"), dtype="float32")
    assert model.transcribe(samples) == "How do I stop hiccups?"

    heard, hips, buttocks = model.log_probabilities(
        samples, ["how do i stop hiccups", "how do i stop hips", "how do i stop buttocks"]
    )
    alone = model.log_probabilities(samples, ["how do i stop buttocks"])

    assert buttocks < hips < heard < 0
    assert alone == pytest.approx([buttocks]), "a sentence scored with others is scored as alone"
    assert model.log_probabilities(np.zeros(0, dtype=np.float32), ["what"]) == [-np.inf]


def test_the_onnx_form_is_made_once_and_kept_in_the_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = model_folder() / "encoder_model.ort"

    first = onnx_form(encoder)
    (kept,) = (cache_dir() / "moonshine").glob("encoder_model-*.onnx")
    monkeypatch.setattr(moonshine_model, "_converted", lambda model: pytest.fail("made again"))

    assert onnx_form(encoder) == first == kept.read_bytes()


def test_a_cache_folder_that_cannot_be_written_costs_only_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(blocked))

    model = MoonshineModel()

    assert model.transcribe(np.zeros(16000, dtype=np.float32)) == ""
    assert blocked.read_text(encoding="utf-8") == "a file where the folder should be"


def test_what_a_worker_killed_while_writing_the_onnx_form_left_is_removed() -> None:
    folder = cache_dir() / "moonshine"
    folder.mkdir(parents=True)
    ended = subprocess.Popen(["true"])
    ended.wait()
    leftover = folder / f"encoder_model-0123456789abcdef.{ended.pid}.tmp"
    leftover.write_bytes(b"half an ONNX file")

    onnx_form(model_folder() / "encoder_model.ort")

    assert not leftover.exists()
    assert [path.suffix for path in folder.iterdir()] == [".onnx"]


def test_a_damaged_onnx_form_in_the_cache_is_made_again() -> None:
    onnx_form(model_folder() / "encoder_model.ort")
    (kept,) = onnx_folder().glob("encoder_model-*.onnx")
    kept.write_bytes(b"not an ONNX model")

    model = MoonshineModel()

    assert model.transcribe(np.zeros(16000, dtype=np.float32)) == ""
    assert kept.read_bytes().startswith(b"\x08"), "an ONNX model again (its first field, the IR version)"


def test_one_model_decodes_two_utterances_at_once_as_it_decodes_them_alone(
    model: MoonshineModel, tmp_path: Path
) -> None:
    # The beam search reuses the encoding of the audio just transcribed: never another thread's.
    first, second = (
        soundfile.read(speak_to_wav(text, tmp_path / f"{number}.wav", voice="en-gb"), dtype="float32")[0]
        for number, text in enumerate(["what is sciatica", "my hip hurts when i walk"])
    )
    alone = [model.hypotheses(first), model.hypotheses(second)]

    with ThreadPoolExecutor(2) as decoders:
        together = list(decoders.map(model.hypotheses, [first, second, first, second]))

    assert together == alone * 2

"""Endpointing by speech probability: questions are cut apart in steady noise, a one-word "stop" is an
utterance, and noise alone is none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from voice_skill.audio.endpointer import END_SILENCE, PRE_ROLL, Endpointer

from speech_audio import concatenate, in_steady_noise, silence, speak_to_wav, synthesise

QUESTIONS = ("what is sciatica", "what causes hip pain", "how can i prevent osteoporosis", "when should i see a doctor")


def utterances(path: Path, block_bytes: int = 960) -> list[float]:
    """The length, in seconds, of each utterance the endpointer finds in the file, fed in 30 ms blocks."""
    pcm = soundfile.read(path, dtype="int16")[0].tobytes()
    endpointer = Endpointer()
    lengths, current = [], 0
    for start in range(0, len(pcm), block_bytes):
        for segment in endpointer.process(pcm[start : start + block_bytes]):
            current += len(segment.speech)
            if segment.ended:
                lengths.append(current / 2 / endpointer.sample_rate)
                current = 0
    if endpointer.in_speech:
        lengths.append((current + len(endpointer.flush())) / 2 / endpointer.sample_rate)
    return lengths


def conversation(tmp_path: Path, *sentences: str, gap: float = 2.0) -> Path:
    pause = silence(tmp_path / "pause.wav", gap)
    parts = [pause]
    for number, sentence in enumerate(sentences):
        parts += [speak_to_wav(sentence, tmp_path / f"sentence{number}.wav"), pause]
    return concatenate(tmp_path / "conversation.wav", *parts)


@pytest.mark.parametrize("snr_db", [10, 20])
def test_questions_two_seconds_apart_in_steady_noise_are_separate_utterances(tmp_path: Path, snr_db: int) -> None:
    clean = conversation(tmp_path, *QUESTIONS, "stop")
    noisy = in_steady_noise(tmp_path / "noisy.wav", clean, snr_db)

    lengths = utterances(noisy)

    assert len(lengths) == len(QUESTIONS) + 1, lengths
    assert lengths[-1] < 0.5 + END_SILENCE + 0.3, "'stop' is a short utterance of its own"


def test_steady_noise_alone_is_no_utterance(tmp_path: Path) -> None:
    noise = synthesise(tmp_path / "noise.wav", 5.0, "synth", "5", "whitenoise", "vol", "0.1")

    assert utterances(noise) == []


def test_an_utterance_keeps_the_onset_before_the_first_speech_chunk(tmp_path: Path) -> None:
    question = conversation(tmp_path, "stop", gap=1.0)
    word, rate = soundfile.read(tmp_path / "sentence0.wav", dtype="float32")
    loud = np.flatnonzero(np.abs(word) > 0.02 * np.abs(word).max())
    voiced = (loud[-1] - loud[0]) / rate

    (length,) = utterances(question)

    # The pre-roll and the trailing END_SILENCE are part of it, so nothing of the word is cut.
    assert voiced + END_SILENCE < length < voiced + END_SILENCE + PRE_ROLL + 0.2


def test_the_quiet_after_the_last_word_is_counted_while_the_endpointer_waits(tmp_path: Path) -> None:
    # What a second opinion needs to start before the utterance ends: how much of its tail is not speech.
    question = conversation(tmp_path, "what is sciatica", gap=1.0)
    pcm = soundfile.read(question, dtype="int16")[0].tobytes()
    endpointer = Endpointer()
    quiet = []
    for start in range(0, len(pcm), 960):
        for segment in endpointer.process(pcm[start : start + 960]):
            quiet.append((segment.quiet, segment.ended))

    ended = [amount for amount, last in quiet if last]
    assert ended == [round(END_SILENCE * 16000 / 512) * 512 * 2], "the whole wait, in bytes of PCM"
    waiting = [amount for amount, _ in quiet[quiet.index((ended[0], True)) - 10 : -1]]
    assert waiting == sorted(waiting) and waiting[0] > 0, "it grows, one chunk at a time, until the end"

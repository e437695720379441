"""Audio that is not a question for the skill is refused, end to end: sox sounds and eSpeak NG speech
through `voice-skill ask --audio --json` (the bundled engine behind the speech screen, the real matcher)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voice_skill.intent import OUT_OF_SCOPE
from voice_skill.skill import Skill

from conftest import run_cli
from speech_audio import ESPEAK_VOICES, concatenate, silence, speak_to_wav, synthesise


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


def topics_of(answer: dict) -> set[str]:
    """The topic answered, or the two offered when the skill asks which of two topics was meant."""
    if answer["intent"] == "clarify":
        return {candidate["intent"].partition(".")[0] for candidate in answer["alternatives"][:2]}
    return {answer["intent"].partition(".")[0]}


def ask_audio(*paths: Path) -> list[dict]:
    """One JSON answer per file, from one run of the command (one recogniser, as a user runs it)."""
    result = run_cli("ask", "--engine", "pocketsphinx", "--json", "--audio", *map(str, paths))
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(paths)
    return answers


NOISES = {
    "white noise": ("synth", "3", "whitenoise", "vol", "0.5"),
    "pink noise": ("synth", "3", "pinknoise", "vol", "0.5"),
    "brown noise": ("synth", "3", "brownnoise", "vol", "0.5"),
    "triangular noise": ("synth", "3", "tpdfnoise", "vol", "0.5"),
    "a 440 Hz tone": ("synth", "3", "sine", "440", "vol", "0.5"),
    "a square wave": ("synth", "3", "square", "1000", "vol", "0.3"),
    "a sweep": ("synth", "3", "sine", "100-4000", "vol", "0.5"),
    "mains hum": ("synth", "3", "sine", "50", "sine", "100", "vol", "0.3"),
    "a chord": ("synth", "3", "sine", "440", "sine", "554", "sine", "659", "vol", "0.3"),
}


def melody(tmp_path: Path) -> Path:
    notes = [
        synthesise(tmp_path / f"note{number}.wav", 0.3, "synth", "0.3", "pluck", str(frequency), "vol", "0.6")
        for number, frequency in enumerate((262, 294, 330, 349, 392, 440, 494, 523, 392, 330, 262))
    ]
    return concatenate(tmp_path / "melody.wav", *notes)


def clicks(tmp_path: Path) -> Path:
    click = synthesise(tmp_path / "click.wav", 0.01, "synth", "0.01", "square", "1000", "vol", "0.9")
    hiss = synthesise(tmp_path / "hiss.wav", 0.5, "synth", "0.5", "pinknoise", "vol", "0.01")
    return concatenate(tmp_path / "clicks.wav", *[click, hiss] * 6)


def test_noise_tones_a_melody_and_clicks_are_no_question(tmp_path: Path, skill: Skill) -> None:
    sounds = {
        name: synthesise(tmp_path / f"sound{number}.wav", 3, *effects)
        for number, (name, effects) in enumerate(NOISES.items())
    }
    sounds["a melody"] = melody(tmp_path)
    sounds["clicks"] = clicks(tmp_path)
    for name, answer in zip(sounds, ask_audio(*sounds.values())):
        assert (answer["intent"], answer["transcript"]) == (OUT_OF_SCOPE, ""), name
        assert answer["answer"].endswith(skill.knowledge.dialogue.no_question_heard), name
        # The evidence shows why: no speech was heard.
        assert answer["speech"] < 0.5, name


OFF_TOPIC = ("set a timer for ten minutes", "what is the capital of france", "how do i treat a migraine")
IN_SCOPE = {
    "warning signs for backside pain": "urgent_symptoms",
    "what can i do every day to avoid hip pain": "daily_care",
    "what is a reason my buttocks is sore": "causes_overview",
    "weak bones make your bottom hurt": "osteoporosis",
}


@pytest.mark.parametrize("voice", ESPEAK_VOICES)
def test_off_topic_speech_is_out_of_scope_and_questions_keep_their_topic(
    tmp_path: Path, skill: Skill, voice: str
) -> None:
    medical = {topic.id for topic in skill.knowledge.topics.values() if topic.is_medical}
    sentences = [*OFF_TOPIC, *IN_SCOPE]
    paths = [speak_to_wav(text, tmp_path / f"{number}.wav", voice=voice) for number, text in enumerate(sentences)]
    answers = dict(zip(sentences, ask_audio(*paths)))
    for text in OFF_TOPIC:
        assert answers[text]["intent"].partition(".")[0] not in medical, (text, answers[text]["transcript"])
        assert answers[text]["intent"] == OUT_OF_SCOPE, (text, answers[text]["transcript"])
        assert answers[text]["speech"] >= 0.9
    for text, topic in IN_SCOPE.items():
        assert topic in topics_of(answers[text]), (text, answers[text]["transcript"])
        # Pocketsphinx says how sure it is; Moonshine's second opinion gives no confidence.
        confidence = answers[text]["asr_confidence"]
        assert confidence is None if answers[text]["engine"] == "moonshine" else 0 < confidence <= 1


def test_music_before_a_question_in_one_recording_leaves_the_question(tmp_path: Path) -> None:
    melody_then_question = concatenate(
        tmp_path / "both.wav",
        melody(tmp_path),
        silence(tmp_path / "pause.wav", 1.0),
        speak_to_wav("what is a reason my buttocks is sore", tmp_path / "question.wav"),
    )
    (answer,) = ask_audio(melody_then_question)
    assert "causes_overview" in topics_of(answer)
    assert answer["speech"] >= 0.9

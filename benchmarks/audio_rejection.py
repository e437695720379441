"""Refusing what is not a question: real recordings of speech, music and noise, and spoken topic questions.

Needs ../shared/eval/audio-real/ next to the repository (53 real recordings with nothing to do with hip
pain; evaluation data only, never copied into the repository); without it the benchmark says so and stops.
The recordings are split once by file number (odd: dev, even: test). Spoken questions (eSpeak NG, three
voices) measure what refusal costs: each medical topic's own example sentences (the engine's test audio)
and held-out paraphrases from tests/transcripts. Thresholds are calibrated on dev; the shipped ones are
reported on dev and test.

Targets: at least 95% of all recordings and every non-speech one answered as out of scope; spoken topic
accuracy at most 2 points below the same audio without refusal; real-time factor under 0.3.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL = REPO.parent / "shared" / "eval" / "audio-real"
SPEED_RUNS = 3
BLOCK_SECONDS = 0.03
EXAMPLES_PER_TOPIC = 8
SPEECH_MARGIN = 0.1
RECORDINGS = ("speech", "nonspeech")
SPOKEN = {"example": "spoken topic examples", "paraphrase": "spoken held-out paraphrases"}

sys.path.insert(0, str(REPO / "tests"))

from voice_skill.audio.source import FileAudioSource  # noqa: E402
from voice_skill.audio.speech_detector import SpeechDetector  # noqa: E402
from voice_skill.dialogue import Session  # noqa: E402
from voice_skill.errors import SkillError  # noqa: E402
from voice_skill.evaluation import Case, load_cases  # noqa: E402
from voice_skill.intent import OUT_OF_SCOPE  # noqa: E402
from voice_skill.recognition.recogniser import Recogniser, open_recogniser  # noqa: E402
from voice_skill.recognition.screening import (  # noqa: E402
    THRESHOLDS,
    ScreenedRecogniser,
    Thresholds,
    Verdict,
    decide,
)
from voice_skill.recognition.transcript import Transcript  # noqa: E402
from voice_skill.settings import RecognitionSettings  # noqa: E402
from voice_skill.skill import Skill  # noqa: E402

from speech_audio import ESPEAK_VOICES, speak_to_wav  # noqa: E402

OPEN = Thresholds(speech=0.0, asr_confidence={})
"""Screening that refuses nothing, so that every threshold can be tried on the same evidence afterwards."""


@dataclass(frozen=True)
class Item:
    """One recording or spoken question, recognised once."""

    name: str
    kind: str
    """"speech" or "nonspeech" (real recordings), "example" or "paraphrase" (spoken topic questions)."""

    split: str
    expected: tuple[str, ...]
    transcript: Transcript
    matched: str
    """The matcher's intent for the transcript, without refusal."""


def recognise(recogniser: Recogniser, blocks: Iterable[bytes]) -> Transcript:
    """The whole file as one utterance, as `ask --audio` hears it: words joined, the best speech score."""
    parts = [transcript for transcript in map(recogniser.accept, blocks) if transcript is not None]
    parts.append(recogniser.finish())
    heard = [part for part in parts if part.text]
    confidences = [part.asr_confidence for part in heard if part.asr_confidence is not None]
    return Transcript(
        " ".join(part.text for part in heard),
        engine=recogniser.name,
        asr_confidence=sum(confidences) / len(confidences) if confidences else None,
        speech=max((part.speech for part in parts if part.speech is not None), default=None),
    )


def answered(item: Item, thresholds: Thresholds) -> str:
    """The intent the user gets with refusal by these thresholds."""
    return item.matched if decide(item.transcript, thresholds) is Verdict.QUESTION else OUT_OF_SCOPE


def topic_right(item: Item, intent: str) -> bool:
    return any(intent == e or intent.split(".")[0] == e for e in item.expected)


def measure(recogniser: Recogniser, skill: Skill, path: Path, **item: object) -> tuple[Item, float, float]:
    """Recognise a file; the item, the seconds of audio and the processor seconds spent (on a shared
    machine the wall clock measures the neighbours too)."""
    blocks = list(FileAudioSource(path, recogniser.sample_rate, block_seconds=BLOCK_SECONDS))
    start = time.process_time()
    transcript = recognise(recogniser, blocks)
    spent = time.process_time() - start
    matched = Session(skill).respond(transcript.text).intent if transcript.text else OUT_OF_SCOPE
    audio = sum(map(len, blocks)) / 2 / recogniser.sample_rate
    return Item(path.name, transcript=transcript, matched=matched, **item), audio, spent  # type: ignore[arg-type]


def real_recordings(recogniser: Recogniser, skill: Skill) -> tuple[list[Item], list[float]]:
    """Every real recording, recognised SPEED_RUNS times; the items and each run's real-time factor."""
    rows = [line.split("\t") for line in (REAL / "index.tsv").read_text(encoding="utf-8").splitlines() if line]
    factors = []
    for _ in range(SPEED_RUNS):
        items, audio, spent = [], 0.0, 0.0
        for row in rows:
            split = "dev" if int(row[0][:3]) % 2 else "test"
            item, seconds, took = measure(recogniser, skill, REAL / row[0], kind=row[1], split=split, expected=())
            items.append(item)
            audio += seconds
            spent += took
        factors.append(spent / audio)
    return items, factors


def spoken_questions(recogniser: Recogniser, skill: Skill, work: Path) -> list[Item]:
    """Spoken in each eSpeak NG voice: EXAMPLES_PER_TOPIC of each medical topic's own example sentences
    (what the engine's language model was built from; alternately dev and test) and every other held-out
    paraphrase of tests/transcripts (split as those files say)."""
    medical = [topic for topic in skill.knowledge.topics.values() if topic.is_medical]
    examples = [
        Case(sentence, (topic.id,), "dev" if number % 2 else "test", "example")
        for topic in medical
        for number, sentence in enumerate(_sample(topic.sentences))
    ]
    paraphrases = [
        replace(case, source="paraphrase")
        for path in sorted((REPO / "tests" / "transcripts").glob("*.yaml"))
        for case in load_cases(path)
        if set(case.expected) & {topic.id for topic in medical}
    ][::2]
    # eSpeak NG's first synthesis in a process can cut the text short: warm it up.
    subprocess.run(["espeak-ng", "-w", str(work / "warm.wav"), "warm up"], check=True)
    items = []
    for number, case in enumerate(examples + paraphrases):
        for voice in ESPEAK_VOICES:
            path = speak_to_wav(case.text, work / f"{number}-{voice.replace('+', '_')}.wav", voice=voice)
            item, _, _ = measure(
                recogniser, skill, path, kind=case.source, split=case.split or "test", expected=case.expected
            )
            items.append(item)
    return items


def _sample(sentences: tuple[str, ...]) -> list[str]:
    unique = sorted(set(sentences))
    return random.Random(7).sample(unique, min(EXAMPLES_PER_TOPIC, len(unique)))


def calibrate(engine: str, dev: list[Item]) -> Thresholds:
    """Speech: SPEECH_MARGIN below the quietest dev speech, since refusing a question as no speech (it is
    ignored without a word) is worse than letting a sound through to the matcher's own rules. Confidence:
    the lowest threshold refusing as many dev recordings as any threshold that costs at most 2 points of
    topic accuracy on either spoken set."""
    speech = round(min(i.transcript.speech or 0.0 for i in dev if i.kind != "nonspeech") - SPEECH_MARGIN, 2)
    recordings = [i for i in dev if i.kind in RECORDINGS]
    spoken = [[i for i in dev if i.kind == kind] for kind in SPOKEN]
    baselines = [accuracy(items, OPEN) for items in spoken]
    best = (-1, 0.0)
    for step in range(0, 71):
        threshold = step / 100
        candidate = Thresholds(speech=speech, asr_confidence={engine: threshold})
        if any(base - accuracy(items, candidate) > 0.02 for base, items in zip(baselines, spoken)):
            break
        refused = sum(answered(i, candidate) == OUT_OF_SCOPE for i in recordings)
        if refused > best[0]:
            best = (refused, threshold)
    return Thresholds(speech=speech, asr_confidence={engine: best[1]})


def accuracy(questions: list[Item], thresholds: Thresholds) -> float:
    return sum(topic_right(i, answered(i, thresholds)) for i in questions) / len(questions)


def report(split: str, items: list[Item], thresholds: Thresholds) -> None:
    recordings = [i for i in items if i.kind in RECORDINGS]
    nonspeech = [i for i in recordings if i.kind == "nonspeech"]
    refused = [i for i in recordings if answered(i, thresholds) == OUT_OF_SCOPE]
    before = [i for i in recordings if i.matched == OUT_OF_SCOPE]
    silent = sum(answered(i, thresholds) == OUT_OF_SCOPE for i in nonspeech)
    print(
        f"  {split}: recordings out of scope {len(refused)}/{len(recordings)} ({len(refused) / len(recordings):.1%}; "
        f"without refusal {len(before)}/{len(recordings)}), non-speech {silent}/{len(nonspeech)}"
    )
    for kind, name in SPOKEN.items():
        questions = [i for i in items if i.kind == kind]
        with_refusal, without = accuracy(questions, thresholds), accuracy(questions, OPEN)
        print(
            f"  {split}: {name}: topic accuracy {with_refusal:.1%} with refusal, {without:.1%} without "
            f"(cost {100 * (without - with_refusal):.1f} points; {len(questions)} utterances)"
        )
    for item in recordings:
        got = answered(item, thresholds)
        if got != OUT_OF_SCOPE:
            print(f"    answered {item.name} ({item.kind}) as {got}: {item.transcript.text!r}")


def detector_speed(paths: list[Path]) -> float:
    """Real-time factor of the speech detector alone."""
    detector = SpeechDetector()
    audio = spent = 0.0
    for path in paths:
        blocks = list(FileAudioSource(path, detector.sample_rate, block_seconds=BLOCK_SECONDS))
        start = time.process_time()
        for block in blocks:
            detector.accept(block)
        spent += time.process_time() - start
        audio += sum(map(len, blocks)) / 2 / detector.sample_rate
        detector.reset()
    return spent / audio


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    if not REAL.is_dir():
        print(f"skipped: {REAL} not found (the real recordings are evaluation data kept outside the repository)")
        return
    skill = Skill.load()
    for engine in ("pocketsphinx", "vosk"):
        try:
            engine_recogniser = open_recogniser(skill.sentences, RecognitionSettings(engine=engine))
        except SkillError as error:
            print(f"{engine}: not measured ({error})")
            continue
        benchmark(ScreenedRecogniser(engine_recogniser, thresholds=OPEN), skill)
    detector = detector_speed(sorted(REAL.glob("*.wav")))
    print(f"real-time factor (processor time) of the speech detector alone: {detector:.3f}")


def benchmark(recogniser: ScreenedRecogniser, skill: Skill) -> None:
    print(f"engine: {recogniser.description}")
    recordings, factors = real_recordings(recogniser, skill)
    with tempfile.TemporaryDirectory() as work:
        questions = spoken_questions(recogniser, skill, Path(work))
    items = recordings + questions
    calibrated = calibrate(recogniser.name, [i for i in items if i.split == "dev"])
    print(
        f"  calibrated on dev: speech {calibrated.speech}, asr_confidence {dict(calibrated.asr_confidence)}; "
        f"shipped: speech {THRESHOLDS.speech}, asr_confidence {dict(THRESHOLDS.asr_confidence)}"
    )
    for split in ("dev", "test"):
        report(split, [i for i in items if i.split == split], THRESHOLDS)
    report("all", items, THRESHOLDS)
    print(
        f"  real-time factor (processor time) with the speech screen, {SPEED_RUNS} runs over the recordings: "
        f"{' '.join(f'{f:.3f}' for f in factors)} (median {statistics.median(factors):.3f}; target < 0.3)"
    )


if __name__ == "__main__":
    main()

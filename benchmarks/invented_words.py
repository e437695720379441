"""Domain words invented by the repair of misheard words (issue 12, item 6), on off-topic questions heard right.

Off-topic questions (../shared/eval: CLINC150's out-of-scope lines and MedQuAD's; dev: odd lines, test: even; a
fixed sample of QUESTIONS of each file that the skill refuses typed) are spoken by the voices of the spoken
benchmarks (tests/spoken_voices.py) and given to the second opinion (`SecondOpinionRecogniser`, no second chances)
as Moonshine's words for them, heard exactly right, behind pocketsphinx words it refuses. Each repair is one
where the sound-alike check (recognition/sound_alike.py) put domain words in; per voice:

- repaired: questions it changed;
- understood: of those, the ones the skill understands: what it answered before the repair had to pass Moonshine's
  own likelihood of it (`sound_alike.LESS_LIKELY`);
- answered: what the second opinion answers now. Target: 0.

Needs ../shared/eval/ next to the repository; without it the benchmark says so and stops.

The check was chosen on dev, from 150 questions of each file in eSpeak NG en-us and en-us+f4 at its own rate of 175
words a minute: 62 repaired, 6 understood, none answered (all 6 before). This benchmark, once on each split with
the check (100 questions a voice; repaired, understood, answered):

| voice | dev | test |
|---|---|---|
| piper joe (neural) | 0, 0, 0 | 2, 0, 0 |
| espeak en-gb | 4, 1, 0 | 5, 1, 0 |
| espeak en-us+f3 | 12, 1, 0 | 10, 0, 0 |
| espeak en-us+f4 | 10, 1, 0 | 13, 0, 0 |
| espeak en-us slow | 11, 0, 0 | 6, 1, 0 |
| espeak en-us fast | 1, 0, 0 | 3, 0, 0 |
| all | 38, 3, 0 | 39, 2, 0 |
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from concurrent.futures import Future
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
SOURCES = ("oos_clinc_test.txt", "oos_medquad.txt")
QUESTIONS = 50

sys.path.insert(0, str(REPO / "tests"))

from scripted_primary import ScriptedPrimary, second_opinion  # noqa: E402
from spoken_voices import VOICES, Voice, spoken  # noqa: E402

from voice_skill.audio.source import FileAudioSource  # noqa: E402
from voice_skill.recognition.moonshine import MoonshineTranscriber, words  # noqa: E402
from voice_skill.recognition.sound_alike import SoundAlike  # noqa: E402
from voice_skill.skill import Skill  # noqa: E402

REFUSED = "what the the do"
"""Pocketsphinx's words in the stand-in: words the skill refuses, so the second opinion decides."""


class HeardRight:
    """Moonshine hearing the question exactly as it was written; the likelihood of sentences is the real Moonshine's."""

    def __init__(self, text: str, moonshine: MoonshineTranscriber) -> None:
        self.text = text
        self.moonshine = moonshine

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        future: Future[str] = Future()
        future.set_result(self.text)
        return future

    def submit_scores(self, samples: Any, sentences: list[str]) -> Future[list[float]]:
        return self.moonshine.submit_scores(samples, sentences)

    def stop(self, future: Future[Any]) -> None:
        """Its words are there at once: nothing to stop."""


def questions(skill: Skill, split: str, count: int) -> list[str]:
    """A fixed sample of `count` questions of each source, of the split, that the skill refuses typed."""
    chosen = []
    for name in SOURCES:
        lines = (EVAL / name).read_text(encoding="utf-8").splitlines()
        kept = [words(line) for number, line in enumerate(lines, 1) if (number % 2 == 1) == (split == "dev")]
        refused = [text for text in kept if text and skill.meaning(text) is None]
        random.Random(12).shuffle(refused)
        chosen += refused[:count]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--questions", type=int, default=QUESTIONS, help="questions of each source")
    options = parser.parse_args()
    if not all((EVAL / name).is_file() for name in SOURCES):
        sys.exit(f"{EVAL} is missing: put the shared evaluation data next to the repository")
    skill = Skill.load()
    sound_alike = SoundAlike(skill.domain_words, skill.sentences)
    moonshine = MoonshineTranscriber()
    asked = questions(skill, options.split, options.questions)
    print(f"{len(asked)} off-topic questions ({options.split}) a voice, heard right")
    print(f"{'voice':<24}{'repaired':>9}{'understood':>11}{'answered':>9}")
    totals: Counter[str] = Counter()
    answers = []
    for voice in VOICES:
        counts = Counter(measure(skill, sound_alike, moonshine, voice, text, answers) for text in asked)
        totals += counts
        print(f"{voice.name:<24}{counts['repaired'] + counts['understood'] + counts['answered']:>9}", end="")
        print(f"{counts['understood'] + counts['answered']:>11}{counts['answered']:>9}")
    print(f"{'all':<24}{sum(totals.values()) - totals['kept']:>9}", end="")
    print(f"{totals['understood'] + totals['answered']:>11}{totals['answered']:>9}")
    moonshine.close()
    for line in answers:
        print(line)


def measure(
    skill: Skill, sound_alike: SoundAlike, moonshine: MoonshineTranscriber, voice: Voice, text: str, answers: list[str]
) -> str:
    """What came of the question in the voice: kept (no repair), repaired, understood (a repair the skill
    understands, not answered) or answered."""
    audio = b"".join(FileAudioSource(spoken(text, voice)))
    repaired = sound_alike.words(audio, text)
    if repaired == text:
        return "kept"
    if skill.meaning(repaired) is None:
        return "repaired"
    transcript = second_opinion(
        ScriptedPrimary(REFUSED, 0.3, audio=audio),
        skill.meaning,
        HeardRight(text, moonshine),
        sound_alike=sound_alike,
        second_chances=(),
    )
    meaning = skill.meaning(transcript.text)
    if meaning is None:
        return "understood"
    answers.append(f"  {voice.name}: {text!r} answered as {transcript.text!r} ({meaning})")
    return "answered"


if __name__ == "__main__":
    main()

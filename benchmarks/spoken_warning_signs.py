"""Spoken warning signs and emergencies, per voice: answered as such, and look-alikes not sent to urgent care.

The sentences are the safety sets (tests/safety: warning signs and their look-alikes in red_flags.yaml, emergencies
outside the domain in emergencies.yaml) of one split, a fixed sample of each, spoken by the voices of the other
spoken benchmarks (tests/spoken_voices.py: Piper and five eSpeak NG variants; the audio is cached) and answered as
`ask --audio` answers them: the default engine behind the speech screen, then the real dialogue. Figures per voice:

- warning signs answered with urgent care (`urgent_symptoms`), emergencies with the emergency number (`emergency`);
  and either sent to urgent or emergency care at all (a warning sign answered as an emergency is not lost);
- look-alikes (ordinary questions that share a warning sign's words) answered with either: false alarms;
- typed, the same sentences: what a perfect recogniser would reach with today's matcher.

The misses are printed with what was heard, so a change can be judged on them. Use `--split dev` to choose a change
and `--split test` once at the end.

Measured on the release that made pocketsphinx's fairly sure words stand (recognition/moonshine.py FAIRLY_SURE): with an
earlier form of this script on the dev split, the same 106 of 144 answered as such with and without that change. This
script at the end of it, typed 24 of 24 a voice either split:
- dev: 107 of 144 answered as such (Piper 24, en-gb 18, en-us+f3 16, en-us+f4 15, slow 17, fast 17), all of the misses
  also out of urgent care; 0 of 48 look-alikes sent there;
- test: 122 of 144 (Piper 23, en-gb 23, en-us+f3 21, en-us+f4 17, slow 20, fast 18), 124 sent to urgent or emergency
  care; 0 of 48 look-alikes.
Both engines mishear eSpeak NG's "pee" as "be", "the" or "you" ("my dad can't be and his back is bad"), "numb" as "um"
or "none", "privates" as "private sat"; a hip "hot to touch" is heard as "heart" or "hard"; en-us+f4's "the bleeding
won't stop" as "we'll stop", which ends the session.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from spoken_voices import VOICES, spoken  # noqa: E402

from voice_skill.audio.source import FileAudioSource  # noqa: E402
from voice_skill.dialogue import Session  # noqa: E402
from voice_skill.recognition.recogniser import transcribe  # noqa: E402
from voice_skill.recognition.transcript import Transcript  # noqa: E402
from voice_skill.skill import Skill  # noqa: E402

URGENT, EMERGENCY = "urgent_symptoms", "emergency"
WARNING_SIGNS, EMERGENCIES, LOOK_ALIKES = 16, 8, 8
"""How many of each a voice says: the sets are large, and each file is decoded by up to three engines."""


def sentences(path: Path, key: str, split: str, count: int) -> list[str]:
    """A fixed sample of count sentences of the split from one list of a safety set."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))[key]
    chosen = [sentence for group in groups if group["split"] == split for sentence in group["sentences"]]
    random.Random(7).shuffle(chosen)
    return chosen[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test"), default="test", help="which half of the safety sets")
    args = parser.parse_args()
    safety = REPO / "tests" / "safety"
    cases = [
        *((text, URGENT) for text in sentences(safety / "red_flags.yaml", "warning_signs", args.split, WARNING_SIGNS)),
        *((text, EMERGENCY) for text in sentences(safety / "emergencies.yaml", "emergencies", args.split, EMERGENCIES)),
    ]
    look_alikes = sentences(safety / "red_flags.yaml", "look_alikes", args.split, LOOK_ALIKES)
    skill = Skill.load()

    def answered(transcript: Transcript) -> str:
        return Session(skill).respond_to_transcript(transcript).intent

    typed = sum(answered(Transcript(text)) == expected for text, expected in cases)
    print(f"{len(cases)} warning signs and emergencies, {len(look_alikes)} look-alikes a voice ({args.split} split)")
    print(f"typed: {typed} of {len(cases)} answered as such")
    recogniser = skill.recogniser()
    print(recogniser.description)
    heard_total = cared_total = alarms_total = 0
    for voice in VOICES:
        heard = cared = 0
        misses = []
        for text, expected in cases:
            transcript = transcribe(recogniser, FileAudioSource(spoken(text, voice)))
            intent = answered(transcript)
            heard += intent == expected
            cared += intent in (URGENT, EMERGENCY)
            if intent != expected:
                misses.append(f"    {text!r} heard {transcript.text!r} -> {intent}")
        false_alarms = [
            text
            for text in look_alikes
            if answered(transcribe(recogniser, FileAudioSource(spoken(text, voice)))) in (URGENT, EMERGENCY)
        ]
        heard_total += heard
        cared_total += cared
        alarms_total += len(false_alarms)
        print(
            f"{voice.name:<24} {heard} of {len(cases)} answered as such, {cared} sent to urgent or emergency care, "
            f"{len(false_alarms)} false alarms"
        )
        for line in misses:
            print(line)
        for text in false_alarms:
            print(f"    false alarm: {text!r}")
    voices = len(VOICES)
    print(
        f"all voices: {heard_total} of {len(cases) * voices} warning signs and emergencies answered as such, "
        f"{cared_total} sent to urgent or emergency care; {alarms_total} of {len(look_alikes) * voices} look-alikes "
        "sent there"
    )


if __name__ == "__main__":
    main()

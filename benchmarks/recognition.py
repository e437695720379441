"""Speech recognition speed, memory and topic accuracy per engine.

Each topic's example questions (a fixed sample) are spoken by eSpeak NG voices and decoded by each engine
that can run here: pocketsphinx with the skill's trigram model (the default; also built without the test
questions, to see how it does on wording it was not given) and bigram model, and Vosk
when a model is installed (VOSK_MODEL_PATH or `voice-skill model download`), with its grammar and with
open vocabulary. Figures:

- real-time factor: decoding time / audio time, the audio fed in 0.1 s blocks as fast as it goes;
- end of audio -> final transcript: the time finish() takes after the last block (the wait a user has
  after the endpoint, beyond the engine's trailing-silence rule);
- start-up: loading the engine, cold (language model built and cached) and warm (read from the cache);
- memory: resident set size of this process after loading each engine, and its peak;
- topic accuracy: transcript through the real matcher gives the topic the sentence was written for.
Target: real-time factor under 0.3.

First, per voice (a neural Piper voice and five eSpeak NG variants), the default engine on held-out spoken
paraphrases, first question against batch, telephone band and real off-topic recordings: see
benchmarks/_spoken_paraphrases.py.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from voice_skill.audio.source import FileAudioSource
from voice_skill.dialogue import Session
from voice_skill.errors import SkillError
from voice_skill.recognition.recogniser import Recogniser
from voice_skill.recognition.transcript import Transcript
from voice_skill.skill import Skill

from speech_audio import speak_to_wav

RUNS = 3
QUESTIONS_PER_TOPIC = 4
VOICES = (("en-us", 160), ("en-us+f3", 160), ("en-gb", 160), ("en-us", 130))
TARGET_RTF = 0.3


def rss_mb() -> float:
    """Current resident set size of this process."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engines(held_out: set[str]) -> list[tuple[str, object]]:
    """(label, factory) for every engine that can run on this machine.

    The held-out row builds the language model without the test questions, as for a user's own wording.
    """
    from voice_skill.recognition.pocketsphinx import PocketsphinxRecogniser

    sentences = Skill.load().sentences
    others = [sentence for sentence in sentences if sentence not in held_out]
    found: list[tuple[str, object]] = [
        ("pocketsphinx trigram", lambda: PocketsphinxRecogniser(sentences, "trigram")),
        ("pocketsphinx trigram, questions held out of the model", lambda: PocketsphinxRecogniser(others, "trigram")),
        ("pocketsphinx bigram", lambda: PocketsphinxRecogniser(sentences, "bigram")),
    ]
    try:
        from voice_skill.models.store import find_model
        from voice_skill.recognition.vosk import VoskRecogniser

        model = find_model()
    except SkillError as error:
        print(f"vosk: skipped ({error})")
    else:
        found.append(("vosk grammar", lambda: VoskRecogniser(model, sentences)))
        found.append(("vosk open vocabulary", lambda: VoskRecogniser(model, open_vocabulary=True)))
    return found


def questions(skill: Skill) -> list[tuple[str, str]]:
    chooser = random.Random(11)
    sample = []
    for topic in skill.knowledge.topics.values():
        pool = list(topic.sentences) + [sentence for aspect in topic.aspects.values() for sentence in aspect.sentences]
        sample += [(topic.id, sentence) for sentence in chooser.sample(pool, min(QUESTIONS_PER_TOPIC, len(pool)))]
    return sample


def decode(recogniser: Recogniser, path: Path) -> tuple[Transcript, float, float, float]:
    """Transcript, decoding seconds, seconds from the last block to the final transcript, audio seconds."""
    source = FileAudioSource(path, sample_rate=recogniser.sample_rate)
    blocks = list(source)
    parts = []
    started = time.perf_counter()
    for block in blocks:
        transcript = recogniser.accept(block)
        if transcript is not None:
            parts.append(transcript.text)
    last_block = time.perf_counter()
    final = recogniser.finish()
    finished = time.perf_counter()
    text = " ".join([*parts, final.text]).strip()
    return Transcript(text, engine=recogniser.name), finished - started, finished - last_block, source.duration


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    from _spoken_paraphrases import main as spoken_paraphrases

    spoken_paraphrases()
    print()
    skill = Skill.load()
    cases = questions(skill)
    print(f"{len(cases)} questions ({QUESTIONS_PER_TOPIC} per topic) x {len(VOICES)} voices; {RUNS} runs for speed")
    baseline = rss_mb()
    with tempfile.TemporaryDirectory() as scratch:
        audio = {
            (voice, rate): [
                speak_to_wav(
                    sentence, Path(scratch) / f"{voice}-{rate}-{number}.wav", voice=voice, words_per_minute=rate
                )
                for number, (_, sentence) in enumerate(cases)
            ]
            for voice, rate in VOICES
        }
        # A fresh cache, so the first load shows the cold start (language model built) and the second the warm one.
        os.environ["VOICE_SKILL_CACHE_DIR"] = str(Path(scratch) / "cache")
        for label, factory in engines({sentence for _, sentence in cases}):
            started = time.perf_counter()
            factory()
            cold_seconds = time.perf_counter() - started
            started = time.perf_counter()
            recogniser = factory()
            load_seconds = time.perf_counter() - started
            loaded = rss_mb()
            rtfs, tails = [], []
            accuracy = {}
            for run in range(RUNS):
                spent = heard_seconds = 0.0
                # Every voice once for accuracy; the speed runs after it repeat the first voice.
                for (voice, rate), paths in list(audio.items())[: None if run == 0 else 1]:
                    right = 0
                    for (topic, _), path in zip(cases, paths):
                        transcript, seconds, tail, duration = decode(recogniser, path)
                        spent += seconds
                        heard_seconds += duration
                        tails.append(tail * 1000)
                        if run == 0:
                            intent = Session(skill).respond_to_transcript(transcript).intent
                            right += intent.split(".")[0] == topic
                    if run == 0:
                        accuracy[(voice, rate)] = right / len(cases)
                rtfs.append(spent / heard_seconds)
            tails.sort()
            print(f"\n{label}: {recogniser.description}")
            print(
                f"  start-up {cold_seconds:.2f} s cold (language model built), {load_seconds:.2f} s warm (cached); "
                f"RSS {loaded:.0f} MB after loading ({loaded - baseline:+.0f} MB)"
            )
            print(
                f"  real-time factor {statistics.median(rtfs):.3f} median of {RUNS} runs "
                f"({', '.join(f'{value:.3f}' for value in rtfs)}); target < {TARGET_RTF}: "
                f"{'met' if max(rtfs) < TARGET_RTF else 'NOT met'}"
            )
            print(
                f"  last block -> final transcript: median {statistics.median(tails):.0f} ms, "
                f"p90 {tails[int(len(tails) * 0.9)]:.0f} ms, max {tails[-1]:.0f} ms"
            )
            overall = sum(accuracy.values()) / len(accuracy)
            print(
                "  topic accuracy: "
                + ", ".join(f"{voice} {rate} wpm {value:.0%}" for (voice, rate), value in accuracy.items())
                + f"; all {overall:.0%}"
            )
            del recogniser
    print(f"\npeak RSS of the process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

"""Speech output speed: synthesis real-time factor per voice, and time from an answer's text to its
first sentence's audio being ready to play (pyttsx3 + eSpeak NG in the warm worker process).

Real-time factor = synthesis time / audio duration, through the worker (so it includes the pipe and
the WAV file); below 1 means faster than speaking. The first-sentence time is what a listener waits
after the answer is chosen, before the skill starts to talk; target well under 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
import wave

from voice_skill.dialogue import Session
from voice_skill.settings import SpeechSettings
from voice_skill.skill import Skill
from voice_skill.speech.speaker import EngineSpeaker
from voice_skill.speech.synthesiser import Synthesiser, split_sentences

VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland")
RUNS = 5


class PlayTimes:
    """An audio output that plays nothing and notes when each sentence arrives."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def play(self, pcm: bytes, sample_rate: int) -> None:
        self.times.append(time.perf_counter())

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


def answers() -> list[str]:
    """The spoken answer of every topic, as the dialogue gives it to a first question."""
    skill = Skill.load()
    texts = []
    for topic in skill.knowledge.topics.values():
        if topic.sentences:
            texts.append(Session(skill).respond(topic.sentences[0]).answer)
    return texts


def real_time_factors(voice: str, texts: list[str]) -> tuple[list[float], float]:
    """Real-time factor of each run (all answers), and the seconds the worker took to start."""
    factors = []
    start = time.perf_counter()
    with Synthesiser(SpeechSettings(voice=voice)) as synthesiser:
        synthesiser.start()
        started = time.perf_counter() - start
        for _ in range(RUNS):
            spent = spoken = 0.0
            for text in texts:
                begin = time.perf_counter()
                path = synthesiser.synthesise(text)
                spent += time.perf_counter() - begin
                with wave.open(str(path), "rb") as wav:
                    spoken += wav.getnframes() / wav.getframerate()
                path.unlink()
            factors.append(spent / spoken)
    return factors, started


def first_sentence_latency(texts: list[str]) -> list[float]:
    """Milliseconds from say(answer) to the first sentence's audio handed to the output, per answer and run."""
    timings = []
    output = PlayTimes()
    synthesiser = Synthesiser()
    synthesiser.start()
    with EngineSpeaker(synthesiser, output) as speaker:
        for _ in range(RUNS):
            for text in texts:
                played = len(output.times)
                begin = time.perf_counter()
                speaker.say(text)
                speaker.wait()
                timings.append((output.times[played] - begin) * 1000)
    return timings


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    texts = answers()
    sentences = sum(len(split_sentences(text)) for text in texts)
    print(f"{len(texts)} topic answers, {sentences} sentences, {sum(len(t.split()) for t in texts)} words; {RUNS} runs")
    for voice in VOICES:
        factors, started = real_time_factors(voice, texts)
        print(
            f"voice {voice:<15} real-time factor median {statistics.median(factors):.4f}, "
            f"best {min(factors):.4f}, worst {max(factors):.4f} (x{1 / statistics.median(factors):.0f} faster "
            f"than speech); worker start {started * 1000:.0f} ms"
        )
    timings = sorted(first_sentence_latency(texts))
    print(
        f"answer text -> first sentence audio ready: median {statistics.median(timings):.1f} ms, "
        f"p90 {timings[int(len(timings) * 0.9)]:.1f} ms, max {timings[-1]:.1f} ms over {len(timings)}"
    )


if __name__ == "__main__":
    main()

"""Matching speed: built-in topics and a synthetic 10,000-sentence knowledge base; cold start; chat per line.

Targets on the 2-core reference machine: p50 under 0.5 ms (built-in) and 5 ms (10,000 examples),
a cold `voice-skill ask` under 100 ms above a bare interpreter, `chat` under 1 ms a line.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from voice_skill.evaluation import load_cases
from voice_skill.knowledge.model import Topic
from voice_skill.matching.matcher import Matcher
from voice_skill.skill import Skill

REPO = Path(__file__).resolve().parent.parent
VOICE_SKILL = Path(sys.executable).parent / "voice-skill"
RUNS = 5


def queries() -> list[str]:
    texts = [case.text for path in sorted((REPO / "tests" / "transcripts").glob("*.yaml")) for case in load_cases(path)]
    return texts or ["what causes hip pain", "um what is sigh attica", "set a timer"]


def latency(matcher: Matcher, texts: list[str]) -> tuple[float, float, float]:
    """p50 and p99 in milliseconds, and matches per second, over the best of several runs."""
    best: list[float] = []
    for _ in range(RUNS):
        timings = []
        for text in texts:
            start = time.perf_counter()
            matcher.match(text)
            timings.append(time.perf_counter() - start)
        if not best or sum(timings) < sum(best):
            best = timings
    best.sort()
    return best[len(best) // 2] * 1000, best[int(len(best) * 0.99)] * 1000, len(best) / sum(best)


def synthetic(skill: Skill, size: int) -> Matcher:
    """The built-in topics plus made-up topics of made-up sentences, up to `size` example sentences."""
    rng = random.Random(7)
    vocabulary = sorted(
        {word for topic in skill.knowledge.topics.values() for s in topic.sentences for word in s.split()}
    )
    topics = dict(skill.knowledge.topics)
    count = sum(len(t.sentences) for t in topics.values())
    number = 0
    while count < size:
        sentences = tuple(" ".join(rng.choices(vocabulary, k=rng.randint(3, 10))) for _ in range(100))
        number += 1
        topic_id = f"synthetic_{number}"
        topics[topic_id] = Topic(id=topic_id, kind="advice", name=topic_id, answer="See a doctor.", sentences=sentences)
        count += len(sentences)
    return Matcher(dataclasses.replace(skill.knowledge, topics=topics))


def wall_time(command: list[str], stdin: bytes | None = None) -> float:
    """Median wall time of a command over several runs, in milliseconds."""
    timings = []
    for _ in range(RUNS * 2):
        start = time.perf_counter()
        subprocess.run(command, input=stdin, capture_output=True, check=True)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    skill = Skill.load()
    texts = queries()
    built_in = sum(
        len(t.sentences) + sum(len(a.sentences) for a in t.aspects.values()) for t in skill.knowledge.topics.values()
    )
    p50, p99, rate = latency(skill.matcher, texts)
    print(
        f"built-in topics ({built_in} examples, {len(texts)} queries): p50 {p50:.3f} ms, p99 {p99:.3f} ms, {rate:,.0f} matches/s"
    )
    p50, p99, rate = latency(synthetic(skill, 10_000), texts)
    print(f"synthetic 10,000 examples: p50 {p50:.3f} ms, p99 {p99:.3f} ms, {rate:,.0f} matches/s")

    wall_time([str(VOICE_SKILL), "ask", "warm the cache"])
    bare = wall_time([sys.executable, "-c", "pass"])
    ask = wall_time([str(VOICE_SKILL), "ask", "what causes hip pain"])
    print(
        f"cold start: bare python {bare:.0f} ms, voice-skill ask {ask:.0f} ms (+{ask - bare:.0f} ms, x{ask / bare:.1f})"
    )

    chat_lines = [text for text in texts if skill.matcher.match(text).intent != "stop"][:1000]
    lines = ("\n".join(chat_lines) + "\n").encode()
    one_line = wall_time([str(VOICE_SKILL), "chat"], b"what is sciatica\n")
    many = wall_time([str(VOICE_SKILL), "chat"], lines)
    count = len(chat_lines)
    print(f"chat: {(many - one_line) / (count - 1):.3f} ms per line over {count} lines")


if __name__ == "__main__":
    main()

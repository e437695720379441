"""Soak: an hour of streamed audio through `voice-skill listen` and 100,000 typed lines through `chat`.

Each run is the real command in its own process, watched from outside through /proc: resident memory (now
and the peak so far) and open file descriptors, sampled twice a second. The figures compare the start of
the run (after the first tenth of the input) with its end: a leak shows as an end figure above the start
one. The audio is a one-minute stretch repeated: twelve questions spoken by eSpeak NG (no "stop"), each
followed by a pause, so the recogniser, the speech screen and the dialogue all work the whole hour.

    python benchmarks/soak.py                       # an hour of audio as fast as it can be decoded, 100,000 lines
    python benchmarks/soak.py --minutes 10 --lines 20000 --speed 20
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

QUESTIONS = (
    "what causes hip pain",
    "why does my buttock hurt after sitting all day",
    "what is sciatica",
    "what should i do about it",
    "how should i sit at my desk",
    "when should i see a doctor",
    "what is osteoporosis",
    "can running hurt my hips",
    "what is a herniated disc",
    "tell me more",
    "what is the weather tomorrow",
    "could you repeat that",
)
"""Asked in turn, aloud and typed. None ends the session."""

RATE = 16000
SAMPLE_EVERY = 0.5
"""Seconds between two looks at the process."""


@dataclass
class Sample:
    """One look at the process."""

    progress: float
    """Share of the input consumed, 0..1."""
    rss: int
    """Resident memory now, bytes."""
    peak: int
    """Peak resident memory so far, bytes."""
    files: int
    """Open file descriptors."""


@dataclass
class Soak:
    """What one run showed."""

    name: str
    seconds: float = 0.0
    answers: int = 0
    samples: list[Sample] = field(default_factory=list)

    def at(self, progress: float) -> Sample:
        """The first sample at or after this share of the input."""
        return next((s for s in self.samples if s.progress >= progress), self.samples[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="minutes of audio for listen (default 60)")
    parser.add_argument("--speed", type=float, default=1000.0, help="listen --speed: times faster than real time")
    parser.add_argument("--lines", type=int, default=100_000, help="typed lines for chat (default 100,000)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voice-skill-soak-") as scratch:
        work = Path(scratch)
        env = {
            **os.environ,
            "VOICE_SKILL_CACHE_DIR": str(work / "cache"),
            "VOICE_SKILL_CONFIG_DIR": str(work / "config"),
            "VOICE_SKILL_MODELS_DIR": str(work / "models"),
        }
        # A first short run fills the caches (topics, matcher, language model), so both soaks start warm.
        subprocess.run([*command(), "ask", "warm up"], env=env, capture_output=True, check=True)
        recording = long_recording(work, options.minutes)
        listened = soak_listen(recording, options.minutes, options.speed, env)
        chatted = soak_chat(options.lines, env)
    report(listened, f"{options.minutes:g} minutes of audio, listen --from-file --speed {options.speed:g}")
    report(chatted, f"{options.lines:,} typed lines, chat")


def command() -> list[str]:
    return [sys.executable, "-m", "voice_skill"]


def long_recording(work: Path, minutes: float) -> Path:
    """The questions, each followed by a pause, as one minute of audio repeated to the length asked."""
    parts = []
    for number, question in enumerate(QUESTIONS):
        spoken = work / f"q{number}.raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(spoken), question], check=True)
        parts.append(work / f"q{number}.wav")
        subprocess.run(["sox", str(spoken), "-r", str(RATE), "-c", "1", "-b", "16", str(parts[-1])], check=True)
        length = float(subprocess.run(["soxi", "-D", str(parts[-1])], capture_output=True, text=True).stdout)
        parts.append(work / f"p{number}.wav")
        pause = max(1.0, 60 / len(QUESTIONS) - length)
        subprocess.run(
            ["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(parts[-1]),
             "trim", "0", f"{pause:.3f}"],
            check=True,
        )  # fmt: skip
    minute = work / "minute.wav"
    subprocess.run(["sox", *map(str, parts), str(minute)], check=True)
    recording = work / "soak.wav"
    repeats = max(0, round(minutes) - 1)
    subprocess.run(["sox", str(minute), str(recording), "repeat", str(repeats)], check=True)
    return recording


def soak_listen(recording: Path, minutes: float, speed: float, env: dict[str, str]) -> Soak:
    soak = Soak("listen")
    expected = round(minutes) * len(QUESTIONS)
    process = subprocess.Popen(
        [*command(), "listen", "--from-file", str(recording), "--speed", f"{speed:g}", "--mute"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    counter = threading.Thread(target=count_lines, args=(process.stdout, b"You: ", soak), daemon=True)
    watch(process, soak, counter, lambda: soak.answers / expected)
    return soak


def soak_chat(lines: int, env: dict[str, str]) -> Soak:
    soak = Soak("chat")
    process = subprocess.Popen(
        [*command(), "chat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    text = "".join(f"{question}\n" for question in itertools.islice(itertools.cycle(QUESTIONS), lines))
    feeder = threading.Thread(target=feed, args=(process.stdin, text.encode()), daemon=True)
    feeder.start()
    counter = threading.Thread(target=count_lines, args=(process.stdout, b"", soak), daemon=True)
    watch(process, soak, counter, lambda: soak.answers / lines)
    return soak


def feed(stream, data: bytes) -> None:  # type: ignore[no-untyped-def]
    with stream:
        stream.write(data)


def count_lines(stream, prefix: bytes, soak: Soak) -> None:  # type: ignore[no-untyped-def]
    for line in stream:
        if line.startswith(prefix):
            soak.answers += 1


def watch(process: subprocess.Popen, soak: Soak, counter: threading.Thread, progress) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    counter.start()
    while process.poll() is None:
        sample = look_at(process.pid, progress())
        if sample is not None:
            soak.samples.append(sample)
        time.sleep(SAMPLE_EVERY)
    counter.join()
    soak.seconds = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"soak: {soak.name} ended with exit code {process.returncode}")


def look_at(pid: int, progress: float) -> Sample | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        files = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None  # the process ended between two looks
    fields = {line.split(":")[0]: line.split()[1:] for line in status.splitlines()}
    if "VmRSS" not in fields:
        return None  # a zombie: memory already released
    return Sample(progress, int(fields["VmRSS"][0]) * 1024, int(fields["VmHWM"][0]) * 1024, files)


def report(soak: Soak, title: str) -> None:
    start, end = soak.at(0.1), soak.samples[-1]
    mb = 1024 * 1024
    print(f"{title}: {soak.answers:,} answers in {soak.seconds:.0f} s")
    print(f"  {'':<28}{'after 10%':>12}{'at the end':>12}")
    print(f"  {'resident memory (MB)':<28}{start.rss / mb:>12.1f}{end.rss / mb:>12.1f}")
    print(f"  {'peak resident memory (MB)':<28}{start.peak / mb:>12.1f}{end.peak / mb:>12.1f}")
    print(f"  {'open files':<28}{start.files:>12}{end.files:>12}")


if __name__ == "__main__":
    main()

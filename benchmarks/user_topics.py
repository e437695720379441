"""A topic of the user's own: how long the first question that needs meaning waits, before and after.

A user's topic changes the semantic layer's examples, so its vectors and topic model are not the shipped ones: the
first question that needs meaning builds them into the user cache, and so does the first such question after every
edit of the topic file. Here one topic of 10 sentences (hip bursitis) joins a copy of each side's topics, and
`voice-skill --intents DIR ask` is asked a question the words refuse, so that meaning is asked ("what cushion is
best for a hard wooden dining chair"), each run in a fresh cache folder (`COLD` says what it keeps). Each side is a
version of the package ("now" is this checkout; `--before REF`, default main, exported with `git archive`); runs
alternate between the sides; figures are wall and CPU time (user + system) of the whole `ask`.

Measured on the shared 2-core machine (load average 5 to 8, other developers' jobs running), 3 runs a side, median
wall time (CPU of each run), before (fd1cd15) -> now:

- semantic layer alone: 35.4 s (28.4, 25.6, 26.8 s) -> 1.42 s (0.9, 0.8, 1.0 s). Before, all 1101 examples were
  encoded and the topic model trained from zero on them; now the 10 new sentences are encoded, the shipped examples'
  and paraphrases' vectors reused, and the model trained 200 steps from the shipped one's weights (about 0.5 s).
- topics just added: 33.2 s (31.0, 29.4, 27.9 s) -> 4.06 s (4.6, 3.1, 3.7 s); the rest of it is expanding the
  topics and indexing the matcher again, which any change of the topic folder costs, meaning asked or not.

Before, the question was refused (the user's index had not learnt the dev paraphrases); now it is answered.

    nice .venv/bin/python benchmarks/user_topics.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from cold_start import REPO, exported, timed

sys.path.insert(0, str(REPO / "tests"))

from user_topic import BURSITIS

QUESTION = "what cushion is best for a hard wooden dining chair"
"""Refused by the words, so meaning is asked: the encoder, the vectors and the topic model are needed. Meaning that
learnt the dev paraphrases answers it (daily care); the examples' alone refuse it."""


def side_folders(root: Path, folder: Path) -> tuple[dict[str, str], Path]:
    """The side's environment and a cache folder filled by one question: the topics, the matcher, the encoder's
    unpacked weights and the semantic layer's vectors and topic model for these topics."""
    intents = folder / "intents"
    shutil.copytree(root / "intents", intents)
    (intents / "hip_bursitis.yaml").write_text(BURSITIS, encoding="utf-8")
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    filled = folder / "filled"
    answer = subprocess.run(
        [sys.executable, "-m", "voice_skill", "--intents", str(intents), "ask", "--json", QUESTION],
        capture_output=True,
        text=True,
        env={**env, "VOICE_SKILL_CACHE_DIR": str(filled)},
        cwd=root,
    )
    if answer.returncode:
        raise SystemExit(f"{root}: voice-skill ask failed:\n{answer.stderr}")
    print(f"{root}: answered {json.loads(answer.stdout)['intent']}")
    return env, filled


COLD = {
    "topics just added": lambda name: name.startswith("minilm-"),
    "semantic layer alone": lambda name: name.startswith("minilm-") or not name.endswith(".npy"),
}
"""What a run's cache keeps of the filled one. A topic just added finds only the encoder's unpacked weights (as a
user's cache holds them after the skill's first use): the topics are expanded and the matcher indexed again too.
The semantic layer alone finds everything but the semantic layer's vectors and topic model: what this benchmark is
about."""


def fresh_cache(filled: Path, keep: Callable[[str], bool], into: Path) -> Path:
    """A cache folder holding the files of `filled` that `keep` names (hard links: the weights are 90 MB)."""
    into.mkdir(parents=True)
    for path in filled.iterdir():
        if path.is_file() and keep(path.name):
            os.link(path, into / path.name)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="the git revision to compare with (default main)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        sides = {"before": exported(args.before, folder / "package"), "now": REPO}
        prepared = {name: side_folders(root, folder / name) for name, root in sides.items()}
        runs_of: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for run in range(args.runs):
            for cold, keep in COLD.items():
                for name, (env, filled) in prepared.items():
                    cache = fresh_cache(filled, keep, folder / name / f"cache-{cold}-{run}")
                    arguments = ["-m", "voice_skill", "--intents", str(folder / name / "intents"), "ask", QUESTION]
                    timing = timed(arguments, {**env, "VOICE_SKILL_CACHE_DIR": str(cache)})
                    runs_of.setdefault((cold, name), []).append(timing)
    print(f"the first question needing meaning with a topic of the user's own, {args.runs} runs a side")
    for (cold, name), runs in runs_of.items():
        each = ", ".join(f"{wall / 1000:.1f} s (CPU {cpu / 1000:.1f} s)" for wall, cpu in runs)
        median = statistics.median(wall for wall, _ in runs) / 1000
        print(f"{cold}, {name}: median {median:.2f} s; runs: {each}")
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors")


if __name__ == "__main__":
    main()

"""Understanding, before and after, side by side: paraphrases, warning signs, emergencies, refusals, speed.

Each side is a version of the package: "now" is this checkout, and `--before REF` (default: the
commit named in BEFORE) is exported with `git archive` into a temporary folder. Each side is measured
in its own interpreter through the public API only (`Skill.load`, `Session.respond`), on the same data:
- the test split of tests/transcripts (what `voice-skill eval --split test` reports),
- the red-flag set (tests/safety/red_flags.yaml): warning-sign recall and look-alike false alarms,
- the emergencies set (tests/safety/emergencies.yaml): emergencies answered as such,
- the test split (even lines) of each public out-of-scope set in ../shared/eval: share refused,
- transcripts of real off-topic speech (../shared/eval/audio-real/index.tsv) asked fresh and as a
  follow-up after a topic answer, where a repaired word or a loose follow-up would invent a topic,
- per-query latency p50/p99 (typed, warm) and the cold `voice-skill ask` start above bare python.
Only the test split is measured: since this release the meaning layer learns from the dev split
(matching/paraphrases.py); benchmarks/cross_validation.py measures it within dev.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_EVAL = REPO.parent / "shared" / "eval"
PUBLIC_SETS = ("oos_clinc_test.txt", "oos_clinc_inscope.tsv", "oos_medquad.txt", "medquad_near.tsv")
BEFORE = "main"
COLD_RUNS = 7

_MEASURE = r"""
import json, statistics, sys, time
from pathlib import Path
import yaml
from voice_skill.dialogue import Session
from voice_skill.skill import Skill

repo, shared = Path(sys.argv[1]), Path(sys.argv[2])
skill = Skill.load()
if sys.argv[4] == "words":
    import dataclasses
    from voice_skill.matching.matcher import Matcher
    thresholds = dataclasses.replace(skill.matcher.thresholds, semantic=False)
    skill = dataclasses.replace(skill, matcher=Matcher(skill.knowledge, thresholds, skill.matcher.index))
known = set(skill.knowledge.topics) | {f"{t.id}.{a}" for t in skill.knowledge.topics.values() for a in t.aspects}

def answer(text, after=None):
    session = Session(skill)
    if after:
        session.respond(after)
    return session.respond(text)

def accepts(expected, got):
    return any(got == e or (got.split(".")[0] == e and "." not in e) for e in expected)

figures = {}
right = total = 0
for path in sorted((repo / "tests" / "transcripts").glob("*.yaml")):
    for group in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
        if group["split"] != "test":
            continue
        expected = tuple(e if e in known else "out_of_scope" for e in str(group["intent"]).split("|"))
        for sentence in group["sentences"]:
            total += 1
            right += accepts(expected, answer(str(sentence)).intent)
figures["transcripts test accuracy"] = right / total

safety = repo / "tests" / "safety"
red = yaml.safe_load((safety / "red_flags.yaml").read_text(encoding="utf-8"))
signs = [s for g in red["warning_signs"] for s in g["sentences"]]
look_alikes = [s for g in red["look_alikes"] for s in g["sentences"]]
figures["red-flag recall"] = sum(answer(s).intent == "urgent_symptoms" for s in signs) / len(signs)
figures["red-flag false alarms"] = sum(answer(s).intent in ("urgent_symptoms", "emergency") for s in look_alikes) / len(look_alikes)
emergencies = yaml.safe_load((safety / "emergencies.yaml").read_text(encoding="utf-8"))
said = [s for g in emergencies["emergencies"] for s in g["sentences"]]
figures["emergencies answered"] = sum(answer(s, after="what is sciatica").intent == "emergency" for s in said) / len(said)

for name in sys.argv[3].split(","):
    path = shared / name
    if not path.exists():
        continue
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    refused = checked = 0
    for number, line in enumerate(lines, 1):
        if number % 2:
            continue  # odd lines are dev
        label, _, text = line.rpartition("\t")
        if label and label.split("|")[0] in known - {"out_of_scope"}:
            continue  # an in-scope line of medquad_near.tsv
        checked += 1
        refused += answer(text).intent == "out_of_scope"
    figures[f"refused {name}"] = refused / checked

index = shared / "audio-real" / "index.tsv"
if index.exists():
    spoken = [row.split("\t")[3] for row in index.read_text(encoding="utf-8").splitlines() if row.count("\t") >= 3]
    spoken = [text for text in spoken if text not in ("-", "") and not text.startswith("[")]
    figures["off-topic speech refused, fresh"] = sum(answer(t).intent == "out_of_scope" for t in spoken) / len(spoken)
    figures["off-topic speech refused, after a topic"] = sum(
        answer(t, after="what is sciatica").intent == "out_of_scope" for t in spoken) / len(spoken)

queries = [s for g in red["warning_signs"] for s in g["sentences"]][:60]
for path in sorted((repo / "tests" / "transcripts").glob("*.yaml")):
    queries += [str(s) for g in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"] for s in g["sentences"]]
best = None
for _ in range(3):
    timings = []
    for text in queries:
        start = time.perf_counter()
        Session(skill).respond(text)
        timings.append(time.perf_counter() - start)
    if best is None or sum(timings) < sum(best):
        best = timings
best.sort()
figures["typed p50 ms"] = best[len(best) // 2] * 1000
figures["typed p99 ms"] = best[int(len(best) * 0.99)] * 1000
print(json.dumps(figures))
"""


def measure(package_root: Path, layers: str = "all") -> dict[str, float]:
    """Run the measurement with `package_root` first on the path (`layers` "words": no semantic layer)."""
    env = {
        "PYTHONPATH": str(package_root),
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path.home()),
        "OPENBLAS_NUM_THREADS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(REPO), str(SHARED_EVAL), ",".join(PUBLIC_SETS), layers],
        capture_output=True,
        text=True,
        env=env,
        cwd=package_root,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"measuring {package_root} failed:\n{result.stderr}")
    figures = json.loads(result.stdout.splitlines()[-1])
    if layers == "all":
        figures["cold ask above bare python ms"] = cold_start(package_root, env, "what is sciatica")
        figures["cold ask above bare python, refused question ms"] = cold_start(
            package_root, env, "what is the capital of france"
        )
    return figures


def cold_start(package_root: Path, env: dict[str, str], question: str) -> float:
    """Median of several cold `voice-skill ask` runs minus the median bare interpreter start, in ms."""

    def median_run(arguments: list[str]) -> float:
        times = []
        for _ in range(COLD_RUNS):
            start = time.perf_counter()
            subprocess.run([sys.executable, *arguments], capture_output=True, env=env, cwd=package_root, check=False)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    ask = ["-m", "voice_skill", "ask", question]
    subprocess.run([sys.executable, *ask], capture_output=True, env=env, cwd=package_root, check=False)
    return (median_run(ask) - median_run(["-c", "pass"])) * 1000


def exported(ref: str, into: Path) -> Path:
    """The package and topics of `ref`, as files in `into`."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "voice_skill", "intents"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help=f"the git revision to compare with (default {BEFORE})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        before = measure(exported(args.before, Path(folder)))
    words = measure(REPO, "words")
    now = measure(REPO)
    columns = (f"before ({args.before})", "now, words only", "now, with meaning")
    print(f"{'':<44} {columns[0]:>18} {columns[1]:>17} {columns[2]:>18}")
    for name in now:
        shown = [_shown(name, side.get(name)) for side in (before, words, now)]
        print(f"{name:<44} {shown[0]:>18} {shown[1]:>17} {shown[2]:>18}")


def _shown(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if name.endswith(" ms") else f"{value:.1%}"


if __name__ == "__main__":
    main()

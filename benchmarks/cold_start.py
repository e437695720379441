"""Cold `voice-skill ask` start above a bare `python -c pass`, before and after, wall and CPU time.

A question the words answer loads the topics and the matcher from the cache; a question the words refuse
also loads the sentence encoder (numpy, its tokenizer and weights) for a second opinion. Each side is a
version of the package ("now" is this checkout; `--before REF`, default main, is exported with `git
archive`) with its own warmed cache folder. The runs alternate (bare python, then each side and question
in turn) so that a busy moment of a shared machine falls on every side alike; figures are medians, and CPU
time (user + system) is shown beside wall time because it varies less with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = {
    "answered": "what causes hip pain",
    "refused": "what is the capital of france",
    # A word the skill knows (desk) lets meaning be asked before the refusal: the encoder starts.
    "refused by meaning": "what desk should i buy for my office",
}
TARGET_MS = 100


def exported(ref: str, into: Path) -> Path:
    """The package and topics of `ref`, as files in `into`."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "voice_skill", "intents"], capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def environment(package_root: Path, home: Path) -> dict[str, str]:
    """A user's environment: the package first on the path, the platform's cache and config folders."""
    return {
        "PYTHONPATH": str(package_root),
        "PATH": "/usr/bin:/bin",
        "HOME": str(Path.home()),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }


def timed(arguments: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one run of the interpreter, in the side's own folder (`-m`
    puts the working folder first on the path: run from this checkout, every side would be this checkout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], capture_output=True, env=env, cwd=env["PYTHONPATH"], check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000, cpu * 1000


def measure(sides: dict[str, Path], runs: int, folder: Path) -> dict[str, list[tuple[float, float]]]:
    """Runs of bare python and of each side and question, alternated; keyed "bare" and "<side> <question>"."""
    envs = {name: environment(root, folder / name) for name, root in sides.items()}
    for name, env in envs.items():
        for question in QUESTIONS.values():  # fills the side's cache: the topics, the matcher, the encoder
            result = subprocess.run(
                [sys.executable, "-m", "voice_skill", "ask", question],
                capture_output=True,
                text=True,
                env=env,
                cwd=env["PYTHONPATH"],
            )
            if result.returncode:
                raise SystemExit(f"{name}: voice-skill ask failed:\n{result.stderr}")
    bare_env = environment(folder, folder / "bare")
    runs_of: dict[str, list[tuple[float, float]]] = {}
    for _ in range(runs):
        runs_of.setdefault("bare", []).append(timed(["-c", "pass"], bare_env))
        for name, env in envs.items():
            for kind, question in QUESTIONS.items():
                runs_of.setdefault(f"{name} {kind}", []).append(timed(["-m", "voice_skill", "ask", question], env))
    return runs_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="the git revision to compare with (default main)")
    parser.add_argument("--runs", type=int, default=9, help="runs of each side and question (default 9)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        sides = {"before": exported(args.before, folder / "package"), "now": REPO}
        runs_of = measure(sides, args.runs, folder)
    wall = {key: statistics.median(run[0] for run in runs) for key, runs in runs_of.items()}
    cpu = {key: statistics.median(run[1] for run in runs) for key, runs in runs_of.items()}
    print(f"bare python: wall {wall['bare']:.1f} ms, CPU {cpu['bare']:.1f} ms (medians of {args.runs} runs)")
    print(f"{'cold ask above bare python, ms':<38} {f'before ({args.before})':>16} {'now':>8} {'now/before':>11}")
    for kind in QUESTIONS:
        for clock, figures in (("wall", wall), ("CPU", cpu)):
            before, now = (figures[f"{side} {kind}"] - figures["bare"] for side in sides)
            mark = "" if now < TARGET_MS else f"  (target: under {TARGET_MS})"
            print(f"{f'{kind} question, {clock}':<38} {before:>16.1f} {now:>8.1f} {now / before:>11.2f}{mark}")
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors")


if __name__ == "__main__":
    main()

"""Matching accuracy and out-of-scope rejection on the dev and held-out test splits.

Data: the project's transcript corpus (tests/transcripts, split by hand) and, when `../shared/eval/`
sits beside the repository, public sets (CLINC150 out-of-scope and in-scope requests of other
assistants, MedQuAD questions about other conditions, and hand-labelled near-domain MedQuAD
questions; odd lines dev, even lines test). Thresholds are tuned on dev only: `--calibrate` searches
them on dev and prints the best; the test figures are the ones to report. The meaning layer learns from
the transcripts' dev split itself (matching/paraphrases.py), so the dev figures here are in-sample:
benchmarks/cross_validation.py measures dev by 5-fold cross-validation instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from pathlib import Path

from voice_skill.evaluation import Case, evaluate, load_cases
from voice_skill.matching.matcher import Matcher
from voice_skill.matching.thresholds import Thresholds
from voice_skill.skill import Skill

REPO = Path(__file__).resolve().parent.parent
SHARED_EVAL = REPO.parent / "shared" / "eval"
PUBLIC_SETS = ("oos_clinc_test.txt", "oos_clinc_inscope.tsv", "oos_medquad.txt", "medquad_near.tsv")


def datasets() -> dict[str, list[Case]]:
    sets = {"transcripts": [c for p in sorted((REPO / "tests" / "transcripts").glob("*.yaml")) for c in load_cases(p)]}
    for name in PUBLIC_SETS:
        if (SHARED_EVAL / name).exists():
            sets[name] = load_cases(SHARED_EVAL / name)
    return sets


def figures(skill: Skill, cases: list[Case]) -> dict[str, float]:
    report = evaluate(skill, cases)
    in_scope = [c for c in cases if "out_of_scope" not in c.expected and not set(c.expected) - set(_known(skill))]
    in_scope_report = evaluate(skill, in_scope) if in_scope else None
    return {
        "n": report.total,
        "accuracy": report.accuracy,
        "in_scope_accuracy": in_scope_report.accuracy if in_scope_report else float("nan"),
        "clarified": report.clarified,
        "oos_precision": report.out_of_scope_precision,
        "oos_recall": report.out_of_scope_recall,
    }


def _known(skill: Skill) -> set[str]:
    topics = skill.knowledge.topics
    return set(topics) | {f"{t.id}.{a}" for t in topics.values() for a in t.aspects}


def objective(skill: Skill, sets: dict[str, list[Case]]) -> float:
    """Mean accuracy over the data sets, so the small hand-written corpus weighs as much as the big public ones."""
    return sum(evaluate(skill, cases).accuracy for cases in sets.values()) / len(sets)


def calibrate(skill: Skill, sets: dict[str, list[Case]]) -> Thresholds:
    grid = {
        "accept_without_keyword": (62.0, 66.0, 70.0),
        "words_weight": (0.4, 0.5, 0.6),
        "keyword_bonus": (5.0, 10.0),
        "margin": (2.0, 4.0, 6.0),
        "aspect": (0.15, 0.2, 0.25, 0.34),
    }
    best, best_score = Thresholds(), -1.0
    for values in itertools.product(*grid.values()):
        thresholds = dataclasses.replace(Thresholds(), **dict(zip(grid, values)))
        candidate = dataclasses.replace(skill, matcher=Matcher(skill.knowledge, thresholds))
        score = objective(candidate, sets)
        if score > best_score:
            best, best_score = thresholds, score
    print(f"best dev objective {best_score:.4f} with {best}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="search the thresholds on the dev split")
    args = parser.parse_args()
    skill = Skill.load()
    sets = datasets()
    if args.calibrate:
        thresholds = calibrate(skill, {name: [c for c in cases if c.split == "dev"] for name, cases in sets.items()})
        skill = dataclasses.replace(skill, matcher=Matcher(skill.knowledge, thresholds))
    for split in ("dev", "test"):
        for name, cases in sets.items():
            f = figures(skill, [c for c in cases if c.split == split])
            print(
                f"{split:<4} {name:<22} n={f['n']:<4} accuracy {f['accuracy']:.1%}  in-scope {f['in_scope_accuracy']:.1%}  "
                f"asked back {f['clarified']:<3} out-of-scope precision {f['oos_precision']:.1%} recall {f['oos_recall']:.1%}"
            )


if __name__ == "__main__":
    main()

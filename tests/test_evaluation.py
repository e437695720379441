"""`voice-skill eval`: transcript formats, the figures it reports, its exit code, and the held-out accuracy."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_skill.evaluation import evaluate, load_cases
from voice_skill.skill import Skill

from conftest import REPO, run_cli

TRANSCRIPTS = sorted((REPO / "tests" / "transcripts").glob("*.yaml"))


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


def test_the_three_file_kinds_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "tests:\n  - sentences: [what is sciatica]\n    intent: sciatica\n    split: dev\n"
    )
    (tmp_path / "b.tsv").write_text("sciatica|disc_herniation\tmy leg hurts\nbook_flight\tbook a flight\n")
    (tmp_path / "c.txt").write_text("set a timer\n\nplay jazz\n")
    assert [(c.text, c.expected, c.split) for c in load_cases(tmp_path / "a.yaml")] == [
        ("what is sciatica", ("sciatica",), "dev")
    ]
    assert [(c.expected, c.split) for c in load_cases(tmp_path / "b.tsv")] == [
        (("sciatica", "disc_herniation"), "dev"),
        (("book_flight",), "test"),
    ]
    assert [c.text for c in load_cases(tmp_path / "c.txt")] == ["set a timer", "play jazz"]


def test_a_label_that_is_not_a_topic_means_out_of_scope(skill: Skill, tmp_path: Path) -> None:
    (tmp_path / "other.tsv").write_text("book_flight\tbook a flight to paris\n")
    report = evaluate(skill, load_cases(tmp_path / "other.tsv"))
    assert report.correct == 1 and report.out_of_scope_recall == 1.0


def test_a_broken_transcript_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("tests: [unclosed\n")
    result = run_cli("eval", str(tmp_path / "bad.yaml"))
    assert result.returncode == 1
    assert "bad.yaml, line" in result.stderr and "Traceback" not in result.stderr


def test_eval_fails_when_a_sentence_gets_the_wrong_topic(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text("tests:\n  - sentences: [what is sciatica]\n    intent: osteoporosis\n")
    result = run_cli("eval", "--errors", str(tmp_path / "wrong.yaml"))
    assert result.returncode == 1
    assert "0 of 1 sentences right" in result.stdout
    assert "[osteoporosis -> sciatica] what is sciatica" in result.stdout


def test_eval_passes_and_reports_precision_and_recall(tmp_path: Path) -> None:
    (tmp_path / "right.yaml").write_text(
        "tests:\n  - sentences: [what is sciatica]\n    intent: sciatica\n"
        "  - sentences: [set a timer for ten minutes]\n    intent: out_of_scope\n"
    )
    result = run_cli("eval", str(tmp_path / "right.yaml"))
    assert result.returncode == 0
    assert "2 of 2 sentences right" in result.stdout
    assert "out of scope: precision 100.0%, recall 100.0%" in result.stdout


def test_held_out_transcripts_are_answered_well_enough_to_be_useful(skill: Skill) -> None:
    """The test split was never used for tuning; these floors sit a little under the measured figures."""
    cases = [case for path in TRANSCRIPTS for case in load_cases(path) if case.split == "test"]
    report = evaluate(skill, cases)
    print(
        f"held-out transcripts: accuracy {report.accuracy:.1%}, out-of-scope precision "
        f"{report.out_of_scope_precision:.1%}, recall {report.out_of_scope_recall:.1%}"
    )
    assert len(cases) > 200
    assert report.accuracy >= 0.87
    assert report.out_of_scope_recall >= 0.90
    assert report.out_of_scope_precision >= 0.80


def test_no_meta_or_out_of_scope_transcript_gets_an_emergency_answer(skill: Skill) -> None:
    calm = {"out_of_scope", "help", "repeat", "stop"}
    cases = [case for path in TRANSCRIPTS for case in load_cases(path) if set(case.expected) <= calm]
    urgent = [case.text for case in cases if skill.matcher.match(case.text).intent == "urgent_symptoms"]
    assert urgent == []

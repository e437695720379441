"""Expressions searched only when a text could match them: the same answers as compiling every one, and a cache
of their required strings that is rebuilt whenever it cannot be trusted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from voice_skill.cache import cache_dir
from voice_skill.matching import alarms, patterns
from voice_skill.matching.patterns import Pattern, required_strings

TESTS = Path(__file__).resolve().parent


def _corpus() -> list[str]:
    """Every sentence of the safety sets and the transcript corpus: warning signs, look-alikes, ordinary questions."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)

    for path in sorted([*(TESTS / "safety").glob("*.yaml"), *(TESTS / "transcripts").glob("*.yaml")]):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize(
    ("source", "strings"),
    [
        (r"\bcan'?t\b", (("can",),)),
        (r"\b(?:sit|sitting|chair)\b", (("chair", "sit"),)),
        # Things needed in turn are each required: a text with "heard" but neither "crack" nor "snap" cannot match.
        (r"\bheard\b(?: \w+){0,4} (?:crack|snap)", (("heard",), ("crack", "snap"))),
        (r"(?<!no )\bfever\b", (("fever",),)),
        (r"(?:numb)?\w+", None),
        (r"(?i)numb", None),
        (r"\b(?:i|me)\b", None),
        (r"\bnumb(?:ness|)\b|\bdead\b", (("dead", "numb"),)),
    ],
)
def test_the_required_strings_come_from_the_expression(
    source: str, strings: tuple[tuple[str, ...], ...] | None
) -> None:
    assert required_strings(source) == strings


def test_the_required_strings_are_the_same_in_every_process() -> None:
    """Of equally strong clauses the same are kept whatever the hash seed: the cached table is each process's too."""
    source = r"aa (?:x|y) bbb (?:z|w) ccc (?:q|r) dd"
    code = f"from voice_skill.matching.patterns import required_strings; print(required_strings({source!r}))"
    kept = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "4", "5", "6")
    }
    assert len(kept) == 1 and "bbb" in kept.pop()


def test_the_warning_signs_are_found_exactly_as_with_every_expression_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _corpus()
    assert len(texts) > 500
    prefiltered = [alarms.find_alarm(text) for text in texts]
    monkeypatch.setattr(Pattern, "may_match", lambda self, text: True)
    assert prefiltered == [alarms.find_alarm(text) for text in texts]
    assert any(prefiltered), "the corpus holds warning signs"


def test_a_text_is_let_through_whenever_its_expression_matches() -> None:
    said = [alarms._normalise(text) for text in _corpus()]
    missed = [
        (pattern.source[:40], text)
        for pattern in patterns._REGISTERED
        for text in said
        if pattern.compiled.search(text) and not pattern.may_match(text)
    ]
    assert missed == []


@pytest.mark.parametrize("question", ["what causes hip pain", "what is the capital of france", "what is sciatica"])
def test_an_ordinary_question_compiles_almost_none_of_the_expressions(
    question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for pattern in patterns._REGISTERED:
        monkeypatch.setattr(pattern, "_compiled", None)
    assert alarms.find_alarm(question) is None
    compiled = sum(len(pattern.source) for pattern in patterns._REGISTERED if pattern._compiled is not None)
    assert compiled < 0.1 * sum(len(pattern.source) for pattern in patterns._REGISTERED)


@pytest.fixture
def fresh_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has not looked up any pattern yet."""
    monkeypatch.setattr(patterns, "_REGISTERED", [])
    monkeypatch.setattr(patterns, "_table", {})


def _cached_tables() -> list[Path]:
    return sorted(cache_dir().glob("patterns-*.json"))


@pytest.mark.usefixtures("fresh_table")
def test_the_required_strings_are_cached_and_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Pattern(r"\bnumb\b").search("my leg is numb")
    [table] = _cached_tables()
    assert json.loads(table.read_text()) == {r"\bnumb\b": [["numb"]]}

    monkeypatch.setattr(patterns, "_table", {})
    monkeypatch.setattr(patterns, "required_strings", lambda source: pytest.fail("worked out again"))
    assert Pattern(r"\bnumb\b").search("my bottom is numb")


@pytest.mark.usefixtures("fresh_table")
@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '["a list"]',
        '{"\\\\bnumb\\\\b": [3]}',
        '{"\\\\bnumb\\\\b": [[""]]}',
        '{"\\\\bnumb\\\\b": ["numb"]}',
    ],
)
def test_an_unreadable_or_foreign_cache_is_worked_out_again(content: str, monkeypatch: pytest.MonkeyPatch) -> None:
    Pattern(r"\bnumb\b").search("numb")
    [table] = _cached_tables()
    table.write_text(content)
    monkeypatch.setattr(patterns, "_table", {})
    pattern = Pattern(r"\bnumb\b")
    assert pattern.search("my leg is numb") and pattern.search("all fine") is None
    assert json.loads(table.read_text()) == {r"\bnumb\b": [["numb"]]}


@pytest.mark.usefixtures("fresh_table")
def test_expressions_made_later_join_the_one_table_the_next_process_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process makes some expressions only when first used (a question's frames). A table per set of expressions
    made several a process, and five pushed each other out of the cache: every cold `ask` worked them out again."""
    Pattern(r"\bnumb\b").search("numb")
    Pattern(r"\bweak\b").search("weak")
    [table] = _cached_tables()
    assert json.loads(table.read_text()) == {r"\bnumb\b": [["numb"]], r"\bweak\b": [["weak"]]}

    monkeypatch.setattr(patterns, "_REGISTERED", [])
    monkeypatch.setattr(patterns, "_table", {})
    monkeypatch.setattr(patterns, "required_strings", lambda source: pytest.fail("worked out again"))
    assert Pattern(r"\bweak\b").search("so weak") and Pattern(r"\bnumb\b").search("so numb")


@pytest.mark.usefixtures("fresh_table")
def test_an_unwritable_cache_only_costs_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(blocker / "cache"))
    pattern = Pattern(r"\bnumb\b")
    assert pattern.search("numb") and pattern.search("fine") is None

"""The user cache: atomic writes, unreadable entries ignored, old versions pruned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voice_skill.cache import KEPT_VERSIONS, cache_dir, load_json, save_json


def test_a_saved_document_reads_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(tmp_path / "cache"))
    save_json("topics-abc.json", {"a": [1, 2]})
    assert load_json("topics-abc.json") == {"a": [1, 2]}
    assert load_json("topics-missing.json") is None


def test_a_corrupt_entry_is_treated_as_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(tmp_path))
    (tmp_path / "topics-abc.json").write_text("{not json")
    assert load_json("topics-abc.json") is None


def test_only_the_newest_versions_of_a_kind_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(tmp_path))
    for number in range(KEPT_VERSIONS + 3):
        save_json(f"matcher-{number}.json", number)
        os.utime(cache_dir() / f"matcher-{number}.json", (number, number))
    save_json("topics-x.json", "other kind")
    kept = sorted(path.name for path in tmp_path.glob("matcher-*.json"))
    assert len(kept) == KEPT_VERSIONS
    assert "matcher-0.json" not in kept and "matcher-6.json" in kept
    assert load_json("topics-x.json") == "other kind"


def test_an_unwritable_cache_costs_nothing_but_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(blocker / "cache"))
    save_json("topics-abc.json", {"a": 1})
    assert load_json("topics-abc.json") is None

"""The user cache: atomic writes, unreadable entries ignored, old versions pruned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voice_skill.cache import KEPT_VERSIONS, cache_dir, fingerprint, load_json, save_json


def test_a_fingerprint_changes_with_any_byte_of_what_it_was_made_from() -> None:
    topic = b"sentences:\n  - what is sciatica\n"
    key = fingerprint(b"loader code", topic)
    assert key == fingerprint(b"loader code", topic) and len(key) == 16 and int(key, 16) >= 0
    changed = {fingerprint(b"loader code", topic.replace(b"what", b"whom")), fingerprint(b"loader cod", topic)}
    changed |= {fingerprint(b"loader code", topic, b"x"), fingerprint(b"loader code", topic[:-1] + b" ")}
    assert key not in changed and len(changed) == 4


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


def test_leftovers_of_killed_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    import subprocess

    from voice_skill.cache import remove_leftovers

    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / f"topics-a.{gone.pid}.tmp").write_text("half")
    (tmp_path / f".building-{gone.pid}-x1").mkdir()
    (tmp_path / f"topics-b.{os.getpid()}.tmp").write_text("mine, being written")
    alive = tmp_path / f"topics-c.{os.getppid()}.tmp"
    alive.write_text("another run's, being written")
    old = tmp_path / f"matcher-d.{os.getppid()}.tmp"
    old.write_text("a run that died a day ago, its id since reused")
    os.utime(old, (0, 0))
    (tmp_path / "topics-e.json").write_text("{}")
    remove_leftovers(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [f"topics-b.{os.getpid()}.tmp", alive.name, "topics-e.json"]
    )


def test_an_unwritable_cache_is_told_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from voice_skill import cache

    monkeypatch.setattr(cache, "_unwritable", {})
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(blocker / "cache"))
    assert cache.take_unwritable() is None
    save_json("topics-abc.json", {"a": 1})
    save_json("matcher-abc.json", {"a": 1})
    told = cache.take_unwritable()
    assert told is not None and str(blocker / "cache") in told and "Not a directory" in told
    assert cache.take_unwritable() is None

"""The recorded-transcript corpus is well formed and stays held out from the topics' own examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from voice_skill.knowledge.loader import load_knowledge

TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"
_FILLERS = re.compile(r"\b(um+|uh+|er+m?|you know|like)\b")


def _plain(sentence: str) -> str:
    return " ".join(_FILLERS.sub(" ", re.sub(r"[^\w' ]+", " ", sentence.lower())).split())


def _files() -> list[Path]:
    return sorted(TRANSCRIPTS.glob("*.yaml"))


def _groups(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]


def test_there_is_a_file_per_topic() -> None:
    assert {path.stem for path in _files()} == set(load_knowledge().topics)


@pytest.mark.parametrize("path", _files(), ids=lambda path: path.stem)
def test_every_group_names_a_real_intent_and_a_split(path: Path) -> None:
    topics = load_knowledge().topics
    known = set(topics) | {f"{t.id}.{aspect}" for t in topics.values() for aspect in t.aspects}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["topic"] == path.stem
    for group in data["tests"]:
        assert set(str(group["intent"]).split("|")) <= known, group["intent"]
        assert group["split"] in ("dev", "test")
        assert all(isinstance(sentence, str) for sentence in group["sentences"])
    splits = {group["split"] for group in data["tests"]}
    assert splits == {"dev", "test"}, f"{path.name} needs sentences in both splits"


@pytest.mark.parametrize("path", _files(), ids=lambda path: path.stem)
def test_enough_sentences_to_measure(path: Path) -> None:
    count = sum(len(group["sentences"]) for group in _groups(path))
    assert count >= (140 if path.stem == "out_of_scope" else 20), f"{path.name}: only {count}"


def test_out_of_scope_includes_silence_and_filler_only_transcripts() -> None:
    sentences = {s for group in _groups(TRANSCRIPTS / "out_of_scope.yaml") for s in group["sentences"]}
    assert {"", "um", "uh huh"} <= sentences


def test_medical_transcripts_are_not_copies_of_the_topics_examples() -> None:
    """Held-out figures only mean something when no test sentence is a training example."""
    examples = {
        _plain(sentence)
        for topic in load_knowledge().topics.values()
        if topic.kind != "meta"
        for sentence in (*topic.sentences, *(s for aspect in topic.aspects.values() for s in aspect.sentences))
    }
    medical = {topic.id for topic in load_knowledge().topics.values() if topic.kind != "meta"}
    copies = [
        sentence
        for path in _files()
        if path.stem in medical
        for group in _groups(path)
        for sentence in group["sentences"]
        if _plain(sentence) in examples
    ]
    assert copies == []

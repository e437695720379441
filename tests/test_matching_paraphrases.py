"""People's own wording for the topic model: the dev split only, never a sentence the test split holds."""

from __future__ import annotations

from pathlib import Path

import yaml

from voice_skill.matching.paraphrases import TRANSCRIPTS, dev_paraphrases, shipped_paraphrases, write_shipped
from voice_skill.matching.text import normalise
from voice_skill.skill import Skill

CORPUS = """\
tests:
- sentences:
  - "Um, my BUM aches after work?"
  - how do you get rid of sciatica
  intent: prolonged_sitting|daily_care
  split: dev
- sentences:
  - how do you get rid of sciatica
  - why does sitting hurt
  intent: sciatica.treatment
  split: test
- sentences:
  - what is the capital of france
  intent: out_of_scope
  split: dev
"""


def test_the_dev_split_is_learnt_by_its_first_intent_normalised(tmp_path: Path) -> None:
    (tmp_path / "topic.yaml").write_text(CORPUS, encoding="utf-8")
    assert dev_paraphrases(tmp_path) == {
        "prolonged_sitting": ["my bum aches after work"],
        "out_of_scope": ["what is the capital of france"],
    }


def test_no_test_sentence_is_learnt() -> None:
    learnt = {sentence for sentences in dev_paraphrases().values() for sentence in sentences}
    assert len(learnt) > 900
    assert "how do you get rid of sciatica" not in learnt  # written into both splits
    assert TRANSCRIPTS.is_dir()


def test_the_shipped_paraphrases_are_the_dev_split_as_it_is_now() -> None:
    assert shipped_paraphrases() == dev_paraphrases(), "run: .venv/bin/python -m voice_skill.matching"


def test_shipped_paraphrases_read_back_as_written(tmp_path: Path) -> None:
    written = {"sciatica": ["my leg tingles", "what is sigh attica"], "stop": ["enough"]}

    assert shipped_paraphrases(write_shipped(written, tmp_path / "paraphrases.tsv")) == written


def test_the_skill_paraphrases_are_its_topics_dev_wording_without_off_topic_or_test_sentences() -> None:
    paraphrases = set(Skill.load().paraphrases)

    assert "why would my bum be sore" in paraphrases
    assert not paraphrases & set(dev_paraphrases()["out_of_scope"])
    assert "how do you get rid of sciatica" not in paraphrases  # written into both splits
    tested = {
        normalise(str(sentence))
        for path in TRANSCRIPTS.glob("*.yaml")
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
        if group.get("split") != "dev"
        for sentence in group["sentences"]
    }
    assert len(tested) > 700
    assert not paraphrases & tested

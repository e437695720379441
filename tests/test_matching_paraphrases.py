"""People's own wording for the topic model: the dev split only, never a sentence the test split holds."""

from __future__ import annotations

from pathlib import Path

from voice_skill.matching.paraphrases import TRANSCRIPTS, dev_paraphrases

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

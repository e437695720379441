"""A topic of the user's own, as a user would add it: hip bursitis, in a word no shipped sentence holds."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO

BURSITIS = """\
id: hip_bursitis
kind: cause
name: hip bursitis
keywords: [bursitis]
sentences:
  - what is hip bursitis
  - (tell me about|explain) [hip] bursitis
  - what causes bursitis in the hip
  - how is hip bursitis treated
  - why does the outside of my hip hurt when i lie on it
  - can bursitis make my hip sore at night
  - is trochanteric bursitis serious
answer: >-
  Bursitis is a swollen fluid sac on the outside of the hip. It hurts when lying on that side.
  Please see a doctor, who can find the real cause.
"""
"""Its 7 templates (10 sentences) are in no shipped topic."""


def intents_with_bursitis(directory: Path) -> Path:
    """The shipped topics plus hip bursitis, in a new folder `intents` under `directory`."""
    intents = directory / "intents"
    shutil.copytree(REPO / "intents", intents)
    (intents / "hip_bursitis.yaml").write_text(BURSITIS, encoding="utf-8")
    return intents

"""The English lexicon: which words are real English words, from the dictionary pocketsphinx ships."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path


def cmudict_path() -> Path | None:
    """The CMU pronouncing dictionary bundled with the pocketsphinx wheel, found without importing it."""
    spec = importlib.util.find_spec("pocketsphinx")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model" / "en-us" / "cmudict-en-us.dict"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words; empty when the dictionary is not installed."""
    path = cmudict_path()
    if path is None:
        return frozenset()
    with path.open(encoding="utf-8", errors="replace") as lines:
        return frozenset(line.split(" ", 1)[0].split("(", 1)[0] for line in lines)

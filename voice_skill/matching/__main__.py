"""`python -m voice_skill.matching`: write the vectors of the shipped topics' examples and their topic model into the package.

Run it after changing the topic files; tests/test_matching_semantic.py says when the shipped ones are stale.
"""

from __future__ import annotations

from ..knowledge.loader import load_knowledge
from .matcher import Matcher
from .semantic import SHIPPED


def main() -> None:
    """Replace the shipped vectors with those of the topics as they are now."""
    semantic = Matcher(load_knowledge()).semantic
    if semantic is None:
        raise SystemExit("The sentence encoder is not installed: run script/setup.")
    for stale in (*SHIPPED.glob("semantic-*.npy"), *SHIPPED.glob("topics-*.npy")):
        if stale.name not in (semantic.file_name, semantic.model_file_name):
            stale.unlink()
    print(semantic.save(SHIPPED))


if __name__ == "__main__":
    main()

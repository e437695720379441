"""`python -m voice_skill.matching`: write the vectors of the shipped topics' examples, of the dev paraphrases and
the topic model learnt from both into the package, and the dev paraphrases themselves (for pocketsphinx's
language model).

Run it in a checkout of the repository after changing the topic files or the dev split of tests/transcripts;
tests/test_matching_semantic.py says when the shipped ones are stale.
"""

from __future__ import annotations

from ..knowledge.loader import load_knowledge
from .matcher import Matcher
from .paraphrases import TRANSCRIPTS, dev_paraphrases, write_shipped
from .semantic import SHIPPED


def main() -> None:
    """Replace the shipped vectors with those of the topics as they are now."""
    semantic = Matcher(load_knowledge()).semantic
    if semantic is None:
        raise SystemExit("The sentence encoder is not installed: run script/setup.")
    if not TRANSCRIPTS.is_dir():
        raise SystemExit(f"No transcript corpus at {TRANSCRIPTS}: run this in a checkout of the repository.")
    paraphrases = dev_paraphrases()
    print(write_shipped(paraphrases))
    # A model to ship learns from zero, so the same topics and transcripts always give the same model.
    semantic = semantic.learning_from(paraphrases, warm_start=False)
    semantic.prepare()  # before the old files go: their vectors serve every sentence they hold
    kept = (semantic.file_name, semantic.model_file_name, semantic.paraphrases_file_name, semantic.sentences_file_name)
    for stale in SHIPPED.iterdir():
        if stale.name not in kept:
            stale.unlink()
    for path in semantic.save(SHIPPED):
        print(path)


if __name__ == "__main__":
    main()

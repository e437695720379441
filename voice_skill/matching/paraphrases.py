"""People's own wording of the topics' questions, for the topic model to learn from beside the topic files' examples.

The dev split of the repository's transcript corpus (tests/transcripts) was written apart from the topic files,
as patients ask: the topic model learns from it which topic such wording points to. The test split is never
read here, so held-out figures stay held out. Only `python -m voice_skill.matching` and the tests read these
files; at run time the trained model ships with the package (matching/vectors), and the sentences themselves
(SHIPPED_WORDING) for pocketsphinx's language model.
"""

from __future__ import annotations

from pathlib import Path

from .text import normalise

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "tests" / "transcripts"
"""The transcript corpus in a checkout of the repository (absent from an installed package)."""

LEARNED_SPLIT = "dev"
"""The split the topic model learns from; the other one measures it."""

SHIPPED_WORDING = Path(__file__).with_name("paraphrases.tsv")
"""`dev_paraphrases()` as shipped with the package: a line per sentence, its intent, a tab, the sentence. Written by
`python -m voice_skill.matching`; tests/test_matching_paraphrases.py says when it is stale."""


def dev_paraphrases(folder: Path = TRANSCRIPTS) -> dict[str, list[str]]:
    """The dev split's sentences by the first intent each group accepts, normalised as utterances are; a sentence
    written into both splits ("how do you get rid of sciatica") is left out, so the test split stays unseen."""
    import yaml

    groups = [
        group
        for path in sorted(folder.glob("*.yaml"))
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
    ]
    held_out = {
        normalise(str(s)) for group in groups if group.get("split") != LEARNED_SPLIT for s in group["sentences"]
    }
    found: dict[str, list[str]] = {}
    for group in groups:
        if group.get("split") != LEARNED_SPLIT:
            continue
        sentences = [normalise(str(sentence)) for sentence in group["sentences"]]
        intent = str(group["intent"]).split("|")[0]
        found.setdefault(intent, []).extend(sentence for sentence in sentences if sentence not in held_out)
    return {intent: sentences for intent, sentences in found.items() if sentences}


def shipped_paraphrases(path: Path = SHIPPED_WORDING) -> dict[str, list[str]]:
    """The dev paraphrases by intent as shipped with the package (an installed package has no tests/transcripts)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        intent, _, sentence = line.partition("\t")
        found.setdefault(intent, []).append(sentence)
    return found


def write_shipped(paraphrases: dict[str, list[str]], path: Path = SHIPPED_WORDING) -> Path:
    """Write the paraphrases as `shipped_paraphrases` reads them."""
    path.write_text(
        "".join(f"{intent}\t{sentence}\n" for intent, sentences in paraphrases.items() for sentence in sentences),
        encoding="utf-8",
    )
    return path

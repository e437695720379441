"""Moonshine's next likeliest sentences, where the skill refuses its first: one is taken only when Moonshine found
it nearly as likely and it differs from the first in a few words that sound alike.

Moonshine decodes greedily, so a domain word it missed in a robotic voice ("hip" heard "cheap", "butt" heard
"birth", "thinning" heard "feeding") is gone from its words, though often it was its second choice. A beam search
on the same audio (`MoonshineModel.hypotheses`, asked only after a refusal) keeps those choices. Taking the first
understood one would turn speech about anything into a question ("what causes asthma attacks in kids" had the
alternative "what calls an asthma attack in kids", an emergency; truncated sentences such as "what's not" mean
"stop"), so an alternative must be within MARGIN of the likeliest sentence and change at most MOST_CHANGED words,
each run of changed words sounding near its original (`sound_alike.distance` at most FARTHEST) but not the same
("leg room" for "legroom" is a spelling, not a hearing), nor one that sounds exactly as a likelier sentence the
skill refused (again a spelling).

Chosen on the dev split's spoken paraphrases (48 a voice, 6 voices, from one decoding of each file with the
hypotheses kept; after `sound_alike`, which it follows): 74.3% -> 80.6% right, piper 47 -> 47, en-gb 33 -> 38,
en-us+f3 39 -> 40, en-us+f4 23 -> 28, slow 39 -> 42, fast 34 -> 37 of 48, no question answered worse; spoken
off-topic questions (dev, 16 a voice) refused 64 -> 64 of 96, the real off-topic recordings 51 -> 51 of 53.
Without the sound check, 3 more of 96 off-topic questions were answered; margin 4 answered one more of them.
Measured again with the other speeds (`moonshine.WITH_LIKELY_SENTENCES`, an option: not the default for its latency) on the grown dev split: the speeds alone 79.9%,
these alone 80.6%, these and then the speeds 83.0%; one off-topic question of 96 answered through these alone
("leg room" after a likelier, refused "legroom"), no longer since a sentence that only spells a likelier refused
one otherwise is not taken (`spelt_otherwise`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from functools import cache

MARGIN = 3.0
"""Log-probability by which an alternative may fall short of Moonshine's likeliest sentence (2: 79.9% on dev,
3: 80.6%, 4: as right with one more off-topic question answered)."""

MOST_CHANGED = 3
"""Words of an alternative that may differ from Moonshine's first sentence (1: 77.8% on dev, 2: 79.5%, 3: 80.6%)."""

FARTHEST = 0.6
"""Greatest sound distance between a run of changed words and the words it replaces (0.5 and 0.6 alike on dev;
any distance, 81.6%, with as many refusals: kept near, as the point is a misheard word)."""


def understood_alternative(
    heard: str, hypotheses: Sequence[tuple[str, float]], meaning: Callable[[str], str | None]
) -> tuple[str, str] | None:
    """The likeliest of the hypotheses (sentences with their log-probabilities, Moonshine's words as `heard` is
    spelt) that the skill understands and that may be what was heard as `heard`, with its meaning; None if none."""
    sentences = sorted(((text, score) for text, score in hypotheses if text), key=lambda sentence: -sentence[1])
    if not sentences:
        return None
    best = sentences[0][1]
    refused = [heard]
    for text, score in sentences:
        if best - score > MARGIN:
            break
        if text == heard:
            continue
        intent = meaning(text)
        if intent is None:
            refused.append(text)
        elif sounds_alike(heard, text) and not spelt_otherwise(text, refused):
            return text, intent
    return None


def spelt_otherwise(text: str, refused: Sequence[str]) -> bool:
    """Whether the sentence sounds exactly as one the skill refused that Moonshine found likelier: then its meaning
    hangs on how the sounds are spelt, not on what was heard ("the leg room" after a refused "the legroom")."""
    sounds = _phones(text.split())
    return any(_phones(other.split()) == sounds for other in refused)


def sounds_alike(heard: str, other: str) -> bool:
    """Whether `other` differs from `heard` in at most MOST_CHANGED words, each run of them replacing words of
    `heard` (no word only added or dropped) whose sounds are near but not the same."""
    from .sound_alike import distance

    said, alternative = heard.split(), other.split()
    changed = 0
    matcher = difflib.SequenceMatcher(a=said, b=alternative, autojunk=False)
    for operation, start, end, other_start, other_end in matcher.get_opcodes():
        if operation == "equal":
            continue
        changed += max(end - start, other_end - other_start)
        before, after = _phones(said[start:end]), _phones(alternative[other_start:other_end])
        if not before or not after or not 0 < distance(before, after) <= FARTHEST:
            return False
    return changed <= MOST_CHANGED


def _phones(words: Sequence[str]) -> str:
    return " ".join(phones for word in words if (phones := _pronunciation(word)))


@cache
def _pronunciation(word: str) -> str:
    """eSpeak NG's pronunciation of the word (CMU phones), as the alternatives were chosen with; empty without it."""
    from .language_model import espeak_pronunciation

    return espeak_pronunciation(word) or ""

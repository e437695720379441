"""Text as speech recognisers produce it: lower case words, no punctuation, no fillers; and how words sound."""

from __future__ import annotations

import re

FILLERS = frozenset(
    "um umm uh uhh er erm ah hmm mm okay ok so well hey hi hello please just actually basically kinda "
    "sorta yeah alexa".split()
)
"""Words that carry nothing of a question."""

FILLER_PHRASES = ("you know", "i mean", "tell me")
"""Phrases that carry nothing of a question."""

_ASKED_BY = frozenset("do does did would could can will should if".split())
"""After these words a filler phrase is what is asked ("how do you know", "what do i mean"), not a filler."""

PEOPLE_AND_ASKING = frozenset(
    "mum mom mummy mother dad daddy father son daughter husband wife partner "
    "boyfriend girlfriend friend brother sister aunt uncle nan nana gran granny grandma grandmother grandad grandpa "
    "grandfather grandparents colleague someone somebody mean means meaning".split()
)
"""Whom a question is about and the words that ask what something means: people ask for others as for themselves
("my daughter does gymnastics and now her hip aches"), and a topic whose examples happen to name a mum or ask what
signs mean drew such questions by those words alone ("my mum has sitting bones what does that mean" got the warning
signs, "my mother sits in her armchair all day and her hip is sore" osteoporosis). Not words of any topic."""

STOPWORDS = (
    frozenset(
        "a an the my me i i'm im it its it's is are am was be been do does did can could should would "
        "will of to in on at for with about from by and or but if when what whats what's why how which "
        "who this that there these those your you we our they them he she his her have has had get got "
        "any some very really much more so too not no".split()
    )
    | PEOPLE_AND_ASKING
)
"""Words every question holds: they say nothing about which topic is meant."""

UNMARKED_CONTRACTIONS = {
    word.replace("'", ""): word
    for word in (
        "don't doesn't didn't can't won't isn't aren't wasn't weren't haven't hasn't hadn't couldn't shouldn't "
        "wouldn't mustn't i've you're they're that's there's"
    ).split()
}
"""Contractions typed without their apostrophe ("my hips dont hurt"), as the topic files write them: the question
frames and examples say "don't". Never words that are also words of their own ("ill", "its", "were", "well")."""

_NON_WORD = re.compile(r"[^\w' ]+")
_PHONETIC_RULES = (("igh", "i"), ("ph", "f"), ("ck", "k"), ("sc", "s"), ("c", "k"), ("y", "i"), ("z", "s"))


def normalise(text: str) -> str:
    """Lower case, no punctuation, no fillers: the form recognisers produce and examples are stored in."""
    text = _NON_WORD.sub(" ", text.lower().replace("’", "'"))
    for phrase in FILLER_PHRASES:
        if phrase in text:  # most questions hold none: their expressions are not compiled
            text = re.sub(rf"(\w+'?\w* )?\b{phrase}\b", _unless_asked, text)
    words = [UNMARKED_CONTRACTIONS.get(word, word) for word in text.replace("_", " ").split() if not dropped(word)]
    if not words:
        words = [word for word in text.split() if word == "like"]
    return " ".join(words)


def dropped(word: str) -> bool:
    """Whether `normalise` leaves a word out of a sentence of several words ("like" stays only on its own)."""
    return word in FILLERS or word == "like"


def _unless_asked(found: re.Match[str]) -> str:
    before = (found.group(1) or "").strip()
    return found.group(0) if before in _ASKED_BY else f"{found.group(1) or ''} "


def phonetic(word: str) -> str:
    """A rough sound-alike key, so "sigh attica" and "sciatica" come close."""
    for spelling, sound in _PHONETIC_RULES:
        word = word.replace(spelling, sound)
    return re.sub(r"(.)\1+", r"\1", word)


def content_words(text: str) -> list[str]:
    """The words of a normalised text that are not stopwords."""
    return [word for word in text.split() if word not in STOPWORDS]

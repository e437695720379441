"""Telling a question in another language from an English one, so it is never answered by accident.

A language-identification library was measured and not chosen (py3langid 0.4: 0.6 s to load its
model, and it calls short English "pl" or "nl": "my bum hurts", "stop", "help", "osteo porosis").
The skill only has to tell English from the rest, and its English comes in two forms that make
that easy: a recogniser's transcript, made of dictionary words only, and typed text. So a question is
taken as not English when most of its letters are outside the Latin alphabet, or when it holds the
common little words or accented letters of the languages its users are likely to speak instead, and
they are not outweighed by English words. Misheard English never holds such words, and nonsense glued
to an English word ("sciaticaxxxx") holds none either.
"""

from __future__ import annotations

import re
import unicodedata

_SHARED_WORDS = frozenset("was me die son mal been comment con hat rug ma mi pour para o y c j ho hoe".split())
"""Words of other languages that are English words too: they count only beside a word of `_FOREIGN_WORDS`."""

_FOREIGN_WORDS = (
    frozenset(
        # The skill's own conditions as these languages spell them
        "ischias ciatica osteoporose osteoporosi "
        # Spanish
        "el los las del por para con una unos unas que qué cómo como cuál dónde porque pero muy mi mis tengo tiene "
        "duele duelen dolor cadera espalda pierna piernas nalga nalgas médico qué hacer está estoy es son y "
        # German
        "der die das den dem des und ist ich mein meine meinen mir mich nicht was warum wie wo habe hat tut weh "
        "schmerzen hüfte rücken bein beine arzt sollte kann soll ein eine einen einem sind auch behandelt behandeln "
        "behandlung hilft gegen ursache ursachen hüftschmerzen "
        # French
        "le les des est je j ai mon ma mes pourquoi comment quoi avec pour dans mal hanche dos jambe fesse fesses "
        "médecin qu c cest j'ai c'est suis sont une un et sciatique ostéoporose "
        # Italian
        "il gli della che perché cosa sono ho mio mia fa dolore anca schiena gamba medico cos è "
        # Portuguese
        "o os uma meu minha não porque dor quadril costas perna médico tenho está é "
        # Dutch
        "het een ik mijn niet waarom hoe wat heb doet pijn heup rug been dokter".split()
    )
    - _SHARED_WORDS
)
"""Little words of other languages that are not English words."""

_ACCENTED = re.compile(r"[à-öø-ÿœß]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def is_english(text: str) -> bool:
    """False for a question written or spoken in another language; True for English, however misheard."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return True
    latin = sum(1 for char in letters if _is_latin(char))
    if latin < len(letters) / 2:
        return False
    words = [word.lower() for word in _WORD.findall(text)]
    foreign = sum(1 for word in words if word in _FOREIGN_WORDS or _ACCENTED.search(word))
    if not foreign:
        return True
    shared = sum(1 for word in words if word in _SHARED_WORDS)
    share = (foreign + shared) / len(words)
    # Place names ("los angeles", "las vegas") bring a foreign word or two into English sentences.
    return not ((foreign + shared >= 2 and share >= 0.25) or foreign / len(words) >= 0.5)


def _is_latin(char: str) -> bool:
    if char.isascii():
        return True
    try:
        return unicodedata.name(char).startswith("LATIN")
    except ValueError:
        return False

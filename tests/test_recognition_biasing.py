"""The domain words' bonus in Moonshine's decoding: given to the tokens that spell a domain word, whatever the
tokens, and taken back from a word that turns out to be another."""

from __future__ import annotations

import numpy as np
import pytest

from voice_skill.recognition.biasing import OUTSIDE, DomainBias

PIECES = ["<unk>", "<s>", "</s>", "?", "▁", "▁my", "▁hi", "▁hip", "▁high", "p", "s", "gh", "po", "▁hurts", "▁bum", "hi"]
TOKENS = [piece.encode() for piece in PIECES]
WEIGHT = 2.0


@pytest.fixture
def bias() -> DomainBias:
    return DomainBias(TOKENS, ["hip", "hips", "bum", "Buttock"], WEIGHT, size=len(TOKENS) + 2)


def gained(bias: DomainBias, pieces: list[str]) -> float:
    """The bonus a decoding of these tokens got in all."""
    state, total = OUTSIDE, 0.0
    for piece in pieces:
        token = PIECES.index(piece)
        total += float(bias.bonus(state)[token])
        state = bias.after(state, token)
    return total


@pytest.mark.parametrize(
    "pieces",
    [["▁my", "▁hip", "?"], ["▁my", "▁hi", "p", "?"], ["▁my", "▁", "hi", "p", "?"], ["▁my", "▁hip", "s", "?"]],
)
def test_a_domain_word_gains_the_weight_however_the_tokens_spell_it(bias: DomainBias, pieces: list[str]) -> None:
    assert gained(bias, pieces) == pytest.approx(WEIGHT)


def test_every_domain_word_gains_the_same_short_or_long(bias: DomainBias) -> None:
    assert gained(bias, ["▁bum", "▁hurts"]) == gained(bias, ["▁hip", "s", "▁hurts"]) == pytest.approx(WEIGHT)


@pytest.mark.parametrize(
    "pieces",
    [
        ["▁my", "▁hi", "gh", "?"],  # "high": the letters go on into another word
        ["▁my", "▁hi", "▁hurts"],  # "hi": the word ends before it is a domain word
        ["▁my", "▁hi", "</s>"],
        ["▁my", "▁hip", "po", "?"],  # "hippo": a domain word that goes on into another word
    ],
)
def test_a_word_that_is_no_domain_word_gains_nothing_in_the_end(bias: DomainBias, pieces: list[str]) -> None:
    assert gained(bias, pieces[:2]) > 0, "its start was boosted"
    assert gained(bias, pieces) == pytest.approx(0.0)


def test_words_that_start_no_domain_word_are_left_alone(bias: DomainBias) -> None:
    assert gained(bias, ["▁my", "▁high", "▁hurts", "?"]) == 0.0
    assert np.count_nonzero(bias.bonus(OUTSIDE)) == len(["▁hi", "▁hip", "▁bum"])


def test_the_bonus_covers_the_decoders_extra_logits(bias: DomainBias) -> None:
    assert bias.bonus(OUTSIDE).shape == (len(TOKENS) + 2,)

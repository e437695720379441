"""Streamed text cut into sentences as soon as each is complete."""

from __future__ import annotations

from voice_skill.wyoming.synthesis import SentenceBuffer


def test_a_sentence_is_released_once_the_next_one_begins() -> None:
    buffer = SentenceBuffer()
    assert buffer.add("Sciatica is pain along ") == []
    assert buffer.add("the sciatic nerve.") == []
    assert buffer.add(" Please") == ["Sciatica is pain along the sciatic nerve."]
    assert buffer.add(" see a doctor.") == []
    assert buffer.finish() == ["Please see a doctor."]
    assert buffer.finish() == []


def test_words_split_across_pieces_are_joined_as_sent() -> None:
    buffer = SentenceBuffer()
    assert buffer.add("Sit less. Sit") == ["Sit less."]
    assert buffer.add("ting too long hurts.") == []
    assert buffer.finish() == ["Sitting too long hurts."]


def test_several_sentences_in_one_piece_come_out_in_order() -> None:
    buffer = SentenceBuffer()
    assert buffer.add("One. Two. Three") == ["One.", "Two."]
    assert buffer.finish() == ["Three"]

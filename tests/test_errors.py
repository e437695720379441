"""Errors a user sees: names in them shown so that a terminal cannot act on them."""

from __future__ import annotations

import os
from pathlib import Path

from voice_skill.errors import printable


def test_ordinary_names_are_shown_as_they_are() -> None:
    assert printable(Path("/home/zoë/Fragen/hüfte 1.wav")) == "/home/zoë/Fragen/hüfte 1.wav"


def test_terminal_escapes_are_shown_escaped() -> None:
    assert printable("q\x1b]0;owned\x07\x1b[31m.wav") == "q\\x1b]0;owned\\x07\\x1b[31m.wav"
    assert printable("two\nlines\r\x9b") == "two\\nlines\\r\\x9b"


def test_bytes_that_are_not_utf8_are_shown_as_bytes() -> None:
    name = os.fsdecode(b"question-\xff\xfe.wav")
    assert printable(name) == "question-\\xff\\xfe.wav"
    printable(name).encode("utf-8")  # printable anywhere, never a UnicodeEncodeError

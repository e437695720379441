"""Regular expressions that cost nothing until a text could match them.

The warning-sign rules (alarms.py) are a few dozen large expressions. Compiling them all cost a cold
`voice-skill ask` about 15 ms, yet most questions hold none of their words. So each expression knows a few
literal strings one of which every match must contain (taken from the expression itself, never written
by hand), is searched only when the text holds one, and is compiled the first time it is searched. A
text without those strings cannot match, so the answers are exactly those of the compiled expressions.

Finding the strings means parsing the expressions, which costs as much as compiling them; so they are
worked out once and kept in the user cache, keyed by the expressions and by this code.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..cache import load_json, rebuilt, save_json

_SHORTEST_USEFUL = 2
"""Strings shorter than this are in nearly every text: an expression that needs only those is always searched."""


class Pattern:
    """A regular expression compiled on first use, and tried only on texts that hold one of its required strings."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None
        self._required: tuple[str, ...] | None = None
        self._looked_up = False
        _REGISTERED.append(self)

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source)
        return self._compiled

    def may_match(self, text: str) -> bool:
        """False only when the text cannot match: it holds none of the strings every match contains."""
        if not self._looked_up:
            self._required = _required_strings()[self.source]
            self._looked_up = True
        return self._required is None or any(string in text for string in self._required)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text) if self.may_match(text) else None

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(text) if self.may_match(text) else None

    def sub(self, replacement: str, text: str) -> str:
        return self.compiled.sub(replacement, text) if self.may_match(text) else text


_REGISTERED: list[Pattern] = []
"""Every pattern made so far: their required strings are worked out and cached together."""

_table: dict[str, tuple[str, ...] | None] = {}


def _required_strings() -> dict[str, tuple[str, ...] | None]:
    """The required strings of every registered pattern, from the cache or worked out (and cached) now."""
    sources = sorted({pattern.source for pattern in _REGISTERED})
    if all(source in _table for source in sources):
        return _table
    key = hashlib.sha256(Path(__file__).read_bytes())
    key.update(f"{sys.version_info[:2]}".encode())
    for source in sources:
        key.update(source.encode() + b"\0")
    name = f"patterns-{key.hexdigest()[:24]}.json"
    cached = load_json(name)
    try:
        if cached is not None:
            _table.update(_checked(cached))
    except (TypeError, ValueError) as error:
        rebuilt(name, error)
    missing = [source for source in sources if source not in _table]
    if missing:
        _table.update((source, required_strings(source)) for source in missing)
        save_json(name, {source: _table[source] for source in sources})
    return _table


def _checked(cached: Any) -> dict[str, tuple[str, ...] | None]:
    """A cached table as read, or TypeError/ValueError when it is not one this code wrote."""
    if not isinstance(cached, dict):
        raise TypeError(f"a table of patterns, not {type(cached).__name__}")
    table: dict[str, tuple[str, ...] | None] = {}
    for source, strings in cached.items():
        if strings is not None and not (isinstance(strings, list) and all(isinstance(s, str) and s for s in strings)):
            raise ValueError(f"not a list of strings for {source!r}")
        table[source] = None if strings is None else tuple(strings)
    return table


def required_strings(source: str) -> tuple[str, ...] | None:
    """Literal strings one of which every match of `source` contains; None when no useful ones can be said
    (case-insensitive flags, or an expression such as `\\w+` that any text may match)."""
    try:
        parser = _parser()
        parsed = parser.parse(source)
    except (ImportError, re.error):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    strings = _Necessary(parser).of_sequence(parsed)
    if strings is None or min(len(string) for string in strings) < _SHORTEST_USEFUL:
        return None
    return tuple(sorted(strings))


def _parser() -> Any:
    """The standard library's parser of regular expressions (`re._parser`, `sre_parse` before Python 3.11)."""
    try:
        import re._parser as parser  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        import sre_parse as parser
    return parser


class _Necessary:
    """Required strings of a parsed expression: a sequence needs those of any one of its parts (the longest
    are kept), alternatives need the union of theirs, and a part that may be absent needs nothing."""

    def __init__(self, parser: Any) -> None:
        self.literal = parser.LITERAL
        self.zero_width = {parser.AT, parser.ASSERT, parser.ASSERT_NOT}
        self.branch = parser.BRANCH
        self.group = parser.SUBPATTERN
        self.atomic = getattr(parser, "ATOMIC_GROUP", None)
        self.repeats = {parser.MAX_REPEAT, parser.MIN_REPEAT, getattr(parser, "POSSESSIVE_REPEAT", None)} - {None}

    def of_sequence(self, items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
        choices: list[frozenset[str]] = []
        run: list[str] = []

        def end_run() -> None:
            if run:
                choices.append(frozenset(("".join(run),)))
                run.clear()

        for op, argument in items:
            if op == self.literal:
                run.append(chr(argument))
                continue
            if op in self.zero_width:
                continue  # matches no character: the letters on either side stay next to each other
            end_run()
            part = self._of_part(op, argument)
            if part is not None:
                choices.append(part)
        end_run()
        return max(choices, key=_strength, default=None)

    def _of_part(self, op: Any, argument: Any) -> frozenset[str] | None:
        if op == self.branch:
            alternatives = [self.of_sequence(alternative) for alternative in argument[1]]
            if any(strings is None for strings in alternatives):
                return None
            return _without_longer({string for strings in alternatives if strings for string in strings})
        if op == self.group:
            _, added_flags, _, pattern = argument
            return None if added_flags & re.IGNORECASE else self.of_sequence(pattern)
        if op == self.atomic:
            return self.of_sequence(argument)
        if op in self.repeats:
            least, _, pattern = argument
            return self.of_sequence(pattern) if least >= 1 else None
        return None  # character classes, any character, back references: no literal to require


def _strength(strings: frozenset[str]) -> tuple[int, int]:
    """Longer shortest strings rule out more texts; fewer of them are quicker to look for."""
    return min(len(string) for string in strings), -len(strings)


def _without_longer(strings: set[str]) -> frozenset[str]:
    """A text holding "kill" is already let through, so "killing" need not be looked for too."""
    return frozenset(s for s in strings if not any(other != s and other in s for other in strings))

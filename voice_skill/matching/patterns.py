"""Regular expressions that cost nothing until a text could match them.

The warning-sign rules (alarms.py) are a few dozen large expressions. Compiling them all cost a cold
`voice-skill ask` about 15 ms, yet most questions hold none of their words. So each expression knows a few
literal strings one of which every match must contain (taken from the expression itself, never written
by hand), is searched only when the text holds one, and is compiled the first time it is searched. Where the
expression needs several things in turn ("heard ... crack or snap"), the text must hold one string of each.
A text without them cannot match, so the answers are exactly those of the compiled expressions.

Finding the strings means parsing the expressions, which costs as much as compiling them; so they are
worked out once and kept in the user cache, in one table named after this code and the Python version.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..cache import fingerprint, load_json, rebuilt, save_json

_SHORTEST_USEFUL = 2
"""Strings shorter than this are in nearly every text: an expression that needs only those is always searched."""

_MOST_CLAUSES = 3
"""Of the things an expression needs in turn, the few whose strings rule out the most texts are looked for."""

Clause = tuple[str, ...]
"""Strings one of which every match contains."""


class Pattern:
    """A regular expression compiled on first use, and tried only on texts that hold the strings it requires."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None
        self._required: tuple[Clause, ...] | None = None
        self._looked_up = False
        _REGISTERED.append(self)

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source)
        return self._compiled

    def may_match(self, text: str) -> bool:
        """False only when the text cannot match: for one of the clauses it needs, it holds none of the strings."""
        if not self._looked_up:
            # Looked up in the table first: gathering every registered pattern's source costs more than the search.
            self._required = (_table if self.source in _table else _required_strings())[self.source]
            self._looked_up = True
        return self._required is None or all(any(string in text for string in clause) for clause in self._required)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text) if self.may_match(text) else None

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(text) if self.may_match(text) else None

    def sub(self, replacement: str, text: str) -> str:
        return self.compiled.sub(replacement, text) if self.may_match(text) else text


_REGISTERED: list[Pattern] = []
"""Every pattern made so far: their required strings are worked out and cached together."""

_table: dict[str, tuple[Clause, ...] | None] = {}

_MOST_CACHED = 2000
"""Expressions kept in the cached table: those of other topic folders and versions accumulate until then."""


def _required_strings() -> dict[str, tuple[Clause, ...] | None]:
    """The required strings of every registered pattern, from the cache or worked out (and cached) now.

    One table for every expression seen, named after this code: a process registers some patterns only when first
    used (the frames of the questions asked), so a table per set of expressions made several a process, which
    pushed each other out of the cache.
    """
    sources = {pattern.source for pattern in _REGISTERED}
    if sources <= _table.keys():
        return _table
    name = f"patterns-{fingerprint(Path(__file__).read_bytes(), f'{sys.version_info[:2]}'.encode())}.json"
    cached = load_json(name)
    try:
        if cached is not None:
            _table.update(_checked(cached))
    except (TypeError, ValueError) as error:
        rebuilt(name, error)
    missing = sources - _table.keys()
    if missing:
        _table.update((source, required_strings(source)) for source in missing)
        kept = _table if len(_table) <= _MOST_CACHED else {source: _table[source] for source in sources}
        save_json(name, dict(sorted(kept.items())))
    return _table


def _checked(cached: Any) -> dict[str, tuple[Clause, ...] | None]:
    """A cached table as read, or TypeError/ValueError when it is not one this code wrote."""
    if not isinstance(cached, dict):
        raise TypeError(f"a table of patterns, not {type(cached).__name__}")
    table: dict[str, tuple[Clause, ...] | None] = {}
    for source, clauses in cached.items():
        if clauses is not None and not (
            isinstance(clauses, list)
            and clauses
            and all(
                isinstance(clause, list) and clause and all(isinstance(s, str) and s for s in clause)
                for clause in clauses
            )
        ):
            raise ValueError(f"not a list of lists of strings for {source!r}")
        table[source] = None if clauses is None else tuple(tuple(clause) for clause in clauses)
    return table


def required_strings(source: str) -> tuple[Clause, ...] | None:
    """The clauses every match of `source` satisfies, each a few literal strings one of which the match contains;
    None when no useful ones can be said (case-insensitive flags, or an expression such as `\\w+` that any text
    may match)."""
    try:
        parser = _parser()
        parsed = parser.parse(source)
    except (ImportError, re.error):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    useful = {clause for clause in _Necessary(parser).of_sequence(parsed) if _strength(clause)[0] >= _SHORTEST_USEFUL}
    if not useful:
        return None
    # Equally strong clauses in a fixed order, so that every process keeps the same ones.
    ranked = sorted(useful, key=lambda clause: (_strength(clause), sorted(clause)), reverse=True)
    return tuple(tuple(sorted(clause)) for clause in ranked[:_MOST_CLAUSES])


def _parser() -> Any:
    """The standard library's parser of regular expressions (`re._parser`, `sre_parse` before Python 3.11)."""
    try:
        import re._parser as parser  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        import sre_parse as parser
    return parser


class _Necessary:
    """Required strings of a parsed expression: a sequence needs the clauses of every one of its parts,
    alternatives need the union of their strongest clauses, and a part that may be absent needs nothing."""

    def __init__(self, parser: Any) -> None:
        self.literal = parser.LITERAL
        self.zero_width = {parser.AT, parser.ASSERT, parser.ASSERT_NOT}
        self.branch = parser.BRANCH
        self.group = parser.SUBPATTERN
        self.atomic = getattr(parser, "ATOMIC_GROUP", None)
        self.repeats = {parser.MAX_REPEAT, parser.MIN_REPEAT, getattr(parser, "POSSESSIVE_REPEAT", None)} - {None}

    def of_sequence(self, items: Iterable[tuple[Any, Any]]) -> list[frozenset[str]]:
        clauses: list[frozenset[str]] = []
        run: list[str] = []

        def end_run() -> None:
            if run:
                clauses.append(frozenset(("".join(run),)))
                run.clear()

        for op, argument in items:
            if op == self.literal:
                run.append(chr(argument))
                continue
            if op in self.zero_width:
                continue  # matches no character: the letters on either side stay next to each other
            end_run()
            clauses.extend(self._of_part(op, argument))
        end_run()
        return clauses

    def _of_part(self, op: Any, argument: Any) -> list[frozenset[str]]:
        if op == self.branch:
            alternatives = [self.of_sequence(alternative) for alternative in argument[1]]
            if not all(alternatives):
                return []
            strongest = (max(clauses, key=_strength) for clauses in alternatives)
            return [_without_longer({string for clause in strongest for string in clause})]
        if op == self.group:
            _, added_flags, _, pattern = argument
            return [] if added_flags & re.IGNORECASE else self.of_sequence(pattern)
        if op == self.atomic:
            return self.of_sequence(argument)
        if op in self.repeats:
            least, _, pattern = argument
            return self.of_sequence(pattern) if least >= 1 else []
        return []  # character classes, any character, back references: no literal to require


def _strength(strings: frozenset[str]) -> tuple[int, int]:
    """Longer shortest strings rule out more texts; fewer of them are quicker to look for."""
    return min(len(string) for string in strings), -len(strings)


def _without_longer(strings: set[str]) -> frozenset[str]:
    """A text holding "kill" is already let through, so "killing" need not be looked for too."""
    return frozenset(s for s in strings if not any(other != s and other in s for other in strings))

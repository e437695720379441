"""The README's console examples run as written and print what the README shows.

A new user copies these commands first; an answer text, a JSON field or an engine notice that changed
without the README would tell them something false. Each ```console block is run in a fresh folder, its
`$ ` lines one after the other, and what they print (standard output and error, as on a terminal) is
compared line by line with the lines shown; "…" in a shown line stands for any text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    """One console block: its commands and the output shown after each of them."""

    line: int
    steps: tuple[tuple[str, tuple[str, ...]], ...]


def examples(text: str) -> list[Example]:
    found = []
    for block in _BLOCK.finditer(text):
        steps: list[tuple[str, list[str]]] = []
        for row in block.group(1).splitlines():
            if row.startswith("$ "):
                steps.append((row[2:], []))
            elif steps:
                steps[-1][1].append(row)
        line = text.count("\n", 0, block.start()) + 1
        found.append(Example(line, tuple((command, tuple(shown)) for command, shown in steps)))
    return found


def shown_as_pattern(shown: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in shown.split("…")))


def test_the_readme_has_console_examples() -> None:
    assert len(examples(README.read_text(encoding="utf-8"))) >= 3


@pytest.mark.parametrize(
    "example", examples(README.read_text(encoding="utf-8")), ids=lambda example: f"line {example.line}"
)
def test_a_readme_example_prints_what_the_readme_shows(example: Example, tmp_path: Path) -> None:
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command, shown in example.steps:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}"
        printed = result.stdout.splitlines()
        assert len(printed) == len(shown), f"{command}\nprinted:\n{result.stdout}"
        for expected, actual in zip(shown, printed, strict=True):
            assert shown_as_pattern(expected).fullmatch(actual), f"{command}\nshown:   {expected}\nprinted: {actual}"

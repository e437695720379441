"""Download progress: a bar on a terminal, a plain line now and then elsewhere (logs, pipes, CI)."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import Protocol, TextIO

MIB = 1024 * 1024
GIB = 1024 * MIB
CHUNK = 256 * 1024
"""Bytes read and written at a time while downloading and unpacking."""


class Progress(Protocol):
    """Reports bytes as a download advances."""

    def update(self, count: int, /) -> object:
        """Count more bytes received."""

    def close(self) -> None:
        """The download attempt has ended."""


ProgressFactory = Callable[[str, "int | None", int], Progress]
"""Makes a Progress from a description, the total bytes (if known) and the bytes already there."""


def auto_progress(description: str, total: int | None, initial: int) -> Progress:
    """A progress bar on a terminal, else a plain line now and then (logs, pipes, CI)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        # A terminal that reports no size (some CI ptys) would get an invisible bar.
        sized = shutil.get_terminal_size((0, 0)).columns > 0
        return tqdm(
            desc=description,
            total=total,
            initial=initial,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            leave=True,
            ncols=None if sized else 80,
            nrows=None if sized else 24,
        )
    return LineProgress(description, total, initial, sys.stderr)


def no_progress(description: str, total: int | None, initial: int) -> Progress:
    """Report nothing."""
    return LineProgress(description, total, initial, None)


class LineProgress:
    """Prints a line at every tenth of the download, or every 10 s when the size is unknown."""

    def __init__(self, description: str, total: int | None, initial: int, stream: TextIO | None) -> None:
        self.description = description
        self.total = total
        self.count = initial
        self.stream = stream
        self.next_tenth = self._tenth() + 1
        self.last_time = time.monotonic()
        if initial:
            self._print(f"resuming at {format_size(initial)}")

    def update(self, count: int) -> None:
        self.count += count
        if self.total:
            tenth = self._tenth()
            if tenth >= self.next_tenth:
                self.next_tenth = tenth + 1
                self._print(f"{tenth * 10}% ({format_size(self.count)} of {format_size(self.total)})")
        elif time.monotonic() - self.last_time >= 10:
            self.last_time = time.monotonic()
            self._print(format_size(self.count))

    def close(self) -> None:
        """Nothing to release: every line is already printed."""

    def _tenth(self) -> int:
        return min(10, self.count * 10 // self.total) if self.total else 0

    def _print(self, message: str) -> None:
        if self.stream is not None:
            print(f"Downloading {self.description}: {message}", file=self.stream, flush=True)


def format_size(count: float) -> str:
    """A byte count as people read it: "512 kB", "41.2 MB"."""
    if count < 1_000_000:
        return f"{count / 1000:.0f} kB"
    return f"{count / 1_000_000:.1f} MB"

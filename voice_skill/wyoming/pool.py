"""A bounded pool of engines made on first use: recognisers and synthesisers are costly to make and not
shareable between requests in flight, so each request borrows one and gives it back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class LazyPool(Generic[T]):
    """At most `size` objects, made by `make` on an executor thread when none is idle, lent to one task at a time."""

    def __init__(
        self, make: Callable[[], T], size: int, executor: Executor, close: Callable[[T], None] | None = None
    ) -> None:
        self._make = make
        self._executor = executor
        self._close = close
        self._slots = asyncio.Semaphore(size)
        self._idle: list[T] = []
        self._made: list[T] = []

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[T]:
        """Borrow an object, waiting while all `size` are lent; one whose borrower failed is not lent again."""
        async with self._slots:
            if self._idle:
                item = self._idle.pop()
            else:
                item = await asyncio.get_running_loop().run_in_executor(self._executor, self._make)
                self._made.append(item)
            try:
                yield item
            except BaseException:
                self._discard(item)
                raise
            self._idle.append(item)

    def close(self) -> None:
        """Close every object made, also those still lent (their borrowers' requests then fail)."""
        made, self._made, self._idle = self._made, [], []
        if self._close is not None:
            for item in made:
                self._close(item)

    def _discard(self, item: T) -> None:
        if item in self._made:
            self._made.remove(item)
            if self._close is not None:
                self._close(item)

"""A bounded pool of engines made on first use: recognisers and synthesisers are costly to make and not
shareable between requests in flight, so each request borrows one and gives it back."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from ..errors import EngineUnavailableError

T = TypeVar("T")


class PoolClosed(EngineUnavailableError):
    """The pool was closed (the server is stopping) while an engine was being made for a request."""


class LazyPool(Generic[T]):
    """At most `size` objects, made by `make` when none is idle, lent to one task at a time."""

    def __init__(self, make: Callable[[], T], size: int, close: Callable[[T], None] | None = None) -> None:
        self._make = make
        self._close = close
        self._slots = asyncio.Semaphore(size)
        self._idle: list[T] = []
        self._made: list[T] = []
        self._closed = False

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[T]:
        """Borrow an object, waiting while all `size` are lent; one whose borrower failed is not lent again."""
        async with self._slots:
            if self._idle:
                item = self._idle.pop()
            else:
                item = await _in_daemon_thread(self._make)
                if self._closed:
                    self._close_item(item)
                    raise PoolClosed("the server is stopping")
                self._made.append(item)
            try:
                yield item
            except BaseException:
                self._discard(item)
                raise
            self._idle.append(item)

    def close(self) -> None:
        """Close every object made, also those still lent (their borrowers' requests then fail)."""
        self._closed = True
        made, self._made, self._idle = self._made, [], []
        for item in made:
            self._close_item(item)

    def _discard(self, item: T) -> None:
        if item in self._made:
            self._made.remove(item)
            self._close_item(item)

    def _close_item(self, item: T) -> None:
        if self._close is not None:
            self._close(item)


async def _in_daemon_thread(make: Callable[[], T]) -> T:
    """make() on a thread of its own that never holds up the exit: an engine starting (a second or more) when the
    server is told to stop is simply abandoned, and the stop stays within a second."""
    loop = asyncio.get_running_loop()
    made: asyncio.Future[T] = loop.create_future()

    def deliver(result: T | None, error: BaseException | None) -> None:
        if made.done():
            return
        if error is not None:
            made.set_exception(error)
        else:
            made.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = make(), None
        except BaseException as failure:  # handed to the awaiting task
            result, error = None, failure
        with contextlib.suppress(RuntimeError):  # the event loop has already closed
            loop.call_soon_threadsafe(deliver, result, error)

    threading.Thread(target=run, name="voice-skill-engine-start", daemon=True).start()
    return await made

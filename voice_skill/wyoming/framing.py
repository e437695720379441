"""Reading events with bounds: the `wyoming` library does the framing, this module vets each header first.

The library reads `data_length` and `payload_length` bytes as told, silently ignores negative lengths and
turns most malformed input into "end of stream". A server open to a network needs more: a length over the
limit must be refused before any of it is buffered, and a malformed event must be told apart from a client
that hung up, so that it gets an error event and a log line.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from wyoming.event import Event, async_read_event

_LENGTHS = ("data_length", "payload_length")


class BadInput(Exception):
    """The client sent something that is not a well-formed event within the limits; the message says what."""


class ClientGone(Exception):
    """The connection ended in the middle of an event."""


class _VettedReader:
    """The part of asyncio.StreamReader the library reads through, checking each header line's lengths."""

    def __init__(self, reader: asyncio.StreamReader, max_bytes: int) -> None:
        self._reader = reader
        self._max_bytes = max_bytes
        self.line = b""
        self.refused: str | None = None

    async def readline(self) -> bytes:
        try:
            self.line = await self._reader.readline()
        except ValueError:
            # The stream's own limit (64 KiB) on a line: nothing an honest header comes near.
            self.refused = "an event header line longer than the stream limit"
            raise
        self.refused = _check_lengths(self.line, self._max_bytes)
        if self.refused:
            raise ValueError(self.refused)
        return self.line

    async def readexactly(self, count: int) -> bytes:
        return await self._reader.readexactly(count)


def _check_lengths(line: bytes, max_bytes: int) -> str | None:
    """Why the header's lengths are refused, or None; a line that is not JSON is left for the library to reject."""
    try:
        header: Any = json.loads(line)
    except ValueError:
        return None
    if not isinstance(header, dict):
        return None
    for name in _LENGTHS:
        length = header.get(name)
        if length is None:
            continue
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            return f"{name} {length!r} is not a byte count"
        if length > max_bytes:
            return f"{name} {length} is over the limit of {max_bytes} bytes"
    return None


async def read_event(reader: asyncio.StreamReader, max_bytes: int) -> Event | None:
    """The next event, or None when the client closed the connection between events.

    Raises BadInput for malformed or oversized events (the stream cannot be trusted after one: close it)
    and ClientGone when the connection ends in the middle of an event.
    """
    vetted = _VettedReader(reader, max_bytes)
    try:
        event = await async_read_event(vetted)  # type: ignore[arg-type]
    except (asyncio.IncompleteReadError, ConnectionError) as error:
        raise ClientGone(str(error) or type(error).__name__) from None
    except Exception as error:  # the library lets the KeyError, TypeError ... of bad headers through
        raise BadInput(f"malformed event ({type(error).__name__}: {error})") from None
    if event is None:
        if vetted.refused:
            raise BadInput(vetted.refused)
        if vetted.line:
            raise BadInput("malformed event: the header or its data is not a JSON object")
        return None
    if not isinstance(event.type, str) or not isinstance(event.data, dict):
        raise BadInput("malformed event: its type must be text and its data an object")
    return event

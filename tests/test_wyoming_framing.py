"""Reading events with bounds: the library's framing, with every header vetted before anything is buffered."""

from __future__ import annotations

import asyncio

import pytest

from voice_skill.wyoming.framing import BadInput, ClientGone, read_event

LIMIT = 1000


def read(data: bytes, eof: bool = True):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        reader = asyncio.StreamReader(limit=2**16)
        reader.feed_data(data)
        if eof:
            reader.feed_eof()
        return await asyncio.wait_for(read_event(reader, LIMIT), 5)

    return asyncio.run(go())


def test_a_well_formed_event_with_data_and_payload_is_read() -> None:
    event = read(
        b'{"type": "audio-chunk", "data": {"rate": 16000}, "data_length": 13, "payload_length": 4}\n'
        b'{"width": 2}\n\x00\x01\x02\x03'
    )
    assert event.type == "audio-chunk"
    assert event.data == {"rate": 16000, "width": 2}
    assert event.payload == b"\x00\x01\x02\x03"


def test_the_end_of_the_stream_between_events_is_none() -> None:
    assert read(b"") is None


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (b'{"type": "x", "payload_length": 1001}', "payload_length 1001 is over the limit of 1000 bytes"),
        (b'{"type": "x", "data_length": 10000000000}', "data_length 10000000000 is over the limit"),
        (b'{"type": "x", "payload_length": -1}', "payload_length -1 is not a byte count"),
        (b'{"type": "x", "data_length": 2.5}', "data_length 2.5 is not a byte count"),
        (b'{"type": "x", "data_length": true}', "data_length True is not a byte count"),
    ],
)
def test_a_length_out_of_bounds_is_refused_before_it_is_read(header: bytes, reason: str) -> None:
    # No payload follows and the stream stays open: a reader that believed the header would wait for ever.
    with pytest.raises(BadInput, match=reason):
        read(header + b"\n", eof=False)


@pytest.mark.parametrize(
    "data",
    [
        b"not json\n",
        b"[1, 2]\n",
        b'{"data": {}}\n',
        b'{"type": 5}\n',
        b'{"type": "x", "data": [1]}\n',
        b'{"type": "x", "data_length": 3}\n[1]',
    ],
)
def test_a_malformed_event_is_bad_input(data: bytes) -> None:
    with pytest.raises(BadInput, match="malformed event"):
        read(data)


def test_a_connection_ending_inside_an_event_is_a_client_gone() -> None:
    with pytest.raises(ClientGone):
        read(b'{"type": "audio-chunk", "payload_length": 100}\n' + bytes(10))

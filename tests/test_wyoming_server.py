"""The Wyoming server end to end: a real server on 127.0.0.1, driven by the `wyoming` library's own client."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncUnixClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from voice_skill.skill import Skill
from voice_skill.speech.synthesiser import Synthesiser, read_wav, split_sentences
from voice_skill.wyoming.settings import Limits, ServerSettings

from conftest import run_cli
from speech_audio import sox, speak_to_wav
from user_topic import intents_with_bursitis
from wyoming_helpers import ServerThread, audio_events, audio_seconds, client, exchange, free_port, is_type, read_until

STALL_SECONDS = 1.0
IN_SCOPE = "what is sciatica"
OUT_OF_SCOPE = "what is the capital of france"


@pytest.fixture(scope="module")
def server():
    running = ServerThread(
        ServerSettings(uri=f"tcp://127.0.0.1:{free_port()}", workers=2, limits=Limits(stall_seconds=STALL_SECONDS))
    )
    yield running
    running.stop()


@pytest.fixture
def port(server: ServerThread) -> int:
    return server.server.server.port  # type: ignore[attr-defined, no-any-return]


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coroutine, 120))


def ask(port: int, text: str, conversation_id: str | None = None) -> Event:
    context = {"conversation_id": conversation_id} if conversation_id else None
    events = run(
        exchange(port, Transcript(text=text, context=context).event(), until=is_type("handled", "not-handled"))
    )
    return events[-1]


def cli_answer(text: str) -> dict:
    result = run_cli("ask", "--json", text)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def transcribe(port: int, path: Path) -> Event:
    events = run(
        exchange(port, Transcribe(language="en").event(), *audio_events(path), until=is_type("transcript", "error"))
    )
    return events[-1]


def test_describe_is_answered_at_once_with_handle_asr_and_tts(port: int) -> None:
    started = time.perf_counter()
    events = run(exchange(port, Describe().event(), until=is_type("info")))
    assert time.perf_counter() - started < 1.0
    info = Info.from_event(events[-1])
    assert [program.name for program in info.handle] == ["voice-skill"]
    assert info.handle[0].models[0].languages == ["en"]
    assert info.asr[0].models[0].languages == ["en"]
    assert info.tts[0].voices[0].languages == ["en"]
    assert info.tts[0].supports_synthesize_streaming
    assert info.intent == []  # Home Assistant would prefer an intent program to the handle one
    for artifact in (
        *info.handle,
        *info.handle[0].models,
        *info.asr,
        *info.asr[0].models,
        *info.tts,
        *info.tts[0].voices,
    ):
        assert artifact.installed and artifact.name and artifact.attribution.name and artifact.description


def test_an_in_scope_question_is_handled_with_the_command_lines_answer(port: int) -> None:
    reply = ask(port, IN_SCOPE, "fresh-1")
    expected = cli_answer(IN_SCOPE)
    assert reply.type == "handled"
    assert reply.data["text"] == expected["answer"]
    assert reply.data["text"].startswith("This is general information, not medical advice.")


def test_an_out_of_scope_question_is_not_handled_and_gets_the_refusal(port: int) -> None:
    reply = ask(port, OUT_OF_SCOPE, "fresh-2")
    expected = cli_answer(OUT_OF_SCOPE)
    assert expected["intent"] == "out_of_scope"
    assert reply.type == "not-handled"
    assert reply.data["text"] == expected["answer"]
    assert "I can only answer about hip and buttock pain" in reply.data["text"]


def test_a_follow_up_is_answered_in_its_conversation_while_another_one_starts_afresh(port: int) -> None:
    first = ask(port, IN_SCOPE, "kitchen")

    async def both() -> list[Event]:
        follow_up = exchange(
            port,
            Transcript(text="how is it treated", context={"conversation_id": "kitchen"}).event(),
            until=is_type("handled", "not-handled"),
        )
        other = exchange(
            port,
            Transcript(text="how is it treated", context={"conversation_id": "bedroom"}).event(),
            until=is_type("handled", "not-handled"),
        )
        return [events[-1] for events in await asyncio.gather(follow_up, other)]

    follow_up, other = run(both())
    assert first.data["text"].startswith("This is general information")
    assert follow_up.type == "handled"
    assert "sciatica" in follow_up.data["text"].lower() and not follow_up.data["text"].startswith("This is general")
    # The other conversation never spoke of sciatica: "it" means nothing there, and it gets the disclaimer first.
    assert other.type == "not-handled"
    assert other.data["text"].startswith("This is general information")


def test_a_question_without_a_conversation_id_is_a_fresh_conversation_each_time(port: int) -> None:
    assert ask(port, IN_SCOPE).data["text"] == ask(port, IN_SCOPE).data["text"] == cli_answer(IN_SCOPE)["answer"]


@pytest.mark.parametrize(("rate", "channels"), [(16000, 1), (22050, 2)])
def test_a_spoken_question_is_transcribed_in_any_format(port: int, tmp_path: Path, rate: int, channels: int) -> None:
    spoken = speak_to_wav(IN_SCOPE, tmp_path / "mono.wav", rate=rate)
    audio = sox(spoken, tmp_path / "question.wav", "-c", str(channels))
    transcript = transcribe(port, audio)
    assert transcript.type == "transcript"
    assert transcript.data["text"] == IN_SCOPE
    assert ask(port, transcript.data["text"], f"spoken-{rate}").type == "handled"


def test_audio_without_speech_gives_an_empty_transcript(port: int, tmp_path: Path) -> None:
    noise = tmp_path / "noise.wav"
    import subprocess

    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(noise), "synth", "2", "pinknoise", "vol", "0.3"],
        check=True,
    )
    assert transcribe(port, noise).data["text"] == ""


def sentence_seconds(text: str) -> float:
    """What the skill's own synthesiser makes of the text, sentence by sentence."""
    with Synthesiser() as synthesiser:
        total = 0.0
        for sentence in split_sentences(text):
            pcm, rate = read_wav(synthesiser.synthesise(sentence))
            total += len(pcm) / 2 / rate
        return total


def test_tts_returns_the_synthesisers_audio_in_one_stream(port: int) -> None:
    text = "Sciatica is pain along the sciatic nerve. Please see a doctor."
    events = run(exchange(port, Synthesize(text=text).event(), until=is_type("audio-stop", "error")))
    kinds = [event.type for event in events]
    assert kinds[0] == "audio-start" and kinds[-1] == "audio-stop" and set(kinds[1:-1]) == {"audio-chunk"}
    start = AudioStart.from_event(events[0])
    assert (start.width, start.channels) == (2, 1)
    assert all(AudioChunk.from_event(event).rate == start.rate for event in events[1:-1])
    assert audio_seconds(events) == pytest.approx(sentence_seconds(text), abs=0.01)
    assert audio_seconds(events) > 2.0


def test_streaming_tts_speaks_each_sentence_as_soon_as_it_is_complete(port: int) -> None:
    pieces = ["Sciatica is pain along ", "the sciatic nerve. Please", " see a doctor."]
    whole = "".join(pieces)

    async def stream() -> tuple[list[Event], list[Event]]:
        async with client(port) as connection:
            await connection.write_event(SynthesizeStart().event())
            for piece in pieces[:2]:
                await connection.write_event(SynthesizeChunk(text=piece).event())
            # The first sentence is complete once the second begins: its audio comes before the text ends.
            early = await read_until(connection, is_type("audio-stop"))
            await connection.write_event(SynthesizeChunk(text=pieces[2]).event())
            await connection.write_event(Synthesize(text=whole).event())  # sent by Home Assistant for old servers
            await connection.write_event(SynthesizeStop().event())
            return early, await read_until(connection, is_type("synthesize-stopped", "error"))

    early, rest = run(stream())
    assert [event.type for event in early if event.type != "audio-chunk"] == ["audio-start", "audio-stop"]
    assert rest[-1].type == "synthesize-stopped"
    assert [event.type for event in rest if event.type != "audio-chunk"] == [
        "audio-start",
        "audio-stop",
        "synthesize-stopped",
    ]
    assert audio_seconds(early + rest) == pytest.approx(sentence_seconds(whole), abs=0.01)


def test_sixteen_clients_at_once_each_get_their_own_answer(port: int, tmp_path: Path) -> None:
    question = speak_to_wav(IN_SCOPE, tmp_path / "question.wav")
    texts = [IN_SCOPE, OUT_OF_SCOPE, "how should i sit", "what is osteoporosis"] * 3

    async def everyone() -> list[list[Event]]:
        handles = [
            exchange(
                port,
                Transcript(text=text, context={"conversation_id": f"crowd-{n}"}).event(),
                until=is_type("handled", "not-handled"),
            )
            for n, text in enumerate(texts)
        ]
        asrs = [exchange(port, *audio_events(question), until=is_type("transcript", "error")) for _ in range(2)]
        tts = [
            exchange(port, Synthesize(text="See a doctor.").event(), until=is_type("audio-stop", "error"))
            for _ in range(2)
        ]
        return list(await asyncio.gather(*handles, *asrs, *tts))

    results = run(everyone())
    assert len(results) == 16
    for text, events in zip(texts, results[:12]):
        expected = "not-handled" if text == OUT_OF_SCOPE else "handled"
        assert events[-1].type == expected
        assert events[-1].data["text"].startswith("This is general information")
    assert [events[-1].data["text"] for events in results[12:14]] == [IN_SCOPE] * 2
    assert all(events[-1].type == "audio-stop" and audio_seconds(events) > 0.5 for events in results[14:])


def raw_exchange(port: int, data: bytes, wait_for_close: bool = True) -> list[Event]:
    """Bytes written as they are (no framing by the library), then the events the server sends back."""

    async def go() -> list[Event]:
        async with client(port) as connection:
            assert connection._writer is not None
            connection._writer.write(data)
            await connection._writer.drain()
            return await read_until(connection, lambda event: not wait_for_close and Error.is_type(event.type))

    return run(go())


def served_after(port: int) -> None:
    assert ask(port, IN_SCOPE).type == "handled"


@pytest.mark.parametrize(
    ("data", "logged"),
    [
        (b"this is not json\n", "malformed event"),
        (b'["a list"]\n', "malformed event"),
        (b'{"data": {}}\n', "malformed event"),
        (b'{"type": "transcript", "data_length": "many"}\n', "data_length 'many' is not a byte count"),
        (b'{"type": "audio-chunk", "payload_length": 1000000000000}\n', "over the limit"),
        (b'{"type": "transcript", "data_length": 99999999999}\n', "over the limit"),
        (b'{"type": "audio-chunk", "payload_length": -5}\n', "payload_length -5 is not a byte count"),
        (b'{"type": "transcript", "data_length": 10}\nnot json!!\n', "malformed event"),
        (b'{"type": "describe"' + b" " * 70000 + b"}\n", "longer than the stream limit"),
    ],
)
def test_a_malformed_event_gets_an_error_and_a_closed_connection(
    port: int, caplog: pytest.LogCaptureFixture, data: bytes, logged: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="voice_skill.wyoming"):
        events = raw_exchange(port, data)
    assert [event.type for event in events] == ["error"]
    assert logged in events[0].data["text"]
    assert logged in caplog.text and "connection closed" in caplog.text
    served_after(port)


def test_an_unknown_event_is_dropped_with_a_log_line_and_the_connection_goes_on(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="voice_skill.wyoming"):
        events = run(exchange(port, Event(type="make-coffee"), Describe().event(), until=is_type("info", "error")))
    assert [event.type for event in events] == ["info"]
    assert "unknown 'make-coffee' event" in caplog.text


def test_audio_before_audio_start_gets_an_error_and_the_connection_goes_on(port: int) -> None:
    chunk = AudioChunk(rate=16000, width=2, channels=1, audio=bytes(3200)).event()
    events = run(
        exchange(
            port, chunk, AudioStop().event(), Transcript(text=IN_SCOPE).event(), until=is_type("handled", "not-handled")
        )
    )
    assert [(event.type, event.data.get("code")) for event in events] == [
        ("error", "no-audio-stream"),
        ("error", "no-audio-stream"),
        ("handled", None),
    ]


@pytest.mark.parametrize(("rate", "width", "channels"), [(0, 2, 1), (16000, 3, 1), (16000, 2, 6), ("fast", 2, 1)])
def test_an_audio_format_that_cannot_be_converted_gets_an_error(
    port: int, rate: object, width: int, channels: int
) -> None:
    start = Event(type="audio-start", data={"rate": rate, "width": width, "channels": channels})
    events = run(exchange(port, start, Describe().event(), until=is_type("info")))
    assert [(event.type, event.data.get("code")) for event in events] == [("error", "bad-audio"), ("info", None)]


def test_audio_longer_than_the_limit_is_refused_and_the_next_stream_served(port: int, tmp_path: Path) -> None:
    second = AudioChunk(rate=16000, width=2, channels=1, audio=bytes(32000)).event()
    too_long = [AudioStart(rate=16000, width=2, channels=1).event(), *[second] * 31, AudioStop().event()]
    question = speak_to_wav(IN_SCOPE, tmp_path / "question.wav")
    events = run(exchange(port, *too_long, *audio_events(question), until=is_type("transcript")))
    errors = [event for event in events if event.type == "error"]
    assert errors[0].data["code"] == "bad-audio" and "longer than 30 s" in errors[0].data["text"]
    assert events[-1].data["text"] == IN_SCOPE


def test_clients_that_leave_or_stall_mid_stream_do_not_keep_the_recognisers(
    port: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    second = AudioChunk(rate=16000, width=2, channels=1, audio=bytes(32000)).event()

    async def leave() -> None:
        async with client(port) as connection:
            await connection.write_event(AudioStart(rate=16000, width=2, channels=1).event())
            await connection.write_event(second)

    async def leave_mid_event() -> None:
        async with client(port) as connection:
            assert connection._writer is not None
            connection._writer.write(b'{"type": "audio-chunk", "payload_length": 1000}\n' + bytes(10))

    async def stall() -> list[Event]:
        async with client(port) as connection:
            await connection.write_event(AudioStart(rate=16000, width=2, channels=1).event())
            await connection.write_event(second)
            return await read_until(connection, is_type("error"))

    with caplog.at_level(logging.WARNING, logger="voice_skill.wyoming"):
        for _ in range(3):  # more than the two recognisers the server has
            run(leave())
        run(leave_mid_event())
        stalled = run(stall())
        question = speak_to_wav(IN_SCOPE, tmp_path / "question.wav")
        assert transcribe(port, question).data["text"] == IN_SCOPE
    assert stalled[-1].data["code"] == "stalled"
    assert "disconnected in the middle of an audio stream" in caplog.text
    assert "disconnected in the middle of an event" in caplog.text
    assert "no audio for 1 s" in caplog.text


def test_a_unix_socket_server_answers_too(tmp_path: Path) -> None:
    path = tmp_path / "voice-skill.socket"
    running = ServerThread(ServerSettings(uri=f"unix://{path}", workers=1))
    try:

        async def go() -> Event | None:
            async with AsyncUnixClient(path, read_timeout=30) as connection:
                await connection.write_event(Transcript(text=IN_SCOPE).event())
                return await connection.read_event()

        reply = run(go())
    finally:
        running.stop()
    assert reply is not None and reply.type == "handled"
    assert not path.exists()  # removed when the server stops


def test_a_topic_of_the_users_own_is_heard_and_answered(tmp_path: Path) -> None:
    intents = intents_with_bursitis(tmp_path)
    question = speak_to_wav("what is hip bursitis", tmp_path / "question.wav")
    running = ServerThread(ServerSettings(uri=f"tcp://127.0.0.1:{free_port()}", workers=1), Skill.load(intents))
    try:
        port = running.server.server.port  # type: ignore[attr-defined]
        heard = transcribe(port, question).data["text"]
        reply = ask(port, heard)
    finally:
        running.stop()
    # The new word is heard (it is in no shipped sentence); eSpeak NG's "hip" may come out as "the".
    assert "bursitis" in heard.split()
    assert reply.type == "handled" and "swollen fluid sac" in reply.data["text"]


@pytest.mark.parametrize("language", ["de", 5])
def test_a_question_in_another_language_than_english_gets_an_error(port: int, language: object) -> None:
    transcribe_event = Event(type="transcribe", data={"language": language})
    events = run(exchange(port, transcribe_event, Describe().event(), until=is_type("info")))
    assert [(event.type, event.data.get("code")) for event in events] == [
        ("error", "unsupported-language"),
        ("info", None),
    ]

"""`voice-skill serve` as a user runs it: starting, one log line per request, stdio, mistakes, SIGTERM and Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioStart

from conftest import console_script, run_cli
from wyoming_helpers import client, free_port

STOP_SECONDS = 1.0
"""After SIGTERM or Ctrl-C the server has closed every connection and ended its engines within this, even with a
client in the middle of a stream. The interpreter's exit follows: benchmarks/wyoming_server.py measures signal to
exit (0.1 to 0.5 s on two busy cores)."""
EXIT_SECONDS = 10.0
"""Only to catch a hang: on a machine shared by many, the interpreter's own exit can take a second."""


def start(*args: str) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [*console_script(), "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert server.stderr is not None
    started = time.monotonic()
    for line in server.stderr:
        if "serving on" in line:
            return server
        assert time.monotonic() - started < 60, "the server did not start"
    raise AssertionError(f"the server exited with {server.wait()} before serving")


@pytest.fixture
def tcp_server() -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    server = start("--uri", f"tcp://127.0.0.1:{port}")
    yield server, port
    if server.poll() is None:
        server.kill()
        server.wait()


def ask(port: int, text: str) -> dict:
    async def go() -> dict:
        async with client(port) as connection:
            await connection.write_event(Transcript(text=text, context={"conversation_id": "cli"}).event())
            event = await connection.read_event()
            assert event is not None
            return {"type": event.type, **event.data}

    return asyncio.run(go())


async def half_sent_question(port: int):  # type: ignore[no-untyped-def]
    """A client in the middle of an audio stream, left open."""
    connection = client(port)
    await connection.connect()
    await connection.write_event(AudioStart(rate=16000, width=2, channels=1).event())
    await connection.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=bytes(32000)).event())
    return connection


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_the_server_within_a_second(
    tcp_server: tuple[subprocess.Popen[str], int], stop: signal.Signals
) -> None:
    server, port = tcp_server
    assert ask(port, "what is sciatica")["type"] == "handled"
    loop = asyncio.new_event_loop()
    connection = loop.run_until_complete(half_sent_question(port))
    time.sleep(0.5)  # the stream reaches the recogniser
    signalled = time.time()
    server.send_signal(stop)
    _, log = server.communicate(timeout=EXIT_SECONDS)
    assert server.returncode == 0
    stopped = [line for line in log.splitlines() if line.endswith("voice_skill.wyoming: stopped")]
    stopped_at = datetime.strptime(stopped[0][:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
    assert stopped_at - signalled < STOP_SECONDS
    loop.run_until_complete(connection.disconnect())
    loop.close()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_one_log_line_per_request_that_never_holds_the_words(tcp_server: tuple[subprocess.Popen[str], int]) -> None:
    server, port = tcp_server
    ask(port, "what is sciatica")
    ask(port, "what is the capital of france")
    server.send_signal(signal.SIGTERM)
    _, log = server.communicate(timeout=10)
    requests = [line for line in log.splitlines() if "handle ->" in line]
    assert len(requests) == 2
    assert "handled (sciatica)" in requests[0] and "not handled (out_of_scope)" in requests[1]
    assert "sciatica" not in log.replace("(sciatica)", "") and "france" not in log


def test_debug_logs_what_was_heard_and_said() -> None:
    port = free_port()
    server = start("--uri", f"tcp://127.0.0.1:{port}", "--debug")
    try:
        ask(port, "what is sciatica")
    finally:
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=10)
    assert "heard 'what is sciatica'" in log


def test_stdio_answers_on_standard_output_for_rhasspy() -> None:
    request = json.dumps({"type": "transcript", "data": {"text": "what is sciatica"}}) + "\n"
    result = subprocess.run(
        [*console_script(), "serve", "--uri", "stdio://"], input=request, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    header, data = result.stdout.splitlines()
    assert json.loads(header)["type"] == "handled"
    expected = json.loads(run_cli("ask", "--json", "what is sciatica").stdout)["answer"]
    assert json.loads(data)["text"] == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--uri", "http://127.0.0.1:10700"], "--uri 'http://127.0.0.1:10700'"),
        (["--uri", "tcp://127.0.0.1"], "A port must be specified"),
        (["--uri", "unix:///tmp/voice-skill-test.socket", "--zeroconf"], "--zeroconf needs a tcp:// uri"),
        (
            ["--uri", "tcp://127.0.0.1:1", "--voice", "no-such-voice-anywhere"],
            "no voice named 'no-such-voice-anywhere'",
        ),
    ],
)
def test_a_mistake_is_one_line_and_a_non_zero_exit(args: list[str], message: str) -> None:
    result = run_cli("serve", *args, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--uri", f"tcp://127.0.0.1:{port}", timeout=60)
    assert result.returncode != 0
    assert f"cannot listen on tcp://127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr

"""Wyoming server under load: handle requests per second and p50/p99 latency with 16 clients at once, and how
soon a transcript follows audio-stop when the audio streams in real time, as Home Assistant sends it.

The server runs as `voice-skill serve` in its own process on 127.0.0.1; clients use the `wyoming` library and
open one connection per request, as Home Assistant does. Figures are per run (these machines are shared).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize

from voice_skill.evaluation import load_cases

REPO = Path(__file__).resolve().parent.parent
VOICE_SKILL = Path(sys.executable).parent / "voice-skill"
CLIENTS = 16
REQUESTS_PER_CLIENT = 25
RUNS = 3
SPOKEN = ["what is sciatica", "how should i sit", "what is osteoporosis", "why does my hip hurt"]
LONG_ANSWER = "what causes hip pain"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [str(VOICE_SKILL), "serve", "--uri", f"tcp://127.0.0.1:{port}"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert server.stderr is not None
    for line in server.stderr:
        if "serving on" in line:
            break
    else:
        raise SystemExit(f"voice-skill serve did not start (exit code {server.wait()})")
    # Keep reading its log, so a full pipe never stalls it.
    subprocess.Popen(["cat"], stdin=server.stderr, stdout=subprocess.DEVNULL)
    return server


def questions() -> list[str]:
    texts = [case.text for path in sorted((REPO / "tests" / "transcripts").glob("*.yaml")) for case in load_cases(path)]
    return texts or ["what causes hip pain", "what is sciatica", "set a timer"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def handle(port: int, text: str, conversation_id: str) -> float:
    started = time.perf_counter()
    async with AsyncTcpClient("127.0.0.1", port, read_timeout=30) as client:
        await client.write_event(Transcript(text=text, context={"conversation_id": conversation_id}).event())
        reply = await client.read_event()
    assert reply is not None and reply.type in ("handled", "not-handled"), reply
    return time.perf_counter() - started


async def handle_load(port: int, texts: list[str], clients: int) -> tuple[float, list[float]]:
    """Requests per second and every request's latency, `clients` clients each asking in turn."""

    async def one_client(number: int) -> list[float]:
        return [
            await handle(port, texts[(number * REQUESTS_PER_CLIENT + turn) % len(texts)], f"bench-{number}-{turn // 5}")
            for turn in range(REQUESTS_PER_CLIENT)
        ]

    started = time.perf_counter()
    latencies = [latency for result in await asyncio.gather(*map(one_client, range(clients))) for latency in result]
    return len(latencies) / (time.perf_counter() - started), latencies


async def handle_while_recognising(port: int, texts: list[str], paths: list[Path]) -> tuple[float, list[float]]:
    """handle_load while two more clients keep sending spoken questions: recognition must not stall answers."""
    load = asyncio.ensure_future(handle_load(port, texts, CLIENTS))

    async def keep_asking() -> None:
        while not load.done():
            for path in paths:
                await transcript_after_stop(port, path, real_time=False)

    askers = [asyncio.ensure_future(keep_asking()) for _ in range(2)]
    result = await load
    await asyncio.gather(*askers)
    return result


async def transcript_after_stop(port: int, path: Path, real_time: bool) -> tuple[float, str]:
    """Seconds from writing audio-stop to reading the transcript, and the transcript."""
    with wave.open(str(path), "rb") as wav:
        rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
        audio = wav.readframes(wav.getnframes())
    step = 1024 * width * channels
    async with AsyncTcpClient("127.0.0.1", port, read_timeout=30) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
        for offset in range(0, len(audio), step):
            await client.write_event(
                AudioChunk(rate=rate, width=width, channels=channels, audio=audio[offset : offset + step]).event()
            )
            if real_time:
                await asyncio.sleep(1024 / rate)
        stopped = time.perf_counter()
        await client.write_event(AudioStop().event())
        reply = await client.read_event()
    assert reply is not None and reply.type == "transcript", reply
    return time.perf_counter() - stopped, reply.data["text"]


async def speech_timing(port: int, text: str) -> tuple[float, float, float]:
    """Seconds to the first audio chunk and to audio-stop, and the seconds of audio, for one synthesize request."""
    started = time.perf_counter()
    first = 0.0
    seconds = 0.0
    async with AsyncTcpClient("127.0.0.1", port, read_timeout=30) as client:
        await client.write_event(Synthesize(text=text).event())
        while True:
            event = await client.read_event()
            assert event is not None and event.type != "error", event
            if AudioChunk.is_type(event.type):
                first = first or time.perf_counter() - started
                seconds += AudioChunk.from_event(event).seconds
            if AudioStop.is_type(event.type):
                return first, time.perf_counter() - started, seconds


def spoken_questions(folder: Path) -> list[Path]:
    paths = []
    for number, text in enumerate(SPOKEN):
        path = folder / f"{number}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(folder / "raw.wav"), text], check=True)
        subprocess.run(["sox", str(folder / "raw.wav"), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True)
        paths.append(path)
    return paths


async def measure(port: int, folder: Path) -> None:
    texts = questions()
    answers = [await handle(port, text, "warm-up") for text in texts[:20]]  # engines and caches warm
    print(f"handle, 1 client: p50 {statistics.median(answers) * 1000:.1f} ms")
    for run in range(RUNS):
        rate, latencies = await handle_load(port, texts, CLIENTS)
        print(
            f"handle, {CLIENTS} clients, run {run + 1}: {rate:.0f} requests/s, "
            f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
        )
    paths = spoken_questions(folder)
    await transcript_after_stop(port, paths[0], real_time=False)  # recogniser made
    rate, latencies = await handle_while_recognising(port, texts, paths)
    print(
        f"handle, {CLIENTS} clients while 2 others have questions recognised: {rate:.0f} requests/s, "
        f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
    )
    for real_time in (True, False):
        results = [await transcript_after_stop(port, path, real_time) for path in paths]
        latencies = [latency for latency, _ in results]
        heard = sum(text == expected for (_, text), expected in zip(results, SPOKEN))
        pace = "streamed in real time" if real_time else "sent at once"
        print(
            f"asr, audio {pace}: transcript {statistics.median(latencies) * 1000:.0f} ms after audio-stop "
            f"(median of {len(paths)}, max {max(latencies) * 1000:.0f} ms), {heard}/{len(paths)} heard exactly"
        )
    async with AsyncTcpClient("127.0.0.1", port, read_timeout=30) as client:
        await client.write_event(Transcript(text=LONG_ANSWER).event())
        reply = await client.read_event()
    assert reply is not None
    first, total, seconds = await speech_timing(port, reply.data["text"])
    print(
        f"tts, a {len(reply.data['text'])}-character answer ({seconds:.1f} s of speech): "
        f"first audio after {first * 1000:.0f} ms, all after {total * 1000:.0f} ms"
    )


async def open_stream(port: int) -> AsyncTcpClient:
    """A client in the middle of a spoken question, left open."""
    client = AsyncTcpClient("127.0.0.1", port, read_timeout=30)
    await client.connect()
    await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
    await client.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=bytes(32000)).event())
    return client


def stop_seconds() -> float:
    """Seconds from SIGTERM to the end of a fresh server's process, with one client in the middle of a stream."""
    port = free_port()
    server = start_server(port)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(handle(port, "what is sciatica", "stop"))
        client = loop.run_until_complete(open_stream(port))
        time.sleep(0.5)
        signalled = time.perf_counter()
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        seconds = time.perf_counter() - signalled
        loop.run_until_complete(client.disconnect())
    finally:
        loop.close()
    return seconds


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    if not VOICE_SKILL.exists() or shutil.which("espeak-ng") is None:
        raise SystemExit("run script/setup first")
    port = free_port()
    server = start_server(port)
    try:
        with tempfile.TemporaryDirectory(prefix="voice-skill-bench-") as folder:
            asyncio.run(measure(port, Path(folder)))
    finally:
        server.terminate()
        server.wait(10)
    stops = [stop_seconds() for _ in range(RUNS)]
    print(f"stop, SIGTERM to exit with a client mid-stream: {', '.join(f'{s * 1000:.0f}' for s in stops)} ms")
    print(f"({os.cpu_count()} processors, load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()

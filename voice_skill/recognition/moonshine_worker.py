"""The Moonshine worker process: loads Moonshine base English once (`moonshine_model.MoonshineModel`), then serves
requests on stdin until it closes. Its arguments are the domain words that a biased decoding leans toward
(`biasing`).

A request is the byte REQUEST, a little-endian uint32 number that names it, a uint32 count of utterances, then
for each a uint32 byte count and that many bytes of float32 samples at 16 kHz; a byte count with HYPOTHESES set
asks for the utterance's likeliest sentences (`MoonshineModel.hypotheses`) instead of its words, one with BIASED set
a decoding leaned toward the domain words; one with SCORED set is followed by a uint32 byte count and that many
bytes of sentences in UTF-8, one a line, whose log-probabilities for the utterance are asked for
(`MoonshineModel.log_probabilities`). Requests do not
wait for each other: their utterances are decoded in the order they came, each on a thread of its own as soon as
one of DECODERS is free (one model, one core each), so a request sent while another is decoded starts on the
core the other leaves idle. Sentences are scored on a thread of their own, beside the decodings: it takes a few
hundredths of a second, and an answer waits for it. Once all of a request's utterances are decoded, the worker writes its number, their
count as a uint32, and for each utterance, in order, a uint32 byte count and its text in UTF-8: the words, or the likeliest sentences one a
line after their log-probability and a tab, or the log-probabilities of the sentences one a line. The byte STOP and a request's number ends that request's decodings at
their next token, and those not begun before they begin (what was found so far is written; the parent drops it);
one that comes after the answer is ignored. Started by `moonshine.MoonshineTranscriber`.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .moonshine_model import MoonshineModel

REQUEST = b"R"
STOP = b"S"

DECODERS = 2
"""Utterances decoded at the same time: the machine's two cores. Two threads on one model need no more memory
than one (onnxruntime's sessions run in several threads at once); a second worker process would hold another
0.5 GB for the same speed."""

HYPOTHESES = 1 << 31
"""Set in a request's byte count (which is far below it) to ask for the likeliest sentences."""

BIASED = 1 << 30
"""Set in a request's byte count to lean its decoding toward the domain words."""

SCORED = 1 << 29
"""Set in a request's byte count to ask for the log-probabilities of the sentences that follow the samples."""

FLAGS = HYPOTHESES | BIASED | SCORED


def main() -> int:
    import numpy as np

    try:
        from .moonshine_model import MoonshineModel

        model = MoonshineModel(domain_words=sys.argv[1:])
    except Exception as problem:  # the parent shows this line to the user
        print(f"Moonshine cannot be loaded: {problem}", file=sys.stderr)
        return 1
    give_back_freed_memory()
    requests, replies = sys.stdin.buffer.fileno(), sys.stdout.buffer
    decoders = ThreadPoolExecutor(DECODERS, thread_name_prefix="moonshine-decoder")
    scorer = ThreadPoolExecutor(1, thread_name_prefix="moonshine-scorer")
    decoding: dict[int, threading.Event] = {}
    """The stop of each request not yet answered, by its number."""
    writing = threading.Lock()

    def answer(number: int, decodings: list[Future[str]]) -> None:
        try:
            texts = [decoded.result().encode("utf-8") for decoded in decodings]
        except Exception as problem:  # the parent reads the end of its output and shows this line
            print(f"Moonshine failed: {problem}", file=sys.stderr, flush=True)
            os._exit(1)
        with writing:
            decoding.pop(number, None)
            replies.write(
                struct.pack("<II", number, len(texts)) + b"".join(struct.pack("<I", len(t)) + t for t in texts)
            )
            replies.flush()

    while True:
        kind = os.read(requests, 1)
        if not kind:
            for stop in list(decoding.values()):
                stop.set()
            return 0
        (number,) = struct.unpack("<I", read_exactly(requests, 4))
        if kind == STOP:
            with writing:
                stopping = decoding.get(number)
            if stopping is not None:
                stopping.set()
            continue
        (count,) = struct.unpack("<I", read_exactly(requests, 4))
        utterances = []
        for _ in range(count):
            (size,) = struct.unpack("<I", read_exactly(requests, 4))
            samples = np.frombuffer(read_exactly(requests, size & ~FLAGS), dtype="<f4")
            scored: list[str] = []
            if size & SCORED:
                (length,) = struct.unpack("<I", read_exactly(requests, 4))
                scored = read_exactly(requests, length).decode("utf-8").splitlines()
            utterances.append((samples, bool(size & HYPOTHESES), bool(size & BIASED), scored))
        stop = threading.Event()
        with writing:
            decoding[number] = stop
        decodings = [
            (scorer if utterance[3] else decoders).submit(decode, model, *utterance, stop) for utterance in utterances
        ]
        _when_all_done(decodings, lambda number=number, decodings=decodings: answer(number, decodings))


def _when_all_done(futures: list[Future[str]], then: Any) -> None:
    """Call `then` once, in the thread that finishes the last of the futures."""
    if not futures:
        then()
        return
    left = [len(futures)]
    lock = threading.Lock()

    def one_done(_: Future[str]) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            then()

    for future in futures:
        future.add_done_callback(one_done)


def decode(
    model: MoonshineModel, samples: Any, sentences: bool, biased: bool, scored: list[str], stop: threading.Event
) -> str:
    """The utterance's words, or its likeliest sentences (one a line after their log-probability and a tab), or the
    log-probabilities of the `scored` sentences (one a line); nothing for a request stopped before its turn came."""
    if stop.is_set():
        return ""
    if scored:
        return "\n".join(repr(score) for score in model.log_probabilities(samples, scored))
    if not sentences:
        return model.transcribe(samples, stop, biased)
    return "\n".join(f"{score!r}\t{' '.join(text.split())}" for text, score in model.hypotheses(samples, stop=stop))


def read_exactly(stream: int, size: int) -> bytes:
    """`size` bytes from the file descriptor, read unbuffered (a request may be followed by a STOP that nobody
    writes until the request is decoding); EOFError if it closes first."""
    data = bytearray()
    while len(data) < size:
        chunk = os.read(stream, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


def give_back_freed_memory() -> None:
    """Return to the system the memory that loading freed (about 0.27 GB of 0.75: the ONNX files read and the
    weights before onnxruntime folded their int8 form into float32), which glibc's allocator would keep."""
    import ctypes
    import ctypes.util

    library = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(library).malloc_trim(0)


if __name__ == "__main__":
    with contextlib.suppress(EOFError):
        sys.exit(main())

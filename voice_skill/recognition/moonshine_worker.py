"""The Moonshine worker process: loads Moonshine base English once (`moonshine_model.MoonshineModel`), then serves
requests on stdin until it closes. Its arguments are the domain words that a biased decoding leans toward
(`biasing`).

A request is the byte REQUEST, a little-endian uint32 count of utterances, then for each a uint32 byte count and
that many bytes of float32 samples at 16 kHz; a byte count with HYPOTHESES set asks for the utterance's likeliest
sentences (`MoonshineModel.hypotheses`) instead of its words, one with BIASED set a decoding leaned toward the
domain words. The utterances are decoded at once, each on a thread
of its own (up to DECODERS: one model, one core each), and the worker writes for each, in order, a uint32 byte
count and its text in UTF-8: the words, or the likeliest sentences one a line after their log-probability and a
tab. The byte STOP, sent while a request is being decoded, ends its decodings at their next token (what was found
so far is written; the parent drops it); one that comes after the answer is ignored. Started by
`moonshine.MoonshineTranscriber`.
"""

from __future__ import annotations

import contextlib
import os
import select
import struct
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .moonshine_model import MoonshineModel

REQUEST = b"R"
STOP = b"S"

DECODERS = 2
"""Utterances of one request decoded at the same time: the machine's two cores. Two threads on one model need no
more memory than one (onnxruntime's sessions run in several threads at once); a second worker process would hold
another 0.5 GB for the same speed."""

POLL = 0.005
"""Seconds between looks at stdin for STOP while a request is decoded (a decoder step takes about as long)."""

HYPOTHESES = 1 << 31
"""Set in a request's byte count (which is far below it) to ask for the likeliest sentences."""

BIASED = 1 << 30
"""Set in a request's byte count to lean its decoding toward the domain words."""


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
    while True:
        kind = os.read(requests, 1)
        if not kind:
            return 0
        if kind != REQUEST:
            continue  # a STOP that came after the answer
        (count,) = struct.unpack("<I", read_exactly(requests, 4))
        utterances = []
        for _ in range(count):
            (size,) = struct.unpack("<I", read_exactly(requests, 4))
            samples = np.frombuffer(read_exactly(requests, size & ~(HYPOTHESES | BIASED)), dtype="<f4")
            utterances.append((samples, bool(size & HYPOTHESES), bool(size & BIASED)))
        stop = threading.Event()
        decodings = [decoders.submit(decode, model, *utterance, stop) for utterance in utterances]
        closed = False
        while wait(decodings, timeout=POLL).not_done:
            if not stop.is_set() and select.select([requests], [], [], 0)[0]:
                signal = os.read(requests, 1)
                closed = not signal
                stop.set()
        texts = [decoding.result().encode("utf-8") for decoding in decodings]
        if closed:
            return 0
        replies.write(b"".join(struct.pack("<I", len(text)) + text for text in texts))
        replies.flush()


def decode(model: MoonshineModel, samples: Any, sentences: bool, biased: bool, stop: threading.Event) -> str:
    """The utterance's words, or its likeliest sentences (one a line after their log-probability and a tab)."""
    if not sentences:
        return model.transcribe(samples, stop, biased)
    return "\n".join(f"{score!r}\t{' '.join(text.split())}" for text, score in model.hypotheses(samples, stop=stop))


def read_exactly(stream: int, size: int) -> bytes:
    """`size` bytes from the file descriptor, read unbuffered so that select() sees what is left; EOFError if it
    closes first."""
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

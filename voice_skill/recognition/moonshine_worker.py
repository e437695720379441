"""The Moonshine worker process: loads Moonshine base English once (`moonshine_model.MoonshineModel`), then for
each request on stdin (a little-endian uint32 byte count, then that many bytes of float32 samples at 16 kHz)
writes the text on stdout (a uint32 byte count, then UTF-8). A byte count with HYPOTHESES set asks for the
likeliest sentences instead, one a line after their log-probability and a tab. Ends when stdin closes. Started by
`moonshine.MoonshineTranscriber`."""

from __future__ import annotations

import contextlib
import struct
import sys

HYPOTHESES = 1 << 31
"""Set in a request's byte count (which is far below it) to ask for the likeliest sentences."""


def main() -> int:
    import numpy as np

    try:
        from .moonshine_model import MoonshineModel

        model = MoonshineModel()
    except Exception as problem:  # the parent shows this line to the user
        print(f"Moonshine cannot be loaded: {problem}", file=sys.stderr)
        return 1
    give_back_freed_memory()
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = requests.read(4)
        if len(header) < 4:
            return 0
        (size,) = struct.unpack("<I", header)
        samples = np.frombuffer(requests.read(size & ~HYPOTHESES), dtype="<f4")
        if size & HYPOTHESES:
            sentences = model.hypotheses(samples)
            reply = "\n".join(f"{score!r}\t{' '.join(text.split())}" for text, score in sentences).encode("utf-8")
        else:
            reply = model.transcribe(samples).encode("utf-8")
        replies.write(struct.pack("<I", len(reply)) + reply)
        replies.flush()


def give_back_freed_memory() -> None:
    """Return to the system the memory that loading freed (about 0.27 GB of 0.75: the ONNX files read and the
    weights before onnxruntime folded their int8 form into float32), which glibc's allocator would keep."""
    import ctypes
    import ctypes.util

    library = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(library).malloc_trim(0)


if __name__ == "__main__":
    sys.exit(main())

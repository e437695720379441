"""The Moonshine worker process: loads Moonshine base English once, then for each request on stdin (a
little-endian uint32 byte count, then that many bytes of float32 samples at 16 kHz) writes the text on
stdout (a uint32 byte count, then UTF-8). Ends when stdin closes. Started by `moonshine.MoonshineTranscriber`."""

from __future__ import annotations

import ctypes
import struct
import sys


def main() -> int:
    import numpy as np

    try:
        import moonshine_cpp

        model = moonshine_cpp.MoonshineModel()
    except Exception as problem:  # the parent shows this line to the user
        print(f"Moonshine cannot be loaded: {problem}", file=sys.stderr)
        return 1
    library = moonshine_cpp.moonshine_lib
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = requests.read(4)
        if len(header) < 4:
            return 0
        samples = np.frombuffer(requests.read(struct.unpack("<I", header)[0]), dtype="<f4")
        text = ctypes.c_char_p()
        # moonshine-cpp's own transcribe() fails in 0.1.4 (ctypes.c_float_p does not exist): call the C function.
        status = library.moonshine_transcribe(
            model.model_handle, samples.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), len(samples), ctypes.byref(text)
        )
        reply = (text.value or b"") if status == 0 else b""
        if status == 0:
            library.moonshine_free_text(text)
        replies.write(struct.pack("<I", len(reply)) + reply)
        replies.flush()


if __name__ == "__main__":
    sys.exit(main())

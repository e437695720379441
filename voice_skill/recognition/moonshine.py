"""Moonshine base English, the open-vocabulary engine the `moonshine-cpp` package bundles (MIT, no download).

Moonshine transcribes a whole utterance at once. Two facts of moonshine-cpp 0.1.4 shape this module:
- its `transcribe(samples)` fails on a ctypes name that does not exist (`ctypes.c_float_p`), so the
  library's C function `moonshine_transcribe` is called here directly with a contiguous float32 array;
- each call leaks about 34 MB inside the library (measured: RSS grows by that much per call, also for the
  same audio, and freeing the model gives only part of it back). So the model lives in a worker process
  that is replaced after CALLS_PER_WORKER calls; the next worker loads while the answer is being spoken.
"""

from __future__ import annotations

import contextlib
import re
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from ..errors import EngineUnavailableError
from .transcript import Transcript

if TYPE_CHECKING:
    from .pocketsphinx import PocketsphinxRecogniser

SAMPLE_RATE = 16000

CALLS_PER_WORKER = 8
"""Utterances one worker transcribes before it is replaced: its memory stays under about 0.5 GB."""

EXIT_WAIT = 0.2
"""Seconds a worker is given to exit once its input is closed; one still loading its model is killed (it holds
nothing), so a command that never needed a second opinion does not wait for the load to finish."""

SECOND_OPINION_SECONDS = 8.0
"""Utterances longer than this get no second opinion: questions are shorter, and Moonshine's time grows with
the audio (a television talking on would keep it busy for nothing)."""

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def words(text: str) -> str:
    """Moonshine's sentence ("What is sciatica?") as the recognisers spell words: "what is sciatica"."""
    return " ".join(_WORD.findall(text.lower().replace("’", "'")))


def available() -> bool:
    """Whether moonshine-cpp is installed."""
    import importlib.util

    return importlib.util.find_spec("moonshine_cpp") is not None


class MoonshineTranscriber:
    """Float32 samples at 16 kHz in, Moonshine's words out, from a worker process
    (`python -m voice_skill.recognition.moonshine_worker`: length-prefixed samples on stdin, text on stdout).
    The worker starts loading at once, in parallel with whatever the caller loads next."""

    def __init__(self) -> None:
        if not available():
            raise EngineUnavailableError("moonshine-cpp is not installed; reinstall voice-skill")
        self._calls = 0
        self._worker: subprocess.Popen[bytes] | None = None
        self._start()

    def transcribe(self, samples: Any) -> str:
        """The words of one utterance; empty for less than 0.1 s of audio."""
        import numpy as np

        samples = np.ascontiguousarray(samples, dtype="<f4")
        if len(samples) < SAMPLE_RATE // 10:
            return ""
        if self._worker is None:
            self._start()
        worker = self._worker
        assert worker is not None and worker.stdin is not None and worker.stdout is not None
        try:
            data = samples.tobytes()
            worker.stdin.write(struct.pack("<I", len(data)) + data)
            worker.stdin.flush()
            size = struct.unpack("<I", _read(worker.stdout, 4))[0]
            text = _read(worker.stdout, size).decode("utf-8", errors="replace")
        except (OSError, EOFError, struct.error):
            problem = self._stop() or "no reason given"
            raise EngineUnavailableError(f"Moonshine stopped ({problem}); reinstall voice-skill") from None
        self._calls += 1
        if self._calls >= CALLS_PER_WORKER:
            self._stop()
            self._start()
        return words(text)

    def close(self) -> None:
        """Stop the worker (a later transcribe() starts a new one)."""
        self._stop()

    def _start(self) -> None:
        self._worker = subprocess.Popen(
            [sys.executable, "-m", "voice_skill.recognition.moonshine_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._calls = 0

    def _stop(self) -> str:
        """End the worker; the last line it wrote on stderr, if any."""
        worker, self._worker = self._worker, None
        if worker is None:
            return ""
        if worker.stdin is not None:
            with contextlib.suppress(OSError):
                worker.stdin.close()
        try:
            worker.wait(timeout=EXIT_WAIT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        problem = worker.stderr.read().decode("utf-8", errors="replace").strip() if worker.stderr else ""
        for stream in (worker.stdout, worker.stderr):
            if stream is not None:
                stream.close()
        return problem.splitlines()[-1] if problem else ""

    def __del__(self) -> None:
        self._stop()


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data


def pcm_to_samples(pcm: bytes) -> Any:
    import numpy as np

    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


class MoonshineRecogniser:
    """Moonshine as an engine of its own (`--engine moonshine`): the Silero endpointer cuts the stream into
    utterances, each is transcribed when it ends. Open vocabulary: no partial words while speaking."""

    name = "moonshine"
    sample_rate = SAMPLE_RATE

    def __init__(self) -> None:
        from ..audio.endpointer import Endpointer

        self._transcriber = MoonshineTranscriber()
        self._endpointer = Endpointer()
        self._utterance = bytearray()
        self.description = "Moonshine base English (bundled, open vocabulary)"

    def accept(self, pcm: bytes) -> Transcript | None:
        final = None
        for segment in self._endpointer.process(pcm):
            self._utterance += segment.speech
            if segment.ended:
                transcript = self._end_utterance()
                final = transcript if transcript.text else final
        return final

    def partial(self) -> str:
        return ""

    def finish(self) -> Transcript:
        self._utterance += self._endpointer.flush()
        return self._end_utterance()

    def _end_utterance(self) -> Transcript:
        pcm, self._utterance = bytes(self._utterance), bytearray()
        text = self._transcriber.transcribe(pcm_to_samples(pcm)) if pcm else ""
        return Transcript(text, engine=self.name)


class SecondOpinionRecogniser:
    """The default engine first; Moonshine on the same utterance only when its words are not understood.

    Pocketsphinx, restricted to the skill's sentences, turns wording it was not given into other words of
    those sentences; Moonshine hears any English but is slower and hears synthetic voices worse. Asked only
    when the skill would refuse or ask back, and taken only when the skill understands its words (strict:
    a second refusal keeps the first transcript). Measured on held-out spoken paraphrases, 5 voices:
    pocketsphinx alone 44%, Moonshine alone 37%, this 57%; the cost is Moonshine's time on those utterances.
    """

    def __init__(
        self, primary: PocketsphinxRecogniser, utterance_audio: Callable[[], bytes], understood: Callable[[str], bool]
    ) -> None:
        self.primary = primary
        self.name = primary.name
        self.sample_rate = primary.sample_rate
        self.description = f"{primary.description}, with Moonshine base English as a second opinion"
        self._utterance_audio = utterance_audio
        self._understood = understood
        self._second = MoonshineTranscriber()

    def accept(self, pcm: bytes) -> Transcript | None:
        transcript = self.primary.accept(pcm)
        return None if transcript is None else self._reconsider(transcript)

    def partial(self) -> str:
        return self.primary.partial()

    def finish(self) -> Transcript:
        return self._reconsider(self.primary.finish())

    def forget_utterance(self) -> None:
        forget = getattr(self.primary, "forget_utterance", None)
        if forget is not None:
            forget()

    def _reconsider(self, transcript: Transcript) -> Transcript:
        if not transcript.text or self._understood(transcript.text):
            return transcript
        audio = self._utterance_audio()
        if not audio or len(audio) > SECOND_OPINION_SECONDS * self.sample_rate * 2:
            return transcript
        text = self._second.transcribe(pcm_to_samples(audio))
        if text and self._understood(text):
            return Transcript(text, engine="moonshine", speech=transcript.speech)
        return transcript

"""Text to WAV: the pyttsx3 engine kept in a worker process (`speech.worker`), re-created when it fails.

pyttsx3 is not thread-safe, its eSpeak NG driver initialises the C library once per process, a
failed `runAndWait` leaves the engine refusing to run again ("run loop already started"), and an
exception inside its synthesis callback leaves it waiting for ever. So the engine lives in a worker
process of its own, fed one request at a time; a request that fails or times out ends that process
and the next request starts a fresh one. The driver runs eSpeak NG asynchronously and returns from
`runAndWait` before the audio is written, so the worker waits for the "finished-utterance" event.
The driver's own playback (`aplay`) cannot be interrupted, so each sentence is synthesised to a WAV
with `save_to_file` and played here through PortAudio (sounddevice), which `stop()` aborts at once.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path
from typing import IO, Any

from ..errors import AudioFileError, EngineUnavailableError, SkillError
from ..settings import SpeechSettings
from .voices import Voice

DEFAULT_ENGINE = "pyttsx3:init"
"""Import path of the function that makes the speech engine (tests name a faulty one)."""

TURN_ON = "run script/setup, or on Debian/Ubuntu: sudo apt-get install espeak-ng libespeak-ng1"
"""How to get the speech engine, said whenever speech is off because it is missing."""

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """The sentences of an answer in order: lines, then sentence ends followed by a capital or digit."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*• ").strip()
        sentences.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return sentences


def read_wav(path: Path) -> tuple[bytes, int]:
    """The 16-bit mono PCM and sample rate of a WAV the engine wrote."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise AudioFileError(f"{path}: the speech engine wrote audio that is not 16-bit mono")
            return wav.readframes(wav.getnframes()), wav.getframerate()
    except (OSError, EOFError, wave.Error) as error:
        raise AudioFileError(f"{path}: the speech engine wrote no readable WAV ({error})") from error


class EngineMissing(EngineUnavailableError):
    """The speech engine cannot start at all (not installed); retrying will not help."""


class Synthesiser:
    """Text to WAV with pyttsx3, the engine kept in a worker process that is re-created when it fails or hangs.

    Thread-safe: requests are serialised. A request that raises, times out or finds the worker dead
    is retried once on a fresh worker; a missing engine or an unknown voice is not retried.
    """

    def __init__(
        self,
        settings: SpeechSettings = SpeechSettings(),
        *,
        engine: str = DEFAULT_ENGINE,
        timeout: float = 5.0,
        start_timeout: float = 20.0,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.timeout = timeout
        """Seconds a request may take, plus one per 100 characters of text, before the worker counts as hung."""
        self.start_timeout = start_timeout
        """Seconds the worker may take to start Python and the engine."""
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._voices: list[Voice] | None = None
        self._closed = False
        self._workdir = Path(tempfile.mkdtemp(prefix="voice-skill-speech-"))
        self._count = 0

    def __enter__(self) -> Synthesiser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the engine now (about 0.1 s) and check the voice, instead of on the first request."""
        self._request(None)

    def voices(self) -> list[Voice]:
        """Every voice the engine offers."""
        if self._voices is None:
            reply = self._request({"op": "voices"})
            self._voices = [
                Voice(voice["id"], voice["name"], tuple(voice["languages"]), voice["gender"])
                for voice in reply["voices"]
            ]
        return self._voices

    def synthesise(self, text: str, path: Path | None = None) -> Path:
        """Speak text into a WAV (a new temporary one unless path is given) and return its path."""
        if not text.strip():
            raise ValueError("nothing to synthesise")
        with self._lock:
            self._count += 1
            scratch = self._workdir / f"{self._count}.wav"
        self._request({"op": "synth", "text": text, "path": str(scratch)}, timeout=self.timeout + len(text) / 100)
        if path is None:
            return scratch
        try:
            shutil.move(scratch, path)
        except OSError as error:
            raise AudioFileError(f"cannot write {path}: {error.strerror or error}") from error
        return path

    def save(self, text: str, path: Path) -> Path:
        """Write the whole spoken answer to one WAV file (no sound card needed)."""
        return self.synthesise(" ".join(split_sentences(text)) or text, check_wav_target(path))

    def close(self) -> None:
        """End the worker, also in the middle of a request (which then fails), and remove temporary files."""
        self._closed = True
        process = self._process
        if process is not None:
            process.kill()
        with self._lock:
            self._end_worker()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _request(self, request: dict[str, Any] | None, timeout: float | None = None) -> dict[str, Any]:
        with self._lock:
            try:
                return self._exchange(request, timeout)
            except EngineMissing:
                raise
            except EngineUnavailableError:
                return self._exchange(request, timeout)

    def _exchange(self, request: dict[str, Any] | None, timeout: float | None) -> dict[str, Any]:
        """One request to the worker (None: just start it); any failure ends the worker."""
        self._start_worker()
        if request is None:
            return {}
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
        except OSError:
            self._end_worker()
            raise EngineUnavailableError(
                "speech is off for this answer: the speech engine stopped unexpectedly"
            ) from None
        reply = self._reply(timeout or self.timeout)
        if "error" in reply:
            self._end_worker()
            raise EngineUnavailableError(f"speech is off for this answer: the speech engine failed ({reply['error']})")
        return reply

    def _reply(self, timeout: float) -> dict[str, Any]:
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            self._end_worker()
            raise EngineUnavailableError(
                f"speech is off for this answer: the speech engine did not answer within {timeout:.1f} s "
                "and was restarted"
            ) from None
        if reply is None:
            self._end_worker()
            raise EngineUnavailableError("speech is off for this answer: the speech engine stopped unexpectedly")
        return reply

    def _start_worker(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._end_worker()
        if self._closed:
            raise EngineUnavailableError("speech is off: the speaker was closed")
        worker: dict[str, Any] = {"engine": self.engine, "voice": self.settings.voice}
        worker.update(rate=self.settings.rate, volume=self.settings.volume)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        # A session of its own: Ctrl-C in the terminal goes to us, and we end the worker cleanly.
        self._process = subprocess.Popen(
            [sys.executable, "-m", "voice_skill.speech.worker", json.dumps(worker)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self._replies = queue.Queue()
        threading.Thread(target=_read_replies, args=(self._process.stdout, self._replies), daemon=True).start()
        ready = self._reply(self.start_timeout)
        if "error" not in ready:
            return
        self._end_worker()
        if ready["kind"] == "missing":
            raise EngineMissing(_missing_message(ready["error"]))
        if ready["kind"] == "voice":
            raise SkillError(ready["error"])
        raise EngineUnavailableError(f"speech is off for this answer: the speech engine failed ({ready['error']})")

    def _end_worker(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=0.5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()


def check_wav_target(path: Path) -> Path:
    """The path if a spoken answer can be written there: a folder would get a file of our naming inside it."""
    if Path(path).is_dir():
        raise AudioFileError(
            f"{path} is a directory; give the name of the WAV file to write, e.g. {Path(path) / 'answer.wav'}"
        )
    return path


def list_voices(engine: str = DEFAULT_ENGINE) -> list[Voice]:
    """Every voice the speech engine offers (starts and ends the engine)."""
    with Synthesiser(engine=engine) as synthesiser:
        return synthesiser.voices()


def _read_replies(stream: IO[bytes], replies: queue.Queue[dict[str, Any] | None]) -> None:
    for line in stream:
        replies.put(json.loads(line))
    replies.put(None)


def _missing_message(error: str) -> str:
    if "pyttsx3" in error:
        return f"speech is off: pyttsx3 is not installed ({error}); install it with: pip install pyttsx3"
    return f"speech is off: the speech engine cannot start ({error}); {TURN_ON}"

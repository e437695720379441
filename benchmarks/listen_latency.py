"""Spoken answer latency: from the end of the user's utterance to the first sample of the answer's audio.

Each topic's first example question, and held-out paraphrases (where the default engine often asks Moonshine
for a second opinion), are spoken by eSpeak NG and run through the real listen loop (the default recogniser
as `listen` opens it, behind the speech screen; the dialogue; the speaker with its pyttsx3 worker already warm), the silence after it
arriving in real time as from a microphone. Measured on the wall clock from the moment the audio block
that ends the utterance is fed to the recogniser (the endpoint) to the moment the first synthesised
sentence is handed to the audio output. Targets (issue 12, item 7): under 300 ms at p90 for the default
engine; under 800 ms when a slower engine is the default, as pocketsphinx with Moonshine's second opinion is.

The endpointer's wait is reported apart: the seconds of silence after the last spoken sound that the
engine needs before it decides the utterance is over (an engine setting, paid in audio time).

Answers are told apart by path: pocketsphinx's words (Moonshine not asked: pocketsphinx sure of words the skill
understands), Moonshine's second opinion taken, and Moonshine asked but pocketsphinx's words kept; and how often
Moonshine had started during the endpointer's wait (it starts 0.1 s into every pause once words were heard,
`recognition.moonshine`), which takes about 0.4 s of its decoding off the wait after the endpoint. Moonshine's time is CPU time on a 2-core
machine: the figures move with the machine's load, so compare runs made in turn, with and without a change.
Measured in turn on the shared 2-core machine at a load average of 5 to 7, three pairs of runs of this
benchmark (issue 12, item 7), before the early start -> with it: p90 over all 57 answers 1839/1884/1534 ->
1585/1646/1227 ms; median where Moonshine was asked and refused 1839/1884/1555 -> 1395/1539/1227 ms; p90 where
it was not asked 311/347/217 -> 416/459/355 ms (the early starts that pocketsphinx's final words make useless
take CPU from the answer). It started early for 9 of the 12 second opinions. Moonshine's decoding alone took
1.2-2 s there (0.9 s of CPU for a 2.8 s question), against about 0.7 s on idle cores.
Before the wider second opinion, three runs in a row on 2026-11-30, the first on the idle machine (load average under 1), then at loads of 2-3
and 4-5 as other jobs started: p90 of all answers 400, 480, 673 ms (limit 800: met); pocketsphinx's own
answers p90 132, 174, 222 ms (target 300: met); Moonshine's answers (taken or refused) 370-825 ms median.

With Moonshine asked unless pocketsphinx is sure of words the skill understands (issue 12, item 2), measured in
turn with the version before at a load average of 1.5 to 2.5: p90 over all 57 answers 371 ms before, 805 and
751 ms after; median 89 ms before, 465 and 476 ms after. Moonshine is now asked about 51 of the 57 answers (the
topics' own sentences too: pocketsphinx is rarely sure, mean word posterior >= 0.9), so the median answer waits
for it; the 6 it is not asked about answer in 60-90 ms. A first run at a load average of 2.3 to 5.6 gave p90
1655 ms (the version before, right after it: 510 ms).

Moonshine run with onnxruntime on its own model files, the int8 weights folded into float32 once at load instead
of at every token (recognition/moonshine_model.py; the same words as moonshine-cpp on 303 of 303 recordings,
about 3.6 times less CPU a call): four pairs of runs in turn with the version before, on the shared 2-core
machine at load averages of 2 to 6, before -> after: p90 over all 57 answers 1927 -> 393, 2064 -> 326,
1810 -> 512, 1827 -> 661 ms (after / before 0.16 to 0.36); median 801 -> 178, 1074 -> 118, 848 -> 116,
1072 -> 238 ms. Two onnxruntime threads instead of one, in the first two pairs: p90 453 and 353 ms. The slowest
answer in both versions is usually the first question, which comes before the worker has loaded (about 2 s
either way: the benchmark's greeting plays nothing).

Moonshine's refused words heard again at other speeds (issue 12, recognition/moonshine.py SPEED_STAGES): pairs
of runs in turn with the version before, on the shared 2-core machine with other developers' jobs running
before -> after: p90 812 -> 2247, 597 -> 1272, 928 -> 1874 ms at load averages of 3 to 6 (an accuracy
benchmark running too); median 372 -> 751, 227 -> 409, 444 -> 578 ms; processor time of the whole run 42-44 s ->
54-58 s. On a quieter machine (load average 1.6 -> 0.7, then 0.7 -> 0.9): p90 205 ms before, 575 and
532 ms after. The four speeds in two stages every time,
first tried, at a load average of about 3: p90 300 -> 1356 ms.

Moonshine's likely sentences before the other speeds (`--likely-sentences`, recognition/moonshine.py
WITH_LIKELY_SENTENCES), in turn with the speeds alone on the shared machine at loads of 5 to 7 (other
developers' jobs and a spoken accuracy benchmark running): p90 1824 -> 3140 and 1609 -> 2616 ms; median
628 -> 675 and 392 -> 508 ms; Moonshine asked and pocketsphinx's words kept (24-27 of 57 answers), median
1506 -> 2146 and 862 -> 1796 ms. Not the default for it. The default
after that merge (the speeds alone, started while pocketsphinx checks the refused words rather than after), in
turn with main at loads of 7 to 10: p90 1928 -> 2499 and 2761 -> 2539 ms, median 696 -> 578 and 752 -> 731 ms.

Moonshine's worker decoding requests side by side, and the other speeds' first stage started with the first
decoding rather than once its words are refused (recognition/moonshine.py STAGES_STARTED_EARLY), each speed's words
understood as they come, in turn with main on the shared 2-core machine, main -> this. Nearly idle (loads 0.9 to
1.6), two pairs in either order: p90 843 -> 565 and 822 -> 522 ms (each run's 882/816/900 -> 669/596/490 and
858/775/822 -> 549/522/496), median 239 -> 115 and 200 -> 144 ms; the answers that waited for the speeds
(pocketsphinx's words kept, 30 of 57) median 740 -> 421 and 731 -> 409, p90 900 -> 621 and 834 -> 545 ms;
Moonshine's words taken, median 193 -> 101 and 165 -> 97 ms. At loads of 10 to 17,
four pairs: p90 4703 -> 4095, 3807 -> 2937, 4429 -> 3608, 4823 -> 3870 ms; the answers that waited for the speeds,
median 3153 -> 2563, 2412 -> 2024, 2891 -> 2280, 3349 -> 2296 ms; Moonshine's words taken, median 819 -> 1141,
630 -> 790, 628 -> 811, 1017 -> 836 ms (on a machine that busy the early speeds take CPU from the first decoding;
on an idle one they have the core it leaves).

The sound-alike check asking Moonshine how likely the repaired words are (recognition/sound_alike.py LESS_LIKELY)
runs on one of the 19 questions ("what's the condition where bones turn spongy and break easily", heard
"...tangy...", repaired "...tushy..." and answered as osteoporosis by chance). The score took 266-695 ms of wall
time at loads of 3 to 5, 120-263 ms once Moonshine kept the utterance's encoding (ENCODINGS_KEPT); it refuses
the repair, so that answer now waits for the other speeds like any refused question: 1339 -> 2665 ms and 516 ->
3147 ms in turn. Pairs of runs in turn, check off -> on, loads 2 to 5: p90 2227 -> 2235, 2163 -> 2748,
1251 -> 1888 ms, the machine's load moving as much as that.

Whisper asked for a warning sign where Moonshine refuses pocketsphinx's unsure understood words (recognition/
moonshine.py `_warning_sign_from_third`, UNSURE_OF_ANOTHER_TOPIC): it is asked about 2 of the 19 questions (6 of 57
answers), eSpeak NG's "what causes hip pain" heard "what causes the do you" and "what makes bones lose their
strength" heard "what makes bones", whose answers stay pocketsphinx's. In turn with the version before on the
shared machine at loads of 5 to 10 (an accuracy benchmark running): p90 2657 -> 2386 ms, median 978 -> 515 ms, the
load moving more than that; those two questions' first runs 2253 -> 4960 ms (the first Whisper call of the run,
which loads its model) and 1808 -> 2386 ms. A second run of this version at a higher load: p90 5066 ms, those 6
answers median 5434 ms. On an idle machine they wait about 0.6-1.3 s more (Whisper's decoding), which puts the
p90 of all answers over the 800 ms limit: the price of hearing a warning sign that pocketsphinx bent into
another topic (dev: 3 more of 144 spoken warning signs and emergencies).

That check only where either engine heard a warning word (`Skill.warning_words`), and Whisper loaded when `listen`
starts (RecognitionSettings.load_now, as here): in turn with the version before at loads of 6 to 9, p90 4577 -> 3066
ms, Whisper asked about 6 -> 0 of the 57 answers; once on the final code beside a spoken accuracy benchmark at the
lowest priority (load about 3), median 217 ms, p90 549 ms (per run 1262, 536, 549 ms): under the 800 ms limit.
After the eighteenth paraphrase batch grew the language model, once on the idle machine: median 177 ms, p90 537 ms
(per run 1121, 504, 537 ms); pocketsphinx's own answers p90 82 ms.

With the nineteenth paraphrase batch and Whisper asked for a warning sign where a word of Moonshine's sounds like an
alarm word that would make one (recognition/moonshine.py `_may_be_warning_sign`), on the quiet machine (load about
1.4), in turn: the code before the check p90 669 ms (per run 766, 549, 706); the check trying each sound-alike with
the whole matcher (up to 510 ms after Moonshine's words, "wert are the possible causes of a painful murder") p90
941 ms (978, 941, 906), over the 800 ms limit; with the warning-sign rules alone (`Skill.is_alarm`, at most 30 ms),
the final code: median 185 ms, p90 577 ms (982, 570, 577); pocketsphinx's own answers p90 142 ms. Whisper is asked by
the check about none of the 19 questions.

Pocketsphinx's fairly sure words (recognition/moonshine.py FAIRLY_SURE) answered without waiting for Moonshine's second
chances (nor for its scoring of a repair): four runs in turn with the code before on the quiet machine (load 0.6 to
1.5), p90 488 -> 277, 504 -> 316, 557 -> 296, 550 -> 260 ms; the 300 ms target met in three of the four.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _spoken_paraphrases import REPO, held_out
from spoken_voices import sample

from voice_skill.audio.source import FileAudioSource
from voice_skill.cli.console import Console
from voice_skill.conversation import BLOCK_SECONDS, Conversation
from voice_skill.dialogue import Session
from voice_skill.evaluation import load_cases
from voice_skill.recognition.recogniser import Recogniser
from voice_skill.recognition.transcript import Transcript
from voice_skill.settings import RecognitionSettings
from voice_skill.skill import Skill
from voice_skill.speech.speaker import EngineSpeaker
from voice_skill.speech.synthesiser import Synthesiser

RUNS = 3
PARAPHRASES = 9
OFF_TOPIC = 8
"""Off-topic questions (dev split) that `--off-topic` asks instead: the skill refuses most, and a refusal waits for
every opinion there is."""
TARGET_MS = 300
"""Issue 12's target for the default engine's answers; met by pocketsphinx's own answers."""
SLOWER_DEFAULT_LIMIT_MS = 800
"""Issue 12's limit when a slower engine is the default, as pocketsphinx with Moonshine's second opinion is."""
TRAILING_SILENCE = 1.5
"""Seconds of silence fed in real time after each question, more than any endpointer waits."""


class TimedRecogniser:
    """The real recogniser; notes when the block that completed an utterance was fed."""

    def __init__(self, inner: Recogniser) -> None:
        self.inner = inner
        self.name, self.description, self.sample_rate = inner.name, inner.description, inner.sample_rate
        self.endpoint: float | None = None
        self.recognised: float | None = None
        self.fed_seconds = 0.0
        self.endpoint_audio: float | None = None
        self.engine = ""
        """The engine whose words were answered: "moonshine" when the second opinion was taken."""
        self.asked = False
        """Moonshine's second opinion was asked (taken or not)."""
        self.started_early = False
        """Moonshine had started on the question during the endpointer's wait."""
        self.third_asked = False
        """Whisper's third opinion was asked (taken or not)."""

    def accept(self, pcm: bytes) -> Transcript | None:
        started = time.perf_counter()
        self.fed_seconds += len(pcm) / 2 / self.sample_rate
        transcript = self.inner.accept(pcm)
        if transcript is not None and transcript.text and self.endpoint is None:
            self.endpoint, self.endpoint_audio = started, self.fed_seconds
            self.recognised = time.perf_counter()
            self.engine = transcript.engine
            second_opinion = getattr(self.inner, "recogniser", self.inner)
            self.asked = bool(getattr(second_opinion, "asked", transcript.engine == "moonshine"))
            self.started_early = self.asked and bool(getattr(second_opinion, "started_early", False))
            self.third_asked = bool(getattr(second_opinion, "third_asked", False))
        return transcript

    def partial(self) -> str:
        return self.inner.partial()

    def finish(self) -> Transcript:
        return self.inner.finish()


class TimedSpeaker:
    """The real speaker; notes when the answer was handed to it."""

    def __init__(self, inner: EngineSpeaker) -> None:
        self.inner = inner
        self.said: float | None = None

    @property
    def speaking(self) -> bool:
        return self.inner.speaking

    def say(self, text: str) -> None:
        if text and self.said is None:
            self.said = time.perf_counter()
        self.inner.say(text)

    def stop(self) -> None:
        self.inner.stop()

    def wait(self) -> None:
        self.inner.wait()


class FirstSampleOutput:
    """An audio output that plays nothing and notes when the first answer audio reached it."""

    def __init__(self) -> None:
        self.first: float | None = None

    def play(self, pcm: bytes, sample_rate: int) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def stop(self) -> None:
        """Nothing plays."""

    def close(self) -> None:
        """Nothing to release."""


def question_audio(text: str, directory: Path, sample_rate: int) -> tuple[list[bytes], float]:
    """PCM blocks of the spoken question, and the time its last sound ends (above -40 dBFS)."""
    raw, wav = directory / "raw.wav", directory / "question.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True)
    # Repeatable mode (-R): sox dithers when it writes 16 bits, at random otherwise, and pocketsphinx then hears
    # some questions differently from one run to the next.
    subprocess.run(["sox", "-R", str(raw), "-r", str(sample_rate), "-c", "1", "-b", "16", str(wav)], check=True)
    blocks = list(FileAudioSource(wav, sample_rate, block_seconds=BLOCK_SECONDS))
    samples = np.frombuffer(b"".join(blocks), dtype="<i2")
    loud = np.nonzero(np.abs(samples) > 32767 * 10 ** (-40 / 20))[0]
    return blocks, (loud[-1] + 1) / sample_rate


def paced(blocks: list[bytes], sample_rate: int):
    """The question as fast as it can go, then silence in real time as a microphone delivers it."""
    yield from blocks
    silence = bytes(2 * round(sample_rate * BLOCK_SECONDS))
    started = time.perf_counter()
    for number in range(round(TRAILING_SILENCE / BLOCK_SECONDS)):
        delay = started + number * BLOCK_SECONDS - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield silence


def measure(
    skill: Skill,
    engine: Recogniser,
    engine_speaker: EngineSpeaker,
    output: FirstSampleOutput,
    text: str,
    directory: Path,
) -> tuple[float, float, float, float, str, str, bool] | None:
    """Latency in ms (total, recognition, dialogue), endpointer wait in s, what was heard and on which path
    ("pocketsphinx", "moonshine", "kept": Moonshine asked, pocketsphinx's words kept, or "whisper": both engines'
    words refused, Whisper asked), whether Moonshine had started during the endpointer's wait; None if not heard."""
    recogniser = TimedRecogniser(engine)
    speaker = TimedSpeaker(engine_speaker)
    blocks, speech_end = question_audio(text, directory, recogniser.sample_rate)
    output.first = None
    session = Session(skill)
    session.greeting()
    conversation = Conversation(
        source=paced(blocks, recogniser.sample_rate),
        recogniser=recogniser,
        dialogue=session,
        speaker=speaker,
        greeting="",
        console=Console(io.StringIO()),
    )
    conversation.run()
    speaker.wait()
    heard = [event.text for event in conversation.events if event.kind == "heard"]
    if recogniser.endpoint is None or output.first is None or speaker.said is None or not heard:
        return None
    assert recogniser.endpoint_audio is not None and recogniser.recognised is not None
    return (
        (output.first - recogniser.endpoint) * 1000,
        (recogniser.recognised - recogniser.endpoint) * 1000,
        (speaker.said - recogniser.recognised) * 1000,
        recogniser.endpoint_audio - speech_end,
        heard[0],
        "whisper"
        if recogniser.third_asked
        else "kept"
        if recogniser.asked and recogniser.engine != "moonshine"
        else recogniser.engine,
        recogniser.started_early,
    )


def percentile_90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--likely-sentences",
        action="store_true",
        help="measure the option of that name (Moonshine's likely sentences before the other speeds)",
    )
    parser.add_argument(
        "--no-third-opinion",
        dest="third_opinion",
        action="store_false",
        help="measure without Whisper's third opinion (refusals answered at once)",
    )
    parser.add_argument(
        "--off-topic",
        action="store_true",
        help=f"ask {OFF_TOPIC} off-topic questions instead of the topics' questions and paraphrases (refusals)",
    )
    args = parser.parse_args()
    skill = Skill.load()
    questions = [
        topic.sentences[0] for topic in skill.knowledge.topics.values() if topic.is_medical and topic.sentences
    ]
    # Wording the topics never saw, where pocketsphinx often needs Moonshine's second opinion.
    questions += [case.text for case in held_out(skill)[:PARAPHRASES]]
    if args.off_topic:
        cases = load_cases(REPO / "tests" / "transcripts" / "out_of_scope.yaml")
        questions = [case.text for case in sample([case for case in cases if case.split == "dev"], OFF_TOPIC)]
    # As `listen` opens it: the worker of the second opinion loads while the greeting is spoken.
    settings = RecognitionSettings(
        likely_sentences=args.likely_sentences, third_opinion=args.third_opinion, load_now=True
    )
    engine = skill.recogniser(settings)
    print(f"engine: {engine.description}")
    latencies: list[float] = []
    paths: dict[str, list[float]] = {"pocketsphinx": [], "moonshine": [], "kept": [], "whisper": []}
    per_run: list[list[float]] = [[] for _ in range(RUNS)]
    recognition: list[float] = []
    dialogue: list[float] = []
    waits: list[float] = []
    missed = started_early = 0
    output = FirstSampleOutput()
    with tempfile.TemporaryDirectory() as scratch, EngineSpeaker(Synthesiser(), output) as speaker:
        # A session has spoken its greeting before the first answer: the worker is up and eSpeak NG warm.
        speaker.say(skill.knowledge.dialogue.disclaimer)
        speaker.wait()
        for run in range(RUNS):
            for text in questions:
                result = measure(skill, engine, speaker, output, text, Path(scratch))
                if result is None:
                    missed += 1
                    continue
                latency, recognised, answered, wait, heard, engine_used, early = result
                started_early += early
                latencies.append(latency)
                paths[engine_used].append(latency)
                per_run[run].append(latency)
                recognition.append(recognised)
                dialogue.append(answered)
                waits.append(wait)
                if run == 0:
                    path = f"{engine_used}, started early" if early else engine_used
                    print(f"  {latency:6.0f} ms  (endpoint {wait:.2f} s)  {text!r} heard as {heard!r} ({path})")
    p90 = percentile_90(latencies)
    print(
        f"end of utterance -> first answer sample: median {statistics.median(latencies):.0f} ms, "
        f"p90 {p90:.0f} ms, max {max(latencies):.0f} ms over {len(latencies)} runs "
        f"({len(questions)} questions x {RUNS}); limit for a slower default < {SLOWER_DEFAULT_LIMIT_MS} ms: "
        f"{'met' if p90 < SLOWER_DEFAULT_LIMIT_MS else 'NOT met'} (p90)"
    )
    own = percentile_90(paths["pocketsphinx"]) if paths["pocketsphinx"] else float("nan")
    print(f"  pocketsphinx's own answers: target < {TARGET_MS} ms: {'met' if own < TARGET_MS else 'NOT met'} (p90)")
    labels = {
        "pocketsphinx": "pocketsphinx's words (Moonshine not asked)",
        "moonshine": "Moonshine's second opinion",
        "kept": "pocketsphinx's words, Moonshine asked (its words meant the same, or nothing the skill understands)",
        "whisper": "Whisper asked (the skill refused both engines' words; Whisper's taken or the refusal kept)",
    }
    for path, values in paths.items():
        if values:
            print(
                f"  answered on {labels[path]}: {len(values)} runs, median {statistics.median(values):.0f} ms, "
                f"p90 {percentile_90(values):.0f} ms"
            )
    asked = len(paths["moonshine"]) + len(paths["kept"]) + len(paths["whisper"])
    print(f"  Moonshine asked {asked} times, started during the endpointer's wait {started_early} of them")
    print("  p90 of each run: " + ", ".join(f"{percentile_90(values):.0f} ms" for values in per_run if values))
    recognise, answer = statistics.median(recognition), statistics.median(dialogue)
    print(
        f"  median parts: recogniser final {recognise:.0f} ms, dialogue {answer:.0f} ms, "
        f"first sentence synthesised {statistics.median(latencies) - recognise - answer:.0f} ms"
    )
    print(
        f"endpointer wait (silence after the last sound, audio time): median {statistics.median(waits):.2f} s, "
        f"max {max(waits):.2f} s; questions not heard: {missed}"
    )


if __name__ == "__main__":
    main()

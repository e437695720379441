"""The listen loop: half-duplex turns, barge-in, the silence prompt, non-speech ignored, Ctrl-C."""

from __future__ import annotations

import io
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soxr

from voice_skill.audio.microphone import format_devices, list_input_devices, load_sounddevice
from voice_skill.audio.source import FileAudioSource
from voice_skill.cli.console import Console
from voice_skill.cli.listen import listen
from voice_skill.conversation import BLOCK_SECONDS, Conversation, Event
from voice_skill.dialogue import Session
from voice_skill.errors import AudioDeviceError
from voice_skill.recognition.recogniser import open_recogniser
from voice_skill.recognition.screening import heard_speech, screened
from voice_skill.recognition.transcript import Transcript
from voice_skill.settings import RecognitionSettings
from voice_skill.skill import Skill
from voice_skill.speech.speaker import SilentSpeaker

from conftest import console_script, run_cli
from speech_audio import concatenate, in_steady_noise, silence, speak_to_wav, synthesise
from test_audio_microphone import BUILT_IN, fake_sounddevice
from tiny_vosk_model import make_tiny_vosk_model

RATE = 16000
BLOCK = 0.1
SPEED = 50.0
"""Recordings play 50 times faster than real time: the speaker under test keeps time in audio seconds."""
WORDS = ["", "what", "causes", "hip", "pain", "stop", "repeat", "music"]


def word_block(word: str) -> bytes:
    """0.1 s of PCM that the scripted recogniser hears as one word (its sample value is the word's index)."""
    return np.full(int(RATE * BLOCK), WORDS.index(word), dtype="<i2").tobytes()


def script(*items: str | float) -> list[bytes]:
    """Blocks for a sentence ("what causes hip pain") or a pause in seconds."""
    blocks = []
    for item in items:
        if isinstance(item, str):
            blocks += [word_block(word) for word in item.split()]
        else:
            blocks += [word_block("")] * round(item / BLOCK)
    return blocks


@dataclass
class ScriptedRecogniser:
    """Hears one word per non-zero block; a silent block after words ends the utterance."""

    name: str = "scripted"
    description: str = "scripted test recogniser"
    sample_rate: int = RATE
    speech: float | None = None
    fed: list[str] = field(default_factory=list)
    _words: list[str] = field(default_factory=list)

    def accept(self, pcm: bytes) -> Transcript | None:
        word = WORDS[int(np.frombuffer(pcm, dtype="<i2")[0])]
        self.fed.append(word)
        if word:
            self._words.append(word)
            return None
        return self.finish() if self._words else None

    def partial(self) -> str:
        return " ".join(self._words)

    def finish(self) -> Transcript:
        text, self._words = " ".join(self._words), []
        speech = 0.1 if set(text.split()) == {"music"} else self.speech
        return Transcript(text, engine=self.name, speech=speech)


@dataclass
class Reply:
    answer: str
    ends_session: bool = False


@dataclass
class EchoDialogue:
    """Answers "answer to <text>"; the stop topic ends the session."""

    heard: list[str] = field(default_factory=list)

    def respond_to_transcript(self, transcript: Transcript) -> Reply:
        self.heard.append(transcript.text)
        if transcript.text == "stop":
            return Reply("Goodbye.", ends_session=True)
        if transcript.text == "repeat":
            return Reply("a very long answer " * 10)
        return Reply(f"answer to {transcript.text}")


@dataclass
class RecordingSpeaker:
    """Speaks in audio time (0.2 s a word) so the test runs as fast as the loop does; records every call."""

    conversation: Conversation | None = None
    seconds_per_word: float = 0.2
    seconds_per_say: float | None = None
    """When set, every answer lasts this long, whatever its length (so tests do not depend on the topic texts)."""
    calls: list[tuple[str, str, float]] = field(default_factory=list)
    intervals: list[list[float]] = field(default_factory=list)

    def _now(self) -> float:
        return self.conversation.audio_time if self.conversation else 0.0

    @property
    def speaking(self) -> bool:
        return bool(self.intervals) and self._now() < self.intervals[-1][1]

    def say(self, text: str) -> None:
        start = max(self._now(), self.intervals[-1][1] if self.intervals else 0.0)
        duration = self.seconds_per_say or self.seconds_per_word * len(text.split())
        self.intervals.append([self._now(), start + duration])
        self.calls.append(("say", text, self._now()))

    def stop(self) -> None:
        if self.intervals:
            self.intervals[-1][1] = min(self.intervals[-1][1], self._now())
        self.calls.append(("stop", "", self._now()))

    def wait(self) -> None:
        self.calls.append(("wait", "", self._now()))


def test_the_rejection_policy_decides_what_is_speech() -> None:
    assert heard_speech(Transcript("what causes hip pain", engine="pocketsphinx", speech=0.99))
    assert not heard_speech(Transcript("hip pain", engine="pocketsphinx", speech=0.3))
    assert not heard_speech(Transcript("", engine="pocketsphinx", speech=0.99))


def converse(
    blocks: list[bytes], barge_in: bool = True, hint_after: float = 60.0, speech: float | None = None
) -> tuple[Conversation, RecordingSpeaker, io.StringIO]:
    speaker = RecordingSpeaker()
    screen = io.StringIO()
    conversation = Conversation(
        source=blocks,
        recogniser=ScriptedRecogniser(speech=speech),
        dialogue=EchoDialogue(),
        speaker=speaker,
        greeting="Hello, I explain hip pain.",
        hint="Ask me about hip pain.",
        hint_after=hint_after,
        barge_in=ScriptedRecogniser() if barge_in else None,
        console=Console(screen),
    )
    speaker.conversation = conversation
    conversation.run()
    return conversation, speaker, screen


def kinds(events: list[Event]) -> list[tuple[str, str]]:
    return [(event.kind, event.text) for event in events]


def test_turns_are_answered_in_order_and_the_stop_topic_ends_the_session() -> None:
    conversation, speaker, screen = converse(script(2, "hip pain", 2, "what causes hip pain", 3, "stop", 1, "hip", 1))
    assert kinds(conversation.events) == [
        ("greeting", "Hello, I explain hip pain."),
        ("heard", "hip pain"),
        ("answer", "answer to hip pain"),
        ("heard", "what causes hip pain"),
        ("answer", "answer to what causes hip pain"),
        ("heard", "stop"),
        ("answer", "Goodbye."),
        ("end", ""),
    ]
    assert screen.getvalue().splitlines() == [
        "Skill: Hello, I explain hip pain.",
        "You: hip pain",
        "Skill: answer to hip pain",
        "You: what causes hip pain",
        "Skill: answer to what causes hip pain",
        "You: stop",
        "Skill: Goodbye.",
    ]
    assert speaker.calls[-1][0] == "wait", "the goodbye is played to the end"


def test_nothing_reaches_the_recogniser_while_the_skill_speaks() -> None:
    # The skill's own voice (loudspeakers, no headphones) reaches the microphone as "hip pain" words.
    echo = ["hip pain"] * 3
    conversation, speaker, _ = converse(script(1.5, "what causes hip pain", 0.1, *echo, 3, "pain", 1), barge_in=False)
    heard = [event for event in conversation.events if event.kind == "heard"]
    assert [event.text for event in heard] == ["what causes hip pain", "pain"]
    for event in heard:
        assert not any(start < event.at < end for start, end in speaker.intervals)


def test_saying_stop_while_the_skill_speaks_cuts_it_off_and_the_conversation_goes_on() -> None:
    conversation, speaker, screen = converse(script(1.5, "repeat", 1, "stop", 2, "hip pain", 2))
    assert kinds(conversation.events)[2:6] == [
        ("answer", "a very long answer " * 10),
        ("interrupted", "stop"),
        ("heard", "hip pain"),
        ("answer", "answer to hip pain"),
    ]
    interrupted = next(event.at for event in conversation.events if event.kind == "interrupted")
    stop_call = next(at for call, _, at in speaker.calls if call == "stop")
    assert stop_call == interrupted < 3.1, "cut off during the 8 s answer, as soon as 'stop' was heard"
    assert "(stopped)" in screen.getvalue().splitlines()


def test_the_skills_own_voice_saying_stop_does_not_interrupt_it() -> None:
    # Through loudspeakers the answer comes back as a long run of words; a barge-in is a short utterance.
    conversation, speaker, _ = converse(script(1.5, "repeat", 0.1, "what causes stop hip pain", 2))
    assert "interrupted" not in [event.kind for event in conversation.events]
    assert [call for call, _, _ in speaker.calls].count("stop") == 0


def test_without_barge_in_stop_is_not_heard_over_the_answer() -> None:
    conversation, speaker, _ = converse(script(1.5, "repeat", 1, "stop", 2), barge_in=False)
    assert "interrupted" not in [event.kind for event in conversation.events]
    assert [call for call, _, _ in speaker.calls].count("stop") == 0


def test_after_a_long_silence_it_says_once_how_to_ask() -> None:
    conversation, speaker, _ = converse(script(12, "hip pain", 25), hint_after=5)
    said = [(kind, text) for kind, text in kinds(conversation.events) if kind in ("greeting", "hint", "answer")]
    assert said == [
        ("greeting", "Hello, I explain hip pain."),
        ("hint", "Ask me about hip pain."),
        ("answer", "answer to hip pain"),
    ]
    hint = next(event for event in conversation.events if event.kind == "hint")
    assert 5 <= hint.at - 1.0 <= 5.2, "counted from the end of the greeting (5 words at 0.2 s)"


def test_non_speech_never_starts_an_answer() -> None:
    conversation, _, screen = converse(script(1.5, "music music", 2, "hip pain", 3, "music", 2))
    assert kinds(conversation.events)[1:-1] == [
        ("ignored", "music music"),
        ("heard", "hip pain"),
        ("answer", "answer to hip pain"),
        ("ignored", "music"),
    ]
    assert "music" not in screen.getvalue()


def test_low_speech_evidence_is_ignored_even_with_words() -> None:
    conversation, _, _ = converse(script(1.5, "what causes hip pain", 2), speech=0.2)
    assert [event.kind for event in conversation.events] == ["greeting", "ignored", "end"]


def test_the_last_utterance_is_answered_when_the_audio_ends_mid_sentence() -> None:
    conversation, _, _ = converse(script(2, "hip pain"))
    assert ("answer", "answer to hip pain") in kinds(conversation.events)


def test_ctrl_c_ends_cleanly_and_releases_the_audio_source() -> None:
    released = []

    def microphone():
        try:
            yield from script(1.5, "repeat", 0.5)
            raise KeyboardInterrupt
        finally:
            released.append(True)

    speaker = RecordingSpeaker()
    conversation = Conversation(
        source=microphone(),
        recogniser=ScriptedRecogniser(),
        dialogue=EchoDialogue(),
        speaker=speaker,
        greeting="Hello.",
        console=Console(io.StringIO()),
    )
    speaker.conversation = conversation
    conversation.run()
    assert released == [True]
    assert speaker.calls[-1][0] == "stop", "the answer being spoken is cut off"
    assert conversation.events[-1].kind == "end"


def test_partial_words_are_shown_live_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    console = Console(terminal)
    console.partial("what")
    console.partial("what causes")
    console.line("You: what causes hip pain")
    assert terminal.getvalue() == "\r… what\r… what causes\r             \rYou: what causes hip pain\n"

    plain = io.StringIO()
    console = Console(plain)
    console.partial("what")
    console.line("You: what causes hip pain")
    assert plain.getvalue() == "You: what causes hip pain\n"


# A scripted conversation spoken by eSpeak NG, through the real bundled recogniser and the real dialogue.

SPOKEN_SECONDS = 5.0
"""Every answer of the recording speaker lasts 5 s of the recording, whatever its length."""


@dataclass
class RecordingRecogniser:
    """Wraps the real recogniser and notes the audio time of every block it is fed."""

    inner: object
    conversation: Conversation | None = None
    fed_at: list[float] = field(default_factory=list)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def accept(self, pcm: bytes) -> Transcript | None:
        assert self.conversation is not None
        self.fed_at.append(self.conversation.audio_time)
        return self.inner.accept(pcm)


@dataclass
class RecordingDialogue:
    """The real session, noting each intent it answered with."""

    session: object
    intents: list[str] = field(default_factory=list)

    def respond_to_transcript(self, transcript: Transcript):
        answer = self.session.respond_to_transcript(transcript)
        self.intents.append(answer.intent)
        return answer


def spoken_conversation(tmp_path, *parts: str | float, voice: str = "en-us") -> Path:
    """A WAV of sentences spoken by eSpeak NG (strings), pauses (seconds) and sox sounds (("synth", ...) tuples)."""
    files = []
    for number, part in enumerate(parts):
        path = tmp_path / f"part{number}.wav"
        if isinstance(part, str):
            speak_to_wav(part, path, voice=voice, words_per_minute=150)
        elif isinstance(part, tuple):
            synthesise(path, part[0], *part[1:])
        else:
            silence(path, part)
        files.append(path)
    return concatenate(tmp_path / "conversation.wav", *files)


def open_engine():
    """The bundled engine behind the speech screen, as `voice-skill listen` opens it."""
    return screened(open_recogniser(Skill.load().sentences, RecognitionSettings(engine="pocketsphinx")))


def run_spoken(wav: Path, hint_after: float = 60.0, engine=None, barge_in=None):
    skill = Skill.load()
    speaker = RecordingSpeaker(seconds_per_say=SPOKEN_SECONDS)
    recogniser = RecordingRecogniser((engine or open_engine)())
    session = Session(skill)
    dialogue = RecordingDialogue(session)
    conversation = Conversation(
        source=FileAudioSource(wav, recogniser.sample_rate, block_seconds=BLOCK_SECONDS, speed=SPEED),
        recogniser=recogniser,
        dialogue=dialogue,
        speaker=speaker,
        greeting=session.greeting(),
        hint=skill.knowledge.dialogue.no_question_heard,
        hint_after=hint_after,
        barge_in=(barge_in or engine or open_engine)(),
        console=Console(io.StringIO()),
    )
    speaker.conversation = recogniser.conversation = conversation
    conversation.run()
    return conversation, speaker, recogniser, dialogue, skill


def test_a_spoken_conversation_gives_the_expected_turns(tmp_path) -> None:
    wav = spoken_conversation(
        tmp_path,
        6.0,  # the greeting
        "what is sciatica",
        1.5,
        "what is osteoporosis",  # said while the skill answers: it must not be heard
        3.5,
        "what should i do about it",
        7.0,
        "could you repeat that please",
        1.5,
        "stop talking",  # barge-in, about 1 s into the repeated answer
        10.0,  # silence: after 4 s the skill says once how to ask
        "stop",
        1.5,
    )
    conversation, speaker, recogniser, dialogue, skill = run_spoken(wav, hint_after=4.0)
    print("\n".join(f"{event.at:6.2f} {event.kind:<11} {event.text[:60]}" for event in conversation.events))

    assert [event.kind for event in conversation.events] == [
        "greeting",
        "heard", "answer",
        "heard", "answer",
        "heard", "answer", "interrupted",
        "hint",
        "heard", "answer",
        "end",
    ]  # fmt: skip
    topic, follow_up, repeat, stop = dialogue.intents
    assert (topic.partition(".")[0], follow_up, repeat, stop) == ("sciatica", "sciatica.treatment", "repeat", "stop")

    # Half-duplex: no block reached the recogniser while the skill spoke, and osteoporosis was never heard.
    for start, end in speaker.intervals:
        assert not [at for at in recogniser.fed_at if start < at <= end]
    assert "osteoporosis" not in dialogue.intents

    # Barge-in: "stop" cut the repeated answer off early; the conversation went on.
    repeat = speaker.intervals[3]
    interrupted = next(event for event in conversation.events if event.kind == "interrupted")
    assert repeat[1] == interrupted.at < repeat[0] + SPOKEN_SECONDS - 1.5

    hint = next(event for event in conversation.events if event.kind == "hint")
    assert hint.text == skill.knowledge.dialogue.no_question_heard
    assert 4.0 <= hint.at - repeat[1] <= 4.1
    assert conversation.events[-2].text == skill.knowledge.topics["stop"].answer


def test_music_and_noise_around_a_question_get_exactly_one_answer(tmp_path) -> None:
    melody = ("synth", "0.4", "sine", "440", "sine", "554", "sine", "659", "sine", "880", "repeat", "5", "gain", "-8")
    wav = spoken_conversation(
        tmp_path,
        1.5,
        (3.0, *melody),
        2.0,
        "what is sciatica",
        14.0,
        (3.0, "synth", "3", "pinknoise", "gain", "-12"),
        1.5,
        (2.0, "synth", "2", "brownnoise", "gain", "-6"),
        1.0,
    )
    conversation, speaker, recogniser, dialogue, skill = run_spoken(wav)
    print("\n".join(f"{event.at:6.2f} {event.kind:<11} {event.text[:60]}" for event in conversation.events))
    assert [intent.partition(".")[0] for intent in dialogue.intents] == ["sciatica"]
    assert [event.kind for event in conversation.events if event.kind != "ignored"] == [
        "greeting", "heard", "answer", "end"
    ]  # fmt: skip


def test_vosk_streams_through_the_same_loop(tmp_path) -> None:
    # The tiny model recognises no speech: each loud stretch becomes its one word, "sciatica" or "stop".
    sciatica = make_tiny_vosk_model(tmp_path / "sciatica", words=("sciatica",), graph="hclg")
    stop = make_tiny_vosk_model(tmp_path / "stop", words=("stop",), graph="hclg")
    wav = spoken_conversation(tmp_path, 6.0, "what is sciatica", 1.5, "stop", 5.0, "what is sciatica", 7.0)
    sentences = Skill.load().sentences
    conversation, speaker, recogniser, dialogue, skill = run_spoken(
        wav,
        engine=lambda: screened(open_recogniser(sentences, RecognitionSettings("vosk", sciatica))),
        barge_in=lambda: screened(open_recogniser(sentences, RecognitionSettings("vosk", stop))),
    )
    assert [event.kind for event in conversation.events] == [
        "greeting", "heard", "answer", "interrupted", "heard", "answer", "end"
    ]  # fmt: skip
    assert [intent.partition(".")[0] for intent in dialogue.intents] == ["sciatica", "sciatica"]
    assert speaker.calls[2][0] == "stop"


def test_listen_hears_a_question_from_a_48_khz_microphone_until_it_is_unplugged(tmp_path) -> None:
    import soundfile

    wav = spoken_conversation(tmp_path, 2.0, "what is sciatica", 2.0)
    sd = fake_sounddevice([BUILT_IN], signal=soxr.resample(soundfile.read(wav, dtype="float32")[0], 16000, 48000))
    screen = io.StringIO()
    closed = []

    class Silent(SilentSpeaker):
        def close(self) -> None:
            closed.append(True)

    with pytest.raises(AudioDeviceError, match="stopped \\(was it unplugged or disabled\\?\\)"):
        listen(Skill.load(), open_engine, Silent, console=Console(screen), sounddevice=sd)
    lines = screen.getvalue().splitlines()
    assert lines[0] == f'Listening to microphone {BUILT_IN["name"]!r} (48000 Hz). Say "stop" to end, or press Ctrl-C.'
    assert lines[2] == "You: what is sciatica"
    assert lines[3].startswith("Skill: ")
    assert closed == [True] and sd.streams[0].closed, "speaker and microphone released"


# The command line.


def test_listen_from_a_recording_prints_the_conversation(tmp_path) -> None:
    wav = spoken_conversation(tmp_path, 8.0, "what is sciatica", 2.0, "stop", 1.5)
    result = run_cli("listen", "--from-file", str(wav), "--speed", "20", "--mute")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f'Listening to {wav} at 20 times real time. Say "stop" to end, or press Ctrl-C.'
    assert (
        lines[1]
        == "Skill: This is general information, not medical advice. In an emergency, call your local emergency number."
    )
    assert lines[2] == "You: what is sciatica"
    assert lines[3].startswith("Skill: ") and "sciatic" in lines[3].lower()
    assert lines[4:] == [
        "You: stop",
        "Skill: Goodbye. I hope you feel better soon. If the pain continues, please see a doctor.",
    ]
    assert "\r" not in result.stdout, "no live partial line when the output is not a terminal"
    notice, muted = result.stderr.splitlines()
    assert notice.startswith("voice-skill: using pocketsphinx")
    assert muted.startswith("voice-skill: speech is off: muted")


def test_listen_without_a_microphone_is_one_line_and_exit_2() -> None:
    has_microphone = any(info["max_input_channels"] > 0 for info in load_sounddevice().query_devices())
    result = run_cli("listen", *(["--device", "no such microphone"] if has_microphone else []))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    expected = (
        "no microphone matches" if has_microphone else "no microphone found (this machine has no audio input device)"
    )
    assert result.stderr.startswith(f"voice-skill: {expected}")


def test_devices_lists_the_microphones() -> None:
    result = run_cli("devices")
    assert result.returncode == 0
    assert result.stdout.strip() == "\n".join(format_devices(list_input_devices()))


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--speed", "3"], 2, "voice-skill: --speed only applies to a recording; add --from-file WAV"),
        (["--from-file", "missing.wav"], 1, "voice-skill: audio file missing.wav does not exist; check the path"),
    ],
)
def test_listen_mistakes_are_one_line(args: list[str], code: int, message: str) -> None:
    result = run_cli("listen", *args)
    assert (result.returncode, result.stdout, result.stderr) == (code, "", message + "\n")


def test_ctrl_c_ends_the_command_cleanly(tmp_path) -> None:
    # A minute of silence after the question: played out at speed 2 it would last 30 s more, so an end within
    # 10 s can only come from Ctrl-C, however busy the machine is.
    wav = spoken_conversation(tmp_path, 2.0, "what is sciatica", 60.0)
    process = subprocess.Popen(
        [*console_script(), "listen", "--from-file", str(wav), "--speed", "2", "--mute"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("You: "):
            break
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - started < 10.0
    assert process.returncode == 0
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


@pytest.mark.parametrize("snr_db", [10, 20])
def test_listen_separates_questions_in_steady_noise_and_hears_stop(tmp_path, snr_db: int) -> None:
    questions = (
        "what is sciatica",
        "what causes hip pain",
        "how can i prevent osteoporosis",
        "when should i see a doctor",
    )
    parts = (part for question in questions for part in (question, 2.0))
    clean = spoken_conversation(tmp_path, 8.0, *parts, "stop", 2.0, "what is sciatica", 2.0)
    noisy = in_steady_noise(tmp_path / "noisy.wav", clean, snr_db)

    result = run_cli("listen", "--from-file", str(noisy), "--speed", "20", "--mute")

    assert result.returncode == 0, result.stderr
    heard = [line for line in result.stdout.splitlines() if line.startswith("You: ")]
    # Each question its own turn, then "stop" ends the session: the last question is never heard.
    assert len(heard) == len(questions) + 1, heard
    assert heard[-1] == "You: stop"
    assert result.stdout.splitlines()[-1].startswith("Skill: Goodbye.")


def test_listen_warns_about_a_telephone_band_recording_as_ask_does(tmp_path) -> None:
    narrow = tmp_path / "phone.wav"
    speak_to_wav("what is sciatica", narrow, rate=8000)

    listened = run_cli("listen", "--from-file", str(narrow), "--speed", "20", "--mute")
    asked = run_cli("ask", "--audio", str(narrow))

    warning = f"voice-skill: {narrow} is recorded at 8000 Hz, below the 16000 Hz the engine was made for"
    assert listened.returncode == 0 and asked.returncode == 0
    assert [line for line in listened.stderr.splitlines() if line.startswith(warning)]
    assert [line for line in asked.stderr.splitlines() if line.startswith(warning)]

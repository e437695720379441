"""Speaking answers: real pyttsx3 + eSpeak NG synthesis, fake audio outputs (there may be no sound card)."""

from __future__ import annotations

import io
import json
import sys
import threading
import time
import types
import wave
from pathlib import Path

import pytest

from voice_skill.errors import AudioDeviceError, SkillError
from voice_skill.settings import SpeechSettings
from voice_skill.speech.output import SoundDeviceOutput
from voice_skill.speech.speaker import EngineSpeaker, SilentSpeaker, open_speaker
from voice_skill.speech.synthesiser import Synthesiser, list_voices, split_sentences
from voice_skill.speech.voices import find_voice

ANSWER = (
    "Pain on the outside of the hip is often from the tendons or the bursa there. "
    "It tends to hurt when lying on that side. "
    "Rest, gentle stretching and avoiding long stairs can help. "
    "Please see a doctor if it lasts more than a few weeks."
)


class FakeOutput:
    """An audio output that records what is played and when stop arrives; playing takes 1/speedup of real time."""

    def __init__(self, speedup: float = 10.0) -> None:
        self.speedup = speedup
        self.played: list[tuple[float, bytes, int]] = []
        self.stops: list[float] = []
        self.closed = False
        self._end = 0.0
        self._stopped = threading.Event()

    def play(self, pcm: bytes, sample_rate: int) -> None:
        self.played.append((time.monotonic(), pcm, sample_rate))
        self._stopped.clear()
        self._end = time.monotonic() + len(pcm) / 2 / sample_rate / self.speedup

    def wait(self, timeout: float | None = None) -> bool:
        deadline = time.monotonic() + (timeout if timeout is not None else 3600)
        while not self._stopped.is_set() and time.monotonic() < min(self._end, deadline):
            self._stopped.wait(min(self._end, deadline) - time.monotonic())
        return self._stopped.is_set() or time.monotonic() >= self._end

    def stop(self) -> None:
        self.stops.append(time.monotonic())
        self._stopped.set()

    def close(self) -> None:
        self.closed = True

    @property
    def seconds_played(self) -> float:
        return sum(len(pcm) / 2 / rate for _, pcm, rate in self.played)


class Lines(list):
    """Collects the lines a speaker reports."""

    def __call__(self, message: str) -> None:
        self.append(message)


class TimedSynthesiser(Synthesiser):
    """The real synthesiser, noting when each sentence's synthesis starts."""

    started: list[tuple[float, str]]

    def synthesise(self, text: str, path: Path | None = None) -> Path:
        self.started.append((time.monotonic(), text))
        return super().synthesise(text, path)


def speaker_with(output: FakeOutput, lines: Lines, engine: str = "pyttsx3:init", timeout: float = 5.0) -> EngineSpeaker:
    return EngineSpeaker(Synthesiser(engine=engine, timeout=timeout), output, lines)


def wav_facts(path: Path) -> tuple[float, float]:
    """Duration in seconds and RMS level (0..1) of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        frames = wav.readframes(wav.getnframes())
        duration = wav.getnframes() / wav.getframerate()
    samples = memoryview(frames).cast("h")
    rms = (sum(sample * sample for sample in samples) / max(len(samples), 1)) ** 0.5 / 32768
    return duration, rms


# Engine factories run inside the speech worker process (it imports this module by name).


class FaultyEngine:
    """The real pyttsx3 engine, except that text holding BOOM raises and text holding HANG never finishes."""

    def __init__(self) -> None:
        import pyttsx3

        self.engine = pyttsx3.init()
        self.text = ""

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def save_to_file(self, text: str, path: str) -> None:
        self.text = text
        self.engine.save_to_file(text, path)

    def runAndWait(self) -> None:
        if "BOOM" in self.text:
            raise RuntimeError("run loop already started")
        if "HANG" in self.text:
            time.sleep(3600)
        self.engine.runAndWait()


def engine_that_lost_its_rate() -> object:
    """pyttsx3 as it sometimes starts on a busy machine: eSpeak NG dropped the rate pyttsx3 set, keeping its own."""
    import pyttsx3
    from pyttsx3.drivers import _espeak

    engine = pyttsx3.init()
    _espeak.SetParameter(_espeak.RATE, 175, 0)
    return engine


def engine_without_espeak() -> object:
    """pyttsx3 on a machine without libespeak-ng1: the library fails to load."""
    import ctypes

    def no_library(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")

    ctypes.cdll.LoadLibrary = no_library  # type: ignore[method-assign]
    import pyttsx3

    return pyttsx3.init()


def engine_without_pyttsx3() -> object:
    raise ModuleNotFoundError("No module named 'pyttsx3'")


# Sentences


def test_answers_are_split_into_sentences_in_order() -> None:
    text = 'Hip pain is common. "It often eases." Rest for 2 days, e.g. on the sofa!\n- Ice it.\n- See a doctor?'
    assert split_sentences(text) == [
        "Hip pain is common.",
        '"It often eases."',
        "Rest for 2 days, e.g. on the sofa!",
        "Ice it.",
        "See a doctor?",
    ]


# Writing the spoken answer to a file (no sound card needed)


def test_saved_answer_is_a_valid_wav_with_speech_that_grows_with_the_answer(tmp_path: Path) -> None:
    with Synthesiser() as synthesiser:
        short = synthesiser.save("See a doctor.", tmp_path / "short.wav")
        long = synthesiser.save(ANSWER, tmp_path / "long.wav")
    short_seconds, short_rms = wav_facts(short)
    long_seconds, long_rms = wav_facts(long)
    assert 0.5 < short_seconds < 3
    assert long_seconds > 4 * short_seconds
    assert short_rms > 0.02 and long_rms > 0.02


def test_rate_and_volume_are_applied(tmp_path: Path) -> None:
    with Synthesiser(SpeechSettings(rate=120, volume=1.0)) as slow:
        slow_seconds, loud_rms = wav_facts(slow.save(ANSWER, tmp_path / "slow.wav"))
    with Synthesiser(SpeechSettings(rate=300, volume=0.3)) as fast:
        fast_seconds, quiet_rms = wav_facts(fast.save(ANSWER, tmp_path / "fast.wav"))
    assert slow_seconds > 1.4 * fast_seconds
    assert loud_rms > 2 * quiet_rms


def test_answers_are_spoken_at_pyttsx3s_rate_even_when_espeak_dropped_it(tmp_path: Path) -> None:
    with Synthesiser() as usual:
        usual_seconds, _ = wav_facts(usual.save(ANSWER, tmp_path / "usual.wav"))
    with Synthesiser(engine="test_speech_speaker:engine_that_lost_its_rate") as unlucky:
        unlucky_seconds, _ = wav_facts(unlucky.save(ANSWER, tmp_path / "unlucky.wav"))
    assert unlucky_seconds == pytest.approx(usual_seconds, rel=0.01)


def test_saving_where_it_cannot_be_written_is_one_clear_error(tmp_path: Path) -> None:
    with Synthesiser() as synthesiser, pytest.raises(SkillError, match="cannot write"):
        synthesiser.save("See a doctor.", tmp_path / "missing" / "answer.wav")


# Voices


def test_voices_are_listed_and_found_by_id_language_or_name() -> None:
    voices = list_voices()
    ids = {voice.id for voice in voices}
    assert "gmw/en-us" in ids and "gmw/en" in ids
    assert find_voice("gmw/en-us", voices) == "gmw/en-us"
    assert find_voice("EN-US", voices) == "gmw/en-us"
    assert find_voice("English (America)", voices) == "gmw/en-us"
    assert find_voice("scotland", voices) == "gmw/en-gb-scotland"
    assert find_voice("en-us+f3", voices) == "gmw/en-us+f3"
    with pytest.raises(SkillError, match="voice-skill voices"):
        find_voice("no-such-voice", voices)
    with pytest.raises(SkillError, match="ambiguous"):
        find_voice("english", voices)


def test_different_voices_sound_different(tmp_path: Path) -> None:
    sizes = set()
    for voice in ("en-us", "en-gb-scotland", "en-us+f3"):
        with Synthesiser(SpeechSettings(voice=voice)) as synthesiser:
            sizes.add(synthesiser.save("See a doctor about your hip.", tmp_path / "v.wav").read_bytes())
    assert len(sizes) == 3


def test_unknown_voice_turns_speech_off_with_one_line() -> None:
    lines = Lines()
    speaker = open_speaker(SpeechSettings(voice="no-such-voice"), report=lines, output=FakeOutput)
    assert isinstance(speaker, SilentSpeaker)
    assert len(lines) == 1 and lines[0].startswith("speech is off") and "voice-skill voices" in lines[0]


# Speaking sentence by sentence, and stopping


def test_first_sentence_plays_before_the_last_is_synthesised() -> None:
    output, lines = FakeOutput(), Lines()
    synthesiser = TimedSynthesiser()
    synthesiser.started = []
    with EngineSpeaker(synthesiser, output, lines) as speaker:
        speaker.say(ANSWER)
        assert speaker.speaking
        assert speaker.wait(timeout=30)
        assert not speaker.speaking
    assert lines == []
    assert [text for _, text in synthesiser.started] == split_sentences(ANSWER)
    assert len(output.played) == 4
    first_played = output.played[0][0]
    last_synthesis_started = synthesiser.started[-1][0]
    assert first_played < last_synthesis_started
    assert output.seconds_played > 8
    assert output.closed


def test_answers_are_spoken_one_after_the_other() -> None:
    output, lines = FakeOutput(speedup=50), Lines()
    with speaker_with(output, lines) as speaker:
        speaker.say("First answer.")
        speaker.say("Second answer. It has two sentences.")
        assert speaker.wait(timeout=30)
    assert len(output.played) == 3 and lines == []


def test_stop_cuts_the_answer_off_at_once() -> None:
    # "At once" is well under a second here, not a timing figure: the first sentence alone plays for seconds, and
    # a busy shared machine (CI beside other jobs) has stretched a stop that takes a few milliseconds past 200 ms.
    output, lines = FakeOutput(speedup=1), Lines()
    with speaker_with(output, lines) as speaker:
        speaker.say(ANSWER)
        speaker.say("A queued answer that must never play.")
        deadline = time.monotonic() + 10
        while not output.played and time.monotonic() < deadline:
            time.sleep(0.01)
        assert output.played, "nothing started playing"
        time.sleep(0.3)
        asked = time.monotonic()
        speaker.stop()
        returned = time.monotonic()
        assert not speaker.speaking
        assert speaker.wait(timeout=1)
        assert output.stops and output.stops[-1] - asked < 1
        assert returned - asked < 1
        time.sleep(0.5)
        assert len(output.played) == 1, "audio played after stop"
        speaker.say("Speaking again after a stop works.")
        assert speaker.wait(timeout=30)
    assert len(output.played) == 2 and lines == []


# Faults: one line saying speech is off, the session goes on


def test_engine_raising_is_reported_and_the_next_answer_is_spoken() -> None:
    output, lines = FakeOutput(speedup=50), Lines()
    with speaker_with(output, lines, engine="test_speech_speaker:FaultyEngine") as speaker:
        speaker.say("This sentence is fine. This one goes BOOM. This one is never reached.")
        assert speaker.wait(timeout=30)
        assert (
            len(lines) == 1 and "speech is off for this answer" in lines[0] and "run loop already started" in lines[0]
        )
        assert len(output.played) == 1
        speaker.say("The next answer is spoken.")
        assert speaker.wait(timeout=30)
    assert len(output.played) == 2 and len(lines) == 1


def test_engine_hanging_times_out_and_a_fresh_engine_speaks_the_next_answer() -> None:
    output, lines = FakeOutput(speedup=50), Lines()
    with speaker_with(output, lines, engine="test_speech_speaker:FaultyEngine", timeout=0.5) as speaker:
        started = time.monotonic()
        speaker.say("HANG until the time-out.")
        assert speaker.wait(timeout=30)
        assert time.monotonic() - started < 10
        assert len(lines) == 1 and "did not answer within" in lines[0] and "restarted" in lines[0]
        speaker.say("Recovered: this answer is spoken.")
        assert speaker.wait(timeout=30)
    assert len(output.played) == 1 and len(lines) == 1


def test_closing_while_the_engine_hangs_is_quick_and_quiet() -> None:
    output, lines = FakeOutput(speedup=50), Lines()
    speaker = speaker_with(output, lines, engine="test_speech_speaker:FaultyEngine", timeout=30)
    speaker.say("HANG while the user presses Ctrl-C.")
    time.sleep(0.5)
    started = time.monotonic()
    speaker.close()
    assert time.monotonic() - started < 1.0
    time.sleep(0.2)
    assert lines == [] and output.played == [] and output.closed


@pytest.mark.parametrize(
    ("engine", "advice"),
    [
        ("test_speech_speaker:engine_without_espeak", "apt-get install espeak-ng libespeak-ng1"),
        ("test_speech_speaker:engine_without_pyttsx3", "pip install pyttsx3"),
    ],
)
def test_missing_engine_turns_speech_off_with_one_line(engine: str, advice: str) -> None:
    lines = Lines()
    speaker = open_speaker(report=lines, output=FakeOutput, engine=engine)
    assert isinstance(speaker, SilentSpeaker)
    assert len(lines) == 1 and lines[0].startswith("speech is off") and advice in lines[0]
    speaker.say(ANSWER)
    assert not speaker.speaking and speaker.wait(timeout=0)


def fake_sounddevice(monkeypatch: pytest.MonkeyPatch, stream_class: type | None = None) -> types.ModuleType:
    """A sounddevice module standing in for PortAudio: no devices unless a stream class is given."""
    module = types.ModuleType("sounddevice")

    class PortAudioError(Exception):
        pass

    class CallbackStop(Exception):
        pass

    def query_devices(device: object = None, kind: str | None = None) -> dict:
        if stream_class is None:
            raise PortAudioError("Error querying device -1")
        return {"name": "fake", "default_samplerate": 48000.0}

    module.PortAudioError = PortAudioError  # type: ignore[attr-defined]
    module.CallbackStop = CallbackStop  # type: ignore[attr-defined]
    module.query_devices = query_devices  # type: ignore[attr-defined]
    module.RawOutputStream = stream_class  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    return module


def test_no_output_device_is_one_line_and_speech_off(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch)
    with pytest.raises(AudioDeviceError) as caught:
        SoundDeviceOutput()
    message = str(caught.value)
    assert "no audio output device" in message and "--say-to" in message and "\n" not in message
    lines = Lines()
    speaker = open_speaker(report=lines)
    assert isinstance(speaker, SilentSpeaker) and lines == [message]


def test_missing_portaudio_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    lines = Lines()
    assert isinstance(open_speaker(report=lines), SilentSpeaker)
    assert len(lines) == 1 and "PortAudio" in lines[0] and "libportaudio2" in lines[0]


class FakeStream:
    """A PortAudio output stream pulling 10 ms blocks through the callback on its own thread."""

    streams: list[FakeStream] = []

    def __init__(self, samplerate: int, channels: int, dtype: str, device: object, callback, finished_callback) -> None:
        self.samplerate, self.callback, self.finished_callback = samplerate, callback, finished_callback
        self.received = bytearray()
        self.aborted = threading.Event()
        FakeStream.streams.append(self)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        import sounddevice

        block = bytearray(2 * self.samplerate // 100)
        while not self.aborted.wait(0.01):
            try:
                self.callback(memoryview(block), len(block) // 2, None, None)
                self.received += block
            except sounddevice.CallbackStop:
                self.received += block
                break
        self.finished_callback()

    def abort(self) -> None:
        self.aborted.set()

    def close(self) -> None:
        pass


def test_sound_device_output_plays_everything_and_aborts_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, FakeStream)
    FakeStream.streams = []
    output = SoundDeviceOutput()
    pcm = bytes(range(256)) * 100  # 0.58 s at 22050 Hz
    output.play(pcm, 22050)
    assert output.wait(timeout=5)
    assert bytes(FakeStream.streams[0].received[: len(pcm)]) == pcm
    assert not any(FakeStream.streams[0].received[len(pcm) :])
    output.play(pcm * 20, 22050)
    time.sleep(0.1)
    asked = time.monotonic()
    output.stop()
    assert output.wait(timeout=0.2) and time.monotonic() - asked < 0.2
    assert FakeStream.streams[1].aborted.is_set()
    output.close()


# The command line


def test_ask_say_to_writes_the_spoken_answer_and_longer_answers_last_longer(tmp_path: Path) -> None:
    from conftest import run_cli

    facts = []
    for question in ("repeat", "what is sciatica", "what causes hip pain", "help"):
        wav = tmp_path / f"{len(facts)}.wav"
        result = run_cli("ask", "--json", question, "--say-to", str(wav))
        assert result.returncode == 0 and result.stderr == ""
        answer = json.loads(result.stdout)["answer"]
        seconds, rms = wav_facts(wav)
        assert rms > 0.02, "the answer is silent"
        assert 1.5 < len(answer.split()) / seconds < 5, "not a plausible speaking rate"
        facts.append((len(answer.split()), seconds))
    (short_words, short_seconds), (long_words, long_seconds) = min(facts), max(facts)
    assert long_words > 1.3 * short_words, "the topic answers no longer differ in length"
    assert 0.7 < (long_seconds / short_seconds) / (long_words / short_words) < 1.4, "duration does not follow length"


def test_ask_audio_say_to_answers_a_spoken_question_with_a_spoken_answer(tmp_path: Path) -> None:
    from conftest import run_cli
    from speech_audio import speak_to_wav

    question = speak_to_wav("what is sciatica", tmp_path / "question.wav")
    result = run_cli(
        "ask", "--audio", str(question), "--engine", "pocketsphinx", "--json", "--say-to", str(tmp_path / "answer.wav")
    )
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["intent"].split(".")[0] == "sciatica"
    seconds, rms = wav_facts(tmp_path / "answer.wav")
    assert rms > 0.02 and 1.5 < len(data["answer"].split()) / seconds < 5


def test_ask_say_to_where_it_cannot_write_prints_the_answer_and_one_line(tmp_path: Path) -> None:
    from conftest import run_cli

    result = run_cli("ask", "what is sciatica", "--say-to", str(tmp_path / "missing" / "a.wav"))
    assert result.returncode == 1
    assert "sciatica" in result.stdout.lower()
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr


def test_voices_config_and_remembered_options(tmp_path: Path) -> None:
    from conftest import run_cli

    listed = run_cli("voices", "english")
    assert listed.returncode == 0 and "gmw/en-us" in listed.stdout and "English (America)" in listed.stdout
    assert run_cli("voices", "no-such-voice").returncode == 1
    assert "(engine default)" in run_cli("config").stdout
    result = run_cli(
        "ask", "what is sciatica", "--voice", "en-gb-scotland", "--rate", "150", "--volume", "0.7", "--mute"
    )
    assert result.returncode == 0 and result.stderr == ""
    shown = run_cli("config").stdout
    assert "en-gb-scotland" in shown and "150 words per minute" in shown and "0.7" in shown and "mute:   yes" in shown
    assert "* gmw/en-gb-scotland" in run_cli("voices", "scotland").stdout
    muted = run_cli("ask", "what is sciatica", "--speak")
    assert "sciatica" in muted.stdout.lower() and muted.stderr.startswith("voice-skill: speech is off: muted")
    assert "--no-mute" in muted.stderr and muted.stderr.count("\n") == 1
    assert "mute:   no" in run_cli("config", "--no-mute").stdout
    assert "(engine default)" in run_cli("config", "--reset").stdout


def test_out_of_range_rate_and_volume_are_refused() -> None:
    from conftest import run_cli

    for option, value in (("--rate", "5"), ("--rate", "fast"), ("--volume", "2")):
        result = run_cli("ask", "what is sciatica", option, value)
        assert result.returncode == 2 and option in result.stderr and "Traceback" not in result.stderr


def test_ask_speak_without_an_output_device_prints_the_answer_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from voice_skill.cli import main

    fake_sounddevice(monkeypatch)
    assert main(["ask", "what is sciatica", "--speak"]) == 0
    printed = capsys.readouterr()
    assert "sciatica" in printed.out.lower()
    assert printed.err.count("\n") == 1
    assert printed.err.startswith("voice-skill: speech is off: no audio output device found")


def test_chat_speak_speaks_every_answer_sentence_by_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from voice_skill.cli import main
    from voice_skill.speech import speaker as speech

    outputs: list[FakeOutput] = []
    monkeypatch.setattr(speech, "SoundDeviceOutput", lambda: outputs.append(FakeOutput(speedup=200)) or outputs[-1])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"what is sciatica\nwhat is osteoporosis\n")))
    assert main(["chat", "--speak", "--json"]) == 0
    printed = capsys.readouterr()
    answers = [json.loads(line)["answer"] for line in printed.out.splitlines()]
    assert len(answers) == 2 and printed.err == ""
    (output,) = outputs
    assert len(output.played) == sum(len(split_sentences(answer)) for answer in answers)
    assert output.closed


class FussyStream(FakeStream):
    """A device that only opens at its own rate, 48 kHz."""

    def __init__(self, samplerate: int, *args: object, **kwargs: object) -> None:
        import sounddevice

        if samplerate != 48000:
            raise sounddevice.PortAudioError("Invalid sample rate")
        super().__init__(samplerate, *args, **kwargs)  # type: ignore[arg-type]


def test_a_device_that_only_takes_its_own_rate_gets_resampled_audio(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sounddevice(monkeypatch, FussyStream)
    FakeStream.streams = []
    output = SoundDeviceOutput()
    pcm = b"\x00\x10" * 22050  # one second at 22,050 Hz
    output.play(pcm, 22050)
    assert output.wait(timeout=5)
    (stream,) = FakeStream.streams
    assert stream.samplerate == 48000
    assert abs(len(stream.received) / 2 - 48000) < 1000
    output.close()

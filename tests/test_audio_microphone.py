"""The microphone source: streaming and resampling through a stand-in sounddevice, and every device fault.

This machine has no sound card, so "no microphone" and "PortAudio missing" are tested for real; the
streaming itself runs against a fake sounddevice module whose stream calls back from its own thread, as
PortAudio does.
"""

from __future__ import annotations

import ctypes.util
import sys
import threading
import time
import types
from dataclasses import dataclass, field

import numpy as np
import pytest

from voice_skill.audio.microphone import InputDevice, Microphone, list_input_devices, load_sounddevice, parse_device
from voice_skill.errors import AudioDeviceError

BUILT_IN = {"name": "Built-in Audio Analog Stereo", "max_input_channels": 2, "default_samplerate": 48000.0}
HDMI = {"name": "HDMI Output", "max_input_channels": 0, "default_samplerate": 48000.0}
USB = {"name": "USB Headset Mono", "max_input_channels": 1, "default_samplerate": 44100.0}


class PortAudioError(Exception):
    """sounddevice's error type, faked."""


@dataclass
class FakeStream:
    """A RawInputStream that plays a float32 signal to the callback from its own thread, then misbehaves."""

    device: object
    samplerate: float
    blocksize: int
    channels: int
    dtype: str
    callback: object
    finished_callback: object
    signal: np.ndarray
    ending: str = "finish"
    """After the signal: "finish" (the device went away: PortAudio ends the stream) or "stall" (nothing more)."""
    overflow_every: int = 0
    started: bool = False
    closed: bool = False
    callback_seconds: list[float] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.started = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.closed = True

    def _run(self) -> None:
        for number, start in enumerate(range(0, len(self.signal), self.blocksize)):
            if self.closed:
                return
            block = self.signal[start : start + self.blocksize].astype(np.float32)
            status = bool(self.overflow_every and number % self.overflow_every == 0)
            began = time.perf_counter()
            self.callback(memoryview(block.tobytes()), len(block), None, status)
            self.callback_seconds.append(time.perf_counter() - began)
            time.sleep(0.001)
        if self.ending == "finish" and not self.closed:
            self.finished_callback()


def fake_sounddevice(devices: list[dict], default: int = 0, **stream_options: object) -> types.SimpleNamespace:
    """A stand-in for the sounddevice module: devices, device lookup as sounddevice does it, one input stream."""
    devices = [dict(info, index=index, hostapi=0) for index, info in enumerate(devices)]
    module = types.SimpleNamespace(PortAudioError=PortAudioError, streams=[])

    def query_devices(device=None, kind=None):
        if device is None and kind is None:
            return list(devices)
        if device is None:
            device = default
        if isinstance(device, str):
            matches = [
                info for info in devices if device.lower() in info["name"].lower() and info["max_input_channels"]
            ]
            if not matches:
                raise ValueError(f"No input device matching {device!r}")
            if len(matches) > 1:
                listing = "\n".join(f"[{info['index']}] {info['name']}, ALSA" for info in matches)
                raise ValueError(f"Multiple input devices found for {device!r}:\n{listing}")
            return matches[0]
        if not 0 <= device < len(devices):
            raise PortAudioError(f"Error querying device {device}")
        if kind == "input" and devices[device]["max_input_channels"] < 1:
            raise ValueError(f"Not an input device: {devices[device]['name']!r}")
        return devices[device]

    def raw_input_stream(**options):
        stream = FakeStream(**options, **stream_options)
        module.streams.append(stream)
        return stream

    module.query_devices = query_devices
    module.query_hostapis = lambda index: {"name": "ALSA"}
    module.RawInputStream = raw_input_stream
    return module


def tone(seconds: float, rate: int, frequency: float = 440.0) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def dominant_frequency(pcm: bytes, rate: int) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


def test_the_device_is_opened_at_its_own_rate_and_converted_to_the_recognisers() -> None:
    sd = fake_sounddevice([HDMI, BUILT_IN], default=1, signal=tone(1.0, 48000))
    microphone = Microphone(sample_rate=16000, sounddevice=sd)
    blocks = []
    with pytest.raises(AudioDeviceError):  # the fake device goes away after its second of sound
        for block in microphone:
            blocks.append(block)
    stream = sd.streams[0]
    assert (stream.samplerate, stream.blocksize, stream.channels, stream.dtype, stream.device) == (
        48000,
        1440,
        1,
        "float32",
        1,
    ), "48 kHz, 30 ms blocks, mono float, the default input"
    pcm = b"".join(blocks)
    assert 15000 <= len(pcm) // 2 <= 16000, "one second at 16 kHz (the resampler holds back a few ms)"
    assert abs(dominant_frequency(pcm, 16000) - 440) < 2
    assert (microphone.device_name, microphone.device_rate) == (BUILT_IN["name"], 48000)


def test_the_callback_only_queues_blocks() -> None:
    # The consumer is slow (a recogniser busy decoding); PortAudio's thread must never wait for it.
    sd = fake_sounddevice([BUILT_IN], signal=tone(0.6, 48000))
    microphone = Microphone(sounddevice=sd)
    with pytest.raises(AudioDeviceError):
        for _ in microphone:
            time.sleep(0.02)
    stream = sd.streams[0]
    assert len(stream.callback_seconds) == 20
    assert max(stream.callback_seconds) < 0.005


def test_a_device_that_goes_away_mid_stream_is_one_clear_error_and_the_stream_is_closed() -> None:
    sd = fake_sounddevice([BUILT_IN], signal=tone(0.3, 48000), ending="finish")
    with pytest.raises(AudioDeviceError) as error:
        list(Microphone(sounddevice=sd))
    assert str(error.value) == (
        f"microphone {BUILT_IN['name']!r} stopped (was it unplugged or disabled?); "
        "reconnect it and start voice-skill listen again"
    )
    assert error.value.exit_code == 2
    assert sd.streams[0].closed


def test_a_device_that_stops_sending_audio_times_out() -> None:
    sd = fake_sounddevice([BUILT_IN], signal=tone(0.3, 48000), ending="stall")
    started = time.monotonic()
    with pytest.raises(AudioDeviceError, match=r"sent no audio for 0.3 s \(was it unplugged or disabled\?\)"):
        list(Microphone(stall_seconds=0.3, start_seconds=0.3, sounddevice=sd))
    assert time.monotonic() - started < 2.0
    assert sd.streams[0].closed


def test_a_device_that_never_starts_sending_audio_times_out() -> None:
    sd = fake_sounddevice([BUILT_IN], signal=tone(0.0, 48000), ending="stall")
    with pytest.raises(AudioDeviceError, match=r"sent no audio for 0.5 s"):
        list(Microphone(stall_seconds=0.1, start_seconds=0.5, sounddevice=sd))
    assert sd.streams[0].closed


def test_overflowed_blocks_are_counted_not_fatal() -> None:
    sd = fake_sounddevice([BUILT_IN], signal=tone(0.3, 48000), overflow_every=5)
    microphone = Microphone(sounddevice=sd)
    blocks = []
    with pytest.raises(AudioDeviceError, match="stopped"):
        for block in microphone:
            blocks.append(block)
    assert microphone.overflows == 2
    assert len(b"".join(blocks)) // 2 > 4000


def test_stopping_early_releases_the_device() -> None:
    sd = fake_sounddevice([BUILT_IN], signal=tone(5.0, 48000))
    blocks = iter(Microphone(sounddevice=sd))
    next(blocks)
    blocks.close()  # what the listen loop does on "stop", at the end, and on Ctrl-C
    assert sd.streams[0].closed


@pytest.mark.parametrize(
    ("device", "index"),
    [(None, 0), (2, 2), ("usb", 2), ("Built-in", 0), ("headset mono", 2)],
)
def test_device_is_chosen_by_number_or_name(device: object, index: int) -> None:
    sd = fake_sounddevice([BUILT_IN, HDMI, USB], signal=tone(0.1, 48000))
    microphone = Microphone(device=device, sounddevice=sd)
    info = microphone.open()
    assert info["index"] == index
    assert microphone.device_rate == int(info["default_samplerate"])


@pytest.mark.parametrize(
    ("devices", "device", "message"),
    [
        ([HDMI], None, "no microphone found (this machine has no audio input device); connect one"),
        ([BUILT_IN, HDMI], 1, "audio device 1 ('HDMI Output') is not a microphone; run voice-skill devices"),
        ([BUILT_IN, HDMI], 7, "there is no audio device 7; run voice-skill devices to list them"),
        ([BUILT_IN, USB], "bluetooth", "no microphone matches --device 'bluetooth'; run voice-skill devices"),
        (
            [BUILT_IN, USB, dict(USB, name="USB Webcam Mono")],
            "usb",
            "--device 'usb' matches several microphones ([1] USB Headset Mono, ALSA, [2] USB Webcam Mono, ALSA); "
            "give its number instead",
        ),
    ],
)
def test_a_wrong_or_missing_device_is_one_clear_line(devices: list[dict], device: object, message: str) -> None:
    sd = fake_sounddevice(devices, signal=tone(0.1, 48000))
    with pytest.raises(AudioDeviceError) as error:
        Microphone(device=device, sounddevice=sd).open()
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert sd.streams == [], "no stream is opened for a device that cannot record"


def test_no_default_input_asks_for_device() -> None:
    sd = fake_sounddevice([BUILT_IN], default=-1, signal=tone(0.1, 48000))
    with pytest.raises(AudioDeviceError, match="no default microphone is set; choose one with --device"):
        Microphone(sounddevice=sd).open()


def test_input_devices_are_listed_with_the_default_marked() -> None:
    sd = fake_sounddevice([BUILT_IN, HDMI, USB], default=2, signal=tone(0.1, 48000))
    assert list_input_devices(sd) == [
        InputDevice(0, BUILT_IN["name"], "ALSA", 2, 48000, default=False),
        InputDevice(2, USB["name"], "ALSA", 1, 44100, default=True),
    ]


def test_device_option_is_a_number_or_a_name() -> None:
    assert parse_device("3") == 3
    assert parse_device(" USB ") == "USB"
    assert parse_device("hw:1,0") == "hw:1,0"
    assert parse_device(None) is None


def test_no_sound_card_here_is_reported_by_the_real_portaudio() -> None:
    sd = load_sounddevice()
    if any(info["max_input_channels"] > 0 for info in sd.query_devices()):
        pytest.skip("this machine has a microphone")  # developer laptops; CI and the build machine have none
    assert list_input_devices() == []
    with pytest.raises(AudioDeviceError, match=r"^no microphone found"):
        next(iter(Microphone()))


def test_missing_portaudio_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real sounddevice, made to miss its library the way it does on a machine without libportaudio2.
    find_library = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name == "portaudio" else find_library(name))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    with pytest.raises(AudioDeviceError) as error:
        load_sounddevice()
    assert str(error.value).startswith(
        "PortAudio, the audio library the microphone needs, is not installed; install it"
    )
    assert error.value.exit_code == 2
    with pytest.raises(AudioDeviceError):
        list_input_devices()

"""The microphone as an audio source: a sounddevice input stream whose callback only queues blocks."""

from __future__ import annotations

import queue
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..errors import AudioDeviceError

_FROM_FILE_HINT = "or use --from-file WAV"


@dataclass(frozen=True)
class InputDevice:
    """One audio input PortAudio offers, as listed by `voice-skill devices`."""

    index: int
    """The number to give to --device."""

    name: str
    """The device name (a substring of it also works with --device)."""

    host_api: str
    """The sound system it belongs to (ALSA, PulseAudio, Core Audio, WASAPI, ...)."""

    channels: int
    """Maximum number of input channels."""

    sample_rate: int
    """The device's default rate in Hz, the rate the microphone is opened at."""

    default: bool
    """True for the system's default input, used when --device is not given."""


def load_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio library into one clear line."""
    try:
        import sounddevice
    except OSError:
        raise AudioDeviceError(
            f"PortAudio, the audio library the microphone needs, is not installed; {_portaudio_install_hint()}, "
            f"{_FROM_FILE_HINT}"
        ) from None
    return sounddevice


def list_input_devices(sounddevice: ModuleType | None = None) -> list[InputDevice]:
    """Every audio input on this machine, the default one marked; an empty list when there is none."""
    sd = sounddevice or load_sounddevice()
    try:
        default_index = int(sd.query_devices(kind="input")["index"])
    except (sd.PortAudioError, ValueError):
        default_index = -1
    devices = []
    for info in sd.query_devices():
        if info["max_input_channels"] <= 0:
            continue
        devices.append(
            InputDevice(
                index=int(info["index"]),
                name=info["name"],
                host_api=sd.query_hostapis(info["hostapi"])["name"],
                channels=int(info["max_input_channels"]),
                sample_rate=int(info["default_samplerate"]),
                default=int(info["index"]) == default_index,
            )
        )
    return devices


def format_devices(devices: list[InputDevice]) -> list[str]:
    """The lines `voice-skill devices` prints: one per microphone, the default marked with "*"."""
    if not devices:
        return [f"No microphone found (no audio input device). Connect one, {_FROM_FILE_HINT} with voice-skill listen."]
    return [
        f"{'*' if device.default else ' '} {device.index:>3}  {device.name}  "
        f"({device.host_api}, {device.channels} channel{'s' if device.channels != 1 else ''}, {device.sample_rate} Hz)"
        for device in devices
    ]


def parse_device(text: str | None) -> int | str | None:
    """--device value: a number is a device index, anything else a name (or part of one)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    return int(text) if text.isdigit() else text


@dataclass
class Microphone:
    """Live audio from an input device as 16-bit mono PCM blocks at the recogniser's rate.

    The stream runs at the device's own default rate (asking a device for 16 kHz fails on many sound cards or
    is resampled badly by the driver) and is converted here. The PortAudio callback only puts raw blocks on a
    queue; this iterator, on the recogniser's thread, takes them off, converts and yields them. The stream is
    opened when iteration starts and closed when it ends, including on Ctrl-C or when the loop stops early.
    """

    sample_rate: int = 16000
    """Rate, in Hz, of the PCM yielded (the recogniser's rate)."""

    device: int | str | None = None
    """Device index or name substring (--device); None for the system's default input."""

    block_seconds: float = 0.03
    """Length of each block: small, so the end of an utterance is noticed quickly."""

    stall_seconds: float = 2.0
    """A running stream that delivers nothing for this long has lost its device."""

    start_seconds: float = 5.0
    """The first block may take longer: some devices (Bluetooth headsets) wake up slowly."""

    sounddevice: ModuleType | None = None
    """The sounddevice module, or a stand-in for tests; imported on first use when None."""

    device_name: str = field(init=False, default="")
    """Name of the device in use, known once iteration starts."""

    device_rate: int = field(init=False, default=0)
    """The device's rate in Hz, known once iteration starts."""

    overflows: int = field(init=False, default=0)
    """Blocks the sound card reported as overflowed (audio dropped because the loop fell behind)."""

    def open(self) -> dict[str, Any]:
        """Find the device and check it can record; returns its PortAudio description. Raises AudioDeviceError."""
        sd = self._sd()
        info = _find_input(sd, self.device)
        self.device_name = info["name"]
        self.device_rate = int(info["default_samplerate"])
        return info

    def __iter__(self) -> Iterator[bytes]:
        import numpy as np

        from .source import PcmConverter

        sd = self._sd()
        info = self.open()
        blocks: queue.Queue[tuple[bytes, bool] | None] = queue.Queue()

        def callback(indata: Any, frames: int, time: Any, status: Any) -> None:
            blocks.put((bytes(indata), bool(status)))

        def finished() -> None:
            blocks.put(None)

        try:
            stream = sd.RawInputStream(
                samplerate=self.device_rate,
                blocksize=max(1, round(self.device_rate * self.block_seconds)),
                device=info["index"],
                channels=1,
                dtype="float32",
                callback=callback,
                finished_callback=finished,
            )
        except (sd.PortAudioError, ValueError) as error:
            raise self._error(f"cannot be opened ({error}); check that no other program holds it") from None
        converter = PcmConverter(self.device_rate, self.sample_rate)
        try:
            try:
                stream.start()
            except sd.PortAudioError as error:
                raise self._error(f"cannot be started ({error}); check that no other program holds it") from None
            timeout = max(self.start_seconds, self.stall_seconds)
            while True:
                try:
                    item = blocks.get(timeout=timeout)
                except queue.Empty:
                    raise self._lost(f"sent no audio for {timeout:g} s") from None
                timeout = self.stall_seconds
                if item is None:
                    raise self._lost("stopped")
                raw, flagged = item
                # An overflow flag means the loop fell behind and a block was dropped: the device is fine.
                self.overflows += flagged
                pcm = converter.convert(np.frombuffer(raw, dtype=np.float32))
                if pcm:
                    yield pcm
        finally:
            # Closing discards what is pending at once and releases the device, also on Ctrl-C.
            stream.close()

    def _sd(self) -> ModuleType:
        if self.sounddevice is None:
            self.sounddevice = load_sounddevice()
        return self.sounddevice

    def _lost(self, what: str) -> AudioDeviceError:
        return self._error(f"{what} (was it unplugged or disabled?); reconnect it and start voice-skill listen again")

    def _error(self, problem: str) -> AudioDeviceError:
        return AudioDeviceError(f"microphone {self.device_name!r} {problem}")


def _find_input(sd: ModuleType, device: int | str | None) -> dict[str, Any]:
    """The device's PortAudio description, or an AudioDeviceError saying what to do."""
    try:
        devices = list(sd.query_devices())
    except sd.PortAudioError as error:
        raise AudioDeviceError(f"cannot list the audio devices ({error}); {_FROM_FILE_HINT}") from None
    if not any(info["max_input_channels"] > 0 for info in devices):
        raise AudioDeviceError(
            f"no microphone found (this machine has no audio input device); connect one and check it is not "
            f"disabled, {_FROM_FILE_HINT}"
        )
    try:
        info = sd.query_devices(device, "input")
    except sd.PortAudioError:
        if device is None:
            raise AudioDeviceError(
                "no default microphone is set; choose one with --device (see voice-skill devices)"
            ) from None
        raise AudioDeviceError(f"there is no audio device {device}; run voice-skill devices to list them") from None
    except ValueError as error:
        message = str(error)
        if message.startswith("Multiple"):
            choices = ", ".join(line.strip() for line in message.splitlines()[1:])
            raise AudioDeviceError(
                f"--device {device!r} matches several microphones ({choices}); give its number instead"
            ) from None
        if message.startswith("Not an input"):
            name = message.partition(": ")[2]
            raise AudioDeviceError(
                f"audio device {device} ({name}) is not a microphone; run voice-skill devices to list the inputs"
            ) from None
        raise AudioDeviceError(
            f"no microphone matches --device {device!r}; run voice-skill devices to list them"
        ) from None
    return dict(info)


def _portaudio_install_hint() -> str:
    if sys.platform == "darwin":
        return "install it (brew install portaudio)"
    if sys.platform == "win32":
        return "reinstall the sounddevice package, which bundles it (pip install --force-reinstall sounddevice)"
    return "install it (Debian/Ubuntu: sudo apt-get install libportaudio2; Fedora: sudo dnf install portaudio)"

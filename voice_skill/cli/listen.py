"""`voice-skill listen` and `voice-skill devices`: a spoken conversation through the microphone or from a
recording, wired from the command line's settings; and the list of microphones."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .console import Console, load_skill, report, report_cache_trouble
from .recognition import add_recogniser_arguments, recognition_settings
from .speech import add_speech_arguments, open_cli_speaker, speech_settings

if TYPE_CHECKING:
    from ..conversation import Conversation
    from ..recognition.recogniser import Recogniser
    from ..skill import Skill
    from ..speech.speaker import Speaker


def speed_argument(text: str) -> float:
    """--speed: a positive factor, how many times faster than real time a recording is played."""
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not 0 < speed <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a speed factor; give a number such as 1, 2 or 10")
    return speed


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """The `listen` and `devices` commands."""
    listen = commands.add_parser("listen", help="a spoken conversation: ask aloud, hear the answers (Ctrl-C ends)")
    listen.add_argument(
        "--device", metavar="ID|NAME", help="the microphone, by number or name (voice-skill devices lists them)"
    )
    listen.add_argument(
        "--from-file", type=Path, metavar="WAV", help="listen to a recorded conversation instead of the microphone"
    )
    listen.add_argument(
        "--speed",
        type=speed_argument,
        metavar="X",
        help="with --from-file: play the recording X times faster than real time",
    )
    add_recogniser_arguments(listen)
    add_speech_arguments(listen, speak=False)
    listen.set_defaults(handler=run_listen)

    devices = commands.add_parser("devices", help="list the microphones (audio inputs)")
    devices.set_defaults(handler=run_devices)


def run_listen(args: argparse.Namespace) -> int:
    from ..audio.microphone import parse_device

    if args.speed is not None and args.from_file is None:
        report("--speed only applies to a recording; add --from-file WAV")
        return 2
    skill = load_skill(args)
    recognition = recognition_settings(args, load_now=True)
    speech = speech_settings(args)
    listen(
        skill,
        lambda: skill.recogniser(recognition),
        lambda: open_cli_speaker(speech, speak=True),
        from_file=args.from_file,
        device=parse_device(args.device),
        speed=args.speed or 1.0,
    )
    return 0


def run_devices(args: argparse.Namespace) -> int:
    from ..audio.microphone import format_devices, list_input_devices

    print("\n".join(format_devices(list_input_devices())))
    return 0


def listen(
    skill: Skill,
    open_recogniser: Callable[[], Recogniser],
    open_speaker: Callable[[], Speaker],
    *,
    from_file: Path | None = None,
    device: int | str | None = None,
    speed: float | None = 1.0,
    console: Console | None = None,
    hint_after: float | None = None,
    sounddevice: ModuleType | None = None,
) -> Conversation:
    """A spoken conversation from the microphone (or a recording) until "stop", the recording's end or Ctrl-C.

    The microphone (or the file) is checked first, then the engine loads, then the speaker opens: a missing
    microphone or an unreadable file is the only line the user sees. The microphone starts recording when the
    conversation starts, after every engine has loaded. open_recogniser is called a second time for the
    barge-in listener when the speaker can speak. speed paces a recording: 1.0 is real time, 4.0 four times faster, None as fast as it
    can be read. The speaker is closed at the end, also on Ctrl-C or an error.
    """
    from ..audio.microphone import Microphone
    from ..audio.source import FileAudioSource, low_rate_warning
    from ..conversation import BLOCK_SECONDS, HINT_AFTER, Conversation
    from ..dialogue import Session
    from ..errors import printable
    from ..recognition.recogniser import engine_notice
    from ..speech.speaker import SilentSpeaker

    console = console or Console()
    microphone = None
    if from_file is None:
        microphone = Microphone(device=device, block_seconds=BLOCK_SECONDS, sounddevice=sounddevice)
        microphone.open()
    recogniser = open_recogniser()
    source: Iterable[bytes]
    if microphone is not None:
        microphone.sample_rate = recogniser.sample_rate
        source = microphone
        where = f"microphone '{printable(microphone.device_name)}' ({microphone.device_rate} Hz)"
        warning = low_rate_warning(
            f"microphone '{microphone.device_name}'", microphone.device_rate, recogniser.sample_rate
        )
    else:
        assert from_file is not None
        recording = FileAudioSource(from_file, recogniser.sample_rate, block_seconds=BLOCK_SECONDS, speed=speed)
        where = printable(from_file) + (f" at {speed:g} times real time" if speed and speed != 1 else "")
        # Read before anything is printed or spoken: an unreadable file is the one line the user sees.
        source = _opened(recording)
        warning = low_rate_warning(str(from_file), recording.input_rate, recogniser.sample_rate)
    print(engine_notice(recogniser), file=sys.stderr, flush=True)
    report_cache_trouble()
    if warning:
        report(warning)
    console.line(f'Listening to {where}. Say "stop" to end, or press Ctrl-C.')
    speaker = open_speaker()
    try:
        session = Session(skill)
        conversation = Conversation(
            source=source,
            recogniser=recogniser,
            dialogue=session,
            speaker=speaker,
            greeting=session.greeting(),
            hint=skill.knowledge.dialogue.no_question_heard,
            hint_after=HINT_AFTER if hint_after is None else hint_after,
            # A speaker that never speaks (muted, or speech is off) needs no one listening for "stop".
            barge_in=None if isinstance(speaker, SilentSpeaker) else open_recogniser(),
            console=console,
        )
        conversation.run()
    finally:
        speaker.close()
    return conversation


def _opened(source: Iterable[bytes]) -> Generator[bytes, None, None]:
    """The source's blocks, its first one read now (opening the file); closing this closes the source."""
    blocks = iter(source)
    first = next(blocks, None)

    def all_blocks() -> Generator[bytes, None, None]:
        try:
            if first is not None:
                yield first
            yield from blocks
        finally:
            close = getattr(blocks, "close", None)
            if close is not None:
                close()

    return all_blocks()

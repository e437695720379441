"""The answer to `describe`: what this server offers, built once at start so it is sent at once.

Home Assistant asks with a one-second timeout. No `intent` program is advertised: Home Assistant would prefer
it to `handle`, and this skill answers, it does not only recognise intents.
"""

from __future__ import annotations

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
)

from .. import __version__

NAME = "voice-skill"
LANGUAGES = ["en"]
SKILL = Attribution(name="voice-skill", url="")
"""The skill has no web address of its own yet."""
ENGINE_ATTRIBUTIONS = {
    "vosk": Attribution(name="Alpha Cephei (Vosk)", url="https://alphacephei.com/vosk/"),
    "pocketsphinx": Attribution(name="CMU Sphinx (pocketsphinx)", url="https://github.com/cmusphinx/pocketsphinx"),
}
ESPEAK = Attribution(name="eSpeak NG (through pyttsx3)", url="https://github.com/espeak-ng/espeak-ng")
DEFAULT_VOICE = "default"
"""The voice's name in `info` when none was chosen: the speech engine's default English voice."""


def server_info(engine: str, engine_detail: str, voice: str | None) -> Info:
    """handle, asr and tts programs; engine is the recogniser that will be used, voice the configured one."""
    skill_description = (
        "Answers questions about hip and buttock pain, offline; informs, never diagnoses, always recommends a doctor"
    )
    return Info(
        handle=[
            HandleProgram(
                name=NAME,
                attribution=SKILL,
                installed=True,
                description=skill_description,
                version=__version__,
                models=[
                    HandleModel(
                        name=NAME,
                        attribution=SKILL,
                        installed=True,
                        description="hip and buttock pain topics",
                        version=__version__,
                        languages=LANGUAGES,
                    )
                ],
            )
        ],
        asr=[
            AsrProgram(
                name=NAME,
                attribution=SKILL,
                installed=True,
                description="Recognises questions to the skill and refuses audio that holds no speech",
                version=__version__,
                models=[
                    AsrModel(
                        name=engine,
                        attribution=ENGINE_ATTRIBUTIONS.get(engine, SKILL),
                        installed=True,
                        description=engine_detail,
                        version=None,
                        languages=LANGUAGES,
                    )
                ],
            )
        ],
        tts=[
            TtsProgram(
                name=NAME,
                attribution=SKILL,
                installed=True,
                description="Speaks the skill's answers",
                version=__version__,
                voices=[
                    TtsVoice(
                        name=voice or DEFAULT_VOICE,
                        attribution=ESPEAK,
                        installed=True,
                        description=f"eSpeak NG voice {voice}" if voice else "eSpeak NG's default English voice",
                        version=None,
                        languages=LANGUAGES,
                    )
                ],
                supports_synthesize_streaming=True,
            )
        ],
    )

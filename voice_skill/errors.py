"""Errors a user can fix: each is printed as one line with what to do, never as a traceback."""


class SkillError(Exception):
    """Base error; its message is the one line shown to the user."""

    exit_code = 1


class TopicFileError(SkillError):
    """A topic data file is missing, malformed or fails validation."""


class ModelNotFoundError(SkillError):
    """No speech recognition model is installed where the skill looks."""

    exit_code = 2


class EngineUnavailableError(SkillError):
    """The requested speech recognition engine cannot be used here."""

    exit_code = 2


class AudioFileError(SkillError):
    """An audio file cannot be read or holds no usable audio."""


class AudioDeviceError(SkillError):
    """No usable microphone or speaker, or PortAudio is missing."""

    exit_code = 2


class DownloadError(SkillError):
    """A model download failed, or its archive is unsafe or corrupt."""

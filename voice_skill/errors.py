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


class ModelsFolderError(SkillError):
    """The models folder cannot be read or written (its permissions, a file in its place, a read-only disk)."""


class StreamError(SkillError):
    """A standard stream is closed, or writing to standard output fails (a full disk)."""

    exit_code = 2


def printable(value: object) -> str:
    """Text (a file name, a message holding one) safe to show on a terminal: printable characters as they are,
    control characters escaped (`\\x1b`, `\\x07`) so they cannot retitle or recolour the terminal, and bytes of
    a file name that were not UTF-8 shown as `\\xff`."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        # Python keeps each byte of a file name that is not UTF-8 as one of these surrogates.
        return f"\\x{code - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")

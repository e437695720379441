"""The Vosk models the skill knows by name: official archives with pinned checksums, and the command that gets one.

Light on purpose: the command line's parser reads it at every start."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
DOWNLOAD_COMMAND = "voice-skill model download"
"""The one command that gets the default model; error messages elsewhere quote it."""

OFFICIAL_URL = "https://alphacephei.com/vosk/models/{name}.zip"


@dataclass(frozen=True)
class ModelSource:
    """An official model archive whose checksum is pinned here."""

    name: str
    """Directory name of the installed model, and the archive's base name."""

    sha256: str
    """SHA-256 of the zip archive, lower-case hex."""

    size: int
    """Size of the zip archive in bytes."""

    licence: str
    """Licence the model is published under."""

    @property
    def url(self) -> str:
        """Download address on the official Vosk model site."""
        return OFFICIAL_URL.format(name=self.name)


# alphacephei.com publishes no checksums, so these are the SHA-256 and size of the archives as
# served there, agreed on by independent mirrors (rhasspy/vosk-models on Hugging Face, whose
# Git LFS pointers carry them) and distribution packages (an Arch PKGBUILD, a Yocto recipe).
KNOWN_MODELS: dict[str, ModelSource] = {
    source.name: source
    for source in (
        ModelSource(
            "vosk-model-small-en-us-0.15",
            "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
            41_205_931,
            "Apache-2.0",
        ),
        ModelSource(
            "vosk-model-en-us-0.22-lgraph",
            "d9838b4aaa82a75c4a17f5aca300eaca129aaab2a7cbf951bafbb500eb9c4334",
            130_557_655,
            "Apache-2.0",
        ),
    )
}

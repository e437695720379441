"""Vosk models on disk: which installed model is used (one lookup, one reading of VOSK_MODEL_PATH), and removing one."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import ModelNotFoundError, ModelsFolderError, SkillError
from ..paths import models_dir
from .catalogue import DEFAULT_MODEL, DOWNLOAD_COMMAND

MODEL_ENV = "VOSK_MODEL_PATH"
"""Environment variable naming the Vosk model folder to use, before any installed one."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def model_from_environment() -> Path | None:
    """The model folder $VOSK_MODEL_PATH names, if it is set."""
    value = os.environ.get(MODEL_ENV)
    return Path(value).expanduser() if value else None


def is_model_dir(path: Path) -> bool:
    """True if path holds a Vosk model (the current am/ layout or the older flat one) that can be read."""
    try:
        return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()
    except OSError:  # a folder on the way that may not be entered
        return False


def installed_models(directory: Path | None = None) -> list[Path]:
    """Complete models in directory (default: models_dir()), sorted by name."""
    directory = models_dir() if directory is None else Path(directory)
    try:
        children = sorted(directory.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        raise ModelsFolderError(f"cannot read the models directory {directory}: {error.strerror}") from error
    return [child for child in children if not child.name.startswith(".") and child.is_dir() and is_model_dir(child)]


def find_model(model: Path | None = None) -> Path:
    """The Vosk model to use: --model PATH, else $VOSK_MODEL_PATH, else the first installed model.

    Raises ModelNotFoundError with the command that installs one.
    """
    for path, origin in ((model, "--model"), (model_from_environment(), MODEL_ENV)):
        if path is not None:
            path = Path(path).expanduser()
            if not is_model_dir(path):
                raise ModelNotFoundError(
                    f"no Vosk model at {path} (from {origin}): it needs am/final.mdl or final.mdl; "
                    f"give a model folder, or install one with: {DOWNLOAD_COMMAND}"
                )
            return path
    installed = installed_models()
    if installed:
        return installed[0]
    raise ModelNotFoundError(f"no Vosk model is installed (looked in {models_dir()}); get one with: {DOWNLOAD_COMMAND}")


def remove_model(name: str, dest: Path | None = None) -> list[Path]:
    """Remove an installed model and any partial download of it; return what was removed."""
    check_name(name)
    directory = models_dir() if dest is None else Path(dest).expanduser()
    target = directory / name
    removed: list[Path] = []
    try:
        if target.is_symlink():
            target.unlink()
            removed.append(target)
        elif target.exists():
            # Renamed first so a half-deleted model never looks installed.
            trash = Path(tempfile.mkdtemp(prefix=f".{name}~", suffix=".removing", dir=directory))
            os.replace(target, trash / name)
            shutil.rmtree(trash)
            removed.append(target)
        patterns = (f".{name}~*.zip.part", f".{name}~*.unpacking", f".{name}~*.removing")
        for leftover in [path for pattern in patterns for path in directory.glob(pattern)]:
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
            removed.append(leftover)
    except OSError as error:
        raise SkillError(f"cannot remove {name} from {directory}: {error.strerror}") from error
    if not removed:
        installed = ", ".join(model.name for model in installed_models(directory)) or "none"
        raise ModelNotFoundError(f"no model named {name} in {directory} (installed: {installed})")
    return removed


def check_name(name: str) -> str:
    """A model name must be a plain directory name."""
    if not _NAME.fullmatch(name) or name in {".", ".."}:
        raise SkillError(f"invalid model name {name!r}: use a name like {DEFAULT_MODEL}")
    return name


def name_from_url(url: str | None) -> str | None:
    """vosk-model-x from .../vosk-model-x.zip, so a mirror URL alone names the model."""
    if not url:
        return None
    stem = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    stem = stem[: -len(".zip")] if stem.lower().endswith(".zip") else stem
    return stem if _NAME.fullmatch(stem) else None


def tree_size(path: Path) -> int:
    """Bytes of all the files under path."""
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())

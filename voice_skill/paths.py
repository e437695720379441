"""The user's folders for voice-skill: an environment variable when set, else the platform's own folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

APP_NAME = "voice-skill"

CONFIG_DIR_ENV = "VOICE_SKILL_CONFIG_DIR"
"""Moves the config folder (tests, portable installs)."""

CACHE_DIR_ENV = "VOICE_SKILL_CACHE_DIR"
"""Moves the cache folder (tests, read-only homes)."""

MODELS_DIR_ENV = "VOICE_SKILL_MODELS_DIR"
"""Moves the models folder (tests, shared machines)."""

_VARIABLES = {"config": CONFIG_DIR_ENV, "cache": CACHE_DIR_ENV, "data": MODELS_DIR_ENV}


def user_dir(kind: Literal["config", "cache", "data"]) -> Path:
    """The folder of a kind: its environment variable when set, else platformdirs' user folder for voice-skill.

    The variable of "data" names the models folder itself; platformdirs' data folder holds it as "models".
    """
    override = os.environ.get(_VARIABLES[kind])
    if override:
        return Path(override).expanduser()
    # platformdirs costs a few milliseconds to import: only when no variable is set.
    import platformdirs

    if kind == "config":
        return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    if kind == "cache":
        return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "models"


def config_dir() -> Path:
    """Where the remembered settings live: $VOICE_SKILL_CONFIG_DIR, else the user config folder."""
    return user_dir("config")


def cache_dir() -> Path:
    """Work the skill can redo: $VOICE_SKILL_CACHE_DIR, else the user cache folder."""
    return user_dir("cache")


def models_dir() -> Path:
    """Where speech models are installed: $VOICE_SKILL_MODELS_DIR, else "models" in the user data folder."""
    return user_dir("data")

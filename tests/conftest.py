"""Shared fixtures: every test gets its own cache, config and model folders, never the user's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("VOICE_SKILL_CACHE_DIR", str(home / "cache" / "voice-skill"))
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)


def console_script() -> list[str]:
    """The installed `voice-skill` command, as a user runs it."""
    script = Path(sys.executable).parent / "voice-skill"
    return [str(script)] if script.exists() else [shutil.which("voice-skill") or "voice-skill"]


def run_cli(*args: str, input: bytes | str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real console script; text output decoded as UTF-8."""
    data = input.encode() if isinstance(input, str) else input
    result = subprocess.run(
        [*console_script(), *args], input=data, capture_output=True, timeout=timeout, env=os.environ.copy()
    )
    result.stdout = result.stdout.decode("utf-8", "replace")
    result.stderr = result.stderr.decode("utf-8", "replace")
    return result

"""The user's folders: an environment variable when set, else the platform's folder for voice-skill."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_skill.paths import cache_dir, config_dir, models_dir


@pytest.mark.parametrize(
    ("variable", "folder"),
    [
        ("VOICE_SKILL_CONFIG_DIR", config_dir),
        ("VOICE_SKILL_CACHE_DIR", cache_dir),
        ("VOICE_SKILL_MODELS_DIR", models_dir),
    ],
)
def test_the_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, folder) -> None:
    monkeypatch.setenv(variable, str(tmp_path / "here"))
    assert folder() == tmp_path / "here"


def test_without_variables_the_platform_folders_are_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in ("VOICE_SKILL_CONFIG_DIR", "VOICE_SKILL_CACHE_DIR", "VOICE_SKILL_MODELS_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert config_dir() == tmp_path / "config" / "voice-skill"
    assert cache_dir() == tmp_path / "cache" / "voice-skill"
    assert models_dir() == tmp_path / "data" / "voice-skill" / "models"

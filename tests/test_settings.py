"""The remembered speech settings: a small JSON file in the user config directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voice_skill.cli.speech import describe, remember
from voice_skill.errors import SkillError
from voice_skill.settings import SpeechSettings, load_speech_settings, save_speech_settings, settings_path


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    monkeypatch.setenv("VOICE_SKILL_CONFIG_DIR", str(directory))
    return directory


def test_defaults_when_nothing_remembered(config_dir: Path) -> None:
    assert load_speech_settings() == SpeechSettings()
    assert settings_path() == config_dir / "config.json"
    assert not settings_path().exists()


def test_platform_config_dir_without_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICE_SKILL_CONFIG_DIR")
    assert settings_path().parent.name == "voice-skill"


def test_remembered_settings_survive_a_new_run() -> None:
    remember(voice="en-gb", rate=150)
    remember(volume=0.5)
    assert load_speech_settings() == SpeechSettings(voice="en-gb", rate=150, volume=0.5, mute=False)
    assert json.loads(settings_path().read_text()) == {"voice": "en-gb", "rate": 150, "volume": 0.5, "mute": False}


def test_options_not_given_keep_their_remembered_value() -> None:
    remember(voice="en-gb", mute=True)
    assert remember(voice=None, rate=None, volume=None, mute=None) == SpeechSettings(voice="en-gb", mute=True)
    assert remember(mute=False).mute is False


def test_nothing_written_when_nothing_changes() -> None:
    remember()
    assert not settings_path().exists()


def test_show_says_where_the_file_is_and_what_is_in_it() -> None:
    shown = describe(load_speech_settings())
    assert "(engine default)" in shown and "not written yet" in shown
    save_speech_settings(SpeechSettings(voice="en-us+f3", rate=170, volume=0.8, mute=True))
    shown = describe(load_speech_settings())
    assert "en-us+f3" in shown and "170 words per minute" in shown and "0.8" in shown and "mute:   yes" in shown
    assert str(settings_path()) in shown and "not written yet" not in shown


@pytest.mark.parametrize(
    "content", ["{not json", "[1, 2]", '{"rate": 5}', '{"volume": 3}', '{"mute": "maybe"}', '{"voice": 7}']
)
def test_broken_file_is_one_clear_error(content: str) -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(content)
    with pytest.raises(SkillError, match="fix it or delete it") as caught:
        load_speech_settings()
    assert str(settings_path()) in str(caught.value)


def test_unknown_keys_from_a_newer_version_are_ignored() -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text('{"voice": "en-us", "pitch": 40}')
    assert load_speech_settings() == SpeechSettings(voice="en-us")


def test_a_broken_file_never_stops_a_session(capsys: pytest.CaptureFixture[str]) -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text("{not json")
    assert remember(rate=150) == SpeechSettings(rate=150)
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "fix it or delete it" in warning and "default settings" in warning
    assert settings_path().read_text() == "{not json", "the user's file was overwritten"


def test_an_unwritable_config_dir_never_stops_a_session(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_text", refuse)
    assert remember(voice="en-gb") == SpeechSettings(voice="en-gb")
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "cannot save settings" in warning and "this run only" in warning

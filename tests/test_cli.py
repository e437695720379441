"""The command line through the real console script: the JSON contract, listings, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from voice_skill import __version__
from voice_skill.knowledge.model import REQUIRED_TOPICS

from conftest import run_cli


def test_ask_prints_the_answer_as_plain_text() -> None:
    result = run_cli("ask", "what causes hip pain")
    assert result.returncode == 0
    assert "sciatica" in result.stdout.lower() and "doctor" in result.stdout.lower()
    assert "\x1b[" not in result.stdout


def test_ask_json_follows_the_contract() -> None:
    result = run_cli("ask", "--json", "um what is sigh attica")
    data = json.loads(result.stdout)
    assert set(data) >= {"text", "intent", "confidence", "answer", "alternatives"}
    assert data["text"] == "um what is sigh attica"
    assert data["intent"] == "sciatica"
    assert 0 <= data["confidence"] <= 1
    assert all(set(a) == {"intent", "confidence"} for a in data["alternatives"])


def test_out_of_scope_is_an_honest_answer_with_exit_code_zero() -> None:
    result = run_cli("ask", "--json", "what's the weather in paris")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["intent"] == "out_of_scope"
    assert "I can only answer about" in data["answer"]


def test_the_module_runs_like_the_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voice_skill", "ask", "--json", "what is osteoporosis"], capture_output=True, text=True
    )
    assert json.loads(result.stdout)["intent"] == "osteoporosis"


def test_topics_lists_every_topic_with_an_example() -> None:
    result = run_cli("topics")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert set(REQUIRED_TOPICS) <= set(listed)
    assert all('"' in line for line in result.stdout.splitlines())


def test_help_and_version() -> None:
    assert "ask" in run_cli("--help").stdout and run_cli("--help").returncode == 0
    assert run_cli("--version").stdout.strip() == f"voice-skill {__version__}"


def test_an_unknown_flag_is_a_usage_error_without_traceback() -> None:
    result = run_cli("ask", "--frobnicate", "hip")
    assert result.returncode == 2
    assert "unrecognized arguments: --frobnicate" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_without_text_says_how_to_ask() -> None:
    result = run_cli("ask")
    assert result.returncode == 2
    assert 'voice-skill ask "' in result.stderr


def test_chat_reads_lines_until_end_of_input_in_plain_text() -> None:
    result = run_cli("chat", input="what is sciatica\n\n   \nwhat is osteoporosis\n")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert "sciatic nerve" in lines[0].lower() and "bone" in lines[1].lower()
    assert "> " not in result.stdout


def test_chat_json_gives_one_object_per_line() -> None:
    result = run_cli("chat", "--json", input="hello there\nwhat is sciatica\nstop\n")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["intent"] for o in objects] == ["out_of_scope", "sciatica", "stop"]


@pytest.mark.parametrize(
    "line",
    [
        "\x00\x07\x1b[31mwhat is sciatica\x1b[0m",
        "😀😀😀",
        "wo tut es weh",
        "¿dónde está el baño?",
        "坐骨神经痛",
    ],
)
def test_odd_input_never_breaks_the_chat(line: str) -> None:
    result = run_cli("chat", "--json", input=line + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    json.loads(result.stdout)


def test_a_very_long_line_is_cut_with_a_note() -> None:
    result = run_cli("chat", "--json", input="hip pain " * 12_500 + "\n")
    assert result.returncode == 0
    assert "characters" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["intent"]


def test_bytes_that_are_not_utf8_are_reported_and_skipped() -> None:
    result = run_cli("chat", "--json", input=b"\xff\xfe\xfa broken\nwhat is sciatica\n")
    assert result.returncode == 1
    assert "line 1 is not UTF-8" in result.stderr
    assert json.loads(result.stdout)["intent"] == "sciatica"


def test_a_missing_intents_folder_is_one_clear_line(tmp_path) -> None:
    result = run_cli("--intents", str(tmp_path / "nowhere"), "ask", "hip")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("topic folder not found")
    assert "Traceback" not in result.stderr

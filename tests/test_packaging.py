"""`pip install .` outside the repository gives a skill that finds its topics: they ship in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_the_wheel_carries_the_topics_and_pronunciations_and_runs_from_them(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("voice_skill-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(name).name for name in names if name.startswith("voice_skill/intents/")}
    assert shipped == {path.name for path in (REPO / "intents").glob("*.yaml")}
    assert "voice_skill/recognition/pronunciations.dict" in names and "voice_skill/py.typed" in names
    assert "voice_skill/matching/paraphrases.tsv" in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    environment = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-m", "voice_skill", "ask", "--json", "what is sciatica"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    assert '"intent": "sciatica"' in result.stdout
    located = subprocess.run(
        [
            sys.executable,
            "-c",
            "from voice_skill.knowledge.loader import default_intents_dir; print(default_intents_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
    )
    assert located.stdout.strip() == str(site / "voice_skill" / "intents")

    # People's own wording reaches pocketsphinx's language model without the repository's tests/transcripts.
    learnt = subprocess.run(
        [sys.executable, "-c", "from voice_skill.skill import Skill; print(len(Skill.load().paraphrases))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
    )
    assert int(learnt.stdout) > 700, learnt.stderr

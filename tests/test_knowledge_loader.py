"""Loading topic files: template expansion, validation with file and line, the start-up cache."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from voice_skill.errors import TopicFileError
from voice_skill.knowledge.loader import load_knowledge
from voice_skill.knowledge.model import REQUIRED_TOPICS

from conftest import run_cli

DIALOGUE = """\
disclaimer: This is information, not medical advice.
clarify: "Do you mean {first}, or {second}?"
no_question_heard: I did not hear a question.
misunderstood: Sorry, I did not understand.
follow_ups:
  treatment: ["what should i do [about it]"]
"""


def write_intents(directory: Path, **files: str) -> Path:
    """A minimal valid intents folder; keyword arguments replace or add files (name without .yaml)."""
    directory.mkdir(parents=True, exist_ok=True)
    for topic_id in REQUIRED_TOPICS:
        kind = "meta" if topic_id in ("help", "repeat", "stop", "out_of_scope") else "cause"
        (directory / f"{topic_id}.yaml").write_text(
            f"id: {topic_id}\nkind: {kind}\nname: {topic_id}\nsentences: ['about {topic_id}']\n"
            f"answer: About {topic_id}. Please see a doctor.\n"
        )
    (directory / "_dialogue.yaml").write_text(DIALOGUE)
    (directory / "_rules.yaml").write_text("rules:\n  hip: '(hip|hips)'\n")
    (directory / "_domain.yaml").write_text(
        "words: [hip]\nwith_pain: [sitting]\npain_words: [pain]\nelsewhere: [knee]\n"
    )
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text))
    return directory


def test_templates_expand_with_alternatives_optionals_and_rules(tmp_path: Path) -> None:
    directory = write_intents(
        tmp_path,
        sciatica="""\
        id: sciatica
        kind: cause
        name: sciatica
        sentences:
          - "(what|which) causes [my] <hip> pain"
        answer: Sciatica is nerve pain. Please see a doctor.
        """,
    )
    knowledge = load_knowledge(directory)
    topic = knowledge.topics["sciatica"]
    assert set(topic.sentences) == {
        f"{w} causes {m}{h} pain" for w in ("what", "which") for m in ("my ", "") for h in ("hip", "hips")
    }
    assert "what causes my hips pain" in knowledge.sentences


def test_the_shipped_topics_load_and_cover_the_contract_ids() -> None:
    topics = load_knowledge().topics
    assert set(REQUIRED_TOPICS) <= set(topics)
    assert all(topic.sentences for topic_id, topic in topics.items() if topic_id != "out_of_scope")


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ("id: sciatica\nkind: cause\nname: x\nsentences: ['a']\nanswer: Nerve pain.\n", "must end with", 5),
        ("id: sciatica\nkind: illness\nname: x\nsentences: ['a']\nanswer: A. See a doctor.\n", "kind must be", 2),
        ("id: sciatica\nkind: cause\nname: x\nsentences: 'a'\nanswer: A. See a doctor.\n", "list of texts", 4),
        (
            "id: sciatica\nkind: cause\nname: x\nsentences: ['(a|b']\nanswer: A. See a doctor.\n",
            "bad sentence template",
            4,
        ),
        ("id: sciatica\nkind: cause\nname: x\nsentences: ['a']\nanswer: [unclosed\n", "not valid YAML", 6),
        ("id: other\nkind: cause\nname: x\nsentences: ['a']\nanswer: A. See a doctor.\n", "match the file name", 1),
        (
            "id: sciatica\nkind: cause\nname: x\nsentences: ['a']\nanswer: A. See a doctor.\nsynonyms: []\n",
            "unknown field",
            6,
        ),
    ],
)
def test_a_bad_topic_file_is_named_with_its_line(tmp_path: Path, content: str, message: str, line: int) -> None:
    directory = write_intents(tmp_path)
    (directory / "sciatica.yaml").write_text(content)
    with pytest.raises(TopicFileError) as caught:
        load_knowledge(directory)
    assert f"sciatica.yaml, line {line}" in str(caught.value)
    assert message in str(caught.value)


def test_question_frames_are_kept_as_templates_and_name_a_known_aspect(tmp_path: Path) -> None:
    directory = write_intents(tmp_path)
    (directory / "_dialogue.yaml").write_text(DIALOGUE + 'aspect_questions:\n  mechanism: ["How (can|does) ... hip"]\n')
    assert load_knowledge(directory).dialogue.aspect_questions == {"mechanism": ("how (can|does) ... hip",)}
    for frames, message in (
        ('diagnosis: ["how ..."]', "unknown aspect 'diagnosis'"),
        ('mechanism: ["why <hip>"]', "rules"),
    ):
        (directory / "_dialogue.yaml").write_text(DIALOGUE + f"aspect_questions:\n  {frames}\n")
        with pytest.raises(TopicFileError, match=message):
            load_knowledge(directory)


def test_how_people_put_things_is_data_of_the_dialogue_file(tmp_path: Path) -> None:
    """Question words, pain told and the frames of a finding reported are English of the topic folder, not code."""
    directory = write_intents(tmp_path)
    (directory / "_dialogue.yaml").write_text(
        DIALOGUE
        + 'question_words: [How, "Any  Tips"]\npain_told: [hurts]\nfinding_told: ["my (gp|mri) (says|shows)"]\n'
    )
    dialogue = load_knowledge(directory).dialogue
    assert (dialogue.question_words, dialogue.pain_told, dialogue.joining_words) == (
        ("how", "any tips"),
        ("hurts",),
        (),
    )
    assert dialogue.finding_told == ("my (gp|mri) (says|shows)",)
    (directory / "_dialogue.yaml").write_text(DIALOGUE + 'visit_asked: ["see <doctor>"]\n')
    with pytest.raises(TopicFileError, match="rules"):
        load_knowledge(directory)


@pytest.mark.parametrize(
    ("rules", "template", "message"),
    [
        (
            "ten: '(a|b|c|d|e|f|g|h|i|j)'",
            "<ten> <ten> <ten> <ten> <ten> sciatica",
            "too many sentences (more than 10,000)",
        ),
        ("ten: '(a|b)'", "(a;b;c;d;e;f;g;h) sciatica", "too many sentences (more than 10,000)"),
        ("again: 'and <again>'", "sciatica <again>", "rule <again> refers to itself"),
    ],
    ids=["rules-multiplied", "permutation", "rule-loop"],
)
def test_a_template_that_expands_without_bound_is_an_error_at_its_line(
    tmp_path: Path, rules: str, template: str, message: str
) -> None:
    directory = write_intents(tmp_path)
    (directory / "_rules.yaml").write_text(f"rules:\n  {rules}\n")
    (directory / "sciatica.yaml").write_text(
        f"id: sciatica\nkind: cause\nname: x\nsentences:\n  - a\n  - '{template}'\nanswer: A. See a doctor.\n"
    )
    with pytest.raises(TopicFileError) as caught:
        load_knowledge(directory)
    assert "sciatica.yaml, line 6: " in str(caught.value)
    assert message in str(caught.value)


def test_all_templates_together_are_bounded_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_skill.knowledge import loader

    monkeypatch.setattr(loader, "MAX_SENTENCES", 10)
    with pytest.raises(TopicFileError, match="too many sentences .more than 10 in all"):
        load_knowledge(write_intents(tmp_path))


def test_a_missing_topic_file_is_reported(tmp_path: Path) -> None:
    directory = write_intents(tmp_path)
    (directory / "osteoporosis.yaml").unlink()
    with pytest.raises(TopicFileError, match="missing for: osteoporosis"):
        load_knowledge(directory)


def test_the_command_line_reports_a_broken_topic_file_in_one_line(tmp_path: Path) -> None:
    directory = write_intents(tmp_path)
    (directory / "sciatica.yaml").write_text("id: sciatica\nkind: cause\n  bad: indent\n")
    result = run_cli("--intents", str(directory), "ask", "what is sciatica")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "sciatica.yaml, line" in result.stderr


def test_edits_to_a_topic_file_are_seen_despite_the_cache(tmp_path: Path) -> None:
    directory = write_intents(tmp_path)
    assert load_knowledge(directory).topics["sciatica"].answer == "About sciatica. Please see a doctor."
    (directory / "sciatica.yaml").write_text(
        "id: sciatica\nkind: cause\nname: sciatica\nsentences: ['a']\nanswer: Changed. Please see a doctor.\n"
    )
    assert load_knowledge(directory).topics["sciatica"].answer == "Changed. Please see a doctor."


def test_the_cache_gives_the_same_topics_as_parsing(tmp_path: Path) -> None:
    first = load_knowledge()
    second = load_knowledge()
    assert first == second


def test_sense_cues_load_lower_case_and_a_wrong_shape_names_the_file(tmp_path: Path) -> None:
    domain = "words: [hip, disc]\nwith_pain: [sitting]\npain_words: [pain]\nelsewhere: [knee]\n"
    cues = write_intents(tmp_path / "good", _domain=domain + "sense_cues:\n  Disc: [DVD player, jockey]\n")
    assert load_knowledge(cues).domain.sense_cues == {"disc": ("dvd player", "jockey")}
    wrong = write_intents(tmp_path / "wrong", _domain=domain + "sense_cues: [dvd, jockey]\n")
    with pytest.raises(TopicFileError, match="_domain.yaml.*sense_cues"):
        load_knowledge(wrong)

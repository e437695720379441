"""Evaluating the skill on transcript files: accuracy per topic, confusions, out-of-scope precision and recall.

Accepted files:
- `.yaml`: `tests: [{sentences: [...], intent: ID, split: dev|test}]`, in the spirit of Home Assistant's
  intent tests; `intent` may list several acceptable ids separated by `|`.
- `.tsv`: `INTENT<TAB>TEXT` a line; a label that is none of the skill's intents (for example a CLINC150
  intent of another assistant) means the line is out of scope.
- `.txt`: one out-of-scope utterance a line.

In `.tsv` and `.txt` files, odd lines are the "dev" split and even lines the "test" split, so
thresholds can be tuned on one half and reported on the other.
"""

from __future__ import annotations

import stat
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .dialogue import Session
from .errors import TopicFileError, printable
from .intent import CLARIFY, OUT_OF_SCOPE, IntentId
from .skill import Skill


@dataclass(frozen=True)
class Case:
    """One sentence and the intents it may get."""

    text: str
    expected: tuple[str, ...]
    """Acceptable intents; a topic id also accepts that topic's aspects."""

    split: str | None = None
    source: str = ""


@dataclass
class Report:
    """What an evaluation found."""

    total: int = 0
    correct: int = 0
    clarified: int = 0
    """Sentences where the skill asked which of two topics was meant, offering the right one."""

    wrong_topic: list[tuple[Case, str]] = field(default_factory=list)
    per_topic: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    confusions: Counter = field(default_factory=Counter)
    out_of_scope_true_positive: int = 0
    out_of_scope_false_positive: int = 0
    out_of_scope_false_negative: int = 0

    @property
    def out_of_scope_precision(self) -> float:
        said = self.out_of_scope_true_positive + self.out_of_scope_false_positive
        return self.out_of_scope_true_positive / said if said else 1.0

    @property
    def out_of_scope_recall(self) -> float:
        expected = self.out_of_scope_true_positive + self.out_of_scope_false_negative
        return self.out_of_scope_true_positive / expected if expected else 1.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


MAX_TRANSCRIPT_BYTES = 16 * 1024 * 1024
"""Larger transcript files are refused before they are read: hundreds of thousands of sentences, far more than
any evaluation set, while memory stays bounded."""


def load_cases(path: Path) -> list[Case]:
    """Read a transcript file of any accepted kind."""
    try:
        # A device (/dev/zero), a pipe or a folder would never end or never open: only regular files are read.
        if not stat.S_ISREG(path.stat().st_mode):
            raise TopicFileError(
                f"{path}: not a regular file (a folder, a device or a pipe); give a transcript file (.yaml, .tsv, .txt)"
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_TRANSCRIPT_BYTES + 1)
        if len(data) > MAX_TRANSCRIPT_BYTES:
            raise TopicFileError(
                f"{path}: larger than {MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MB, too large for a transcript file; "
                "split it into several files"
            )
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TopicFileError(f"{path}: cannot read the transcript file ({error})") from None
    if path.suffix == ".txt":
        return [
            Case(line.strip(), (OUT_OF_SCOPE,), _split_of(number), path.name)
            for number, line in enumerate(text.splitlines(), 1)
            if line.strip()
        ]
    if path.suffix == ".tsv":
        cases = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            label, tab, sentence = line.partition("\t")
            if not tab:
                raise TopicFileError(f"{path}, line {number}: expected INTENT<TAB>TEXT")
            cases.append(Case(sentence.strip(), tuple(label.split("|")), _split_of(number), path.name))
        return cases
    return _yaml_cases(path, text)


def _split_of(line_number: int) -> str:
    return "dev" if line_number % 2 else "test"


def _yaml_cases(path: Path, text: str) -> list[Case]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise TopicFileError(f"{path}{f', line {mark.line + 1}' if mark else ''}: not valid YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise TopicFileError(f"{path}: a transcript file needs a 'tests' list")
    cases = []
    for group in data["tests"]:
        if not isinstance(group, dict) or not isinstance(group.get("sentences"), list) or "intent" not in group:
            raise TopicFileError(f"{path}: each test needs 'sentences' and 'intent'")
        expected = tuple(str(group["intent"]).split("|"))
        for sentence in group["sentences"]:
            cases.append(Case(str(sentence), expected, group.get("split"), path.name))
    return cases


def evaluate(skill: Skill, cases: list[Case]) -> Report:
    """Answer every case in a fresh session (so no case depends on another) and tally the outcome."""
    known = set(skill.knowledge.topics) | {
        IntentId.of(topic.id, aspect) for topic in skill.knowledge.topics.values() for aspect in topic.aspects
    }
    report = Report()
    for case in cases:
        expected = tuple(e if e in known else OUT_OF_SCOPE for e in case.expected)
        answer = Session(skill).respond(case.text)
        got = answer.intent
        report.total += 1
        label = expected[0]
        expects_out_of_scope = OUT_OF_SCOPE in expected
        if _accepts(expected, got):
            report.correct += 1
            report.per_topic[label]["correct"] += 1
        elif got == CLARIFY and any(_accepts(expected, c.intent) for c in answer.alternatives[:2]):
            report.clarified += 1
            report.per_topic[label]["clarified"] += 1
        else:
            report.wrong_topic.append((case, got))
            report.per_topic[label]["wrong"] += 1
            report.confusions[(label, got)] += 1
        if got == OUT_OF_SCOPE:
            if expects_out_of_scope:
                report.out_of_scope_true_positive += 1
            else:
                report.out_of_scope_false_positive += 1
        elif expects_out_of_scope:
            report.out_of_scope_false_negative += 1
    return report


def _accepts(expected: tuple[str, ...], got: str) -> bool:
    """A topic id accepts that topic's aspects too; an aspect only itself."""
    intent = IntentId(got)
    return any(intent == e or (intent.topic == e and not IntentId(e).aspect) for e in expected)


def format_report(report: Report, list_errors: bool = False) -> str:
    """The report as plain lines, readable by a screen reader."""
    lines = [
        f"{report.correct} of {report.total} sentences right ({report.accuracy:.1%}); "
        f"{report.clarified} asked which topic was meant"
    ]
    for topic in sorted(report.per_topic):
        counts = report.per_topic[topic]
        total = sum(counts.values())
        lines.append(f"  {topic:<28} {counts['correct']:>4} of {total:<4} right ({counts['correct'] / total:.0%})")
    lines.append(
        f"out of scope: precision {report.out_of_scope_precision:.1%}, recall {report.out_of_scope_recall:.1%}"
    )
    if report.confusions:
        lines.append("confusions (expected -> got):")
        for (expected, got), count in report.confusions.most_common(15):
            lines.append(f"  {expected} -> {got}: {count}")
    if list_errors:
        lines.append("wrong answers:")
        for case, got in report.wrong_topic:
            lines.append(f"  [{printable('|'.join(case.expected))} -> {got}] {printable(case.text)}")
    return "\n".join(lines)

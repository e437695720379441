"""Loading `intents/*.yaml` into the typed, validated knowledge of `knowledge.model`.

Templates are expanded with hassil. Parsing YAML and importing hassil cost more than the rest of
a cold start, so the expanded topics are cached as JSON, keyed by a hash of the data files.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..cache import fingerprint, load_json, rebuilt, save_json
from ..errors import TopicFileError
from ..intent import OUT_OF_SCOPE
from . import model as model_module
from .model import (
    ASPECTS,
    DIALOGUE_PHRASES,
    FOLLOW_UPS,
    KINDS,
    OPTIONAL_DIALOGUE_PHRASES,
    REQUIRED_TOPICS,
    Aspect,
    DialogueText,
    Domain,
    KnowledgeBase,
    Topic,
)


def default_intents_dir() -> Path:
    """The intents shipped with the package (wheel), or the checkout's `intents/` (editable install)."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "intents", package_dir.parent / "intents"):
        if candidate.is_dir():
            return candidate
    raise TopicFileError(f"the topic folder is missing (looked in {package_dir}); reinstall voice-skill")


def load_knowledge(intents_dir: Path | None = None) -> KnowledgeBase:
    """Load and validate an intents folder, from the cache when its files have not changed."""
    directory = intents_dir or default_intents_dir()
    if not directory.is_dir():
        raise TopicFileError(f"{directory}: topic folder not found")
    files = sorted(directory.glob("*.yaml"))
    # A change to this loader or to the data model invalidates the cache too.
    digest = fingerprint(
        Path(__file__).read_bytes(),
        Path(model_module.__file__).read_bytes(),
        *(path.name.encode() + b"\0" + path.read_bytes() + b"\0" for path in files),
    )
    cache_name = f"topics-{digest}.json"
    cached = load_json(cache_name)
    if cached is not None:
        try:
            return _from_json(cached)
        except (KeyError, TypeError, ValueError) as error:
            rebuilt(cache_name, error)
    knowledge = _parse(directory, files, digest)
    save_json(cache_name, asdict(knowledge))
    return knowledge


def _from_json(data: dict[str, Any]) -> KnowledgeBase:
    topics = {}
    for topic_id, raw in data["topics"].items():
        aspects = {
            name: Aspect(name=name, sentences=tuple(a["sentences"]), answer=a["answer"])
            for name, a in raw["aspects"].items()
        }
        topics[topic_id] = Topic(
            id=raw["id"],
            kind=raw["kind"],
            name=raw["name"],
            answer=raw["answer"],
            sentences=tuple(raw["sentences"]),
            keywords=tuple(raw["keywords"]),
            triggers=tuple(raw["triggers"]),
            context_triggers=tuple(raw["context_triggers"]),
            aspects=aspects,
        )
    raw_dialogue = data["dialogue"]
    dialogue = DialogueText(
        **{name: raw_dialogue[name] for name in (*DIALOGUE_PHRASES, *OPTIONAL_DIALOGUE_PHRASES)},
        follow_ups={name: tuple(s) for name, s in raw_dialogue["follow_ups"].items()},
        aspect_questions={name: tuple(s) for name, s in raw_dialogue["aspect_questions"].items()},
        question_words=tuple(raw_dialogue["question_words"]),
        joining_words=tuple(raw_dialogue["joining_words"]),
        pain_told=tuple(raw_dialogue["pain_told"]),
        finding_told=tuple(raw_dialogue["finding_told"]),
        visit_asked=tuple(raw_dialogue["visit_asked"]),
        outlook_asked=tuple(raw_dialogue["outlook_asked"]),
    )
    raw_domain = data["domain"]
    domain = Domain(
        **{name: tuple(words) for name, words in raw_domain.items() if name != "sense_cues"},
        sense_cues={word: tuple(cues) for word, cues in raw_domain["sense_cues"].items()},
    )
    return KnowledgeBase(topics=topics, dialogue=dialogue, domain=domain, digest=data["digest"])


class _Document:
    """A parsed YAML file that can say on which line a value stands, for error messages."""

    def __init__(self, path: Path) -> None:
        import yaml

        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise TopicFileError(f"{path}: cannot read the topic file ({error})") from None
        try:
            loader = yaml.SafeLoader(text)
            try:
                # One parse gives both the node tree (for line numbers) and the data.
                self.node = loader.get_single_node()
                data = loader.construct_document(self.node) if self.node is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise TopicFileError(f"{path}{where}: not valid YAML: {problem}") from None
        if not isinstance(data, dict):
            raise TopicFileError(f"{path}, line 1: a topic file must be a mapping of fields")
        self.data: dict[str, Any] = data

    def fail(self, message: str, *keys: str | int) -> TopicFileError:
        """An error at the value the keys lead to (a number picks an entry of a list), or the nearest line found."""
        return TopicFileError(f"{self.path}, line {self._line(keys)}: {message}")

    def _line(self, keys: tuple[str | int, ...]) -> int:
        node = self.node
        line = node.start_mark.line if node is not None else 0
        for key in keys:
            if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
                break
            if isinstance(key, int):
                if key >= len(node.value) or isinstance(node.value[key], tuple):
                    break
                node = node.value[key]
                line = node.start_mark.line
                continue
            found = None
            for item in node.value:
                if isinstance(item, tuple) and getattr(item[0], "value", None) == key:
                    found = item
                    break
            if found is None:
                break
            line = found[0].start_mark.line
            node = found[1]
        return line + 1

    def text(self, mapping: dict[str, Any], key: str, *where: str) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a non-empty text", *where, key)
        return " ".join(value.split())

    def strings(self, mapping: dict[str, Any], key: str, *where: str, required: bool = False) -> list[str]:
        value = mapping.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise self.fail(f"'{key}' must be a list of texts", *where, key)
        if required and not value:
            raise self.fail(f"'{key}' needs at least one entry", *where, key)
        return value


MAX_TEMPLATE_SENTENCES = 10_000
"""A template may expand to this many sentences (the shipped ones reach a few hundred); more is a mistake, such as
"(a|b|c|d|e|f|g|h|i|j)" eight times over, that would take all the memory there is."""

MAX_SENTENCES = 200_000
"""All the templates of a topic folder together (the shipped ones expand to about 14,000)."""


class _Expander:
    """Expands hassil templates ("(cause|reason) of [my] <hip> pain") into plain sentences, counting them first so
    that a template that expands combinatorially is an error naming its line, not an exhausted memory."""

    def __init__(self, rules: dict[str, str]) -> None:
        from hassil.parse_expression import parse_sentence

        self._parse = parse_sentence
        self._rules = {name: parse_sentence(template) for name, template in rules.items()}
        self._expanded = 0

    def expand(self, templates: list[str], document: _Document, *where: str) -> tuple[str, ...]:
        from hassil.sample import sample_expression

        sentences: dict[str, None] = {}
        for number, template in enumerate(templates):
            try:
                expression = self._parse(template.lower()).expression
                count = self._count(expression, limit=MAX_TEMPLATE_SENTENCES)
            except Exception as error:  # hassil raises several unrelated types for a bad template
                raise document.fail(f"bad sentence template {template!r}: {error}", *where, number) from None
            if count > MAX_TEMPLATE_SENTENCES:
                raise document.fail(
                    f"the template {template!r} expands to too many sentences (more than {MAX_TEMPLATE_SENTENCES:,}); "
                    "split it into several templates with fewer alternatives",
                    *where,
                    number,
                )
            self._expanded += count
            if self._expanded > MAX_SENTENCES:
                raise document.fail(
                    f"with the template {template!r} the topics expand to too many sentences (more than "
                    f"{MAX_SENTENCES:,} in all); use fewer alternatives",
                    *where,
                    number,
                )
            try:
                samples = list(sample_expression(expression, expansion_rules=self._rules))
            except Exception as error:  # hassil raises several unrelated types for a bad template
                raise document.fail(f"bad sentence template {template!r}: {error}", *where, number) from None
            for sample in samples:
                sentence = " ".join(sample.split())
                if sentence:
                    sentences[sentence] = None
        return tuple(sentences)

    def check(self, templates: list[str], document: _Document, *where: str) -> tuple[str, ...]:
        """Templates kept as they are (question frames are matched as patterns, never expanded), lower case,
        once they parse; rules (<hip>) are not allowed in them."""
        checked = []
        for number, template in enumerate(templates):
            try:
                if "<" in template:
                    raise ValueError("rules such as <hip> are not allowed here")
                self._parse(template.lower())
            except Exception as error:  # hassil raises several unrelated types for a bad template
                raise document.fail(f"bad sentence template {template!r}: {error}", *where, number) from None
            checked.append(" ".join(template.lower().split()))
        return tuple(checked)

    def _count(self, expression: Any, limit: int, rules_in_use: tuple[str, ...] = ()) -> int:
        """How many sentences the expression expands to (before duplicates are dropped), or a number above limit."""
        from hassil.expression import Alternative, Permutation, RuleReference, Sequence, TextChunk

        if isinstance(expression, TextChunk):
            return 1
        if isinstance(expression, RuleReference):
            name = expression.rule_name
            if name in rules_in_use:
                raise ValueError(f"rule <{name}> refers to itself")
            if name not in self._rules:
                return 1  # expanding reports the missing rule
            return self._count(self._rules[name].expression, limit, (*rules_in_use, name))
        if isinstance(expression, Alternative):
            return min(sum(self._count(item, limit, rules_in_use) for item in expression.items), limit + 1)
        if isinstance(expression, (Sequence, Permutation)):  # a permutation: its items in every order
            total = math.factorial(len(expression.items)) if isinstance(expression, Permutation) else 1
            for item in expression.items:
                total = min(total * self._count(item, limit, rules_in_use), limit + 1)
            return total
        return 1  # a {list}: expanding reports that the skill has none


def _parse(directory: Path, files: list[Path], digest: str) -> KnowledgeBase:
    rules_doc = _Document(directory / "_rules.yaml") if (directory / "_rules.yaml").exists() else None
    rules = rules_doc.data.get("rules", {}) if rules_doc else {}
    if not isinstance(rules, dict) or not all(isinstance(v, str) for v in rules.values()):
        raise rules_doc.fail("'rules' must map rule names to templates", "rules")  # type: ignore[union-attr]
    expander = _Expander(rules)

    dialogue_path = directory / "_dialogue.yaml"
    if not dialogue_path.exists():
        raise TopicFileError(f"{dialogue_path}: missing; it holds the skill's fixed phrases")
    dialogue = _parse_dialogue(_Document(dialogue_path), expander)

    topics: dict[str, Topic] = {}
    for path in files:
        if path.name.startswith("_"):
            continue
        topic = _parse_topic(_Document(path), expander)
        if topic.id in topics:
            raise TopicFileError(f"{path}, line 1: topic id '{topic.id}' is used twice")
        topics[topic.id] = topic
    missing = [topic_id for topic_id in REQUIRED_TOPICS if topic_id not in topics]
    if missing:
        raise TopicFileError(f"{directory}: topic files missing for: {', '.join(missing)}")
    domain_path = directory / "_domain.yaml"
    if not domain_path.exists():
        raise TopicFileError(f"{domain_path}: missing; it lists the words that mark the skill's domain")
    domain_doc = _Document(domain_path)
    domain = Domain(
        **{
            name: tuple(
                " ".join(word.lower().split()) for word in domain_doc.strings(domain_doc.data, name, required=True)
            )
            for name in ("words", "with_pain", "pain_words", "elsewhere")
        },
        **{
            name: tuple(" ".join(phrase.lower().split()) for phrase in domain_doc.strings(domain_doc.data, name))
            for name in ("other_senses", "everyday", "general", "other_conditions", "animals", "seating")
        },
        sense_cues=_sense_cues(domain_doc),
    )
    return KnowledgeBase(topics=topics, dialogue=dialogue, domain=domain, digest=digest)


def _sense_cues(document: _Document) -> dict[str, tuple[str, ...]]:
    raw = document.data.get("sense_cues", {})
    if not isinstance(raw, dict):
        raise document.fail("'sense_cues' must map words of the domain to lists of words", "sense_cues")
    return {
        " ".join(str(word).lower().split()): tuple(
            " ".join(cue.lower().split()) for cue in document.strings(raw, word, "sense_cues", required=True)
        )
        for word in raw
    }


def _parse_dialogue(document: _Document, expander: _Expander) -> DialogueText:
    data = document.data
    raw_follow_ups = data.get("follow_ups")
    if not isinstance(raw_follow_ups, dict):
        raise document.fail("'follow_ups' must map aspect names to sentences", "follow_ups")
    follow_ups = {}
    for name, _templates in raw_follow_ups.items():
        if name not in FOLLOW_UPS:
            raise document.fail(f"unknown follow-up '{name}' (use {', '.join(FOLLOW_UPS)})", "follow_ups", name)
        follow_ups[name] = expander.expand(
            document.strings(raw_follow_ups, name, "follow_ups", required=True), document, "follow_ups", name
        )
    raw_questions = data.get("aspect_questions", {})
    if not isinstance(raw_questions, dict):
        raise document.fail("'aspect_questions' must map aspect names to question frames", "aspect_questions")
    aspect_questions = {}
    for name in raw_questions:
        if name not in ASPECTS:
            raise document.fail(f"unknown aspect '{name}' (use {', '.join(ASPECTS)})", "aspect_questions", name)
        aspect_questions[name] = expander.check(
            document.strings(raw_questions, name, "aspect_questions", required=True),
            document,
            "aspect_questions",
            name,
        )
    phrases: dict[str, Any] = {name: document.text(data, name) for name in DIALOGUE_PHRASES}
    phrases.update({name: document.text(data, name) for name in OPTIONAL_DIALOGUE_PHRASES if name in data})
    if "{first}" not in phrases["clarify"] or "{second}" not in phrases["clarify"]:
        raise document.fail("'clarify' must contain {first} and {second}", "clarify")

    def words(name: str) -> tuple[str, ...]:
        return tuple(" ".join(word.lower().split()) for word in document.strings(data, name))

    def frames(name: str) -> tuple[str, ...]:
        return expander.check(document.strings(data, name), document, name)

    return DialogueText(
        **phrases,
        follow_ups=follow_ups,
        aspect_questions=aspect_questions,
        question_words=words("question_words"),
        joining_words=words("joining_words"),
        pain_told=words("pain_told"),
        finding_told=frames("finding_told"),
        visit_asked=frames("visit_asked"),
        outlook_asked=frames("outlook_asked"),
    )


def _parse_topic(document: _Document, expander: _Expander) -> Topic:
    data = document.data
    topic_id = document.text(data, "id")
    if topic_id != document.path.stem:
        raise document.fail(f"id '{topic_id}' must match the file name '{document.path.stem}'", "id")
    kind = document.text(data, "kind")
    if kind not in KINDS:
        raise document.fail(f"kind must be one of {', '.join(KINDS)}, not '{kind}'", "kind")
    medical = kind != "meta"
    unknown = set(data) - {
        "id",
        "kind",
        "name",
        "keywords",
        "sentences",
        "answer",
        "aspects",
        "triggers",
        "context_triggers",
    }
    if unknown:
        raise document.fail(f"unknown field '{sorted(unknown)[0]}'", sorted(unknown)[0])
    answer = _checked_answer(document, document.text(data, "answer"), medical, "answer")
    aspects = {}
    raw_aspects = data.get("aspects", {})
    if not isinstance(raw_aspects, dict):
        raise document.fail("'aspects' must map aspect names to sentences and an answer", "aspects")
    for name, raw in raw_aspects.items():
        if name not in ASPECTS:
            raise document.fail(f"unknown aspect '{name}' (use {', '.join(ASPECTS)})", "aspects", name)
        if not isinstance(raw, dict):
            raise document.fail("an aspect needs 'sentences' and 'answer'", "aspects", name)
        aspects[name] = Aspect(
            name=name,
            sentences=expander.expand(
                document.strings(raw, "sentences", "aspects", name, required=True), document, "aspects", name
            ),
            answer=_checked_answer(document, document.text(raw, "answer", "aspects", name), medical, "aspects", name),
        )
    return Topic(
        id=topic_id,
        kind=kind,
        name=document.text(data, "name"),
        answer=answer,
        sentences=expander.expand(
            document.strings(data, "sentences", required=topic_id != OUT_OF_SCOPE), document, "sentences"
        ),
        keywords=tuple(keyword.lower() for keyword in document.strings(data, "keywords")),
        triggers=expander.expand(document.strings(data, "triggers"), document, "triggers"),
        context_triggers=expander.expand(document.strings(data, "context_triggers"), document, "context_triggers"),
        aspects=aspects,
    )


def _checked_answer(document: _Document, answer: str, medical: bool, *where: str) -> str:
    """Medical answers must close by sending the user to a doctor: that is part of correctness."""
    if medical:
        last_sentence = answer.rstrip(" .!").rsplit(".", 1)[-1].lower()
        if "doctor" not in last_sentence and "emergency" not in last_sentence:
            raise document.fail("a medical answer must end with a sentence recommending to see a doctor", *where)
    return answer

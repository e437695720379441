"""SessionStore: one dialogue per conversation id, expiring, bounded, safe from many threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from voice_skill.recognition.transcript import Transcript
from voice_skill.session_store import SessionStore
from voice_skill.skill import Skill

DISCLAIMER = "This is general information, not medical advice."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


def test_a_conversation_keeps_its_dialogue_and_the_disclaimer_is_given_once(skill: Skill) -> None:
    store = SessionStore(skill)
    first = store.respond("a", "what is sciatica")
    follow_up = store.respond("a", "how is it treated")
    assert first.answer.startswith(DISCLAIMER)
    assert follow_up.intent == "sciatica.treatment"
    assert not follow_up.answer.startswith(DISCLAIMER)


def test_conversations_are_kept_apart(skill: Skill) -> None:
    store = SessionStore(skill)
    store.respond("a", "what is sciatica")
    other = store.respond("b", "how is it treated")
    assert other.intent == "out_of_scope"
    assert other.answer.startswith(DISCLAIMER)
    assert "a" in store and "b" in store and len(store) == 2


def test_no_conversation_id_is_a_conversation_of_one_turn(skill: Skill) -> None:
    store = SessionStore(skill)
    assert store.respond(None, "what is sciatica").answer.startswith(DISCLAIMER)
    assert store.respond(None, "how is it treated").intent == "out_of_scope"
    assert len(store) == 0


def test_an_idle_conversation_starts_afresh(skill: Skill) -> None:
    clock = Clock()
    store = SessionStore(skill, idle_seconds=300, clock=clock)
    store.respond("a", "what is sciatica")
    clock.now += 299
    assert store.respond("a", "how is it treated").intent == "sciatica.treatment"
    clock.now += 300
    assert "a" not in store
    again = store.respond("a", "how is it treated")
    assert again.intent == "out_of_scope" and again.answer.startswith(DISCLAIMER)


def test_past_the_bound_the_least_recently_used_conversation_is_forgotten(skill: Skill) -> None:
    clock = Clock()
    store = SessionStore(skill, max_sessions=2, clock=clock)
    for conversation in ("a", "b"):
        store.respond(conversation, "what is sciatica")
        clock.now += 1
    store.respond("a", "how is it treated")  # a is now the most recent
    store.respond("c", "what is sciatica")
    assert len(store) == 2 and "b" not in store and "a" in store and "c" in store


def test_saying_stop_ends_the_conversation(skill: Skill) -> None:
    store = SessionStore(skill)
    store.respond("a", "what is sciatica")
    assert store.respond("a", "stop").ends_session
    assert "a" not in store


def test_end_forgets_a_conversation(skill: Skill) -> None:
    store = SessionStore(skill)
    store.respond("a", "what is sciatica")
    store.end("a")
    store.end("never-seen")
    assert "a" not in store


def test_an_empty_transcript_means_no_question_was_heard(skill: Skill) -> None:
    store = SessionStore(skill)
    answer = store.respond_to_transcript("a", Transcript("", engine="pocketsphinx", speech=0.1))
    assert answer.intent == "out_of_scope"
    assert answer.answer.endswith(skill.knowledge.dialogue.no_question_heard)
    spoken = store.respond_to_transcript("a", Transcript("what is sciatica", engine="pocketsphinx", speech=1.0))
    assert spoken.intent == "sciatica" and spoken.transcript is not None


def test_many_threads_at_once_keep_each_conversation_whole(skill: Skill) -> None:
    store = SessionStore(skill, max_sessions=1000)
    start = threading.Barrier(8)

    def conversation(number: int) -> tuple[str, str]:
        start.wait()
        first = store.respond(f"c{number}", "what is sciatica")
        second = store.respond(f"c{number}", "how is it treated")
        return first.answer, second.intent

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(conversation, range(32)))
    assert all(first.startswith(DISCLAIMER) and second == "sciatica.treatment" for first, second in results)
    assert len(store) == 32


def test_a_preview_answers_as_respond_would_and_changes_nothing(skill: Skill) -> None:
    clock = Clock()
    store = SessionStore(skill, idle_seconds=300, clock=clock)
    store.respond("a", "what is sciatica")
    clock.now += 200
    preview = store.preview("a", "how is it treated")
    assert preview.intent == "sciatica.treatment"
    assert not preview.answer.startswith(DISCLAIMER)
    assert store.preview("b", "what is sciatica").answer.startswith(DISCLAIMER)
    assert "b" not in store
    clock.now += 150
    assert "a" not in store, "a preview must not keep a conversation alive"


def test_a_preview_spends_nothing_of_the_conversation(skill: Skill) -> None:
    store = SessionStore(skill)
    store.respond("a", "what is sciatica")
    previews = [store.preview("a", "tell me more").answer for _ in range(3)]
    assert len(set(previews)) == 1
    assert store.respond("a", "tell me more").answer == previews[0]

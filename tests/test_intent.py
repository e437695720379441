"""Intent ids: one string in the JSON, typed parts in the code."""

from __future__ import annotations

import json

from voice_skill.intent import IntentId


def test_an_intent_id_knows_its_topic_and_aspect() -> None:
    intent = IntentId("sciatica.treatment")
    assert (intent.topic, intent.aspect, intent.is_follow_up) == ("sciatica", "treatment", False)
    assert (IntentId("sciatica").topic, IntentId("sciatica").aspect) == ("sciatica", "")
    assert IntentId("follow_up.more").is_follow_up


def test_an_intent_id_is_the_string_of_the_contract() -> None:
    assert IntentId.of("osteoporosis", "symptoms") == "osteoporosis.symptoms"
    assert IntentId.of("osteoporosis") == "osteoporosis"
    assert json.dumps({"intent": IntentId.of("sciatica", "treatment")}) == '{"intent": "sciatica.treatment"}'


def test_warning_signs_and_emergencies_are_the_intents_that_send_to_urgent_care() -> None:
    assert IntentId("urgent_symptoms").is_warning_sign and IntentId("emergency").is_warning_sign
    assert not IntentId("sciatica").is_warning_sign and not IntentId("see_doctor").is_warning_sign

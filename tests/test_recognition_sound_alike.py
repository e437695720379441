"""Domain words Moonshine missed, put back only where pocketsphinx's acoustic model finds them in the audio; and
Moonshine's refusal standing against pocketsphinx's unsure words when the two heard different sentences."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from scripted_primary import ScriptedPrimary, second_opinion

from voice_skill.audio.source import FileAudioSource
from voice_skill.recognition.moonshine import UNSURE, MoonshineTranscriber, SecondOpinionRecogniser, spoken_part
from voice_skill.recognition.pocketsphinx import PocketsphinxRecogniser
from voice_skill.recognition.recogniser import transcribe
from voice_skill.recognition.sound_alike import FARTHEST, SoundAlike, distance
from voice_skill.recognition.transcript import Transcript
from voice_skill.skill import Skill

from conftest import run_cli
from speech_audio import in_steady_noise, speak_to_wav, synthesise


@pytest.fixture(scope="module")
def skill() -> Skill:
    return Skill.load()


@pytest.fixture(scope="module")
def sound_alike(skill: Skill) -> SoundAlike:
    return SoundAlike(skill.domain_words, skill.sentences)


@pytest.fixture(scope="module")
def moonshine() -> Iterator[MoonshineTranscriber]:
    transcriber = MoonshineTranscriber()
    yield transcriber
    transcriber.close()


class HeardAs:
    """Stands in for Moonshine: hears every utterance as the same words (what the real one heard in the voice), and
    scores sentences with the real Moonshine if given one, else finds every sentence as likely."""

    def __init__(self, words: str, scorer: MoonshineTranscriber | None = None) -> None:
        self.words = words
        self.scorer = scorer

    def submit(self, samples: Any, biased: bool = False) -> Future[str]:
        future: Future[str] = Future()
        future.set_result(self.words)
        return future

    def transcribe(self, samples: Any) -> str:
        return self.words

    def submit_hypotheses(self, samples: Any) -> Future[list[tuple[str, float]]]:
        future: Future[list[tuple[str, float]]] = Future()
        future.set_result([(self.words, 0.0)])
        return future

    def submit_scores(self, samples: Any, sentences: Sequence[str]) -> Future[list[float]]:
        if self.scorer is not None:
            return self.scorer.submit_scores(samples, sentences)
        future: Future[list[float]] = Future()
        future.set_result([0.0] * len(sentences))
        return future

    def stop(self, future: Future[Any]) -> None:
        """Its words are there at once: nothing to stop."""

    def close(self) -> None:
        """Nothing to stop."""


def pcm(path: Path) -> bytes:
    return b"".join(FileAudioSource(path))


def test_a_robotic_voices_consonants_are_near_and_other_words_far() -> None:
    # "gib" for "hip" (G IH B, HH IH P): a breath heard as a stop, a voiced stop for a voiceless one.
    assert distance("G IH B", "HH IH P") <= FARTHEST
    assert distance("M AA M", "B AH M") <= FARTHEST  # "mom" for "bum"
    assert distance("S ER JH ER IY", "HH IH P") > FARTHEST  # "surgery" is no "hip"
    assert distance("HH IH P", "HH IH P") == 0


@pytest.mark.parametrize(
    ("said", "voice", "heard", "meant"),
    [
        # What Moonshine base heard in eSpeak NG's robotic voices; the skill refuses those words.
        ("what helps sciatica", "en-us+f3", "what felt sadicker", "sciatica"),
        ("why do my hips ache", "en-us+f3", "why do my gip take", "causes_overview"),
        ("my glutes ache after the gym", "en-us+f4", "my loot's sake after the game", "improper_exercise"),
        # Words with many domain words equally near: "birth" is 0.5 from five of them, "butt" not the nearest.
        ("so why does my butt hurt", "en-us+f3", "so why does my birth third", "causes_overview"),
        (
            "should i book in with the doctor if my bum has hurt for a month",
            "en-us+f4",
            "should i walk in with the doctor if my mom has dirt for a month",
            "see_doctor",
        ),
    ],
)
def test_a_domain_word_moonshine_missed_is_put_back_where_the_audio_holds_it(
    skill: Skill, sound_alike: SoundAlike, tmp_path: Path, said: str, voice: str, heard: str, meant: str
) -> None:
    audio = pcm(speak_to_wav(said, tmp_path / "question.wav", voice=voice))
    assert skill.meaning(heard) is None

    words = sound_alike.words(audio, heard)

    assert (skill.meaning(words) or "").split(".")[0] == meant


@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en-us+f4"])
@pytest.mark.parametrize("question", ["what causes hiccups", "how do i stop hiccups"])
def test_a_real_english_word_heard_right_stays_itself(
    skill: Skill, sound_alike: SoundAlike, tmp_path: Path, voice: str, question: str
) -> None:
    # Issue 12, item 6: "hiccups" sounds near "hips", but the audio holds "hiccups", so nothing invents a domain word.
    audio = pcm(speak_to_wav(question, tmp_path / "question.wav", voice=voice))

    assert sound_alike.words(audio, question) == question


@pytest.mark.parametrize(
    ("question", "voice"),
    [
        ("what causes hiccups", "en-us+f4"),  # issue 12, item 6
        # Off-topic speech that a repair trying the parts of the body after "my" in place of far words answered
        # ("my hips hurt his knee", "my phone hurts my thighs"): measured, and not taken.
        ("my kid hurt his knee", "en-us+f4"),
        ("my phone hurts my eyes", "en-us"),
    ],
)
def test_speech_about_anything_else_heard_right_stays_refused(
    skill: Skill, sound_alike: SoundAlike, tmp_path: Path, question: str, voice: str
) -> None:
    audio = pcm(speak_to_wav(question, tmp_path / "question.wav", voice=voice))
    assert skill.meaning(question) is None

    transcript = second_opinion(
        ScriptedPrimary("what the the do", 0.3, audio=audio), skill.meaning, HeardAs(question), sound_alike=sound_alike
    )

    assert skill.meaning(transcript.text) is None


def moonshine_heard(
    heard: str, audio: bytes, skill: Skill, moonshine: MoonshineTranscriber, sound_alike: SoundAlike
) -> Transcript:
    """The second opinion's words for `audio`, of which pocketsphinx understood nothing and Moonshine heard `heard`
    (scored on the real audio), with no second chances: what the sound-alike check alone makes of them."""
    return second_opinion(
        ScriptedPrimary("what the the do", 0.3, audio=audio),
        skill.meaning,
        HeardAs(heard, moonshine),
        sound_alike=sound_alike,
        second_chances=(),
    )


@pytest.mark.parametrize(
    ("question", "voice", "words_per_minute", "repaired"),
    [
        # Issue 12, item 6: words heard right that pocketsphinx fits to domain words, answered before as treatment of
        # buttock pain, as a herniated disc and as seeing a doctor. Moonshine, given the same audio, finds the repairs
        # far less likely. 175 words a minute: eSpeak NG's own rate, as the off-topic questions were measured.
        ("explain how to reduce my debt burden", "en-us+f4", 175, "explain how to reduce my butt burden"),
        ("can you locate the television remote", "en-us+f4", 175, "can you locate the herniation remote"),
        (
            "do i need to see a doctor for squamous cell skin cancer",
            "en-us+f4",
            160,
            "do i need to see a doctor for squats cell sting cancer",
        ),
    ],
)
def test_a_repair_moonshine_finds_far_less_likely_than_the_words_heard_is_not_answered(
    skill: Skill,
    sound_alike: SoundAlike,
    moonshine: MoonshineTranscriber,
    tmp_path: Path,
    question: str,
    voice: str,
    words_per_minute: int,
    repaired: str,
) -> None:
    audio = pcm(speak_to_wav(question, tmp_path / "question.wav", voice=voice, words_per_minute=words_per_minute))
    assert sound_alike.words(audio, question) == repaired and skill.meaning(repaired) is not None

    transcript = moonshine_heard(question, audio, skill, moonshine, sound_alike)

    assert skill.meaning(transcript.text) is None, transcript.text


@pytest.mark.parametrize(
    ("said", "voice", "heard", "meant"),
    [
        # What Moonshine base heard in eSpeak NG's robotic voices; it finds the domain words nearly as likely.
        ("why do my hips ache", "en-us+f3", "why do my gip take", "causes_overview"),
        ("what helps sciatica", "en-us+f3", "what felt sadicker", "sciatica"),
    ],
)
def test_a_domain_word_moonshine_misheard_is_still_answered_when_it_finds_it_nearly_as_likely(
    skill: Skill,
    sound_alike: SoundAlike,
    moonshine: MoonshineTranscriber,
    tmp_path: Path,
    said: str,
    voice: str,
    heard: str,
    meant: str,
) -> None:
    audio = pcm(speak_to_wav(said, tmp_path / "question.wav", voice=voice))

    transcript = moonshine_heard(heard, audio, skill, moonshine, sound_alike)

    assert transcript.engine == "moonshine", transcript
    assert (skill.meaning(transcript.text) or "").split(".")[0] == meant


def test_where_moonshine_finds_pocketsphinx_s_repair_unlikely_it_takes_the_repair_it_finds_likeliest(
    skill: Skill,
    sound_alike: SoundAlike,
    moonshine: MoonshineTranscriber,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first question in eSpeak NG en-us+f4: Moonshine hears "gib"; on the spoken part of `ask --audio`,
    # pocketsphinx fits "aching" to it, which Moonshine finds far less likely, and "hip" nearly as likely as its
    # own words.
    said, heard = "what causes pain in my hip", "what's causing pain in my gib"
    audio = pcm(speak_to_wav(said, tmp_path / "question.wav", voice="en-us+f4", words_per_minute=175))
    monkeypatch.setattr(sound_alike, "words", lambda audio, heard: "what's causing pain in my aching")
    assert "what's causing pain in my hip" in sound_alike.one_word_repairs(heard)

    transcript = moonshine_heard(heard, audio, skill, moonshine, sound_alike)

    assert transcript.text == "what's causing pain in my hip"
    assert skill.meaning(transcript.text) == "causes_overview"


@pytest.mark.parametrize(
    ("voice", "words_per_minute", "heard"),
    [
        # What Moonshine base heard in eSpeak NG en-us at 0.8 times its rate and en-us+f3; it finds "bum" and "numb"
        # far less likely than its own words (by about 19 and 3 on the dev sample's audio).
        ("en-us", 128, "i have an um feeling in my crotch"),
        ("en-us+f3", 160, "i have a hum feeling in my crotch"),
    ],
)
def test_a_warning_sign_moonshine_misheard_is_answered_however_unlikely_it_finds_it(
    skill: Skill,
    sound_alike: SoundAlike,
    moonshine: MoonshineTranscriber,
    tmp_path: Path,
    voice: str,
    words_per_minute: int,
    heard: str,
) -> None:
    said = "i have a numb feeling in my crotch"
    audio = pcm(speak_to_wav(said, tmp_path / "question.wav", voice=voice, words_per_minute=words_per_minute))

    transcript = moonshine_heard(heard, audio, skill, moonshine, sound_alike)

    assert skill.meaning(transcript.text) == "urgent_symptoms", transcript.text


def test_words_the_skills_sentences_use_are_taken_as_heard(sound_alike: SoundAlike, tmp_path: Path) -> None:
    # "time" is near "bum" in sound, but a word the topics use is no mishearing of another.
    question = "what time does the doctor's surgery open"
    audio = pcm(speak_to_wav(question, tmp_path / "question.wav", voice="en-us+f3"))

    assert sound_alike.words(audio, question) == question
    assert sound_alike.near("time") != ()


BUTTOCKS = "what is behind pain in the buttocks usually"
"""A held-out question (tests/transcripts) that eSpeak NG's en-us+f4 voice says so that the acoustic model finds
"mug" and "butt" in it nearly as likely."""

BUTTOCKS_HEARD = "what is the fine pain in the mug of the usual evening"
"""Moonshine base's words for it."""


def test_the_same_audio_and_words_get_the_same_words_alone_after_other_speech_and_after_noise(
    skill: Skill, tmp_path: Path
) -> None:
    # Issue 12: pocketsphinx's noise estimate carried from the audio decoded before, so "mug" alone was "butt" late
    # in a batch, and the answer changed with it.
    question = speak_to_wav(BUTTOCKS, tmp_path / "question.wav", voice="en-us+f4")
    primary = PocketsphinxRecogniser(skill.sentences)
    transcribe(primary, FileAudioSource(question))
    audio = spoken_part(primary.last_utterance, primary.last_quiet)  # as the second opinion hands it over
    other = pcm(speak_to_wav("what is sciatica", tmp_path / "other.wav"))
    noise = pcm(synthesise(tmp_path / "noise.wav", 5.0, "synth", "5", "whitenoise", "vol", "0.09"))

    alone = SoundAlike(skill.domain_words, skill.sentences).words(audio, BUTTOCKS_HEARD)
    later = SoundAlike(skill.domain_words, skill.sentences)
    heard = []
    for before in (other, noise, audio):
        later.words(before, BUTTOCKS_HEARD)
        heard.append(later.words(audio, BUTTOCKS_HEARD))

    assert heard == [alone] * 3


def test_an_emergency_moonshine_half_heard_is_not_repaired_into_a_topic(tmp_path: Path) -> None:
    # Moonshine hears eSpeak NG en-us's "chest" as "cast"; the sound-alike check decided between "cast" and the
    # domain words near it with the recogniser's 16 Gaussians a frame and took "desk": "i have desk pain right now"
    # was answered as pain from sitting.
    question = speak_to_wav("i have chest pain right now", tmp_path / "question.wav")

    result = run_cli("ask", "--audio", str(question), "--json")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["intent"] == "emergency", answer["transcript"]


def test_the_default_engine_hears_a_question_alone_as_after_a_question_in_noise(tmp_path: Path) -> None:
    # End to end as `ask --audio` hears it: pocketsphinx, Moonshine's second opinion, the sound-alike check. Before
    # each sound-alike decode started afresh, the question in noise before it made "mug" "butt", and Moonshine's
    # words then replaced pocketsphinx's.
    question = speak_to_wav(BUTTOCKS, tmp_path / "question.wav", voice="en-us+f4")
    glutes = speak_to_wav("my glutes ache after the gym", tmp_path / "glutes.wav", voice="en-us+f4")
    noisy = in_steady_noise(tmp_path / "noisy.wav", glutes, snr_db=10)

    alone = run_cli("ask", "--audio", str(question), "--json")
    batch = run_cli("ask", "--audio", str(noisy), str(question), "--json")

    assert alone.returncode == 0 and batch.returncode == 0, batch.stderr
    (first,) = [json.loads(line) for line in alone.stdout.splitlines()]
    answers = [json.loads(line) for line in batch.stdout.splitlines()]
    assert first["transcript"]
    # The words and the engine they came from; the answer may be a follow-up of the question before it.
    assert (answers[1]["transcript"], answers[1]["engine"]) == (first["transcript"], first["engine"])


def test_the_second_opinion_answers_the_domain_word_put_back(skill: Skill, tmp_path: Path) -> None:
    # Pocketsphinx hears "sake are you", Moonshine "my loot's sake after the game": both refused alone.
    question = speak_to_wav("my glutes ache after the gym", tmp_path / "question.wav", voice="en-us+f4")
    heard_as = "my loot's sake after the game"
    primary = PocketsphinxRecogniser(skill.sentences)
    recogniser = SecondOpinionRecogniser(
        primary,
        lambda: primary.last_utterance,
        skill.meaning,
        transcriber=HeardAs(heard_as),  # type: ignore[arg-type]
        sound_alike=SoundAlike(skill.domain_words, skill.sentences),
    )
    plain = SecondOpinionRecogniser(
        primary,
        lambda: primary.last_utterance,
        skill.meaning,
        transcriber=HeardAs(heard_as),  # type: ignore[arg-type]
    )

    heard = [
        [transcript for block in FileAudioSource(question) if (transcript := chosen.accept(block))] + [chosen.finish()]
        for chosen in (recogniser, plain)
    ]

    with_sound_alike = " ".join(transcript.text for transcript in heard[0] if transcript.text)
    without = " ".join(transcript.text for transcript in heard[1] if transcript.text)
    assert skill.meaning(with_sound_alike) == "improper_exercise"
    assert heard[0][-1].engine == "moonshine"
    assert skill.meaning(without) is None


SALAD = "what causes at long causes for muscle tingling cause evening on"
"""Pocketsphinx's words for a real recording of a man reading a story (../shared/eval/audio-real, 034-leopard.wav):
the skill takes them for sciatica."""

STORY = "on the councillor he must consider the doctor of his and he will be a general councillor"
"""Moonshine's words for the same recording."""


@pytest.mark.parametrize(
    ("pocketsphinx", "confidence", "moonshine", "answered"),
    [
        (SALAD, UNSURE - 0.05, STORY, "moonshine"),
        # Only small words in common ("a", "for") are no same sentence: eSpeak NG en-us+f3's "set a timer for ten
        # minutes", heard so by pocketsphinx in a CI run and answered as a herniated disc.
        ("exit for a month what are the disc", 0.2, "set a timer for minutes", "moonshine"),
        # Words that are all small words are compared whole: an off-topic question must not end the session.
        ("you can do", 0.3, "turn the lights off in the kitchen", "moonshine"),
        # Sure enough of its words, or Moonshine heard only a fragment: pocketsphinx's words stand.
        (SALAD, UNSURE + 0.05, STORY, "pocketsphinx"),
        (SALAD, UNSURE - 0.05, "on the councillor", "pocketsphinx"),
        # Much the same sentence heard twice, understood once: pocketsphinx's words stand.
        ("what causes pain in my hip", 0.3, "what causes pain in my lip when i eat", "pocketsphinx"),
        # A warning sign is never given up for a refusal, however unsure.
        ("i can't pee and my back hurts", 0.1, "i can't be at my bank today i'm afraid", "pocketsphinx"),
    ],
)
def test_moonshines_refusal_stands_when_pocketsphinx_is_unsure_and_heard_another_sentence(
    skill: Skill, pocketsphinx: str, confidence: float, moonshine: str, answered: str
) -> None:
    assert skill.meaning(pocketsphinx) is not None and skill.meaning(moonshine) is None
    transcript = second_opinion(
        ScriptedPrimary(pocketsphinx, confidence, seconds=2.0), skill.meaning, HeardAs(moonshine)
    )

    assert transcript.engine == answered
    assert skill.meaning(transcript.text) is None if answered == "moonshine" else transcript.text == pocketsphinx


def test_alarm_words_are_offered_only_beside_words_the_skills_sentences_never_use(skill: Skill) -> None:
    # Moonshine heard eSpeak NG en-gb's "after a fall" as "after i foil", and en-us slow's "a fever" as "a femur".
    sound_alike = SoundAlike(skill.domain_words, skill.sentences, skill.alarm_words)

    assert "fall" in sound_alike.near_alarm_words("foil")
    assert "fever" in sound_alike.near_alarm_words("femur")
    assert sound_alike.near_alarm_words("hip") == sound_alike.near_alarm_words("fall") == ()

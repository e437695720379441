"""The recogniser interface: 16-bit mono PCM in, partial and final transcripts out; and choosing an engine."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..errors import EngineUnavailableError, ModelNotFoundError, ModelsFolderError, SkillError, printable
from ..models.catalogue import DOWNLOAD_COMMAND
from ..models.store import find_model, model_from_environment
from ..settings import ENGINES, RecognitionSettings
from .transcript import Transcript


class Recogniser(Protocol):
    """A speech recognition engine behind one small interface, so engines can be swapped."""

    name: str
    """Engine name as used by --engine ("vosk", "pocketsphinx")."""

    description: str
    """One line naming the engine and model in use, shown to the user."""

    sample_rate: int
    """The rate, in Hz, of the PCM that accept() expects."""

    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed a block of 16-bit little-endian mono PCM; return a final transcript when an utterance ends."""

    def partial(self) -> str:
        """The words heard so far in the current utterance."""

    def finish(self) -> Transcript:
        """End of audio: return the final transcript of what is pending and reset."""


@dataclass(frozen=True)
class EngineInfo:
    """What `voice-skill engines` shows about one engine."""

    name: str
    """As given to --engine."""

    available: bool
    """Whether it can be used on this machine now."""

    detail: str
    """The model that would be used, or why the engine cannot be used."""

    default: bool = False
    """Used when --engine is not given."""


def open_recogniser(
    sentences: Sequence[str],
    settings: RecognitionSettings = RecognitionSettings(),
    meaning: Callable[[str], str | None] | None = None,
    domain_words: Collection[str] = (),
    paraphrases: Sequence[str] = (),
    warning_words: Collection[str] = (),
    alarm_words: Collection[str] = (),
    alarm: Callable[[str], bool] | None = None,
) -> Recogniser:
    """The recogniser settings ask for, restricted to the sentences (the loaded skill's `Skill.sentences`).

    Without an engine named: Vosk when a model is named or installed, else the bundled pocketsphinx.
    settings.open_vocabulary lifts the restriction (Vosk without grammar, pocketsphinx with its generic
    language model). The engine's own transcripts come back; wrap it in `screening.screened` to refuse
    audio that holds no speech. meaning (the question the skill takes words for, None if none) lets the
    restricted pocketsphinx ask Moonshine about the utterances it may have misheard (settings.second_opinion, with
    its second chances where the skill refuses Moonshine's words too: settings.second_chances);
    domain_words (the loaded skill's `Skill.domain_words`) are those Moonshine's words are checked against
    when the skill does not understand them (`sound_alike`), and those its decoding then leans toward (`biasing`);
    paraphrases (the loaded skill's `Skill.paraphrases`), people's own wording, are learnt by the restricted
    pocketsphinx's language model beside the sentences; warning_words (the loaded skill's `Skill.warning_words`),
    heard by either engine, have Whisper asked for a warning sign behind another topic's unsure words; alarm_words
    (the loaded skill's `Skill.alarm_words`), sounding like a word Moonshine heard and making its words a warning sign
    by alarm (`Skill.is_alarm`), have Whisper asked whether one was said.
    """
    engine = settings.engine
    if engine not in (None, *ENGINES):
        raise EngineUnavailableError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    model = None
    unreadable: ModelsFolderError | None = None
    if engine in (None, "vosk"):
        named = settings.model is not None or model_from_environment() is not None
        try:
            model = find_model(settings.model)
        except ModelNotFoundError:
            # A model that was named but is not there is reported, never silently replaced.
            if engine == "vosk" or named:
                raise
        except ModelsFolderError as error:
            if engine == "vosk":
                raise
            unreadable = error
        engine = "vosk" if model is not None else "pocketsphinx"
    if engine == "vosk":
        from .vosk import VoskRecogniser

        assert model is not None
        return VoskRecogniser(model, sentences, open_vocabulary=settings.open_vocabulary)
    if engine == "moonshine":
        from .moonshine import MoonshineRecogniser

        return MoonshineRecogniser()
    from .pocketsphinx import PocketsphinxRecogniser

    try:
        recogniser = (
            PocketsphinxRecogniser(kind="generic")
            if settings.open_vocabulary
            else PocketsphinxRecogniser(sentences, paraphrases=paraphrases)
        )
    except ImportError as error:
        raise EngineUnavailableError(f"pocketsphinx cannot be loaded ({error}); reinstall voice-skill") from None
    if unreadable is not None:
        # The bundled engine answers all the same; its description (the engine notice) says why it was chosen.
        recogniser.description += f", as no Vosk model could be looked for: {unreadable}"
    from . import moonshine

    if settings.second_opinion and meaning is not None and moonshine.available():
        from . import whisper
        from .sound_alike import SoundAlike

        return moonshine.SecondOpinionRecogniser(
            recogniser,
            lambda: recogniser.last_utterance,
            meaning,
            transcriber=moonshine.MoonshineTranscriber(domain_words),
            sound_alike=SoundAlike(domain_words, sentences, alarm_words) if domain_words else None,
            second_chances=second_chances(settings),
            third_opinion=whisper.WhisperTranscriber(settings.load_now)
            if settings.third_opinion and whisper.available()
            else None,
            warning_words=warning_words,
            alarm=alarm,
        )
    return recogniser


def second_chances(settings: RecognitionSettings) -> tuple[str, ...]:
    """What the second opinion tries where the skill refuses Moonshine's words, as the settings ask."""
    from . import moonshine

    if not settings.second_chances:
        return ()
    return moonshine.WITH_LIKELY_SENTENCES if settings.likely_sentences else moonshine.SECOND_CHANCES


def engine_notice(recogniser: Recogniser) -> str:
    """The first line of speech output: which engine and model are in use, and how to get the better one."""
    notice = f"voice-skill: using {printable(recogniser.description)}."
    if recogniser.name != "vosk":
        notice += f" For better recognition install a Vosk model: {DOWNLOAD_COMMAND}"
    return notice


def available_engines() -> list[EngineInfo]:
    """Each engine, whether it can be used here, with which model, and which one is the default."""
    import importlib.util

    vosk_model = None
    try:
        vosk_model = find_model()
        vosk_detail = f"model {vosk_model}"
    except SkillError as error:
        vosk_detail = str(error)
    if importlib.util.find_spec("vosk") is None:
        vosk_model, vosk_detail = None, "the vosk package is not installed; reinstall voice-skill"
    pocketsphinx_ok = importlib.util.find_spec("pocketsphinx") is not None
    from . import moonshine, whisper

    moonshine_ok = moonshine.available()
    third = (
        "; where the skill refuses both engines' words, Whisper base is asked as a third opinion (dev sample 81.6% ->"
        " 84.0%, the same refusals), and for a warning sign where pocketsphinx is unsure of another question that"
        " Moonshine does not confirm and either engine heard a warning word such as 'fell' or 'fever' (spoken warning"
        " signs and emergencies, dev, 125 -> 128 of 144); such answers wait about 0.6-1.3 s more, and listen loads it at"
        " the start; --no-third-opinion answers without it"
        if whisper.available()
        else "; Whisper's third opinion cannot be used: faster-whisper or its model packages are not installed;"
        " reinstall voice-skill"
    )
    second = (
        ", with Moonshine as a second opinion unless pocketsphinx is sure of words the skill understands, and words"
        " the skill refuses heard again at other speeds and leaning toward the domain words: 87% of held-out spoken"
        " questions right in 6 voices on this release's sample, against 59% for pocketsphinx alone (Moonshine alone"
        " hears synthetic voices worse). Once 0.5 s of quiet ends the question, answers come about 0.05 s later when"
        " pocketsphinx is sure, median 0.15 s and p90 about 0.3 s over all answers on a 2-core machine (the 0.3 s"
        " target met in 3 of 4 runs, the 0.8 s allowed for a slower default in all), longer for refusals; Moonshine's"
        " worker loads in about 2.5 s at the start. --no-second-opinion answers on"
        " pocketsphinx alone, --no-second-chances answers refusals at once, --likely-sentences adds Moonshine's"
        " next likeliest sentences (3 points more on the dev sample, about 1.7 times the p90)" + third
        if moonshine_ok
        else ""
    )
    return [
        EngineInfo("vosk", vosk_model is not None, vosk_detail, default=vosk_model is not None),
        EngineInfo(
            "pocketsphinx",
            pocketsphinx_ok,
            "bundled US English model, restricted to the skill's sentences; the default without a Vosk model" + second
            if pocketsphinx_ok
            else "the pocketsphinx package is not installed; reinstall voice-skill",
            default=vosk_model is None and pocketsphinx_ok,
        ),
        EngineInfo(
            "moonshine",
            moonshine_ok,
            "Moonshine base English, bundled, open vocabulary: any wording, but slower (real-time factor about"
            " 0.07, the whole question after you stop) and weaker on synthetic voices; not the default"
            if moonshine_ok
            else "the moonshine-cpp, onnxruntime or onnx package is not installed; reinstall voice-skill",
        ),
    ]


def transcribe(recogniser: Recogniser, blocks: Iterable[bytes]) -> Transcript:
    """All the audio as one utterance: the final transcripts of its pauses joined, with their mean
    confidence and the highest speech score among them. If reading the audio fails, the recogniser is
    reset (its pending audio dropped) before the error goes on."""
    parts = []
    try:
        for block in blocks:
            transcript = recogniser.accept(block)
            if transcript is not None:
                parts.append(transcript)
    except BaseException:
        recogniser.finish()
        raise
    parts.append(recogniser.finish())
    heard = [part for part in parts if part.text]
    confidences = [part.asr_confidence for part in heard if part.asr_confidence is not None]
    speech = [part.speech for part in parts if part.speech is not None]
    # A second opinion's words say which engine heard them.
    engines = {part.engine for part in heard}
    return Transcript(
        " ".join(part.text for part in heard),
        engine=engines.pop() if len(engines) == 1 else recogniser.name,
        asr_confidence=sum(confidences) / len(confidences) if confidences else None,
        speech=max(speech) if speech else None,
    )

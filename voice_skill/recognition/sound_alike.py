"""Domain words an open-vocabulary engine may have misheard, put back only where the audio says so.

Moonshine hears any English, so a domain word it misses becomes another word: "hip" in eSpeak NG's robotic
voices is heard "gib", "gibbs" or "kids", "bum" as "mom", "back" as "mac". Taking every word that sounds
like a domain word for one would invent domain words ("what causes hiccups" is not "what causes hips").
Instead pocketsphinx decodes the same audio once more, restricted to Moonshine's words with, beside each word
that is no domain word, the domain words whose sounds are near it (`near`): the acoustic model says which of
them was said. Real words that were said stay, as the audio fits them better.

Pocketsphinx's acoustic model, trained on people, still fits some words heard right to a domain word in robotic
voices ("explain how to reduce my debt burden" to "my butt burden", "what to do for fainting" to "shooting"). So
Moonshine has the last word: a repair stands only when Moonshine, given the same audio, finds the repaired words
nearly as likely as the words it heard (LESS_LIKELY).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from typing import Any

NEAREST = 5
"""Domain words offered beside a word: the nearest ones in sound. Robotic voices turn a domain word into a word
that many domain words are as near to ("birth" for "butt" is 0.5 from "back", "bone", "bones", "bum" and "bums"),
and the one said must be among those offered. Chosen on the dev split's spoken paraphrases (48 a voice, 6 voices,
replayed from one decoding of each file through SecondOpinionRecogniser with the other speeds): 3 -> 5 words,
en-us+f3 40 -> 41, en-us+f4 30 -> 32 of 48, the other voices unchanged; spoken off-topic questions refused 71 of 96
and the real off-topic recordings 51 of 53 either way. With FARTHEST 0.6 as well: the same three more right, but
one more off-topic question and one more real recording answered."""

GAUSSIANS = 8
"""Gaussians scored per frame when the audio decides between a word and its near domain words: the number every
figure above was measured with. The recogniser's own 16 (`pocketsphinx.TOP_GAUSSIANS`) made the check fit eSpeak
NG en-us's "chest" (Moonshine: "cast") to "desk" rather than "chest": "i have chest pain right now" was answered as
pain from sitting instead of as an emergency."""

FARTHEST = 0.5
"""Greatest sound distance (`distance`, per phone of the longer word) of a domain word offered beside a word.
Chosen on the dev split's spoken paraphrases (48 a voice, 6 voices; 73.3% right without this): 0.34 75.0%,
0.4 76.4%, 0.5 78.1% (with 4 or 5 words offered 77.8%, before the other speeds), 0.6 and 0.7 78.1% with one more of the 96 spoken
off-topic questions answered; at 0.5 as many of them are refused as without this."""

LESS_LIKELY = 3.0
"""Log-probability by which Moonshine may find the words with domain words put back less likely than its own words for
the same audio (`MoonshineModel.log_probabilities`: every token forced, given the audio) for the repair to stand;
a repair that means a warning sign always stands (`moonshine.SecondOpinionRecogniser._nearly_as_likely`).
Measured on off-topic speech heard right (600 typed off-topic questions, CLINC150 and MedQuAD dev lines, spoken by
eSpeak NG en-us and en-us+f4 and taken as Moonshine's words): the 6 repairs the skill understood scored 6.4 to 41
below the words heard, so none stands (without this check, 6 answered). On the dev split's spoken paraphrases (48 a
voice, 6 voices, replayed from one pocketsphinx decoding of each file through SecondOpinionRecogniser, Moonshine in
process): without this check 262 of 288 right (piper 47, en-gb 44, en-us+f3 47, en-us+f4 39, slow 43, fast 42), no
repair at all 262, this 263 (en-us+f4 41, fast 41) at 3, 6 and 10, 262 at 0, 1 and 20: Moonshine finds many real
mishearings far less likely too (it heard "market" for "buttock" in en-us+f3 with confidence: 31 less), but its
second chances mostly find those questions again. Spoken off-topic questions (dev, 16 a voice) refused 72 -> 73 of
96 ("what is a sitting duck" had been repaired into "sitting back", 8.0 less likely), the real off-topic recordings
52 of 53 either way. Spoken warning signs and emergencies (tests/safety, dev, 24 a voice): 107 -> 109 of 144; with
the check asked of warning signs too, 106: "numb" put back for Moonshine's "hum" (3.2 less likely), "thumb" (6.1)
and "um" (19.5) were lost."""

_VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())
_ALIKE = (
    frozenset("P B T D K G HH".split()),  # stops, and the breath a robotic voice turns into one
    frozenset("F V TH DH S Z SH ZH HH".split()),  # fricatives
    frozenset("M N NG B P".split()),  # nasals and the lip stops
    frozenset("CH JH SH ZH T D".split()),  # affricates
    frozenset("L R W Y".split()),  # liquids and glides
)
"""Consonants an engine confuses more easily with each other than with the rest: half a substitution apart."""


def distance(first: str, second: str) -> float:
    """How far apart two pronunciations (CMU phones) are: a Levenshtein distance in which a vowel for another
    vowel, or a consonant for one of its kind, costs half; divided by the longer one's phones."""
    one, other = first.split(), second.split()
    previous = [float(j) for j in range(len(other) + 1)]
    for i, phone in enumerate(one, 1):
        current = [float(i)]
        for j, other_phone in enumerate(other, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + _substitution(phone, other_phone))
            )
        previous = current
    return previous[-1] / max(len(one), len(other), 1)


def _substitution(phone: str, other: str) -> float:
    if phone == other:
        return 0.0
    if (phone in _VOWELS and other in _VOWELS) or any(phone in kind and other in kind for kind in _ALIKE):
        return 0.5
    return 1.0


class SoundAlike:
    """Pocketsphinx's acoustic model asked to choose between an engine's words and the domain words near them.

    Its decoder (pocketsphinx's dictionary, no language model: about 0.2 s) loads in the background from the
    start, as it is first needed after a second opinion."""

    def __init__(
        self, domain_words: Collection[str], sentences: Iterable[str], alarm_words: Collection[str] = ()
    ) -> None:
        """domain_words are offered beside words that no sentence (the skill's) uses: words the sentences use are
        taken as heard, as they are in the matcher ("what time does the surgery open" is not "what bum");
        alarm_words (`Skill.alarm_words`) likewise, where they would make the words a warning sign
        (`near_alarm_words`)."""
        from .language_model import words_of

        self._domain = frozenset(word for word in domain_words if word.isalpha())
        self._alarm = frozenset(word for word in alarm_words if word.isalpha())
        self._known = frozenset(word for sentence in sentences for word in words_of(sentence))
        self._decoder: Any = None
        self._near: dict[str, tuple[str, ...]] = {}
        self._near_alarm: dict[str, tuple[str, ...]] = {}
        self._sounds: dict[str, tuple[str, ...]] = {}
        self._domain_sounds: list[tuple[str, str]] = []
        self._alarm_sounds: list[tuple[str, str]] = []
        self._loaded = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._load, name="sound-alike-load", daemon=True).start()

    def _load(self) -> None:
        from pocketsphinx import Decoder

        try:
            self._decoder = Decoder(lm=None, loglevel="FATAL", topn=GAUSSIANS)
            self._domain_sounds = self._sounds_of(self._domain)
            self._alarm_sounds = self._sounds_of(self._alarm)
        finally:
            self._loaded.set()

    def words(self, pcm: bytes, heard: str) -> str:
        """The words said in the PCM (16 kHz, 16-bit mono) that an engine heard as `heard`: each of its words,
        or a domain word that sounds near it when the audio fits that better. `heard` when nothing is near."""
        self._loaded.wait()
        if self._decoder is None or not heard:
            return heard
        with self._lock:
            choices = [self._choices(word) for word in heard.split()]
            if not all(choices) or all(len(choice) == 1 for choice in choices):
                return heard
            return self._decode(pcm, choices) or heard

    def one_word_repairs(self, heard: str) -> list[str]:
        """The words heard with one of them replaced by a domain word near it in sound (`near`), for every such
        word and domain word: what `words` chooses among, left for another engine to weigh."""
        self._loaded.wait()
        if self._decoder is None:
            return []
        said = heard.split()
        with self._lock:
            choices = [self._choices(word) for word in said]
        return [
            " ".join([*said[:at], near, *said[at + 1 :]]) for at, choice in enumerate(choices) for near in choice[1:]
        ]

    def _choices(self, word: str) -> list[str]:
        """The word (if pocketsphinx can pronounce it) and, if the skill's sentences never use it, the domain words
        near it in sound."""
        sounds = self._pronunciations(word)
        if not sounds:
            return []
        if word in self._domain or word in self._known:
            return [word]
        return [word, *self.near(word)]

    def near(self, word: str) -> tuple[str, ...]:
        """The NEAREST domain words at most FARTHEST from the word in sound, nearest first."""
        if word not in self._near:
            self._near[word] = self._nearest(word, self._domain_sounds)
        return self._near[word]

    def near_alarm_words(self, word: str) -> tuple[str, ...]:
        """The NEAREST alarm words at most FARTHEST from a word in sound that no sentence uses, nearest first: those
        it may have been misheard for ("foil" for "fall", "femur" for "fever"); none for a word the sentences use."""
        self._loaded.wait()
        if self._decoder is None or word in self._known or word in self._alarm:
            return ()
        with self._lock:
            if word not in self._near_alarm:
                self._near_alarm[word] = self._nearest(word, self._alarm_sounds)
            return self._near_alarm[word]

    def _nearest(self, word: str, sounds: list[tuple[str, str]]) -> tuple[str, ...]:
        best: dict[str, float] = {}
        for sound in self._pronunciations(word):
            for other, other_sound in sounds:
                apart = distance(sound, other_sound)
                if other != word and apart <= FARTHEST and apart < best.get(other, 2.0):
                    best[other] = apart
        return tuple(sorted(best, key=lambda known: (best[known], known))[:NEAREST])

    def _sounds_of(self, words: Collection[str]) -> list[tuple[str, str]]:
        return [(word, sound) for word in sorted(words) for sound in self._pronunciations(word)]

    def _pronunciations(self, word: str) -> tuple[str, ...]:
        """The word's pronunciation in pocketsphinx's dictionary, else eSpeak NG's, added to the dictionary."""
        from .language_model import espeak_pronunciation

        if word not in self._sounds:
            known = self._decoder.lookup_word(word)
            spoken = known or espeak_pronunciation(word)
            if spoken and not known:
                self._decoder.add_word(word, spoken, True)
            self._sounds[word] = (spoken,) if spoken else ()
        return self._sounds[word]

    def _decode(self, pcm: bytes, choices: list[list[str]]) -> str | None:
        """The choices as a grammar, one word of each in turn; the decoded words, None if the audio did not get
        through to the end of it."""
        from .pocketsphinx import hypothesis_words

        rule = " ".join(f"({' | '.join(choice)})" for choice in choices)
        decoder = self._decoder
        decoder.add_jsgf_string("heard", f"#JSGF V1.0;\ngrammar heard;\npublic <heard> = {rule};\n")
        decoder.activate_search("heard")
        # The model's feature extraction removes noise (feat.params: -remove_noise yes) by an estimate that carries
        # from one utterance to the next: the end of the last audio decoded set it, so the same audio and words got
        # other words late in a batch ("butt" for "mug"). A new feature extraction (about 0.03 ms) estimates it from
        # this audio alone. The cepstral mean needs no start: a whole utterance is normalised by its own mean
        # (-cmn batch).
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        words = hypothesis_words(hypothesis.hypstr) if hypothesis else ""
        return words if len(words.split()) == len(choices) else None

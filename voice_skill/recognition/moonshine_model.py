"""Moonshine base English run with onnxruntime: the model files that the `moonshine-cpp` package ships
(encoder_model.ort, decoder_model_merged.ort, tokenizer.bin), decoded as that package's own library decodes them.

The files hold their weights as int8 with a scale and an offset, turned into float32 by Cast, Mul and Add nodes
at every run: for the decoder, at every token, all its weights (three quarters of its time, measured with
onnxruntime's profiler). onnxruntime folds such constant work into the weights once when it loads an ONNX model,
but not from its own ORT format, which it takes as already optimised. So each file is written out once as ONNX
(`onnx_form`, kept in the cache folder) and loaded from there: the same nodes, the same kernels, the arithmetic
done once. moonshine-cpp 0.1.4 runs the ORT files as they are, on one thread, and leaks about 34 MB a call.

The steps are those of moonshine-cpp's `MoonshineModel::transcribe` (moonshine-ai/moonshine, core/moonshine-model.cpp
and core/bin-tokenizer): the encoder turns the samples into hidden states; the decoder starts from token START
and picks the likeliest next token (greedy), fed back its key/value cache, until END or MAX_TOKENS_PER_SECOND
tokens a second of audio; the tokens' bytes, special tokens (`<...>`) left out and SPACE read as a space, are
the text. `hypotheses` keeps the likeliest token sequences instead (a beam search) for the sentences Moonshine
found nearly as likely; its width 1 is the greedy decoding. A biased greedy decoding adds, at each step, the
bonus of the tokens that spell the skill's domain words (`biasing`).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from ..cache import remove_leftovers
from ..paths import cache_dir
from .biasing import OUTSIDE, SPACE, WEIGHT, DomainBias

SAMPLE_RATE = 16000

START = 1
"""The decoder's first token (`<s>`)."""

END = 2
"""The token after the last word (`</s>`)."""

MAX_TOKENS_PER_SECOND = 13.0
"""Tokens the decoder may give for each second of audio: moonshine-cpp 0.1.4's limit (a float constant in its
libmoonshine.so, as in the first C++ sources), which stops a decoder that repeats itself on noise."""

LAYERS = 8
"""Decoder layers of Moonshine base, each with a cache of its own keys and values and of the encoder's."""

HEADS = 8
HEAD_SIZE = 52

BEAM_WIDTH = 8
"""Sentences a beam search (`MoonshineModel.hypotheses`) keeps going at each step. 8 against 4: on the dev split's
spoken paraphrases, 5 more of 288 understood through `alternatives`; its CPU time about 2 times a greedy decoding's
against 1.45 (20 files, the encoder counted in both). With the other speeds after it (`moonshine.WITH_LIKELY_SENTENCES`),
on the grown dev split: 83.0% against 81.6% (4 more of 288, among them the warning sign "saddle numbness"), the
same off-topic refusals."""

ENCODINGS_KEPT = 4
"""Encodings of utterances kept (`MoonshineModel._hidden`): an utterance's, and those of the other speeds decoded
beside it (`moonshine.SPEED_STAGES`, two at a time), so that its biased decoding and the sentences scored on it
after them need no encoding of their own (50 of the 90 ms of CPU time that scoring two sentences on a 2.3 s
question took, and of the 175 ms of its biased decoding, the speeds decoded before each; about 0.13 MB a second of
audio kept)."""

THREADS = 1
"""Cores onnxruntime uses inside one model run (intra-op threads). One: the decoder's steps are matrix-vector
products bound by memory, and pocketsphinx finishes the utterance on the other core meanwhile. On the shared
2-core machine (load average 3-5), 30 files alternating: two threads took as long as one with onnxruntime's
spinning off (wall 9.7 against 9.5 s, 10.9 against 10.1 s), twice as long with it on; the listen latency
benchmark's p90, runs in turn, 393 and 326 ms with one thread, 453 and 353 ms with two."""


def model_folder() -> Path:
    """Where moonshine-cpp keeps Moonshine base English: its installed package, no download."""
    import importlib.util

    spec = importlib.util.find_spec("moonshine_cpp")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("moonshine-cpp is not installed")
    return Path(spec.origin).parent / "models" / "base-en"


def read_tokens(path: Path) -> list[bytes]:
    """The bytes of each token id in moonshine's tokenizer.bin: for each token its length (one byte under 128, else
    two: the low seven bits plus 128, then the rest) and then its bytes; a length 0 is a token with no text."""
    data = path.read_bytes()
    tokens: list[bytes] = []
    offset = 0
    while offset < len(data):
        size = data[offset]
        offset += 1
        if size >= 128:
            size = data[offset] * 128 + size - 128
            offset += 1
        tokens.append(data[offset : offset + size])
        offset += size
    return tokens


def token_text(tokens: list[bytes], ids: list[int]) -> str:
    """The text of the decoded token ids, as moonshine-cpp spells it: special tokens left out, trimmed. The decoder
    scores 32768 ids for 32000 tokens: an id past them (never seen) has no text."""
    pieces = (tokens[i] for i in ids if i < len(tokens))
    text = b"".join(piece for piece in pieces if not (len(piece) > 2 and piece[:1] == b"<" and piece[-1:] == b">"))
    return text.replace(SPACE, b" ").decode("utf-8", errors="replace").strip()


def token_ids(tokens: list[bytes]) -> dict[bytes, int]:
    """The id of each token's bytes (the first, where two spell the same), special tokens left out."""
    ids: dict[bytes, int] = {}
    for token, piece in enumerate(tokens):
        if piece and not (piece[:1] == b"<" and piece[-1:] == b">"):
            ids.setdefault(piece, token)
    return ids


def spelling(ids: dict[bytes, int], text: str) -> list[int]:
    """Token ids (of `token_ids`) that spell the text ("what causes hip pain") as Moonshine writes a sentence: its
    first letter a capital, each word after a SPACE, each word in as few tokens as there are for it (common words:
    one; every byte has a token of its own, so any text is spelt). No punctuation."""
    longest = max(map(len, ids))
    spelt: list[int] = []
    for word in (text[:1].upper() + text[1:]).split():
        data = SPACE + word.encode()
        fewest: list[list[int]] = [[]]
        for end in range(1, len(data) + 1):
            starts = range(max(0, end - longest), end)
            fewest.append(
                min(([*fewest[start], ids[data[start:end]]] for start in starts if data[start:end] in ids), key=len)
            )
        spelt += fewest[-1]
    return spelt


def max_tokens(samples: int) -> int:
    """Decoder steps allowed for this many samples (in float32, as moonshine-cpp computes it)."""
    return math.ceil(np.float32(samples) / np.float32(SAMPLE_RATE) * np.float32(MAX_TOKENS_PER_SECOND))


def onnx_form(model: Path, remake: bool = False) -> bytes:
    """The ORT-format model as an ONNX model that onnxruntime optimises when it loads it. Made once (about half a
    second) and kept in the cache folder; made again at every load when that folder cannot be written, and when
    `remake` says the kept one is damaged."""
    import onnxruntime

    stat = model.stat()
    key = hashlib.sha256(f"{model}\0{stat.st_size}\0{stat.st_mtime_ns}\0{onnxruntime.__version__}".encode())
    folder = onnx_folder()
    target = folder / f"{model.stem}-{key.hexdigest()[:16]}.onnx"
    if not remake:
        with contextlib.suppress(OSError):
            return target.read_bytes()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_unfinished()  # a worker killed from outside left its own; its parent removes those it kills
        data = _converted(model, target)
    except OSError:
        with tempfile.TemporaryDirectory(prefix="voice-skill-moonshine-") as scratch:
            return _converted(model, Path(scratch) / target.name)
    for older in folder.glob(f"{model.stem}-*.onnx"):
        if older != target:
            older.unlink(missing_ok=True)
    return data


def onnx_folder() -> Path:
    """Where the ONNX forms are kept: "moonshine" in the cache folder."""
    return cache_dir() / "moonshine"


def remove_unfinished() -> None:
    """Remove the ONNX forms that workers no longer running had begun to write (killed while loading)."""
    remove_leftovers(onnx_folder())


def _converted(model: Path, target: Path) -> bytes:
    """The ONNX form of the model, written to target through a temporary file beside it."""
    import onnx
    import onnxruntime

    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        temporary.touch()  # an OSError here, not an onnxruntime error on writing
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.optimized_model_filepath = str(temporary)
        onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        graph = onnx.load(str(temporary))
        # onnxruntime writes the graph it loaded as ONNX but leaves the branches of an If node unnamed, which
        # ONNX's checker refuses when the model is loaded back.
        _name_branches(graph.graph)
        data = bytes(graph.SerializeToString())
        temporary.write_bytes(data)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return data


def _name_branches(graph: Any) -> None:
    import onnx

    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                attribute.g.name = attribute.g.name or f"{node.name}.{attribute.name}"
                _name_branches(attribute.g)


class MoonshineModel:
    """Moonshine base English loaded once; `transcribe` takes float32 samples at 16 kHz and gives its sentence."""

    def __init__(self, threads: int = THREADS, domain_words: Collection[str] = (), weight: float = WEIGHT) -> None:
        """domain_words are what a biased decoding leans toward, a complete one by `weight` (`biasing`)."""
        import onnxruntime

        folder = model_folder()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # With more than one thread: waiting threads spin by default, which on 2 busy cores doubled the time.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")

        def session(name: str) -> Any:
            from onnxruntime.capi.onnxruntime_pybind11_state import InvalidGraph, InvalidProtobuf

            try:
                return onnxruntime.InferenceSession(
                    onnx_form(folder / name), options, providers=["CPUExecutionProvider"]
                )
            except (InvalidProtobuf, InvalidGraph):  # the kept ONNX form is damaged
                form = onnx_form(folder / name, remake=True)
                return onnxruntime.InferenceSession(form, options, providers=["CPUExecutionProvider"])

        self._encoder = session("encoder_model.ort")
        self._decoder = session("decoder_model_merged.ort")
        self._tokens = read_tokens(folder / "tokenizer.bin")
        self._ids = token_ids(self._tokens)
        self._outputs = [output.name for output in self._decoder.get_outputs()]
        self._bias = DomainBias(self._tokens, domain_words, weight, self._logits()) if domain_words else None
        self._encoded: OrderedDict[bytes, Any] = OrderedDict()
        """The last ENCODINGS_KEPT samples encoded and their hidden states, the last used last: the likeliest
        sentences, the biased decoding and the sentences scored are asked for on the audio just transcribed."""
        self._encoding = threading.Lock()

    def _hidden(self, samples: Any) -> Any:
        """The encoder's hidden states for the samples (1, frames, 416)."""
        data = samples.tobytes()
        with self._encoding:  # other threads keep the encodings of other samples meanwhile
            if data in self._encoded:
                self._encoded.move_to_end(data)
                return self._encoded[data]
        (hidden,) = self._encoder.run(["last_hidden_state"], {"input_values": samples[np.newaxis]})
        with self._encoding:
            self._encoded[data] = hidden
            while len(self._encoded) > ENCODINGS_KEPT:
                self._encoded.popitem(last=False)
        return hidden

    def _logits(self) -> int:
        """How many tokens the decoder scores (32768: more than the tokenizer's 32000)."""
        return int(self._decoder.get_outputs()[0].shape[-1])

    def transcribe(self, samples: Any, stop: threading.Event | None = None, biased: bool = False) -> str:
        """Moonshine's sentence for the samples ("What is sciatica?"); empty when it hears no words. Once `stop` is
        set, it ends at the next token with the words so far: nobody wants them any more. onnxruntime's sessions
        may run in several threads at once, so one model serves decodings in parallel. `biased` leans it toward
        the domain words the model was given (`biasing`)."""
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if not len(samples):
            return ""
        hidden = self._hidden(samples)
        cache = _empty_cache()
        ids = [START]
        bias = self._bias if biased else None
        state = OUTSIDE
        for step in range(max_tokens(len(samples))):
            results = self._decoder.run(
                self._outputs,
                {
                    "input_ids": np.array([[ids[-1]]], dtype=np.int64),
                    "encoder_hidden_states": hidden,
                    "use_cache_branch": np.array([step > 0]),
                    **cache,
                },
            )
            for name, value in zip(self._outputs[1:], results[1:], strict=True):
                # The encoder's keys and values come from the first step; later steps return none.
                if step == 0 or ".decoder." in name:
                    cache["past_key_values." + name.removeprefix("present.")] = value
            logits = results[0][0, -1]
            if bias is None:
                token = int(np.argmax(logits))
            else:
                # The bonus is in log-probabilities; the logits differ from them by the same amount for every token.
                token = int(np.argmax(logits + bias.bonus(state)))
                state = bias.after(state, token)
            ids.append(token)
            if token == END or (stop is not None and stop.is_set()):
                break
        return token_text(self._tokens, ids)

    def hypotheses(
        self, samples: Any, width: int = BEAM_WIDTH, stop: threading.Event | None = None
    ) -> list[tuple[str, float]]:
        """Moonshine's likeliest sentences for the samples, likeliest first, each with its log-probability (the
        sum over its tokens): a beam search that keeps `width` unfinished token sequences at each step, run
        as one batch through the decoder (the weights, which bound its time, are read once for all of them).
        Sentences spelt alike are given once. Width 1 is `transcribe`'s greedy decoding. Once `stop` is set, it
        ends at the next token, as `transcribe` does."""
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if not len(samples):
            return []
        hidden = self._hidden(samples)
        cache = _empty_cache()
        sequences, scores = [[START]], np.zeros(1)
        finished: list[tuple[float, list[int]]] = []
        for step in range(max_tokens(len(samples))):
            results = self._decoder.run(
                self._outputs,
                {
                    "input_ids": np.array([[sequence[-1]] for sequence in sequences], dtype=np.int64),
                    "encoder_hidden_states": np.repeat(hidden, len(sequences), axis=0),
                    "use_cache_branch": np.array([step > 0]),
                    **cache,
                },
            )
            for name, value in zip(self._outputs[1:], results[1:], strict=True):
                if step == 0 or ".decoder." in name:
                    cache["past_key_values." + name.removeprefix("present.")] = value
            logits = results[0][:, -1].astype(np.float64)
            peak = logits.max(axis=1, keepdims=True)
            totals = scores[:, np.newaxis] + logits - peak - np.log(np.exp(logits - peak).sum(axis=1, keepdims=True))
            flat = totals.ravel()
            # Enough candidates that `width` of them go on even if every beam's likeliest next token is END.
            candidates = np.argpartition(-flat, 2 * width)[: 2 * width]
            parents, kept, kept_scores = [], [], []
            for index in candidates[np.argsort(-flat[candidates], kind="stable")]:
                parent, token = divmod(int(index), totals.shape[1])
                if token == END:
                    finished.append((float(flat[index]), [*sequences[parent], END]))
                else:
                    parents.append(parent)
                    kept.append([*sequences[parent], token])
                    kept_scores.append(float(flat[index]))
                if len(kept) == width:
                    break
            finished.sort(key=lambda ended: -ended[0])
            # Scores only fall as sentences grow: none still going can beat `width` sentences already ended.
            if not kept or (len(finished) >= width and kept_scores[0] <= finished[width - 1][0]):
                break
            if stop is not None and stop.is_set():
                finished += zip(kept_scores, kept, strict=True)
                finished.sort(key=lambda ended: -ended[0])
                break
            order = np.array(parents)
            cache = {name: value[order] for name, value in cache.items()}
            sequences, scores = kept, np.array(kept_scores)
        else:
            finished += zip(scores.tolist(), sequences, strict=True)  # out of steps, as transcribe stops
            finished.sort(key=lambda ended: -ended[0])
        sentences: dict[str, float] = {}
        for score, sequence in finished:
            sentences.setdefault(token_text(self._tokens, sequence), score)
        return list(sentences.items())[:width]

    def log_probabilities(self, samples: Any, sentences: list[str]) -> list[float]:
        """How likely Moonshine finds each sentence for the samples: the sum of the log-probabilities of the tokens that
        spell it (`spelling`) and of END, each given the audio and the tokens before it (teacher forcing). One run of
        the decoder over all the tokens of all the sentences at once, no cache, no search: a few hundredths of a
        second beside the encoder's, which is kept when the samples were just transcribed. -inf for every sentence
        when there are no samples."""
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if not len(samples) or not sentences:
            return [-math.inf] * len(sentences)
        sequences = [[START, *spelling(self._ids, sentence), END] for sentence in sentences]
        hidden = self._hidden(samples)
        longest = max(map(len, sequences))
        # The decoder is causal: END after a shorter sentence's own END changes nothing before it.
        ids = np.array([sequence + [END] * (longest - len(sequence)) for sequence in sequences], dtype=np.int64)
        count = len(sequences)
        (logits,) = self._decoder.run(
            self._outputs[:1],
            {
                "input_ids": ids[:, :-1],
                "encoder_hidden_states": np.repeat(hidden, count, axis=0),
                "use_cache_branch": np.array([False]),
                **{name: np.repeat(empty, count, axis=0) for name, empty in _empty_cache().items()},
            },
        )
        logits = logits.astype(np.float64)
        peak = logits.max(axis=2, keepdims=True)
        log_probabilities = logits - peak - np.log(np.exp(logits - peak).sum(axis=2, keepdims=True))
        return [
            float(log_probabilities[row, np.arange(len(sequence) - 1), sequence[1:]].sum())
            for row, sequence in enumerate(sequences)
        ]


def _empty_cache() -> dict[str, Any]:
    """The decoder's key/value inputs at its first step, which takes the branch without a cache and reads none."""
    empty = np.zeros((1, HEADS, 1, HEAD_SIZE), dtype=np.float32)
    return {
        f"past_key_values.{layer}.{part}.{kind}": empty
        for layer in range(LAYERS)
        for part in ("decoder", "encoder")
        for kind in ("key", "value")
    }

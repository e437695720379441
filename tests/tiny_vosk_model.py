"""A tiny Kaldi/Vosk model that the real vosk library loads and decodes with, written by the tests.

No English Vosk model can be downloaded where the tests run, so this fixture exercises the real Vosk code
path (Model, KaldiRecognizer, grammars, endpointing, SetWords) without recognising speech: each loud
stretch of audio becomes exactly one word, silence becomes nothing.

- Features: 13 MFCCs with --use-energy=true and --dither=0, so c0 is each 25 ms frame's log energy and
  the front end is deterministic.
- Acoustic model (am/final.mdl, Kaldi text format): a transition model with one emitting state per phone
  (a silence phone, then one phone per word) and an nnet3 of one FixedAffineComponent looking only at c0:
  the "speech" output grows with loudness, the "silence" output shrinks.
- Graph: every word is a single phone, so the language-model cost alone picks the word: the default word
  in normal mode, the cheapest word of a runtime grammar in grammar mode (the "lookahead" layout of the
  small Vosk models, graph/HCLr.fst + graph/Gr.fst). The "hclg" layout (graph/HCLG.fst, as in the big
  models) cannot take runtime grammars.

Facts relied on (vosk 0.3.45): a final.mdl not starting with "\\0B" is read as Kaldi text; conf/model.conf
with am/final.mdl selects the current layout; graph words missing from words.txt are dropped from a
grammar with a warning; ivector/ is optional.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

DEFAULT_WORDS = ("hello", "world", "yes", "no", "one", "two", "three", "stop", "[unk]")

_FST_MAGIC = 2125659606
_EXPANDED_AND_MUTABLE = 0x1 | 0x2
_FEATURE_DIM = 13


def make_tiny_vosk_model(
    directory: Path,
    words: tuple[str, ...] | list[str] = DEFAULT_WORDS,
    default_word: str | None = None,
    graph: str = "lookahead",
    threshold: float = 16.0,
    sample_rate: int = 16000,
) -> Path:
    """Write the model into directory and return it.

    threshold is the natural-log energy of a 400-sample frame of 16-bit PCM above which a frame is speech
    (16.0 is an RMS of about 150).
    """
    vocabulary = list(dict.fromkeys(word for word in words if word not in ("<eps>", "#0")))
    default_word = default_word or vocabulary[0]
    if default_word not in vocabulary:
        vocabulary.insert(0, default_word)
    for sub in ("am", "conf", "graph/phones"):
        (directory / sub).mkdir(parents=True, exist_ok=True)

    word_id = {word: i + 1 for i, word in enumerate(vocabulary)}
    phone_of_word = {word: 1 + word_id[word] for word in vocabulary}  # phone 1 is silence
    num_phones = 1 + len(vocabulary)
    (directory / "graph/words.txt").write_text(
        "<eps> 0\n" + "".join(f"{word} {word_id[word]}\n" for word in vocabulary) + f"#0 {len(vocabulary) + 1}\n",
        encoding="utf-8",
    )
    (directory / "graph/phones.txt").write_text(
        "<eps> 0\nSIL 1\n" + "".join(f"P{word_id[word]} {phone_of_word[word]}\n" for word in vocabulary)
    )
    (directory / "graph/phones/word_boundary.int").write_text(
        "1 nonword\n" + "".join(f"{phone_of_word[word]} singleton\n" for word in vocabulary)
    )
    (directory / "am/final.mdl").write_text(_transition_model(num_phones) + _nnet(threshold))
    (directory / "conf/mfcc.conf").write_text(
        f"--sample-frequency={sample_rate}\n--use-energy=true\n--num-ceps={_FEATURE_DIM}\n"
        "--num-mel-bins=23\n--dither=0\n--allow-downsample=true\n"
    )
    (directory / "conf/model.conf").write_text(
        "--min-active=200\n--max-active=3000\n--beam=10.0\n--lattice-beam=2.0\n--acoustic-scale=1.0\n"
        "--frame-subsampling-factor=3\n--endpoint.silence-phones=1\n"
        "--endpoint.rule2.min-trailing-silence=0.5\n--endpoint.rule3.min-trailing-silence=0.75\n"
        "--endpoint.rule4.min-trailing-silence=1.0\n"
    )

    def lm_cost(word: str) -> float:
        # The default word is cheapest, every other word log(V) dearer, so the choice is deterministic.
        return 1.0 if word == default_word else 1.0 + math.log(len(vocabulary) + 1.0)

    def word_loop(word_cost) -> tuple[list[float], list[list[tuple[int, int, float, int]]]]:
        # State 0 starts; state p is "inside phone p" (self-loop, final). Every state enters every phone
        # through its forward transition-id (2p), outputting the phone's word (none for silence).
        entries = [(2 * 1, 0, 0.0, 1)]
        entries += [
            (2 * phone_of_word[word], word_id[word], word_cost(word), phone_of_word[word]) for word in vocabulary
        ]
        arcs: list[list[tuple[int, int, float, int]]] = []
        for state in range(num_phones + 1):
            state_arcs = [(2 * state - 1, 0, 0.0, state)] if state else []
            arcs.append(sorted(state_arcs + entries, key=lambda arc: (arc[1], arc[0])))
        return [0.0] * (num_phones + 1), arcs

    graph_dir = directory / "graph"
    for name in ("HCLG.fst", "HCLr.fst", "Gr.fst", "disambig_tid.int"):
        (graph_dir / name).unlink(missing_ok=True)
    if graph == "hclg":
        _write_fst(graph_dir / "HCLG.fst", *word_loop(lm_cost))
    else:
        _write_fst(graph_dir / "HCLr.fst", *word_loop(lambda word: 0.0))
        grammar_arcs = sorted((word_id[word], word_id[word], lm_cost(word), 0) for word in vocabulary)
        _write_fst(graph_dir / "Gr.fst", [0.0], [grammar_arcs])
        (graph_dir / "disambig_tid.int").write_text(f"{2 * num_phones + 1}\n")
    (directory / "README").write_text(
        f"Tiny test model (graph={graph}): loud audio -> one word (default {default_word!r}), silence -> ''.\n"
    )
    return directory


def _transition_model(num_phones: int) -> str:
    # One emitting state per phone (self-loop 0.5, exit 0.5); silence has pdf 0, every word phone pdf 1.
    lines = [
        "<TransitionModel> ",
        "<Topology> ",
        "<TopologyEntry> ",
        "<ForPhones> ",
        " ".join(str(phone) for phone in range(1, num_phones + 1)),
        "</ForPhones> ",
        "<State> 0 <PdfClass> 0 <Transition> 0 0.5 <Transition> 1 0.5 </State> ",
        "<State> 1 </State> ",
        "</TopologyEntry> ",
        "</Topology> ",
        f"<Triples> {num_phones} ",
    ]
    lines += [f"{phone} 0 {0 if phone == 1 else 1} " for phone in range(1, num_phones + 1)]
    lines += ["</Triples> ", "<LogProbs> ", _vector([0.0] + [math.log(0.5)] * (2 * num_phones)) + " "]
    lines += ["</LogProbs> ", "</TransitionModel> "]
    return "\n".join(lines) + "\n"


def _nnet(threshold: float) -> str:
    linear = [[0.0] * _FEATURE_DIM for _ in range(2)]
    linear[0][0], linear[1][0] = -1.0, 1.0  # silence: louder is worse; speech: louder is better
    rows = "\n".join("  " + " ".join(repr(value) for value in row) for row in linear)
    return (
        "<Nnet3> \n"
        f"input-node name=input dim={_FEATURE_DIM}\n"
        "component-node name=affine component=affine input=input\n"
        "output-node name=output input=affine objective=linear\n\n"
        "<NumComponents> 1 \n"
        f"<ComponentName> affine <FixedAffineComponent> <LinearParams> [\n{rows} ]\n"
        f"<BiasParams> {_vector([threshold, -threshold])}\n"
        "</FixedAffineComponent> \n"
        "</Nnet3> \n"
        "<LeftContext> 0 <RightContext> 0 <Priors> [ ]\n"
    )


def _vector(values: list[float]) -> str:
    return "[ " + " ".join(repr(float(value)) for value in values) + " ]"


def _write_fst(path: Path, finals: list[float], arcs: list[list[tuple[int, int, float, int]]]) -> None:
    """An OpenFst binary VectorFst<StdArc> (file version 2); OpenFst computes the other properties itself."""

    def string(text: str) -> bytes:
        return struct.pack("<i", len(text)) + text.encode()

    out = bytearray(struct.pack("<i", _FST_MAGIC) + string("vector") + string("standard"))
    out += struct.pack("<iiQ", 2, 0, _EXPANDED_AND_MUTABLE)
    out += struct.pack("<qqq", 0, len(finals), sum(map(len, arcs)))
    for state, final in enumerate(finals):
        out += struct.pack("<fq", final, len(arcs[state]))
        for ilabel, olabel, cost, next_state in arcs[state]:
            out += struct.pack("<iifi", ilabel, olabel, cost, next_state)
    path.write_bytes(bytes(out))

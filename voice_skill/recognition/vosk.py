"""The main engine: Vosk (Kaldi) with a model installed on this machine, restricted to the skill by a grammar."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailableError, ModelNotFoundError
from ..models.catalogue import DOWNLOAD_COMMAND
from .language_model import vosk_grammar
from .transcript import Transcript

UNKNOWN = "[unk]"
_SAMPLE_FREQUENCY = re.compile(r"^\s*--sample-frequency\s*=\s*([0-9.]+)", re.MULTILINE)


def model_sample_rate(model: Path) -> int:
    """The rate the model was trained at, from its conf/mfcc.conf (16000 when it does not say)."""
    for conf in (model / "conf" / "mfcc.conf", model / "mfcc.conf"):
        try:
            found = _SAMPLE_FREQUENCY.search(conf.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if found:
            return int(float(found.group(1)))
    return 16000


def supports_grammar(model: Path) -> bool:
    """Only models with a lookahead graph (HCLr.fst + Gr.fst, the small ones) build grammars at run time."""
    graph = model / "graph"
    return not (graph / "HCLG.fst").is_file() and (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()


_KALDI_SILENT = -3
"""Vosk's log level below Kaldi's errors (-2): Kaldi prints to stderr, even "ERROR (VoskAPI:Model()…)" for a
broken model, which the user gets as our one line instead."""


class VoskRecogniser:
    """Vosk's KaldiRecognizer behind the Recogniser interface; Kaldi's own endpointing ends utterances."""

    name = "vosk"

    def __init__(self, model: Path, sentences: Sequence[str] = (), *, open_vocabulary: bool = False) -> None:
        """model: a Vosk model folder (`models.store.find_model` finds one). The recogniser is restricted to
        the sentences when the model can build a grammar at run time, unless open_vocabulary."""
        try:
            import vosk
        except ImportError as error:
            raise EngineUnavailableError(
                f"the vosk package cannot be loaded ({error}); reinstall voice-skill"
            ) from None
        if not sentences and not open_vocabulary:
            raise ValueError("a Vosk recogniser needs the skill's sentences, or open_vocabulary=True")
        self.model_path = model
        vosk.SetLogLevel(_KALDI_SILENT)
        try:
            self._model = vosk.Model(str(self.model_path))
        except Exception as error:  # vosk raises a bare Exception when Kaldi cannot read the model.
            raise ModelNotFoundError(
                f"the Vosk model at {self.model_path} cannot be loaded ({error}); "
                f"install it again with: {DOWNLOAD_COMMAND}"
            ) from None
        self.sample_rate = model_sample_rate(self.model_path)
        self.grammar: str | None = None
        if not open_vocabulary and supports_grammar(self.model_path):
            self.grammar = vosk_grammar(sentences, known=lambda word: self._model.vosk_model_find_word(word) >= 0)
        restriction = (
            f"grammar of {len(json.loads(self.grammar)) - 1} skill sentences" if self.grammar else "open vocabulary"
        )
        self.description = f"Vosk with model {self.model_path.name} ({restriction})"
        self._recogniser = self._new_recogniser()

    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed PCM; a transcript comes back when Kaldi's endpointing hears the utterance end with words in it."""
        if not self._recogniser.AcceptWaveform(pcm):
            return None
        transcript = self._transcript(self._recogniser.Result())
        return transcript if transcript.text else None

    def partial(self) -> str:
        """The words of the utterance so far."""
        partial = json.loads(self._recogniser.PartialResult()).get("partial", "")
        return _without_unknown(partial)

    def finish(self) -> Transcript:
        """End of audio: the transcript of what is pending; the recogniser is ready for a new stream."""
        transcript = self._transcript(self._recogniser.FinalResult())
        self._recogniser.Reset()
        return transcript

    def _new_recogniser(self) -> Any:
        import vosk

        if self.grammar:
            recogniser = vosk.KaldiRecognizer(self._model, self.sample_rate, self.grammar)
        else:
            recogniser = vosk.KaldiRecognizer(self._model, self.sample_rate)
        recogniser.SetWords(True)
        return recogniser

    def _transcript(self, result_json: str) -> Transcript:
        return parse_result(result_json, self.name)


def parse_result(result_json: str, engine: str = "vosk") -> Transcript:
    """A Transcript from Vosk's Result()/FinalResult() JSON (with SetWords(True)).

    "[unk]" (speech outside the grammar) is left out of the text but counts as a word of confidence 0,
    so out-of-grammar speech lowers asr_confidence.
    """
    result = json.loads(result_json)
    words = result.get("result") or []
    text = _without_unknown(result.get("text", ""))
    confidences = [0.0 if word.get("word") == UNKNOWN else float(word.get("conf", 0.0)) for word in words]
    confidence = sum(confidences) / len(confidences) if confidences else None
    return Transcript(
        text, engine=engine, asr_confidence=None if confidence is None else min(max(confidence, 0.0), 1.0)
    )


def _without_unknown(text: str) -> str:
    return " ".join(word for word in text.split() if word != UNKNOWN)

"""The bundled engine: pocketsphinx's English acoustic model, restricted to the skill's sentences."""

from __future__ import annotations

from collections.abc import Sequence

from .language_model import LM_KINDS, pocketsphinx_model
from .transcript import Transcript

VAD_WINDOW = 0.3
"""Seconds of audio the voice-activity detector decides over: short enough to catch a one-word "stop"."""

END_OF_QUESTION = 0.5
"""Seconds of non-speech, after the detector's own window, that end a question (pauses between words are shorter)."""

TOP_GAUSSIANS = 8
"""Gaussians scored per frame (pocketsphinx's default is 4). Measured on eSpeak NG voices: topic accuracy
+1 to +8 points per voice, the most on voices least like the model's training speakers, for ~15% more time."""

# pocketsphinx's own markers for silence and noise, never words of a transcript.
_NON_WORDS = {"<s>", "</s>", "<sil>", "[noise]", "[speech]", "[breath]", "[cough]", "[laugh]", "[um]", "[uh]"}


class PocketsphinxRecogniser:
    """Endpointing with pocketsphinx's voice-activity Endpointer, decoding with the skill's language model."""

    name = "pocketsphinx"
    sample_rate = 16000

    def __init__(self, sentences: Sequence[str] = (), kind: str | None = None) -> None:
        """Restricted to the sentences (the loaded skill's) by a model of kind: one of LM_KINDS (default the
        first), or "generic" for pocketsphinx's own open-vocabulary model, which needs no sentences."""
        from pocketsphinx import Decoder, Endpointer

        kind = kind or LM_KINDS[0]
        self.kind = kind
        if kind == "generic":
            self._decoder = Decoder(loglevel="FATAL", topn=TOP_GAUSSIANS)
            self.description = "pocketsphinx (bundled US English model, its generic open-vocabulary language model)"
        else:
            if not sentences:
                raise ValueError("a restricted pocketsphinx recogniser needs the skill's sentences")
            model = pocketsphinx_model(list(sentences), kind)
            restriction = {"jsgf": str(model.path)} if kind == "jsgf" else {"lm": str(model.path)}
            try:
                self._decoder = Decoder(dict=str(model.dictionary), loglevel="FATAL", topn=TOP_GAUSSIANS, **restriction)
            finally:
                model.discard()  # the decoder has read the files it needs
            self.description = (
                f"pocketsphinx (bundled US English model, restricted by a {kind} model of the skill's "
                f"{len(set(sentences))} example sentences)"
            )
        self._endpointer = Endpointer(window=VAD_WINDOW, ratio=0.9, sample_rate=self.sample_rate)
        self._pending = b""
        self._in_utterance = False
        self._silent_for = 0.0

    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed PCM; a transcript with words comes back once the speaker has paused for END_OF_QUESTION seconds."""
        self._pending += pcm
        frame_bytes = self._endpointer.frame_bytes
        final = None
        while len(self._pending) >= frame_bytes:
            frame, self._pending = self._pending[:frame_bytes], self._pending[frame_bytes:]
            speech = self._endpointer.process(frame)
            if speech is not None:
                self._decode(speech)
            elif self._in_utterance and not self._endpointer.in_speech:
                self._silent_for += self._endpointer.frame_length
                if self._silent_for >= END_OF_QUESTION:
                    transcript = self._end_utterance()
                    # A burst of noise the detector took for speech, with no words in it, is no utterance.
                    final = transcript if transcript.text else final
        return final

    def partial(self) -> str:
        """Words decoded so far in the current utterance."""
        if not self._in_utterance:
            return ""
        hypothesis = self._decoder.hyp()
        return _words(hypothesis.hypstr) if hypothesis else ""

    def finish(self) -> Transcript:
        """End of audio: decode what is left and reset for the next stream."""
        from pocketsphinx import Endpointer

        if self._endpointer.in_speech:
            # end_stream refuses an empty buffer; one silent sample stands in for it.
            speech = self._endpointer.end_stream(self._pending or bytes(2))
            if speech:
                self._decode(speech)
        self._pending = b""
        transcript = self._end_utterance() if self._in_utterance else Transcript("", engine=self.name)
        self._endpointer = Endpointer(window=VAD_WINDOW, ratio=0.9, sample_rate=self.sample_rate)
        return transcript

    def _decode(self, speech: bytes) -> None:
        if not self._in_utterance:
            self._decoder.start_utt()
            self._in_utterance = True
        self._decoder.process_raw(speech)
        self._silent_for = 0.0

    def _end_utterance(self) -> Transcript:
        self._decoder.end_utt()
        self._in_utterance = False
        hypothesis = self._decoder.hyp()
        text = _words(hypothesis.hypstr) if hypothesis else ""
        return Transcript(text, engine=self.name, asr_confidence=self._confidence() if text else None)

    def _confidence(self) -> float | None:
        """Mean posterior probability of the words in the word lattice, 0..1.

        A grammar's lattice holds no competing words, so its posteriors say nothing: None then.
        """
        if self.kind == "jsgf":
            return None
        # The binding gives posteriors already as probabilities (rounding can push them just past 1).
        posteriors = [
            min(max(segment.prob, 0.0), 1.0)
            for segment in self._decoder.seg()
            if segment.word.lower() not in _NON_WORDS
        ]
        return sum(posteriors) / len(posteriors) if posteriors else None


def _words(hypothesis: str) -> str:
    return " ".join(word.split("(", 1)[0] for word in hypothesis.split() if word.lower() not in _NON_WORDS)

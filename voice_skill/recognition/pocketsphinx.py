"""The bundled engine: pocketsphinx's English acoustic model, restricted to the skill's sentences."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .language_model import LM_KINDS, PARAPHRASE_WEIGHT, pocketsphinx_model
from .transcript import Transcript

SPEECH_CEPSTRAL_MEAN = "61.0,3.3,-0.8,21.7,-15.8,1.1,-11.2,-10.6,-4.4,-3.6,2.9,-3.0,-1.0"
"""The cepstral mean every stream starts from: the mean of speech, measured on the dev split's spoken
paraphrases (one neural and five eSpeak NG voices). pocketsphinx starts from "40,3,-1,0,..." and only moves
its mean at the end of an utterance, so a first question was decoded against the mean of no speech at all:
held-out paraphrases each in a fresh process got 8-27% per eSpeak NG voice, the same files late in a batch
25-50%; from this mean, fresh, 21-48%, as good as in a batch. Later utterances of a stream adapt from it."""

TOP_GAUSSIANS = 16
"""Gaussians scored per frame (pocketsphinx's default is 4). Measured on eSpeak NG voices: 8 against 4, topic
accuracy +1 to +8 points per voice, the most on voices least like the model's training speakers, for ~15% more
time. 16 against 8, on the dev split's spoken paraphrases (6 voices, 48 each, and eSpeak NG en-us at its default
rate): pocketsphinx alone 150 -> 155 of 288 right (en-gb 18 -> 21, slow 26 -> 28), en-us 22 -> 24 of 48; the
default engine with its second opinion 272 -> 273 of 336 (Moonshine mostly hears what pocketsphinx gained), real
off-topic recordings refused 52 of 53 either way; about 23% more of pocketsphinx's CPU time (real-time factor 0.15
-> 0.19 with the endpointer). Fewer Gaussians lost "pain in my" in eSpeak NG's en-us at its default rate ("what
causes pain in my hip" heard "what causes the do"), the question a new user tries first, where Moonshine hears
"cube" for "hip"."""

# pocketsphinx's own markers for silence and noise, never words of a transcript.
_NON_WORDS = {"<s>", "</s>", "<sil>", "[noise]", "[speech]", "[breath]", "[cough]", "[laugh]", "[um]", "[uh]"}


class PocketsphinxRecogniser:
    """Endpointing by Silero VAD (`audio.endpointer`), decoding with the skill's language model.

    Each stream (a file of `ask --audio`, a `listen` session) starts from SPEECH_CEPSTRAL_MEAN, so a file
    gets the same words alone, in a batch or after noise. Within a stream the mean adapts to the voice and
    the room after each utterance, except after one that held no words or was not speech
    (`forget_utterance`): noise or music never drags it."""

    name = "pocketsphinx"
    sample_rate = 16000

    def __init__(self, sentences: Sequence[str] = (), kind: str | None = None, paraphrases: Sequence[str] = ()) -> None:
        """Restricted to the sentences (the loaded skill's) by a model of kind: one of LM_KINDS (default the
        first), or "generic" for pocketsphinx's own open-vocabulary model, which needs no sentences. An n-gram
        model also learns the paraphrases (the loaded skill's people's own wording), PARAPHRASE_WEIGHT times each."""
        from pocketsphinx import Decoder

        from ..audio.endpointer import Endpointer

        kind = kind or LM_KINDS[0]
        self.kind = kind
        if kind == "generic":
            self._decoder = Decoder(loglevel="FATAL", topn=TOP_GAUSSIANS)
            self.description = "pocketsphinx (bundled US English model, its generic open-vocabulary language model)"
        else:
            if not sentences:
                raise ValueError("a restricted pocketsphinx recogniser needs the skill's sentences")
            model = pocketsphinx_model(
                list(sentences), kind, paraphrases=list(paraphrases), paraphrase_weight=PARAPHRASE_WEIGHT
            )
            restriction = {"jsgf": str(model.path)} if kind == "jsgf" else {"lm": str(model.path)}
            try:
                self._decoder = Decoder(dict=str(model.dictionary), loglevel="FATAL", topn=TOP_GAUSSIANS, **restriction)
            finally:
                model.discard()  # the decoder has read the files it needs
            self.description = (
                f"pocketsphinx (bundled US English model, restricted by a {kind} model of the skill's "
                f"{len(set(sentences))} example sentences)"
            )
        self._decoder.set_cmn(SPEECH_CEPSTRAL_MEAN)
        self._mean_before = SPEECH_CEPSTRAL_MEAN
        self._endpointer = Endpointer()
        self._in_utterance = False
        self._utterance = bytearray()
        self._quiet = 0
        self.last_utterance = b""
        """The PCM of the last utterance decoded, for a second opinion on it."""
        self.last_quiet = 0
        """Bytes at the end of last_utterance after its speech ended (the endpointer's wait for more speech)."""

    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed PCM; a transcript with words comes back once the speaker has paused (audio.endpointer.END_SILENCE)."""
        final = None
        for segment in self._endpointer.process(pcm):
            self._decode(segment.speech)
            self._quiet = segment.quiet
            if segment.ended:
                transcript = self._end_utterance()
                # A burst of noise the detector took for speech, with no words in it, is no utterance.
                final = transcript if transcript.text else final
        return final

    def partial(self) -> str:
        """Words decoded so far in the current utterance."""
        if not self._in_utterance:
            return ""
        hypothesis = self._decoder.hyp()
        return hypothesis_words(hypothesis.hypstr) if hypothesis else ""

    def finish(self) -> Transcript:
        """End of audio: decode what is left, and start the next stream afresh (from SPEECH_CEPSTRAL_MEAN)."""
        rest = self._endpointer.flush()
        if rest:
            self._decode(rest)
            # A part-chunk the detector never judged: quiet if the speech had already stopped before it.
            self._quiet += len(rest) if self._quiet else 0
        transcript = self._end_utterance() if self._in_utterance else Transcript("", engine=self.name)
        self._start_afresh()
        self._mean_before = SPEECH_CEPSTRAL_MEAN
        return transcript

    def _start_afresh(self) -> None:
        """Besides the cepstral mean, the decoder keeps state from frame to frame (the Gaussians it scored last,
        the noise estimate): reinitialising it (about 50 ms) makes the next file decode as in a fresh process.
        That re-reads the model files; a temporary model (the cache could not be written) is gone by now, and
        then only the feature extraction is reset, which is nearly the same."""
        files = [self._decoder.config[key] for key in ("lm", "jsgf", "dict")]
        if all(Path(file).is_file() for file in files if file):
            self._decoder.reinit()
        else:
            self._decoder.reinit_feat()
        self._decoder.set_cmn(SPEECH_CEPSTRAL_MEAN)

    @property
    def quiet_so_far(self) -> int:
        """Bytes of the utterance in progress after its speech stopped: 0 while speaking and between utterances."""
        return self._quiet if self._in_utterance else 0

    def utterance_so_far(self) -> tuple[bytes, int]:
        """The PCM of the utterance in progress (empty between utterances), and how many bytes at its end lie
        after the speech stopped: once the endpointer's wait is over these are last_utterance and last_quiet."""
        if not self._in_utterance:
            return b"", 0
        return bytes(self._utterance), self._quiet

    def forget_utterance(self) -> None:
        """The last utterance was not speech (the screen said so): undo what it taught the cepstral mean."""
        self._decoder.set_cmn(self._mean_before)

    def _decode(self, speech: bytes) -> None:
        if not self._in_utterance:
            self._mean_before = self._decoder.get_cmn(False)
            self._decoder.start_utt()
            self._in_utterance = True
        self._decoder.process_raw(speech)
        self._utterance += speech

    def _end_utterance(self) -> Transcript:
        self._decoder.end_utt()
        self._in_utterance = False
        self.last_utterance, self._utterance = bytes(self._utterance), bytearray()
        self.last_quiet, self._quiet = self._quiet, 0
        hypothesis = self._decoder.hyp()
        text = hypothesis_words(hypothesis.hypstr) if hypothesis else ""
        if not text:
            self.forget_utterance()
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


def hypothesis_words(hypothesis: str) -> str:
    """Pocketsphinx's hypothesis as plain words: fillers and silences dropped, alternative pronunciations
    ("read(2)") named by their word."""
    return " ".join(word.split("(", 1)[0] for word in hypothesis.split() if word.lower() not in _NON_WORDS)

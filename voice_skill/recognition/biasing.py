"""Moonshine's decoding leaned toward the skill's domain words (contextual biasing by shallow fusion).

In robotic voices Moonshine turns a domain word it half hears into another English word ("buttock" into
"mother", "hip" into "cape"), though the domain word was often among its likely tokens. At each step of the
decoding, a token that spells the start or the next letters of a domain word gets a bonus, in log-probability;
once the word ends, or goes on, without having become a domain word, the bonus its letters got is taken back,
so a partly boosted word that turns into another word ("hi" into "high") gains nothing in the end.

The domain words are a trie over their letters. Each node holds what a word spelt that far has been given:
`weight` times the share of the shortest domain word through it that is spelt (its potential), so that every
domain word, long or short and however the tokens cut it, gains `weight` once complete ("training" as much as
"hip"), and a token gets the difference between the node it leads to and the node it leaves. For each node,
the tokens that lead on from it are found once, so a decoding step adds a few arrays (at most about 15 µs, against
milliseconds for the decoder's step): over 4 runs of 20 dev utterances, plain and biased decodings interleaved on
the shared machine, a biased greedy decoding took 0.995 to 1.012 times the CPU time of a plain one.

Shallow fusion with a prefix trie and the bonus cancelled on failure, as in "Shallow-fusion end-to-end contextual
biasing" (Zhao et al., Interspeech 2019) and the context graphs of k2/icefall.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

SPACE = "\u2581".encode()
"""How a Moonshine token's bytes spell a space (SentencePiece's "lower one eighth block"): a token that starts
with it starts a word."""

OUTSIDE = -1
"""The state of a decoding whose word so far is no start of a domain word: nothing to give or take back."""

ROOT = 0

WEIGHT = 4.0
"""The bonus of a complete domain word, in log-probability. Chosen on the dev split's spoken paraphrases (48 a voice,
6 voices; pocketsphinx's words kept from one decoding of each file, SecondOpinionRecogniser run on them with
Moonshine decoding in process), the biased decoding tried before the other speeds (`moonshine.DomainWords`, its
words taken only where they sound like the plain ones): without it 80.9% right, with a weight of 3 82.3%, 4 83.0%,
6 82.6% (no question worse at 4); tried after the speeds, as it is, 83.0% at 4 too. Without the sound check 83.3% at
4 and 81.9% at 8, but 2 of the 53 real off-topic recordings answered. Spoken off-topic questions refused 72 of 96
and the real off-topic recordings 52 of 53 with and without it, at 4 and 6. A bonus the same for every letter
instead favoured long words: at 2.5 a letter, robotic voices' questions became "training training training ..."."""


class DomainBias:
    """The bonus of every token at every point of a decoding, for the domain words; a decoding's state is a node
    of their trie (ROOT, or OUTSIDE of it).

    `tokens` are the tokenizer's bytes of each id (`moonshine_model.read_tokens`), `size` the decoder's count of
    logits (32768 for 32000 tokens)."""

    def __init__(self, tokens: list[bytes], words: Iterable[str], weight: float, size: int | None = None) -> None:
        children: list[dict[str, int]] = [{}]
        depth = [0]
        shortest = [0]
        """The letters of the shortest domain word through each node."""
        domain = sorted({word.lower() for word in words if word.isascii() and word.isalpha()}, key=len, reverse=True)
        for word in domain:
            node = 0
            for letter in word:
                if letter not in children[node]:
                    children[node][letter] = len(children)
                    children.append({})
                    depth.append(depth[node] + 1)
                    shortest.append(len(word))
                node = children[node][letter]
                shortest[node] = len(word)  # the words come longest first
        self._complete = [node != ROOT and depth[node] == shortest[node] for node in range(len(children))]
        self._potential = np.array([weight * d / s if s else 0.0 for d, s in zip(depth, shortest, strict=True)])
        starting: dict[str, list[int]] = {}
        going_on: dict[str, list[int]] = {}
        self._goes_on = np.zeros(size or len(tokens), dtype=np.float32)
        """1 for the tokens that go on with the word before them (letters without a space)."""
        for token, piece in enumerate(tokens):
            if piece.startswith(SPACE):
                starting.setdefault(piece[len(SPACE) :].decode("utf-8", "replace").lower(), []).append(token)
            elif piece[:1].isalpha():
                going_on.setdefault(piece.decode("utf-8", "replace").lower(), []).append(token)
                self._goes_on[token] = 1.0
        self._spaces = frozenset(starting.get("", ()))
        """Tokens that are only a space: a new word, no letters yet."""
        self._next = [self._leading(children, node, going_on) for node in range(len(children))]
        self._start = self._leading(children, ROOT, starting)

    def _leading(
        self, children: list[dict[str, int]], node: int, spelling: dict[str, list[int]]
    ) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
        """The tokens (of `spelling`: their letters and ids) that lead from the node to another in the trie, the
        bonus each gets there (the potential gained) and the node each leads to."""
        ids, targets = [], []
        stack = [("", node)]
        while stack:
            text, at = stack.pop()
            for letter, child in children[at].items():
                for token in spelling.get(text + letter, ()):
                    ids.append(token)
                    targets.append(child)
                stack.append((text + letter, child))
        gained = self._potential[targets] - self._potential[node] if targets else np.zeros(0)
        return np.array(ids, dtype=np.int64), gained.astype(np.float32), dict(zip(ids, targets, strict=True))

    def bonus(self, state: int) -> np.ndarray:
        """What each token adds to the log-probabilities of a decoding's next token in this state."""
        bonus = np.zeros(len(self._goes_on), dtype=np.float32)
        if state != OUTSIDE:
            given = self._potential[state]
            # Every token that leaves the word takes its bonus back: all of them when it is no domain word yet,
            # only those that go on spelling another word when it is one.
            bonus -= given * (self._goes_on if self._complete[state] else 1.0)
            ids, gained, _ = self._next[state]
            bonus[ids] += given + gained
        ids, gained, _ = self._start
        bonus[ids] += gained
        return bonus

    def after(self, state: int, token: int) -> int:
        """The state once `token` is decoded in `state`."""
        if state != OUTSIDE and token in self._next[state][2]:
            return self._next[state][2][token]
        if token in self._start[2]:
            return self._start[2][token]
        return ROOT if token in self._spaces else OUTSIDE

"""The matcher's cutoffs and weights, in one place: every number a decision rule uses has a name here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Cutoffs and weights, calibrated on the dev splits (benchmarks/matching_accuracy.py reports test)."""

    accept: float = 60.0
    """Least topic score (0..100) for a medical topic whose own keyword was said."""

    accept_without_keyword: float = 70.0
    """Least topic score when the utterance holds no keyword of that topic."""

    accept_without_domain: float = 92.0
    """Without a domain word, only a near-verbatim example is accepted ("should i see a doctor")."""

    words_weight: float = 0.6
    """Share of the word-coverage score in a topic's score; the rest is letter similarity."""

    keyword_bonus: float = 5.0
    """Added to a topic's score when the utterance holds one of its keywords."""

    margin: float = 2.0
    """Below this gap between the two best topics, the skill asks which one was meant."""

    margin_when_both_named: float = 16.0
    """The wider gap used when the utterance names both topics ("sciatica or a slipped disc")."""

    meta: float = 70.0
    """Least score for help, repeat, stop and follow-ups, which carry no domain words."""

    meta_one_word: float = 85.0
    """Least score for a set phrase said in one word: a misspelling of one ("stpo"), not another word that shares
    most of its letters ("right" is not "night", "alright" not "goodnight")."""

    unknown_word_penalty: float = 10.0
    """Raises the meta cutoff when the utterance holds a word no example knows ("what is gout")."""

    aspect: float = 0.2
    """Least share of the utterance that an aspect's cue words must explain ("what medicine ...")."""

    semantic: bool = True
    """Consult the sentence encoder (matching/semantic.py) where the words alone would refuse or ask back."""

    semantic_accept: float = 0.70
    """Least cosine similarity of the closest example in meaning to overrule a refusal of a question that
    holds a word of the domain."""

    semantic_accept_without_domain: float = 0.80
    """The same for a question without any word of the domain: only a near paraphrase may be answered."""

    semantic_agree: float = 0.55
    """Least cosine similarity of the closest example in meaning when it belongs to the topic the words rank
    first: two opinions agreeing overrule a refusal of a question that holds a word of the domain."""

    semantic_agree_without_domain: float = 0.75
    """The same for a question without any word of the domain."""

    agree_words: float = 60.0
    """Least topic score by words for the closest example in meaning to agree with it; below, the words
    barely know the topic ("the disc won't play in my dvd player")."""

    semantic_topic: float = 0.5
    """Least probability the topic model (matching/semantic.py) gives a topic to overrule a refusal of a question
    whose words the skill knows."""

    semantic_topic_near: float = 0.5
    """Least cosine similarity of that topic's closest example, for a question that holds a word of the domain:
    the topic model is sure only among the questions it was trained for."""

    semantic_topic_near_without_domain: float = 0.6
    """The same for a question without any word of the domain."""

    reconsider_margin: float = 10.0
    """Below this gap between the topic the words chose and the next one, the meaning is asked too. 20 (with
    reconsider_similarity 0.80) gained 2 of 1393 dev questions in 5-fold cross-validation, but it asks the encoder
    about questions the words answer plainly, and with topics of the user's own the encoder's first question builds
    every example's vector (about 30 s): "what is hip bursitis", a topic added by the user, then timed out in the
    Wyoming server."""

    reconsider_similarity: float = 0.85
    """Least cosine similarity of the closest example or paraphrase in meaning, of another topic, to change the
    words' choice."""

    reconsider_probability: float = 0.60
    """Least probability the topic model gives that other topic to change the words' choice."""

    semantic_choose: float = 0.70
    """Least cosine similarity of the closest example in meaning to choose between two close topics."""

    semantic_topic_choose: float = 0.80
    """Least probability the topic model gives one of two close topics to choose it when no example is that close
    (5-fold cross-validation within dev: 0.6 and 0.8 answered one more question, as many refused; 0.8 the surer).
    From it, too, the topic model outweighs a single closest example of another topic that the words do not rank
    first ("dull ache in my bum cheek that comes and goes": nearest a sitting example, the model 0.89 for hip pain
    in general)."""

    semantic_examples: int = 40
    """Examples per intent given to the encoder, spread over the intent's expanded templates."""

    aspect_phrase_words: int = 3
    """A follow-up phrase of at least this many words inside a question names its aspect ("... what do i do")."""

    aspect_example: float = 80.0
    """An aspect's own example at least this close (and closer than the topic's) names the aspect."""

    aspect_example_margin: float = 3.0
    """How much closer than the topic's own example an aspect's must be to name the aspect: a question differs from
    an aspect's example most often by the very words that ask ("what causes buttock pain" against "what helps
    buttock pain"), so a hair's breadth in letters is no answer to which aspect is asked (dev unchanged in
    accuracy; MedQuAD-style "what causes buttock pain" no longer gets the treatment answer)."""

    trigger: float = 88.0
    """Least similarity for an urgent warning-sign phrase anywhere in the utterance."""

    fuzzy_trigger_letters: int = 12
    """Shorter warning-sign phrases ("fever") must be said as they are: fuzzily, "ever" would be one."""

    fuzzy_triggers_tried: int = 5
    """The most warning-sign phrases whose whole words are checked after the fuzzy search."""

    out_of_scope_lead: float = 4.0
    """An out-of-scope example this much closer than the best topic wins."""

    example_floor: float = 30.0
    """Letter similarity below which an intent's examples count as not resembling the utterance at all."""

    misheard: float = 85.0
    """Least sound-alike similarity for a strange word to be taken as a misheard vocabulary word."""

    misheard_letters: int = 6
    """Shorter words are never taken for misheard vocabulary words: too many short words sound alike."""

    question_words: int = 2
    """Fewer content words than this, and none a topic's keyword, are not a question ("hip")."""

    set_phrase_words: int = 3
    """At most this many content words, all a set phrase's own, mean that phrase ("list of topics")."""

    topic_name_letters: int = 4
    """A reply to "Do you mean A, or B?" shorter than this is not compared with the topics' names."""

    alternatives: int = 3
    """Other topics reported beside the best one."""

    refusal_scale: float = 200.0
    """A refusal's confidence is 1 - best topic score / this: from 1.0 (nothing close) to 0.5 (a perfect score)."""

"""Matching an utterance to an intent: normalised text (`text`), an index precomputed from the topics
(`index`), and the decision rules with their calibrated numbers (`matcher`, `thresholds`)."""

"""Speech to text: the recogniser interface and factory (`recogniser`), the engines (`vosk`, `pocketsphinx`),
the language models that restrict them to the skill's sentences, and the speech screen (`screening`)."""

"""Speaking answers: voices (`voices`), text to WAV in a worker process (`synthesiser`, `worker`), the sound
card (`output`), and the background speaker the front ends use (`speaker`, built by `open_speaker`)."""

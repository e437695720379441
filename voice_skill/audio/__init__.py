"""Where the audio comes from: files (`source`), the microphone (`microphone`), and whether it holds
speech at all (`speech_detector`)."""

"""The skill's topics: typed data (`model`) loaded and validated from `intents/*.yaml` (`loader`)."""

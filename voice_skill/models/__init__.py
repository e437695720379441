"""Vosk speech models on disk: the catalogue and where models live (`store`), fetching (`download`),
unpacking safely (`archive`) and showing progress (`progress`)."""

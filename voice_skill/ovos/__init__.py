"""The OpenVoiceOS front end: the skill as an installed OVOS fallback skill (`pip install voice-skill[ovos]`).

Importing this package imports nothing of OVOS; `voice_skill.ovos.skill` does, and only OVOS loads it.
"""

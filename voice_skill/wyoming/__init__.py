"""The Wyoming front end: the skill as a conversation agent, speech recogniser and voice for Home Assistant's
Assist and Rhasspy 3, over the Wyoming protocol (`voice-skill serve`).

Nothing here is imported by the command line's other commands: the `wyoming` package loads only when serving.
"""

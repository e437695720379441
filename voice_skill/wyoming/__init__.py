"""The Wyoming front end: the skill as a conversation agent, speech recogniser and voice for Home Assistant's
Assist and Rhasspy 3, over the Wyoming protocol (`voice-skill serve`).

Only the two defaults below are imported by the command line's parser: the server, and the `wyoming` package,
load only when serving, so the other commands start as fast as before.
"""

DEFAULT_URI = "tcp://0.0.0.0:10700"
"""10700 is the port Home Assistant's Wyoming integration suggests for a conversation agent."""

DEFAULT_ZEROCONF_NAME = "voice-skill"
"""The service name Home Assistant shows when it discovers the server; zeroconf renames it on a clash."""

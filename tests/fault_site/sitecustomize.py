"""Loaded by every Python process of a fault test (tests/faults.py puts this folder on PYTHONPATH).

$VOICE_SKILL_TEST_KILL_BEFORE_MOVING = "SIGNAL:TEXT": just before a path holding TEXT is moved into place
(os.replace or os.rename, which pathlib also uses), the process sends itself SIGNAL, as if it had been
killed at the worst moment: the temporary file or folder is complete but not yet where it belongs.
"""

import os
import signal

_fault = os.environ.get("VOICE_SKILL_TEST_KILL_BEFORE_MOVING", "")
if _fault:
    _signal_name, _, _text = _fault.partition(":")
    _signal = signal.Signals[_signal_name]

    def _killing(move):
        def moved(source, target, *args, **kwargs):
            if _text in os.fsdecode(source):
                os.kill(os.getpid(), _signal)
            return move(source, target, *args, **kwargs)

        return moved

    os.replace = _killing(os.replace)
    os.rename = _killing(os.rename)

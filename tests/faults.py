"""Fault injection for command-line tests: the real `voice-skill` run against a hostile machine.

- Standard streams: output to a full disk (`/dev/full`), standard input or output closed, input from any file.
- User folders: read-only, unreadable, or a file where a folder should be. As root, the command runs without
  the capabilities that let root ignore permission bits, so a read-only folder is read-only for it too.
- Killed mid-write: the process sends itself a signal just before it moves a finished temporary file or
  folder into place (the last moment a kill leaves something behind), through `fault_site/sitecustomize.py`.
- Memory and files: the peak resident memory of the command (from the kernel, at exit) is reported, and a
  cap on its address space keeps a runaway from taking the machine down with it.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from conftest import console_script

FAULT_SITE = Path(__file__).with_name("fault_site")
KILL_VARIABLE = "VOICE_SKILL_TEST_KILL_BEFORE_MOVING"
"""Read by fault_site/sitecustomize.py: "SIGNAL:TEXT" sends SIGNAL when a path holding TEXT is moved into place."""

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2

MIB = 1024 * 1024


@dataclass
class Outcome:
    """What the command did."""

    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    """Peak resident memory in bytes."""
    timed_out: bool = False
    """The command was still running at the timeout and was killed."""

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


def run(
    *args: str,
    stdin: bytes | str | Path | IO[bytes] | None = b"",
    stdout: str = "pipe",
    env: dict[str, str | None] | None = None,
    kill: tuple[signal.Signals, str] | None = None,
    memory_limit: int | None = 2048 * MIB,
    timeout: float = 120,
    cwd: Path | None = None,
) -> Outcome:
    """Run `voice-skill ARGS` with faults.

    stdin: bytes or text to feed, a path or open file to read from, or "closed".
    stdout: "pipe" (captured), "full" (/dev/full: every write fails with "no space left"), or "closed".
    env: variables to set (None removes one) on top of the test's environment.
    kill: (signal, text): the command signals itself just before moving a path holding text into place.
    memory_limit: cap on the address space, in bytes (a runaway fails fast instead of swapping).
    timeout: seconds before the command is killed; the outcome then says timed_out.
    """
    environment = os.environ.copy()
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    if kill is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAULT_SITE), environment.get("PYTHONPATH")]))
        environment[KILL_VARIABLE] = f"{kill[0].name}:{kill[1]}"

    with _opened_stdin(stdin) as (stdin_spec, feed), _opened_stdout(stdout) as stdout_spec:
        closing = [fd for fd, spec in ((0, stdin_spec), (1, stdout_spec)) if spec == "closed"]

        def prepare_child() -> None:
            _as_an_ordinary_user()
            if memory_limit is not None:
                resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
            for fd in closing:
                os.close(fd)

        process = subprocess.Popen(
            console_script() + list(args),
            stdin=subprocess.PIPE if feed is not None else (None if stdin_spec == "closed" else stdin_spec),
            stdout=None if stdout_spec == "closed" else stdout_spec,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=cwd,
            preexec_fn=prepare_child,
        )
        captured: dict[str, bytes] = {}
        readers = [
            threading.Thread(target=_drain, args=(stream, name, captured), daemon=True)
            for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))
            if stream is not None
        ]
        if feed is not None:
            readers.append(threading.Thread(target=_feed, args=(process.stdin, feed), daemon=True))
        for thread in readers:
            thread.start()
        status, usage, timed_out = _wait(process, timeout)
        for thread in readers:
            thread.join(timeout=10)
    return Outcome(
        returncode=os.waitstatus_to_exitcode(status),
        stdout=captured.get("stdout", b"").decode("utf-8", "replace"),
        stderr=captured.get("stderr", b"").decode("utf-8", "replace"),
        peak_rss=usage.ru_maxrss * 1024,
        timed_out=timed_out,
    )


def _as_an_ordinary_user() -> None:
    """As root, drop the capabilities that bypass permission bits: folders then mean what their modes say."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop root's permission override for the fault tests")


@contextmanager
def _opened_stdin(stdin: bytes | str | Path | IO[bytes] | None) -> Iterator[tuple[object, bytes | None]]:
    if stdin == "closed":
        yield "closed", None
    elif isinstance(stdin, (bytes, str)):
        yield None, stdin.encode() if isinstance(stdin, str) else stdin
    elif isinstance(stdin, Path):
        with open(stdin, "rb") as handle:
            yield handle, None
    else:
        yield stdin, None


@contextmanager
def _opened_stdout(stdout: str) -> Iterator[object]:
    if stdout == "pipe":
        yield subprocess.PIPE
    elif stdout == "closed":
        yield "closed"
    elif stdout == "full":
        with open("/dev/full", "wb") as full:
            yield full
    else:
        raise ValueError(f"unknown stdout fault {stdout!r}")


def _drain(stream: IO[bytes], name: str, captured: dict[str, bytes]) -> None:
    captured[name] = stream.read()


def _feed(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except (BrokenPipeError, ValueError):
        pass  # the command stopped reading: what it did with the rest is what the test checks


def _wait(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, resource.struct_rusage, bool]:
    """Reap the command with its own resource usage (subprocess's wait would lose it)."""
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, timed_out
        if time.monotonic() > deadline and not timed_out:
            timed_out = True
            process.kill()
        time.sleep(0.02)


# --- user folders ---------------------------------------------------------------------------------


def read_only_dir(path: Path) -> Path:
    """A folder whose contents can be read but not changed."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return path


def unreadable_dir(path: Path) -> Path:
    """A folder nobody but an administrator may list or enter."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0)
    return path


def file_instead_of_dir(path: Path) -> Path:
    """A plain file where the command expects a folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a folder\n")
    return path


def restore_permissions(root: Path) -> None:
    """Make a tree removable again (pytest cleans its temporary folders)."""
    for folder, _, _ in os.walk(root):
        os.chmod(folder, 0o755)


def leftovers(directory: Path, *patterns: str) -> list[str]:
    """Names under directory (at any depth) matching any of the glob patterns."""
    if not directory.exists():
        return []
    return sorted(str(path.relative_to(directory)) for pattern in patterns for path in directory.rglob(pattern))


def writers_finished(directory: Path, timeout: float = 60) -> None:
    """Wait until no running process has a temporary file ("<name>.<pid>.tmp") under directory: a command's
    Moonshine worker outlives it while it loads, and at a first start it writes its ONNX form to the cache."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_running(path) for path in directory.rglob("*.tmp")):
        time.sleep(0.05)


def _running(temporary: Path) -> bool:
    writer = re.search(r"\.(\d+)\.tmp$", temporary.name)
    if writer is None:
        return False
    try:
        os.kill(int(writer.group(1)), 0)
    except ProcessLookupError:
        return False
    return True


def is_one_clear_line(outcome: Outcome) -> bool:
    """Standard error holds exactly one line, from voice-skill, and no traceback or library log."""
    lines = outcome.stderr_lines
    return len(lines) == 1 and lines[0].startswith("voice-skill: ") and "Traceback" not in outcome.stderr


def has_no_traceback(outcome: Outcome) -> bool:
    """No traceback, no Python warning and no "Exception ignored" on standard error."""
    return not any(marker in outcome.stderr for marker in ("Traceback", "Exception ignored", "Warning:", "ERROR ("))


def escapes_reach_the_terminal(text: str) -> bool:
    """Raw control characters (escape, bell, ...) that a terminal would act on."""
    return any(ord(char) < 32 and char not in "\n\t" or 0x7F <= ord(char) < 0xA0 for char in text)

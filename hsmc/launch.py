"""`hsmc run`: replaces hsmc with the command, in the environment pipeline/host.py (run) prepared.

The command is exec'd, as `exec` in a shell, `env CMD` and `dotenv run` do, not spawned and
waited for: nothing stands between it and the terminal or a supervisor, so signals (Ctrl-C, a
SIGTERM from a process manager) reach it directly, its process id is the one they see, and its
exit status — a signal's too, which a shell reports as 128+N — is the status of `hsmc run`
(docs/decisions.md, "hsmc run"). Only when it cannot start does hsmc report, with the statuses
`env` uses: 127 not found, 126 found but not executable. Docker is never run by hsmc here.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from hsmc.errors import Diagnostic
from hsmc.record import Record, setfield

NOT_FOUND = 127  # as a shell and env(1) report a command they cannot find
NOT_EXECUTABLE = 126  # … and one they found but cannot execute


class Launch(Record):
    command: tuple[str, ...]
    env: dict[str, str]  # the whole environment the command gets
    built: Path | None  # the output directory, when it was stale and has been rebuilt

    def __init__(
        self, command: tuple[str, ...], env: dict[str, str], built: Path | None = None
    ) -> None:
        setfield(self, "command", command)
        setfield(self, "env", env)
        setfield(self, "built", built)


class NotStarted(Record):
    status: int
    diagnostic: Diagnostic

    def __init__(self, status: int, diagnostic: Diagnostic) -> None:
        setfield(self, "status", status)
        setfield(self, "diagnostic", diagnostic)


def start(launch: Launch) -> NotStarted:
    """Execs the command; returns only when it could not be started."""
    # Python ignores SIGPIPE and SIGXFSZ for itself, and an exec'd program inherits ignored
    # signals: `hsmc run -- sh -c 'yes | head -1'` would then never end. subprocess restores
    # them for the same reason (restore_signals).
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    sys.stdout.flush()
    sys.stderr.flush()
    program = launch.command[0]
    try:
        os.execvpe(program, launch.command, launch.env)
    except FileNotFoundError:
        hint = "check the name, or the PATH that .env and packages.env leave (they may set it)"
        return _not_started(NOT_FOUND, f"command not found: {program}", hint)
    except OSError as exc:
        hint = "make it an executable file (`chmod +x`), or run it through its interpreter"
        return _not_started(NOT_EXECUTABLE, f"cannot run {program}: {exc.strerror or exc}", hint)
    raise AssertionError("os.execvpe returned")  # pragma: no cover - exec never returns


def _not_started(status: int, message: str, hint: str) -> NotStarted:
    return NotStarted(status, Diagnostic("HSM604", message, None, hint))

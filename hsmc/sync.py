"""`hsmc sync`: bring the project's Python environment in line with hsm.yaml in one command.

pipeline.sync builds when the output directory is stale (as `hsmc build`, refusing hand-edited
files the same way); then this module does what install.sh does: uv creates the environment if
missing and installs requirements.txt into it, editable packages as links. uv's own output is
shown as it runs. The environment is $VIRTUAL_ENV, else .venv in the project directory; hsmc's
own environment is refused (installing the app there mixes its dependencies with hsmc's). Docker
is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hsmc.errors import CompileError, Diagnostic


@dataclass(frozen=True)
class Synced:
    built: bool  # the output directory was stale and has been rebuilt
    venv: Path
    created: bool  # the environment did not exist and uv created it
    returncode: int  # of `uv pip install`
    watch_hint: str | None = None  # after a build that wrote Compose Watch rules (develop.py)


def install(
    project: Path, output: Path, built: bool, uv_args: Sequence[str], say: Callable[[str], None]
) -> Synced:
    """Installs `output`/requirements.txt into the environment of `project`; `built` says
    whether the output directory was just rebuilt. `say` prints a progress line; uv prints its
    own."""
    venv = target_environment(project, os.environ.get("VIRTUAL_ENV"))
    uv = _uv()
    say(f"{'built' if built else 'up to date:'} {output.name}; installing into {venv}")
    created = not (venv / "bin" / "python").exists()
    if created:
        _uv_run([uv, "venv", str(venv)], project)
    requirements = output / "requirements.txt"
    python = str(venv / "bin" / "python")
    command = [uv, "pip", "install", "--python", python, "-r", str(requirements), *uv_args]
    return Synced(built, venv, created, _uv_run(command, project, check=False))


def target_environment(project: Path, virtual_env: str | None) -> Path:
    """$VIRTUAL_ENV or the project's .venv, as install.sh chooses; never hsmc's own."""
    venv = (project / (virtual_env or ".venv")).absolute()
    own = Path(sys.prefix)
    if _same(venv, own):
        which = "$VIRTUAL_ENV" if virtual_env else "the project's .venv"
        raise CompileError([_refused(f"{own}, hsmc's own environment ({which})", virtual_env)])
    return venv


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _refused(reason: str, virtual_env: str | None) -> Diagnostic:
    hint = (
        "the project's packages would mix with hsmc's; install hsmc as a tool "
        "(`uv tool install hsmc` or `pipx install hsmc`), or "
        + ("`deactivate` this environment" if virtual_env else "activate another environment")
        + ", then run `hsmc sync` again"
    )
    return Diagnostic("HSM603", f"refusing to install into {reason}", None, hint)


def _uv() -> str:
    """uv on PATH, else the one installed beside hsmc (the PyPI `uv` package)."""
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found,unused-ignore]

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        hint = "install uv (https://docs.astral.sh/uv/), e.g. `pipx install uv`, and run again"
        raise CompileError([Diagnostic("HSM603", "uv is not installed", None, hint)]) from None


def _uv_run(command: list[str], cwd: Path, check: bool = True) -> int:
    """Runs uv with the terminal's stdout/stderr, so its progress shows."""
    code = subprocess.run(command, cwd=cwd, check=False).returncode
    if check and code != 0:
        message = f"`uv {command[1]}` failed (exit status {code})"
        raise CompileError([Diagnostic("HSM603", message, None, "see uv's output above")])
    return code

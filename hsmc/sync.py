"""`hsmc sync`: bring the project's Python environment in line with hsm.yaml in one command.

The pipeline (hsmc/pipeline/host.py) builds when the output directory is stale (as `hsmc build`,
refusing hand-edited files the same way); then this module does what install.sh does: uv creates
the environment if missing and installs requirements.txt into it, editable packages as links.
uv's own output is shown as it runs. The environment is $VIRTUAL_ENV, else .venv in the project
directory; hsmc's own environment is refused (installing the app there mixes its dependencies
with hsmc's). Docker is never touched. Afterwards it uninstalls the requirement lines that its
previous sync of the project installed and that the stack no longer lists (sync_prune.py keeps
that record).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hsmc import sync_prune as prune
from hsmc.errors import CompileError, Diagnostic
from hsmc.record import Record, setfield


class Synced(Record):
    built: bool  # the output directory was stale and has been rebuilt
    venv: Path
    created: bool  # the environment did not exist and uv created it
    returncode: int  # of `uv pip install`
    removed: tuple[str, ...]  # distributions uninstalled: the stack no longer lists them
    hints: tuple[str, ...]  # after a build: what to run next (the target's hints)

    def __init__(
        self,
        built: bool,
        venv: Path,
        created: bool,
        returncode: int,
        removed: tuple[str, ...] = (),
        hints: tuple[str, ...] = (),
    ) -> None:
        setfield(self, "built", built)
        setfield(self, "venv", venv)
        setfield(self, "created", created)
        setfield(self, "returncode", returncode)
        setfield(self, "removed", removed)
        setfield(self, "hints", hints)


def install(
    project: Path,
    output: Path,
    built: bool,
    uv_args: Sequence[str],
    say: Callable[[str], None],
    distributions: Sequence[str] = (),
) -> Synced:
    """Installs `output`/requirements.txt into the environment of `project`; `built` says
    whether the output directory was just rebuilt; `distributions` are the requirement lines'
    distributions. `say` prints a progress line; uv prints its own."""
    venv = target_environment(project, os.environ.get("VIRTUAL_ENV"))
    uv = _uv()
    # below the project (an environment's generated/NAME): as the project sees it
    shown = output.relative_to(project).as_posix() if output.is_relative_to(project) else output
    say(f"{'built' if built else 'up to date:'} {shown}; installing into {venv}")
    created = not (venv / "bin" / "python").exists()
    if created:
        _uv_run([uv, "venv", str(venv)], project)
    requirements = output / "requirements.txt"
    python = str(venv / "bin" / "python")
    before = set() if created else prune.installed(uv, python, project)
    command = [uv, "pip", "install", "--python", python, "-r", str(requirements), *uv_args]
    code = _uv_run(command, project, check=False)
    if code != 0 or "--dry-run" in uv_args:  # nothing is removed; the record stays as it was
        return Synced(built, venv, created, code)
    after = prune.installed(uv, python, project)
    previous = prune.read_record(venv, project)
    wanted = {prune.normalized(d) for d in distributions}
    removed = _remove(uv, python, project, (previous - wanted) & after, say)
    prune.write_record(venv, project, ((previous & wanted) | (wanted - before)) & after)
    return Synced(built, venv, created, code, removed)


def _remove(
    uv: str, python: str, project: Path, candidates: set[str], say: Callable[[str], None]
) -> tuple[str, ...]:
    """Uninstalls the candidates that no other installed distribution requires."""
    if not candidates:
        return ()
    requirers = prune.required_by(uv, python, candidates, project)
    removable = set(candidates)
    while kept := {c for c in removable if requirers.get(c, set()) - removable}:
        removable -= kept  # a dependency of something that stays: it stays too
    for name in sorted(candidates - removable):
        others = ", ".join(sorted(requirers[name] - removable))
        say(f"kept {name}: the stack no longer lists it, but {others} requires it")
    if removable:
        _uv_run([uv, "pip", "uninstall", "--python", python, *sorted(removable)], project)
        say(
            f"removed {', '.join(sorted(removable))}: the stack no longer lists "
            + ("it" if len(removable) == 1 else "them")
            + " (dependencies stay installed)"
        )
    return tuple(sorted(removable))


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
        "the project's packages would mix with hsmc's; install hsmc in an environment of its "
        "own, as the README's quickstart does (`python3 -m venv ~/.hsmc-venv`, then "
        "`~/.hsmc-venv/bin/pip install hsmc uv`; or `uv tool install hsmc`), or "
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
        # the README's quickstart installs uv beside hsmc, where find_uv_bin finds it
        hint = (
            f"install uv beside hsmc, as the README's quickstart does: `{sys.executable} -m pip "
            "install uv` (or put uv on PATH: https://docs.astral.sh/uv/), and run again"
        )
        raise CompileError([Diagnostic("HSM603", "uv is not installed", None, hint)]) from None


def _uv_run(command: list[str], cwd: Path, check: bool = True) -> int:
    """Runs uv with the terminal's stdout/stderr, so its progress shows."""
    code = subprocess.run(command, cwd=cwd, check=False).returncode
    if check and code != 0:
        verb = " ".join(command[1:3] if command[1] == "pip" else command[1:2])
        message = f"`uv {verb}` failed (exit status {code})"
        raise CompileError([Diagnostic("HSM603", message, None, "see uv's output above")])
    return code

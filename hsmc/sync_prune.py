"""What `hsmc sync` installed, so that it can remove what the stack no longer lists.

uv writes `INSTALLER` = `uv` and `REQUESTED` into every distribution it installs, whoever ran
it, so the environment cannot tell hsmc's installs from the user's own `uv pip install`: hsmc
keeps its own record, one file per project in the environment (`hsmc-sync/`, named by a hash
of the project directory, so two projects sharing an environment never remove each other's
packages). The record holds the distributions that were requirement lines of the project's
last sync *and* that hsmc installed: a distribution already present before a sync first listed
it was installed by someone else and is never recorded, so never removed.

Only those requirement lines are removed, never their dependencies: a dependency may be the
user's too, and telling would need the full graph (`uv pip sync` removes every distribution
that is not in requirements.txt, the user's own included). A recorded distribution that an
installed package still requires is kept (no longer recorded: it is a dependency now).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from hsmc.atomic import replace
from hsmc.errors import CompileError, Diagnostic

RECORD_DIR = "hsmc-sync"
_HEADER = (
    "# hsmc sync: the requirement lines it installed into this environment for the project\n"
    "# below; a name the stack no longer lists is uninstalled by the next `hsmc sync`.\n"
)


def normalized(distribution: str) -> str:
    """PEP 503: `Psycopg[binary]` and `psycopg` are one distribution."""
    name = distribution.split("[", 1)[0].strip()
    return re.sub(r"[-_.]+", "-", name).lower()


def record_path(venv: Path, project: Path) -> Path:
    key = hashlib.sha256(str(project.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return venv / RECORD_DIR / f"{key[:16]}.txt"


def read_record(venv: Path, project: Path) -> set[str]:
    """The names of the last sync of `project`; none when there is no record (or it belongs
    to a project whose hash collides: its first line names the project)."""
    try:
        lines = record_path(venv, project).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    names = [line for line in lines if line and not line.startswith("#")]
    if not names or names[0] != f"project {project.resolve()}":
        return set()
    return {normalized(n) for n in names[1:]}


def write_record(venv: Path, project: Path, names: Iterable[str]) -> None:
    path = record_path(venv, project)
    path.parent.mkdir(exist_ok=True)
    lines = [f"project {project.resolve()}", *sorted(set(names))]
    replace(path, (_HEADER + "\n".join(lines) + "\n").encode("utf-8"), 0o644, durable=False)


def installed(uv: str, python: str, cwd: Path) -> set[str]:
    """The distributions of the environment, as `uv pip list` sees them (offline, read only)."""
    command = [uv, "pip", "list", "--python", python, "--format", "json"]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = f"`uv pip list` failed (exit status {done.returncode})"
        hint = done.stderr.strip() or "run it yourself to see why"
        raise CompileError([Diagnostic("HSM603", message, None, hint)])
    return {normalized(str(item["name"])) for item in json.loads(done.stdout)}


def required_by(uv: str, python: str, names: Iterable[str], cwd: Path) -> dict[str, set[str]]:
    """For each name, the installed distributions that require it (`uv pip show`)."""
    command = [uv, "pip", "show", "--python", python, *sorted(names)]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    found: dict[str, set[str]] = {}
    name = None
    for line in done.stdout.splitlines():
        key, _, value = line.partition(":")
        if key == "Name":
            name = normalized(value)
        elif key == "Required-by" and name is not None:
            found[name] = {normalized(v) for v in value.split(",") if v.strip()}
    return found

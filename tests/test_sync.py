"""Issue 13, point 6: `hsmc sync` builds when stale, then installs with real uv as install.sh
does, into $VIRTUAL_ENV or the project's .venv, and never into hsmc's own environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import copy_case, run_hsmc, uv_binary

CASE = "05-editable-stack"  # an editable local package: installed as a link, offline


def _env(tmp: Path, virtual_env: Path | None = None) -> dict[str, str]:
    env = {
        "PATH": f"{uv_binary().parent}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp),
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
        "NO_COLOR": "1",
    }
    if virtual_env is not None:
        env["VIRTUAL_ENV"] = str(virtual_env)
    return env


def _sync(
    project: Path, tmp: Path, *args: str, venv: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run(
        [sys.executable, "-m", "hsmc", "sync", *args],
        cwd=project,
        env={**env, **_env(tmp, venv)},
        capture_output=True,
        text=True,
        check=False,
    )


def _imports(venv: Path) -> str:
    code = "import neo4j_client; print(neo4j_client.__file__)"
    run = [str(venv / "bin" / "python"), "-c", code]
    return subprocess.run(run, capture_output=True, text=True, check=True).stdout.strip()


def test_sync_builds_then_installs_into_the_project_venv(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path / "checkout")
    first = _sync(project, tmp_path, "--", "--offline")
    assert first.returncode == 0, first.stderr
    assert "hsmc: built generated; installing into" in first.stderr
    assert "Installed 1 package" in first.stderr  # uv's own progress is shown
    assert (project / "generated" / "requirements.txt").is_file()
    package = project / "packages" / "neo4j-client" / "src" / "neo4j_client" / "__init__.py"
    assert Path(_imports(project / ".venv")).resolve() == package.resolve()  # a link

    again = _sync(project, tmp_path, "--", "--offline")
    assert again.returncode == 0, again.stderr
    assert "hsmc: up to date: generated; installing into" in again.stderr


def test_sync_uses_virtual_env_and_passes_uv_arguments(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path / "checkout")
    venv = tmp_path / "somewhere" / "env"
    synced = _sync(project, tmp_path, "--", "--offline", venv=venv)
    assert synced.returncode == 0, synced.stderr
    assert _imports(venv) and not (project / ".venv").exists()
    refused = _sync(project, tmp_path, "--", "--no-such-uv-flag", venv=venv)
    assert refused.returncode == 1 and "--no-such-uv-flag" in refused.stderr
    assert "`uv pip install` failed" in refused.stderr and "Traceback" not in refused.stderr


def test_sync_refuses_hsmcs_own_environment(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path / "checkout")
    own = Path(sys.prefix)
    refused = _sync(project, tmp_path, "--", "--offline", venv=own)
    assert refused.returncode == 1, refused.stderr
    assert f"error[HSM603]: refusing to install into {own}, hsmc's own environment" in (
        refused.stderr
    )
    assert "uv tool install" in refused.stderr and "Resolved" not in refused.stderr
    # the project's .venv may be hsmc's own too (hsmc installed into the project's .venv)
    (project / ".venv").symlink_to(own)
    refused = _sync(project, tmp_path, "--", "--offline")
    assert refused.returncode == 1 and "(the project's .venv)" in refused.stderr


def test_sync_stops_on_a_hand_edited_artifact_and_installs_nothing(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path / "checkout")
    assert run_hsmc("build", cwd=project).returncode == 0
    with (project / "generated" / "requirements.txt").open("a") as handle:
        handle.write("requests\n")
    synced = _sync(project, tmp_path, "--", "--offline")
    assert synced.returncode == 1 and "error[HSM411]" in synced.stderr
    assert not (project / ".venv").exists()


WATCH_HINT = (
    "hsmc: Compose Watch rules for graph-services: run "
    "`docker compose -f generated/docker-compose.yml up --watch` (or "
    "`docker compose -f generated/docker-compose.yml watch`), and an edit of a watched source "
    "reaches the running stack by itself\n"
)


def test_sync_says_once_how_to_watch_a_stack_with_watch_rules(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path / "checkout")
    first = _sync(project, tmp_path, "--", "--offline")
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("Compose Watch") == 1 and first.stderr.endswith(WATCH_HINT)
    again = _sync(project, tmp_path, "--", "--offline")  # up to date: said already
    assert again.returncode == 0 and "Compose Watch" not in again.stderr

    # a build without watch rules (an empty `watch:` turns them off) says nothing of it
    entry = project / "registry" / "containers" / "graph-builder-service.yaml"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(re.sub(r"    # Compose Watch.*?(?=  prod:)", "    watch:\n", text, flags=re.S))
    unwatched = _sync(project, tmp_path, "--", "--offline")
    assert unwatched.returncode == 0, unwatched.stderr
    assert "hsmc: built generated" in unwatched.stderr and "Compose Watch" not in unwatched.stderr

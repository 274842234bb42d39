"""Issue 24, point 4: `hsmc sync` uninstalls what its previous sync of the project installed
and the stack no longer lists, says so, and never touches a distribution installed by other
means. Real uv, offline: every package is a local uv_build project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import uv_binary, write_project

PYPROJECT = """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [{dependencies}]

[build-system]
requires = ["uv_build>=0.8,<0.14"]
build-backend = "uv_build"
"""


def _package(root: Path, name: str, *dependencies: str) -> dict[str, str]:
    """A local package `name` (module `name`) and its registry entry."""
    module = name.replace("-", "_")
    listed = ", ".join(f'"{d}"' for d in dependencies)
    return {
        f"packages/{name}/pyproject.toml": PYPROJECT.format(name=name, dependencies=listed),
        f"packages/{name}/src/{module}/__init__.py": "",
        f"registry/packages/{name}.yaml": (
            f"name: {name}\nsources:\n  dev:\n    type: local\n"
            f"    path: ../../packages/{name}\n    editable: true\ndefault_source: dev\n"
        ),
    }


def _env(tmp: Path, venv: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return {
        **base,
        "PATH": f"{uv_binary().parent}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp),
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
        "NO_COLOR": "1",
        "VIRTUAL_ENV": str(venv),
    }


def _sync(project: Path, tmp: Path, venv: Path, *uv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hsmc", "sync", "--", "--offline", *uv],
        cwd=project,
        env=_env(tmp, venv),
        capture_output=True,
        text=True,
        check=False,
    )


def _uv(tmp: Path, venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(uv_binary()), "pip", *args, "--python", str(venv / "bin" / "python")]
    done = subprocess.run(command, env=_env(tmp, venv), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def _installed(tmp: Path, venv: Path) -> list[str]:
    return sorted(d["name"] for d in json.loads(_uv(tmp, venv, "list", "--format", "json").stdout))


def _manifest(project: Path, *packages: str) -> None:
    text = "packages:\n" + "".join(f"  - {p}\n" for p in packages)
    (project / "hsm.yaml").write_text(text, encoding="utf-8")


def _project(tmp: Path, *packages: dict[str, str]) -> Path:
    files: dict[str, str] = {}
    for package in packages:
        files.update(package)
    return write_project(tmp / "project", files)


def test_sync_removes_what_it_installed_and_the_stack_dropped(tmp_path: Path) -> None:
    root = tmp_path / "project"
    project = _project(tmp_path, _package(root, "alpha"), _package(root, "beta"))
    venv = tmp_path / "venv"
    mine = write_project(tmp_path / "mine", _package(tmp_path / "mine", "gamma"))
    subprocess.run([str(uv_binary()), "venv", str(venv)], env=_env(tmp_path, venv), check=True)
    _uv(tmp_path, venv, "install", "--offline", "-e", str(mine / "packages" / "gamma"))

    _manifest(project, "alpha", "beta")
    first = _sync(project, tmp_path, venv)
    assert first.returncode == 0, first.stderr
    assert _installed(tmp_path, venv) == ["alpha", "beta", "gamma"]
    assert "removed" not in first.stderr

    _manifest(project, "alpha")
    dry = _sync(project, tmp_path, venv, "--dry-run")  # uv installs nothing: hsmc removes nothing
    assert dry.returncode == 0 and "removed" not in dry.stderr, dry.stderr
    assert _installed(tmp_path, venv) == ["alpha", "beta", "gamma"]
    second = _sync(project, tmp_path, venv)
    assert second.returncode == 0, second.stderr
    assert "hsmc: removed beta: the stack no longer lists it (dependencies stay installed)" in (
        second.stderr
    )
    assert _installed(tmp_path, venv) == ["alpha", "gamma"]  # the user's gamma stays

    third = _sync(project, tmp_path, venv)  # nothing more to remove
    assert third.returncode == 0 and "removed" not in third.stderr, third.stderr


def test_a_distribution_installed_before_the_stack_listed_it_is_never_removed(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    project = _project(tmp_path, _package(root, "alpha"), _package(root, "beta"))
    venv = tmp_path / "venv"
    subprocess.run([str(uv_binary()), "venv", str(venv)], env=_env(tmp_path, venv), check=True)
    _uv(tmp_path, venv, "install", "--offline", "-e", str(project / "packages" / "beta"))

    _manifest(project, "alpha", "beta")  # beta was there already: the user's, not hsmc's
    assert _sync(project, tmp_path, venv).returncode == 0
    _manifest(project, "alpha")
    dropped = _sync(project, tmp_path, venv)
    assert dropped.returncode == 0 and "removed" not in dropped.stderr, dropped.stderr
    assert _installed(tmp_path, venv) == ["alpha", "beta"]


def test_a_dropped_requirement_that_another_package_needs_stays(tmp_path: Path) -> None:
    root = tmp_path / "project"
    packages = (_package(root, "alpha", "beta"), _package(root, "beta"), _package(root, "delta"))
    project = _project(tmp_path, *packages)
    venv = tmp_path / "venv"
    _manifest(project, "alpha", "beta")
    assert _sync(project, tmp_path, venv).returncode == 0
    _manifest(project, "alpha")
    dropped = _sync(project, tmp_path, venv)
    assert dropped.returncode == 0, dropped.stderr
    assert "hsmc: kept beta: the stack no longer lists it, but alpha requires it" in (
        dropped.stderr
    )
    assert _installed(tmp_path, venv) == ["alpha", "beta"]
    # beta is alpha's dependency now, not a requirement line: removing alpha leaves it
    _manifest(project, "delta")
    last = _sync(project, tmp_path, venv)
    assert "hsmc: removed alpha: the stack no longer lists it" in last.stderr, last.stderr
    assert _installed(tmp_path, venv) == ["beta", "delta"]


def test_two_projects_sharing_an_environment_keep_each_others_packages(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    one = write_project(tmp_path / "one", _package(tmp_path / "one", "alpha"))
    two = write_project(tmp_path / "two", _package(tmp_path / "two", "beta"))
    _manifest(one, "alpha")
    _manifest(two, "beta")
    assert _sync(one, tmp_path, venv).returncode == 0
    assert _sync(two, tmp_path, venv).returncode == 0
    assert _installed(tmp_path, venv) == ["alpha", "beta"]
    assert len(list((venv / "hsmc-sync").iterdir())) == 2  # one record per project


def test_a_failed_install_removes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "project"
    project = _project(tmp_path, _package(root, "alpha"), _package(root, "beta"))
    venv = tmp_path / "venv"
    _manifest(project, "alpha", "beta")
    assert _sync(project, tmp_path, venv).returncode == 0
    _manifest(project, "alpha")
    (project / "packages" / "alpha" / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    failed = _sync(project, tmp_path, venv)
    assert failed.returncode == 1 and "removed" not in failed.stderr, failed.stderr
    assert _installed(tmp_path, venv) == ["alpha", "beta"]

"""install.sh and requirements.txt, checked by real uv and shellcheck."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import CASES, GOLDEN, copy_case, run_hsmc, shellcheck, uv_binary

EDITABLE_CASE = "05-editable-stack"


def _install_env(tmp: Path, venv: Path, with_uv: bool = True) -> dict[str, str]:
    # Without uv: a PATH that has sh and coreutils but no uv.
    path = f"{uv_binary().parent}{os.pathsep}{os.environ['PATH']}" if with_uv else "/usr/bin:/bin"
    return {
        "PATH": path,
        "HOME": str(tmp),
        "VIRTUAL_ENV": str(venv),
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
    }


def _python(venv: Path, code: str) -> str:
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_install_sh_installs_an_editable_local_package_offline(tmp_path: Path) -> None:
    project = copy_case(EDITABLE_CASE, tmp_path / "checkout")
    assert run_hsmc("build", project, cwd=tmp_path).returncode == 0
    venv = tmp_path / "venv"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = project / "generated" / "install.sh"
    run = subprocess.run(
        ["sh", str(script), "--offline"],
        cwd=elsewhere,  # install.sh runs from any directory
        env=_install_env(tmp_path, venv),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    package_dir = project / "packages" / "neo4j-client" / "src" / "neo4j_client"
    location = _python(venv, "import neo4j_client; print(neo4j_client.__file__)")
    assert Path(location).resolve() == (package_dir / "__init__.py").resolve()

    # An edit of the source is visible without reinstalling: the install is a link.
    with (package_dir / "__init__.py").open("a", encoding="utf-8") as handle:
        handle.write("\nEDITED_AFTER_INSTALL = 'yes'\n")
    assert _python(venv, "import neo4j_client; print(neo4j_client.EDITED_AFTER_INSTALL)") == "yes"

    # Running it again reuses the environment.
    again = subprocess.run(
        ["sh", str(script), "--offline"],
        cwd=project,
        env=_install_env(tmp_path, venv),
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "Creating virtual environment" not in again.stderr


def test_install_sh_without_uv_says_what_to_do(tmp_path: Path) -> None:
    project = copy_case(EDITABLE_CASE, tmp_path)
    assert run_hsmc("build", project, cwd=tmp_path).returncode == 0
    if shutil.which("uv", path="/usr/bin:/bin"):
        pytest.fail("a uv in /usr/bin or /bin hides the missing-uv path of this test")
    run = subprocess.run(
        ["sh", str(project / "generated" / "install.sh")],
        env=_install_env(tmp_path, tmp_path / "venv", with_uv=False),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 127
    assert "uv is not installed" in run.stderr
    # the hint works on Debian 12 as root and as a user (no pipx, PEP 668 refuses `pip --user`)
    assert "python3 -m venv ~/.uv && ~/.uv/bin/pip install uv" in run.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("case", CASES)
def test_install_sh_is_clean_under_shellcheck(case: str) -> None:
    result = shellcheck(GOLDEN / case / "expected" / "install.sh")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("case", CASES)
def test_requirements_are_valid_requirement_lines(case: str) -> None:
    text = (GOLDEN / case / "expected" / "requirements.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines
    for line in lines:
        if line.startswith(("-e ./", "-e ../", "./", "../")):
            target = GOLDEN / case / line.removeprefix("-e ").strip()
            assert (target / "pyproject.toml").is_file(), line
        else:
            Requirement(line)  # raises on an invalid line


def test_the_test_script_is_clean_under_shellcheck() -> None:
    result = shellcheck(GOLDEN.parent / "scripts" / "test.sh")
    assert result.returncode == 0, result.stdout

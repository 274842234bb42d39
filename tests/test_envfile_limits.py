"""An env file is refused before it is read when it is not a regular file or is larger than
1 MiB (HSM504): `/dev/zero` once ran hsmc out of memory (exit 3) and a FIFO hung it. A missing
one says how to make it (HSM009)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hsmc.parse.envfile import LIMIT
from tests.conftest import run_hsmc, write_project

PROJECT = {"hsm.yaml": "packages:\n  - psycopg\n"}


def _hsmc(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """run_hsmc with a timeout: a FIFO must not hang the test run."""
    return subprocess.run(
        [sys.executable, "-m", "hsmc", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _refused(result: subprocess.CompletedProcess[str], code: str, words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert f"error[{code}]" in result.stderr and words in result.stderr, result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_a_character_device_is_refused_before_reading(tmp_path: Path) -> None:
    project = write_project(tmp_path, PROJECT)
    result = _hsmc("check", "--env-file", "/dev/zero", cwd=project)
    _refused(result, "HSM504", "/dev/zero is a character device, not a regular file")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    project = write_project(tmp_path, PROJECT)
    os.mkfifo(project / "fifo.env")
    result = _hsmc("check", "--env-file", "fifo.env", cwd=project)
    _refused(result, "HSM504", "fifo.env is a FIFO, not a regular file")


def test_a_fifo_as_the_default_env_of_run_is_refused_too(tmp_path: Path) -> None:
    project = write_project(tmp_path, PROJECT)
    assert _hsmc("build", cwd=project).returncode == 0
    os.mkfifo(project / "generated" / ".env")
    result = _hsmc("run", "--", "true", cwd=project)
    _refused(result, "HSM504", "generated/.env is a FIFO")


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_read(tmp_path: Path) -> None:
    project = write_project(tmp_path, PROJECT)
    filler = b"# " + b"x" * (LIMIT - len(b"POSTGRES_PASSWORD=pw\n") - 3) + b"\n"
    (project / "big.env").write_bytes(b"POSTGRES_PASSWORD=pw\n" + filler)
    assert (project / "big.env").stat().st_size == LIMIT
    assert _hsmc("check", "--env-file", "big.env", cwd=project).returncode == 0
    with (project / "big.env").open("ab") as f:
        f.write(b"\n")
    result = _hsmc("check", "--env-file", "big.env", cwd=project)
    _refused(result, "HSM504", "big.env is larger than 1 MiB, the limit for a .env file")


def test_a_directory_is_refused_by_check_with_hsm504(tmp_path: Path) -> None:
    """A user trial: click refused it (exit 2, no code) where docs/format.md §12 says HSM504."""
    project = write_project(tmp_path, PROJECT)
    (project / "dir.env").mkdir()
    _refused(_hsmc("check", "--env-file", "dir.env", cwd=project), "HSM504", "is a directory")
    _refused(
        _hsmc("run", "--env-file", "dir.env", "--", "true", cwd=project), "HSM504", "is a directory"
    )


def test_a_directory_is_refused_by_run(tmp_path: Path) -> None:
    project = write_project(tmp_path, PROJECT)
    assert _hsmc("build", cwd=project).returncode == 0
    (project / "generated" / ".env").mkdir()
    _refused(_hsmc("run", "--", "true", cwd=project), "HSM504", "is a directory")


def test_a_missing_env_file_says_to_copy_the_template(tmp_path: Path) -> None:
    project = write_project(tmp_path, PROJECT)
    assert run_hsmc("build", cwd=project).returncode == 0
    result = run_hsmc("check", "--env-file", "generated/.env", "--format", "json", cwd=project)
    (found,) = json.loads(result.stdout)
    assert found["code"] == "HSM009" and found["message"] == "no such file: generated/.env"
    assert found["hint"] == (
        "copy the template and fill it in: `cp generated/.env.template generated/.env`"
    )
    elsewhere = run_hsmc("check", "--env-file", "my.env", cwd=project, env={"NO_COLOR": "1"})
    assert "`cp generated/.env.template my.env`" in elsewhere.stderr
    ran = run_hsmc("run", "--", "true", cwd=project, env={"NO_COLOR": "1"})
    _refused(ran, "HSM009", "`cp generated/.env.template generated/.env`")


def test_a_file_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    project = write_project(tmp_path, PROJECT)
    (project / "latin.env").write_bytes(b"A=1\nPOSTGRES_PASSWORD=caf\xe9\n")
    result = run_hsmc("check", "--env-file", "latin.env", "--format", "json", cwd=project)
    (found,) = json.loads(result.stdout)
    assert (found["code"], found["line"]) == ("HSM009", 2)
    assert found["message"] == "latin.env is not UTF-8 text (line 2)"


# --- what references may cost ------------------------------------------------------------------

DOUBLING = "A=xy\nB0=$A$A\n" + "".join(f"B{i}=$B{i - 1}$B{i - 1}\n" for i in range(1, 40))


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        (DOUBLING, "references that expand to more than 4 MiB", 22),  # B20: 4 MiB in all
        ("A=" + "$B" * 1001 + "\n", "more than 1000 `$`", 1),
        ("A=" + "${X:-" * 40 + "}" * 40 + "\n", "references nested more than 32 deep", 1),
        ("A=1\nB=" + "${A:-x}" * 300 + "y" * 900_000 + "\n", "a line too long for the", 2),
    ],
    ids=["doubling", "dollars", "nesting", "long line"],
)
def test_references_past_the_limits_are_refused_quickly(
    tmp_path: Path, text: str, problem: str, line: int
) -> None:
    """Each would cost compose gigabytes, minutes or a deep stack; hsmc answers in a second."""
    project = write_project(tmp_path, PROJECT)
    (project / "big.env").write_text(text, encoding="utf-8")
    args = ("check", "--env-file", "big.env", "--format", "json")
    (found,) = json.loads(_hsmc(*args, cwd=project).stdout)
    assert (found["code"], found["line"]) == ("HSM504", line)
    assert problem in found["message"]


def test_run_bounds_what_python_dotenv_would_expand(tmp_path: Path) -> None:
    """In single quotes compose expands nothing and python-dotenv everything: the doubling is
    python-dotenv's alone, and refused before it builds a byte of it."""
    project = write_project(tmp_path, PROJECT)
    assert _hsmc("build", cwd=project).returncode == 0
    quoted = "".join(f"B{i}='${{B{i - 1}}}${{B{i - 1}}}'\n" for i in range(1, 40))
    env = "POSTGRES_PASSWORD=pw\nA=xy\nB0='${A}${A}'\n" + quoted
    (project / "generated" / ".env").write_text(env, encoding="utf-8")
    result = _hsmc("run", "--", "true", cwd=project)
    _refused(result, "HSM504", "expand to more than 4 MiB (for python-dotenv)")

"""`hsmc run [PATH] [--env-file F] -- CMD ARGS…`: CMD gets the environment a host program gets
from python-dotenv's `load_dotenv(".env")` then `load_dotenv("packages.env")` (checked against
real python-dotenv); a stale output is rebuilt first; a missing input stops it before CMD
starts (HSM501), as does a .env line python-dotenv and compose read differently (HSM506); the
exit status is CMD's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hsmc.parse.hostenv import host_environment
from tests.conftest import write_project

BUILTINS = {"hsm.yaml": "packages:\n  - psycopg\n  - redis\n"}
FILLED = (
    "POSTGRES_PASSWORD=pg-pw\nREDIS_PASSWORD=${POSTGRES_PASSWORD}-redis\nPOSTGRES_HOST_PORT=15432\n"
)
PRINT_ENV = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]
# What a program does by hand; the wrong order is the mistake `hsmc run` exists to avoid.
LOAD_BY_HAND = textwrap.dedent(
    """
    import json, os, sys
    from dotenv import load_dotenv
    for path in sys.argv[1:]:
        load_dotenv(path)
    print(json.dumps(dict(os.environ)))
    """
)


def base_env(directory: Path, **extra: str) -> dict[str, str]:
    """A controlled process environment (the parse cache stays the test session's). A UTF-8
    locale: in the C locale every Python process adds LC_CTYPE to its environment (PEP 538)."""
    return {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "HOME": str(directory),
        "HSMC_CACHE_DIR": os.environ["HSMC_CACHE_DIR"],
        "NO_COLOR": "1",
        **extra,
    }


def hsmc(project: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hsmc", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def by_hand(project: Path, files: list[str], env: dict[str, str]) -> dict[str, str]:
    paths = [str(project / "generated" / f) for f in files]
    result = subprocess.run(
        [sys.executable, "-c", LOAD_BY_HAND, *paths],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: dict[str, str] = json.loads(result.stdout)
    return loaded


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "p", BUILTINS)
    assert hsmc(root, "build", env=base_env(tmp_path)).returncode == 0
    (root / "generated" / ".env").write_text(FILLED, encoding="utf-8")
    return root


def test_cmd_gets_what_load_dotenv_gives_in_the_right_order(project: Path) -> None:
    env = base_env(project, REDIS_HOST_PORT="16379", PGUSER="from-the-process")
    result = hsmc(project, "run", "--", *PRINT_ENV, env=env)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got == by_hand(project, [".env", "packages.env"], env)
    assert (got["PGPORT"], got["PGPASSWORD"]) == ("15432", "pg-pw")
    assert got["REDIS_URL"] == "redis://:pg-pw-redis@localhost:16379/0"  # the process wins
    assert got["PGUSER"] == "from-the-process"
    wrong = by_hand(project, ["packages.env", ".env"], env)  # packages.env first: silently wrong
    assert (wrong["PGPORT"], wrong["PGPASSWORD"]) == ("5432", "")


def test_host_environment_is_load_dotenv_and_leaves_os_environ_alone(
    project: Path, tmp_path: Path
) -> None:
    generated = project / "generated"
    (generated / ".env").write_text(
        FILLED + "A=${POSTGRES_HOST_PORT:-x}\nB='single ${A}'\nC=\"two\nlines\"\nD\nE=1 # c\n",
        encoding="utf-8",
    )
    env = base_env(tmp_path, POSTGRES_USER="proc", A="from-process")
    before = dict(os.environ)
    host = host_environment(generated / ".env", ".env", generated / "packages.env", env)
    assert dict(os.environ) == before
    assert host.env == by_hand(project, [".env", "packages.env"], env)


def test_the_exit_status_is_cmds_and_a_signal_reaches_the_shell(project: Path) -> None:
    env = base_env(project)
    assert hsmc(project, "run", "--", "sh", "-c", "exit 7", env=env).returncode == 7
    killed = hsmc(project, "run", "--", "sh", "-c", "kill -TERM $$", env=env)
    assert killed.returncode == -15  # hsmc became CMD: the signal killed the process itself
    hsmc_run = f"{sys.executable} -m hsmc run -- sh -c 'kill -INT $$'; echo status=$?"
    shell = subprocess.run(
        ["sh", "-c", hsmc_run], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert "status=130" in shell.stdout  # 128 + SIGINT, as for any command a shell runs


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_cmd_does_not_inherit_pythons_ignored_signals(project: Path) -> None:
    result = hsmc(
        project, "run", "--", "grep", "SigIgn", "/proc/self/status", env=base_env(project)
    )
    ignored = int(result.stdout.split()[1], 16)
    sigpipe, sigxfsz = 1 << (13 - 1), 1 << (25 - 1)
    assert ignored & (sigpipe | sigxfsz) == 0, result.stdout


def test_a_missing_input_stops_it_before_cmd_starts(project: Path) -> None:
    (project / "generated" / ".env").write_text("REDIS_PASSWORD=hunter2\n", encoding="utf-8")
    marker = project / "started"
    result = hsmc(project, "run", "--", "touch", str(marker), env=base_env(project))
    assert result.returncode == 1 and not marker.exists()
    assert "error[HSM501]: required input `POSTGRES_PASSWORD` is not set in generated/.env" in (
        result.stderr
    )
    assert "hunter2" not in result.stderr + result.stdout
    empty = base_env(project, POSTGRES_PASSWORD="")
    again = hsmc(project, "run", "--", "touch", str(marker), env=empty)
    assert "`POSTGRES_PASSWORD` is empty" in again.stderr and not marker.exists()
    from_process = base_env(project, POSTGRES_PASSWORD="set-in-the-shell")
    assert hsmc(project, "run", "--", "touch", str(marker), env=from_process).returncode == 0
    assert marker.exists()


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("POSTGRES_PASSWORD: pg-pw", "POSTGRES_PASSWORD"),  # compose reads it, python-dotenv not
        ("POSTGRES_PASSWORD=pw$HOME", "POSTGRES_PASSWORD"),  # compose expands $HOME
        ("POSTGRES_PASSWORD='a\\\\b'", "POSTGRES_PASSWORD"),  # python-dotenv unescapes \\
    ],
)
def test_a_line_python_dotenv_reads_otherwise_than_compose_is_refused(
    project: Path, line: str, name: str
) -> None:
    (project / "generated" / ".env").write_text(f"REDIS_PASSWORD=r\n{line}\n", encoding="utf-8")
    result = hsmc(project, "run", "--", "true", env=base_env(project))
    assert result.returncode == 1
    assert f"error[HSM506]: python-dotenv and Docker Compose read `{name}`" in result.stderr
    assert "--> generated/.env:2:1" in result.stderr
    assert "HSM501" not in result.stderr  # one cause, one error
    assert "pg-pw" not in result.stderr and "a\\" not in result.stderr


def test_a_stale_output_is_rebuilt_first_and_a_fresh_one_left_alone(project: Path) -> None:
    env = base_env(project)
    stamp = (project / "generated" / "packages.env").stat().st_mtime_ns
    fresh = hsmc(project, "run", "--", "true", env=env)
    assert fresh.returncode == 0 and fresh.stderr == ""
    assert (project / "generated" / "packages.env").stat().st_mtime_ns == stamp
    (project / "hsm.yaml").write_text("packages:\n  - psycopg\n  - redis\n  - pika\n")
    (project / "generated" / ".env").write_text(FILLED + "RABBITMQ_PASSWORD=mq\n")
    stale = hsmc(project, "run", "--", *PRINT_ENV, env=env)
    assert stale.returncode == 0, stale.stderr
    assert stale.stderr == "hsmc: generated was stale and has been rebuilt\n"
    assert json.loads(stale.stdout)["AMQP_URL"].startswith("amqp://rabbitmq:mq@localhost:")


def test_a_command_that_cannot_start_is_126_or_127(project: Path) -> None:
    env = base_env(project)
    missing = hsmc(project, "run", "--", "no-such-command-hsmc", env=env)
    assert missing.returncode == 127
    assert "error[HSM604]: command not found: no-such-command-hsmc" in missing.stderr
    (project / "not-executable").write_text("echo hi\n")
    refused = hsmc(project, "run", "--", "./not-executable", env=env)
    assert refused.returncode == 126 and "cannot run ./not-executable" in refused.stderr


def test_without_a_command_it_is_a_usage_error(project: Path) -> None:
    result = hsmc(project, "run", env=base_env(project))
    assert result.returncode == 2 and "give the command after `--`" in result.stderr


def test_another_env_file_and_no_env_file_when_nothing_is_required(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": 'name: app\nenv:\n  APP_MODE: "${APP_MODE:-dev}"\n',
    }
    root = write_project(tmp_path / "p", files)
    env = base_env(tmp_path)
    show = [sys.executable, "-c", "import os; print(os.environ['APP_MODE'])"]
    default = hsmc(root, "run", "--", *show, env=env)
    assert (default.returncode, default.stdout) == (0, "dev\n"), default.stderr
    (root / "prod.env").write_text("APP_MODE=prod\n")
    # PYTHON_DOTENV_DISABLED turns load_dotenv off; whoever types `hsmc run` wants the file
    disabled = {**env, "PYTHON_DOTENV_DISABLED": "1"}
    chosen = hsmc(root, "run", "--env-file", "prod.env", "--", *show, env=disabled)
    assert (chosen.returncode, chosen.stdout) == (0, "prod\n"), chosen.stderr
    named_missing = hsmc(root, "run", "--env-file", "nope.env", "--", *show, env=env)
    assert named_missing.returncode == 1 and "no such file: nope.env" in named_missing.stderr

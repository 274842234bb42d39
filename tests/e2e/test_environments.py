"""Environments on a real engine (issue 19, docs/decisions.md "Environments"): two environments'
compose files, run as a user runs them (plain `docker compose` in each output directory, the
project name the file gives), never share a volume: data written in the default environment is
neither seen nor removed by another environment, `down -v` there included, and is there again
when the default environment comes back."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import compose_binary, copy_case, run_hsmc
from tests.e2e.engine import Engine
from tests.e2e.images import StandIns
from tests.e2e.test_golden_cases import free_port

PASSWORD = "e2e-envs"


def _compose(engine: Engine, output: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`docker compose ARGS` in the output directory, as a user types it: no `-p`."""
    result = subprocess.run(
        [str(compose_binary()), *args],
        cwd=output,
        env=engine.env,
        capture_output=True,
        text=True,
        check=False,
    )
    return result


def _psql(engine: Engine, output: Path, sql: str) -> str:
    result = _compose(
        engine,
        output,
        "exec",
        "-T",
        "postgres",
        "psql",
        "-U",
        "postgres",
        "-d",
        "shop",
        "-Atc",
        sql,
    )
    return result.stdout + result.stderr


def test_switching_environments_keeps_each_ones_data(
    engine: Engine, standins: StandIns, tmp_path: Path
) -> None:
    # a project name of this session's own: the stack's names come from its directory
    project = copy_case("07-environments", tmp_path)
    project = project.rename(tmp_path / f"hsmce2e-envs-{os.getpid()}")
    assert run_hsmc("build", cwd=project).returncode == 0
    laptop, cloud = project / "generated", project / "generated" / "cloud-db"
    port = free_port()
    for output in (laptop, cloud):  # one host port: only one runs at a time
        env = f"POSTGRES_PASSWORD={PASSWORD}\nPOSTGRES_HOST_PORT={port}\n"
        (output / ".env").write_text(env + "QDRANT_EXTERNAL_HOST=qdrant.invalid\n")
    standins.ensure("postgres:16.10-alpine")
    up = ("up", "-d", "--wait", "--wait-timeout", "240", "postgres")
    try:
        assert _compose(engine, laptop, *up).returncode == 0
        _psql(engine, laptop, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('laptop')")
        assert _compose(engine, laptop, "down").returncode == 0  # without -v: volumes stay

        assert _compose(engine, cloud, *up).returncode == 0
        assert "does not exist" in _psql(engine, cloud, "SELECT v FROM kept")  # its own volume
        _psql(engine, cloud, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('cloud')")
        assert _compose(engine, cloud, "down", "-v").returncode == 0  # its volumes only

        assert _compose(engine, laptop, *up).returncode == 0
        assert _psql(engine, laptop, "SELECT v FROM kept") == "laptop\n"
    finally:
        for output in (laptop, cloud):
            _compose(engine, output, "down", "-v", "--timeout", "0")

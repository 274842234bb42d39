"""`hsmc run` starts host code against a real stack: a client that knows nothing but its own
environment (psycopg reads PGHOST/PGPORT/PGUSER/PGPASSWORD, redis-py REDIS_URL) reaches postgres
and redis on the host ports `.env` moved them to."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.e2e.conftest import StackFactory
from tests.e2e.test_golden_cases import free_port

CLIENT = textwrap.dedent(
    """
    import os, psycopg, redis

    with psycopg.connect() as conn:
        user = conn.execute("SELECT current_user").fetchone()[0]
        print("postgres", user, conn.info.port)
    r = redis.Redis.from_url(os.environ["REDIS_URL"])
    r.set("run", "stored")
    print("redis", r.get("run").decode(), r.connection_pool.connection_kwargs["port"])
    """
)


def test_a_host_client_connects_through_hsmc_run_with_moved_ports(
    stacks: StackFactory, tmp_path: Path
) -> None:
    project = tmp_path / "host-app"
    project.mkdir()
    stack = stacks(project)
    # `hsmc run` finds the output directory in hsm.yaml: the one the stack is built into
    output = os.path.relpath(stack.out, project)
    (project / "hsm.yaml").write_text(f"output: {output}\npackages:\n  - psycopg\n  - redis\n")
    stack.build()
    ports = {"POSTGRES_HOST_PORT": str(free_port()), "REDIS_HOST_PORT": str(free_port())}
    assert "5432" not in ports.values() and "6379" not in ports.values()
    stack.write_env({**ports, "POSTGRES_PASSWORD": "pg run pw", "REDIS_PASSWORD": "redis-run"})
    stack.up()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "HSMC_CACHE_DIR": os.environ["HSMC_CACHE_DIR"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "hsmc", "run", "--", sys.executable, "-c", CLIENT],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # up to date: nothing rebuilt, nothing said
    assert result.stdout.splitlines() == [
        f"postgres postgres {ports['POSTGRES_HOST_PORT']}",
        f"redis stored {ports['REDIS_HOST_PORT']}",
    ]

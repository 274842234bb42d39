"""The built-in postgres as a shared container (design case 1.1): each dependent's database is
created, a host process connects with packages.env + .env (real psycopg), and a dependent added
later gets its database on the existing volume while the data written before stays."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import write_project
from tests.e2e.conftest import StackFactory

PASSWORD = "s3cret-e2e"


def dependent(name: str, db: str) -> str:
    return f"""
        name: {name}
        implies:
          container:postgres:
            params:
              db_name: {db}
        """


def shared_postgres(root: Path, dependents: dict[str, str]) -> Path:
    files = {f"registry/packages/{n}.yaml": dependent(n, db) for n, db in dependents.items()}
    packages = "".join(f"  - {name}\n" for name in dependents)
    return write_project(root, {"hsm.yaml": f"packages:\n{packages}", **files})


CONNECT = """
    import psycopg
    for db in {dbs!r}:
        with psycopg.connect(dbname=db) as conn:
            row = conn.execute("SELECT current_database(), current_user").fetchone()
            print(*row)
"""


def test_shared_postgres_creates_each_database_and_a_later_one(
    stacks: StackFactory, tmp_path: Path
) -> None:
    project = shared_postgres(
        tmp_path / "shared", {"auth-service": "auth_db", "billing": "billing_db"}
    )
    stack = stacks(project)
    stack.build()
    stack.write_env({"POSTGRES_PASSWORD": PASSWORD})
    stack.up()

    # The host side: libpq variables from packages.env, the password from .env.
    out = stack.host_python(CONNECT.format(dbs=["auth_db", "billing_db"]))
    assert out.splitlines() == ["auth_db postgres", "billing_db postgres"]
    stack.host_python(
        """
        import psycopg
        with psycopg.connect(dbname="auth_db") as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('written before the rebuild')")
        """
    )

    # A new dependent: rebuild, up again on the same volume.
    shared_postgres(project, {"auth-service": "auth_db", "billing": "billing_db", "crm": "crm_db"})
    stack.build()
    assert "auth_db,billing_db,crm_db" in (stack.out / "docker-compose.yml").read_text()
    stack.up()
    out = stack.host_python(
        CONNECT.format(dbs=["crm_db"])
        + """
    with psycopg.connect(dbname="auth_db") as conn:
        print(conn.execute("SELECT v FROM kept").fetchone()[0])
    """
    )
    assert out.splitlines() == ["crm_db postgres", "written before the rebuild"]
    owners = stack.exec(
        "postgres",
        "psql",
        "-U",
        "postgres",
        "-Atc",
        "SELECT datname, pg_get_userbyid(datdba) FROM pg_database"
        " WHERE datname LIKE '%_db' ORDER BY 1",
    ).stdout
    assert owners.split() == ["auth_db|auth_db", "billing_db|billing_db", "crm_db|crm_db"]


def test_postgres_stops_cleanly_and_starts_again(stacks: StackFactory, tmp_path: Path) -> None:
    """`docker compose stop` reaches the server through /hsm/start.sh (PID 1): a fast, clean
    shutdown well within Compose's 10 s (not a kill), and the next start turns healthy again."""
    stack = stacks(shared_postgres(tmp_path / "restart", {"auth-service": "auth_db"}))
    stack.build()
    stack.write_env({"POSTGRES_PASSWORD": PASSWORD})
    stack.up()
    started = time.monotonic()
    stack.compose("stop", "postgres")
    assert time.monotonic() - started < 8
    (container,) = stack.ps()
    assert container["State"] == "exited" and container["ExitCode"] == 0, container
    assert "database system is shut down" in stack.compose("logs", "postgres").stdout
    stack.up()
    out = stack.host_python(CONNECT.format(dbs=["auth_db"]))
    assert out.splitlines() == ["auth_db postgres"]

"""Service-side and host-side connections, and a hybrid stack.

The probe (projects/probe/service, built by `up --build`) implies postgres and redis: it reaches
them by service name with the environment hsmc gave it, while the host reaches the same servers
through packages.env. In the hybrid variant postgres is external: a server started outside the
stack (a second project), at the address .env gives."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

from tests.e2e.conftest import StackFactory
from tests.e2e.test_postgres import shared_postgres

PROBE = Path(__file__).resolve().parent / "projects" / "probe"
SECRETS = {"POSTGRES_PASSWORD": "pg-probe-secret", "REDIS_PASSWORD": "redis-probe-secret"}


def probe_project(parent: Path, hsm_yaml: str | None = None) -> Path:
    project = parent / "probe"
    shutil.copytree(PROBE, project)
    if hsm_yaml is not None:
        (project / "hsm.yaml").write_text(hsm_yaml, encoding="utf-8")
    return project


def probe_check() -> dict[str, str]:
    with urllib.request.urlopen("http://127.0.0.1:8080/check", timeout=10) as answer:
        found: dict[str, str] = json.loads(answer.read())
        return found


def test_a_built_service_reaches_its_servers_by_name_and_the_host_by_packages_env(
    stacks: StackFactory, tmp_path: Path
) -> None:
    stack = stacks(probe_project(tmp_path))
    stack.build()
    stack.write_env(SECRETS)
    stack.up("--build")

    assert probe_check() == {
        "pghost": "postgres",
        "postgres": "app_db",
        "redis": "seen by the probe",
    }
    out = stack.host_python(
        """
        import psycopg, redis
        with psycopg.connect(dbname="app_db") as conn:
            print(os.environ["PGHOST"], conn.execute("SELECT current_database()").fetchone()[0])
        print(redis.Redis.from_url(os.environ["REDIS_URL"]).get("probe").decode())
        """
    )
    assert out.splitlines() == ["localhost app_db", "seen by the probe"]


HYBRID = """
# postgres is external (a server of its own, .env says where); redis and the probe are managed.
services:
  container_groups:
    probe:
      selection: probe
      mode: dev
    db:
      selection: postgres
      profile: external
"""


def test_hybrid_the_managed_part_reaches_an_external_server(
    stacks: StackFactory, tmp_path: Path
) -> None:
    # The "external" server: the built-in postgres of another project, started outside the stack.
    server = stacks(shared_postgres(tmp_path / "external", {"app": "app_db"}))
    server.build()
    server.write_env({"POSTGRES_PASSWORD": SECRETS["POSTGRES_PASSWORD"]})
    server.up()
    server_container = server.ps()[0]["Name"]

    stack = stacks(probe_project(tmp_path, HYBRID))
    stack.build()
    stack.write_env({**SECRETS, "POSTGRES_EXTERNAL_HOST": server_container})
    services = stack.config()["services"]
    assert sorted(services) == ["probe", "redis"]
    # The stack's network exists once its containers are created; the external server joins it
    # under its own name (the address .env gives), as a server on a routed network would be.
    stack.ensure_images()
    stack.compose("create", "--build")
    stack.engine.docker("network", "connect", f"{stack.name}_default", server_container)
    stack.up()

    assert probe_check() == {
        "pghost": server_container,
        "postgres": "app_db",
        "redis": "seen by the probe",
    }
    assert services["probe"]["environment"]["PGHOST"] == server_container

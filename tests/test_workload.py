"""The typed, target-neutral workload (hsmc/workload.py) and targets as peers (issue 23).

A group's `overrides:` is merged into typed fields once, short and long syntax alike, and
every target reads the same record: the cluster gets what compose publishes and mounts, and
each target's .env.template asks only for the inputs its own files read.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hsmc.model import Literal, Value
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project, compile_stack
from hsmc.syntax import Problem, durations, words
from hsmc.workload import MountKind
from tests.conftest import compose_config, run_hsmc, write_project

API = """
name: api
image: ghcr.io/example/api:1.0.0
ports:
  - "8000:8000"
"""


def _group(overrides: str) -> dict[str, str]:
    return {
        "hsm.yaml": "name: peers\nservices:\n  container_groups:\n    api:\n"
        "      selection: api\n      overrides:\n" + overrides,
        "registry/containers/api.yaml": API,
    }


LONG = """\
        ports:
          - target: 5432
            published: "15432"
            host_ip: 127.0.0.1
          - "8000-8001:80-81"
        volumes:
          - type: volume
            source: pgdata
            target: /var/lib/postgresql/data
          - type: tmpfs
            target: /scratch
"""


def test_long_syntax_overrides_are_typed_once(tmp_path: Path) -> None:
    write_project(tmp_path, _group(LONG))
    (workload,) = compile_stack(Inputs(path=tmp_path, cwd=tmp_path)).compiled.workloads
    bindings = [
        (b.container, b.host_port.plain() if b.host_port else None)
        for p in workload.ports
        for b in p.bindings
    ]
    assert bindings == [(5432, "15432"), (80, "8000"), (81, "8001")]
    assert [(v.kind, v.source, v.target) for v in workload.volumes] == [
        (MountKind.VOLUME, "pgdata", "/var/lib/postgresql/data"),
        (MountKind.TMPFS, None, "/scratch"),
    ]


def test_long_syntax_overrides_reach_the_cluster(tmp_path: Path) -> None:
    """On main the cluster got a bare Deployment: no containerPort, no Service, no claim."""
    write_project(tmp_path, _group(LONG))
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), "kubernetes")
    docs = list(yaml.safe_load_all(_artifact(build.artifacts, "api.yaml")))
    workload, service = docs[0], docs[-1]
    assert workload["kind"] == "StatefulSet"
    claims = [c["metadata"]["name"] for c in workload["spec"]["volumeClaimTemplates"]]
    assert claims == ["pgdata"]
    container = workload["spec"]["template"]["spec"]["containers"][0]
    assert [p["containerPort"] for p in container["ports"]] == [5432, 80, 81]
    assert [p["port"] for p in service["spec"]["ports"]] == [5432, 80, 81]
    scratch = [v for v in workload["spec"]["template"]["spec"]["volumes"] if "emptyDir" in v]
    assert scratch == [{"name": "scratch-1", "emptyDir": {"medium": "Memory"}}]


def test_long_syntax_overrides_reach_compose_as_written(tmp_path: Path) -> None:
    write_project(tmp_path, _group(LONG))
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = compose_config(tmp_path / "generated")
    services = config["services"]
    assert isinstance(services, dict)
    ports = [(p["target"], p.get("published")) for p in services["api"]["ports"]]
    assert ports == [(5432, "15432"), (80, "8000"), (81, "8001")]
    assert "pgdata" in config["volumes"]  # type: ignore[operator]


def _artifact(artifacts: tuple[object, ...], path: str) -> str:
    for artifact in artifacts:
        if getattr(artifact, "path", None) == path:
            content = artifact.content  # type: ignore[attr-defined]
            assert isinstance(content, bytes)
            return content.decode()
    raise AssertionError(f"no {path}")


def test_each_target_asks_only_for_the_inputs_its_files_read(tmp_path: Path) -> None:
    """On main the cluster's .env.template listed POSTGRES_HOST_PORT (a host port), and
    `check --target kubernetes --env-file` failed without it."""
    write_project(tmp_path, {"hsm.yaml": "name: pg\npackages:\n  - psycopg\n"})
    compose = compile_project(Inputs(path=tmp_path, cwd=tmp_path))
    cluster = compile_project(Inputs(path=tmp_path, cwd=tmp_path), "kubernetes")
    assert "POSTGRES_HOST_PORT" in {i.name for i in compose.inputs}
    assert [i.name for i in cluster.inputs] == ["POSTGRES_PASSWORD", "POSTGRES_USER"]
    template = _artifact(cluster.artifacts, ".env.template")
    assert "used by packages.env, service postgres" in template
    assert "HOST_PORT" not in template


def test_check_for_the_cluster_needs_no_host_port(tmp_path: Path) -> None:
    write_project(tmp_path, {"hsm.yaml": "name: pg\npackages:\n  - redis\n"})
    (tmp_path / "cluster.env").write_text("REDIS_PASSWORD=x\n")
    result = run_hsmc("check", "--target", "kubernetes", "--env-file", "cluster.env", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "REDIS_HOST_PORT" not in result.stderr


def test_explain_names_the_cluster_artifact(tmp_path: Path) -> None:
    """On main: `managed service `redis` (docker-compose.yml)` for --target kubernetes."""
    write_project(tmp_path, {"hsm.yaml": "name: pg\npackages:\n  - redis\n"})
    result = run_hsmc("explain", "redis", "--target", "kubernetes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "managed service `redis` (redis.yaml in the Kustomize directory)" in result.stdout
    write_project(tmp_path / "pg", {"hsm.yaml": "name: pg\npackages:\n  - psycopg\n"})
    result = run_hsmc("explain", "POSTGRES_USER", "--target", "kubernetes", cwd=tmp_path / "pg")
    assert "in service `postgres` (postgres.yaml in the Kustomize directory)" in result.stdout
    result = run_hsmc("explain", "redis", cwd=tmp_path)
    assert "managed service `redis` (docker-compose.yml)" in result.stdout


def test_a_string_command_is_split_once_as_compose_splits_it() -> None:
    def split(text: str) -> list[str] | Problem:
        found = words.split(Value((Literal(text),)))
        return found if isinstance(found, Problem) else [w.plain() for w in found[0]]

    assert split("sh -c 'echo \"hi there\"'") == ["sh", "-c", 'echo "hi there"']
    assert split('a "b c" d\\ e ""') == ["a", "b c", "d e", ""]
    assert isinstance(split("sh -c 'echo hi"), Problem)
    assert isinstance(split("echo a; echo b"), Problem)  # compose would run `echo a` only


def test_durations_in_seconds_as_compose_reads_them() -> None:
    assert durations.seconds("1m30s") == 90.0
    assert durations.seconds("500ms") == 0.5
    assert durations.seconds("0") == 0.0
    assert durations.seconds("2562047h") == 2562047 * 3600.0
    for refused in ("10", "5S", "2562048h", "99999999999h", "1" * 400 + "s", "-5s", ""):
        assert isinstance(durations.seconds(refused), Problem), refused


def test_an_override_that_cannot_be_represented_is_an_error(tmp_path: Path) -> None:
    write_project(
        tmp_path, _group("        healthcheck:\n          interval: 5s\n          tries: 3\n")
    )
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "error[HSM325]" in result.stderr and "hsm.yaml:9" in result.stderr
    assert not (tmp_path / "generated").exists()


def test_the_override_environment_wins_over_a_connection(tmp_path: Path) -> None:
    """As compose merged it before: the group's `overrides:` last, over everything."""
    files = {
        "hsm.yaml": "name: p\nservices:\n  container_groups:\n    api:\n      selection: api\n"
        "      overrides:\n        environment:\n          - REDIS_URL=redis://elsewhere:6379\n",
        "registry/containers/api.yaml": API + "implies:\n  container:redis:\n",
    }
    write_project(tmp_path, files)
    (workload, _) = compile_stack(Inputs(path=tmp_path, cwd=tmp_path)).compiled.workloads
    env = {e.key: e.value.plain() for e in workload.environment}
    assert env["REDIS_URL"] == "redis://elsewhere:6379"

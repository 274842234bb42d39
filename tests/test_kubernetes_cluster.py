"""What a real cluster does with the kubernetes target's output (issue 18), checked offline
with the real `kubectl kustomize`: data directories below a volume's root, nothing immutable
that a project's name reaches, one Secret per workload, hardened pods, names Kubernetes takes.

A container's environment against compose's is tests/test_kubernetes_env.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hsmc.errors import CompileError
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project
from tests.cluster_helpers import (
    BUILTINS,
    built,
    compose_services,
    filled_env,
    project,
    render,
    workloads,
    write_env,
)
from tests.conftest import write_project
from tests.test_kubernetes import CLUSTER_CASES, _validate

SOURCES = [*CLUSTER_CASES, BUILTINS]
IDS = [*CLUSTER_CASES, "builtins"]


def _rendered(source: str, parent: Path) -> list[dict[str, Any]]:
    directory = built(project(source, parent), "kubernetes")
    write_env(directory, filled_env(directory))
    return render(directory)


def _pods(rendered: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(w, w["spec"]["template"]["spec"]) for w in workloads(rendered).values()]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_every_case_renders_validates_and_no_container_sees_a_volume_root(
    source: str, tmp_path: Path
) -> None:
    """A fresh ext4 disk holds `lost+found` at its root: each claim is mounted through its
    subdirectory `data`, so no data directory starts out non-empty."""
    rendered = _rendered(source, tmp_path)
    _validate(rendered)
    claims = 0
    for workload, pod in _pods(rendered):
        names = {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])}
        for container in pod["containers"]:
            for mount in container.get("volumeMounts", []):
                if mount["name"] in names:
                    claims += 1
                    assert mount.get("subPath") == "data", (workload["metadata"]["name"], mount)
    if source == BUILTINS or source in ("01-shared-container", "04-hybrid-stack"):
        assert claims > 0


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_pods_are_hardened_and_keep_no_replicas(source: str, tmp_path: Path) -> None:
    for workload, pod in _pods(_rendered(source, tmp_path)):
        assert "replicas" not in workload["spec"]  # an apply would undo `kubectl scale`
        assert pod["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
        assert pod["enableServiceLinks"] is False
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            assert container["securityContext"] == {"allowPrivilegeEscalation": False}


def _named(source: str, name: str) -> str:
    """The hsm.yaml of `source` (a golden case or a manifest's text) with the project `name`."""
    golden = Path(__file__).parent.parent / "golden" / source / "hsm.yaml"
    text = golden.read_text(encoding="utf-8") if golden.is_file() else source
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("name:")]
    return f"name: {name}\n" + "".join(lines)


_IMMUTABLE = {
    "StatefulSet": ("selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy"),
    "Deployment": ("selector",),
}


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_a_renamed_project_changes_no_immutable_field(source: str, tmp_path: Path) -> None:
    """`kubectl apply` after a rename: Kubernetes refuses any change to a StatefulSet's
    selector, serviceName or claim templates, and to a Deployment's selector. The pod
    templates do change (the part-of label): that is a rollout, which Kubernetes allows."""
    before, after = {}, {}
    for name, found in (("alpha", before), ("beta", after)):
        root = project(source, tmp_path / name)
        (root / "hsm.yaml").write_text(_named(source, name), encoding="utf-8")
        directory = built(root, "kubernetes")
        write_env(directory, filled_env(directory))
        found.update(workloads(render(directory)))
    assert before.keys() == after.keys()
    for name, workload in before.items():
        for field in _IMMUTABLE[workload["kind"]]:
            assert workload["spec"].get(field) == after[name]["spec"].get(field), (name, field)
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "alpha"


def test_changing_one_input_rolls_only_the_workloads_that_read_it(tmp_path: Path) -> None:
    directory = built(
        project("name: two\npackages:\n  - psycopg\n  - redis\n", tmp_path), "kubernetes"
    )
    env = filled_env(directory)
    write_env(directory, env)
    before = workloads(render(directory))
    write_env(directory, {**env, "REDIS_PASSWORD": "another-password"})
    after = workloads(render(directory))
    assert before["postgres"] == after["postgres"]
    assert before["redis"] != after["redis"]
    secret_of = lambda w: w["spec"]["template"]["spec"]["containers"][0]["env"]  # noqa: E731
    names = {v["valueFrom"]["secretKeyRef"]["name"] for v in secret_of(after["redis"])}
    assert len(names) == 1 and next(iter(names)).startswith("redis-inputs-")


def test_each_secret_holds_only_what_its_workload_reads_and_env_is_never_applied(
    tmp_path: Path,
) -> None:
    rendered = _rendered(BUILTINS, tmp_path)
    secrets = {
        o["metadata"]["name"].rsplit("-", 1)[0]: o for o in rendered if o["kind"] == "Secret"
    }
    assert set(secrets) == {
        "postgres-inputs",
        "redis-inputs",
        "neo4j-inputs",
        "minio-inputs",
        "rabbitmq-inputs",
        "mongodb-inputs",
        "hsmc-packages",
    }
    assert set(secrets["redis-inputs"]["data"]) == {"REDIS_PASSWORD"}
    assert set(secrets["postgres-inputs"]["data"]) == {"POSTGRES_PASSWORD", "POSTGRES_USER"}
    assert "QDRANT_API_KEY" in secrets["hsmc-packages"]["data"]  # only packages.env reads it
    for obj in rendered:
        assert "config.kubernetes.io/local-config" not in obj["metadata"].get("annotations", {})


def test_a_line_missing_from_env_stops_the_render_naming_it(tmp_path: Path) -> None:
    import subprocess

    from tests.cluster_helpers import kubectl

    directory = built(project("name: one\npackages:\n  - redis\n", tmp_path), "kubernetes")
    env = filled_env(directory)
    del env["REDIS_PASSWORD"]
    write_env(directory, env)
    result = subprocess.run(
        [kubectl(), "kustomize", directory], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "data.REDIS_PASSWORD" in result.stderr


def _k8s(files: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    write_project(tmp_path, files)
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    return {a.path: a.content.decode("utf-8") for a in build.artifacts}


def _diagnostics(files: dict[str, str], tmp_path: Path) -> list[tuple[str, int]]:
    write_project(tmp_path, files)
    with pytest.raises(CompileError) as caught:
        compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    return [(d.code, d.span.line if d.span else 0) for d in caught.value.diagnostics]


WEB = "name: demo\nservices:\n  container_groups:\n    web:\n      selection: web\n"


def test_a_reference_in_a_mount_path_or_a_probe_timing_is_a_located_error(
    tmp_path: Path,
) -> None:
    entry = (
        "name: web\nimage: nginx\nvolumes:\n"
        '  - "data:${PGDATA_DIR:-/var/lib/data}"\n'
        "healthcheck:\n  test: true\n  interval: ${PROBE_EVERY:-5s}\n"
    )
    found = _diagnostics({"hsm.yaml": WEB, "registry/containers/web.yaml": entry}, tmp_path)
    assert found == [("HSM706", 4), ("HSM706", 7)]


def test_two_volumes_one_claim_and_a_claim_hsmc_names_itself_are_errors(tmp_path: Path) -> None:
    entry = (
        "name: web\nimage: nginx\nvolumes:\n"
        '  - "pg_data:/a"\n  - "pg.data:/b"\n  - "hsm_files:/c"\n  - "data_:/d"\n'
        '  - "pg_data:/e"\n'  # the same volume twice: one claim, fine
    )
    found = _diagnostics({"hsm.yaml": WEB, "registry/containers/web.yaml": entry}, tmp_path)
    assert found == [("HSM708", 5), ("HSM708", 6), ("HSM708", 7)]


def test_a_group_named_like_a_headless_service_is_an_error(tmp_path: Path) -> None:
    manifest = WEB + "    web-headless:\n      selection: api\n"
    files = {
        "hsm.yaml": manifest,
        "registry/containers/web.yaml": 'name: web\nimage: nginx\nvolumes:\n  - "d:/d"\n',
        "registry/containers/api.yaml": 'name: api\nimage: nginx\nports:\n  - "80:80"\n',
    }
    assert _diagnostics(files, tmp_path) == [("HSM707", 6)]


def test_a_shipped_file_that_is_no_configmap_key_gets_one_and_mounts(tmp_path: Path) -> None:
    """Kustomize names a ConfigMap key after the file; a space or a non-ASCII letter is no key
    the API server takes. hsmc writes `KEY=PATH` with a key derived from the name."""
    entry = (
        "name: web\nimage: nginx\nfiles:\n"
        "  /etc/web/my conf.ini: files/my conf.ini\n"
        "  /etc/web/café.txt: files/café.txt\n"
        "  /etc/web/plain.txt: files/plain.txt\n"
    )
    files = {
        "hsm.yaml": WEB,
        "registry/containers/web.yaml": entry,
        "registry/containers/files/my conf.ini": "[a]\n",
        "registry/containers/files/café.txt": "au lait\n",
        "registry/containers/files/plain.txt": "plain\n",
    }
    write_project(tmp_path, files)
    directory = built(tmp_path, "kubernetes")
    rendered = render(directory)
    _validate(rendered)
    config = next(o for o in rendered if o["kind"] == "ConfigMap")
    keys = set(config["data"])
    assert "plain.txt" in keys and len(keys) == 3
    assert all(k.isascii() and " " not in k for k in keys)
    assert sorted(config["data"].values()) == ["[a]\n", "au lait\n", "plain\n"]
    pod = workloads(rendered)["web"]["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m["subPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert set(mounts) == {"/etc/web/my conf.ini", "/etc/web/café.txt", "/etc/web/plain.txt"}
    assert set(mounts.values()) == keys
    assert config["data"][mounts["/etc/web/café.txt"]] == "au lait\n"


def test_resources_reach_both_targets_as_the_same_amounts(tmp_path: Path) -> None:
    entry = (
        "name: web\nimage: nginx\nresources:\n  requests:\n    cpu: 250m\n    memory: 128Mi\n"
        "deployment_profiles:\n  prod:\n    mode: managed\n"
        "    resources:\n      limits:\n        cpu: '1.5'\n        memory: 1Gi\n"
    )
    manifest = WEB + "      profile: prod\n"
    write_project(tmp_path, {"hsm.yaml": manifest, "registry/containers/web.yaml": entry})
    compose = compose_services(built(tmp_path, "compose"))["web"]["deploy"]["resources"]
    assert compose["limits"] == {"cpus": 1.5, "memory": str(2**30)}
    assert compose["reservations"] == {"cpus": 0.25, "memory": str(128 * 2**20)}
    container = workloads(render(built(tmp_path, "kubernetes")))["web"]["spec"]["template"]
    resources = container["spec"]["containers"][0]["resources"]
    assert resources == {
        "requests": {"cpu": "250m", "memory": "128Mi"},
        "limits": {"cpu": "1500m", "memory": "1Gi"},
    }


def test_a_liveness_probe_is_written_and_probes_keep_compose_timeouts(tmp_path: Path) -> None:
    entry = (
        "name: web\nimage: nginx\nhealthcheck:\n  test: curl -f http://127.0.0.1/\n"
        "liveness:\n  test:\n    - CMD\n    - /bin/alive\n  interval: 20s\n  retries: 6\n"
    )
    artifacts = _k8s({"hsm.yaml": WEB, "registry/containers/web.yaml": entry}, tmp_path)
    web = next(yaml.safe_load_all(artifacts["web.yaml"]))
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["timeoutSeconds"] == 30  # compose's default timeout
    assert container["livenessProbe"] == {
        "exec": {"command": ["/bin/alive"]},
        "periodSeconds": 20,
        "timeoutSeconds": 30,
        "failureThreshold": 6,
    }
    compose = compile_project(Inputs(path=tmp_path, cwd=tmp_path)).artifacts
    text = next(a for a in compose if a.path == "docker-compose.yml").content.decode()
    assert "alive" not in text  # compose has no liveness probe


def test_a_profile_drops_the_entrys_liveness_probe_with_none(tmp_path: Path) -> None:
    entry = (
        "name: web\nimage: nginx\nliveness:\n  test:\n    - CMD\n    - /bin/alive\n"
        "deployment_profiles:\n  dev:\n    mode: managed\n"
        "    liveness:\n      test:\n        - NONE\n"
    )
    files = {"hsm.yaml": WEB + "      profile: dev\n", "registry/containers/web.yaml": entry}
    web = next(yaml.safe_load_all(_k8s(files, tmp_path)["web.yaml"]))
    assert "livenessProbe" not in web["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    ("quantity", "problem"),
    [
        ("cpu: 5m", "below 10m"),
        ("cpu: 0.0001", "not a CPU quantity"),
        ("memory: 1G", "not a memory quantity"),
        ("memory: 0", "zero"),
        ("memory: ${MEM}", "not a memory quantity"),
    ],
)
def test_resource_quantities_both_consumers_read_alike_or_hsm327(
    quantity: str, problem: str, tmp_path: Path
) -> None:
    entry = f"name: web\nimage: nginx\nresources:\n  limits:\n    {quantity}\n"
    files = {"hsm.yaml": WEB, "registry/containers/web.yaml": entry}
    write_project(tmp_path, files)
    with pytest.raises(CompileError) as caught:
        compile_project(Inputs(path=tmp_path, cwd=tmp_path))
    (found,) = caught.value.diagnostics
    assert found.code == "HSM327" and problem in found.message
    assert found.span is not None and found.span.line == 5


def test_a_request_above_its_limit_is_hsm327(tmp_path: Path) -> None:
    entry = (
        "name: web\nimage: nginx\nresources:\n  requests:\n    memory: 2Gi\n"
        "  limits:\n    memory: 1Gi\n"
    )
    write_project(tmp_path, {"hsm.yaml": WEB, "registry/containers/web.yaml": entry})
    with pytest.raises(CompileError) as caught:
        compile_project(Inputs(path=tmp_path, cwd=tmp_path))
    assert [(d.code, d.span.line if d.span else 0) for d in caught.value.diagnostics] == [
        ("HSM327", 5)
    ]


def test_stack_md_says_which_inputs_a_service_reads_only_once_on_both_targets(
    tmp_path: Path,
) -> None:
    """initdb reads POSTGRES_PASSWORD once: a new value in .env changes nothing in the
    database (the built-in postgres declares `init_only_env:`)."""
    root = project("name: demo\npackages:\n  - psycopg\n  - redis\n", tmp_path)
    compose = (built(root, "compose") / "STACK.md").read_text(encoding="utf-8")
    cluster = (built(root, "kubernetes") / "STACK.md").read_text(encoding="utf-8")
    for text, remedy in ((compose, "`demo_postgres_data`"), (cluster, "postgres-data-postgres-0")):
        section = text.split("## Inputs read once\n", 1)[1].split("\n## ", 1)[0]
        lines = [line for line in section.splitlines() if line.startswith("- ")]
        assert len(lines) == 1 and lines[0].startswith(
            "- `postgres` reads `POSTGRES_USER`, `POSTGRES_PASSWORD` only when it initialises"
        )
        assert "changing `POSTGRES_PASSWORD`, `POSTGRES_USER` in `.env` later" in lines[0]
        assert remedy in lines[0]

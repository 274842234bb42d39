"""explain, graph and registry: snapshot tests on the golden projects, plus behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from syrupy.assertion import SnapshotAssertion

from hsmc.cli import main
from tests.conftest import CASES, GOLDEN, copy_case, run_hsmc

EXPLAIN = {
    "01-shared-container": ["postgres", "auth-service", "POSTGRES_MULTIPLE_DATABASES", "PGHOST"],
    "04-hybrid-stack": ["neo4j", "qdrant-service", "tree-sitter-chunker", "NEO4J_URI"],
    "06-zero-leak-secrets": ["NEO4J_PROD_PASSWORD", "graph-services"],
}


def _invoke(case: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(GOLDEN / case)
    monkeypatch.setenv("NO_COLOR", "1")
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize(("case", "name"), [(c, n) for c, names in EXPLAIN.items() for n in names])
def test_explain(
    case: str, name: str, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    result = _invoke(case, ["explain", name], monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == snapshot


def test_explain_the_design_case_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke("01-shared-container", ["explain", "POSTGRES_MULTIPLE_DATABASES"], monkeypatch)
    assert "env of container `postgres` (registry/containers/postgres.yaml:" in result.stdout
    assert "`auth_db` from auth-service (registry/packages/auth-service.yaml:9)" in result.stdout
    assert "`billing_db` from billing-service (registry/packages/billing-service.yaml:9)" in (
        result.stdout
    )


def test_explain_unknown_name_suggests(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke("01-shared-container", ["explain", "postgress"], monkeypatch)
    assert result.exit_code == 1
    assert "error[HSM601]: `postgress` is not in the output" in result.stderr
    assert "did you mean `postgres`?" in result.stderr
    assert "nothing was written" not in result.stderr


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("fmt", ["mermaid", "dot", "json"])
def test_graph(
    case: str, fmt: str, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    result = _invoke(case, ["graph", "--format", fmt], monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == snapshot


@pytest.mark.parametrize("case", CASES)
def test_graph_mermaid_is_what_stack_md_embeds(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke(case, ["graph"], monkeypatch)
    stack_md = (GOLDEN / case / "expected" / "STACK.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{result.stdout}```" in stack_md


def test_graph_json_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke("04-hybrid-stack", ["graph", "--format", "json"], monkeypatch)
    document = json.loads(result.stdout)
    assert document["schema"] == "hsmc-graph/2"
    services = {s["name"]: s for s in document["services"]}
    assert services["qdrant-service"]["deployment"] == "external"
    assert services["qdrant-service"]["endpoint"] == {
        "host": "qdrant.example.cloud",
        "port": "6333",
    }
    assert services["neo4j"]["group"] == "implicit"
    assert {"from": "service:graph-builder-service", "to": "service:neo4j"} in document["edges"]


@pytest.mark.parametrize("case", ["01-shared-container", "04-hybrid-stack"])
def test_registry_list(
    case: str, monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    result = _invoke(case, ["registry", "list"], monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == snapshot


def test_registry_show_names_what_an_entry_overrides(
    monkeypatch: pytest.MonkeyPatch, snapshot: SnapshotAssertion
) -> None:
    result = _invoke("04-hybrid-stack", ["registry", "show", "qdrant"], monkeypatch)
    assert result.exit_code == 0, result.stderr
    head = result.stdout.splitlines()[:2]
    assert head == [
        "# container `qdrant` from registry/containers/qdrant.yaml (registry)",
        "# overrides built-in:containers/qdrant.yaml (built-in)",
    ]
    assert result.stdout == snapshot


def test_registry_show_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke("04-hybrid-stack", ["registry", "show", "qdrnt"], monkeypatch)
    assert result.exit_code == 1 and "did you mean `qdrant`?" in result.stderr


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        # the name is there as the other kind: a user trial got `container:redis` suggested
        ("package:qdrant", "`qdrant` is a container: name it `container:qdrant`"),
        ("container:neo4j-client", "`neo4j-client` is a package: name it `package:neo4j-client`"),
        # a typo keeps the kind asked for, or names the kind the close name has
        ("container:qdrnt", "did you mean `container:qdrant`?"),
        ("package:qdrnt", "did you mean `container:qdrant`?"),
        # a close name of the kind asked for comes first, however close another kind's is
        ("package:qdrantt", "did you mean `package:qdrant-client`?"),
        ("package:zzzzzz", "see `hsmc registry list`"),
    ],
)
def test_registry_show_unknown_of_a_kind(
    monkeypatch: pytest.MonkeyPatch, name: str, hint: str
) -> None:
    result = _invoke("04-hybrid-stack", ["registry", "show", name], monkeypatch)
    assert result.exit_code == 1 and f"= help: {hint}\n" in result.stderr, result.stderr


def test_registry_list_without_a_manifest_shows_the_built_in_registry(tmp_path: Path) -> None:
    result = run_hsmc("registry", "list", cwd=tmp_path)
    assert result.returncode == 0
    assert "container postgres" in " ".join(result.stdout.split())


def test_commands_leave_user_files_and_outputs_alone(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    (project / "generated" / ".env").write_text("POSTGRES_PASSWORD=x\n")
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    for args in (
        ["check"],
        ["build", "--check"],
        ["explain", "postgres"],
        ["graph", "--format", "json"],
        ["registry", "list"],
        ["registry", "show", "postgres"],
    ):
        assert run_hsmc(*args, cwd=project).returncode == 0, args
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_explain_names_the_image_the_profile_chose(tmp_path: Path) -> None:
    """explain reads the one image choice of the effective record: a profile's image is not
    'the entry's image'."""
    from hsmc.pipeline import Inputs, explain
    from tests.conftest import write_project

    write_project(
        tmp_path,
        {
            "hsm.yaml": "services:\n  container_groups:\n    app:\n      selection: app\n"
            "      profile: slim\n",
            "registry/containers/app.yaml": "name: app\nimage: app:1\ndeployment_profiles:\n"
            "  slim:\n    mode: managed\n    image: app:slim\n",
        },
    )
    text = explain("app", Inputs(path=tmp_path, cwd=tmp_path))
    assert "the image of profile `slim` (registry/containers/app.yaml:6)" in text
    assert "managed service `app` (docker-compose.yml)" in text

"""Golden tests: every case under golden/ compiles to exactly its expected/ artifacts.

The kubernetes target's artifacts are under expected/kubernetes/, where a build puts them
(generated/kubernetes/); a case that cannot run on a cluster (05, build sources) has none, and
is a golden error case instead (golden/errors/HSM703-editable-stack-on-kubernetes). Each
environment's artifacts are where `hsmc build` puts them too: expected/NAME/ (its targets'
directories below it, e.g. expected/cluster/kubernetes/), found from the manifest.

`pytest --snapshot-update` rewrites golden/*/expected/; read every changed file before
committing it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from hsmc.errors import CompileError
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project, compile_targets
from tests.conftest import CASES, GOLDEN
from tests.golden_snapshot import GoldenFile

STANDARD = (
    ".env.template",
    "STACK.md",
    "docker-compose.yml",
    "install.sh",
    "packages.env",
    "requirements.txt",
)


# cases whose default environment a cluster cannot run (a build source, HSM703)
NOT_ON_A_CLUSTER = {"05-editable-stack", "07-environments"}


@functools.cache
def built(case: str) -> dict[str, bytes]:
    """Every artifact `hsmc build` writes (each environment, each target it lists), by its path
    below generated/; and the default environment's kubernetes target, whatever it lists."""
    root = GOLDEN / case
    artifacts = {}
    for result in compile_targets(Inputs(path=root, cwd=root)):
        where = result.output.relative_to(root / "generated").as_posix()
        prefix = "" if where == "." else f"{where}/"
        artifacts.update({f"{prefix}{a.path}": a.content for a in result.artifacts})
    if case not in NOT_ON_A_CLUSTER:
        cluster = compile_project(Inputs(path=root, cwd=root), target="kubernetes")
        artifacts.update({f"kubernetes/{a.path}": a.content for a in cluster.artifacts})
    return artifacts


def outputs(case: str) -> list[tuple[str, str]]:
    """(directory below generated/, target) of every output `hsmc build` writes for the case:
    its consumers validate each."""
    root = GOLDEN / case
    found = []
    for result in compile_targets(Inputs(path=root, cwd=root)):
        found.append((result.output.relative_to(root / "generated").as_posix(), result.target))
    return found


def _artifact_names(case: str) -> list[str]:
    try:
        return sorted(built(case))
    except CompileError:
        return list(STANDARD)  # the test then fails with the diagnostics


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"case", "artifact"} <= set(metafunc.fixturenames):
        pairs = [(c, a) for c in CASES for a in _artifact_names(c)]
        metafunc.parametrize(("case", "artifact"), pairs, ids=[f"{c}/{a}" for c, a in pairs])


@pytest.fixture
def golden(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(GoldenFile)


def test_artifact(case: str, artifact: str, golden: SnapshotAssertion) -> None:
    assert built(case)[artifact] == golden


@pytest.mark.parametrize("case", CASES)
def test_expected_holds_exactly_the_artifacts(case: str) -> None:
    expected = GOLDEN / case / "expected"
    on_disk = {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
    produced = set(built(case))
    assert not produced - on_disk, "missing: run `pytest --snapshot-update`, review the files"
    assert not on_disk - produced, "stale expected files that hsmc no longer produces: delete them"


def test_every_golden_directory_is_a_case() -> None:
    dirs = {p.name for p in GOLDEN.iterdir() if p.is_dir() and p.name != "errors"}
    assert dirs == set(CASES), "a golden/ directory without hsm.yaml (a removed case?)"
    assert len(CASES) >= 7


def test_design_cases_are_all_present() -> None:
    slugs = {c.split("-", 1)[0] for c in CASES}
    assert {"01", "02", "03", "04", "05", "06", "07"} <= slugs


def test_the_environments_case_writes_three_stacks() -> None:
    """golden 07: the laptop (compose, a build source), `cluster` (kubernetes, the released
    image) and `cloud-db` (compose, the vector store external), from one manifest."""
    assert outputs("07-environments") == [
        (".", "compose"),
        ("cluster/kubernetes", "kubernetes"),
        ("cloud-db", "compose"),
    ]
    files = built("07-environments")
    assert b"build:" in files["docker-compose.yml"]
    assert b'image: "ghcr.io/example/shop-api:1.4.2"' in files["cluster/kubernetes/api.yaml"]
    assert b"vector-db:" in files["docker-compose.yml"]
    assert b"\n  vector-db:" not in files["cloud-db/docker-compose.yml"]
    assert b"QDRANT_EXTERNAL_HOST" in files["cloud-db/docker-compose.yml"]


@pytest.mark.parametrize("case", CASES)
def test_every_artifact_has_the_header_and_one_final_newline(case: str) -> None:
    for path, content in built(case).items():
        if "files" in path.split("/")[:-1]:  # shipped files, as their registry wrote them
            continue
        text = content.decode("utf-8")
        head = text.splitlines()[1 if path.endswith("install.sh") else 0]
        assert "Generated by hsmc from hsm.yaml" in head, path
        assert text.endswith("\n") and not text.endswith("\n\n"), path
        assert "\r" not in text, path
        assert str(Path.home()) not in text and str(GOLDEN) not in text, path

"""Every environment's output against its real consumer, as tests/test_properties.py (compose)
and tests/test_kubernetes.py (Kustomize, strict schemas) check the top level's: each compose
directory passes `docker compose config -q` with no warning, each Kustomize directory renders
with `kubectl kustomize` and every object validates strictly. The outputs are found from each
golden case's manifest (tests/test_golden.py: `outputs`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CASES, compose_binary, copy_case, env_template_values, run_hsmc
from tests.test_golden import outputs
from tests.test_kubernetes import _generated_objects, _render, _validate

ENVIRONMENT_OUTPUTS = [
    (case, directory, target)
    for case in CASES
    for directory, target in outputs(case)
    if directory != "."  # the top level's: test_properties.py, test_kubernetes.py
]


def test_a_golden_case_has_environments_of_both_targets() -> None:
    assert {t for _, _, t in ENVIRONMENT_OUTPUTS} == {"compose", "kubernetes"}


def _compose(output: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = env_template_values(output / ".env.template")
    return subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", *args],
        cwd=output,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(output), **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("case", "directory", "target"),
    ENVIRONMENT_OUTPUTS,
    ids=[f"{c}/{d}" for c, d, _ in ENVIRONMENT_OUTPUTS],
)
def test_each_environments_output_is_accepted_by_its_consumer(
    case: str, directory: str, target: str, tmp_path: Path
) -> None:
    project = copy_case(case, tmp_path)
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 0, result.stderr
    output = project / "generated" / directory
    if target == "compose":
        checked = _compose(output, "config", "-q")
        assert checked.returncode == 0 and checked.stderr == "", checked.stderr
        return
    names = env_template_values(output / ".env.template")
    (output / ".env").write_text("".join(f"{n}=x-{n.lower()}\n" for n in names))
    _validate(_generated_objects(output))
    rendered = _render(output)
    _validate(rendered)
    assert {o["metadata"]["labels"]["app.kubernetes.io/managed-by"] for o in rendered} == {"hsmc"}


def test_two_environments_never_share_a_container_or_a_volume(tmp_path: Path) -> None:
    """docs/decisions.md, "Environments": each is a compose project of its own, so Compose
    names their containers and volumes apart; switching loses nothing, mixes nothing."""
    project = copy_case("07-environments", tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    laptop = json.loads(_compose(project / "generated", "config", "--format", "json").stdout)
    cloud = json.loads(
        _compose(project / "generated" / "cloud-db", "config", "--format", "json").stdout
    )
    assert (laptop["name"], cloud["name"]) == ("07-environments", "07-environments-cloud-db")
    assert laptop["volumes"]["postgres_data"]["name"] == "07-environments_postgres_data"
    assert cloud["volumes"]["postgres_data"]["name"] == "07-environments-cloud-db_postgres_data"
    names = {v["name"] for v in laptop["volumes"].values()}
    assert not names & {v["name"] for v in cloud["volumes"].values()}
    assert "vector-db" in laptop["services"] and "vector-db" not in cloud["services"]

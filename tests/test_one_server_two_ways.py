"""Issue 13, point 5: one server used two ways. HSM108 names every implication and points at a
recipe; the recipe (docs/format.md, "One server, two ways") builds; params an external service
cannot use are a warning and a STACK.md note, not dropped silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dotenv import dotenv_values

from tests.conftest import ROOT, compile_errors, run_hsmc, write_project

NEW = "name: new-service\nimplies:\n  container:postgres:\n    params:\n      db_name: new_db\n"
LEGACY = "name: legacy-billing\nimplies:\n  container:company-postgres:\n"


def _recipe_entry() -> str:
    """The container entry exactly as docs/format.md shows it."""
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n# registry/containers/company-postgres.yaml\n(.*?)```", text, re.S)
    assert match is not None, "the recipe is gone from docs/format.md"
    return match.group(1)


def test_the_documented_recipe_builds_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_project(
        tmp_path,
        {
            "hsm.yaml": "packages:\n  - new-service\n  - legacy-billing\n",
            "registry/packages/new-service.yaml": NEW,
            "registry/packages/legacy-billing.yaml": LEGACY,
            "registry/containers/company-postgres.yaml": _recipe_entry(),
        },
    )
    built = run_hsmc("build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert "warning" not in built.stderr
    out = project / "generated"
    compose = (out / "docker-compose.yml").read_text()
    assert "\n  postgres:\n" in compose and "company-postgres:" not in compose
    assert 'POSTGRES_MULTIPLE_DATABASES: "new_db"' in compose
    env = {"COMPANY_PG_HOST": "db.corp", "COMPANY_PG_USER": "legacy", "COMPANY_PG_PASSWORD": "x"}
    for key, value in env.items():  # what load_dotenv(".env") does before packages.env
        monkeypatch.setenv(key, value)
    values = dotenv_values(out / "packages.env", interpolate=True)
    assert (values["PGHOST"], values["PGPORT"]) == ("localhost", "5432")
    assert (values["LEGACY_PGHOST"], values["LEGACY_PGPORT"]) == ("db.corp", "5432")
    assert values["LEGACY_PGUSER"] == "legacy"


def test_hsm108_names_each_implication_and_the_recipe(tmp_path: Path) -> None:
    group = "    {name}:\n      selection: postgres\n"
    files = {
        "hsm.yaml": "packages:\n  - new-service\n  - psycopg\nservices:\n  container_groups:\n"
        + group.format(name="local")
        + group.format(name="company")
        + "      profile: external\n",
        "registry/packages/new-service.yaml": NEW,
    }
    (diag,) = compile_errors(tmp_path, files)
    assert diag.code == "HSM108"
    notes = [(r.message, r.span.file, r.span.line) for r in diag.related]
    assert notes == [
        ("also selected here", "hsm.yaml", 6),
        ("implied by package `psycopg`", "built-in:packages/psycopg.yaml", 6),
        ("implied by package `new-service`", "registry/packages/new-service.yaml", 3),
    ]
    assert '"One server, two ways" in docs/format.md' in (diag.hint or "")
    assert "### One server, two ways" in (ROOT / "docs" / "format.md").read_text()


def test_params_an_external_service_cannot_use_are_reported(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - new-service\nservices:\n  container_groups:\n"
        "    company-db:\n      selection: postgres\n      profile: external\n",
        "registry/packages/new-service.yaml": NEW,
    }
    project = write_project(tmp_path, files)
    built = run_hsmc("build", cwd=project)
    assert built.returncode == 0, built.stderr
    warning = (
        "hsmc: warning: service `company-db` is external (profile `external`), so its params "
        "have no effect: nothing creates `db_name: new_db` (from new-service) on that server"
    )
    assert warning in built.stderr and "(hsm.yaml:5)" in built.stderr
    stack_md = (project / "generated" / "STACK.md").read_text()
    assert "\n## Notes\n\n- service `company-db` is external" in stack_md
    assert "`db_name: new_db` (from new-service)" in stack_md

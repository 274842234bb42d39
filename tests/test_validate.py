"""The validate stage on its own: `validate()` over small parsed projects, its diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import validate_errors

PG = 'name: postgres\nimage: postgres:16\nports:\n  - "5432:5432"\n'


def _files(manifest: str, **entries: str) -> dict[str, str]:
    files = {"hsm.yaml": manifest}
    for name, body in entries.items():
        kind = "containers" if name.startswith("c_") else "packages"
        stem = name.removeprefix("c_").removeprefix("p_").replace("_", "-")
        files[f"registry/{kind}/{stem}.yaml"] = f"name: {stem}\n{body}"
    return files


def test_unknown_container_suggests_the_closest(tmp_path: Path) -> None:
    files = _files("packages:\n  - auth\n", p_auth="implies:\n  container:postgress:\n")
    files["registry/containers/postgres.yaml"] = PG
    (diag,) = validate_errors(tmp_path, files)
    assert diag.code == "HSM104" and diag.message == "unknown container `postgress`"
    assert diag.hint == "did you mean `postgres`?"
    assert diag.span and (diag.span.file, diag.span.line, diag.span.col) == (
        "registry/packages/auth.yaml",
        3,
        3,
    )


def test_unknown_mode_lists_the_defined_ones(tmp_path: Path) -> None:
    body = "sources:\n  dev:\n    type: pypi\n  prod:\n    type: pypi\n"
    (diag,) = validate_errors(tmp_path, _files("packages:\n  - a: stage\n", p_a=body))
    assert diag.code == "HSM201" and diag.hint == "defined modes of `a`: `dev`, `prod`"


def test_package_listed_twice_with_different_modes(tmp_path: Path) -> None:
    body = "sources:\n  dev:\n    type: pypi\n  prod:\n    type: pypi\n"
    diags = validate_errors(tmp_path, _files("packages:\n  - a: dev\n  - a: prod\n", p_a=body))
    assert [d.code for d in diags] == ["HSM106"]
    assert diags[0].span and diags[0].span.line == 3 and diags[0].related[0].span.line == 2


def test_implication_cycle_is_shown_as_a_path(tmp_path: Path) -> None:
    files = _files(
        "packages:\n  - a\n",
        p_a="implies:\n  package:b:\n",
        p_b="implies:\n  package:a:\n",
    )
    (diag,) = validate_errors(tmp_path, files)
    assert diag.code == "HSM107" and diag.message == "implication cycle: a → b → a"
    assert diag.related and diag.related[0].span.file.endswith("b.yaml")


def test_literal_secret_is_refused_but_references_are_fine(tmp_path: Path) -> None:
    body = 'env:\n  DB_PASSWORD: "hunter2"\n  API_TOKEN: "${TOKEN}"\n  USER: admin\n'
    (diag,) = validate_errors(tmp_path, _files("packages:\n  - a\n", p_a=body))
    assert diag.code == "HSM308" and diag.span and (diag.span.line, diag.span.col) == (3, 16)
    assert diag.hint and "${DB_PASSWORD}" in diag.hint


def test_literal_secret_in_an_external_profile(tmp_path: Path) -> None:
    body = (
        "deployment_profiles:\n  cloud:\n    mode: external\n    external:\n"
        '      host: h\n      port: "1"\n      api_key: abc123\n'
    )
    manifest = "services:\n  container_groups:\n    q:\n      selection: q\n      profile: cloud\n"
    (diag,) = validate_errors(tmp_path, _files(manifest, c_q=body))
    assert diag.code == "HSM308" and diag.span and diag.span.line == 8


def test_external_profile_needs_host_and_port(tmp_path: Path) -> None:
    body = "deployment_profiles:\n  cloud:\n    mode: external\n    external:\n      host: h\n"
    manifest = "services:\n  container_groups:\n    q:\n      selection: q\n      profile: cloud\n"
    (diag,) = validate_errors(tmp_path, _files(manifest, c_q=body))
    assert diag.code == "HSM207" and "no port" in diag.message


def test_two_groups_selecting_an_implied_container(tmp_path: Path) -> None:
    manifest = (
        "packages:\n  - a\nservices:\n  container_groups:\n"
        "    one:\n      selection: postgres\n    two:\n      selection: postgres\n"
    )
    files = _files(manifest, p_a="implies:\n  container:postgres:\n")
    files["registry/containers/postgres.yaml"] = PG
    (diag,) = validate_errors(tmp_path, files)
    assert diag.code == "HSM108" and diag.span and diag.span.line == 7


def test_unknown_profile_suggests(tmp_path: Path) -> None:
    body = (
        PG.replace("name: postgres\n", "")
        + "deployment_profiles:\n  managed-dev:\n    mode: managed\n"
    )
    manifest = (
        "services:\n  container_groups:\n    db:\n      selection: pg\n      profile: managed-dew\n"
    )
    (diag,) = validate_errors(tmp_path, _files(manifest, c_pg=body))
    assert diag.code == "HSM202" and diag.hint == "did you mean `managed-dev`?"


def test_output_may_not_be_the_project_directory(tmp_path: Path) -> None:
    (diag,) = validate_errors(tmp_path, _files("output: .\npackages:\n  - a\n", p_a=""))
    assert diag.code == "HSM403"


def test_a_manifest_without_packages_or_groups_is_empty(tmp_path: Path) -> None:
    (diag,) = validate_errors(tmp_path, {"hsm.yaml": "name: nothing\npackages:\n"})
    assert diag.code == "HSM008" and diag.span and diag.span.file == "hsm.yaml"


def test_output_error_points_at_the_output_key(tmp_path: Path) -> None:
    (diag,) = validate_errors(tmp_path, _files("output: .\npackages:\n  - a\n", p_a=""))
    assert diag.span and (diag.span.line, diag.span.col) == (1, 9)


PARAMS = (
    'params:\n  db_name:\n    pattern: "^[a-z_][a-z0-9_]{0,62}$"\n'
    "    description: a PostgreSQL database name\n"
)


def test_declared_params_are_checked_against_their_pattern(tmp_path: Path) -> None:
    files = _files(
        "packages:\n  - a\n",
        p_a='implies:\n  container:pg:\n    params:\n      db_name: "x; drop"\n',
        c_pg="image: postgres:16\n" + PARAMS,
    )
    (diag,) = validate_errors(tmp_path, files)
    assert diag.code == "HSM313" and diag.span and diag.span.line == 5
    assert diag.hint == "`db_name` must be a PostgreSQL database name"


def test_an_undeclared_param_suggests_the_declared_one(tmp_path: Path) -> None:
    files = _files(
        "packages:\n  - a\n",
        p_a="implies:\n  container:pg:\n    params:\n      dbname: auth\n",
        c_pg="image: postgres:16\n" + PARAMS,
    )
    (diag,) = validate_errors(tmp_path, files)
    assert diag.code == "HSM312" and diag.hint == "did you mean `db_name`?"


def test_an_invalid_pattern_is_reported(tmp_path: Path) -> None:
    manifest = "services:\n  container_groups:\n    pg:\n      selection: pg\n"
    bad = 'image: postgres:16\nparams:\n  db_name:\n    pattern: "[a-"\n'
    (diag,) = validate_errors(tmp_path, _files(manifest, c_pg=bad))
    assert diag.code == "HSM314" and diag.span and diag.span.line == 5


def test_a_param_with_an_invalid_pattern_is_reported_once(tmp_path: Path) -> None:
    """One cause, one diagnostic: the value is not checked against a pattern that is broken."""
    manifest = "services:\n  container_groups:\n    pg:\n      selection: pg\n"
    manifest += "      params:\n        db_name: auth\n"
    bad = 'image: postgres:16\nparams:\n  db_name:\n    pattern: "[a-"\n'
    assert [d.code for d in validate_errors(tmp_path, _files(manifest, c_pg=bad))] == ["HSM314"]


def test_profile_keys_that_have_no_effect(tmp_path: Path) -> None:
    manifest = "services:\n  container_groups:\n    pg:\n      selection: pg\n"
    body = (
        "image: postgres:16\ndeployment_profiles:\n  managed:\n    mode: managed\n"
        "    external:\n      host: h\n  remote:\n    mode: external\n    image: x\n"
        "    external:\n      host: h\n      port: '1'\n"
    )
    diags = validate_errors(tmp_path, _files(manifest, c_pg=body))
    assert [(d.code, d.span.line if d.span else 0) for d in diags] == [
        ("HSM208", 6),
        ("HSM208", 10),
    ]
    assert diags[1].message == "`image` has no effect in external profile `remote`"


def test_secrets_cannot_hide_in_overrides_params_or_defaults(tmp_path: Path) -> None:
    manifest = (
        "packages:\n  - a\nservices:\n  container_groups:\n    db:\n      selection: pg\n"
        "      overrides:\n        environment:\n          ADMIN_PASSWORD: hunter2\n"
        "        labels:\n          - API_TOKEN=abc\n"
    )
    files = _files(
        manifest,
        p_a="implies:\n  container:pg:\n    params:\n      password: hunter3\n",
        c_pg='image: postgres:16\nenv:\n  DB_PASSWORD: "${DB_PASSWORD:-hunter4}"\n'
        '  OK_TOKEN: "${OK_TOKEN:-}"\n',
    )
    diagnostics = validate_errors(tmp_path, files)
    assert [(d.code, d.span.file, d.span.line) for d in diagnostics if d.span] == [
        ("HSM308", "hsm.yaml", 9),
        ("HSM308", "hsm.yaml", 11),
        ("HSM308", "registry/containers/pg.yaml", 4),
        ("HSM308", "registry/packages/a.yaml", 5),
    ]
    assert "literal default" in diagnostics[2].message


def test_a_container_cannot_imply_a_package(tmp_path: Path) -> None:
    manifest = "services:\n  container_groups:\n    x:\n      selection: x\n"
    files = _files(manifest, c_x="image: x:1\nimplies:\n  package:a:\n", p_a="")
    (diag,) = validate_errors(tmp_path, files)
    assert diag.code == "HSM111" and diag.span and diag.span.line == 4


def test_overrides_hold_compose_service_keys(tmp_path: Path) -> None:
    manifest = (
        "services:\n  container_groups:\n    pg:\n      selection: pg\n      overrides:\n"
        "        restrat: always\n        x-note: fine\n        labels:\n          a: b\n"
    )
    (diag,) = validate_errors(tmp_path, _files(manifest, c_pg="image: postgres:16\n"))
    assert diag.code == "HSM112" and diag.hint == "did you mean `restart`?"
    assert diag.span and diag.span.line == 6


def test_secrets_cannot_hide_behind_params_dollars_or_nested_defaults(tmp_path: Path) -> None:
    manifest = (
        "services:\n  container_groups:\n    pg:\n      selection: pg\n"
        "      params:\n        pw: hunter2\n"
    )
    env = (
        'env:\n  POSTGRES_PASSWORD: "${HSM_PARAMS.pw}"\n  DB_PASSWORD: "hunter2$5"\n'
        '  ADMIN_PASSWORD: "${ADMIN_PASSWORD:-${FALLBACK:-hunter3}}"\n'
        '  OK_PASSWORD: "${OK_PASSWORD:-${OTHER}}"\n'
    )
    diagnostics = validate_errors(tmp_path, _files(manifest, c_pg="image: postgres:16\n" + env))
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [
        ("HSM308", 4),
        ("HSM308", 5),
        ("HSM308", 6),
    ]
    assert "params" in diagnostics[0].message and "literal default" in diagnostics[2].message


def test_paths_uv_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "a #b").mkdir()
    files = _files(
        "packages:\n  - a: dev\n",
        p_a='sources:\n  dev:\n    type: local\n    path: "../../a #b"\n',
    )
    assert [d.code for d in validate_errors(tmp_path / "1", files)] == ["HSM409"]


@pytest.mark.slow  # 1100 entries to parse: about 5 s
def test_a_chain_of_implications_longer_than_the_python_stack(tmp_path: Path) -> None:
    """The cycle search is a loop: 1100 containers in a chain (was RecursionError → exit 3),
    and a cycle at its end is still found."""
    count = 1100  # Python stops recursing at 1000 frames
    files = {"hsm.yaml": "packages:\n  - p\n"}
    files["registry/packages/p.yaml"] = "name: p\nimplies:\n  container:c0:\n"
    for i in range(count):
        files[f"registry/containers/c{i}.yaml"] = (
            f"name: c{i}\nimage: x:1\nimplies:\n  container:c{(i + 1) % count}:\n"
        )
    (diag,) = validate_errors(tmp_path, files)
    assert diag.code == "HSM107" and diag.message.startswith("implication cycle: c0 → c1 → c2")


def test_project_and_group_names_must_be_compose_names(tmp_path: Path) -> None:
    manifest = (
        "name: My Stack\nservices:\n  container_groups:\n    Pg:\n      selection: postgres\n"
    )
    files = {"hsm.yaml": manifest, "registry/containers/postgres.yaml": PG}
    diags = validate_errors(tmp_path, files)
    assert [(d.code, d.span.line if d.span else 0) for d in diags] == [
        ("HSM102", 1),
        ("HSM102", 4),
    ]

"""Issue 22, item 7: a literal password inside a URL (`scheme://user:PASSWORD@host`) is a
literal secret (HSM308) wherever the secret rule looks, under any key; a run-time reference is
fine. The compile-time params are written into the artifacts, so a password from params is
refused, as it is under a key that looks like a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hsmc.url_passwords import passwords
from tests.conftest import compile_errors, compile_files, run_hsmc, write_project


def _project(*, group: str = "", package: str = "", container: str = "") -> dict[str, str]:
    """A package `app` that needs container `pg` (group `db`); each part takes extra lines
    (as in tests/test_secrets.py)."""
    return {
        "hsm.yaml": "packages:\n  - app\nservices:\n  container_groups:\n    db:\n"
        "      selection: pg\n" + group,
        "registry/packages/app.yaml": "name: app\nimplies:\n  container:pg:\n" + package,
        "registry/containers/pg.yaml": "name: pg\nimage: postgres:16\nport: 5432\n"
        'ports:\n  - "5432:5432"\n' + container,
    }


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("postgresql://app:hunter2@db/app", ["hunter2"]),
        ("postgresql://app:${PGPASSWORD}@db/app", ["${PGPASSWORD}"]),
        ("postgresql://app@db/app", []),  # no password
        ("http://host:8080/", []),  # a port, not user-info
        ("http://app:@db/", [""]),  # an empty password
        ("http://${A}:${B}@db/", ["${B}"]),
        ("http://u:${HSM_PARAMS.pw}@db/", ["${HSM_PARAMS.pw}"]),
        ("http://u:hunter%32@db/", ["hunter%32"]),  # percent-encoded: still literal text
        ("http://[::1]:5432/", []),  # an IPv6 host and a port
        ("http://u:pw@[::1]:5432/", ["pw"]),
        ("http://db/path@x", []),  # `@` in the path
        ("http://db/?mail=a:b@c", []),  # `@` in the query
        ("http://db#a:b@c", []),  # `@` in the fragment
        ("mailto:a:b@example.com", []),  # no `//`: no user-info
        ("redis:pw@db", []),
        ("postgresql://u:p@ss@db/", ["p@ss"]),  # user-info ends at the last `@`
        ("${SCHEME}://u:pw@db", ["pw"]),
        ("http://u:${P:-a/b}@db", ["${P:-a/b}"]),  # a reference is one piece
        ("x ${URL:-redis://:pw@db:6379/0}", ["pw"]),  # a literal default is written as it is
        ("${HSM_PARAMS.url:-pg://u:pw@db}", ["pw"]),
        ("${URL:?redis://:pw@db}", []),  # a message is not written
        ("psql postgresql://a:b@db/x -c 'select 1'", ["b"]),
        ("http://a:b@h http://c:${D}@h", ["b", "${D}"]),
    ],
)
def test_the_password_of_every_url_in_a_string(value: str, found: list[str]) -> None:
    assert passwords(value) == found


def _package_env(value: str) -> dict[str, str]:
    files = _project()
    files["registry/packages/app.yaml"] = f"name: app\nenv:\n  DATABASE_URL: {json.dumps(value)}\n"
    files["registry/packages/app.yaml"] += "implies:\n  container:pg:\n"
    return files


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("postgresql://app:hunter2@db/app", "a URL with a literal password"),
        ("postgresql://app:hunter%32@db/app", "a URL with a literal password"),
        ("postgresql://${USER}:x${PW}@db/app", "a URL with a literal password"),
        ("postgresql://app:$$@db/app", "a URL with a literal password"),
        ("http://app:pw@[::1]:5432/", "a URL with a literal password"),
        (
            "postgresql://app:${HSM_PARAMS.db_name}@db/app",
            "a URL whose password takes its value from params",
        ),
        ("postgresql://app:${PW:-hunter2}@db/app", "a URL whose password has a literal default"),
        ("${DATABASE_URL:-postgresql://app:hunter2@db/app}", "a URL with a literal password"),
    ],
)
def test_a_literal_password_in_a_url_is_refused(tmp_path: Path, value: str, problem: str) -> None:
    (diag,) = compile_errors(tmp_path, _package_env(value))
    assert diag.code == "HSM308" and diag.span is not None
    assert (diag.span.file, diag.span.line) == ("registry/packages/app.yaml", 3)
    assert diag.message == f"`DATABASE_URL` has {problem}, which is written into the artifacts"
    assert diag.hint is not None and "${DATABASE_PASSWORD}" in diag.hint


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://app:${PGPASSWORD}@db/app",
        "postgresql://app@db/app",
        "http://host:8080/",
        "postgresql://app:@db/app",
        "postgresql://${PGUSER}:${PGPASSWORD}@db/app",
        "http://[::1]:8080/",
        "http://db/login@home?mail=a:b@c",
        "mailto:app:x@example.com",
        "postgresql://app:${PW:-}@db/app",
        "postgresql://app:${PW:?set PW in .env}@db/app",
    ],
)
def test_a_run_time_password_or_none_passes(tmp_path: Path, value: str) -> None:
    out = compile_files(tmp_path, _package_env(value))
    assert "DATABASE_URL=" in out["packages.env"]


_EVERYWHERE = {
    "container env": _project(container='env:\n  DB_URL: "pg://u:hunter2@pg/db"\n'),
    "connection": _project(container='connection:\n  DB_URL: "pg://u:hunter2@${HSM.host}/db"\n'),
    "profile env": _project(
        container="deployment_profiles:\n  managed:\n    mode: managed\n    env:\n"
        '      DB_URL: "pg://u:hunter2@pg/db"\n'
    ),
    "external field": _project(
        container="default_profile: remote\ndeployment_profiles:\n  remote:\n    mode: external\n"
        '    external:\n      host: db.example.com\n      port: 5432\n      dsn: "pg://u:pw@h/d"\n'
    ),
    "implication params": _project(package='    params:\n      url: "pg://u:hunter2@pg/db"\n'),
    "group params": _project(group='      params:\n        url: "pg://u:hunter2@pg/db"\n'),
    "overrides environment map": _project(
        group='      overrides:\n        environment:\n          DB_URL: "pg://u:pw@pg/db"\n'
    ),
    "overrides environment list": _project(
        group='      overrides:\n        environment:\n          - "DB_URL=pg://u:pw@pg/db"\n'
    ),
    "command": _project(container='command:\n  - psql\n  - "pg://u:hunter2@pg/db"\n'),
    "healthcheck": _project(container='healthcheck:\n  test: "psql pg://u:hunter2@pg/db"\n'),
    "build args": _project(
        container="sources:\n  dev:\n    type: build\n    path: .\n    args:\n"
        '      MIRROR: "https://u:hunter2@mirror.example/simple"\ndefault_source: dev\n'
    ),
    "git source": _project(
        package="sources:\n  dev:\n    type: git\n"
        '    url: "https://u:ghp_x@github.com/o/r.git"\ndefault_source: dev\n'
    ),
}


@pytest.mark.parametrize("case", sorted(_EVERYWHERE))
def test_everywhere_the_secret_rule_looks(tmp_path: Path, case: str) -> None:
    diagnostics = compile_errors(tmp_path, _EVERYWHERE[case])
    assert [d.code for d in diagnostics] == ["HSM308"], [d.message for d in diagnostics]
    assert "URL with a literal password" in diagnostics[0].message


def test_an_external_field_that_reaches_the_password_of_a_url(tmp_path: Path) -> None:
    container = (
        'connection:\n  DB_URL: "pg://u:${HSM.pw}@${HSM.host}:${HSM.port}/db"\n'
        "default_profile: remote\ndeployment_profiles:\n  remote:\n    mode: external\n"
        "    external:\n      host: db.example.com\n      port: 5432\n      pw: hunter2\n"
    )
    files = _project(container=container)
    files["hsm.yaml"] = "packages:\n  - app\n"
    (diag,) = compile_errors(tmp_path, files)
    assert diag.code == "HSM308" and diag.span is not None
    assert (diag.span.file, diag.span.line) == ("registry/containers/pg.yaml", 15)
    assert "`pw` of profile `remote` reaches `DB_URL`, as the password of a URL" in diag.message
    assert diag.hint is not None and "${DB_PASSWORD}" in diag.hint
    files["registry/containers/pg.yaml"] = "name: pg\nimage: postgres:16\n" + container.replace(
        "pw: hunter2", 'pw: "${PGPW}"'
    )
    out = compile_files(tmp_path / "fine", files)
    assert 'DB_URL="pg://u:${PGPW}@db.example.com:5432/db"' in out["packages.env"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_password_is_never_printed(tmp_path: Path, fmt: str) -> None:
    write_project(tmp_path, _package_env("postgresql://app:sk-live-4f9a@db/app"))
    result = run_hsmc("check", "--format", fmt, cwd=tmp_path, env={"NO_COLOR": "1"})
    assert result.returncode == 1 and "HSM308" in result.stdout + result.stderr
    assert "sk-live-4f9a" not in result.stdout + result.stderr

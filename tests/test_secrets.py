"""Issue 14, item 1: a literal secret cannot slip into an artifact, however it is nested.

The secret rule reads values with the one reference grammar (hsmc.refs), so every depth of
`${…}` nesting is seen, on every path a value takes to an artifact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hsmc.errors import Diagnostic, Related
from hsmc.model import Span
from hsmc.refs import MAX_DEPTH
from hsmc.validate.secrets import Shape, mask_secrets, shape
from tests.conftest import compile_errors, compile_files, run_hsmc, write_project

DEEP_LITERAL = '"hunter2${A:-${B:-${C}}}"'
DEEP_DEFAULT = '"${A:-${B:-${C:-hunter2}}}"'


def _project(*, group: str = "", package: str = "", container: str = "") -> dict[str, str]:
    """A package `app` that needs container `pg` (group `db`); each part takes extra lines."""
    return {
        "hsm.yaml": "packages:\n  - app\nservices:\n  container_groups:\n    db:\n"
        "      selection: pg\n" + group,
        "registry/packages/app.yaml": "name: app\nimplies:\n  container:pg:\n" + package,
        "registry/containers/pg.yaml": "name: pg\nimage: postgres:16\nport: 5432\n"
        'ports:\n  - "5432:5432"\n' + container,
    }


CASES = {
    "env, literal before a deep reference": (
        _project(container=f"env:\n  POSTGRES_PASSWORD: {DEEP_LITERAL}\n"),
        "registry/containers/pg.yaml",
        7,
        "has a literal value",
    ),
    "env, literal three defaults deep": (
        _project(container=f"env:\n  DB_PASSWORD: {DEEP_DEFAULT}\n"),
        "registry/containers/pg.yaml",
        7,
        "literal default",
    ),
    "overrides map": (
        _project(
            group=f"      overrides:\n        environment:\n          DB_PASSWORD: {DEEP_DEFAULT}\n"
        ),
        "hsm.yaml",
        9,
        "literal default",
    ),
    "overrides list item": (
        _project(
            group="      overrides:\n        environment:\n"
            "          - DB_PASSWORD=${A:-${B:-${C:-hunter2}}}\n"
        ),
        "hsm.yaml",
        9,
        "literal default",
    ),
    "build args": (
        _project(
            container="sources:\n  dev:\n    type: build\n    path: .\n    args:\n"
            f"      API_TOKEN: {DEEP_LITERAL}\ndefault_source: dev\n"
        ),
        "registry/containers/pg.yaml",
        11,
        "has a literal value",
    ),
    "profile env": (
        _project(
            container="deployment_profiles:\n  managed:\n    mode: managed\n    env:\n"
            f"      POSTGRES_PASSWORD: {DEEP_DEFAULT}\n"
        ),
        "registry/containers/pg.yaml",
        10,
        "literal default",
    ),
    "implication params": (
        _project(package=f"    params:\n      db_password: {DEEP_DEFAULT}\n"),
        "registry/packages/app.yaml",
        5,
        "literal default",
    ),
    "a secret name with a literal default, under a plain key": (
        _project(container='env:\n  DB_URL: "postgres://u:${DB_PASSWORD:-hunter2}@pg/db"\n'),
        "registry/containers/pg.yaml",
        7,
        "`${DB_PASSWORD…}` looks like a secret but has a literal default",
    ),
    "a secret name with a literal default, deep in a command": (
        _project(container='command:\n  - run\n  - "${A:-${DB_PASSWORD:-${B:-x}}}"\n'),
        "registry/containers/pg.yaml",
        8,
        "`${DB_PASSWORD…}` looks like a secret",
    ),
    "a list under a secret-looking key of overrides": (
        _project(
            group="      overrides:\n        x-db:\n          password:\n            - hunter2\n"
        ),
        "hsm.yaml",
        10,
        "`password` looks like a secret but has a literal value",
    ),
    "a map under a secret-looking key of overrides": (
        _project(group="      overrides:\n        x-secrets:\n          db: hunter2\n"),
        "hsm.yaml",
        9,
        "`x-secrets` looks like a secret but has a literal value",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_literal_secret_is_refused_on_every_path(tmp_path: Path, case: str) -> None:
    files, file, line, message = CASES[case]
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.file, d.span.line) for d in diagnostics if d.span] == [
        ("HSM308", file, line)
    ]
    assert message in diagnostics[0].message


def test_an_external_field_reaching_a_secret_through_hsm_field(tmp_path: Path) -> None:
    container = (
        "connection:\n  PGHOST: ${HSM.host}\n  PGPASSWORD: ${HSM.pw}\n"
        "default_profile: remote\ndeployment_profiles:\n  remote:\n    mode: external\n"
        "    external:\n      host: db.example.com\n      port: 5432\n      pw: hunter2\n"
    )
    files = _project(container=container)
    files["hsm.yaml"] = "packages:\n  - app\n"
    (diag,) = compile_errors(tmp_path, files)
    assert diag.code == "HSM308" and diag.span is not None
    assert (diag.span.file, diag.span.line) == ("registry/containers/pg.yaml", 16)
    assert "`pw` of profile `remote` reaches `PGPASSWORD`" in diag.message
    assert [r.span.line for r in diag.related if r.span] == [8]


def test_the_field_may_be_a_reference(tmp_path: Path) -> None:
    container = (
        "connection:\n  PGHOST: ${HSM.host}\n  PGPASSWORD: ${HSM.pw}\n"
        "default_profile: remote\ndeployment_profiles:\n  remote:\n    mode: external\n"
        '    external:\n      host: db.example.com\n      port: 5432\n      pw: "${PGPW}"\n'
    )
    files = _project(container=container)
    files["hsm.yaml"] = "packages:\n  - app\n"
    out = compile_files(tmp_path, files)
    assert 'PGPASSWORD="${PGPW}"' in out["packages.env"]


def test_references_without_literals_stay_allowed(tmp_path: Path) -> None:
    env = (
        'env:\n  POSTGRES_PASSWORD: "${A:-${B:-${C}}}"\n'
        '  DB_PASSWORD: "${DB_PASSWORD:?set it in .env}"\n'
        '  DB_URL: "postgres://u:${DB_PASSWORD}@pg/db"\n'
        '  EMPTY_TOKEN: "${EMPTY_TOKEN:-}"\n'
        '  LOG_LEVEL: "${LOG_LEVEL:-${LEVEL:-info}}"\n'
    )
    out = compile_files(tmp_path, _project(container=env))
    assert "hunter" not in "".join(out.values())
    assert "LEVEL=info" in out[".env.template"]


def test_the_shape_of_a_value_at_every_depth() -> None:
    deep = "x"
    for _ in range(MAX_DEPTH):
        deep = "${A:-" + deep + "}"
    assert shape(deep).literal_default and not shape(deep).literal
    assert shape("${A:-" + deep + "}").malformed  # one level too deep: HSM315 in interpolate
    assert shape("$${X}").literal  # `$${X}` is the literal text `${X}`
    assert not shape("${A:?message ${B}}").literal_default  # a message is not written
    assert shape("${A:?${B:-x}}").literal_default  # but a default inside it is
    assert shape("${DB_TOKEN:-${OTHER:-x}}").secret_defaults == ["DB_TOKEN"]


@pytest.mark.parametrize(
    ("value", "literal"), [("hunter2", True), ("{x}", True), (" ", False), ("", False)]
)
def test_a_value_without_dollar_is_literal_text_or_nothing(value: str, literal: bool) -> None:
    assert shape(value) == Shape(literal=literal)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_refused_secret_is_never_printed(tmp_path: Path, case: str, fmt: str) -> None:
    """Issue 13, point 3: the snippet under the caret is masked (same length), in every format."""
    files = {k: v.replace("hunter2", "sk-live-4f9a") for k, v in CASES[case][0].items()}
    write_project(tmp_path, files)
    result = run_hsmc("check", "--format", fmt, cwd=tmp_path, env={"NO_COLOR": "1"})
    assert result.returncode == 1 and "HSM308" in result.stdout + result.stderr
    assert "sk-live-4f9a" not in result.stdout + result.stderr
    if fmt == "text":
        lines = result.stderr.splitlines()
        caret = next(i for i, line in enumerate(lines) if line.strip(" |^") == "" and "^" in line)
        start, length = lines[caret].index("^"), lines[caret].count("^")
        assert lines[caret - 1][start : start + length] == "*" * length


def test_a_secret_is_masked_in_every_diagnostic_showing_its_line() -> None:
    """Another diagnostic pointing at the same line (or naming it as related) is masked too."""
    line = '  DB_PASSWORD: "sk-live-4f9a"  # x'
    secret = Span("a.yaml", 3, 16, 14, line)
    other = Span("a.yaml", 3, 3, 11, line)
    diagnostics = [
        Diagnostic("HSM308", "refused", secret),
        Diagnostic("HSM114", "other", other, None, (Related("there", secret),)),
        Diagnostic("HSM114", "elsewhere", Span("a.yaml", 4, 1, 1, "sk-live-4f9a")),
    ]
    masked = mask_secrets(diagnostics)
    shown = [masked[0].span, masked[1].span, masked[1].related[0].span]
    assert [s.source_line for s in shown if s] == ["  DB_PASSWORD: **************  # x"] * 3
    assert masked[2] == diagnostics[2]  # another line is left as it is

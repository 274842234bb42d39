"""Every scalar reaches its artifact through one escaping path; real consumers read back
exactly what the author wrote (Docker Compose v2 for YAML, python-dotenv and Compose for
packages.env)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsmc.emit.text import yaml_key, yaml_scalar
from tests.conftest import compile_errors, compile_files, compose_binary

HOSTILE = [
    "a: b",
    "x # y",
    "#start",
    "'single'",
    '"double"',
    "back\\slash",
    "line\nbreak",
    "crlf\r\n",
    "tab\there",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "~",
    "true",
    "1.0",
    "0o17",
    "0x1F",
    "1e3",
    "2026-11-26",
    "*alias",
    "&anchor",
    "!tag",
    "{a: 1}",
    "[1, 2]",
    "- item",
    "|",
    ">",
    "---",
    "...",
    "? key",
    "@at",
    "`tick`",
    "%percent",
    "trailing space ",
    " leading",
    "",
    "日本語",
    "emoji 🐍",
    "nel\x85",
    "ls\u2028ps\u2029",
    "bom\ufeff",
    "del\x7f",
    "pa$word",
    "$$double",
    "$5 and ${NOT_A_REF}",
    "key: value\nother: 1",
]


def _project(values: list[str]) -> dict[str, str]:
    # JSON strings are YAML double-quoted strings; `$` is written `$$` (a literal dollar).
    env = "".join(
        f"  K{i:02d}: {json.dumps(v.replace('$', '$$'), ensure_ascii=True)}\n"
        for i, v in enumerate(values)
    )
    return {
        "hsm.yaml": "name: hostile\nservices:\n  container_groups:\n    box:\n"
        "      selection: box\n",
        "registry/containers/box.yaml": "name: box\nimage: alpine:3.20\nenv:\n" + env,
    }


def _compose_environment(output: Path) -> dict[str, str]:
    result = subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=output,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(output)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    env = json.loads(result.stdout)["services"]["box"]["environment"]
    # `config` prints a literal dollar escaped, as `$$`.
    return {k: v.replace("$$", "$") for k, v in env.items()}


def _roundtrip(tmp_path: Path, values: list[str]) -> dict[str, str]:
    artifacts = compile_files(tmp_path, _project(values))
    (tmp_path / "docker-compose.yml").write_text(artifacts["docker-compose.yml"], encoding="utf-8")
    return _compose_environment(tmp_path)


def test_hostile_values_round_trip_through_docker_compose(tmp_path: Path) -> None:
    env = _roundtrip(tmp_path, HOSTILE)
    assert env == {f"K{i:02d}": v for i, v in enumerate(HOSTILE)}


TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(TEXT, min_size=1, max_size=4))
def test_any_text_round_trips_through_docker_compose(tmp_path: Path, values: list[str]) -> None:
    env = _roundtrip(tmp_path, values)
    assert env == {f"K{i:02d}": v for i, v in enumerate(values)}


def test_yaml_scalar_is_one_double_quoted_line() -> None:
    for value in HOSTILE:
        out = yaml_scalar(value)
        assert out.startswith('"') and out.endswith('"') and "\n" not in out
    assert yaml_scalar(10) == "10" and yaml_scalar(True) == "true"


@pytest.mark.parametrize(("key", "quoted"), [("POSTGRES_DB", False), ("on", True), ("a b", True)])
def test_yaml_keys_are_quoted_only_when_needed(key: str, quoted: bool) -> None:
    assert yaml_key(key).startswith('"') is quoted


ENV_VALUES = ["plain", "a b", 'q"uote', "back\\slash", "x: y # z", "multi\nline", "cost $5"]


def _env_project(values: list[str], extra: str = "") -> dict[str, str]:
    env = "".join(f"  V{i}: {json.dumps(v.replace('$', '$$'))}\n" for i, v in enumerate(values))
    return {
        "hsm.yaml": "name: envy\npackages:\n  - client\n",
        "registry/packages/client.yaml": "name: client\nenv:\n" + env + extra,
    }


def test_packages_env_reads_back_the_same_in_python_dotenv_and_compose(tmp_path: Path) -> None:
    extra = '  URL: "http://${HOST:-localhost}:${PORT}"\n  NEED: "${NEED:?set NEED}"\n'
    artifacts = compile_files(tmp_path, _env_project(ENV_VALUES, extra))
    env_file = tmp_path / "packages.env"
    env_file.write_text(artifacts["packages.env"], encoding="utf-8")
    expected = {f"V{i}": v for i, v in enumerate(ENV_VALUES)}
    expected |= {"URL": "http://localhost:8080", "NEED": "yes"}

    os.environ.update({"PORT": "8080", "NEED": "yes"})
    try:
        assert dotenv_values(env_file, interpolate=True) == expected
    finally:
        del os.environ["PORT"], os.environ["NEED"]

    compose = "services:\n  s:\n    image: alpine\n    env_file: packages.env\n"
    (tmp_path / "docker-compose.yml").write_text(compose, encoding="utf-8")
    result = subprocess.run(
        [str(compose_binary()), "config", "--format", "json"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PORT": "8080", "NEED": "yes"},
        capture_output=True,
        text=True,
        check=True,
    )
    env = json.loads(result.stdout)["services"]["s"]["environment"]
    assert {k: v.replace("$$", "$") for k, v in env.items()} == expected


def test_a_literal_dollar_before_a_name_cannot_go_to_packages_env(tmp_path: Path) -> None:
    diagnostics = compile_errors(tmp_path, _env_project(["$${LITERAL}"]))
    assert [d.code for d in diagnostics] == ["HSM311"]


def test_a_nested_default_cannot_go_to_packages_env(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - client\n",
        "registry/packages/client.yaml": 'name: client\nenv:\n  URL: "${A:-${B}}"\n',
    }
    assert [d.code for d in compile_errors(tmp_path, files)] == ["HSM311"]


def test_a_reference_to_another_variable_of_packages_env_is_refused(tmp_path: Path) -> None:
    """A user trial: `${AMQP_URL}` made rabbitmq's connection a required .env input, and the
    value typed there replaced the connection for host code."""
    celery = 'name: celery\nimplies:\n  container:rabbitmq:\nenv:\n  BROKER: "${AMQP_URL}"\n'
    files = {"hsm.yaml": "packages:\n  - celery\n", "registry/packages/celery.yaml": celery}
    (found,) = compile_errors(tmp_path / "a", files)
    assert (found.code, found.span and (found.span.line, found.span.col)) == ("HSM311", (5, 12))
    assert "packages.env sets `AMQP_URL` itself (the connection of `rabbitmq`)" in found.message
    # a variable passed through unchanged may be read, and so may an input packages.env lacks
    other = 'name: other\nenv:\n  TOKEN: "${TOKEN}"\n  B: "${TOKEN}"\n  C: "${ELSE}"\n'
    files = {"hsm.yaml": "packages:\n  - other\n", "registry/packages/other.yaml": other}
    assert 'B="${TOKEN}"' in compile_files(tmp_path / "b", files)["packages.env"]


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        # the same reading of LEVEL: the same value everywhere
        ('  LEVEL: "${LEVEL:-a}"\n  B: "x${LEVEL:-a}"\n', False),
        ('  LEVEL: "${LEVEL:?set it}"\n  B: "${LEVEL:?set LEVEL}"\n', False),
        # another default (or none): unset, B and LEVEL differ
        ('  LEVEL: "${LEVEL:-a}"\n  B: "${LEVEL:-b}"\n', True),
        ('  LEVEL: "${LEVEL:-a}"\n  B: "${LEVEL}"\n', True),
        ('  LEVEL: "${LEVEL-a}"\n  B: "${LEVEL:-a}"\n', True),
    ],
)
def test_a_reference_to_a_variable_passed_through_must_read_it_alike(
    tmp_path: Path, env: str, refused: bool
) -> None:
    files = {
        "hsm.yaml": "packages:\n  - other\n",
        "registry/packages/other.yaml": "name: other\nenv:\n" + env,
    }
    if refused:
        (found,) = compile_errors(tmp_path, files)
        assert found.code == "HSM311" and found.message.startswith("`B` reads `${LEVEL")
    else:
        compile_files(tmp_path, files)


def test_a_reference_to_itself_inside_its_own_value_says_so(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - other\n",
        "registry/packages/other.yaml": 'name: other\nenv:\n  X: "a${X}"\n',
    }
    (found,) = compile_errors(tmp_path, files)
    assert found.code == "HSM311" and found.message == (
        "`X` reads `${X}` from .env inside its own value: packages.env sets `X` to `a${X}`, "
        "which host code reads, and a value in .env replaces it"
    )
    assert found.hint and found.hint.startswith("write `X: ${X}` to pass .env's value through")


def test_a_line_break_in_a_name_cannot_escape_a_comment(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": (
            "services:\n  container_groups:\n    box:\n      selection: box\n"
            '      profile: "p\\nrestart: always"\n'
        ),
        "registry/containers/box.yaml": (
            "name: box\nimage: alpine:3.20\ndeployment_profiles:\n"
            '  "p\\nrestart: always":\n    mode: managed\n'
        ),
    }
    artifacts = compile_files(tmp_path, files)
    (tmp_path / "docker-compose.yml").write_text(artifacts["docker-compose.yml"], encoding="utf-8")
    result = subprocess.run(
        [str(compose_binary()), "config", "--format", "json"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "restart" not in json.loads(result.stdout)["services"]["box"]
    assert "profile p restart: always;" in artifacts["docker-compose.yml"]


def test_a_requirement_line_with_a_line_break_is_a_bug_not_an_extra_line() -> None:
    from hsmc.emit.text import one_line

    assert one_line("redis==5.0.1") == "redis==5.0.1"
    with pytest.raises(ValueError, match="line break"):
        one_line("redis\n--index-url http://evil")


def test_a_variable_name_reaches_an_env_file_only_through_its_filter() -> None:
    from hsmc.emit.text import env_name

    assert env_name("PGHOST") == "PGHOST"
    with pytest.raises(ValueError, match="not an environment variable name"):
        env_name("X\nEVIL=1")

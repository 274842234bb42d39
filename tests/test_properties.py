"""Properties of every golden case, checked with real consumers.

* two builds (another cwd, another PYTHONHASHSEED, files created in another order) are
  byte-identical;
* real Docker Compose v2 accepts docker-compose.yml (`config -q`, no warning) with the
  variables of .env.template set, and fails without a required one;
* sentinel secret values in the environment and in .env files reach no artifact;
* install.sh installs an editable local package with real uv, offline (see test_install.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import (
    CASES,
    GOLDEN,
    compose_binary,
    copy_case,
    env_template_values,
    run_hsmc,
)


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _build(project: Path, tmp: Path, **env: str) -> Path:
    result = run_hsmc("build", project, cwd=tmp, env=env)
    assert result.returncode == 0, result.stderr
    return project / "generated"


@pytest.mark.parametrize("case", CASES)
def test_builds_are_byte_identical_across_cwd_hash_seed_and_file_order(
    case: str, tmp_path: Path
) -> None:
    first = copy_case(case, tmp_path / "a")
    second = copy_case(case, tmp_path / "b" / "deeper", reverse=True)
    one = run_hsmc("build", cwd=first, env={"PYTHONHASHSEED": "0", "LC_ALL": "C"})
    two = run_hsmc("build", second, cwd=tmp_path, env={"PYTHONHASHSEED": "4242"})
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert _tree(first / "generated") == _tree(second / "generated")


@pytest.mark.parametrize("case", CASES)
def test_building_twice_changes_nothing(case: str, tmp_path: Path) -> None:
    project = copy_case(case, tmp_path)
    before = _tree(_build(project, tmp_path))
    assert _tree(_build(project, tmp_path)) == before


def _compose(output: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # A controlled environment: the host's variables must not leak into interpolation.
    return subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", *args],
        cwd=output,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(output), **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("case", CASES)
def test_docker_compose_accepts_the_compose_file(case: str, tmp_path: Path) -> None:
    output = _build(copy_case(case, tmp_path), tmp_path)
    env = env_template_values(output / ".env.template")
    result = _compose(output, env, "config", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # no "variable is not set" warning
    rendered = json.loads(_compose(output, env, "config", "--format", "json").stdout)
    compose_text = (output / "docker-compose.yml").read_text(encoding="utf-8")
    for name in rendered.get("services", {}):
        assert f"\n  {name}:\n" in compose_text


def _strict_inputs(case: str) -> list[str]:
    """Inputs referenced as ${VAR:?…} in the case's compose file."""
    text = (GOLDEN / case / "expected" / "docker-compose.yml").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", text)))


STRICT = [(case, name) for case in CASES for name in _strict_inputs(case)]


@pytest.mark.parametrize(("case", "name"), STRICT)
def test_docker_compose_refuses_a_missing_required_input(
    case: str, name: str, tmp_path: Path
) -> None:
    output = _build(copy_case(case, tmp_path), tmp_path)
    env = env_template_values(output / ".env.template")
    del env[name]
    result = _compose(output, env, "config", "-q")
    assert result.returncode != 0 and name in result.stderr


SENTINEL = "s3ntinel-Value-9f2c"


@pytest.mark.parametrize("case", CASES)
def test_no_secret_value_reaches_an_artifact(case: str, tmp_path: Path) -> None:
    project = copy_case(case, tmp_path)
    names = env_template_values(GOLDEN / case / "expected" / ".env.template")
    names |= {n: "" for n in ("POSTGRES_PASSWORD", "QDRANT_API_KEY", "NEO4J_PASSWORD")}
    values = {name: f"{SENTINEL}-{name}" for name in names}
    dotenv = "".join(f"{k}={v}\n" for k, v in values.items())
    (project / ".env").write_text(dotenv, encoding="utf-8")
    (project / "generated").mkdir()
    (project / "generated" / ".env").write_text(dotenv, encoding="utf-8")
    output = _build(project, tmp_path, **values)
    for path, (content, _) in _tree(output).items():
        if path == ".env":
            continue  # the user's own file, which hsmc never touches
        assert SENTINEL.encode() not in content, path
    assert (output / ".env").read_text(encoding="utf-8") == dotenv


EXAMPLES = sorted(p.name for p in (GOLDEN.parent / "examples").iterdir() if p.is_dir())


@pytest.mark.parametrize("example", EXAMPLES)
def test_docker_compose_accepts_the_examples_on_the_built_in_registry(
    example: str, tmp_path: Path
) -> None:
    project = tmp_path / example
    project.mkdir()
    source = GOLDEN.parent / "examples" / example / "hsm.yaml"
    (project / "hsm.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    output = _build(project, tmp_path)
    env = env_template_values(output / ".env.template")
    result = _compose(output, env, "config", "-q")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    services = json.loads(_compose(output, env, "config", "--format", "json").stdout)["services"]
    if example == "all-builtins":
        expected = {"minio", "mongodb", "neo4j", "postgres", "qdrant", "rabbitmq", "redis"}
        assert set(services) == expected

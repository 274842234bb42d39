"""Issue 13, point 1: built-ins publish on 127.0.0.1 at `${<NAME>_HOST_PORT:-<default>}`, and
packages.env follows the same input; a group's `overrides: ports:` is followed, or an error.
Checked with real consumers: Docker Compose v2 (`config`) and python-dotenv."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from dotenv import dotenv_values

from hsmc import builtin
from tests.conftest import compile_errors, compose_config, run_hsmc, write_project

BUILT_INS = sorted(p.stem for p in (builtin.registry_root() / "containers").glob("*.yaml"))
_ITEM = re.compile(r'  - "127\.0\.0\.1:\$\{([A-Z0-9_]+)_HOST_PORT:-(\d+)\}:(\d+)"')


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_built_in_port_is_loopback_with_a_host_port_input(name: str) -> None:
    text = (builtin.registry_root() / "containers" / f"{name}.yaml").read_text()
    items = text.split("\nports:\n", 1)[1].split("\n")
    items = items[: next(i for i, line in enumerate(items) if not line.startswith("  - "))]
    assert items, name
    main = re.search(r"^port: (\d+)$", text, re.MULTILINE)
    assert main is not None
    for item in items:
        match = _ITEM.fullmatch(item)
        assert match is not None, item
        prefix, default, container = match.groups()
        assert default == container
        expected = name.upper() if container == main.group(1) else f"{name.upper()}_"
        assert prefix == expected or prefix.startswith(expected), item


def _published(config: dict[str, object], service: str) -> list[tuple[str, str, int]]:
    services = config["services"]
    assert isinstance(services, dict)
    ports = services[service]["ports"]
    return [(p.get("host_ip", ""), p["published"], p["target"]) for p in ports]


def _packages_env(output: Path, env: dict[str, str]) -> dict[str, str | None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return dict(dotenv_values(output / "packages.env", interpolate=True))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_a_taken_port_is_moved_by_one_input_that_packages_env_follows(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"hsm.yaml": "packages:\n  - psycopg\n  - redis\n"})
    assert run_hsmc("build", cwd=project).returncode == 0
    output = project / "generated"
    env = {"POSTGRES_PASSWORD": "pw", "POSTGRES_HOST_PORT": "15432", "REDIS_HOST_PORT": "16379"}
    config = compose_config(output, env)
    assert _published(config, "postgres") == [("127.0.0.1", "15432", 5432)]
    assert _published(config, "redis") == [("127.0.0.1", "16379", 6379)]
    values = _packages_env(output, env)
    assert values["PGPORT"] == "15432" and values["PGHOST"] == "localhost"
    assert values["REDIS_URL"] == "redis://:@localhost:16379/0"
    defaults = _packages_env(output, {"POSTGRES_PASSWORD": "pw"})
    assert defaults["PGPORT"] == "5432"
    assert _published(compose_config(output, {"POSTGRES_PASSWORD": "pw"}), "postgres") == [
        ("127.0.0.1", "5432", 5432)
    ]
    template = (output / ".env.template").read_text()
    assert "\nPOSTGRES_HOST_PORT=5432\n" in template and "\nREDIS_HOST_PORT=6379\n" in template


GROUP = "services:\n  container_groups:\n    postgres:\n      selection: postgres\n"


def test_overrides_ports_are_followed_by_packages_env(tmp_path: Path) -> None:
    overrides = '      overrides:\n        ports:\n          - "127.0.0.1:15432:5432"\n'
    project = write_project(tmp_path, {"hsm.yaml": "packages:\n  - psycopg\n" + GROUP + overrides})
    assert run_hsmc("build", cwd=project).returncode == 0
    output = project / "generated"
    assert 'PGPORT="15432"' in (output / "packages.env").read_text()
    config = compose_config(output, {"POSTGRES_PASSWORD": "pw"})
    assert _published(config, "postgres") == [("127.0.0.1", "15432", 5432)]


def test_overrides_ports_without_the_main_port_is_an_error(tmp_path: Path) -> None:
    overrides = '      overrides:\n        ports:\n          - "127.0.0.1:15432:5433"\n'
    (diag,) = compile_errors(tmp_path, {"hsm.yaml": "packages:\n  - psycopg\n" + GROUP + overrides})
    assert diag.code == "HSM404" and "`overrides: ports:` of group `postgres`" in (diag.hint or "")
    assert [(r.span.file, r.span.line) for r in diag.related] == [("hsm.yaml", 9)]


def test_two_groups_of_one_built_in_still_collide(tmp_path: Path) -> None:
    second = "    postgres-b:\n      selection: postgres\n"
    (diag,) = compile_errors(tmp_path / "clash", {"hsm.yaml": GROUP + second})
    assert diag.code == "HSM408" and "${POSTGRES_HOST_PORT:-5432}" in diag.message
    overrides = '      overrides:\n        ports:\n          - "127.0.0.1:15433:5432"\n'
    files = {"hsm.yaml": GROUP + second + overrides}
    write_project(tmp_path / "fixed", files)
    assert run_hsmc("build", cwd=tmp_path / "fixed").returncode == 0

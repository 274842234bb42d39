"""Host-port clashes (issue 24 item 2): two published ports that land on the same host address
and port are HSM408, however they are written — literal beside a reference's default, or after
the values `.env` gives (`hsmc check --env-file`) — naming both services. On main only two
ports written the same way were caught; Docker said "port is already allocated" at `up`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_hsmc, write_project


def _project(root: Path, cache_port: str, extra: str = "") -> Path:
    return write_project(
        root,
        {
            "hsm.yaml": "name: clash\npackages:\n  - redis\n"
            + extra
            + "services:\n  container_groups:\n    cache:\n      selection: cache\n",
            "registry/containers/cache.yaml": "name: cache\nimage: ghcr.io/example/cache:1\n"
            f'ports:\n  - "{cache_port}"\n',
        },
    )


def test_a_literal_port_beside_a_references_default_is_a_clash(tmp_path: Path) -> None:
    """The built-in redis publishes `127.0.0.1:${REDIS_HOST_PORT:-6379}:6379`."""
    _project(tmp_path, "127.0.0.1:6379:6379")
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "error[HSM408]" in result.stderr
    assert "`cache` (127.0.0.1:6379:6379)" in result.stderr and "`redis`" in result.stderr
    assert "hsm.yaml:" in result.stderr
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize(
    ("item", "clash"),
    [
        ("0.0.0.0:6379:6379", True),  # every IPv4 address, 127.0.0.1 included
        ("6379:6379", True),  # every interface
        ("127.0.0.2:6379:6379", False),  # another address
        ("[::1]:6379:6379", False),  # another family
        ("127.0.0.1:6379:6379/udp", False),  # another protocol
        ("127.0.0.1:6380:6379", False),
    ],
)
def test_addresses_and_protocols_decide(tmp_path: Path, item: str, clash: bool) -> None:
    _project(tmp_path, item)
    result = run_hsmc("check", cwd=tmp_path)
    assert (result.returncode == 1) is clash, result.stderr
    assert ("HSM408" in result.stderr) is clash


def test_ports_moved_onto_each_other_in_env_are_a_clash_in_check(tmp_path: Path) -> None:
    _project(tmp_path, "127.0.0.1:${CACHE_HOST_PORT:-8080}:8080")
    assert run_hsmc("check", cwd=tmp_path).returncode == 0
    (tmp_path / "stack.env").write_text(
        "REDIS_PASSWORD=x\nREDIS_HOST_PORT=25432\nCACHE_HOST_PORT=25432\n"
    )
    result = run_hsmc("check", "--env-file", "stack.env", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "error[HSM408]" in result.stderr and "with the values of the env file" in result.stderr
    assert "25432" not in result.stderr  # names, never the values of .env
    (tmp_path / "stack.env").write_text("REDIS_PASSWORD=x\nREDIS_HOST_PORT=25432\n")
    assert run_hsmc("check", "--env-file", "stack.env", cwd=tmp_path).returncode == 0

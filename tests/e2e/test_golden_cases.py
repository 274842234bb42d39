"""Every golden design case that has a runnable image or build context comes up with all its
services healthy, generated files unchanged (only a `.env` is added, as a user does)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import CASES, copy_case, env_template_values
from tests.e2e.conftest import StackFactory
from tests.e2e.stack import NotRunnable, Stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def fill_env(stack: Stack) -> dict[str, str]:
    """A value for every input .env.template lists: a free port for ports, else a word."""
    names = env_template_values(stack.out / ".env.template")
    values = {
        name: str(free_port()) if name.endswith("PORT") else f"e2e-{name.lower()}" for name in names
    }
    stack.write_env(values)
    return values


def assert_all_healthy(stack: Stack) -> None:
    states = {c["Service"]: (c["State"], c.get("Health", "")) for c in stack.ps()}
    services = set(stack.config()["services"])
    assert set(states) == services
    assert all(state == ("running", "healthy") for state in states.values()), states


@pytest.mark.parametrize("case", CASES)
def test_golden_case_comes_up_healthy(case: str, stacks: StackFactory, tmp_path: Path) -> None:
    stack = stacks(copy_case(case, tmp_path))
    stack.build()
    fill_env(stack)
    if not stack.config().get("services"):
        pytest.skip(f"{case}: every container is external; nothing to run")
    try:
        stack.check_runnable()
    except NotRunnable as reason:
        pytest.skip(f"{case}: {reason}")
    stack.up("--build")
    assert_all_healthy(stack)
    if case == "01-shared-container":
        listed = stack.exec(
            "postgres", "psql", "-U", "postgres", "-Atc", "SELECT datname FROM pg_database"
        )
        assert {"auth_db", "billing_db"} <= set(listed.stdout.split())

"""The e2e engine fixture's refusals (no engine needed): it never touches a daemon nobody named,
and without root or HSMC_E2E_DOCKER_HOST it says why the e2e tests cannot run."""

from __future__ import annotations

import pytest

from tests.e2e import engine as e2e_engine
from tests.e2e.images import repository, standin_kind


def test_without_root_and_without_a_named_engine_there_is_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HSMC_E2E_DOCKER_HOST", raising=False)
    monkeypatch.setattr(e2e_engine.os, "geteuid", lambda: 1000)
    with pytest.raises(e2e_engine.NoEngine, match=r"not root .* HSMC_E2E_DOCKER_HOST"):
        e2e_engine.get_engine()


def test_a_named_engine_that_does_not_answer_is_not_replaced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("HSMC_E2E_DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    with pytest.raises(e2e_engine.NoEngine, match=r"does not answer|docker CLI is missing"):
        e2e_engine.get_engine()


def test_the_controlled_environment_keeps_no_user_docker_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_CONTEXT", "production")
    monkeypatch.setenv("COMPOSE_FILE", "/elsewhere/compose.yml")
    env = e2e_engine.base_env("unix:///tmp/x.sock")
    assert env["DOCKER_HOST"] == "unix:///tmp/x.sock"
    assert "DOCKER_CONTEXT" not in env and "COMPOSE_FILE" not in env


@pytest.mark.parametrize(
    ("reference", "kind"),
    [
        ("postgres:16.10-alpine", "postgres"),
        ("docker.io/library/redis:7.4.11-alpine", "redis"),
        ("rabbitmq:3.13.7-management-alpine", "rabbitmq"),
        ("ghcr.io/example/graph-builder:1.4.0", "graph-builder"),
        ("localhost:5000/postgres:16", None),
        ("neo4j:5.23.0-community", None),
        ("qdrant/qdrant:v1.15.5", "qdrant"),
        ("docker.io/qdrant/qdrant:v1.16.3", "qdrant"),
    ],
)
def test_stand_ins_are_chosen_by_repository(reference: str, kind: str | None) -> None:
    assert standin_kind(reference) == kind
    assert ":" not in repository(reference).rsplit("/", 1)[-1]

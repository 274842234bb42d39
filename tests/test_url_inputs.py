"""HSM502: a .env value that would go unencoded into a URL and change its meaning is refused by
`hsmc check --env-file`. The real clients show why: redis-py and pika parse such a URL into
another host (no connection is made here; parsing alone shows it)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pika
import redis.connection
from dotenv import dotenv_values

from tests.conftest import run_hsmc, write_project

HOSTILE = "p@ss/w:rd #1 %41 x"
BUILTINS = {"hsm.yaml": "packages:\n  - psycopg\n  - redis\n  - pika\n"}


def env_file(project: Path, password: str) -> Path:
    names = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD")
    path = project / ".env"
    path.write_text("".join(f"{n}='{password}'\n" for n in names), encoding="utf-8")
    return path


def client_urls(project: Path) -> dict[str, str | None]:
    """packages.env with .env, expanded the way python-dotenv does for a package."""
    env = dotenv_values(project / ".env")
    text = (project / "generated" / "packages.env").read_text(encoding="utf-8")
    for name, value in env.items():
        text = text.replace("${" + name + "}", value or "").replace(
            "${" + name + ":-}", value or ""
        )
    return dict(dotenv_values(stream=io.StringIO(text)))


def test_the_raw_url_misleads_the_real_clients(tmp_path: Path) -> None:
    project = write_project(tmp_path, BUILTINS)
    assert run_hsmc("build", project, cwd=project).returncode == 0
    env_file(project, HOSTILE)
    urls = client_urls(project)
    assert urls["REDIS_URL"] is not None and urls["AMQP_URL"] is not None
    # Part of the password becomes the host name the clients would connect to.
    assert redis.connection.parse_url(urls["REDIS_URL"])["host"] != "localhost"
    assert pika.URLParameters(urls["AMQP_URL"]).host != "localhost"


def test_check_refuses_url_unsafe_values_and_never_prints_them(tmp_path: Path) -> None:
    project = write_project(tmp_path, BUILTINS)
    env = env_file(project, HOSTILE)
    result = run_hsmc("check", "--env-file", env, "--format", "json", cwd=project)
    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)
    assert [(d["code"], d["message"].split("`")[1]) for d in found] == [
        ("HSM502", "RABBITMQ_PASSWORD"),
        ("HSM502", "REDIS_PASSWORD"),
    ]  # POSTGRES_PASSWORD reaches clients as PGPASSWORD, no URL: any character is fine
    assert "AMQP_URL in packages.env" in found[0]["hint"]
    assert "p@ss" not in result.stdout + result.stderr


def test_check_accepts_url_safe_values(tmp_path: Path) -> None:
    project = write_project(tmp_path, BUILTINS)
    env = env_file(project, "Ab9-._~!*(),;=+&")
    result = run_hsmc("check", "--env-file", env, cwd=project)
    assert result.returncode == 0, result.stderr


def test_only_references_after_a_scheme_are_checked(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        {
            "hsm.yaml": """
                packages:
                  - app
                services:
                  container_groups:
                    web:
                      selection: web
                """,
            "registry/packages/app.yaml": """
                name: app
                env:
                  APP_SECRET: "${APP_SECRET}"
                  APP_LINK: "see ${APP_DOC} at https://example.org/${APP_PAGE}"
                """,
            "registry/containers/web.yaml": """
                name: web
                image: example/web:1
                env:
                  WEB_LINK: "https://example.org/${WEB_PAGE:-${WEB_HOME}}"
                """,
        },
    )
    env = project / ".env"
    values = ("APP_SECRET", "APP_DOC", "APP_PAGE", "WEB_PAGE", "WEB_HOME")
    env.write_text("".join(f"{n}='{HOSTILE}'\n" for n in values), encoding="utf-8")
    result = run_hsmc("check", "--env-file", env, "--format", "json", cwd=project)
    names = [d["message"].split("`")[1] for d in json.loads(result.stdout)]
    # after the `://` only, and a reference in a default lands in the URL too
    assert sorted(names) == ["APP_PAGE", "WEB_HOME", "WEB_PAGE"], result.stdout

"""The built-in postgres, redis and rabbitmq with their real PyPI clients (psycopg, redis, pika),
connecting from the host with nothing but packages.env and .env."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_hsmc, write_project
from tests.e2e.conftest import StackFactory

BUILTINS = """
    packages:
      - psycopg
      - redis
      - pika
    """

CLIENTS = """
    import pika, psycopg, redis

    with psycopg.connect() as conn:
        print("postgres", conn.execute("SELECT current_user").fetchone()[0])

    r = redis.Redis.from_url(os.environ["REDIS_URL"])
    r.set("e2e", "stored")
    print("redis", r.get("e2e").decode())

    connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
    channel = connection.channel()
    channel.queue_declare(queue="e2e")
    channel.basic_publish(exchange="", routing_key="e2e", body=b"delivered")
    for _ in range(50):
        method, _, body = channel.basic_get(queue="e2e", auto_ack=True)
        if method is not None:
            break
        connection.sleep(0.1)
    print("rabbitmq", body.decode())
    connection.close()
"""


HOSTILE = "p@ss/w:rd #1 %41 x"
URL_SAFE = "Ab9-._~!*(),;=+&"


def test_builtin_clients_connect_with_packages_env(stacks: StackFactory, tmp_path: Path) -> None:
    """Real psycopg, redis and pika with nothing but packages.env and .env. The postgres password
    holds @ / : # % and spaces (no URL carries it: PGPASSWORD); redis and rabbitmq passwords
    hold every character a URL takes as it is (they go into REDIS_URL and AMQP_URL). The
    postgres user is not the default one (the healthcheck and the database script use it)."""
    project = write_project(tmp_path / "clients", {"hsm.yaml": BUILTINS})
    stack = stacks(project)
    stack.build()
    values = {
        "POSTGRES_PASSWORD": HOSTILE,
        "POSTGRES_USER": "hsm_admin",
        "REDIS_PASSWORD": URL_SAFE,
        "RABBITMQ_PASSWORD": URL_SAFE,
        "RABBITMQ_USER": "hsm",
    }
    stack.write_env(values)
    check = run_hsmc("check", project, "--env-file", stack.out / ".env", cwd=project)
    assert check.returncode == 0, check.stderr
    stack.up()
    out = stack.host_python(CLIENTS)
    assert out.splitlines() == ["postgres hsm_admin", "redis stored", "rabbitmq delivered"]
    # redis really requires the password: without it, the server says NOAUTH.
    denied = stack.exec("redis", "redis-cli", "set", "x", "1").stdout
    assert "NOAUTH" in denied


def test_reserved_characters_in_a_url_password_are_refused_at_check_time(tmp_path: Path) -> None:
    """The same @ / : # % and spaces in REDIS_PASSWORD or RABBITMQ_PASSWORD would make redis-py
    and pika read part of the password as the host: `hsmc check --env-file` refuses them."""
    project = write_project(tmp_path / "passwords", {"hsm.yaml": BUILTINS})
    assert run_hsmc("build", project, cwd=project).returncode == 0
    names = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD")
    env = project / "generated" / ".env"
    env.write_text("".join(f"{name}='{HOSTILE}'\n" for name in names), encoding="utf-8")
    check = run_hsmc("check", project, "--env-file", env, cwd=project)
    assert check.returncode == 1
    refused = sorted(set(re.findall(r"error\[HSM502\]: the value of `(\w+)`", check.stderr)))
    assert refused == ["RABBITMQ_PASSWORD", "REDIS_PASSWORD"], check.stderr

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


def test_builtin_clients_connect_with_packages_env(stacks: StackFactory, tmp_path: Path) -> None:
    project = write_project(tmp_path / "clients", {"hsm.yaml": BUILTINS})
    stack = stacks(project)
    stack.build()
    stack.write_env(
        {
            "POSTGRES_PASSWORD": "pg-e2e-secret",
            "REDIS_PASSWORD": "redis-e2e-secret",
            "RABBITMQ_PASSWORD": "mq-e2e-secret",
            "RABBITMQ_USER": "hsm",
        }
    )
    stack.up()
    out = stack.host_python(CLIENTS)
    assert out.splitlines() == ["postgres postgres", "redis stored", "rabbitmq delivered"]
    # redis really requires the password: without it, the server says NOAUTH.
    denied = stack.exec("redis", "redis-cli", "set", "x", "1").stdout
    assert "NOAUTH" in denied


HOSTILE = "p@ss/w:rd #1 %41 x"
URL_SAFE = "Ab9-._~!*(),;=+&"


def test_reserved_characters_in_passwords_work_or_are_refused(
    stacks: StackFactory, tmp_path: Path
) -> None:
    """A password with @ / : # % and spaces works end to end where no URL carries it
    (postgres: PGPASSWORD), and is refused by `hsmc check --env-file` where one does (HSM502,
    REDIS_URL, AMQP_URL); every character a URL takes as it is works there end to end."""
    project = write_project(tmp_path / "passwords", {"hsm.yaml": BUILTINS})
    stack = stacks(project)
    stack.build()
    hostile = {
        "POSTGRES_PASSWORD": HOSTILE,
        "REDIS_PASSWORD": HOSTILE,
        "RABBITMQ_PASSWORD": HOSTILE,
    }
    stack.write_env(hostile)
    check = run_hsmc("check", project, "--env-file", stack.out / ".env", cwd=project)
    assert check.returncode == 1
    refused = sorted(set(re.findall(r"error\[HSM502\]: the value of `(\w+)`", check.stderr)))
    assert refused == ["RABBITMQ_PASSWORD", "REDIS_PASSWORD"], check.stderr

    safe = {**hostile, "REDIS_PASSWORD": URL_SAFE, "RABBITMQ_PASSWORD": URL_SAFE}
    stack.write_env(safe)
    check = run_hsmc("check", project, "--env-file", stack.out / ".env", cwd=project)
    assert check.returncode == 0, check.stderr
    stack.up()
    out = stack.host_python(CLIENTS)
    assert out.splitlines() == ["postgres postgres", "redis stored", "rabbitmq delivered"]

"""The built-in postgres, redis and rabbitmq with their real PyPI clients (psycopg, redis, pika),
connecting from the host with nothing but packages.env and .env."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_hsmc, write_project
from tests.e2e.conftest import StackFactory
from tests.e2e.test_golden_cases import free_port

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

# the ports the clients really used (psycopg's connection, redis-py's)
PORTS = """
    with psycopg.connect() as conn:
        pg = conn.info.port
    print("ports", pg, r.connection_pool.connection_kwargs["port"])
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
        # issue 13, point 1: the host ports move in .env, and packages.env follows them
        **{f"{name}_HOST_PORT": str(free_port()) for name in ("POSTGRES", "REDIS", "RABBITMQ")},
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
    out = stack.host_python(CLIENTS + PORTS)
    assert out.splitlines() == [
        "postgres hsm_admin",
        "redis stored",
        "rabbitmq delivered",
        f"ports {values['POSTGRES_HOST_PORT']} {values['REDIS_HOST_PORT']}",
    ]
    published = {c["Service"]: c["Publishers"] for c in stack.ps()}
    for service in ("postgres", "redis", "rabbitmq"):
        wanted = values[f"{service.upper()}_HOST_PORT"]
        hosts = {
            (p["URL"], str(p["PublishedPort"])) for p in published[service] if p["PublishedPort"]
        }
        assert ("127.0.0.1", wanted) in hosts, published[service]
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


AMQP = """
    import pika

    try:
        connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
    except pika.exceptions.AMQPConnectionError as exc:
        print("refused", type(exc).__name__)
    else:
        print("connected", connection.channel().is_open)
        connection.close()
"""


def test_rabbitmq_is_healthy_only_while_amqp_accepts_connections(
    stacks: StackFactory, tmp_path: Path
) -> None:
    """Issue 24, point 5: the built-in healthcheck proves that AMQP accepts connections, so a
    client connects right after `up --wait`, with no retry. `rabbitmqctl stop_app` keeps the
    node (and `rabbitmq-diagnostics ping`) up but closes every listener: the healthcheck of the
    generated compose file must fail then, and pass again once the app is back."""
    project = write_project(tmp_path / "amqp", {"hsm.yaml": "packages:\n  - pika\n"})
    stack = stacks(project)
    stack.build()
    ports = {f"{name}_HOST_PORT": str(free_port()) for name in ("RABBITMQ", "RABBITMQ_MANAGEMENT")}
    stack.write_env({**ports, "RABBITMQ_PASSWORD": URL_SAFE})
    stack.up()
    assert stack.host_python(AMQP).split() == ["connected", "True"]  # at once, no retry

    test = stack.config()["services"]["rabbitmq"]["healthcheck"]["test"]
    assert test[0] == "CMD", test
    stack.exec("rabbitmq", "rabbitmqctl", "stop_app")
    assert stack.host_python(AMQP).split()[0] == "refused"
    assert stack.exec("rabbitmq", "rabbitmq-diagnostics", "-q", "ping").returncode == 0
    probe = stack.compose("exec", "-T", "rabbitmq", *test[1:], check=False)
    assert probe.returncode != 0, probe.stdout + probe.stderr

    stack.exec("rabbitmq", "rabbitmqctl", "start_app")  # returns once the node is booted
    probe = stack.compose("exec", "-T", "rabbitmq", *test[1:], check=False)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert stack.host_python(AMQP).split() == ["connected", "True"]
